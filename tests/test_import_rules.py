"""The recognizer's rules for layouts it was not written for, each on a
small text: a value is read with confidence or left empty with a review
item, never placed in a field it may not belong to."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # pragma: no cover - when run as a script
    sys.path.insert(0, str(ROOT))

from site_builder.importer import import_text  # noqa: E402


def fields(r) -> list[str]:
    return [w[1] for w in r.warnings]


# ---------------------------------------------------------------- the header part

def test_one_cell_per_line_a_label_whose_cell_is_empty() -> None:
    # a flattening that drops empty lines: an empty cell leaves two labels one above the other;
    # the value before the next label is the nearest label's, and the rest stay in step
    text = "\n".join([
        "2024年项目绩效目标表", "填报单位(盖章):", "项目名称", "雾炮车抑尘降尘服务", "项目负责人", "项目实施单位",
        "湘潭市环境卫生管理处", "主管部门", "湘潭市城市管理和综合执法局", "资金总额(万元)", "250",
        "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "配备车辆数", "10台",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["name"] == "雾炮车抑尘降尘服务" and p["implementer"] == "湘潭市环境卫生管理处"
    assert r.data["agency"]["name"] == "湘潭市城市管理和综合执法局"
    assert p["budget"] == {"total": "250"}


def test_a_label_after_its_enumeration_with_its_value_run_together() -> None:
    # "一、预算资金:250": the enumeration before a label does not hide it
    text = "\n\n".join([
        "2024年项目绩效目标表", "项目名称", "雾炮车抑尘降尘服务", "主管部门", "湘潭市城市管理和综合执法局", "项目资金申请",
        "(万元)", "资金总额: 250", "        一、预算资金:250", "        二、自有资金:0", "项目概况", "采购雾炮车",
        "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "配备车辆数", "10台",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "250", "other": "0"}
    assert not [w for w in r.warnings if "自有资金" in w[2]]


def test_financial_allocation_printed_as_a_count_label() -> None:
    text = "\n".join(["项目名称 再生资源回收", "主管部门 (433)乌海市供销合作社联合社(部门)", "投入目标 (万元) 资金来源 年初安排金额(万元)",
                      "资金总额 3", "其中: 财政拨款数 3", "其他资金 0",
                      "一级指标 二级指标 三级指标 指标性质 指标方向 目标值 计量单位 分值 备注",
                      "产出指标 数量指标 出差人数 正向 = 8 人 4"])
    r = import_text(text, year=2021)
    (p,) = r.data["projects"]
    assert p["budget"]["fiscal"] == "3"


def test_an_amount_without_a_unit_takes_the_unit_the_covering_notice_allocates_it_in() -> None:
    notice = ("根据《陕西省财政厅关于下达2021年中央财政专项扶贫资金(发展资金)预算的通知》文件精神,"
              "现将产业建设资金500万元下达你们,纳入清涧县2021年度统筹整合财政涉农资金实施")
    table = ["绩效目标申报表 |", "(2021年度) |", "项目名称 |", "2021年交通局寨山石坪、鲍家沟果园路 |", "主管部门 |",
             "清涧县交通运输局 |", "资金情况 |", "年度资金总额: |", "500 |", "其中:财政拨款 |", "500 |",
             "一级指标 | 二级指标 | 三级指标 | 指标值 |", "产出指标 | 数量指标 | 新建果园路 | 5.6公里 |"]
    r = import_text("\n".join([notice, *table]), year=2021)
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "500", "fiscal": "500"} and r.source_unit == "万元"
    assert not [f for f in fields(r) if f.startswith("projects[0].budget")]
    # a rate (元/人) is no allocation, and neither is a notice that does not name the table's amount
    for other in ("培训标准500元/人", "现将产业建设资金300万元下达你们"):
        r = import_text("\n".join([other, *table]), year=2021)
        assert "projects[0].budget.total" in fields(r) and not r.source_unit


def test_a_label_in_brackets_qualified_is_one_label() -> None:
    # "(盖章)" is part of the label, not its value
    text = "项目支出绩效目标表 | |\n填报单位(盖章):南县疾病预防控制中心 | 金额单位:万元 |\n项目名称 | 基本公共卫生服务 |\n" \
           "预算数 | 70.00 |\n一级指标 | 二级指标 | 三级指标 | 指标值 |\n产出指标 | 数量指标 | 培训人次 | ≥200人次 |\n"
    r = import_text(text, year=2025)
    assert r.data["agency"]["name"] == "南县疾病预防控制中心"
    r = import_text(text.replace("填报单位(盖章):南县疾病预防控制中心", "填报单位:(盖章) 单位:万元"), year=2025)
    assert "name" not in r.data["agency"]  # the stamp's placeholder is no agency


def test_a_label_the_lexicon_does_not_know_is_no_value() -> None:
    rows = ["项目支出绩效目标表", "(2023年度)", "项目名称", "归口科室名称", "农村饮水安全", "县水利局", "资金总额(万元)", "80",
            "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "受益人数", "≥9200人"]
    r = import_text("\n".join(rows))
    (p,) = r.data["projects"]
    assert p["name"] == "农村饮水安全"  # not the label printed under 项目名称
    [(pos, _f, msg)] = [w for w in r.warnings if "归口科室名称" in w[2]]
    assert pos.line == 4 and "does not know" in msg


def test_an_agency_code_and_name_above_the_table() -> None:
    text = "项目支出绩效目标表\n(2023年)\n207101天津市河北区人民法院 | 单位:万元 | |||||\n项目名称 | 安全隐患维修 | |||||\n" \
           "预算数 | 20.00 |\n一级指标 | 二级指标 | 三级指标 | 指标值 |\n产出指标 | 数量指标 | 维修面积 | ≥400平方米 |\n"
    r = import_text(text)
    assert r.data["agency"] == {"code": "207101", "name": "天津市河北区人民法院"}
    assert r.data["projects"][0]["name"] == "安全隐患维修"


def test_a_line_that_ends_with_a_label_holds_its_value_below() -> None:
    text = "\n".join([
        "专项资金绩效目标表", "(2021年)", "专项名称再就业援助对象岗位补贴专项属性延续专项√ 新增专项□",
        "部门名称桃源县人社局资金总额", "(万元)", "380",
        "专项年度绩效目标按规定及时发放岗位补贴,维护社会稳定。",
        "一级指标 二级指标 三级指标 指标值", "产出指标 数量指标 补助人数 250人",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["name"] == "再就业援助对象岗位补贴"  # 专项属性 is a label: its ticks are not the name's
    assert p["budget"] == {"total": "380"}
    assert p["goals"] == ["按规定及时发放岗位补贴,维护社会稳定。"]
    assert r.data["agency"]["name"] == "桃源县人社局"


def test_text_after_another_field_is_not_more_goals() -> None:
    text = "\n".join([
        "项目支出绩效目标表", "(2023年度)", "项目名称 残疾人精准康复", "年度资金总额: 80", "年度目标 提升残疾人生存和发展能力。",
        "项目负责人 张三", "13800000000",  # an ignored field's value, then a line without a label
        "专项", "年度",  # a label printed a few characters a line
        "一级指标 二级指标 三级指标 指标值", "产出指标 数量指标 签约康复人数 ≥18000人",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["goals"] == ["提升残疾人生存和发展能力。"]


# ---------------------------------------------------------------- the indicator table

HEADER = "项目支出绩效目标表\n(2025年度)\n金额单位:万元\n项目名称 | 疾控经费 |\n预算数 | 70.00 |\n"


def test_a_second_name_column_describes_the_first() -> None:
    text = HEADER + "一级指标 | 二级指标 | 三级指标 | 指标内容 | 指标值 |\n" \
                    "产出指标 | 数量指标 | 补助人数 | 实际发放人数 | 250人 |\n"
    (ind,) = import_text(text).data["projects"][0]["indicators"]
    assert (ind["name"], ind["description"], ind["target"]) == ("补助人数", "实际发放人数", "250人")


def test_name_and_target_run_together_are_split_only_when_nothing_else_is() -> None:
    rows = "一级指标二级指标三级指标指标值\n产出指标数量指标补助人数250人\n"
    r = import_text(HEADER.replace(" | ", "").replace(" |", "") + rows)
    (ind,) = r.data["projects"][0]["indicators"]
    assert (ind["name"], ind["target"]) == ("补助人数", "250人")
    # with a description and a basis run in too, where the name ends is a guess: only the target before a
    # basis word of the lexicon is read, the name is left to the editor
    rows = "一级指标二级指标三级指标指标内容指标值绩效标准\n产出指标数量指标补助人数实际发放人数250人计划标准\n"
    r = import_text(HEADER.replace(" | ", "").replace(" |", "") + rows)
    (ind,) = r.data["projects"][0]["indicators"]
    assert ind == {"level1": "产出指标", "level2": "数量指标", "target": "250人", "basis": "计划标准"}
    [(pos, _f, msg)] = [w for w in r.warnings if w[1] == "projects[0].indicators[0].name"]
    assert pos.line == 7 and "ran together" in msg
    # without a basis word at its end, nothing of such a row is read
    r = import_text(HEADER.replace(" | ", "").replace(" |", "") + rows.replace("计划标准", "按计划"))
    assert "indicators" not in r.data["projects"][0]
    assert any("indicator row not read" in w[2] and w[0].line == 7 for w in r.warnings)


def test_a_target_split_over_comparator_value_and_unit_cells() -> None:
    text = HEADER + "一级指标 | 二级指标 | 三级指标 | 指标值类型 | 目标值 | 度量单位 | 指标值内容 | 备注 |\n" \
                    "成本指标 | 经济成本指标 | 疾控中心经费 | ≤ | 70 | 万元 | 反映经费。 | |\n" \
                    "社会成本指标 | 对社会的不利影响 | 定性 | 减少 | 反映不利影响。 | 反映不利影响。 | |\n"
    inds = import_text(text).data["projects"][0]["indicators"]
    assert [(i["level2"], i["name"], i["target"]) for i in inds] == [
        ("经济成本指标", "疾控中心经费", "≤70万元"),
        ("社会成本指标", "对社会的不利影响", "减少"),  # a 定性 row prints no unit: its description is not one
    ]


def test_a_column_label_after_its_group() -> None:
    # two column groups, the period's and the year's, each label a line; 实施周期指标值 / 当年度指标值
    text = "项目名称 | 物业管理费支出 |\n预算数(万元) | 282.92 |\n绩效指标 |\n一级 指标 |\n二级 指标 |\n三级 指标 |\n" \
           "实施周期指标值 |\n二级 指标 |\n三级 指标 |\n当年度指标值 | ||\n" \
           "产出指标 | 数量指标 | 服务面积 | 2.6万平方米 | 数量指标 | 物管服务面积 | 1万平方米 | |||\n" \
           "质量指标 | 合格率 | 90% | 质量指标 | 保障工作合格率 | 100% | ||||\n"
    inds = import_text(text, year=2022).data["projects"][0]["indicators"]
    assert [(i["level2"], i["name"], i["target"]) for i in inds] == [
        ("数量指标", "物管服务面积", "1万平方米"), ("质量指标", "保障工作合格率", "100%")]


SPACES = """项目绩效目标表
单位:元
项目名称 项目单位 项目类别 预算数 年度绩效目标 一级指标 二级指标 三级指标 指标性质 指标方向 目标值 计量单位 分值
业务装备经费 776001-某检察院 32-专项资金项目 1,030,700.00 保障日常办公办案装备需要。 满意度指标(10分) 服务对象满意度 使用人员满意度 正向 大于等于 98 % 10
产出指标(50分) 成本指标 车辆购置成本 反向 小于等于 12 万元 5
质量指标 政府采购率 正向 大于等于 30 % 7.5
数量指标 车辆采购数量 反向 小于等于 1 7.5
时效指标 采购计划完成时间 定性
11月底之前
5
办案(业务)经费 776001-某检察院 32-专项资金项目 3,239,300.00 保障日常办案业务需要。 产出指标(50分) 时效指标 法定审限内结案率 正向 大于等于 95 % 5
"""


def test_a_wide_table_split_at_spaces() -> None:
    r = import_text(SPACES, year=2024)
    p1, p2 = r.data["projects"]
    assert (p1["name"], p1["implementer"], p1["budget"]) == ("业务装备经费", "776001-某检察院", {"total": "103.07"})
    assert p2["budget"] == {"total": "323.93"}  # 元 with thousands separators, exactly in 万元
    assert [(i["level1"], i["level2"], i["name"], i["target"]) for i in p1["indicators"]] == [
        # a group's first row prints its 二级指标 in words the lexicon does not know: each piece fits its column
        ("满意度指标(10分)", "服务对象满意度", "使用人员满意度", "大于等于98%"),
        # the comparator sits under 指标方向, 正向 under 指标性质: the comparator is the target's
        ("产出指标(50分)", "成本指标", "车辆购置成本", "小于等于12万元"),
        ("产出指标(50分)", "质量指标", "政府采购率", "大于等于30%"),
        ("产出指标(50分)", "数量指标", "车辆采购数量", "小于等于1"),  # no unit: the score is not one
        # a 定性 value with line breaks is printed on the line after its row, the score after it
        ("产出指标(50分)", "时效指标", "采购计划完成时间", "11月底之前"),
    ]
    # a project's row whose goal holds a space does not fit the header's columns: not read
    r = import_text(SPACES.replace("保障日常办案业务需要。", "保障日常 办案业务需要。"), year=2024)
    assert len(r.data["projects"]) == 1 and any("do not fit" in w[2] for w in r.warnings)


RUN_TOGETHER = (
    "省卫生健康委员会、省林业局:为支持我省会展业发展,现下达你单位2021年第四季度省级会展项目奖励资金,附件:1.项目奖励资金分配表"
    "2.项目绩效目标表海南省财政厅2022年6月29日附件1项目奖励资金分配表序号单位名称会展项目名称分配金额(万元)1省卫生健康委"
    "2021第五届海南国际健康产业博览会5002省林业局2021年中国林草经济发展博鳌大会287.9合计787.9附件2项目绩效目标表"
    "主管部门:省商务厅资金总额:787.90项目负责人电话:65239479财政拨款:787.90其他资金:总体目标目标1:全年实现会展业综合收入"
    "不低于280亿元目标2:培育一批具有影响力的品牌会展项目一级指标*二级指标*三级指标*绩效指标性质*绩效指标值*绩效度量单位"
    "权重*指标方向性*产出指标数量指标全年实现会展业综合收入≥280亿元30%正向指标"
)


def test_a_notice_run_together_with_an_allocation_list_before_its_table() -> None:
    r = import_text(RUN_TOGETHER, year=2022)
    # the list's 单位名称 is the heading 会展项目名称 cut at 项目名称: the list names no agency
    assert r.data["agency"] == {"name": "省商务厅"}
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "787.90", "fiscal": "787.90"}  # ":787.90" after its label
    assert p["goals"] == ["全年实现会展业综合收入不低于280亿元", "培育一批具有影响力的品牌会展项目"]
    # 一级指标* is 一级指标; the row run together splits where each piece holds what its column holds
    assert p["indicators"] == [{"level1": "产出指标", "level2": "数量指标", "name": "全年实现会展业综合收入",
                                "target": "≥280亿元"}]


def test_a_row_run_together_is_split_by_its_columns_only_where_certain() -> None:
    # no unit between the number and the weight: 28030% is not told apart
    r = import_text(RUN_TOGETHER.replace("≥280亿元30%", "≥28030%"), year=2022)
    (ind,) = r.data["projects"][0]["indicators"]
    assert "target" not in ind and "projects[0].indicators[0]" in fields(r)


PREVIEW = (
    "文档简介\n\n项目绩效目标表(2021年度)填报单位(盖章):宁乡市坝塘镇人民政府 项目名称镇域内基础设施建设项目属性新增项目□延续项目√"
    "主管部门坝塘镇项目单位坝塘镇年度资金总额:10606.7522万元项目绩效目标长期目标年度目标改善镇域内基础设施,振兴乡村经济"
    "全面完成集镇立面改造长期绩效指标一级指标二级指标指标内容指标值备注产出指标数量指标88100…效益指标经济效益指标68100"
    "年度绩效指标一级指标二级指标指标内容指标值备注产出指标数量指标87100…效益指标经济效益指标67100"
)


def test_a_preview_run_together_with_an_ellipsis() -> None:
    # … becomes ... under NFKC: the cuts are still made, at the printed positions
    r = import_text(PREVIEW)
    assert r.data["agency"]["name"] == "宁乡市坝塘镇人民政府"  # 填报单位(盖章) is one label, its value after the colon
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "10606.7522"}
    # the period's and the year's goals run together under 长期目标年度目标: where one ends is not known
    assert "goals" not in p and "projects[0].goals" in fields(r)
    # the year's indicators, not the whole period's printed before them; bare numbers run together are not split
    assert [(i["level1"], i["level2"], i["name"]) for i in p["indicators"]] == [
        ("产出指标", "数量指标", "87100…"), ("效益指标", "经济效益指标", "67100")]
    assert {"projects[0].indicators[0]", "projects[0].indicators[1]"} <= set(fields(r))


def test_a_title_run_together_holds_no_label() -> None:
    # 项目绩效目标 is a goal label, but in 项目绩效目标表 it is the table's title
    from site_builder.importer.grid import Pos
    from site_builder.importer.recognize.lines import Tok, split_run_together

    tok = Tok("项目绩效目标表(2021年度)填报单位:宁乡市坝塘镇人民政府", Pos(line=1))
    assert [t.text for t in split_run_together(tok)] == [tok.text]


# ---------------------------------------------------------------- year

def test_the_year_of_a_title_line_wins_over_a_year_in_a_paragraph() -> None:
    text = "2024年祁东县部门整体支出绩效目标表\n部门名称 祁东县疾控中心\n整体绩效目标 根据《关于印发湖南省2020年度艾滋病防治项目" \
           "实施方案的通知》等文件要求完成绩效目标。\n"
    assert import_text(text).data["year"] == 2024


def test_a_year_of_a_period_or_a_plan_horizon_is_not_the_budget_year() -> None:
    # a list of projects before the table names a plan 2021-2035; the table's title prints the year
    text = "林地保护利用规划(2021-2035年)8.5万元\n落实2035年远景目标的绩效任务\n项目绩效目标表 |\n(2022年度) |\n" \
           "项目名称 | 绿化美化项目 |\n年度资金总额 | 153.5 |\n一级指标 | 二级指标 | 三级指标 | 指标值 |\n" \
           "产出指标 | 数量指标 | 绿化公路 | =3500米 |\n"
    assert import_text(text).data["year"] == 2022
    assert "year" not in import_text(text.replace("(2022年度) |\n", "")).data


# ---------------------------------------------------------------- region

TABLE = "项目名称 | 会展奖励 |\n资金总额 | 2430.30 |\n一级指标 | 二级指标 | 三级指标 | 指标值 |\n" \
        "产出指标 | 数量指标 | 会展业综合收入 | ≥280亿元 |\n"


def test_a_short_name_inside_a_paragraph_names_no_division() -> None:
    # 和政 (和政县's name without 县) inside 和政府: two characters in running text are words
    para = "为支持我省会展业发展,此项资金列政府支出功能分类科目“2011308招商引资”和政府支出经济分类科目,请按照《海南省" \
           "支持会展业发展资金管理办法》等有关规定执行。"
    r = import_text(para + "\n项目绩效目标表 |\n" + TABLE, year=2022)
    assert r.data["region"] == {"code": "460000", "province": "海南省"}


def test_a_division_named_by_its_short_name_agrees_with_every_place_named() -> None:
    title = "2021年金寨开发区会展项目绩效目标表\n"
    r = import_text(title + TABLE)
    assert r.data["region"]["county"] == "金寨县"
    r = import_text(title + "依据:《海南省支持会展业发展资金管理办法》 |\n" + TABLE)
    assert r.data["region"] == {}
    [msg] = [w[2] for w in r.warnings if w[1] == "region"]
    assert "金寨" in msg and "海南省" in msg


# ---------------------------------------------------------------- PDF text broken inside cells

PDF_TEXT = """ 1.大型设备运行保障经费绩效目标表
430001 临西县机关后勤服务中心本级 单位：万元
项目编码
13053524P0000021028
项目名称 大型设备运行保障经费
项目负责人 张三
预算规模及
资金用途
预算数 35.00
其中：财政
资金
35.00 其他资金
本项目资金用于电梯的维修维保。
资金支出计
划（%）
3 月底 6 月底 10 月底 12 月底
5.00 10.00 20.00 35.00
绩效目标 1.电梯的维修维保
实施单位 临西县机关后勤服务中心
一级指标 二级指标 三级指标 绩效指标描述 指标值
指标值确定
依据
产出指标
数量指标 电梯数量
机关院内电梯数量
9 部 工作计划
质量指标
电梯维修合
格率(%)
全年电梯维修工作合格的比例
"""


def test_pdf_text_fields_end_at_the_next_label() -> None:
    r = import_text(PDF_TEXT)
    assert r.layout == "lines (lines broken inside cells)"
    (p,) = r.data["projects"]
    assert p["name"] == "大型设备运行保障经费"  # not "… 张三": 项目负责人 is a label of the lexicon
    assert p["budget"] == {"total": "35.00", "fiscal": "35.00"}
    assert p["goals"] == ["电梯的维修维保"]  # not the 实施单位 line after it
    first, second = p["indicators"]
    assert (first["name"], first["target"], first["basis"]) == ("电梯数量", "9 部", "工作计划")
    # the text ends before the row's 指标值 and 依据: which lines are the name's is not known
    assert second == {"level1": "产出指标", "level2": "质量指标"}
    assert "projects[0].indicators[1]" in fields(r)


def test_pdf_text_labels_of_another_template() -> None:
    text = PDF_TEXT.replace(" 1.大型设备运行保障经费绩效目标表\n", "").replace("项目名称 大型", "专项名称 大型") \
        .replace("预算数 35.00", "项目资金总额 35.00")
    (p,) = import_text(text).data["projects"]
    assert p["name"] == "大型设备运行保障经费" and p["budget"]["total"] == "35.00"


# ---------------------------------------------------------------- indicators as an outline

TREE = """某市疾病预防控制中心2020年项目绩效目标批复表
单位:元
项目
指标值
绩效金额
 某市疾病预防控制中心
  疫苗及美沙酮药物
3000000
   产出指标
    成本指标(必填硬性指标)
     按照物价部门定价标准采购
100%
    时效指标(必填)
     疫苗提供及时率
100%
   满意度指标
    服务对象满意度指标(必填)
     服务对象满意度
95%
  艾滋病防治
500000
   产出指标
    数量指标
     检测人次
≥1000人次
"""


def test_a_tree_indented_one_cell_per_line() -> None:
    # the depth is told by indentation relative to the line above, never by a count of spaces
    for text in (TREE, TREE.replace(" ", "  ")):
        r = import_text(text)
        p1, p2 = r.data["projects"]
        assert (p1["name"], p1["budget"], p2["name"], p2["budget"]) == (
            "疫苗及美沙酮药物", {"total": "300"}, "艾滋病防治", {"total": "50"})
        assert [(i["level1"], i["level2"], i["name"], i["target"]) for i in p1["indicators"]] == [
            ("产出指标", "成本指标(必填硬性指标)", "按照物价部门定价标准采购", "100%"),
            ("产出指标", "时效指标(必填)", "疫苗提供及时率", "100%"),
            ("满意度指标", "服务对象满意度指标(必填)", "服务对象满意度", "95%"),
        ]
        assert p2["indicators"] == [{"level1": "产出指标", "level2": "数量指标", "name": "检测人次", "target": "≥1000人次"}]
        assert r.data["agency"]["name"] == "某市疾病预防控制中心"  # the tree's item that the title names


def test_bracketed_headings_and_numbered_items() -> None:
    text = "\n".join([
        "黄山市公安局2025年项目绩效目标和指标", "单位名称(项目类别/支出项目)", "年度预算安排", "绩效目标",
        "黄山市公安局", "92156434", " 其他运转类", "1681680", "  雪亮工程机房租赁", "1681680",
        "【项目概况】:雪亮工程后端机房租赁服务。", "【总体目标】", "保障机房内所有设备设施运转",
        "【产出指标-数量指标】", "指标1:机柜数量(≥77台)", "【效益指标-社会效益指标】", "指标1:服务保障民生(有力保障)",
        "【满意度指标-服务对象满意度指标】", "指标1:提升群众安全感(≥90%)", " 本级项目", "26273500",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["name"] == "雪亮工程机房租赁" and p["goals"] == ["保障机房内所有设备设施运转"]
    assert [(i["level1"], i["level2"], i["name"], i["target"]) for i in p["indicators"]] == [
        ("产出指标", "数量指标", "机柜数量", "≥77台"), ("效益指标", "社会效益指标", "服务保障民生", "有力保障"),
        ("满意度指标", "服务对象满意度指标", "提升群众安全感", "≥90%")]
    assert "projects[0].budget.total" in fields(r)  # no unit printed: 万元 assumed, for the editor to check


def test_an_enumerated_outline_in_a_letter() -> None:
    text = "\n".join([
        "标 题: | 同心县2025年设施农业技术培训项目绩效目标设定 |", "县人民政府:", "现将具体绩效目标设定如下:",
        "一、产出指标", "(一)数量指标", "设施温棚种植人员(县内培训)≧300人;", "(二)时效指标", "完成时限,2025年10月底前;",
        "(三)成本指标", "培训补助≦1000元/人;", "二、满意度指标", "参训学员满意度≥95%。",
        "附件:同心县2025年设施农业技术培训项目绩效目标表",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert [(i["level1"], i.get("level2"), i["name"], i["target"]) for i in p["indicators"]] == [
        ("产出指标", "数量指标", "设施温棚种植人员(县内培训)", "≧300人"),
        ("产出指标", "时效指标", "完成时限", "2025年10月底前"),
        ("产出指标", "成本指标", "培训补助", "≦1000元/人"),  # (三) under 一、: a 二级指标
        ("满意度指标", None, "参训学员满意度", "≥95%"),
    ]
    assert {"projects[0].name", "projects[0].budget.total"} <= set(fields(r))  # prose: not read, for the editor
    assert r.data["source"]["title"] == "同心县2025年设施农业技术培训项目绩效目标设定"


def test_a_letter_gives_its_amount_and_goals_in_its_text() -> None:
    text = "\n".join([
        "标 题: | 同心县2025年设施农业技术培训项目绩效目标设定 |", "县人民政府:",
        "根据…精神,安排同心县2025年设施农业技术培训资金30万元。项目建设内容:…培训标准1000元/人,培训期限3天。"
        "项目总体绩效目标:提高种植人员实施蔬菜科学种植技术和管理水平,开拓视野。促进村集体及种植户增收。现将具体绩效目标设定如下:",
        "一、产出指标", "(一)数量指标", "设施温棚种植人员(县内培训)≧300人;", "二、满意度指标", "参训学员满意度≥95%。",
        "附件:同心县2025年设施农业技术培训项目绩效目标表", "同心县农业农村局", "2025年4月26日",
    ])
    r = import_text(text)
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "30"} and r.source_unit == "万元"
    assert r.data["agency"] == {"name": "同心县农业农村局"}  # the letter's signature, above its date
    # the sentence that leads in to the outline is no goal
    assert p["goals"] == ["提高种植人员实施蔬菜科学种植技术和管理水平,开拓视野。促进村集体及种植户增收。"]
    # two amounts allocated: which is the project's is not known
    r = import_text(text.replace("培训标准1000元/人", "另下达培训资金20万元").replace("\n2025年4月26日", ""))
    assert "agency.name" in fields(r)  # no date under it: a line of the attachment, not a signature
    assert "budget" not in r.data["projects"][0] or "total" not in r.data["projects"][0]["budget"]
    assert "projects[0].budget.total" in fields(r)


def test_an_outline_paragraph_of_several_indicators() -> None:
    # a letter that prints each group's indicators in one paragraph: items end at ; and 。 and at a comma
    # right after a value; a value starts at the comparator before its number, not at a template's hint (≥**株)
    text = "\n".join(["关于下马关镇设施农业黄金蜜(葡萄)种植项目绩效目标设定的公示", "一、产出指标",
                      "数量指标:★补助各类瓜果蔬菜种植数量,黄金蜜(葡萄)种植数量(≥**株)>=17600株;种植作物成活率(≥**%)>=85;"
                      "时效指标:完成及时率(≥**%)>=100%。成本指标:作物种植补助标准,黄金蜜(葡萄)补助成本(≤**元/株)≤28.40/株。",
                      "二、效益指标",
                      "效益指标:经济效益指标:脱贫地区特色产业产值(≥**万元)≥80万元,促使脱贫户、监测户增加收入(≥**万元)≥80万元;"
                      "社会效益目标:★★★受益脱贫户、监测户人口数(≥**户)≥10户。生态效益指标:生态修复功能提高。可持续影响指标,持续发展。",
                      "三、满意度指标", "服务对象满意度指标,受益脱贫户满意度(≥**%)≥95%。"])
    r = import_text(text, year=2023)
    (p,) = r.data["projects"]
    assert [(i["level1"], i["level2"], i["name"], i.get("target")) for i in p["indicators"]] == [
        ("产出指标", "数量指标", "★补助各类瓜果蔬菜种植数量,黄金蜜(葡萄)种植数量(≥**株)", ">=17600株"),
        ("产出指标", "数量指标", "种植作物成活率(≥**%)", ">=85"),
        ("产出指标", "时效指标", "完成及时率(≥**%)", ">=100%"),
        ("产出指标", "成本指标", "作物种植补助标准,黄金蜜(葡萄)补助成本(≤**元/株)", "≤28.40/株"),
        ("效益指标", "经济效益指标", "脱贫地区特色产业产值(≥**万元)", "≥80万元"),
        ("效益指标", "经济效益指标", "促使脱贫户、监测户增加收入(≥**万元)", "≥80万元"),
        ("效益指标", "社会效益目标", "★★★受益脱贫户、监测户人口数(≥**户)", "≥10户"),
        ("效益指标", "生态效益指标", "生态修复功能提高", None),  # no value printed: a review item asks for it
        ("效益指标", "可持续影响指标", "持续发展", None),
        ("满意度指标", "服务对象满意度指标", "受益脱贫户满意度(≥**%)", "≥95%"),
    ]
    assert "projects[0].indicators[7].target" in fields(r)


def test_an_outline_paragraph_whose_items_are_not_marked_is_not_read() -> None:
    # a comma with no value before it: a name with a comma in it, or a name and a words-only value?
    text = "\n".join(["关于某镇葡萄种植项目绩效目标设定的公示", "一、产出指标", "数量指标:种植数量>=17600株;时效指标:完成及时率>=100%。",
                      "二、效益指标", "社会效益指标:带动就业,明显提升;生态效益指标:生态修复功能提高。", "三、满意度指标",
                      "服务对象满意度指标,受益脱贫户满意度≥95%。"])
    r = import_text(text, year=2023)
    (p,) = r.data["projects"]
    assert [i["name"] for i in p["indicators"]] == ["种植数量", "完成及时率", "受益脱贫户满意度"]
    assert "projects[0].indicators" in fields(r)

# ---------------------------------------------------------------- a two-level grid; labels inside values

_TWO_LEVEL_GRID = [
    "项目名称: | 绿化养护经费 | 项目编号: |",
    "项目绩效目标 | 绩效目标 总体描述 | 完成我市建成区的绿化养护工作,改善了城市生态环境。 |",
    "指标类型 | 指标名称 | 指标值 | 指标描述 |",
    "产出指标 | 数量指标 | 375万平方米 | 完成全市375万平方米的绿地养护、维护等 |",
    "质量指标 | 100% | 达到绿化绿地全覆盖 |",
    "效益指标 | 社会效益指标 | 是 | 满足市民生存环境的需求 |",
]


def test_a_name_column_that_holds_the_level2_makes_a_grid_without_names() -> None:
    # 指标类型 | 指标名称 | 指标值 | 指标描述: the 二级指标 is under 指标名称; the target is the 指标值 column, the
    # sentence after it a description, and a row without its merged 一级指标 stays in step
    r = import_text("\n".join(_TWO_LEVEL_GRID + ["可持续发展指标 | 是 | 保障绿化养护的稳定正常运行 |"]), year=2024)
    (p,) = r.data["projects"]
    inds = p["indicators"]
    assert [(i["level1"], i["level2"], i["target"]) for i in inds] == [
        ("产出指标", "数量指标", "375万平方米"), ("产出指标", "质量指标", "100%"), ("效益指标", "社会效益指标", "是"),
        ("效益指标", "可持续发展指标", "是")]
    assert not any("name" in i for i in inds)
    assert inds[0]["description"] == "完成全市375万平方米的绿地养护、维护等"
    # 总体描述 is the goal's label, not a goal
    assert p["goals"] == ["完成我市建成区的绿化养护工作,改善了城市生态环境。"]


def test_a_cell_after_a_two_level_grid_not_named_as_a_level_is_not_a_level() -> None:
    r = import_text("\n".join(_TWO_LEVEL_GRID + ["评价情况 | 优秀□ 良好□ | 附上一年度评价报告 |"]), year=2024)
    (p,) = r.data["projects"]
    assert [i["level2"] for i in p["indicators"]] == ["数量指标", "质量指标", "社会效益指标"]


def test_a_name_column_that_holds_names_is_still_the_name() -> None:
    # a three-level grid with the same header words: 指标名称 holds the 三级指标
    text = "\n".join(["项目名称: | 绿化养护经费 |", "一级指标 | 二级指标 | 指标名称 | 指标值 | 指标描述 |",
                      "产出指标 | 数量指标 | 养护面积 | 375万平方米 | 完成全市绿地养护 |"])
    r = import_text(text, year=2024)
    (ind,) = r.data["projects"][0]["indicators"]
    assert (ind["level2"], ind["name"], ind["target"]) == ("数量指标", "养护面积", "375万平方米")


_RUN_TOGETHER = ("附件2专项转移支付绩效目标表(2023年度)部门(单位)名称龙岩市民族与宗教事务局部门预算编码230001项目名称宗教管理经费补助"
                 "区域{area}资金情况(万元)资金总额:30其中:财政拨款30其他资金总体目标为推进宗教活动场所规范化管理,提升我市宗教工作管理"
                 "水平,绩效指标一级指标二级指标三级指标指标解释产出指标数量指标")


def test_a_short_label_ends_a_run_together_value_where_places_follow_it() -> None:
    # 区域 is too short to be cut wherever it occurs; followed by places' full names it is the label
    r = import_text(_RUN_TOGETHER.format(area="新罗区、永定区、上杭县、武平县、长汀县、连城县、漳平市"))
    (p,) = r.data["projects"]
    assert p["name"] == "宗教管理经费补助"


def test_a_short_label_inside_a_value_is_not_cut() -> None:
    r = import_text(_RUN_TOGETHER.format(area="联防作业").replace("补助区域", "补助区域联防"))
    (p,) = r.data["projects"]
    assert p["name"].startswith("宗教管理经费补助区域联防")


_NOTICE = ("笏石街道办、埭头镇财政所、水利站:根据文件精神,经研究,现下达2025年省级第七批水利专项资金35万元,用于笏石街道梁厝沟四新段护岸"
           "水毁修复工程和埭头镇西坡排洪闸水毁修复工程,切实提高省级财政资金使用效益,附件2秀屿区2025年省级第七批水利专项资金绩效目标表"
           "项目名称省级第七批水利专项资金主管部门(单位)名称秀屿区水利局资金情况(万元)资金总额35其中:财政拨款35其他资金0总体目标开展2个"
           "防洪水利设施水毁修复,绩效指标一级指标二级指标三级指标指标解释指标方向笏石街道办埭头镇")


def test_run_together_of_which_belongs_to_the_label_after_it() -> None:
    # "资金总额35其中:财政拨款35": 其中 is not part of the amount before it
    r = import_text(_NOTICE)
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "35", "fiscal": "35", "other": "0"}
    assert not [w for w in r.warnings if "not one amount" in w[2]]


def test_a_title_cut_before_its_table_title_still_gives_the_year() -> None:
    # run-together text is cut before 绩效目标表: "…秀屿区2025年省级第七批水利专项资金" / "绩效目标表" is one title
    assert import_text(_NOTICE).data["year"] == 2025
    # the year of a document the notice cites is not the budget year
    r = import_text(_NOTICE.replace("附件2秀屿区2025年省级第七批水利专项资金绩效目标表", "附件2秀屿区水利专项资金绩效目标表")
                    .replace("现下达2025年", "现下达"))
    assert r.data.get("year") is None


def test_several_counties_of_one_city_named_in_full_give_the_city() -> None:
    from site_builder.importer import regions

    text = "龙岩市财政局 龙岩市民族与宗教事务局 区域新罗区、永定区、上杭县、武平县、长汀县、连城县、漳平市"
    div, _others, _why = regions.find(text)
    assert div is not None and div.code == "350800"
    # two counties, or the city not named: which one is not known
    assert regions.find("龙岩市财政局 新罗区、永定区")[0] is None
    assert regions.find("新罗区、永定区、上杭县")[0] is None


_LEVEL_PARAGRAPHS = [
    "项目名称 | 全市文物保护专项经费 | 预算金额 | 36万元 | ||",
    "预算单位 | 市文化和旅游局 | 联系电话 | 2331992 | 主管部门 | 市文化和旅游局 |",
    "年度绩效总目标 | 产出指标 | 开展文物安全巡查频次8次;编制文物宣传资料数量3个;文物保护项目验收合格率≥86%; 文物展品安全保障率≥96%。 | |||",
    "效益指标 | 文物保护宣传覆盖人次≥20万人次;文物保护名录和数据库基本健全;文物保护修缮个数≥5个。 | ||||",
    "资金拨付对象 | 市文化和旅游局 | ||||",
]


def test_a_level_and_a_paragraph_of_its_indicators_in_the_cell_after_it() -> None:
    r = import_text("\n".join(_LEVEL_PARAGRAPHS), year=2022)
    (p,) = r.data["projects"]
    got = [(i["level1"], i["name"], i.get("target")) for i in p["indicators"]]
    assert got[:4] == [("产出指标", "开展文物安全巡查频次", "8次"), ("产出指标", "编制文物宣传资料数量", "3个"),
                       ("产出指标", "文物保护项目验收合格率", "≥86%"), ("产出指标", "文物展品安全保障率", "≥96%")]
    assert got[4] == ("效益指标", "文物保护宣传覆盖人次", "≥20万人次") and got[6] == ("效益指标", "文物保护修缮个数", "≥5个")
    # words run into the name with no number or comparator: the name is kept for the editor, with a review item
    assert got[5][2] is None and "projects[0].indicators[5].name" in fields(r)


def test_a_level_after_a_value_is_not_a_row_of_indicators() -> None:
    # a value before the level: the row is the header part's, not a level and its paragraph
    lines = _LEVEL_PARAGRAPHS[:2] + ["实施内容 | 巡查文物 | 产出指标 | 开展文物安全巡查频次8次;编制文物宣传资料数量3个。 |"]
    r = import_text("\n".join(lines), year=2022)
    assert not r.data["projects"][0].get("indicators")


def test_a_project_that_runs_within_one_year_gives_that_year() -> None:
    row = "实施单位 | 市文化和旅游局 | 项目负责人 | 薛海燕 | 起止时间 | {} |"
    r = import_text("\n".join(_LEVEL_PARAGRAPHS[:2] + [row.format("2022年1月—12月")] + _LEVEL_PARAGRAPHS[2:]))
    assert r.data["year"] == 2022
    # a project over two years says nothing of the budget year
    r = import_text("\n".join(_LEVEL_PARAGRAPHS[:2] + [row.format("2022年1月—2023年12月")] + _LEVEL_PARAGRAPHS[2:]))
    assert r.data.get("year") is None and "year" in fields(r)


def test_amount_labels_the_lexicon_does_not_know_keep_the_amounts_below_in_step() -> None:
    # 非税安排 and 政府债券 stand among amount labels: the amounts below are read in order, theirs left out
    lines = _LEVEL_PARAGRAPHS[:2] + ["资金来源(万元) | 财政拨款 | 非税安排 | 上年结转 | 政府债券 | 其他 |",
                                     "36 | 0 | 0 | 0 | 5 | |"]
    r = import_text("\n".join(lines), year=2022)
    (p,) = r.data["projects"]
    assert p["budget"] == {"total": "36", "fiscal": "36", "carryover": "0", "other": "5"}
    assert sum("lexicon does not know" in w[2] for w in r.warnings) == 2


def test_a_short_text_after_an_amount_label_in_a_row_with_values_is_a_value() -> None:
    # the row holds an amount: its texts are values, not labels
    lines = _LEVEL_PARAGRAPHS[:2] + ["财政拨款 | 上年结转 | 非税安排 | 36 |"]
    r = import_text("\n".join(lines), year=2022)
    assert not [w for w in r.warnings if "stands among amount labels" in w[2]]


# ---------------------------------------------------------------- the agency-wide table

UNIT_TEXT = [
    "祁东县疾病预防控制中心2024年祁东县部门整体支出绩效目标表",
    "来源:祁东县财政局     发布时间:2024-12-11 11:16",
    "2024年祁东县部门整体支出绩效目标表",
    "部门名称祁东县疾病预防控制中心",
    "年度预算申请 (万元)资金总额:952.22",
    "按收入性质分:952.22按支出性质分:952.22",
    "其中:一般公共预算:952.22其中:基本支出:875.22",
    "政府性基金拨款:项目支出:77",
    "其他资金: ",
    "部门职能 职责概述中心的职能职责是:承担全县项目支出管理;结核病防治。",
    "整体绩效目标根据文件要求完成项目支出绩效目标。",
]


def test_a_unit_table_printed_as_text_two_label_columns_on_a_line() -> None:
    # each label of a line followed by its value; the agency's name and the goals run to the line's end
    r = import_text("\n".join(UNIT_TEXT))
    ub = r.data["unit_budget"]
    assert ub["expenditure_total"] == "952.22" and ub["revenue_total"] == "952.22"
    assert ub["funding"] == {"fiscal": "952.22"} and ub["basic"] == {"total": "875.22"} and ub["project"] == "77"
    assert ub["goals"] == ["根据文件要求完成项目支出绩效目标。"]
    assert r.data["agency"]["name"] == "祁东县疾病预防控制中心"
    # the page's heading and the table's title start one table, not an empty one before it
    assert not [w for w in r.warnings if "nothing readable" in w[2]]


def test_a_unit_table_printed_as_text_reads_only_lines_that_start_with_its_labels() -> None:
    # 项目支出 inside a line of a label the lexicon does not know (职责概述) is no amount label;
    # two labels of the table's total that disagree leave it to the editor
    text = UNIT_TEXT[:4] + ["资金总额:952.22", "按收入性质分:952.22按支出性质分:925.22",
                            "其中:一般公共预算:952.22万元(含结转)其中:基本支出:875.22"] + UNIT_TEXT[9:10]
    r = import_text("\n".join(text))
    ub = r.data.get("unit_budget") or {}
    assert "expenditure_total" not in ub and "unit_budget.expenditure_total" in fields(r)
    assert "funding" not in ub and "unit_budget.funding.fiscal" in fields(r)
    assert ub.get("basic") == {"total": "875.22"} and "project" not in ub


def test_a_unit_table_label_heading_its_parts_has_no_amount_of_its_own() -> None:
    # 基本支出 is the basic spending's total where it stands alone, the heading of 人员经费 … 合计 where they follow it
    head = ["单位整体支出绩效目标表", "单位名称\t和政县机关事务管理局", "总体目标\t目标1: 提高后勤服务保障工作服务水平",
            "预算情况(万元)\t按支出类型分\t\t预算金额\t按来源类型分\t预算金额"]
    r = import_text("\n".join(head + ["\t基本支出\t人员经费\t595.51\t当年财政拨款\t1637.51",
                                      "\t\t合计\t615.51\t其他资金\t", "\t项目支出\t\t1022\t收入预算合计\t1637.51"]))
    assert r.data["unit_budget"]["basic"] == {"personnel": "595.51", "total": "615.51"}
    r = import_text("\n".join(head + ["\t基本支出\t\t615.51\t当年财政拨款\t1637.51",
                                      "\t项目支出\t\t1022\t收入预算合计\t1637.51"]))
    assert r.data["unit_budget"]["basic"] == {"total": "615.51"}


# ---------------------------------------------------------------- traditional characters

HENGYANG = [
    "衡陽市社會福利院2025年度部門預算公開",
    "來源:市社會福利院發布時間:2025-01-16",
    "整體支出績效目標表",
    "                金額單位:萬元",
    "單位編碼單位名稱資金總額按收入性質分按支出性質分整體績效目標部門整體支出年度績效目標",
    "一般公共預算政府性基金撥款財政專戶管理資金其他資金基本支出項目支出一級指標二級指標三級指標指標值類型指標值計量單位",
    "部門名稱衡陽市社會福利院",
    "整體績效目標1、建立健全孤兒、特困人員保障體系,維護院內服務對象權益;2、為全院283名服務對象提供良好的生活、學習環境。",
    "基本支出:700.38",
]


def test_text_in_traditional_characters_is_read_in_a_simplified_copy_its_values_as_printed() -> None:
    r = import_text("\n".join(HENGYANG))
    assert r.data["unit"] == "万元" and r.data["region"]["city"] == "衡阳市"  # 萬元, 衡陽市: labels and places
    assert r.data["agency"]["name"] == "衡陽市社會福利院"
    ub = r.data["unit_budget"]
    assert ub["basic"] == {"total": "700.38"}
    assert ub["goals"] == ["建立健全孤兒、特困人員保障體系,維護院內服務對象權益;2、為全院283名服務對象提供良好的生活、學習環境。"]
    assert "traditional characters" in r.data["source"]["note"]
    # a header of labels run together: the labels after 項目支出 are not its value
    assert "project" not in ub and "unit_budget.project" not in fields(r)


def test_simplified_text_citing_a_traditional_name_is_not_converted() -> None:
    # a few characters in traditional form (a name) do not make the document one in traditional characters
    text = ["2024年祁东县部门整体支出绩效目标表", "部门名称衡陽市社會福利院", "年度预算申请 (万元)资金总额:952.22"]
    r = import_text("\n".join(text))
    assert r.data["agency"]["name"] == "衡陽市社會福利院" and "traditional" not in r.data["source"]["note"]


def test_a_value_whose_characters_stand_for_two_printed_ones_is_left_to_the_editor() -> None:
    from site_builder.importer.script import Printed

    p = Printed("乾淨 幹部", "干净 干部", {"干": {"乾", "幹"}, "净": {"淨"}, "部": {"部"}, " ": {" "}})
    assert p.restore("干部") == "幹部"  # read at its place
    assert p.restore("净") == "淨"
    assert p.restore("部干") is None
    p = Printed("乾部 幹部", "干部 干部", {"干": {"乾", "幹"}, "部": {"部"}, " ": {" "}})
    assert p.restore("干部") is None  # it occurs printed two ways


def test_a_unit_table_agency_label_among_other_labels_of_its_row() -> None:
    rows = ["| 部门整体绩效目标 | |||||||", "| 基本信息 | |||||||",
            "| 部门编码: | 316 | 部门名称: | 浮梁县林业局 | *联系人: | 王媛 | ||",
            "| *年度绩效总目标 | 保证林业局职能实现,保障人员经费。 | ||||||"]
    r = import_text("\n".join(["部门整体支出绩效目标表"] + rows))
    assert r.data["agency"]["name"] == "浮梁县林业局"
    assert r.data["unit_budget"]["goals"] == ["保证林业局职能实现,保障人员经费。"]
    # an empty cell dropped by the flattening: the label after it (联系人) is no agency
    rows[2] = "| 部门编码: | 316 | 部门名称: | *联系人: | 王媛 | ||"
    r = import_text("\n".join(["部门整体支出绩效目标表"] + rows))
    assert not (r.data.get("agency") or {}).get("name")
