"""Consistency notes: each note type is found on the seeds where it
is printed (or, for types the seeds do not contain, on a seed changed in
memory), and not where the data is clean."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

from site_builder.content.model import Filing
from site_builder.analysis.notes import (
    METHODOLOGY_ANCHORS,
    NOTE_TYPES,
    Note,
    filing_notes,
    measurable_share,
    shared_rows,
)
from site_builder.content.validate import validate_paths

FILINGS = Path(__file__).resolve().parents[1] / "content" / "filings"

LUNAN, CAOFEIDIAN, LAOTING, LINXI, HEZHENG = "130202", "130209", "130225", "130535", "622925"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Filing]:
    result = validate_paths([FILINGS])
    assert result.ok, [p.format() for p in result.errors]
    out = {lf.filing.region.code: lf.filing for lf in result.filings}
    assert sorted(out) == sorted([LUNAN, CAOFEIDIAN, LAOTING, LINXI, HEZHENG])
    return out


def changed(filing: Filing, edit: Callable[[dict[str, Any]], None]) -> Filing:
    """A copy of a seed with its plain data edited in memory, validated again."""
    data = filing.model_dump(mode="json", by_alias=True, exclude_none=True)
    edit(data)
    return Filing.model_validate(data)


def codes(notes: list[Note], code: str) -> list[Note]:
    return [n for n in notes if n.code == code]


def project_index(filing: Filing, name: str) -> int:
    return [p.name for p in filing.projects].index(name)


# --------------------------------------------------------------------------- the whole seed site

# Derived by reading the five seed filings:
# every project has at least one word-only target; the other notes are the
# anomalies the transcribers recorded in their `note:` fields, plus three goal
# lists that are verbatim copies of another project's.
EXPECTED_SITE_NOTES = [
    # 路南 130202
    (LUNAN, "qualitative-targets", "保安保洁物业管理服务"),
    (LUNAN, "cost-bound-mismatch", "财经大厦经费"),
    (LUNAN, "qualitative-targets", "财经大厦经费"),
    (LUNAN, "qualitative-targets", "互联网专线宽带经费"),
    (LUNAN, "qualitative-targets", "机关后勤保障经费"),
    (LUNAN, "qualitative-targets", "劳务费"),
    (LUNAN, "qualitative-targets", "联通云视频网络设备"),
    (LUNAN, "cost-bound-mismatch", "维修维护等物业管理服务"),
    (LUNAN, "qualitative-targets", "维修维护等物业管理服务"),
    (LUNAN, "qualitative-targets", "招商引资专项业务费"),
    (LUNAN, "qualitative-targets", "政务外网设备服务经费"),
    (LUNAN, "qualitative-targets", "周转房屋租赁费用"),
    # 曹妃甸 130209
    (CAOFEIDIAN, "qualitative-targets", "办公设备购置"),
    (CAOFEIDIAN, "qualitative-targets", "各项公务接待活动"),
    (CAOFEIDIAN, "goal-copied", "购置公务用车"),
    (CAOFEIDIAN, "qualitative-targets", "购置公务用车"),
    # 乐亭 130225
    (LAOTING, "qualitative-targets", "公务用车监督管理平台经费"),
    (LAOTING, "qualitative-targets", "机关运行及大院维护经费"),
    (LAOTING, "qualitative-targets", "接待管理经费"),
    (LAOTING, "plan-missing-checkpoint", "事改企人员经费"),
    (LAOTING, "qualitative-targets", "事改企人员经费"),
    (LAOTING, "goal-copied", "综合服务管理经费"),
    (LAOTING, "qualitative-targets", "综合服务管理经费"),
    # 临西 130535
    (LINXI, "qualitative-targets", "大型设备运行保障经费"),
    (LINXI, "qualitative-targets", "公务用车服务平台运行"),
    (LINXI, "qualitative-targets", "机关院内后勤运行保障"),
    (LINXI, "qualitative-targets", "机关运行保障经费"),
    (LINXI, "qualitative-targets", "双创园办公楼运行保障"),
    (LINXI, "qualitative-targets", "物业管理事务"),
    (LINXI, "qualitative-targets", "运转保障经费（劳务费）"),
    (LINXI, "qualitative-targets", "招待所运行费"),
    (LINXI, "qualitative-targets", "综合事务管理运行"),
    (LINXI, "qualitative-targets", "城市夜景品质提升项目-临西大剧院"),
    (LINXI, "qualitative-targets", "疫情防控隔离点餐费"),
    # 和政 622925
    (HEZHENG, "qualitative-targets", None),  # the 单位整体支出 table: 健全, 合理, 科学, 环保节能
    (HEZHENG, "qualitative-targets", "各统办楼、聚兴广场维修维护"),
    (HEZHENG, "goal-copied", "各统办楼、政务中心水费"),
    (HEZHENG, "qualitative-targets", "各统办楼、政务中心水费"),
    (HEZHENG, "qualitative-targets", "2024年公务用车运行经费"),
    (HEZHENG, "qualitative-targets", "2024年公务接待费"),
    (HEZHENG, "qualitative-targets", "2024年后勤服务人员劳务派遣费用"),
    (HEZHENG, "cost-bound-mismatch", "2024年机关灶、职工灶运行经费"),  # 75万元
    (HEZHENG, "cost-bound-mismatch", "2024年机关灶、职工灶运行经费"),  # >135万元
    (HEZHENG, "indicators-copied", "2024年机关灶、职工灶运行经费"),
    (HEZHENG, "qualitative-targets", "2024年机关灶、职工灶运行经费"),
    (HEZHENG, "qualitative-targets", "各统办楼、政务中心电费"),
    (HEZHENG, "goal-names-other-project", "一、二号统办楼7部电梯运行、维护费用"),
    (HEZHENG, "qualitative-targets", "一、二号统办楼7部电梯运行、维护费用"),
]


def test_exact_notes_of_the_seed_site(seeds: dict[str, Filing]) -> None:
    found = []
    for code in (LUNAN, CAOFEIDIAN, LAOTING, LINXI, HEZHENG):
        f = seeds[code]
        for n in filing_notes(f):
            name = f.projects[n.project_index].name if n.project_index is not None else None
            assert n.project_name == name
            found.append((code, n.code, name))
    assert found == EXPECTED_SITE_NOTES


def test_notes_are_deterministic_and_well_formed(seeds: dict[str, Filing]) -> None:
    for f in seeds.values():
        first, second = filing_notes(f), filing_notes(f)
        assert first == second
        for n in first:
            assert n.code in NOTE_TYPES
            assert n.severity == NOTE_TYPES[n.code].severity in ("info", "warning")
            assert n.href == f"/pages/methodology/#note-{n.code}"
            assert n.anchor.slug == f"note-{n.code}"
            assert all(isinstance(v, Decimal) for v in n.numbers.values())
            assert n.message_zh.endswith("。")
            assert n.field
            hash(n)  # frozen and hashable despite the numbers dict
        # filing-level notes first, then by project
        keys = [(-1 if n.project_index is None else n.project_index) for n in first]
        assert keys == sorted(keys)


def test_note_types_and_anchors() -> None:
    assert set(METHODOLOGY_ANCHORS) == set(NOTE_TYPES)
    for code, t in NOTE_TYPES.items():
        assert t.title_zh and t.explanation_zh and t.severity in ("info", "warning")
        assert METHODOLOGY_ANCHORS[code].href == f"/pages/methodology/#note-{code}"
    for required in ("funding-parts-mismatch", "project-sum-mismatch", "plan-not-cumulative",
                     "plan-missing-checkpoint", "plan-not-complete", "cost-bound-mismatch",
                     "indicators-copied", "goal-copied", "goal-names-other-project",
                     "no-output-indicator", "no-satisfaction-indicator", "qualitative-targets"):
        assert required in NOTE_TYPES


def test_as_dict_keeps_exact_decimals(seeds: dict[str, Filing]) -> None:
    n = codes(filing_notes(seeds[LUNAN]), "cost-bound-mismatch")[0]
    d = n.as_dict()
    assert d["numbers"] == {"total": "645.13", "bound": "645.12", "difference": "0.01"}
    assert d["href"] == "/pages/methodology/#note-cost-bound-mismatch"


# --------------------------------------------------------------------------- cost bound


def test_cost_bound_lunan_645_13(seeds: dict[str, Filing]) -> None:
    notes = codes(filing_notes(seeds[LUNAN]), "cost-bound-mismatch")
    assert [(n.project_name, n.numbers) for n in notes] == [
        ("财经大厦经费", {"total": Decimal("645.13"), "bound": Decimal("645.12"), "difference": Decimal("0.01")}),
        ("维修维护等物业管理服务",
         {"total": Decimal("216.77"), "bound": Decimal("216.76"), "difference": Decimal("0.01")}),
    ]
    n = notes[0]
    assert n.project_index == 1 and n.field == "projects[1].indicators[3].target" and n.severity == "warning"
    assert n.message_zh == (
        "项目「财经大厦经费」预算数为 645.13 万元，成本指标「质量一定的基础上节约成本」和经济效益指标"
        "「质量一定的基础上节约成本」的指标值均为 ≤645.12万元，两者相差 0.01 万元。"
    )


def test_cost_bound_hezheng_canteen(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]
    notes = codes(filing_notes(f), "cost-bound-mismatch")
    canteen = project_index(f, "2024年机关灶、职工灶运行经费")
    assert [(n.project_index, n.field, n.numbers["total"], n.numbers["bound"], n.numbers["difference"])
            for n in notes] == [
        (canteen, f"projects[{canteen}].indicators[0].target", Decimal("72"), Decimal("75"), Decimal("3")),
        (canteen, f"projects[{canteen}].indicators[2].target", Decimal("72"), Decimal("135"), Decimal("63")),
    ]
    assert "经济成本指标「资金使用率」的指标值为 75万元" in notes[0].message_zh


def test_cost_bound_equal_or_consistent_is_not_noted(seeds: dict[str, Filing]) -> None:
    # 和政 劳务派遣: "> 135 万元" on a total of 135 -> a lower bound equal to the budget, not noted
    f = seeds[HEZHENG]
    labour = project_index(f, "2024年后勤服务人员劳务派遣费用")
    assert f.projects[labour].indicators[2].target == "> 135 万元"
    assert not [n for n in filing_notes(f) if n.code == "cost-bound-mismatch" and n.project_index == labour]

    def set_bound(target: str) -> Callable[[dict[str, Any]], None]:
        def edit(d: dict[str, Any]) -> None:
            for j in (3, 4):
                d["projects"][1]["indicators"][j]["target"] = target
        return edit

    lunan = seeds[LUNAN]
    for ok in ("≤645.13万元", "645.13万元", "≥600万元", "<645.13万元", "≤645.130万元"):
        notes = codes(filing_notes(changed(lunan, set_bound(ok))), "cost-bound-mismatch")
        assert [n.project_index for n in notes] == [6], ok  # only 维修维护 216.76 remains
    # a cap above the budget and a floor above it are noted
    for noted, bound in (("≤700万元", "700"), ("≥650万元", "650"), ("645万元", "645")):
        notes = [n for n in filing_notes(changed(lunan, set_bound(noted))) if n.code == "cost-bound-mismatch"]
        assert [n.project_index for n in notes] == [1, 6], noted
        assert notes[0].numbers["bound"] == Decimal(bound)
    # a cost bound in % (临西 成本控制率 ≤100%) is never compared with the budget
    assert not codes(filing_notes(seeds[LINXI]), "cost-bound-mismatch")


# --------------------------------------------------------------------------- spending plan


def test_plan_missing_checkpoint_laoting(seeds: dict[str, Filing]) -> None:
    f = seeds[LAOTING]
    notes = codes(filing_notes(f), "plan-missing-checkpoint")
    assert len(notes) == 1
    n = notes[0]
    assert n.project_name == "事改企人员经费" and n.project_index == 3
    assert n.field == "projects[3].spending_plan"
    assert n.numbers == {"mar": Decimal("25"), "jun": Decimal("50"), "oct": Decimal("75")}
    assert n.message_zh == ("项目「事改企人员经费」的资金支出计划缺少 12月底；已列出的最后一个时点 10月底 为 75%，"
                            "计划中没有写出全年达到 100%。")
    # reported once: no separate plan-not-complete
    assert not codes(filing_notes(f), "plan-not-complete")


def test_plan_complete_is_not_noted(seeds: dict[str, Filing]) -> None:
    def add_dec(d: dict[str, Any]) -> None:
        d["projects"][3]["spending_plan"]["dec"] = "100"

    notes = filing_notes(changed(seeds[LAOTING], add_dec))
    assert not [n for n in notes if n.code.startswith("plan-")]

    def drop_jun(d: dict[str, Any]) -> None:
        del d["projects"][0]["spending_plan"]["jun"]

    n = codes(filing_notes(changed(seeds[LAOTING], drop_jun)), "plan-missing-checkpoint")[0]
    assert n.project_index == 0 and "缺少 6月底；" in n.message_zh


def test_amount_plans_of_linxi_end_at_the_total(seeds: dict[str, Filing]) -> None:
    f = seeds[LINXI]
    for p in f.projects:
        assert p.spending_plan is not None and p.spending_plan.unit == "amount"
        assert p.spending_plan.dec == p.budget.total
    assert not [n for n in filing_notes(f) if n.code.startswith("plan-")]


def test_plan_not_complete(seeds: dict[str, Filing]) -> None:
    def amount_short(d: dict[str, Any]) -> None:
        d["projects"][0]["spending_plan"]["dec"] = "34.50"

    notes = codes(filing_notes(changed(seeds[LINXI], amount_short)), "plan-not-complete")
    assert [(n.project_name, n.numbers) for n in notes] == [
        ("大型设备运行保障经费",
         {"dec": Decimal("34.50"), "expected": Decimal("35.00"), "difference": Decimal("0.50")}),
    ]
    assert notes[0].message_zh == ("项目「大型设备运行保障经费」的资金支出计划 12月底 累计 34.50 万元，"
                                   "预算数为 35.00 万元，两者相差 0.50 万元。")

    def percent_short(d: dict[str, Any]) -> None:
        d["projects"][1]["spending_plan"]["dec"] = "90"

    notes = codes(filing_notes(changed(seeds[LAOTING], percent_short)), "plan-not-complete")
    assert [(n.project_index, n.numbers["dec"], n.numbers["difference"]) for n in notes] == [
        (1, Decimal("90"), Decimal("10"))]


def test_plan_not_cumulative(seeds: dict[str, Filing]) -> None:
    def decrease(d: dict[str, Any]) -> None:
        d["projects"][2]["spending_plan"]["jun"] = "4.00"  # 机关院内后勤运行保障: mar 5.00

    notes = codes(filing_notes(changed(seeds[LINXI], decrease)), "plan-not-cumulative")
    assert len(notes) == 1
    n = notes[0]
    assert n.project_index == 2 and n.field == "projects[2].spending_plan.jun"
    assert n.numbers == {"mar": Decimal("5.00"), "jun": Decimal("4.00"), "difference": Decimal("1.00")}
    assert n.message_zh == ("项目「机关院内后勤运行保障」的资金支出计划（按金额累计）中，6月底 为 4.00 万元，"
                            "低于 3月底 的 5.00 万元。")
    # the seeds' plans are all non-decreasing; equal consecutive values are fine
    for f in seeds.values():
        assert not codes(filing_notes(f), "plan-not-cumulative")

    def flat(d: dict[str, Any]) -> None:
        d["projects"][2]["spending_plan"]["jun"] = "5.00"

    assert not codes(filing_notes(changed(seeds[LINXI], flat)), "plan-not-cumulative")


# --------------------------------------------------------------------------- funding and unit-level sums


def test_funding_parts(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]  # fiscal + carryover 0 + other 0 = total in every project
    assert not codes(filing_notes(f), "funding-parts-mismatch")

    def carry(d: dict[str, Any]) -> None:
        d["projects"][0]["budget"]["carryover"] = "5.5"

    notes = codes(filing_notes(changed(f, carry)), "funding-parts-mismatch")
    assert [(n.project_index, n.numbers) for n in notes] == [
        (0, {"fiscal": Decimal("100"), "carryover": Decimal("5.5"), "other": Decimal("0"),
             "parts_sum": Decimal("105.5"), "total": Decimal("100"), "difference": Decimal("5.5")})]
    assert notes[0].message_zh == ("项目「各统办楼、聚兴广场维修维护」预算数为 100 万元，按来源列出的资金（财政资金 100 万元、"
                                   "上年结转资金 5.5 万元、其他资金 0 万元）合计 105.5 万元，两者相差 5.5 万元。")

    def no_parts(d: dict[str, Any]) -> None:
        d["projects"][1]["budget"] = {"total": "645.13"}

    assert not codes(filing_notes(changed(seeds[LUNAN], no_parts)), "funding-parts-mismatch")

    def fiscal_only_short(d: dict[str, Any]) -> None:
        d["projects"][1]["budget"]["fiscal"] = "600"

    notes = codes(filing_notes(changed(seeds[LUNAN], fiscal_only_short)), "funding-parts-mismatch")
    assert [(n.project_index, n.numbers["difference"]) for n in notes] == [(1, Decimal("45.13"))]


def test_unit_level_sums_of_hezheng_agree(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]
    ub = f.unit_budget
    assert ub is not None and ub.basic is not None
    assert ub.project == f.total == Decimal("1022")
    assert ub.basic.personnel + ub.basic.operating == ub.basic.total  # type: ignore[operator]
    assert ub.revenue_total == ub.expenditure_total == ub.basic.total + ub.project  # type: ignore[operator]
    unit_codes = [n.code for n in filing_notes(f) if n.project_index is None]
    assert unit_codes == ["qualitative-targets"]


def test_project_sum_mismatch(seeds: dict[str, Filing]) -> None:
    def declared(d: dict[str, Any]) -> None:
        d["unit_budget"]["project"] = "1000"

    notes = codes(filing_notes(changed(seeds[HEZHENG], declared)), "project-sum-mismatch")
    assert len(notes) == 1
    n = notes[0]
    assert n.project_index is None and n.field == "unit_budget.project"
    assert n.numbers == {"declared": Decimal("1000"), "projects_sum": Decimal("1022"), "difference": Decimal("22")}
    assert n.message_zh == "单位整体支出表中项目支出为 1000 万元，本文件 8 个项目的预算数合计为 1022 万元，两者相差 22 万元。"


def test_unit_table_mismatches(seeds: dict[str, Filing]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["unit_budget"]["basic"]["operating"] = "21"  # 595.51 + 21 = 616.51 ≠ 615.51
        d["unit_budget"]["revenue_total"] = "1640"
        d["unit_budget"]["expenditure_total"] = "1637.50"
        d["unit_budget"]["funding"] = {"fiscal": "1600", "carryover": "37.51"}

    notes = [n for n in filing_notes(changed(seeds[HEZHENG], edit)) if n.project_index is None]
    assert [(n.code, n.numbers.get("difference")) for n in notes] == [
        ("funding-parts-mismatch", Decimal("2.49")),  # 1600 + 37.51 = 1637.51 vs revenue 1640
        ("basic-parts-mismatch", Decimal("1")),  # 595.51 + 21 vs 615.51
        ("unit-total-mismatch", Decimal("0.01")),  # 615.51 + 1022 vs 1637.50
        ("revenue-expenditure-mismatch", Decimal("2.50")),
        ("qualitative-targets", None),
    ]
    assert notes[0].field == "unit_budget.funding"
    assert notes[1].message_zh == ("单位整体支出表中基本支出为 615.51 万元，人员经费 595.51 万元与公用经费 21 万元合计 "
                                   "616.51 万元，两者相差 1.00 万元。")


# --------------------------------------------------------------------------- copies


def test_indicators_copied_hezheng(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]
    labour = project_index(f, "2024年后勤服务人员劳务派遣费用")
    canteen = project_index(f, "2024年机关灶、职工灶运行经费")
    notes = codes(filing_notes(f), "indicators-copied")
    assert len(notes) == 1
    n = notes[0]
    assert (n.project_index, n.related_project_index) == (canteen, labour)
    assert n.numbers == {"shared": Decimal("9"), "indicators": Decimal("10"), "other_indicators": Decimal("10")}
    assert n.message_zh == (
        "项目「2024年机关灶、职工灶运行经费」的 10 项绩效指标中有 9 项与项目「2024年后勤服务人员劳务派遣费用」的指标相同"
        "（一级指标、三级指标名称、指标描述和指标值一致），有 1 项不同。"
    )


def test_indicators_copied_threshold(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]
    canteen = project_index(f, "2024年机关灶、职工灶运行经费")

    def two_more_rows_differ(d: dict[str, Any]) -> None:  # 7 of 10 shared: below 80%
        d["projects"][canteen]["indicators"][3]["target"] = ">20人"
        d["projects"][canteen]["indicators"][5]["name"] = "饭菜合格率"

    g = changed(f, two_more_rows_differ)
    assert shared_rows(g.projects[canteen - 1], g.projects[canteen]) == 7
    assert not codes(filing_notes(g), "indicators-copied")

    def one_more_row_differs(d: dict[str, Any]) -> None:  # 8 of 10: exactly 80%, noted
        d["projects"][canteen]["indicators"][3]["target"] = ">20人"

    notes = codes(filing_notes(changed(f, one_more_row_differs)), "indicators-copied")
    assert [n.numbers["shared"] for n in notes] == [Decimal("8")]


def test_same_template_with_adapted_descriptions_is_not_a_copy(seeds: dict[str, Filing]) -> None:
    # 临西 双创园办公楼运行保障 has the same names and targets as 机关院内后勤运行保障,
    # but each description names its own building: not a verbatim copy.
    f = seeds[LINXI]
    a, b = f.projects[2], f.projects[4]
    assert [(i.name, i.target) for i in a.indicators] == [(i.name, i.target) for i in b.indicators]
    assert shared_rows(a, b) == 2
    assert not codes(filing_notes(f), "indicators-copied")
    for g in seeds.values():
        if g.region.code != HEZHENG:
            assert not codes(filing_notes(g), "indicators-copied")


def test_goal_copied(seeds: dict[str, Filing]) -> None:
    found = {(code, n.project_name, n.related_project_index)
             for code, f in seeds.items() for n in codes(filing_notes(f), "goal-copied")}
    assert found == {
        (CAOFEIDIAN, "购置公务用车", 0),
        (LAOTING, "综合服务管理经费", 2),
        (HEZHENG, "各统办楼、政务中心水费", 0),
    }
    n = codes(filing_notes(seeds[HEZHENG]), "goal-copied")[0]
    assert n.message_zh == "项目「各统办楼、政务中心水费」的绩效目标（3 条）与项目「各统办楼、聚兴广场维修维护」的绩效目标相同。"
    assert n.severity == "info"

    # 和政 公务用车 shares only its first goal line with 维修维护: not noted
    f = seeds[HEZHENG]
    assert f.projects[2].goals[0] == f.projects[0].goals[0]

    def reword(d: dict[str, Any]) -> None:
        d["projects"][1]["goals"][2] = "保障各统办楼、政务中心正常用水"

    assert not codes(filing_notes(changed(f, reword)), "goal-copied")


def test_goal_names_other_project_hezheng_elevator(seeds: dict[str, Filing]) -> None:
    f = seeds[HEZHENG]
    elevator = project_index(f, "一、二号统办楼7部电梯运行、维护费用")
    canteen = project_index(f, "2024年机关灶、职工灶运行经费")
    notes = codes(filing_notes(f), "goal-names-other-project")
    assert len(notes) == 1
    n = notes[0]
    assert (n.project_index, n.related_project_index, n.field) == (elevator, canteen, f"projects[{elevator}].goals[0]")
    assert n.examples == ("机关灶、职工灶",)
    assert n.message_zh == (
        "项目「一、二号统办楼7部电梯运行、维护费用」的绩效目标「保障机关灶、职工灶正常运行」中的「机关灶、职工灶」"
        "出现在项目「2024年机关灶、职工灶运行经费」的名称中，而本项目的名称、资金用途和绩效指标中都没有这一内容。"
    )

    def own_goal(d: dict[str, Any]) -> None:
        d["projects"][elevator]["goals"][0] = "保障一、二号统办楼电梯正常运行"

    assert not codes(filing_notes(changed(f, own_goal)), "goal-names-other-project")


def test_goal_mentioning_a_shared_subject_is_not_noted(seeds: dict[str, Filing]) -> None:
    # 路南 保安保洁 and 维修维护 goals name 财经大厦 (another project's name) while also
    # naming their own subject; 和政 goals say 后勤服务 (also in 劳务派遣's name), a
    # word found in many projects; 临西 物业管理事务 says 办公楼 (双创园办公楼…).
    for f in seeds.values():
        for n in codes(filing_notes(f), "goal-names-other-project"):
            assert n.project_name == "一、二号统办楼7部电梯运行、维护费用"
    assert "财经大厦" in seeds[LUNAN].projects[0].goals[0]


# --------------------------------------------------------------------------- indicator levels and targets


def test_no_output_and_no_satisfaction_indicator(seeds: dict[str, Filing]) -> None:
    for f in seeds.values():
        notes = filing_notes(f)
        assert not codes(notes, "no-output-indicator")
        assert not codes(notes, "no-satisfaction-indicator")

    def drop(level1: str) -> Callable[[dict[str, Any]], None]:
        def edit(d: dict[str, Any]) -> None:
            p = d["projects"][1]
            p["indicators"] = [i for i in p["indicators"] if i["level1"] != level1]
        return edit

    notes = filing_notes(changed(seeds[CAOFEIDIAN], drop("产出指标")))
    assert [(n.code, n.project_index) for n in notes if n.code.startswith("no-")] == [("no-output-indicator", 1)]
    assert codes(notes, "no-output-indicator")[0].message_zh == "项目「各项公务接待活动」的 2 项绩效指标中没有产出指标。"
    notes = filing_notes(changed(seeds[CAOFEIDIAN], drop("满意度指标")))
    assert [(n.code, n.project_index) for n in notes if n.code.startswith("no-")] == [("no-satisfaction-indicator", 1)]
    assert codes(notes, "no-satisfaction-indicator")[0].numbers == {"indicators": Decimal("5")}


def test_qualitative_targets(seeds: dict[str, Filing]) -> None:
    f = seeds[LINXI]
    n = [n for n in codes(filing_notes(f), "qualitative-targets") if n.project_index == 1][0]
    assert n.project_name == "公务用车服务平台运行"
    assert n.numbers == {"qualitative": Decimal("1"), "indicators": Decimal("7")}
    assert n.examples == ("提高",)
    assert n.severity == "info"
    assert n.message_zh == "项目「公务用车服务平台运行」的 7 项绩效指标中有 1 项的指标值只有文字，读不出数值或期限，例如「提高」。"
    assert measurable_share(f.projects[1].indicators) == (6, 7)

    def measurable(d: dict[str, Any]) -> None:
        d["projects"][1]["indicators"][4]["target"] = "≥90%"

    g = changed(f, measurable)
    assert measurable_share(g.projects[1].indicators) == (7, 7)
    assert not [n for n in codes(filing_notes(g), "qualitative-targets") if n.project_index == 1]

    # the unit-level table of 和政 and at most three distinct examples
    h = codes(filing_notes(seeds[HEZHENG]), "qualitative-targets")[0]
    assert h.project_index is None and h.field == "unit_budget.indicators"
    assert h.examples == ("健全", "合理", "科学")
    assert h.numbers == {"qualitative": Decimal("4"), "indicators": Decimal("9")}
