"""Project categories from content/taxonomy.yaml and unit costs."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO as ROOT
from site_builder.analysis.categories import (
    DEFAULT_TAXONOMY,
    Taxonomy,
    TaxonomyError,
    UnitCost,
    categorize,
    classify,
    load_taxonomy,
    main_quantity,
    parse_taxonomy_text,
    unit_cost,
)
from site_builder.content.model import Filing, Project
from site_builder.content.validate import validate_paths

LUNAN, CAOFEIDIAN, LAOTING, LINXI, HEZHENG = "130202", "130209", "130225", "130535", "622925"

# Written by hand from the seed filings: (region, project name) -> category slug or None.
EXPECTED_CATEGORIES = [
    (LUNAN, "保安保洁物业管理服务", "property"),
    (LUNAN, "财经大厦经费", "building"),
    (LUNAN, "互联网专线宽带经费", "telecom"),
    (LUNAN, "机关后勤保障经费", "canteen"),  # by purpose: 用于食堂托管服务费用支付
    (LUNAN, "劳务费", "labour"),
    (LUNAN, "联通云视频网络设备", "telecom"),
    (LUNAN, "维修维护等物业管理服务", "maintenance"),  # 维修维护 comes before 物业 in the file
    (LUNAN, "招商引资专项业务费", "services"),
    (LUNAN, "政务外网设备服务经费", "telecom"),
    (LUNAN, "周转房屋租赁费用", "rent"),
    (CAOFEIDIAN, "办公设备购置", "office-equipment"),
    (CAOFEIDIAN, "各项公务接待活动", "reception"),
    (CAOFEIDIAN, "购置公务用车", "vehicle-purchase"),
    (LAOTING, "公务用车监督管理平台经费", "vehicle-platform"),
    (LAOTING, "机关运行及大院维护经费", "maintenance"),
    (LAOTING, "接待管理经费", "reception"),
    (LAOTING, "事改企人员经费", None),  # wages of retired staff of former enterprises
    (LAOTING, "综合服务管理经费", "services"),
    (LINXI, "大型设备运行保障经费", "maintenance"),  # by purpose: 电梯及空调机组的维修维保
    (LINXI, "公务用车服务平台运行", "vehicle-platform"),
    (LINXI, "机关院内后勤运行保障", "maintenance"),  # by purpose: 维修保养
    (LINXI, "机关运行保障经费", "utilities"),  # by purpose: 水电费及邮电费
    (LINXI, "双创园办公楼运行保障", "maintenance"),  # by purpose: 维修保养
    (LINXI, "物业管理事务", "property"),
    (LINXI, "运转保障经费（劳务费）", "labour"),
    (LINXI, "招待所运行费", "reception"),
    (LINXI, "综合事务管理运行", "services"),
    (LINXI, "城市夜景品质提升项目-临西大剧院", None),
    (LINXI, "疫情防控隔离点餐费", None),
    (HEZHENG, "各统办楼、聚兴广场维修维护", "maintenance"),
    (HEZHENG, "各统办楼、政务中心水费", "utilities"),
    (HEZHENG, "2024年公务用车运行经费", "vehicles"),
    (HEZHENG, "2024年公务接待费", "reception"),
    (HEZHENG, "2024年后勤服务人员劳务派遣费用", "labour"),
    (HEZHENG, "2024年机关灶、职工灶运行经费", "canteen"),
    (HEZHENG, "各统办楼、政务中心电费", "utilities"),
    (HEZHENG, "一、二号统办楼7部电梯运行、维护费用", "maintenance"),
]


@pytest.fixture(scope="module")
def seeds() -> dict[str, Filing]:
    result = validate_paths([ROOT / "content" / "filings"])
    assert result.ok
    return {lf.filing.region.code: lf.filing for lf in result.filings}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(ROOT / "content" / "taxonomy.yaml")


def project(seeds: dict[str, Filing], region: str, name: str) -> Project:
    return next(p for p in seeds[region].projects if p.name == name)


def make(name: str, purpose: str | None = None, total: str = "10", indicators: list[dict] | None = None) -> Project:
    data: dict = {"name": name, "budget": {"total": total}}
    if purpose:
        data["purpose"] = purpose
    if indicators:
        data["indicators"] = indicators
    return Project.model_validate(data)


# --------------------------------------------------------------------------- the seed projects


def test_all_37_seed_projects_are_categorised_as_expected(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    found = [(code, p.name, (c.slug if (c := categorize(p, taxonomy)) else None))
             for code in (LUNAN, CAOFEIDIAN, LAOTING, LINXI, HEZHENG) for p in seeds[code].projects]
    assert len(found) == 37
    assert found == EXPECTED_CATEGORIES


def test_the_default_taxonomy_is_the_content_file(seeds: dict[str, Filing]) -> None:
    assert DEFAULT_TAXONOMY == ROOT / "content" / "taxonomy.yaml"
    p = project(seeds, CAOFEIDIAN, "各项公务接待活动")
    assert categorize(p).slug == "reception"  # type: ignore[union-attr]


def test_match_says_why(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    m = classify(project(seeds, LUNAN, "机关后勤保障经费"), taxonomy)
    assert m is not None and (m.category.slug, m.field, m.keyword) == ("canteen", "purpose", "食堂")
    m = classify(project(seeds, LAOTING, "公务用车监督管理平台经费"), taxonomy)
    assert m is not None and (m.category.slug, m.field, m.keyword) == ("vehicle-platform", "name", "公务用车+平台")


def test_reception_projects_of_three_agencies(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    names = {(code, p.name) for code, f in seeds.items() for p in f.projects
             if (c := categorize(p, taxonomy)) is not None and c.slug == "reception"}
    assert {(CAOFEIDIAN, "各项公务接待活动"), (LAOTING, "接待管理经费"), (HEZHENG, "2024年公务接待费")} <= names


# --------------------------------------------------------------------------- unit costs


def test_unit_cost_caofeidian_reception(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    p = project(seeds, CAOFEIDIAN, "各项公务接待活动")
    cat = taxonomy.by_slug("reception")
    q = main_quantity(p, cat)
    assert q is not None and (q.index, q.op, q.value, q.unit, q.comparable) == (0, "≥", Decimal("40"), "批次", True)
    uc = unit_cost(p, cat)
    assert uc == UnitCost(Decimal("40"), "批次", Decimal("2.52"))
    assert uc is not None and uc.cost == Decimal("100.80") / Decimal("40")
    assert isinstance(uc.cost, Decimal) and str(uc.display) == "2.52"
    assert cat.unit_cost_label == "万元/批次"


def test_unit_cost_laoting_reception_treats_pi_as_pici(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    p = project(seeds, LAOTING, "接待管理经费")  # target "≥45 批"
    quantity, unit, cost = unit_cost(p, taxonomy.by_slug("reception"))  # type: ignore[misc]
    assert (quantity, unit) == (Decimal("45"), "批次")
    assert cost == Decimal("1.777777777777777777777777778")  # 80/45 to 28 significant digits
    assert abs(cost * 45 - Decimal("80")) < Decimal("1e-25")
    assert unit_cost(p, taxonomy.by_slug("reception")).display == Decimal("1.78")  # type: ignore[union-attr]


def test_no_unit_cost_where_units_differ(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    # 和政 counts receptions in 人/次, not 批次: quantity shown, no unit cost
    p = project(seeds, HEZHENG, "2024年公务接待费")
    cat = taxonomy.by_slug("reception")
    q = main_quantity(p, cat)
    assert q is not None and (q.value, q.unit, q.comparable) == (Decimal("28000"), "人/次", False)
    assert unit_cost(p, cat) is None
    # 临西 招待所 counts staff (人)
    assert unit_cost(project(seeds, LINXI, "招待所运行费"), cat) is None
    # a category without comparable units never computes a unit cost
    maint = taxonomy.by_slug("maintenance")
    assert maint.units == ()
    assert unit_cost(project(seeds, LUNAN, "维修维护等物业管理服务"), maint) is None
    # money is never a quantity: 和政 维修维护's 数量指标 is "资金使用率 100万元"
    assert main_quantity(project(seeds, HEZHENG, "各统办楼、聚兴广场维修维护"), maint) is None


def test_unit_costs_of_the_seeds(seeds: dict[str, Filing], taxonomy: Taxonomy) -> None:
    table = {}
    for code, f in seeds.items():
        for p in f.projects:
            c = categorize(p, taxonomy)
            if c and (uc := unit_cost(p, c)):
                table[(code, p.name)] = (c.unit_cost_label, uc.quantity, uc.display)
    assert table == {
        (LUNAN, "保安保洁物业管理服务"): ("万元/人", Decimal("59"), Decimal("4.10")),
        (LUNAN, "劳务费"): ("万元/人", Decimal("8"), Decimal("5.01")),  # 5.005, half up
        (LUNAN, "周转房屋租赁费用"): ("万元/套", Decimal("6"), Decimal("3.60")),
        (CAOFEIDIAN, "各项公务接待活动"): ("万元/批次", Decimal("40"), Decimal("2.52")),
        (CAOFEIDIAN, "购置公务用车"): ("万元/辆", Decimal("1"), Decimal("18.00")),
        (LAOTING, "公务用车监督管理平台经费"): ("万元/辆", Decimal("298"), Decimal("0.07")),
        (LAOTING, "接待管理经费"): ("万元/批次", Decimal("45"), Decimal("1.78")),
        (LINXI, "公务用车服务平台运行"): ("万元/辆", Decimal("9"), Decimal("1.89")),
        (LINXI, "运转保障经费（劳务费）"): ("万元/人", Decimal("29"), Decimal("11.14")),
        (HEZHENG, "2024年公务用车运行经费"): ("万元/辆", Decimal("70"), Decimal("2.86")),  # 70辆 under 经济成本指标
        (HEZHENG, "2024年后勤服务人员劳务派遣费用"): ("万元/人", Decimal("48"), Decimal("2.81")),
    }
    uc = unit_cost(project(seeds, LUNAN, "劳务费"), taxonomy.by_slug("labour"))
    assert uc is not None and uc.cost == Decimal("5.005")


# --------------------------------------------------------------------------- rules


RULES = """
categories:
  - slug: first
    name: 第一
    keywords: [接待]
  - slug: second
    name: 第二
    keywords: [食堂, [车辆, 购置]]
    exclude: [隔离]
"""


def test_first_match_in_file_order_name_before_purpose() -> None:
    t = parse_taxonomy_text(RULES)
    assert t.categorize(make("接待食堂经费")).slug == "first"  # type: ignore[union-attr]
    # the name matches the second category; the purpose would match the first: the name wins
    assert t.categorize(make("食堂经费", purpose="用于接待")).slug == "second"  # type: ignore[union-attr]
    assert t.categorize(make("运行经费", purpose="用于接待")).slug == "first"  # type: ignore[union-attr]
    assert t.categorize(make("运行经费")) is None


def test_keyword_groups_and_exclusions() -> None:
    t = parse_taxonomy_text(RULES)
    assert t.categorize(make("车辆购置费")).slug == "second"  # type: ignore[union-attr]
    assert t.categorize(make("车辆运行费")) is None  # a group needs all its words
    assert t.categorize(make("隔离点食堂")) is None  # excluded
    assert t.categorize(make("食 堂")).slug == "second"  # type: ignore[union-attr]  # spaces ignored


def test_seed_taxonomy_is_well_formed(taxonomy: Taxonomy) -> None:
    slugs = [c.slug for c in taxonomy.categories]
    assert len(slugs) == len(set(slugs))
    assert all(s.isascii() for s in slugs)
    for required in ("公务接待", "物业/保洁/安保", "维修维护", "水电", "食堂", "劳务", "通信网络", "办公设备", "会务/综合服务"):
        assert required in [c.name for c in taxonomy.categories]
    for c in taxonomy.categories:
        assert c.caveat
        assert (c.unit_cost_label is not None) == bool(c.units)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("categories:\n  - slug: Reception\n    name: 接待\n    keywords: [接待]\n", 2, 11, "lower-case ASCII"),
        ("categories:\n  - slug: a\n    name: 接待\n    keyword: [接待]\n", 4, 5, "did you mean 'keywords'?"),
        ("categories:\n  - slug: a\n    name: 接待\n    keywords: 接待\n", 4, 15, "must be a list"),
        ("categories:\n  - slug: a\n    name: 甲\n    keywords: [甲]\n  - slug: a\n    name: 乙\n    keywords: [乙]\n",
         5, 11, "already used by categories[0]"),
        ("categories:\n  - slug: a\n    name: 甲\n    keywords: [甲]\n    quantity:\n      units: [辆]\n",
         2, 5, "unit_cost_label is required"),
        ("categories:\n  - slug: a\n    name: 甲\n    keywords: []\n", 4, 15, "at least one entry"),
        ("categories:\n  - slug: a\n    keywords: [甲]\n", 2, 5, "required field 'name' is missing"),
        ("categories:\n  - slug: a\n    name: 甲\n    keywords: [甲]\n    quantity:\n      units: [万元]\n"
         "    unit_cost_label: 万元/万元\n", 6, 14, "not a quantity unit"),
        ("categories: []\n", 1, 13, "non-empty list"),
        ("categories:\n  - slug: a\n    name: 甲\n    keywords: [甲]\n  - slug: a\n", 5, 5, "required field"),
        ("categories:\n  - slug: a\n    name: 甲\n  bad: [\n", 4, 3, "YAML syntax error"),
    ],
)
def test_taxonomy_errors_have_positions(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy_text(text, "taxonomy.yaml")
    problems = info.value.problems
    assert any(p.line == line and p.column == column and message in p.message for p in problems), \
        [p.format() for p in problems]
    assert str(info.value).startswith("taxonomy.yaml:")


def test_all_errors_are_reported_at_once() -> None:
    text = "categories:\n  - slug: A\n    name: 甲\n    keywords: 甲\n    colour: red\n"
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy_text(text)
    assert len(info.value.problems) == 3


def test_load_taxonomy_reports_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "taxonomy.yaml"
    bad.write_text("categories:\n  - slug: x\n    name: 甲\n    keywords: [甲, 甲]\n  - 1\n", encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(bad)
    assert [(p.line, p.column) for p in info.value.problems] == [(5, 5)]
    with pytest.raises(TaxonomyError):
        load_taxonomy(tmp_path / "missing.yaml")
