"""What Pagefind is given of a page (search/lean.py): the page's language,
title and <main> without the ignored elements that hold no Pagefind data.
The index it makes equals Pagefind's own reading of the whole pages
(test_search.py::test_pagefind_indexes_the_lean_copies_as_it_indexes_the_pages);
these are the markup cases the seed pages may not show."""
from __future__ import annotations

from conftest import REPO

from site_builder.search.lean import pagefind_input


def page(main: str, head: str = "<title>标题</title><meta name=x content=y>") -> bytes:
    return (f'<!doctype html>\n<html lang="zh-CN">\n<head>{head}</head>\n<body><header><nav>导航</nav></header>\n'
            f'<main id="main" data-pagefind-body>{main}</main>\n<footer>页脚</footer></body></html>').encode()


def lean(main: str) -> str:
    out = pagefind_input(page(main)).decode()
    assert out.startswith('<!doctype html><html lang="zh-CN"><head><title>标题</title></head><body><main id="main"')
    assert out.endswith("</main></body></html>") and "导航" not in out and "页脚" not in out
    return out.split("data-pagefind-body>", 1)[1].rsplit("</main>", 1)[0]


def test_ignored_elements_are_cut_and_the_rest_kept_as_written():
    assert lean('<p>甲</p><table data-pagefind-ignore class="data"><tr><td>表</td></tr></table><p>乙</p>') \
        == "<p>甲</p><p>乙</p>"


def test_an_element_of_the_same_name_inside_does_not_end_it():
    main = ('<section data-pagefind-ignore><section><p>内</p></section><p>仍在外层</p></section>'
            '<section id="keep"><p>留</p></section>')
    assert lean(main) == '<section id="keep"><p>留</p></section>'


def test_a_longer_tag_name_is_not_a_nested_element():
    assert lean("<p data-pagefind-ignore><picture></picture>略</p><p>留</p>") == "<p>留</p>"


def test_ignored_elements_holding_filters_metadata_or_a_sort_stay_whole():
    for mark in ('data-pagefind-filter="地区"', 'data-pagefind-meta="title"', 'data-pagefind-sort="预算金额"'):
        main = f'<div hidden data-pagefind-ignore>\n  <span {mark}>值</span>\n</div><p data-pagefind-ignore>略</p>'
        assert lean(main) == f'<div hidden data-pagefind-ignore>\n  <span {mark}>值</span>\n</div>'
    main = '<span hidden data-pagefind-ignore data-pagefind-meta="kind">项目</span>'
    assert lean(main) == main


def test_an_ignored_element_inside_a_kept_one_is_cut():
    main = '<div data-pagefind-ignore><span data-pagefind-filter="年度">2024</span><b data-pagefind-ignore>略</b></div>'
    assert lean(main) == '<div data-pagefind-ignore><span data-pagefind-filter="年度">2024</span></div>'


def test_the_words_in_text_are_not_an_attribute():
    main = "<p>属性 data-pagefind-ignore 的用法</p><pre>&lt;div data-pagefind-ignore&gt;</pre>"
    assert lean(main) == main


def test_void_and_self_closed_elements():
    assert lean('<p>甲<img data-pagefind-ignore src="a.png" alt="图">乙</p>') == "<p>甲乙</p>"
    assert lean('<p>甲<svg data-pagefind-ignore viewBox="0 0 1 1"/>乙</p>') == "<p>甲乙</p>"


def test_markup_it_does_not_understand_goes_to_pagefind_as_it_is():
    unclosed = page("<p>甲</p><div data-pagefind-ignore><p>没有结束标签</p>")
    assert pagefind_input(unclosed) == unclosed
    no_main = b'<!doctype html><html lang="zh-CN"><body><div data-pagefind-body>x</div></body></html>'
    assert pagefind_input(no_main) == no_main


def test_a_page_without_a_title_keeps_its_language():
    out = pagefind_input(page("<p>甲</p>", head="")).decode()
    assert out.startswith('<!doctype html><html lang="zh-CN"><head></head><body><main')


def test_the_seed_pages_lose_their_furniture_and_keep_their_search_fields(tmp_path):
    from site_builder.build import build

    out = tmp_path / "site"
    build(REPO, out, search=False)
    project = next(out.glob("agencies/*/*/projects/*/index.html")).read_bytes()
    lean_page = pagefind_input(project)
    assert len(lean_page) < len(project) * 0.6
    for kept in (b'data-pagefind-filter="', b'data-pagefind-meta="title"', b'data-pagefind-sort="',
                 b'class="search-fragments"', b'class="indicator-text"', b"<h1"):
        assert kept in lean_page, kept
    for cut in (b'<table', b'class="stats"', b"site-footer", b'<nav'):
        assert cut not in lean_page, cut
