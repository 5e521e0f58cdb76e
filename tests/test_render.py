"""The Markdown shortcut for plain text (render.markdown_inline and
render.markdown_to_html skip markdown-it when no character could start
Markdown syntax or needs escaping) gives exactly markdown-it's output."""
from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.render import _MD, markdown_inline, markdown_to_html
from site_builder.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "a  b", " a", "a ", "\u3000全角空格开头", "结尾全角空格\u3000", "\xa0a", "a\tb", "http://x.com", "www.x.com",
    "1. 第一", "2025年完成", "1) a", "# 标题", "- 列表", "+ 列表", "* 列表", "> 引用", "= a", "a|b", "| a | b |",
    "a'b", "$x$", "$\\geq 95\\%$", "a:b", "© (c)", "--", "...", "&amp;", "&copy;", "<b>粗</b>", "a\nb", "a  \nb",
    "**粗**", "_斜_", "`代码`", "[链接](http://x)", "![图](x.png)", "~~删~~", "a\\*b", "\"引号\"", "    缩进代码",
    "确保资金按时支付（100%）", "≥95%", "预算数*100%", "中文；标点，句号。",
]


def _seed_texts() -> set[str]:
    texts: set[str] = set()
    for lf in validate_paths([ROOT / "content" / "filings"]).filings:
        f = lf.filing
        if f.overview:
            texts.update([f.overview.overall_goal, *f.overview.sub_goals, *f.overview.safeguards])
        for p in f.projects:
            texts.update([p.name, p.purpose or "", *p.goals])
            for ind in p.indicators:
                texts.update([ind.name, ind.target, ind.description or "", ind.basis or ""])
    texts.discard("")
    return texts


@pytest.mark.parametrize("text", TRICKY)
def test_shortcut_equals_markdown_it_on_tricky_text(text):
    assert str(markdown_inline(text)) == _MD.renderInline(text)
    markdown_to_html.cache_clear()
    assert str(markdown_to_html(text)) == _MD.render(text)


def test_shortcut_equals_markdown_it_on_every_seed_text():
    texts = _seed_texts()
    assert len(texts) > 500
    for text in texts:
        assert str(markdown_inline(text)) == _MD.renderInline(text), text
        assert str(markdown_to_html(text)) == _MD.render(text), text


def test_plain_chinese_text_skips_markdown_it(monkeypatch):
    import site_builder.render as render

    class Refuse:
        def render(self, text):
            raise AssertionError("markdown-it called for plain text")

        renderInline = render

    monkeypatch.setattr(render, "_MD", Refuse())
    render.markdown_to_html.cache_clear()
    assert render.markdown_inline("确保资金按时支付（100%）") == "确保资金按时支付（100%）"
    assert render.markdown_to_html("用于机关办公楼日常运行。") == "<p>用于机关办公楼日常运行。</p>\n"
    with pytest.raises(AssertionError):
        render.markdown_inline("**粗**")
    render.markdown_to_html.cache_clear()


def test_search_field_filters_equal_the_jinja_they_replace():
    """render.code_suffixes and render.unique_names (search_attrs.html) give
    what the Jinja loop and map|unique|list gave, on every seed project and
    on names that differ only in case (|unique ignores case)."""
    import jinja2

    from site_builder.render import code_suffixes, unique_names

    env = jinja2.Environment(autoescape=True)
    loop = env.from_string('{% set code = code|lower %}{% for i in range(1, code|length - 3) %} {{ code[i:] }}{% endfor %}')
    names = env.from_string('{{ items|map(attribute="name")|unique|list|join("|") }}')
    projects = [p for lf in validate_paths([ROOT / "content" / "filings"]).filings for p in lf.filing.projects]
    assert len(projects) > 30 and sum(1 for p in projects if p.code) > 20
    projects.append(projects[0].model_copy(update={"code": "AbC<1>&x"}))  # escaping, case
    for p in projects:
        if p.code:
            assert loop.render(code=p.code) == str(jinja2.filters.escape(code_suffixes(p.code)))
        assert names.render(items=p.indicators) == str(jinja2.filters.escape("|".join(unique_names(p.indicators))))

    class Named:
        def __init__(self, name):
            self.name = name

    mixed = [Named("PM2.5浓度"), Named("pm2.5浓度"), Named("满意度"), Named("PM2.5浓度"), Named("Ab")]
    assert names.render(items=mixed) == "|".join(unique_names(mixed)) == "PM2.5浓度|满意度|Ab"
