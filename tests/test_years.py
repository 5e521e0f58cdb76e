"""Following the money across years, and the 三公经费 lens.

A second-year filing is made in the test from the 曹妃甸 2024 seed (never
shipped as content): amounts, projects and targets changed on purpose —
one project renamed under the same code, one matched by name only (its code
left out), one dropped, one added; targets lowered, raised and reworded.
The built pages and data are checked against figures worked out by hand.
"""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import html5lib
import pytest

from conftest import REPO, copy_project, edit, serving, tree_digest
from site_builder.analysis.years import (BY_CODE, BY_NAME, LOWERED, RAISED, VALUE, WORDING, Row, code_stem,
                                         diff_indicators, match_projects, name_key, target_change)
from site_builder.build import build

NS = {"h": "http://www.w3.org/1999/xhtml"}
SEED = REPO / "content/filings/130209-442001-2024.yaml"
AGENCY = "agencies/130209-442001"


def second_year(text: str) -> str:
    """曹妃甸's 2025 filing, made from its 2024 one:

    * 办公设备购置 (0.81) → 通用办公设备及家具购置 (1.20), same code (its year 24 → 25);
    * 各项公务接待活动 100.80 → 90.50, printed without a code (matched by name);
      接待批次 ≥40批次 → ≥45批次 (raised), 接待完成率 ≥95 → ≥90 (lowered),
      接待满意度 ≥95百分比 → 满意度较高 (reworded), 接待时限 unchanged;
    * 购置公务用车 (18.00) gone; 公务用车运行维护 (12.00, 3辆) new.
    """
    t = text.replace("year: 2024", "year: 2025").replace("2024年部门预算绩效目标", "2025年部门预算绩效目标")
    t = t.replace("13020924P", "13020925P")
    t = t.replace("name: 办公设备购置\n", "name: 通用办公设备及家具购置\n")
    t = t.replace("total: 0.81\n      fiscal: 0.81", "total: 1.20\n      fiscal: 1.20")
    t = t.replace('  - code: "13020925P000558100016"\n    name: 各项公务接待活动', "  - name: 各项公务接待活动")
    t = t.replace("total: 100.80\n      fiscal: 100.80", "total: 90.50\n      fiscal: 90.50")
    t = t.replace('target: "≥40批次"', 'target: "≥45批次"')
    t = t.replace('name: 接待完成率\n        description: 接待完成率\n        target: "≥95百分比"',
                  'name: 接待完成率\n        description: 接待完成率\n        target: "≥90百分比"')
    t = t.replace('name: 接待满意度\n        description: 接待满意度\n        target: "≥95百分比"',
                  'name: 接待满意度\n        description: 接待满意度\n        target: "满意度较高"')
    start = t.index('  - code: "13020925P00098810001T"')
    t = t[:start] + (
        "  - name: 公务用车运行维护\n    budget:\n      total: 12.00\n      fiscal: 12.00\n    indicators:\n"
        "      - level1: 产出指标\n        level2: 数量指标\n        name: 车辆数\n        target: \"3辆\"\n")
    for changed in ("name: 通用办公设备及家具购置", "total: 90.50", "≥45批次", "≥90百分比", "满意度较高", "公务用车运行维护"):
        assert changed in t, changed
    return t


def two_year_project(dest: Path) -> Path:
    root = copy_project(dest)
    (root / "content/filings/130209-442001-2025.yaml").write_text(second_year(SEED.read_text(encoding="utf-8")),
                                                                 encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return two_year_project(tmp_path_factory.mktemp("years") / "proj")


@pytest.fixture(scope="module")
def site(project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("years-out") / "public"
    build(project, out, search=False, clean=True)
    return out


def doc(site: Path, url: str):
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=True)
    d = parser.parse((site / url.strip("/") / "index.html").read_bytes(), transport_encoding="utf-8")
    assert not parser.errors, parser.errors[:3]
    return d


def text(site: Path, url: str) -> str:
    return re.sub(r"\s+", " ", "".join(doc(site, url).find(".//h:main", NS).itertext()))


def section(site: Path, url: str, id_: str) -> str:
    el = doc(site, url).find(f".//*[@id='{id_}']", NS)
    return "" if el is None else re.sub(r"\s+", " ", "".join(el.itertext()))


def rows(site: Path, url: str, caption: str) -> list[list[str]]:
    """The body rows of the table with that caption, cell texts stripped (the
    phone-only unit suffix left out)."""
    for table in doc(site, url).iter(f"{{{NS['h']}}}table"):
        cap = table.find("h:caption", NS)
        if cap is not None and caption in "".join(cap.itertext()):
            out = []
            for tr in table.findall("h:tbody/h:tr", NS):
                cells = []
                for cell in tr:
                    for span in cell.findall(".//h:span[@class='unit-m']", NS):
                        span.text = ""
                    cells.append(re.sub(r"\s+", " ", "".join(cell.itertext())).strip())
                out.append(cells)
            return out
    raise AssertionError(f"no table captioned {caption!r} on {url}")


def data_csv(site: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((site / "data" / name).read_text(encoding="utf-8-sig"))))


# --------------------------------------------------------------------------- the rules


def test_a_code_is_compared_without_its_year_and_a_name_without_years_spaces_and_punctuation():
    assert code_stem("13020225P00005210001P") == code_stem("13020224P00005210001P") == "130202P00005210001P"
    assert code_stem("ABC2024X") == "ABC2024X"  # not <division><yy>…: kept whole
    assert name_key("2024年公务用车运行经费") == name_key("2025年 公务用车运行经费") == name_key("２０２６年度公务用车运行经费")
    assert name_key("办公设备（家具）购置") == name_key("办公设备家具购置")
    assert name_key("办公设备购置") != name_key("通用办公设备及家具购置")


class P:
    def __init__(self, name: str, code: str | None = None):
        self.name, self.code = name, code


def test_projects_match_by_code_first_then_by_name_and_an_ambiguous_key_matches_nothing():
    old = [P("A", "13020924P001"), P("B"), P("C"), P("D"), P("D"), P("E", "13020924P009")]
    new = [P("A renamed", "13020925P001"), P("2025年B"), P("F"), P("D"), P("E", "13020925P777")]
    matched, added, ended = match_projects(old, new)
    assert matched == [(0, 0, BY_CODE), (1, 1, BY_NAME), (5, 4, BY_NAME)]
    assert added == [2, 3]  # F is new; D is twice in 2024: which one continued cannot be told
    assert ended == [2, 3, 4]


@pytest.mark.parametrize("old, new, verdict", [
    ("≥95%", "≥90%", LOWERED), ("≥95百分比", "≥90%", LOWERED), ("≥40批次", "≥45批次", RAISED),
    ("不低于98%", ">95%", LOWERED), ("≤241.74万元", "≤260万元", LOWERED), ("≤241.74万元", "≤200万元", RAISED),
    ("100%", "95%", VALUE), ("1辆", "2辆", VALUE),
    ("≥95%", "满意度较高", WORDING), ("≥95%", "≤95%", WORDING), ("≥95%", ">95%", WORDING), ("≥59人", "≥59人次", WORDING),
    ("≥95百分比", "不低于95%", None), ("$\\geq 95\\%$", "≥95%", None), ("≥12000平 方米", "≥12000平方米", None),
    ("2024年12月31日前", "2025年12月31日前", None), ("2024年年底", "2025年12月31日前", None),
    ("2024年6月底前", "2025年12月底前", LOWERED), ("2024年12月31日前", "2025年6月30日前", RAISED),
    ("2024年完成全部接待任务", "2025年完成全部接待任务", None), ("提升", "有所提升", WORDING),
])
def test_a_target_is_lowered_raised_a_new_value_or_new_wording(old, new, verdict):
    assert target_change(old, new, 2024, 2025) == verdict


def test_indicators_match_by_levels_and_name_then_by_a_unique_name():
    old = [Row("产出指标", "数量指标", "接待批次", "≥40批次"), Row("产出指标", "质量指标", "完成率", "≥95%"),
           Row("效益指标", "社会效益指标", "社会影响", "提升"), Row("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    new = [Row("产出指标", "数量指标", "接待 批次", "≥45批次"), Row("产出指标", "时效指标", "完成率", "≥90%"),
           Row("效益指标", "可持续影响指标", "长效机制", "健全"), Row("满意度指标", "服务对象满意度指标", "满意度", "≥90%")]
    d = diff_indicators(old, new, 2024, 2025)
    assert [(c.old.name, c.verdict) for c in d.changed] == [("接待批次", RAISED), ("完成率", LOWERED)]
    assert [r.name for r in d.added] == ["长效机制"] and [r.name for r in d.dropped] == ["社会影响"]
    assert d.unchanged == 1


def test_a_whole_and_a_light_filing_give_the_same_rows_in_the_same_order(tmp_path):
    """Pages made from whole filings (render workers) and from light ones
    (a rebuild in this process) compare the same rows, in one order, even
    where a table goes back to an 一级指标 it left."""
    from site_builder.analysis.categories import default_taxonomy
    from site_builder.analysis.site import analyze_filing, lighten
    from site_builder.analysis.views import derive
    from site_builder.analysis.years import project_rows
    from site_builder.content.validate import validate_file

    text = SEED.read_text(encoding="utf-8")
    moved = text.replace(
        '      - level1: 效益指标\n        level2: 经济效益指标\n        name: 资金使用效益\n        description: 资金使用效益\n'
        '        target: "是否超预算支出"\n        basis: 根据工作计划安排\n      - level1: 满意度指标',
        '      - level1: 满意度指标', 1)
    moved = moved.replace('        name: 使用人员满意度（%）\n        description: 使用人员满意度（%）\n        target: "≥90百分比"\n'
                          '        basis: 根据工作计划安排\n',
                          '        name: 使用人员满意度（%）\n        description: 使用人员满意度（%）\n        target: "≥90百分比"\n'
                          '        basis: 根据工作计划安排\n      - level1: 产出指标\n        level2: 数量指标\n'
                          '        name: 回到产出\n        target: "≥1台"\n', 1)
    assert "回到产出" in moved
    for body in (text, moved):
        path = tmp_path / "f.yaml"
        path.write_text(body, encoding="utf-8")
        loaded, problems = validate_file(path)
        assert loaded is not None, problems
        whole = analyze_filing(loaded, default_taxonomy())
        light = lighten(whole)
        derive(light, whole)
        assert project_rows(whole) == project_rows(light)
    # 产出 first (the filing prints it first), then 满意度: the row that went back to 产出 comes with its kind
    assert [r.name for r in project_rows(whole)[0]][-2:] == ["回到产出", "使用人员满意度（%）"]


# --------------------------------------------------------------------------- the agency page


def test_the_agency_page_shows_what_grew_and_what_shrank(site):
    url = f"/{AGENCY}/"
    years = rows(site, url, "历年绩效目标")
    assert years == [["2025年", "103.70", "-15.91 （比2024年）", "-13.3%", "3", "13"],
                     ["2024年", "119.61", "—", "—", "3", "18"]]
    bars = section(site, url, "budget")
    assert bars.index("2024年 119.61 万元") < bars.index("2025年 103.70 万元")  # oldest first, as a time series
    changes = section(site, url, "y2025")
    assert "2025年项目支出预算合计比2024年减少 15.91 万元（-13.3%）：2 个项目延续，新增 1 个，1 个未再列出。" in changes
    assert "延续项目 2 个（按编码对应 1 个，按名称对应 1 个）" in changes
    assert "新增项目 1 个，12.00 万元" in changes and "未再列出 1 个，18.00 万元（2024年）" in changes
    assert rows(site, url, "预算变化最大的延续项目") == [
        ["各项公务接待活动", "100.80", "90.50", "-10.30", "-10.2%", "名称"],
        ["通用办公设备及家具购置2024年名为「办公设备购置」", "0.81", "1.20", "+0.39", "+48.1%", "编码"],
    ]
    assert "公务用车运行维护 12.00 万元" in changes and "购置公务用车 18.00 万元" in changes
    assert "要求降低 1 条，要求提高 1 条，表述改变 1 条" in changes
    assert "指标值要求降低的项目：各项公务接待活动（1 条）" in changes
    assert "减少 15.91 万元" in text(site, url).split("历年绩效目标")[0]  # the summary says it first


def test_an_agency_with_one_year_shows_no_empty_year_over_year_sections(site):
    url = "/agencies/130202-430001/"
    assert section(site, url, "changes") == "" and "年度变化" not in text(site, url)
    assert "比上一份文件" not in text(site, url)
    for page in sorted((site / "agencies/130202-430001/2025/projects").glob("*/index.html")):
        assert "历年对比" not in page.read_text(encoding="utf-8")
    assert "与上一年度相比" not in text(site, "/agencies/130202-430001/2025/")
    assert "与上一年度相比" in text(site, f"/{AGENCY}/2025/")


# --------------------------------------------------------------------------- project pages


def test_a_project_page_shows_which_targets_were_lowered(site):
    url = f"/{AGENCY}/2025/projects/p2/"  # 各项公务接待活动, printed without a code in 2025
    years = section(site, url, "years")
    assert "与2024年的「各项公务接待活动」对应：项目名称相同（不计空格、标点和年份），可信度中。" in years
    assert rows(site, url, "预算数") == [["100.80", "90.50", "-10.30", "-10.2%"]]
    changed = rows(site, url, "指标值有变化的指标")
    assert [r[1:3] + [r[3][:4]] for r in changed] == [
        ["≥40批次", "≥45批次", "要求提高"], ["≥95百分比", "≥90百分比", "要求降低"], ["≥95百分比", "满意度较高", "表述改变"]]
    assert [r[0].split("产出")[0].split("满意度指标")[0] for r in changed] == ["接待批次", "接待完成率", "接待满意度"]
    assert "其余 3 条指标的指标值未变" in years
    lowered = doc(site, url).findall(".//h:tr[@class='verdict-lowered']", NS)
    assert len(lowered) == 1 and "接待完成率" in "".join(lowered[0].itertext())
    assert "预算比2024年减少 10.30 万元（-10.2%），1 条指标值的要求降低。" in text(site, url)  # and its summary
    assert "本项目在其他年度：2024年" in years
    back = f"/{AGENCY}/2024/projects/13020924p000558100016/"
    assert "2025年：「各项公务接待活动」，预算 90.50 万元（-10.30，-10.2%）" in section(site, back, "years")


def test_a_renamed_project_is_matched_by_its_code(site):
    years = section(site, f"/{AGENCY}/2025/projects/13020925p00056410001n/", "years")
    assert "与2024年的「办公设备购置」对应：项目编码相同（不计编码中的年份），可信度高。" in years
    assert "项目名称由「办公设备购置」改为「通用办公设备及家具购置」" in years
    assert "指标与指标值都没有变化" in years


def test_an_added_and_a_dropped_project_say_so(site):
    new = section(site, f"/{AGENCY}/2025/projects/p3/", "years")
    assert "2024年的文件中没有对应的项目：本项目是2025年新增的" in new
    gone = section(site, f"/{AGENCY}/2024/projects/13020924p00098810001t/", "years")
    assert "2025年的文件中没有列出对应的项目" in gone


# --------------------------------------------------------------------------- what changed in a region


def test_a_region_with_agencies_filing_in_different_years(site):
    """唐山市: 路南 and 乐亭 filed for 2025 only, 曹妃甸 for both years."""
    url = "/regions/130200/changes/2025/"
    t = text(site, url)
    assert "河北省唐山市有 1 个单位在2024年和2025年都有文件，它们的项目支出预算合计减少 15.91 万元（-13.3%）" in t
    assert "2 个单位只有2025年的文件" in t
    assert rows(site, url, "项目支出预算合计") == [["曹妃甸区", "119.61", "103.70", "-15.91", "-13.3%"]]
    assert rows(site, url, "预算增加最多的延续项目")[0][:5] == ["通用办公设备及家具购置", "曹妃甸区政务接待中心", "0.81",
                                                            "1.20", "+0.39"]
    assert rows(site, url, "预算减少最多的延续项目")[0][4] == "-10.30"
    lowered = rows(site, url, "指标值要求降低的指标")
    assert len(lowered) == 1 and lowered[0][2:] == ["≥95百分比", "≥90百分比"]
    assert "新增 1 个项目，合计 12.00 万元；1 个2024年的项目未再列出，合计 18.00 万元" in t
    # a county: its agency; the region pages link their year's changes
    assert rows(site, "/regions/130209/changes/2025/", "项目支出预算合计") == [
        ["曹妃甸区政务接待中心", "119.61", "103.70", "-15.91", "-13.3%"]]
    assert "2025年与2024年相比" in text(site, "/regions/130200/")
    # nothing to compare: no page, no link
    assert not (site / "regions/130202/changes").exists() and not (site / "regions/620000/changes").exists()
    assert "年与" not in text(site, "/regions/130202/")


# --------------------------------------------------------------------------- open data


def test_the_matches_and_changes_are_in_the_open_data(site):
    got = data_csv(site, "project_changes.csv")
    keys = ["status", "match", "project_code_from", "project_name_from", "project_code_to", "project_name_to",
            "budget_from", "budget_to", "change"]
    assert [[r[k] for k in keys] for r in got] == [
        ["continued", "code", "13020924P00056410001N", "办公设备购置", "13020925P00056410001N", "通用办公设备及家具购置",
         "0.81", "1.20", "0.39"],
        ["continued", "name", "13020924P000558100016", "各项公务接待活动", "", "各项公务接待活动", "100.80", "90.50", "-10.30"],
        ["new", "", "", "", "", "公务用车运行维护", "", "12.00", "12.00"],
        ["ended", "", "13020924P00098810001T", "购置公务用车", "", "", "18.00", "", "-18.00"],
    ]
    assert {(r["region_code"], r["agency_code"], r["year_from"], r["year_to"]) for r in got} == {
        ("130209", "442001", "2024", "2025")}
    assert got[1]["url_to"].endswith("/agencies/130209-442001/2025/projects/p2/")
    # the changes add up to the agency's: exact
    assert sum(Decimal(r["change"]) for r in got) == Decimal("103.70") - Decimal("119.61")
    targets = data_csv(site, "target_changes.csv")
    assert sorted((r["status"], r["name_to"], r["target_from"], r["target_to"]) for r in targets) == [
        ("lowered", "接待完成率", "≥95百分比", "≥90百分比"), ("raised", "接待批次", "≥40批次", "≥45批次"),
        ("wording", "接待满意度", "≥95百分比", "满意度较高")]
    package = json.loads((site / "data/datapackage.json").read_text(encoding="utf-8"))
    described = {r["path"]: [f["name"] for f in r["schema"]["fields"]] for r in package["resources"]}
    assert described["project_changes.csv"] == list(got[0]) and described["target_changes.csv"] == list(targets[0])
    documented = (REPO / "docs/data.md").read_text(encoding="utf-8")
    for column in [*got[0], *targets[0]]:
        assert f"| {column} |" in documented or f"{column}," in documented or f", {column}" in documented, column


# --------------------------------------------------------------------------- 三公经费


def test_sangong_totals_equal_the_sum_of_their_projects(project, site):
    from site_builder.analysis.sangong import category_groups, region_sums, year_sums
    from site_builder.build import Builder, Project

    _inputs, _renderer, model = Builder(Project(project), project / "unused").load()
    groups = category_groups(model.taxonomy)
    for region in model.regions.values():
        expected: dict[tuple[int, str], Decimal] = {}
        for f in region.filings:
            for p in f.projects:
                if p.category is not None and p.category.slug in groups:
                    key = (f.year, groups[p.category.slug].slug)
                    expected[key] = expected.get(key, Decimal(0)) + p.project.budget.total
        got = {(ys.year, g.group.slug): g.amount for ys in year_sums(region.filings, model.taxonomy)
               for g in ys.groups if g.projects}
        assert got == expected, region.code
        # the pages sum a region from its child regions' sums: the same figures
        def figures(sums):
            return [(ys.year, ys.filings, [(g.amount, len(g.projects), sorted(
                (k, c.projects, c.counted, c.budget, c.quantity) for k, c in g.costs.items())) for g in ys.groups])
                for ys in sums]

        assert figures(region_sums(region, model.taxonomy, model.memo)) == figures(
            year_sums(region.filings, model.taxonomy))
    # on the page: per county, per year, the agencies and their projects
    assert rows(site, "/sangong/130209/", "三公经费相关项目（万元") == [
        ["2025年", "90.50", "12.00", "—", "102.50", "2"], ["2024年", "100.80", "18.00", "—", "118.80", "2"]]
    agencies = rows(site, "/sangong/130209/", "各单位三公经费相关项目")
    assert agencies[0] == ["曹妃甸区政务接待中心", "2025年", "90.50各项公务接待活动", "12.00公务用车运行维护", "—"]
    counties = rows(site, "/sangong/130200/", "下级地区三公经费相关项目")
    assert ["曹妃甸区", "2025年", "90.50", "12.00", "—"] in counties and ["乐亭县", "2025年", "80.00", "20.00", "—"] in counties
    home = doc(site, "/")
    assert any(a.get("href", "").endswith("/sangong/") for a in home.iter(f"{{{NS['h']}}}a"))


def test_the_sangong_groups_are_checked_like_the_rest_of_the_taxonomy():
    from site_builder.analysis.categories import TaxonomyError, load_taxonomy, parse_taxonomy_text

    text = (REPO / "content/taxonomy.yaml").read_text(encoding="utf-8")
    shipped = load_taxonomy(REPO / "content/taxonomy.yaml").sangong
    assert [(g.name, g.categories) for g in shipped] == [
        ("公务接待", ("reception",)), ("公务用车购置及运行", ("vehicle-purchase", "vehicles", "vehicle-platform")),
        ("因公出国（境）", ("overseas",))]
    bad = text.replace("categories: [reception]", "categories: [receptoin, vehicles]")
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy_text(bad, "taxonomy.yaml")
    messages = [(p.field, p.message) for p in err.value.problems]
    assert ("sangong[0].categories[0]", "no category has the slug 'receptoin'; did you mean 'reception'?") in messages
    assert ("sangong[1].categories[1]", "category 'vehicles' is already counted in sangong[0]") in messages
    assert all(p.line > 1 for p in err.value.problems)
    assert parse_taxonomy_text(text.split("\nsangong:")[0], "t.yaml").sangong == ()  # no lens: no groups


def test_sangong_unit_costs_only_where_the_units_agree(site):
    costs = section(site, "/sangong/", "years")
    # 2025 receptions: 曹妃甸 90.50 for ≥45 批次 and 乐亭 80.00 for 45 批次: 170.50 / 90
    assert "2025年 · 公务接待：1.89 万元/批次 （170.50 万元 ÷ 90 批次；2 个项目）" in costs
    # 2024: 和政 and 临西 count their receptions in other units: left out of the unit cost, said so
    assert "2024年 · 公务接待：2.52 万元/批次 （100.80 万元 ÷ 40 批次；3 个项目中 1 个的数量单位为“批次”）" in costs
    # purchase and running of cars are never divided together
    assert "2025年 · 公务用车运行：4.00 万元/辆" in costs and "2024年 · 公务用车购置：18.00 万元/辆" in costs
    assert "公务用车购置及运行：" not in costs.split("单位成本")[1].split("单位成本 =")[0]


# --------------------------------------------------------------------------- pages stay exact after edits


def test_year_over_year_pages_follow_edits_of_either_year(tmp_path):
    """Incremental == clean after edits that move the year-over-year
    figures; an edit of the earlier year re-renders the later year's
    project pages, an edit of another agency does not."""
    root = two_year_project(tmp_path / "proj")
    out = tmp_path / "public"
    build(root, out, search=False)

    def equals_clean() -> None:
        clean = tmp_path / f"clean{len(list(tmp_path.iterdir()))}"
        build(root, clean, search=False, clean=True)
        assert tree_digest(out) == tree_digest(clean)

    # a 2024 target: the 2025 project page and the region's changes page follow
    edit(root / "content/filings/130209-442001-2024.yaml", 'target: "≥40批次"', 'target: "≥50批次"')
    r = build(root, out, search=False)
    assert f"{AGENCY}/2025/projects/p2/index.html" in r.rendered
    assert "regions/130200/changes/2025/index.html" in r.rendered
    assert "≥50批次" in (out / AGENCY / "2025/projects/p2/index.html").read_text(encoding="utf-8")
    equals_clean()
    # another agency of the region: not 曹妃甸's pages
    edit(root / "content/filings/130202-430001-2025.yaml", "total: 21.6", "total: 21.7")
    r = build(root, out, search=False)
    assert not any(p.startswith(AGENCY) for p in r.rendered)
    assert "regions/130200/changes/2025/index.html" in r.rendered  # it counts 路南 among the uncompared
    equals_clean()
    # an earlier year arrives: 2024 gets a page of its own, and the 2025 page links it
    earlier = SEED.read_text(encoding="utf-8").replace("year: 2024", "year: 2023").replace("13020924P", "13020923P")
    (root / "content/filings/130209-442001-2023.yaml").write_text(earlier.replace("2024年部门", "2023年部门"),
                                                                  encoding="utf-8")
    r = build(root, out, search=False)
    assert "regions/130200/changes/2024/index.html" in r.written
    assert 'href="/regions/130200/changes/2024/"' in (out / "regions/130200/changes/2025/index.html").read_text(
        encoding="utf-8")
    equals_clean()
    (root / "content/filings/130209-442001-2023.yaml").unlink()
    build(root, out, search=False)
    # the second year goes: the sections and pages go with it
    (root / "content/filings/130209-442001-2025.yaml").unlink()
    r = build(root, out, search=False)
    assert "regions/130200/changes/2025/index.html" in r.deleted
    assert "历年对比" not in (out / AGENCY / "2024/projects/13020924p000558100016/index.html").read_text(encoding="utf-8")
    equals_clean()


def test_in_place_edits_of_either_year_equal_clean_builds(tmp_path):
    from site_builder.live import LiveBuilder

    root = two_year_project(tmp_path / "proj")
    out = tmp_path / "public"
    live = LiveBuilder(root, out)
    live.build()
    edit(root / "content/filings/130209-442001-2024.yaml", "total: 100.80\n      fiscal: 100.80",
         "total: 110.80\n      fiscal: 110.80")
    r = live.build()
    assert r.in_place
    assert {f"{AGENCY}/2025/projects/p2/index.html", "regions/130200/changes/2025/index.html",
            "sangong/130209/index.html"} <= set(r.rendered)
    assert "-20.30" in (out / AGENCY / "2025/projects/p2/index.html").read_text(encoding="utf-8")
    edit(root / "content/filings/130209-442001-2025.yaml", 'target: "≥90百分比"', 'target: "≥85百分比"')
    assert live.build().in_place
    clean = tmp_path / "clean"
    build(root, clean, search=False, clean=True)
    assert tree_digest(out) == tree_digest(clean)


# --------------------------------------------------------------------------- on a phone, valid, accessible

NEW_PAGES = [f"/{AGENCY}/", f"/{AGENCY}/2025/projects/p2/", f"/{AGENCY}/2024/projects/13020924p000558100016/",
             "/regions/130200/changes/2025/", "/regions/130000/changes/2025/", "/sangong/", "/sangong/130200/",
             "/sangong/130209/"]


@pytest.fixture(scope="module")
def server(site):
    with serving(site) as base:
        yield base


@pytest.mark.parametrize("width", [375, 320])
def test_the_new_pages_read_on_a_phone_without_sideways_scrolling(server, browser, width):
    """No sideways scrolling, no table wider than a 375 px screen, every
    target on screen, no amount split from its 万元 (test_reader's measure)."""
    from test_reader import WIDTHS

    context = browser.new_context(viewport={"width": width, "height": 740}, locale="zh-CN")
    try:
        page = context.new_page()
        for url in NEW_PAGES:
            page.goto(server + url)
            got = page.evaluate(WIDTHS)
            assert got["scroll"] <= got["vw"] and got["outside"] == 0, (url, got)
            assert not got["wide"] or width < 375, (url, got)
            assert not got["split"] and not got["loose"], (url, got)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_new_pages_have_no_serious_accessibility_violations(server, browser, width):
    from test_production import AXE, run_axe

    assert AXE.exists(), "axe-core missing: run scripts/setup-test-env (npm ci)"
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for url in NEW_PAGES:
            page.goto(server + url)
            bad = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
            assert not bad, (url, json.dumps(bad, ensure_ascii=False, indent=1))
    finally:
        context.close()


def test_the_new_pages_are_valid_html(site):
    import shutil
    import subprocess

    from test_production import VNU

    java = shutil.which("java")
    assert java and VNU.exists(), "Java and vnu.jar: run scripts/setup-test-env"
    pages = [site / u.strip("/") / "index.html" for u in NEW_PAGES]
    pages += sorted((site / AGENCY).rglob("index.html"))
    proc = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, set(pages))],
                          capture_output=True, text=True, timeout=300)
    errors = [m for m in json.loads(proc.stderr or proc.stdout)["messages"]
              if m["type"] in ("error", "non-document-error") or m.get("subType") == "fatal"]
    assert not errors, [(m.get("url", "").replace(str(site), ""), m.get("lastLine"), m["message"]) for m in errors[:10]]
