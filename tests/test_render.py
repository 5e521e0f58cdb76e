"""The Markdown shortcut for plain text (render.markdown_inline and
render.markdown_to_html skip markdown-it when no character could start
Markdown syntax or needs escaping) gives exactly markdown-it's output."""
from __future__ import annotations


import pytest

from conftest import REPO as ROOT
from site_builder.render import _MD, markdown_inline, markdown_to_html
from site_builder.content.validate import validate_paths


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
    """search_fields.code_suffixes and .unique_names give
    what the Jinja loop and map|unique|list gave, on every seed project and
    on names that differ only in case (|unique ignores case)."""
    import jinja2

    from site_builder.pages.search_fields import code_suffixes, unique_names

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


def test_printed_expressions_escape_exactly_as_markupsafe():
    """Compiled templates print through render._output_escape (plain text,
    no Markup object per expression): the same text as markupsafe.escape for
    every kind of value, and the templates really use it."""
    from decimal import Decimal

    import jinja2
    from markupsafe import Markup, escape

    from site_builder.content.config import SiteConfig
    from site_builder.render import Assets, Renderer, _output_escape

    class Html:
        def __html__(self):
            return "<b>safe</b>"

    for value in ["", "plain 中文", "<a href='x'>&\"</a>", Markup("<i>ok</i>"), 3, -12, True, Decimal("1.50"), None,
                  Html(), ["<x>"]]:
        assert _output_escape(value) == str(escape(value))
    renderer = Renderer(ROOT / "layouts", SiteConfig(title="t", base_url="https://example.org/"), Assets(ROOT / "static"))
    source = "{{ a }}|{{ b }}|{% set s %}<{{ a }}>{% endset %}{{ s }}|{{ a ~ b }}"
    template = renderer.env.from_string(source)
    assert template.root_render_func.__globals__["escape"] is _output_escape
    stock = jinja2.Environment(autoescape=True).from_string(source)
    for a, b in [("<&>", Markup("<br>")), ("x", 1), ("'\"", None)]:
        assert template.render(a=a, b=b) == stock.render(a=a, b=b)


def test_every_seed_page_renders_as_with_stock_jinja(tmp_path):
    """The whole seed site rendered by our Jinja environment equals the same
    pages rendered by an unmodified jinja2.Environment with the same settings."""
    from site_builder.build import Builder, Project
    from site_builder.build.groups import render_page
    from site_builder.analysis.views import site_views
    from site_builder.pages.map import agency_pages, site_pages

    inputs, ours, site = Builder(Project(ROOT), tmp_path / "out").load()
    stock = _stock_renderer(ours)
    own = [p for ag in site.agencies for p in agency_pages(ag)]
    pages = own + site_pages(site, inputs.md_pages, [p.url for p in own], site_views(site))
    assert len(pages) > 90
    for page in pages:
        assert render_page(ours, page) == render_page(stock, page), page.url


def _stock_renderer(ours):
    """A copy of ``ours`` whose environment is a plain jinja2.Environment."""
    import copy

    import jinja2

    stock = copy.copy(ours)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ours.layouts_dir)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(ours.env.filters)
    env.globals.update(ours.env.globals)
    assert type(env) is jinja2.Environment and type(ours.env) is not jinja2.Environment
    stock.env = env
    return stock


def test_name_fragments_are_every_suffix_cut_to_eight_characters():
    """search_fields.name_fragments (cached by name) gives, for each whitespace part
    of each name, every suffix from each position but the last, cut to
    FRAGMENT_CHARS, each after a space; the same again when a name repeats."""
    from site_builder.pages.search_fields import FRAGMENT_CHARS, name_fragments

    names = ["周转房屋租赁费用管理", None, "路南区 PM2.5", "周转房屋租赁费用管理", ""]
    expected = "".join(f" {part[i:i + FRAGMENT_CHARS]}" for n in names if n for part in n.split()
                       for i in range(len(part) - 1))
    assert name_fragments(names) == expected == name_fragments(names)
    assert " 周转房屋租赁费用" in expected and " 理" not in expected and " 南区" in expected
    # names the page's indexed text starts a run with (its heading, a sentence): from the second character
    shown = name_fragments(names, shown=True)
    assert shown == "".join(f" {part[i:i + FRAGMENT_CHARS]}" for n in names if n for part in n.split()
                            for i in range(1, len(part) - 1))
    assert " 转房屋租赁费用管" in shown and " 周转房屋租赁费用" not in shown and " 路南区" not in shown


def test_search_fields_equal_the_jinja_partial_they_replace(tmp_path):
    """search_fields.py writes, for every agency, filing and project page of
    the seeds and for names that need escaping, the bytes the Jinja partial
    it replaced wrote (tests/fixtures/search_attrs_partial.jinja)."""
    import dataclasses

    import jinja2

    from site_builder.pages import format as fmt
    from site_builder.pages import search_fields
    from site_builder.build import Builder, Project
    from site_builder.pages.map import agency_context, agency_pages, filing_context, project_context

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(money=fmt.money, plain=fmt.plain, name_fragments=search_fields.name_fragments,
                       code_suffixes=search_fields.code_suffixes, unique_names=search_fields.unique_names)
    partial = env.from_string((ROOT / "tests" / "fixtures" / "search_attrs_partial.jinja").read_text(encoding="utf-8"))

    def check(ctx):
        assert str(ctx["search_fields"]) + "\n" == partial.render(ctx), ctx["page"]["url"]

    _, _, site = Builder(Project(ROOT), tmp_path / "out").load()
    kinds = []
    for ag in site.agencies:
        for page in agency_pages(ag):
            ctx = page.context()
            check(ctx)
            kinds.append(ctx["page"]["kind"])
    assert {k: kinds.count(k) for k in set(kinds)} == {"agency": 5, "filing": 5, "project": 37}
    proj = next(p for ag in site.agencies for i in ag.filings for p in i.whole().projects if p.project.code)
    hostile = proj.project.model_copy(update={"name": "A<b>&\"'  名 称", "code": "AbC<1>&x"})
    check(project_context(dataclasses.replace(proj, project=hostile)))
    check(project_context(dataclasses.replace(proj, project=proj.project.model_copy(update={"code": None}))))
    ag = site.agencies[0]
    check(agency_context(dataclasses.replace(ag, name="<机关> & \"单位\"")))
    check(filing_context(ag.filings[0].whole()))

