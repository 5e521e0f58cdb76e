"""The indicator-target parser (指标值 → comparator, number, unit) over every
target printed in the five seed filings."""
from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from conftest import SEED_FILES
from site_builder.content.targets import DEADLINE, NUMBER, QUALITATIVE, Target, parse_target, shown


def seed_targets() -> list[tuple[str, str]]:
    """(file name, target) for every indicator of every project and of the
    unit-level table (单位整体支出), in file order."""
    out = []
    for path in SEED_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        indicators = list((data.get("unit_budget") or {}).get("indicators") or [])
        for project in data["projects"]:
            indicators.extend(project.get("indicators") or [])
        out.extend((path.name, ind["target"]) for ind in indicators)
    return out


ALL_TARGETS = seed_targets()
DISTINCT = sorted({t for _, t in ALL_TARGETS})


def test_the_seeds_have_targets():
    assert len(SEED_FILES) == 5
    # 路南 75 + 曹妃甸 18 + 和政 80 + 9 unit-level + 临西 77 + 乐亭 45 (see test_seeds.py)
    assert len(ALL_TARGETS) == 304
    assert len(DISTINCT) == 166


@pytest.mark.parametrize("target", DISTINCT)
def test_every_seed_target_parses(target):
    t = parse_target(target)
    assert isinstance(t, Target)
    assert t.text == target  # the published text is always kept
    assert t.kind in (NUMBER, DEADLINE, QUALITATIVE)
    if t.kind == NUMBER:
        assert isinstance(t.value, Decimal) and t.value >= 0
        assert t.op in ("", "≥", "≤", ">", "<", "=")
        assert t.unit == t.unit.strip() and " " not in t.unit
    elif t.kind == DEADLINE:
        assert t.op == "≤" and len(t.date) == 10
    else:
        assert (t.op, t.value, t.unit, t.date) == ("", None, "", "")
    assert t.measurable == (t.kind != QUALITATIVE)


# (published text, kind, op, value, unit, date) — decided by hand
EXACT = [
    # comparator + number + unit
    ("≥59人", NUMBER, "≥", "59", "人", ""),
    ("≤241.74万元", NUMBER, "≤", "241.74", "万元", ""),
    ("≤645.12万元", NUMBER, "≤", "645.12", "万元", ""),
    ("≤27.8万元", NUMBER, "≤", "27.8", "万元", ""),
    ("≥82%", NUMBER, "≥", "82", "%", ""),
    ("≥5项", NUMBER, "≥", "5", "项", ""),
    ("≥40批次", NUMBER, "≥", "40", "批次", ""),
    # 百分比 is the percent sign spelt out
    ("≥90百分比", NUMBER, "≥", "90", "%", ""),
    ("100百分比", NUMBER, "", "100", "%", ""),
    # LaTeX from the PDF converter
    ("$\\geq 95\\%$", NUMBER, "≥", "95", "%", ""),
    ("$\\geq 98\\%$", NUMBER, "≥", "98", "%", ""),
    # spaces of the conversion
    ("> 135 万元", NUMBER, ">", "135", "万元", ""),
    ("> 48 人", NUMBER, ">", "48", "人", ""),
    (">135万元", NUMBER, ">", "135", "万元", ""),
    ("≥12000平 方米", NUMBER, "≥", "12000", "平方米", ""),
    ("≥12000平方米", NUMBER, "≥", "12000", "平方米", ""),
    ("12 个", NUMBER, "", "12", "个", ""),
    ("298 辆", NUMBER, "", "298", "辆", ""),
    ("≥45 批", NUMBER, "≥", "45", "批", ""),
    ("≤1 次", NUMBER, "≤", "1", "次", ""),
    ("≥550 人", NUMBER, "≥", "550", "人", ""),
    # compound and listed units
    ("100次/辆", NUMBER, "", "100", "次/辆", ""),
    ("365人/次", NUMBER, "", "365", "人/次", ""),
    ("28000人/次", NUMBER, "", "28000", "人/次", ""),
    ("≥2张/把/套/台等", NUMBER, "≥", "2", "张/把/套/台等", ""),
    (">50人次", NUMBER, ">", "50", "人次", ""),
    # a plain number: the value to reach
    ("1辆", NUMBER, "", "1", "辆", ""),
    ("74万元", NUMBER, "", "74", "万元", ""),
    ("95%", NUMBER, "", "95", "%", ""),
    ("12个月", NUMBER, "", "12", "个月", ""),
    ("24小时", NUMBER, "", "24", "小时", ""),
    ("1年", NUMBER, "", "1", "年", ""),
    ("≤10分钟", NUMBER, "≤", "10", "分钟", ""),
    # a label before the comparator
    ("后勤人员考核达标率>95%", NUMBER, ">", "95", "%", ""),
    # words that carry the comparator
    ("7个工作日内缴纳", NUMBER, "≤", "7", "个工作日", ""),
    ("95%以上", NUMBER, "≥", "95", "%", ""),
    ("不低于98%", NUMBER, "≥", "98", "%", ""),
    # deadlines
    ("2025年年底", DEADLINE, "≤", None, "", "2025-12-31"),
    ("2025 年年底", DEADLINE, "≤", None, "", "2025-12-31"),
    ("2025年12月31日前", DEADLINE, "≤", None, "", "2025-12-31"),
    # words only
    ("提升", QUALITATIVE, "", None, "", ""),
    ("提高", QUALITATIVE, "", None, "", ""),
    ("节能环保", QUALITATIVE, "", None, "", ""),
    ("否", QUALITATIVE, "", None, "", ""),
    ("资金使用率", QUALITATIVE, "", None, "", ""),
    ("预算年度结束前完成购置计划", QUALITATIVE, "", None, "", ""),
]


@pytest.mark.parametrize("text,kind,op,value,unit,date", EXACT, ids=[e[0] for e in EXACT])
def test_exact_parse(text, kind, op, value, unit, date):
    t = parse_target(text)
    assert (t.kind, t.op, t.unit, t.date) == (kind, op, unit, date)
    if value is None:
        assert t.value is None
    else:
        assert t.value == Decimal(value) and str(t.value) == value  # exact, as written


def test_exact_table_is_representative_of_the_seeds():
    in_seeds = [text for text, *_ in EXACT if text in DISTINCT]
    assert len(in_seeds) >= 25


def test_normalized_form():
    assert parse_target("$\\geq 95\\%$").normalized == "≥95%"
    assert parse_target("≥12000平 方米").normalized == "≥12000平方米"
    assert parse_target("2025年12月31日前").normalized == "≤2025-12-31"
    assert parse_target("提升").normalized == "提升"


@pytest.mark.parametrize("text,expected", [
    ("$\\geq 95\\%$", "≥95%"), ("$\\leq 3$天", "≤3天"), ("不低于 $95\\%$", "不低于 95%"),
    # no math: exactly as published, spaces and all
    ("≥12000平 方米", "≥12000平 方米"), ("> 135 万元", "> 135 万元"), ("提升", "提升"), ("$5", "$5"),
])
def test_shown_turns_latex_into_symbols_only(text, expected):
    assert shown(text) == expected


def test_every_seed_target_shows_as_published_but_its_latex():
    for text in DISTINCT:
        assert shown(text) == text or ("$" in text and "$" not in shown(text)), text


# Every distinct target of the seeds, classified by hand: measurable (a number
# or a date to reach) or qualitative (words only, even when the words describe
# a deadline such as 预算年度结束前… or a yes/no such as 是否超预算支出).
MEASURABLE = {
    # 130202-430001-2025 路南
    "≥59人", "≤241.74万元", "≥82%", "≤645.12万元", "≥85%", "≥5项", "≤27.8万元", "≥86%", "≥50人",
    "≤713.84万元", "≥83%", "≥8人", "≤40.04万元", "≥4台", "≤8万元", "≥42人", "≤216.76万元", "≥1个",
    "≤20万元", "≤27.6万元", "≥6套", "≤21.6万元",
    # 130209-442001-2024 曹妃甸
    "≥2张/把/套/台等", "≥90百分比", "≥40批次", "≥95百分比", "1辆", "100百分比",
    # 130225-507001-2025 乐亭
    "298 辆", "100%", "2025 年年底", "≥95%", "≥8%", "≥90%", "≥98%", "≥12000平方米", "≥10%", "2025年年底",
    "≥5%", "≥45 批", "2025年12月31日前", "23人", "74万元", "1年", "≤105场",
    # 130535-430001-2024 临西
    "9 部", "≤100%", "9 辆", "≥13 人", "12 个", "≥13 层", "≤29 人", "≥9 人", "≥550 人", "556 套", "9 个",
    "≤1 次",
    # 622925-2024 和政
    "70辆", "后勤人员考核达标率>95%", ">50人次", ">150人次", ">200人次", "100万元", "24小时", "5%", "95%",
    "7个工作日内缴纳", "7天", "200万元", "100次/辆", "365人/次", "28000人/次", "12个月", "98%",
    "$\\geq 95\\%$", "$\\geq 98\\%$", "> 135 万元", "> 48 人", "75万元", ">135万元", ">48人", "≤175万元",
    "≤10天", "7部", "≤10分钟", "≤30分钟",
}
QUALITATIVE_TARGETS = {
    # 路南
    "保安保洁日常考察出勤，保障工作质量", "保障两地安保和卫生环境打扫", "保障工作顺利进行",
    "保洁人员做好培训，注意垃圾分类", "根据各科室需求采购相应的办公用品，保障办公工作的开展",
    "对大厦电梯、消防等进行维修维护保障财经大厦人身财产安全", "保障及时采购办公用品和维修用具",
    "保障财经大厦工作正常开展", "保护办公环境，设置垃圾分类垃圾桶", "注重可持续性，日常节水节电",
    "保障宽带专线正常使用", "保障及时暗转宽带专线", "保障工作正常开展", "保障食堂供餐质量，荤素搭配",
    "保障及时开餐", "控制菜量，减少浪费", "注重垃圾分类", "保障财务记账质量", "保障及时支付工资",
    "保障财务和电工员工", "保障工作正常开展，设备正常使用", "保障维修工作开展", "保障及时支付维修工人工资",
    "保障招商质量", "保障及时完成招商工作", "促进本区经济发展", "保障设备数量充足，工作开展",
    "保障外网设备正常使用", "保障网络连接正常", "保障住房质量，选择较好的房屋", "提前选择房屋，保障及时入住",
    "保障房屋租赁工作顺利开展",
    # 曹妃甸
    "预算年度结束前完成购置计划", "严格按照办公设备配置标准执行", "是否超预算支出", "是否严格执行接待标准",
    "预算年度结束前完成公务用车购置", "严格按照相关要求购置公务用车，不可超标准购置",
    # 乐亭
    "推动经济社会快速发展", "促进生态文明建设", "办公环境明显改善", "节能减排改善生态环境",
    "改善办公环境、提高工作效率", "补涉及", "有效提高人员生活水平", "不涉及",
    # 临西
    "提升", "提高",
    # 和政
    "健全", "合理", "科学", "环保节能", "正常运转", "发现故障是否及时维修", "资金使用率",
    "通过及时维修维护设备为参数", "节能环保", "正常用水", "保障正常工作", "及时缴纳", "提倡节约用水",
    "良好后勤服务保障", "提升政府公信力", "节能减排", "及时", "持续有效", "达到国家卫生安全标准", "提高接待质量",
    "否", "节约用电", "及时足额", "服务保障", "政务服务水平", "节能环保型社会", "提供后勤服务保障",
    "及时维修、处理年检等事宜", "部件合格、节能环保", "优良服务", "为职工上下班提供便利条件", "维修部件节能环保",
}


def test_classification_table_covers_every_distinct_seed_target():
    assert not MEASURABLE & QUALITATIVE_TARGETS
    assert MEASURABLE | QUALITATIVE_TARGETS == set(DISTINCT)
    assert (len(MEASURABLE), len(QUALITATIVE_TARGETS)) == (86, 80)


@pytest.mark.parametrize("target", DISTINCT)
def test_classification_by_hand(target):
    expected = target in MEASURABLE
    assert parse_target(target).measurable is expected, (target, parse_target(target))


def test_measurable_share_per_filing():
    # measurable indicator rows / all rows, counted by hand from the seed texts:
    # 路南: 4 per project (数量 + two cost bounds + 满意度), 3 where the
    #   数量 target is words (财经大厦经费, 政务外网设备服务经费): 38 of 75;
    # 曹妃甸: 3 + 4 + 3 = 10 of 18;
    # 乐亭: 7 + 6 + 7 + 6 + 7 = 33 of 45;
    # 临西: 5 per project (提升/提高 are words), 6 in 公务用车服务平台运行
    #   (its 可持续影响 target is ≤100%): 56 of 77;
    # 和政: unit-level 5 of 9, projects 5 + 4 + 7 + 7 + 9 + 9 + 4 + 4 = 49 of 80.
    counts: dict[str, list[int]] = {}
    for name, target in ALL_TARGETS:
        c = counts.setdefault(name, [0, 0])
        c[0] += parse_target(target).measurable
        c[1] += 1
    assert {k: tuple(v) for k, v in counts.items()} == {
        "130202-430001-2025.yaml": (38, 75),
        "130209-442001-2024.yaml": (10, 18),
        "130225-507001-2025.yaml": (33, 45),
        "130535-430001-2024.yaml": (56, 77),
        "622925-2024.yaml": (54, 89),
    }
