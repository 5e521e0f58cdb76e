"""Hostile input: markup, template code and dangerous links in every text
field come out as text; unsafe codes, huge files and deep nesting are
refused with a clear message; the build never writes outside its folder."""
from __future__ import annotations

import time
from pathlib import Path

import html5lib
import pytest
import yaml

from conftest import REPO as ROOT, copy_project
from site_builder.build import build
from site_builder.errors import BuildError
from site_builder.cli import main

SEED = ROOT / "content" / "filings" / "130209-442001-2024.yaml"

XSS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "</textarea><svg onload=alert(2)>",
]
MD_LINKS = "[点我](javascript:alert(3)) [数据](data:text/html;base64,PHNjcmlwdD4=) [好](https://example.org/) <b onclick=alert(4)>粗</b>"


def poison(value, i: list[int]):
    """Replace every string in the filing (except codes, numbers, enums) by a hostile one."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("code", "schema", "year", "unit", "scope", "url", "published") or k in ("total", "fiscal",
                     "carryover", "other", "mar", "jun", "oct", "dec"):
                out[k] = v
            else:
                out[k] = poison(v, i)
        return out
    if isinstance(value, list):
        return [poison(v, i) for v in value]
    if isinstance(value, str):
        i[0] += 1
        return f"{XSS[i[0] % len(XSS)]} {value} {XSS[(i[0] + 1) % len(XSS)]}"
    return value


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = copy_project(tmp / "proj")
    for f in (root / "content" / "filings").glob("*.yaml"):
        f.unlink()
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data = poison(data, [0])
    data["overview"]["overall_goal"] += "\n\n" + MD_LINKS
    data["projects"][0]["goals"].append(MD_LINKS)
    (root / "content" / "filings" / "hostile.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    page = root / "content" / "pages" / "about.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n" + MD_LINKS + "\n\n<script>alert(5)</script>\n\n{{ 7*7 }}\n",
                    encoding="utf-8")
    out = tmp / "public"
    before = sorted(p for p in tmp.iterdir())
    build(root, out, search=False, clean=True)
    return root, out, tmp, before


def all_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_markup_in_text_fields_is_printed_as_text(hostile_site):
    _, out, _, _ = hostile_site
    pages = all_pages(out)
    assert len(pages) > 20
    seen_text = False
    for page in pages:
        html = page.read_text(encoding="utf-8")
        doc = html5lib.parse(html, namespaceHTMLElements=False)
        for el in doc.iter():
            assert el.tag not in ("img",) or el.get("src") != "x", page
            for attr in el.attrib:
                assert not attr.lower().startswith("on"), f"{page}: event handler attribute {attr}"
            href = (el.get("href") or "").strip().lower()
            assert not href.startswith(("javascript:", "data:", "vbscript:")), f"{page}: {href}"
            if el.tag == "script":
                assert "alert" not in (el.text or ""), page
        if "&lt;script&gt;alert(" in html:
            seen_text = True
    assert seen_text, "the hostile text should be visible as text"


def test_template_syntax_in_data_is_not_evaluated(hostile_site):
    _, out, _, _ = hostile_site
    filing_page = next(out.glob("agencies/*/2024/index.html")).read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in filing_page
    assert "looplooploop" not in filing_page  # what the loop would print if it ran
    about = (out / "pages" / "about" / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in about and "&lt;script&gt;alert(5)&lt;/script&gt;" in about


def test_markdown_links_with_unsafe_schemes_are_neutralised(hostile_site):
    _, out, _, _ = hostile_site
    about = (out / "pages" / "about" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/"' in about
    assert "javascript:" not in about.split("<main")[1].replace("[点我](javascript:alert(3))", "")
    assert 'href="data:' not in about
    assert "<b onclick" not in about


def test_the_build_writes_nothing_outside_its_output_folder(hostile_site):
    _, out, tmp, before = hostile_site
    after = sorted(p for p in tmp.iterdir())
    assert after == sorted(before + [out])


@pytest.mark.parametrize("code", ["../etc", "13/02", "1302 02", "北京", "..", "13020225P/../../x"])
def test_codes_that_could_escape_the_output_folder_are_refused(tmp_path, capsys, code):
    text = SEED.read_text(encoding="utf-8").replace('code: "442001"', f'code: "{code}"', 1)
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["check", str(f)]) == 1
    err = capsys.readouterr().out
    assert "bad.yaml:" in err and "agency.code" in err and "letters or digits" in err


def test_a_project_code_with_a_path_is_refused(tmp_path, capsys):
    text = SEED.read_text(encoding="utf-8").replace('code: "13020924P00056410001N"', 'code: "../../../tmp/x"', 1)
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["check", str(f)]) == 1
    out = capsys.readouterr().out
    assert "projects[0].code" in out


def test_a_50_mb_filing_is_refused_quickly(tmp_path, capsys):
    f = tmp_path / "huge.yaml"
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(SEED.read_text(encoding="utf-8"))
        fh.write("# " + "x" * (50 * 1024 * 1024) + "\n")
    t0 = time.perf_counter()
    assert main(["check", str(f)]) == 1
    elapsed = time.perf_counter() - t0
    out = capsys.readouterr().out
    assert "huge.yaml:1:1: error:" in out and "MB" in out
    print(f"refused a 50 MB file in {elapsed * 1000:.0f} ms")


def test_deep_nesting_is_refused_with_a_message(tmp_path, capsys):
    f = tmp_path / "deep.yaml"
    f.write_text("schema: 1\nprojects: " + "[" * 10000 + "]" * 10000 + "\n", encoding="utf-8")
    assert main(["check", str(f)]) == 1
    assert "nested deeper than" in capsys.readouterr().out


def test_a_hostile_filing_cannot_break_a_good_build(hostile_site, tmp_path):
    root, _, _, _ = hostile_site
    out = tmp_path / "public"
    build(root, out, search=False, clean=True)
    bad = root / "content" / "filings" / "hostile.yaml"
    original = bad.read_text(encoding="utf-8")
    try:
        bad.write_text(original.replace("schema: 1", "schema: 1\nschema: 2", 1), encoding="utf-8")
        with pytest.raises(BuildError) as err:
            build(root, out, search=False)
        assert "duplicate key 'schema'" in str(err.value)
        assert (out / "index.html").exists()
    finally:
        bad.write_text(original, encoding="utf-8")
