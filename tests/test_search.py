"""Search: the Pagefind index of the seed site, queried the way browsers do.

* A table of queries with the page expected among the first results, run
  against the built index by the site's own generated ``pagefind.js`` in Node
  (``tests/search_query.mjs``): full names, 2- and 3-character fragments from
  the middle of names, agency and county names, indicator terms, project-code
  fragments, and filter-only searches.
* A subset through the real /search/ page in headless Chromium (Debian
  ``chromium`` + Playwright): type, see results, click, land on the page;
  ``?q=`` prefill; the header form; no-JS fallback; excerpts as shown.
* The build fails when Pagefind is not the extended build.
* The bytes a browser downloads for its first query (printed; see also
  ``benchmarks/search_bytes.py``).

Nothing is mocked: the seed site is built once per session with search on.
Run with ``-s`` to see the measurements.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from conftest import REPO, run_cli

sys.path.insert(0, str(REPO))  # benchmarks/ (pytest may run without the repository on sys.path)

from playwright.sync_api import expect  # noqa: E402

from benchmarks.search_bytes import QuietHandler, first_query_bytes, serve  # noqa: E402
from site_builder.build import build  # noqa: E402
from site_builder.errors import BuildError  # noqa: E402
from site_builder.search import (BINARY_ENV, PAGEFIND_VERSION, PART_PAGES_ENV, PART_WASM_STUB, SearchIndexError, check_output,  # noqa: E402
                                 index_site, part_pages, site_pages)

NODE = shutil.which("node") or "/usr/bin/node"
QUERY_SCRIPT = REPO / "tests" / "search_query.mjs"
from site_builder.pages.search_fields import FIELD_MARK  # static/js/search.js strips it too

# --------------------------------------------------------------------------- the site

A = "/agencies/"
LUNAN = A + "130202-430001/"  # 唐山市路南区机关事务中心(接待中心), 2025
CAOFEIDIAN = A + "130209-442001/"  # 曹妃甸区政务接待中心, 2024
LAOTING = A + "130225-507001/"  # 乐亭县机关事务中心, 2025
LINXI = A + "130535-430001/"  # 临西县机关后勤服务中心, 2024
HEZHENG = A + "622925/"  # 和政县机关事务管理局, 2024
LN, CF, LT, LX, HZ = (LUNAN + "2025/projects/", CAOFEIDIAN + "2024/projects/", LAOTING + "2025/projects/",
                      LINXI + "2024/projects/", HEZHENG + "2024/projects/")
ZHOUZHUAN = LN + "13020225p00888510002l/"  # 周转房屋租赁费用
ZHAOSHANG = LN + "13020225p008888100012/"  # 招商引资专项业务费
KUANDAI = LN + "13020225p00005010001c/"  # 互联网专线宽带经费
CAIJING = LN + "13020225p00004810001j/"  # 财经大厦经费
BAOAN = LN + "13020225p00005210001p/"  # 保安保洁物业管理服务
WEIXIU = LN + "13020225p00005310001d/"  # 维修维护等物业管理服务
WAIWANG = LN + "13020225p000051100012/"  # 政务外网设备服务经费
YUNSHIPIN = LN + "13020225p000049100018/"  # 联通云视频网络设备
JIEDAI_CF = CF + "13020924p000558100016/"  # 各项公务接待活动
JIEDAI_LT = LT + "13022525p004t4010026t/"  # 接待管理经费
GONGCHE_LT = LT + "13022525p004t4010027e/"  # 公务用车监督管理平台经费
DAYUAN = LT + "13022525p004t40100282/"  # 机关运行及大院维护经费
SHIGAIQI = LT + "13022525p004t4010029m/"  # 事改企人员经费
GELIDIAN = LX + "13053524p00000110735k/"  # 疫情防控隔离点餐费
YEJING = LX + "13053524p00000110737t/"  # 城市夜景品质提升项目-临西大剧院
SHUANGCHUANG = LX + "13053524p000002102804/"  # 双创园办公楼运行保障
ZHAODAISUO = LX + "13053524p000002102979/"  # 招待所运行费
WUYE = LX + "13053524p000002102785/"  # 物业管理事务
YUANNEI = LX + "13053524p00000210279q/"  # 机关院内后勤运行保障
DIANTI_LX = LX + "13053524p00000210281p/"  # 大型设备运行保障经费 (电梯数量, 电梯维修合格率)
ZONGHE_LX = LX + "13053524p000002102952/"  # 综合事务管理运行 (三干会议参加人员数)
YUNXING_LX = LX + "13053524p00000210277h/"  # 机关运行保障经费 (通讯故障排除率)
GUANGCHANG, SHUIFEI, JIEDAI_HZ, LAOWU, ZAO, DIANFEI, DIANTI = (HZ + p for p in ("p1/", "p2/", "p4/", "p5/", "p6/", "p7/", "p8/"))
ANY_PROJECT = "any project page"

CF_2024_PROJECTS = {JIEDAI_CF, CF + "13020924p00056410001n/", CF + "13020924p00098810001t/"}
HZ_PROJECTS = {HZ + f"p{i}/" for i in range(1, 9)}


@dataclass(frozen=True)
class Case:
    q: str | None
    expect: tuple[str, ...] | str  # acceptable URLs, or ANY_PROJECT
    top: int = 5  # the page must be among the first `top` results
    filters: dict | None = None
    why: str = ""


def C(q, *expect, top=5, filters=None, why=""):
    return Case(q, expect[0] if expect == (ANY_PROJECT,) else tuple(expect), top, filters, why)


CASES = [
    # full project names, as printed
    C("周转房屋租赁费用", ZHOUZHUAN, top=1),
    C("疫情防控隔离点餐费", GELIDIAN, top=1),
    C("一、二号统办楼7部电梯运行、维护费用", DIANTI, top=1),
    C("招商引资专项业务费", ZHAOSHANG, top=1),
    C("2024年后勤服务人员劳务派遣费用", LAOWU, top=1),
    C("城市夜景品质提升项目-临西大剧院", YEJING, top=1),
    C("互联网专线宽带经费", KUANDAI, top=1),
    # 2- and 3-character fragments, many from the middle of a name and cutting
    # across the words jieba (index) and Intl.Segmenter (browser) see
    C("周转房", ZHOUZHUAN, top=1),
    C("转房", ZHOUZHUAN),
    C("房屋租赁", ZHOUZHUAN),
    C("电梯", DIANTI, DIANTI_LX),
    C("电梯运行", DIANTI, top=1),
    C("接待", JIEDAI_LT, JIEDAI_CF, JIEDAI_HZ, top=5),
    C("接待管理", JIEDAI_LT, top=1),
    C("公务接待", JIEDAI_CF, JIEDAI_HZ, top=8, why="also the 公务接待 comparison and category pages"),
    C("隔离点", GELIDIAN, top=1),
    C("离点餐", GELIDIAN, top=1),
    C("点餐费", GELIDIAN, top=1),
    C("专项", ZHAOSHANG, top=3),
    C("专项业务", ZHAOSHANG, top=1),
    C("引资专项", ZHAOSHANG, top=1),
    C("夜景", YEJING, top=1),
    C("大剧院", YEJING, top=1),
    C("剧院", YEJING, top=1),
    C("派遣", LAOWU, top=1),
    C("务派遣", LAOWU, top=1),
    C("劳务派遣", LAOWU, top=1),
    C("聚兴广场", GUANGCHANG, top=1),
    C("兴广", GUANGCHANG, top=1),
    C("统办楼", GUANGCHANG, SHUIFEI, DIANFEI, DIANTI),
    C("办楼", GUANGCHANG, SHUIFEI, DIANFEI, DIANTI, SHUANGCHUANG),
    C("用车监督", GONGCHE_LT, top=1),
    C("车监督", GONGCHE_LT, top=2),
    C("线宽带", KUANDAI, top=1),
    C("宽带", KUANDAI, top=2),
    C("云视频", YUNSHIPIN, top=1),
    C("外网设备", WAIWANG, top=1),
    C("事改企", SHIGAIQI, top=2),
    C("改企", SHIGAIQI, top=2),
    C("双创园", SHUANGCHUANG, top=1),
    C("创园", SHUANGCHUANG, top=1),
    C("招待所", ZHAODAISUO, top=1),
    C("待所", ZHAODAISUO, top=3),
    C("机关灶", ZAO, top=1),
    C("职工灶", ZAO, top=1),
    C("财经大厦", CAIJING, top=1),
    C("经大厦", CAIJING, top=1),
    C("保安保洁", BAOAN, top=1),
    C("安保洁", BAOAN, top=1),
    C("院内后勤", YUANNEI, top=1),
    C("大院维护", DAYUAN, top=1),
    C("院维", DAYUAN, top=10, why="院 + 维 are single characters to the segmenter: recall is guaranteed, rank is not"),
    C("物业管理事务", WUYE, top=2),
    # agency and place names
    C("曹妃甸区政务接待中心", CAOFEIDIAN, CAOFEIDIAN + "2024/", top=2),
    C("政务接待中心", CAOFEIDIAN, CAOFEIDIAN + "2024/", top=2),
    C("务接待", CAOFEIDIAN, CAOFEIDIAN + "2024/", JIEDAI_CF, top=5),
    C("临西县机关后勤服务中心", LINXI, LINXI + "2024/", top=2),
    C("后勤服务中心", LINXI, LINXI + "2024/", top=2),
    C("和政县机关事务管理局", HEZHENG, HEZHENG + "2024/", top=2),
    C("事务管理局", HEZHENG, HEZHENG + "2024/", top=3),
    C("务管理局", HEZHENG, HEZHENG + "2024/", top=3),
    C("乐亭县机关事务中心", LAOTING, LAOTING + "2025/", top=2),
    C("乐亭", LAOTING, LAOTING + "2025/", "/regions/130225/", top=2),
    C("路南区", LUNAN, LUNAN + "2025/", "/regions/130202/", top=2),
    C("南区", LUNAN, LUNAN + "2025/", "/regions/130202/", top=3),
    C("曹妃甸", CAOFEIDIAN, CAOFEIDIAN + "2024/", "/regions/130209/", top=2),
    C("妃甸", CAOFEIDIAN, CAOFEIDIAN + "2024/", "/regions/130209/", top=3),
    C("临西县", LINXI, LINXI + "2024/", "/regions/130535/", top=2),
    C("和政县", HEZHENG, HEZHENG + "2024/", "/regions/622925/", top=2),
    C("临夏", HEZHENG, HEZHENG + "2024/", "/regions/622900/", "/regions/622925/", top=3),
    # indicator names and terms
    C("满意度", ANY_PROJECT, top=5),
    C("意度", ANY_PROJECT, top=5),
    C("服务对象满意度", ANY_PROJECT, top=5),
    C("隔离点人员满意度", GELIDIAN, top=1),
    C("群众满意度", YEJING, top=2),
    C("劳务派遣", LAOWU, top=1),
    C("维修", GUANGCHANG, WEIXIU, DIANTI, DIANTI_LX, top=5),
    C("维修维护", GUANGCHANG, WEIXIU, top=3),
    C("夜景提升灯具", YEJING, top=1),
    C("灯具", YEJING, top=1),
    C("植被成活率", WUYE, top=1),
    C("成活率", WUYE, top=1),
    C("泵站", GUANGCHANG, top=1),
    C("三干会议", ZONGHE_LX, top=1),
    C("干会议", ZONGHE_LX, top=1),
    C("通讯故障", YUNXING_LX, top=1),
    C("返修率", GUANGCHANG, top=1),
    # numbers people type: 项目编码, whole or in part, any case
    C("13020225P00888510002L", ZHOUZHUAN, top=1),
    C("13020225p008885", ZHOUZHUAN, top=1),
    C("888510002", ZHOUZHUAN, top=1),
    C("4010026", JIEDAI_LT, top=1),
    C("P004T4010027E", GONGCHE_LT, top=1),
    C("110735", GELIDIAN, top=1),
]

# filter-only searches: (filters, the exact set of pages expected)
FILTER_CASES = [
    ({"地区": "河北省唐山市", "年度": "2024", "页面类型": "项目"}, CF_2024_PROJECTS),
    ({"单位": "和政县机关事务管理局", "页面类型": "项目"}, HZ_PROJECTS),
    ({"指标类别": "成本指标", "页面类型": "项目"}, HZ_PROJECTS),  # only the 和政 template has 成本指标 as 一级指标
    ({"地区": "河北省唐山市曹妃甸区", "页面类型": "单位"}, {CAOFEIDIAN}),
    ({"地区": "甘肃省", "页面类型": "绩效目标文件"}, {HEZHENG + "2024/"}),
    ({"页面类型": "地区", "年度": "2025"}, {"/regions/130000/", "/regions/130200/", "/regions/130202/", "/regions/130225/"}),
]


# --------------------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The seed site, built once with search; (site folder, build report)."""
    out = tmp_path_factory.mktemp("search") / "site"
    report = build(REPO, out, search=True)
    return out, report


@pytest.fixture(scope="session")
def site(built) -> Path:
    return built[0]


def run_queries(site: Path, queries: list[dict], scope: str = "", stepwise: bool = False) -> dict:
    env = {**os.environ, "SEARCH_SCOPE": scope, "SEARCH_STEPWISE": "1" if stepwise else ""}
    proc = subprocess.run([NODE, "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", str(QUERY_SCRIPT), str(site)],
                          input=json.dumps(queries, ensure_ascii=False), capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def table(site) -> dict[str, dict]:
    """Every query of CASES, run once in Node: {query: result}."""
    queries = sorted({c.q for c in CASES})
    out = run_queries(site, [{"q": q, "limit": 10, "content": True} for q in queries])
    return dict(zip(queries, out["results"]))


def visible_text(content: str) -> str:
    return content.split(FIELD_MARK, 1)[0]


def squash(text: str) -> str:
    """For comparing what is shown with what is on the page: no spaces, no
    separators the excerpt code adds or Pagefind inserts between blocks."""
    text = re.sub(r"</?mark>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    text = text.replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"[\s.·…]", "", text)


# --------------------------------------------------------------------------- the index

def test_build_report(built):
    site, report = built
    s = report.search
    assert s["version"] == PAGEFIND_VERSION
    assert s["pages"] >= 80 and s["words"] > 1000
    assert s["filters"] == 5 and s["sorts"] == 1
    assert s["bytes"] > s["index_bytes"] > 0
    assert (site / "pagefind" / "pagefind.js").is_file() and (site / "pagefind" / "pagefind-ui.js").is_file()
    print(f"\nsearch index of the seed site: {s}")


def test_query_table_is_big_enough():
    assert len(CASES) >= 40
    kinds = {"fragment": sum(1 for c in CASES if c.q and 2 <= len(c.q) <= 3)}
    assert kinds["fragment"] >= 20


@pytest.mark.parametrize("case", CASES, ids=[f"{c.q}" for c in CASES])
def test_query_finds_page(case, table):
    result = table[case.q]
    urls = [h["url"] for h in result["hits"]]
    if case.expect == ANY_PROJECT:
        ok = [u for u in urls[: case.top] if "/projects/" in u]
    else:
        ok = [u for u in urls[: case.top] if u in case.expect]
    assert ok, (f"{case.q!r}: expected {case.expect} among the first {case.top} results, got "
                f"{urls[:10]} ({result['total']} in all)")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.q}" for c in CASES])
def test_excerpts_show_only_visible_text(case, table):
    """What the results list shows comes from the visible page, never from the
    hidden fragment field, and marks the searched text where it is visible."""
    for hit in table[case.q]["hits"][:5]:
        shown = hit["shown"]
        assert FIELD_MARK not in shown
        visible = visible_text(hit["content"])
        assert squash(shown) in squash(visible) or squash(shown) == squash(hit["meta"].get("summary", "")), \
            f"{case.q!r} → {hit['url']}: shown excerpt is not visible text: {shown}"
        if case.q.lower() in visible.lower():
            assert re.search(r"<mark>[^<]+</mark>", shown), f"{case.q!r} → {hit['url']}: nothing marked: {shown}"


def test_project_results_carry_meta_and_filters(table):
    hit = next(h for h in table["周转房"]["hits"] if h["url"] == ZHOUZHUAN)
    assert hit["meta"]["title"] == "周转房屋租赁费用"
    assert hit["meta"]["amount"] == "21.60 万元"
    assert hit["meta"]["context"] == "唐山市路南区机关事务中心(接待中心) · 2025年"
    f = hit["filters"]
    assert f["页面类型"] == ["项目"] and f["年度"] == ["2025"]
    assert set(f["地区"]) == {"河北省", "河北省唐山市", "河北省唐山市路南区"}
    assert f["单位"] == ["唐山市路南区机关事务中心(接待中心)"]
    assert set(f["指标类别"]) == {"产出指标", "效益指标", "满意度指标"}


def test_filters_and_their_values(site):
    out = run_queries(site, [])
    filters = out["filters"]
    assert set(filters) == {"地区", "年度", "单位", "页面类型", "指标类别"}
    assert filters["页面类型"] == {"单位": 5, "绩效目标文件": 5, "项目": 37, "地区": 10}
    assert set(filters["年度"]) == {"2024", "2025"}
    assert {"河北省", "河北省唐山市", "河北省唐山市路南区", "甘肃省临夏回族自治州和政县"} <= set(filters["地区"])
    assert set(filters["指标类别"]) == {"产出指标", "效益指标", "满意度指标", "成本指标"}
    assert len(filters["单位"]) == 5


def test_first_search_counts_every_filter(site):
    """Pagefind UI replaces its filter panel with a search's counts. A first
    search run before anything asked for the filters (the harness asks only
    after its queries) must still count all five, so that the panel never
    loses one: a CI run once showed four."""
    out = run_queries(site, [{"q": "满意度"}])
    counts = out["results"][0]["counts"]
    assert set(counts) == {"地区", "年度", "单位", "页面类型", "指标类别"}
    assert counts["页面类型"]["项目"] == sum(1 for h in run_queries(site, [{"q": "满意度", "limit": 500}])["results"][0]["hits"]
                                          if "项目" in h["filters"].get("页面类型", []))


@pytest.mark.parametrize("filters,expected", FILTER_CASES, ids=[json.dumps(f, ensure_ascii=False) for f, _ in FILTER_CASES])
def test_filter_only_search(site, filters, expected):
    out = run_queries(site, [{"q": None, "filters": filters, "limit": 100}])
    urls = {h["url"] for h in out["results"][0]["hits"]}
    assert urls == expected


def test_query_with_filter(site):
    out = run_queries(site, [{"q": "接待", "filters": {"年度": "2025", "页面类型": "项目"}, "limit": 50}])
    hits = out["results"][0]["hits"]
    assert JIEDAI_LT in [h["url"] for h in hits]
    assert all(h["filters"]["年度"] == ["2025"] and "/projects/" in h["url"] for h in hits)


def test_sort_by_budget(site):
    out = run_queries(site, [
        {"q": None, "filters": {"页面类型": "项目"}, "sort": {"预算金额": "desc"}, "limit": 40},
        {"q": None, "filters": {"页面类型": "项目"}, "sort": {"预算金额": "asc"}, "limit": 3},
    ])
    desc, asc = out["results"]
    amounts = [float(h["meta"]["amount"].split()[0].replace(",", "")) for h in desc["hits"]]
    assert len(amounts) == 37 and amounts == sorted(amounts, reverse=True)
    assert desc["hits"][0]["meta"]["title"] == "机关后勤保障经费"  # 713.84 万元
    assert asc["hits"][0]["meta"]["title"] == "办公设备购置"  # 0.81 万元


def test_only_the_first_page_of_a_listing_is_indexed(tmp_path, small_pages):
    """Pages 2+ of a paged listing are slices of rows whose own pages are
    indexed; at 1,000 filings they filled the first results of 满意度, 接待
    and 物业管理 ("满意度指标（第 29 页）"). The first page stays findable."""
    out = tmp_path / "site"
    report = build(REPO, out, search=True)
    paged = sorted(p.parent.relative_to(out).as_posix() for p in out.rglob("page/*/index.html"))
    assert len(paged) >= 20 and {"indicators/satisfaction/page/2", "compare/reception/page/2"} <= set(paged)
    marked = [p for p in out.rglob("*.html") if "data-pagefind-body" in p.read_text(encoding="utf-8")]
    assert report.search["pages"] == len(marked) and not any("/page/" in p.as_posix() for p in marked)
    got = run_queries(out, [{"q": q, "limit": 500} for q in ("满意度", "接待", "河北省")])
    for result in got["results"]:
        urls = [h["url"] for h in result["hits"]]
        assert result["total"] == len(urls) and not [u for u in urls if "/page/" in u], result["q"]
    assert "/indicators/satisfaction/" in [h["url"] for h in got["results"][0]["hits"]]
    assert "/compare/reception/" in [h["url"] for h in got["results"][1]["hits"]]


def test_only_main_content_is_indexed(table):
    """Header, navigation and footer are on every page, outside <main>: not indexed."""
    for hit in table["满意度"]["hits"]:
        content = hit["content"]
        assert "跳到正文" not in content and "订阅更新" not in content and "数据来自各部门公开发布" not in content
        assert "方法说明" not in content.split(FIELD_MARK)[0][:40]


def test_a_filing_page_is_found_by_its_agency_not_by_its_project_list(site):
    """A filing's page indexes its agency, place, year, codes and goals, not
    its list of projects, its generated summary or its source section: a
    project's name finds the project's own page (which names the agency and
    year), not the filing's page as a second result; the agency's name
    still finds the filing."""
    got = run_queries(site, [{"q": q, "limit": 50, "content": True}
                             for q in ("周转房屋租赁费用", "唐山市路南区机关事务中心", "下载 JSON")])["results"]
    name, agency, furniture = got
    assert ZHOUZHUAN in urls(name) and LUNAN + "2025/" not in urls(name)
    assert LUNAN + "2025/" in urls(agency)
    assert not [u for u in urls(furniture) if re.fullmatch(r"/agencies/[^/]+/\d{4}/", u)]
    filing = next(h for h in agency["hits"] if h["url"] == LUNAN + "2025/")
    text = visible_text(filing["content"])
    assert "周转房屋租赁费用" not in text and "来源与下载" not in text and "占项目支出" not in text
    assert "唐山市路南区机关事务中心" in text and "2025年部门预算绩效目标" in text


def _bundle(folder: Path) -> tuple[dict[str, dict], set[str]]:
    """A Pagefind bundle's pages (URL → fragment) and its indexed words."""
    import gzip

    import cbor2

    def decoded(path: Path) -> bytes:
        return gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):]

    fragments = {}
    for path in (folder / "fragment").glob("*.pf_fragment"):
        fragment = json.loads(decoded(path))
        fragments[fragment["url"]] = fragment
    words = {w[0] for path in (folder / "index").glob("*.pf_index") for w in cbor2.loads(decoded(path))[0]}
    return fragments, words


def test_pagefind_indexes_the_lean_copies_as_it_indexes_the_pages(site, tmp_path):
    """Pagefind is given only what it indexes of each page (search/lean.py);
    its own run over the published pages, whole, must give the same pages,
    text, filters, metadata, sort, anchors and words."""
    from site_builder.search import find_binary

    pages = tmp_path / "pages"
    for rel, path in site_pages(site).items():
        (pages / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, pages / rel)
    proc = subprocess.run([str(find_binary()), "--site", str(pages), "--output-path", str(tmp_path / "whole")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    whole, whole_words = _bundle(tmp_path / "whole")
    lean, lean_words = _bundle(site / "pagefind" / "b" / "site")
    assert len(whole) >= 80 and set(lean) == set(whole)
    for url, fragment in whole.items():
        assert lean[url] == fragment, url
    assert lean_words == whole_words


# --------------------------------------------------------------------------- the build fails without the extended binary

FAKE_PAGEFIND = """#!/bin/sh
echo "Running Pagefind v{version}{flavour}"
echo "Note: Pagefind is running in {mode} mode. Chinese text will not be segmented."
mkdir -p "$3/pagefind" 2>/dev/null
echo "Indexed 1 pages"
exit 0
"""


def fake_binary(tmp_path: Path, version=PAGEFIND_VERSION, flavour="", mode="non-extended") -> Path:
    path = tmp_path / "pagefind"
    path.write_text(FAKE_PAGEFIND.format(version=version, flavour=flavour, mode=mode))
    path.chmod(0o755)
    return path


def test_non_extended_binary_fails_the_build(tmp_path, monkeypatch):
    out = tmp_path / "public"
    assert run_cli("build", "--out", out, "--no-search").code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setenv(BINARY_ENV, str(fake_binary(tmp_path)))
    result = run_cli("build", "--out", out, "--clean")
    assert result.code == 1
    assert "non-extended" in result.err and "pagefind[extended]==" in result.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_index_site_rejects_wrong_builds(tmp_path):
    site = tmp_path / "s"
    site.mkdir()
    with pytest.raises(SearchIndexError, match="non-extended"):
        index_site(site, binary=fake_binary(tmp_path))
    with pytest.raises(BuildError, match="v1.4.0 ran"):
        index_site(site, binary=fake_binary(tmp_path, version="1.4.0", flavour=" (Extended)", mode="extended"))
    with pytest.raises(SearchIndexError, match="does not exist"):
        index_site(site, binary=tmp_path / "nowhere")


def test_work_beside_the_index_runs_once_pagefind_has_started(site, tmp_path):
    """index_site(meanwhile=…): the build's site-wide downloads are written
    while Pagefind indexes: called once, after the first run has started
    (its log exists), with the bundles as they would be without it; an
    error in it stops Pagefind and fails the index."""
    from site_builder.search import indexed_pages, plan_bundles

    pages = site_pages(site)
    plan = plan_bundles(indexed_pages(pages), PARTS_OF)
    seen = []
    work = tmp_path / "work"
    work.mkdir()
    report = index_site(site, tmp_path / "pagefind", pages=pages, bundles=plan, scratch=work, jobs=2,
                        meanwhile=lambda: seen.append(sorted(p.name for p in work.iterdir() if p.name.startswith("log-"))))
    assert len(seen) == 1 and seen[0], seen  # once, when a Pagefind run had started
    assert report["bundles"] == len(plan) == 4 and report["pages"] == len(indexed_pages(pages))

    def fails():
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        index_site(site, tmp_path / "pagefind-2", pages=pages, bundles=plan, scratch=tmp_path / "w2", meanwhile=fails)
    assert not (tmp_path / "pagefind-2" / "merged").exists()  # nothing of a failed index is used


def test_the_pages_as_pagefind_reads_them_go_to_memory_and_leave_it_bundle_by_bundle(site, tmp_path):
    """index_site(memory=…): each bundle's input is made in the memory
    folder, none on disk, and deleted once its bundle is indexed; the
    bundles are those of an index whose input is on disk."""
    from site_builder.search import indexed_pages, plan_bundles

    pages = site_pages(site)
    plan = plan_bundles(indexed_pages(pages), PARTS_OF)
    memory, work = tmp_path / "memory", tmp_path / "work"
    memory.mkdir()
    work.mkdir()
    seen = []
    report = index_site(site, tmp_path / "pagefind", pages=pages, bundles=plan, scratch=work, memory=memory, jobs=1,
                        meanwhile=lambda: seen.append(sorted(p.name for p in memory.iterdir())))
    assert len(seen) == 1 and len(seen[0]) == 1 and seen[0][0].startswith("site-"), seen  # the running bundle's input
    assert list(memory.iterdir()) == [], "a bundle's input is kept after it was indexed"
    assert not [p for p in work.iterdir() if p.name.startswith("site-")]
    on_disk = index_site(site, tmp_path / "pagefind-disk", pages=pages, bundles=plan, jobs=1)
    assert (report["pages"], report["words"], report["bundles"]) == (on_disk["pages"], on_disk["words"], 4)


def test_a_full_memory_sends_the_rest_of_the_input_to_disk(site, tmp_path, monkeypatch):
    """When the memory folder fills up, the bundle being made and the rest
    are made in the scratch folder on disk, and the index is complete; any
    other error fails the index."""
    import errno

    import site_builder.search as search
    from site_builder.search import indexed_pages, plan_bundles

    pages = site_pages(site)
    plan = plan_bundles(indexed_pages(pages), PARTS_OF)
    memory, work = tmp_path / "memory", tmp_path / "work"
    memory.mkdir()
    work.mkdir()
    real, made = search._input_tree, []

    def fills_up(chosen, into):
        made.append(into)
        if memory in into.parents and len(made) > 1:
            real(dict(list(chosen.items())[:1]), into)  # a page in, then the memory is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(chosen, into)

    monkeypatch.setattr(search, "_input_tree", fills_up)
    report = index_site(site, tmp_path / "pagefind", pages=pages, bundles=plan, scratch=work, memory=memory, jobs=1)
    assert report["pages"] == len(indexed_pages(pages)) and report["indexed_bundles"] == 4
    assert [p.parent for p in made] == [memory, memory, work, work, work]
    assert list(memory.iterdir()) == []

    def denied(chosen, into):
        raise OSError(errno.EACCES, "Permission denied", str(into))

    monkeypatch.setattr(search, "_input_tree", denied)
    with pytest.raises(OSError, match="Permission denied"):
        index_site(site, tmp_path / "pagefind-2", pages=pages, bundles=plan, scratch=tmp_path / "w2", memory=memory)


def test_check_output_accepts_the_real_banner():
    assert check_output("\nRunning Pagefind v1.5.2 (Extended)\nRunning from: \"/tmp\"\n") == "1.5.2"
    with pytest.raises(SearchIndexError):
        check_output("\nRunning Pagefind v1.5.2\n")


# --------------------------------------------------------------------------- the real UI, in Chromium

# The policy the site is meant to be served with (docs/search.md): no inline
# script or style anywhere; Pagefind needs WebAssembly and a worker.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")


class CspHandler(QuietHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()


@pytest.fixture(scope="session")
def server(site):
    with serve(site, CspHandler) as base:
        yield base




@pytest.fixture(params=[(1280, 900)], ids=["desktop"])
def page(request, browser):
    """A fresh page; fails the test on any console error or CSP violation."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.set_default_timeout(20000)
    yield pg
    context.close()
    assert not problems, problems


def results(pg):
    """The result list once every shown result has loaded: Pagefind fills
    its result items one by one as each page's fragment arrives, so a list
    read right after the first item appears can be short (a CI failure)."""
    pg.wait_for_selector(".pagefind-ui__result")
    pg.wait_for_function("""() => {
        const items = document.querySelectorAll('.pagefind-ui__result');
        return items.length > 0
            && document.querySelectorAll('.pagefind-ui__results .pagefind-ui__loading').length === 0
            && document.querySelectorAll('.pagefind-ui__result-link').length === items.length;
    }""")
    return pg.locator(".pagefind-ui__result")


def result_link(pg, url):
    return pg.locator(f'.pagefind-ui__result-link[href="{url}"]')


UI_CASES = [("周转房", ZHOUZHUAN, "周转房屋租赁费用"), ("隔离点", GELIDIAN, "疫情防控隔离点餐费"),
            ("务派遣", LAOWU, "2024年后勤服务人员劳务派遣费用"), ("888510002", ZHOUZHUAN, "周转房屋租赁费用")]


@pytest.mark.parametrize("query,url,title", UI_CASES, ids=[c[0] for c in UI_CASES])
def test_ui_type_see_click_land(page, server, query, url, title):
    page.goto(f"{server}/search/")
    box = page.locator(".pagefind-ui__search-input")
    assert box.get_attribute("placeholder") == "输入项目、单位、指标名称中的两个字以上"
    box.press_sequentially(query, delay=30)
    link = result_link(page, url)
    link.first.wait_for()
    expect(page.locator(".pagefind-ui__message")).to_have_text(re.compile(f"^找到 \\d+ 个与“{re.escape(query)}”相关的页面"))
    assert unquote(urlsplit(page.url).query) == f"q={query}"  # the address bar follows the search
    link.first.click()
    page.wait_for_url(f"**{url}")
    assert page.locator("h1").inner_text() == title


def test_ui_prefill_from_url(page, server):
    page.goto(f"{server}/search/?q={quote('接待')}")
    assert page.locator(".pagefind-ui__search-input").input_value() == "接待"
    assert page.locator("#site-search").input_value() == "接待"  # the header box too
    items = results(page)
    # the query ran: every result shown is about 接待 (which of the 44 pages
    # holding it come first shifts with every page the site adds)
    texts = items.evaluate_all("els => els.map(e => e.innerText)")
    assert len(texts) == 5 and all("接待" in t for t in texts), texts
    assert page.title().startswith("搜索：接待")


def test_header_form_leads_to_search(page, server):
    page.goto(f"{server}/agencies/")
    page.locator("#site-search").fill("双创园")
    page.locator("#site-search").press("Enter")
    page.wait_for_url("**/search/?q=*")
    result_link(page, SHUANGCHUANG).first.wait_for()


def test_ui_excerpts_are_readable(page, server):
    page.goto(f"{server}/search/?q={quote('转房')}")
    items = results(page)
    assert items.count() >= 1
    texts = page.locator(".pagefind-ui__result-excerpt").all_inner_texts()
    assert texts and all(FIELD_MARK not in t for t in texts)
    first = page.locator(".pagefind-ui__result").first
    assert first.locator(".pagefind-ui__result-link").get_attribute("href") == ZHOUZHUAN
    assert "转房" in first.locator(".pagefind-ui__result-excerpt mark").all_inner_texts()
    assert "唐山市路南区机关事务中心(接待中心) · 2025年 · 预算 21.60 万元" in first.locator(".search-result-meta").inner_text()
    assert page.locator(".pagefind-ui__result-tags").count() == 0  # metadata is in the line above, not as tags
    # every shown excerpt is text a reader can find on the page it links to
    shown = {first.locator(".pagefind-ui__result-link").get_attribute("href"): texts[0]}
    for href, text in shown.items():
        page.goto(server + href)
        body = page.locator("main").inner_text()
        excerpt = text.split("\n", 1)[-1]
        assert squash(excerpt) in squash(body), (excerpt, href)


# --------------------------------------------------------------------------- what a reader types

# An agency's or a place's name, as printed: its own page first.
NAME_CASES = [
    ("曹妃甸区政务接待中心", CAOFEIDIAN), ("临西县机关后勤服务中心", LINXI), ("和政县机关事务管理局", HEZHENG),
    ("乐亭县机关事务中心", LAOTING), ("唐山市路南区机关事务中心(接待中心)", LUNAN),
    ("路南区", "/regions/130202/"), ("唐山市", "/regions/130200/"), ("临西县", "/regions/130535/"),
    ("和政县", "/regions/622925/"), ("河北省", "/regions/130000/"), ("甘肃省", "/regions/620000/"),
    ("邢台市", "/regions/130500/"), ("乐亭县", "/regions/130225/"), ("曹妃甸区", "/regions/130209/"),
    ("临夏回族自治州", "/regions/622900/"),
]


def test_a_name_finds_its_agency_or_region_first(site):
    got = run_queries(site, [{"q": q, "limit": 3} for q, _ in NAME_CASES])
    firsts = {q: r["hits"][0]["url"] if r["hits"] else None for (q, _), r in zip(NAME_CASES, got["results"])}
    assert firsts == dict(NAME_CASES)


# words that are on no page of the site, though each character is on many
NOWHERE = ["公园", "车水", "梯院", "火箭发射"]


def test_words_on_no_page_find_nothing(site):
    html = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html") if "pagefind" not in p.parts)
    assert not [q for q in NOWHERE if q in html]
    got = run_queries(site, [{"q": q} for q in NOWHERE])
    assert {r["q"]: r["total"] for r in got["results"]} == {q: 0 for q in NOWHERE}
    # a query on pages finds only pages that have it, as typed
    for r in run_queries(site, [{"q": q, "limit": 50, "content": True} for q in ("院维", "水培", "务派")])["results"]:
        assert r["hits"] and all(r["q"] in h["content"] for h in r["hits"]), r["q"]


@pytest.mark.parametrize("query,name", [("植被成活率", "植被成活率"), ("泵站", "泵站维修成本"), ("返修率", "返修率"),
                                        ("三干会议", "三干会议参加人员数")])
def test_an_indicator_found_shows_as_a_sentence(table, query, name):
    """Excerpts come from prose: the page's summary, goals, notes, and each
    indicator written as a sentence (the tables themselves are not indexed:
    their excerpts were strings of cells)."""
    hit = table[query]["hits"][0]
    text = squash(hit["shown"])
    assert re.search(re.escape(squash(name)) + r"(（.*?）)?：", text), hit["shown"]  # name（description）：target


def test_ui_words_on_no_page_show_the_empty_state(page, server):
    page.goto(f"{server}/search/?q={quote('公园')}")
    expect(page.locator(".pagefind-ui__message")).to_have_text("没有找到与“公园”相关的页面")
    assert page.locator(".pagefind-ui__result").count() == 0
    # Pagefind alone, without the check, would have listed pages
    raw = page.evaluate("""async () => {
        const pagefind = (await import("/pagefind/pagefind.js")).createInstance({ basePath: "/pagefind/b/site/" });
        await pagefind.options({ baseUrl: "/" });
        return (await pagefind.search("公园")).results.length;
    }""")
    assert raw > 0


def test_ui_address_and_header_box_follow_the_query(page, server):
    """The address bar (what a shared link opens), the tab title and the
    header's box show the query in the box after each keystroke; they lagged
    one keystroke behind, and the header box kept the first query."""
    page.goto(f"{server}/search/?q={quote('接待')}")
    results(page)
    box = page.locator(".pagefind-ui__search-input")
    for query in ["周转房", "满意度"]:
        box.fill("")
        box.press_sequentially(query, delay=40)
        expect(page.locator(".pagefind-ui__message")).to_have_text(re.compile(f"“{query}”"))
        page.wait_for_timeout(400)  # past Pagefind UI's debounce: its late processTerm call
        assert unquote(urlsplit(page.url).query) == f"q={query}"
        assert page.locator("#site-search").input_value() == query
        assert page.title().startswith(f"搜索：{query} · ")
    box.press("Backspace")
    page.wait_for_timeout(600)
    assert unquote(urlsplit(page.url).query) == "q=满意"


def test_ui_results_carry_page_type_badges(page, server):
    page.goto(f"{server}/search/?q={quote('和政县')}")
    results(page)
    expect(page.locator(".pagefind-ui__result-link").first).to_have_attribute("href", "/regions/622925/")
    badges = page.locator(".pagefind-ui__result .search-badge").all_inner_texts()
    assert badges[0] == "地区" and {"单位", "绩效目标文件"} <= set(badges) and len(badges) >= 5


def test_ui_an_agency_name_lists_its_page_first(page, server):
    page.goto(f"{server}/search/?q={quote('和政县机关事务管理局')}")
    results(page)
    first = page.locator(".pagefind-ui__result").first
    assert first.locator(".pagefind-ui__result-link").get_attribute("href") == HEZHENG
    assert first.locator(".search-badge").inner_text() == "单位"


def test_one_search_box_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        pg = context.new_page()
        for url in ["/", f"/search/?q={quote('接待')}"]:
            pg.goto(server + url)
            if "search" in url:
                results(pg)
            assert pg.locator("input[type=search]:visible, input.pagefind-ui__search-input:visible").count() == 1, url
    finally:
        context.close()


def test_ui_filters_in_chinese(page, server):
    """The filter panel (shown once there are results) has the five filters;
    ticking 项目, 2024 and 河北省唐山市 narrows 满意度 to the three 2024
    projects in 唐山市. (Pagefind UI 1.5 runs no search without a term;
    filter-only searches are in the Node table above.)"""
    page.goto(f"{server}/search/?q={quote('满意度')}")
    results(page)
    # Pagefind's UI adds each filter as its data arrives; under a loaded CI
    # machine the fifth once took longer than the default 5 s
    expect(page.locator(".pagefind-ui__filter-name")).to_have_count(5, timeout=20_000)
    names = [t.strip() for t in page.locator(".pagefind-ui__filter-name").all_inner_texts()]
    assert set(names) == {"地区", "年度", "单位", "页面类型", "指标类别"}
    assert page.locator(".pagefind-ui__filter-panel-label").inner_text() == "筛选"
    for group, value in [("页面类型", "项目"), ("年度", "2024"), ("地区", "河北省唐山市")]:
        page.locator(".pagefind-ui__filter-name", has_text=group).click()
        label = page.locator(f'label[for="{group}-{value}"]')
        assert re.fullmatch(rf"{re.escape(value)} \(\d+\)", label.inner_text())
        label.click()
    for url in CF_2024_PROJECTS:  # (expect retries while the list settles)
        expect(result_link(page, url)).to_have_count(1)
    expect(page.locator(".pagefind-ui__result")).to_have_count(3)


def test_ui_sort_by_budget(page, server):
    page.goto(f"{server}/search/?q={quote('经费')}&sort=amount-desc")
    assert page.locator("#search-sort").input_value() == "amount-desc"
    results(page)
    page.wait_for_load_state("networkidle")
    lines = page.locator(".search-result-meta").all_inner_texts()
    amounts = [float(m.group(1).replace(",", "")) for t in lines if (m := re.search(r"预算(?:合计)? ([\d,.]+) 万元", t))]
    assert len(amounts) >= 3 and amounts == sorted(amounts, reverse=True)
    page.locator("#search-sort").select_option("amount-asc")
    page.wait_for_url("**sort=amount-asc*")
    page.locator(".search-result-meta").nth(2).wait_for()
    page.wait_for_load_state("networkidle")
    lines = page.locator(".search-result-meta").all_inner_texts()
    amounts = [float(m.group(1).replace(",", "")) for t in lines if (m := re.search(r"预算(?:合计)? ([\d,.]+) 万元", t))]
    assert amounts == sorted(amounts)


def test_ui_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    try:
        pg = context.new_page()
        pg.goto(f"{server}/search/?q={quote('接待')}")
        results(pg)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        assert "找到" in pg.locator(".pagefind-ui__message").inner_text()
        assert pg.locator(".pagefind-ui__result-title").first.bounding_box()["width"] <= 375
    finally:
        context.close()


def test_phone_shows_a_result_on_the_first_screen(browser, server):
    """On a small phone (375×667) the filters are a row of buttons, not five
    full-width rows, so the first result is on the first screen; a button
    opens its filter to full width and ticking a value narrows the results."""
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    try:
        pg = context.new_page()
        pg.goto(f"{server}/search/?q={quote('满意度')}")
        results(pg)
        expect(pg.locator(".pagefind-ui__filter-name")).to_have_count(5, timeout=20_000)
        title = pg.locator(".pagefind-ui__result-title").first.bounding_box()
        assert title["y"] + title["height"] <= 667, title
        blocks = pg.locator(".pagefind-ui__filter-block")
        tops = {round(blocks.nth(i).bounding_box()["y"]) for i in range(5)}
        assert len(tops) <= 2, tops  # one or two rows of buttons
        message = pg.locator(".pagefind-ui__message")
        before = message.inner_text()
        assert re.match(r"找到 \d+ 个", before)
        pg.locator(".pagefind-ui__filter-name", has_text="年度").tap()
        opened = pg.locator(".pagefind-ui__filter-block[open]")
        assert opened.bounding_box()["width"] > 300  # opens to the panel's full width
        opened.locator('label[for="年度-2024"]').tap()
        expect(message).not_to_have_text(before)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_without_javascript_the_page_explains(browser, server):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(f"{server}/search/?q={quote('接待')}")
        fallback = pg.locator("#search-fallback")
        assert fallback.is_visible()
        assert "JavaScript" in fallback.inner_text()
        assert pg.locator("#search-fallback a[href='/agencies/']").count() == 1
    finally:
        context.close()


def test_first_query_bytes(browser, server):
    """Bytes the browser fetches from /pagefind/ for its first search (empty cache)."""
    context = browser.new_context()
    try:
        dl = first_query_bytes(context.new_page(), server, "接待")
    finally:
        context.close()
    kinds = ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(dl.by_kind().items(), key=lambda kv: -kv[1]))
    print(f"\nfirst query '接待' on the seed site: {len(dl.files)} files, {dl.bytes / 1024:.1f} KB as served, "
          f"~{dl.gzip_bytes / 1024:.1f} KB with gzip for text (KB: {kinds})")
    assert dl.results >= 1 and dl.seconds is not None  # the first result was shown (and timed)
    assert dl.gzip_bytes < 300 * 1024
    # a search that shows nothing in time is reported, not raised (one index
    # over ~100,000 pages showed nothing for 满意度 in 180 s: docs/search.md)
    context = browser.new_context()
    try:
        late = first_query_bytes(context.new_page(), server, "接待", timeout_ms=1)
    finally:
        context.close()
    assert late.seconds is None and late.query == "接待"


def test_query_table_in_chromium(page, server):
    """The whole table again, through pagefind.js in Chromium: its Intl.Segmenter
    (ICU) splits Chinese differently from Node's, and from jieba's."""
    page.goto(f"{server}/search/")
    queries = sorted({c.q for c in CASES})
    got = page.evaluate("""async (queries) => {
        const pagefind = await import("/pagefind/merged/pagefind.js");
        await pagefind.options({ baseUrl: "/" });
        const seg = new Intl.Segmenter("zh-CN", { granularity: "word" });
        const out = {};
        for (const q of queries) {
            const search = await pagefind.search(q);
            const urls = [];
            for (const r of search.results.slice(0, 10)) urls.push((await r.data()).url);
            out[q] = { urls, words: [...seg.segment(q)].filter((s) => s.isWordLike).map((s) => s.segment) };
        }
        return out;
    }""", queries)
    failures = []
    for case in CASES:
        urls = got[case.q]["urls"][: case.top]
        ok = [u for u in urls if ("/projects/" in u if case.expect == ANY_PROJECT else u in case.expect)]
        if not ok:
            failures.append(f"{case.q!r} (segmented {got[case.q]['words']}): {got[case.q]['urls']}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- an index in bundles by region

# A province-sized site is indexed in bundles by region (site_builder/search/,
# plan_bundles) that /pagefind/merged/pagefind.js searches as one, or only
# the reader's region's (site_builder/search/parts.js). The seed site again,
# with bundles of at most 30 pages, against the one-index build above: what
# a reader gets must not depend on the bundles, except the order by
# relevance (each bundle ranks with its own word statistics).

PARTS_OF = 30
SEED_BUNDLES = {"site", "1302", "1305", "62"}  # 唐山市, 邢台市, 甘肃省, and the site-wide pages


@pytest.fixture(scope="session")
def split_built(tmp_path_factory):
    out = tmp_path_factory.mktemp("search-parts") / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PART_PAGES_ENV, str(PARTS_OF))
        report = build(REPO, out, search=True)
    return out, report


@pytest.fixture(scope="session")
def split_site(split_built) -> Path:
    return split_built[0]


def urls(result: dict) -> list[str]:
    return [h["url"] for h in result["hits"]]


def amounts(result: dict) -> list[str]:
    return [h["meta"].get("amount") for h in result["hits"]]


def test_split_build_report_and_layout(built, split_built):
    site, report = split_built
    one = built[1].search
    s = report.search
    assert s["bundles"] == 4 and one["bundles"] == 1
    assert s["pages"] == one["pages"]  # every indexed page in exactly one bundle
    bundles = site / "pagefind" / "b"
    assert {p.name for p in bundles.iterdir()} == SEED_BUNDLES
    for key in SEED_BUNDLES - {"site"}:  # a region's bundle keeps what its Pagefind instance reads
        assert sorted(p.name for p in (bundles / key).iterdir() if not p.name.endswith(".pf_meta")) == [
            "filter", "fragment", "index", "pagefind-entry.json", "wasm.unknown.pagefind"]
    assert (bundles / "site" / "pagefind-worker.js").is_file()  # one worker for every instance, from the first
    # only the site-wide bundle's WebAssembly is real: its instance is made first
    assert (bundles / "site" / "wasm.unknown.pagefind").stat().st_size > 10_000
    assert {(bundles / k / "wasm.unknown.pagefind").read_bytes() for k in SEED_BUNDLES - {"site"}} == {PART_WASM_STUB}
    assert (site / "pagefind" / "pagefind-ui.js").is_file() and (site / "pagefind" / "pagefind.js").is_file()
    merged = (site / "pagefind" / "merged" / "pagefind.js").read_text(encoding="utf-8")
    listed = json.loads(re.search(r"const BUNDLES = (\[.*?\]);", merged).group(1))
    assert [b["key"] for b in listed] == ["site", "1302", "1305", "62"]
    assert {b["key"]: b.get("name") for b in listed}["1302"] == "河北省唐山市"
    # the places a query may name, by which it is searched in their bundle first
    assert {b["key"]: b.get("places") for b in listed} == {
        "site": None, "1302": ["乐亭县", "唐山市", "曹妃甸区", "路南区"], "1305": ["临西县", "邢台市"],
        "62": ["临夏回族自治州", "和政县", "甘肃省"]}
    deadline = time.monotonic() + 10  # deleted by a process of its own
    while list(site.parent.glob(".site.search-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(site.parent.glob(".site.search-*")), "the bundles' scratch folder is left behind"


def test_indexed_pages_finds_the_mark_wherever_it_is(tmp_path):
    """indexed_pages reads a page's head first: a mark after it, across its
    end or in a short page is found; a page without one is not indexed."""
    from site_builder.search import BODY_MARK, HEAD_BYTES, indexed_pages

    def page(name: str, before: int, mark: bool = True) -> tuple[str, Path]:
        path = tmp_path / name
        path.write_bytes(b"<!doctype html>" + b"x" * before + (b"<main " + BODY_MARK + b">" if mark else b"<main>")
                         + b"y" * 3 * HEAD_BYTES)
        return name, path

    pages = dict([page("short.html", 10), page("late.html", 2 * HEAD_BYTES), page("across.html", HEAD_BYTES - 25),
                  page("none.html", 10, mark=False), page("tiny.html", 0)])
    (tmp_path / "tiny.html").write_bytes(b"<main " + BODY_MARK + b">")
    assert indexed_pages(pages) == {"short.html", "late.html", "across.html", "tiny.html"}


def test_plan_bundles_groups_pages_by_region(site):
    from site_builder.search import indexed_pages, plan_bundles

    indexed = indexed_pages(site_pages(site))
    assert "search/index.html" not in indexed and "404.html" not in indexed  # no data-pagefind-body
    plan = plan_bundles(indexed, PARTS_OF)
    pages = [rel for rels in plan.values() for rel in rels]
    assert sorted(pages) == sorted(indexed) and len(pages) == len(set(pages))
    assert set(plan) == SEED_BUNDLES and max(len(p) for k, p in plan.items() if k != "site") <= PARTS_OF
    assert all(rel.startswith("agencies/130202-") or rel.startswith("agencies/130209-") or
               rel.startswith("agencies/130225-") or rel.startswith("regions/1302") for rel in plan["1302"])
    assert "index.html" in plan["site"] and "regions/622925/index.html" in plan["62"]
    assert plan_bundles(indexed, 10_000) == {"site": sorted(indexed)}  # a small site is one index
    assert plan_bundles(indexed, 0) == {"site": sorted(indexed)}


def test_plan_bundles_splits_a_region_over_the_limit():
    from site_builder.search import plan_bundles

    county = [f"agencies/130202-{n}/index.html" for n in range(5)]
    other = ["agencies/130209-1/index.html", "agencies/130535-1/index.html", "regions/130000/index.html"]
    plan = plan_bundles(county + other + ["index.html"], 3)
    assert plan == {"site": ["index.html", "regions/130000/index.html"],
                    "130202-1": county[:3], "130202-2": county[3:], "130209": other[:1], "1305": other[1:2]}
    assert plan_bundles(county + other, 10) == {"site": sorted(county + other)}  # not over the limit: one
    assert plan_bundles(county + other, 7) == {"site": ["regions/130000/index.html"],
                                               "1302": county + other[:1], "1305": other[1:2]}


def test_large_sites_are_indexed_in_bundles_by_default(tmp_path, monkeypatch):
    """Without the setting, a site above search.AUTO_ABOVE_PAGES indexed
    pages gets bundles of at most search.AUTO_PART_PAGES (here scaled down to
    the seed site: above 80 pages, at most 30); with the setting at 0, one."""
    from site_builder import search

    monkeypatch.delenv(PART_PAGES_ENV, raising=False)
    monkeypatch.setattr(search, "AUTO_ABOVE_PAGES", 80)
    monkeypatch.setattr(search, "AUTO_PART_PAGES", PARTS_OF)
    auto = build(REPO, tmp_path / "auto", search=True).search
    assert auto["bundles"] == 4 and auto["pages"] > 80
    monkeypatch.setattr(search, "AUTO_ABOVE_PAGES", 100)
    assert build(REPO, tmp_path / "small", search=True).search["bundles"] == 1  # not above: one index
    monkeypatch.setattr(search, "AUTO_ABOVE_PAGES", 80)
    monkeypatch.setenv(PART_PAGES_ENV, "0")
    one = build(REPO, tmp_path / "one", search=True).search
    assert one["bundles"] == 1 and one["pages"] == auto["pages"]
    assert [p.name for p in (tmp_path / "one" / "pagefind" / "b").iterdir()] == ["site"]


def test_part_pages_setting(monkeypatch):
    monkeypatch.delenv(PART_PAGES_ENV, raising=False)
    assert part_pages() is None  # the default: bundles only above search.AUTO_ABOVE_PAGES
    monkeypatch.setenv(PART_PAGES_ENV, "10000")
    assert part_pages() == 10_000
    monkeypatch.setenv(PART_PAGES_ENV, "0")
    assert part_pages() == 0  # always one index
    for bad in ["-5", "ten", "1.5"]:
        monkeypatch.setenv(PART_PAGES_ENV, bad)
        with pytest.raises(SearchIndexError, match=PART_PAGES_ENV):
            part_pages()


def test_bad_part_setting_fails_before_building(tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "keep.txt").write_text("the last good output")
    monkeypatch.setenv(PART_PAGES_ENV, "ten")
    result = run_cli("build", "--out", out)
    assert result.code != 0
    assert f"${PART_PAGES_ENV} must be a whole number of pages (0: one index)" in result.err and "'ten'" in result.err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]  # nothing built, nothing lost


def test_a_search_limited_to_a_region_searches_its_bundle_only(split_site):
    """The reader's region (?scope=, from the page the search started on)
    limits a search to its bundle and the site-wide one: from 路南区, the
    pages of its city, 唐山市, are all found as a search everywhere finds
    them, and no page of another region is."""
    tangshan = ("/agencies/130202-", "/agencies/130209-", "/agencies/130225-")
    others = ("/agencies/130535-", "/agencies/622925")
    queries = [{"q": q, "limit": 300} for q in ("经费", "满意度", "和政县")]
    everywhere = run_queries(split_site, queries)["results"]
    scoped = run_queries(split_site, queries, scope="130202")["results"]
    for a, b in zip(everywhere, scoped):
        assert {u for u in urls(b) if u.startswith(tangshan)} == {u for u in urls(a) if u.startswith(tangshan)}, a["q"]
        assert not [u for u in urls(b) if u.startswith(others)], a["q"]
    assert [u for u in urls(everywhere[2]) if u.startswith(others)]  # 和政县: found everywhere, not from 路南区


def test_a_stepwise_search_stops_when_it_has_enough(split_site):
    """Bundle by bundle (as the /search/ page searches): a search by words
    searches the site-wide bundle and the first region's, then one more
    bundle at a time until ENOUGH (10) results; a query that names a place
    (和政县, or 和政, 邢台 without 县/市) searches that place's bundle first and
    stops there. The bundles searched are searched completely: their pages
    are all found, as a search of every bundle finds them. A rare word goes
    on to the last bundle; a sort or a filter searches every bundle."""
    queries = [{"q": q, "limit": 300} for q in ("满意度", "经费", "和政县", "和政", "邢台", "888510002", "周转房")]
    queries += [{"q": "经费", "sort": {"预算金额": "desc"}, "limit": 300},
                {"q": "经费", "filters": {"年度": "2025"}, "limit": 300}]
    step = run_queries(split_site, queries, stepwise=True)["results"]
    whole = run_queries(split_site, queries)["results"]
    everything = ["site", "1302", "1305", "62"]
    assert [[b["key"] for b in r["progress"]["searched"]] for r in step] == [
        ["site", "1302"], ["site", "1302"], ["site", "62"], ["site", "62"], ["site", "1305"],
        everything, everything, everything, everything]
    assert [r["progress"]["complete"] for r in step] == [False] * 5 + [True] * 4
    for a, b in zip(step[:2], whole):  # enough found: part of everything, with every page of 唐山市 found
        assert set(urls(a)) < set(urls(b)) and len(urls(a)) >= 10, a["q"]
        assert {u for u in urls(b) if u.startswith("/agencies/1302")} <= set(urls(a)), a["q"]
    for a, b in zip(step[2:5], whole[2:5]):  # a place's pages are all in its bundle: as everywhere
        assert sorted(urls(a)) == sorted(urls(b)), a["q"]
    for a, b in zip(step[5:], whole[5:]):  # every bundle searched: as everywhere, in the same order
        assert urls(a) == urls(b), a["q"]
    assert urls(step[5]) == [ZHOUZHUAN]


def test_an_edit_re_indexes_only_its_regions_bundle(tmp_path, monkeypatch):
    """A cached rebuild after an edit of one filing indexes again only the
    bundles whose pages changed: its region's and the site-wide one; the
    others stay as they were, file for file."""
    from conftest import copy_project, edit

    monkeypatch.setenv(PART_PAGES_ENV, str(PARTS_OF))
    root, out = copy_project(tmp_path / "proj"), tmp_path / "public"
    build(root, out, search=True)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind" / "b").rglob("*") if p.is_file()}
    edit(root / "content/filings/622925-2024.yaml", "和政县机关事务管理局", "和政县机关事务管理局（改）")
    report = build(root, out, search=True)
    assert report.search["indexed_bundles"] == 2 and report.search["bundles"] == 4
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind" / "b").rglob("*") if p.is_file()}
    for key in ("1302", "1305"):
        mine = {k: v for k, v in before.items() if k.startswith(f"pagefind/b/{key}/")}
        assert mine and all(after.get(k) == v for k, v in mine.items()), key
    assert {k for k in before if k.startswith("pagefind/b/62/")} != {k for k in after if k.startswith("pagefind/b/62/")}
    found = run_queries(out, [{"q": "管理局（改）", "limit": 10}])["results"][0]
    assert any(u.startswith("/agencies/622925") for u in urls(found))
    assert build(root, out, search=True).search is None  # nothing changed: nothing indexed


SORTED_QUERIES = [{"q": q, "filters": f, "sort": {"预算金额": d}, "limit": 100}
                  for q, f in [(None, {"页面类型": "项目"}), ("经费", None), ("满意度", None), ("接待", {"年度": "2025"})]
                  for d in ("desc", "asc")]


def test_split_sort_is_exact(site, split_site):
    one = run_queries(site, SORTED_QUERIES)["results"]
    parts = run_queries(split_site, SORTED_QUERIES)["results"]
    for q, a, b in zip(SORTED_QUERIES, one, parts):
        assert amounts(b)[:50] == amounts(a)[:50], q  # the same order (search/parts.js: MERGED); equal amounts may swap
        assert sorted(urls(b)) == sorted(urls(a)), q
        assert len(amounts(b)) >= 2


def test_split_filters_add_up(site, split_site):
    one = run_queries(site, [{"q": "接待", "filters": {"年度": "2025"}, "limit": 100}])
    parts = run_queries(split_site, [{"q": "接待", "filters": {"年度": "2025"}, "limit": 100}])
    assert parts["filters"] == one["filters"]  # the UI's filter lists and their counts
    assert sorted(urls(parts["results"][0])) == sorted(urls(one["results"][0]))
    queries = [{"q": None, "filters": f, "limit": 100} for f, _ in FILTER_CASES]
    for (f, expected), hits in zip(FILTER_CASES, run_queries(split_site, queries)["results"]):
        assert set(urls(hits)) == expected, f


def test_split_finds_pages_not_stand_ins(site, split_site):
    """A part that lacks a query word matches Pagefind's stand-in for it (the
    longest indexed word the query word starts with: 8 for 888510002); the
    merged search drops such parts. Project codes, found only in one part,
    find what one index finds, and every query of the table finds every
    page one index finds. (A few queries find more: see docs/search.md, "An
    index in parts"; printed with -s.)"""
    queries = sorted({c.q for c in CASES})
    one = dict(zip(queries, run_queries(site, [{"q": q, "limit": 300} for q in queries])["results"]))
    parts = dict(zip(queries, run_queries(split_site, [{"q": q, "limit": 300} for q in queries])["results"]))
    for code in ["888510002", "4010026", "110735", "13020225p008885", "P004T4010027E"]:
        assert set(urls(parts[code])) == set(urls(one[code])), code
    assert urls(parts["888510002"]) == [ZHOUZHUAN]
    lost = {q: set(urls(one[q])) - set(urls(parts[q])) for q in queries}
    assert not {q: pages for q, pages in lost.items() if pages}, "pages one index finds but the parts do not"
    ranked = sum(1 for c in CASES if any(u in c.expect or (c.expect == ANY_PROJECT and "/projects/" in u)
                                         for u in urls(parts[c.q])[: c.top]))
    differ = [q for q in queries if set(urls(one[q])) != set(urls(parts[q]))]
    print(f"\nindex in {PARTS_OF}-page parts: {ranked} of {len(CASES)} table queries rank their page as the table "
          f"asks; {len(differ)} of {len(queries)} queries find other pages than one index: {differ}")


@pytest.fixture(scope="session")
def split_server(split_site):
    with serve(split_site, CspHandler) as base:
        yield base


def test_ui_over_parts(page, split_server):
    """The real UI over the parts, in Chromium (its worker, its segmenter)."""
    page.goto(f"{split_server}/search/")
    page.locator(".pagefind-ui__search-input").press_sequentially("888510002", delay=30)
    link = result_link(page, ZHOUZHUAN)
    link.first.wait_for()
    results(page)
    page.wait_for_load_state("networkidle")
    assert page.locator(".pagefind-ui__result").count() == 1
    page.goto(f"{split_server}/search/?q={quote('经费')}&sort=amount-desc")
    results(page)
    page.locator(".pagefind-ui__button").click()  # 显示更多结果: the next five
    page.locator(".search-result-meta").nth(6).wait_for()
    page.wait_for_load_state("networkidle")
    lines = page.locator(".search-result-meta").all_inner_texts()
    shown = [Decimal(m.group(1).replace(",", "")) for t in lines if (m := re.search(r"预算(?:合计)? ([\d,.]+) 万元", t))]
    assert len(shown) >= 7 and shown == sorted(shown, reverse=True)
    filters = page.locator(".pagefind-ui__filter-name").all_inner_texts()
    assert sorted(filters) == sorted(["地区", "年度", "单位", "页面类型", "指标类别"])


def test_each_part_is_searched_once_per_search(page, split_server):
    """A search runs once in each part's own index (one Pagefind instance per
    part). The parts used to be merged into one instance and searched once
    per part with a filter naming it, so every part ran every search: 3 × 3
    part searches here, 10 × 10 at 10,000 filings (接待: 28 s to the first
    result in Chromium, against ~7 s now)."""
    wasm = []
    page.on("response", lambda r: wasm.append((r.url, len(r.body()))) if r.url.endswith(".pagefind") else None)
    page.goto(f"{split_server}/search/")
    page.locator(".pagefind-ui__search-input").wait_for()  # the page has set up its search (stepwise) first
    got = page.evaluate("""async () => {
        const pagefind = await import("/pagefind/merged/pagefind.js");
        pagefind.stepwise(false);  // every bundle (the search page's own searches go bundle by bundle)
        await pagefind.options({ baseUrl: "/" });
        const found = await pagefind.search("接待");
        const urls = await Promise.all(found.results.map(async (r) => (await r.data()).url));
        return { timings: found.timings.length, urls, total: found.unfilteredResultCount };
    }""")
    assert got["timings"] == 4  # one search in each of the four bundles
    assert JIEDAI_LT in got["urls"] and len(got["urls"]) == len(set(got["urls"]))
    page.wait_for_load_state("networkidle")
    sizes = sorted(n for url, n in wasm if "/wasm." in url)
    assert len(sizes) == 4 and sizes[:3] == [len(PART_WASM_STUB)] * 3 and sizes[3] > 10_000, wasm


def test_ui_a_search_from_a_region_fetches_its_bundle_only(page, split_server):
    """A search started on 路南区's pages (the header form carries its region)
    fetches the site-wide bundle and 唐山市's, says where it searched, and
    one click searches everywhere."""
    fetched = []
    page.on("response", lambda r: fetched.append(urlsplit(r.url).path))
    page.goto(f"{split_server}/agencies/130202-430001/2025/")
    page.locator("#site-search").fill("经费")
    page.locator("#site-search").press("Enter")
    results(page)
    page.wait_for_load_state("networkidle")
    assert "scope=130202" in page.url
    bundles = {p.split("/")[3] for p in fetched if p.startswith("/pagefind/b/")}
    assert bundles == {"site", "1302"}
    where = page.locator(".search-scope")
    expect(where).to_contain_text("在 河北省唐山市 中搜索")
    fetched.clear()
    where.get_by_role("link", name="搜索全部地区").click()
    results(page)
    page.wait_for_load_state("networkidle")
    assert "scope" not in page.url and "q=" in page.url
    # everywhere, bundle by bundle: 唐山市's has enough for 经费, and says so
    assert {p.split("/")[3] for p in fetched if p.startswith("/pagefind/b/")} == {"site", "1302"}
    more = page.locator(".search-progress")
    expect(more).to_have_text("先显示 河北省唐山市 的结果（已搜索 1/3 个地区）· 搜索全部地区")
    shown = page.locator(".pagefind-ui__message").inner_text()
    more.get_by_role("link", name="搜索全部地区").click()
    expect(page.locator(".pagefind-ui__message")).not_to_have_text(shown)  # more found
    page.wait_for_load_state("networkidle")
    assert "all=1" in page.url and "q=" in page.url
    assert {p.split("/")[3] for p in fetched if p.startswith("/pagefind/b/")} == SEED_BUNDLES
    expect(more).to_be_hidden()


def test_ui_a_query_naming_a_place_searches_its_bundle(page, split_server, split_site):
    """From the search page, 和政 (和政县 without 县) is searched in 甘肃省's
    bundle (and the site-wide one) only, and finds every page a search of
    every bundle finds."""
    everywhere = urls(run_queries(split_site, [{"q": "和政 经费"}])["results"][0])
    assert 2 <= len(everywhere) <= 5  # all on the first screen
    fetched = []
    page.on("response", lambda r: fetched.append(urlsplit(r.url).path))
    page.goto(f"{split_server}/search/?q={quote('和政 经费')}")
    results(page)
    page.wait_for_load_state("networkidle")
    assert {p.split("/")[3] for p in fetched if p.startswith("/pagefind/b/")} == {"site", "62"}
    expect(page.locator(".search-progress")).to_contain_text("先显示 甘肃省 的结果")
    shown = page.locator(".pagefind-ui__result-link").evaluate_all("(links) => links.map((a) => a.pathname)")
    assert sorted(shown) == sorted(everywhere)
