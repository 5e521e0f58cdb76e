r"""The five seed filings load, and their shape and totals equal figures
derived by hand from the seed texts (../shared/seeds/*.txt), independently
of the YAML transcriptions.

How each figure was derived (commands run in the seeds folder; the results
were also checked by reading each table):

000 路南 (Word tables dumped one cell per line, rows separated by blank lines)
  projects:   grep -c '项目编码' 000_*.txt                               -> 10
  indicators: blank-line-separated rows after each 指标值确定依据 header,
              skipping the converter's "Evaluation Warning" paragraphs:
              awk 'BEGIN{RS=""} /项目编码/{if(n)printf "%d ",rows; n++; rows=0; inrows=0}
                   inrows && !/Evaluation Warning/{rows++} /指标值确定依据/{inrows=1}
                   END{print rows}' 000_*.txt                         -> 8 9 7 8 7 8 7 7 7 7
  totals:     the cell after each "预算数" cell:
              grep -A1 -P '^\t预算数$' 000_*.txt | grep -vP '预算数|--' | tr -d '\t' | paste -sd+ | bc
                                                                      -> 1962.52
001 曹妃甸 (same layout, padding cells)
  projects:   grep -c '项目编码' 001_*.txt                               -> 3
  indicators: every row ends in a 指标值确定依据 cell starting with 根据:
              awk '/项目编码/{if(n)printf "%d ",rows; n++; rows=0} /^\t根据/{rows++}
                   END{print rows}' 001_*.txt                         -> 6 6 6
  totals:     as for 000                                               -> 0.81+100.80+18.00 = 119.61
002 和政 (tab-separated tables, no project codes)
  projects:   grep -c '^项目名称' 002_*.txt                              -> 8
  indicators: lines after each "一级指标 二级指标 三级指标 指标值" header up
              to the blank line ending the table                      -> 10 each
  unit-level: lines after "绩效指标 一级指标 …" of 单位整体支出绩效目标表
              up to the blank line                                     -> 9
  totals:     grep -oP '年度资金总额:\t\K[0-9.]+' 002_*.txt | paste -sd+ | bc -> 1022
003 临西 (PDF text, cells broken across lines)
  projects:   grep -c '^项目编码' 003_*.txt                              -> 11
  indicators: every row ends in its 指标值确定依据 (工作计划, 年度预算, 计划标准,
              意见反馈, 保安合同, 评审报告 or 三定方案) at the end of a line:
              awk '/^项目编码/{if(n)printf "%d ",rows; n++; rows=0}
                   / (工作计划|年度预算|计划标准|意见反馈|保安合同|评审报告|三定方案)$/{rows++}
                   END{print rows}' 003_*.txt                         -> 7 each
  totals:     grep -oP '^预算数 \K[0-9.]+' 003_*.txt | paste -sd+ | bc    -> 1100.0539
004 乐亭 (Markdown tables; project 1's table continues after a page break)
  projects:   grep -c '^| 项目编码' 004_*.txt                            -> 5
  indicators: table rows whose 二级指标 cell (spaces removed) ends in 指标:
              awk -F'|' '/^\| 项目编码/{if(n)printf "%d ",rows; n++; rows=0}
                   {c=$3; gsub(/ /,"",c)} c ~ /指标$/ && c != "二级指标" {rows++}
                   END{print rows}' 004_*.txt                         -> 9 each
  totals:     the cell after 预算数 in each table                       -> 20.00+160.00+80.00+74.00+150.00 = 484.00
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import CONTENT, FILINGS, SEED_FILES, run_cli, run_cli_process
from site_builder.content.validate import validate_paths

# key (region.code, agency.code or "", year) ->
#   (projects, indicators per project in order, project totals as printed,
#    sum of totals, unit-level indicators or None)
EXPECTED = {
    ("130202", "430001", 2025): (  # 路南
        10,
        [8, 9, 7, 8, 7, 8, 7, 7, 7, 7],
        ["241.74", "645.13", "27.80", "713.84", "40.04", "8.00", "216.77", "20.00", "27.60", "21.60"],
        "1962.52",
        None,
    ),
    ("130209", "442001", 2024): (  # 曹妃甸
        3, [6, 6, 6], ["0.81", "100.80", "18.00"], "119.61", None,
    ),
    ("622925", "", 2024): (  # 和政: no agency code printed
        8, [10] * 8, ["100", "50", "200", "280", "135", "72", "175", "10"], "1022", 9,
    ),
    ("130535", "430001", 2024): (  # 临西
        11,
        [7] * 11,
        ["35.00", "17.00", "85.00", "245.00", "20.00", "70.00", "323.00", "92.00", "119.00", "53.4857", "40.5682"],
        "1100.0539",
        None,
    ),
    ("130225", "507001", 2025): (  # 乐亭
        5, [9] * 5, ["20.00", "160.00", "80.00", "74.00", "150.00"], "484.00", None,
    ),
}


@pytest.fixture(scope="module")
def result():
    return validate_paths([FILINGS])


@pytest.fixture(scope="module")
def filings(result):
    return {lf.filing.key: lf.filing for lf in result.filings}


def test_every_seed_loads(result):
    assert len(SEED_FILES) == 5
    assert [p.format() for p in result.problems] == []
    assert sorted(lf.path for lf in result.filings) == sorted(str(p) for p in SEED_FILES)


@pytest.mark.parametrize("path", SEED_FILES, ids=[p.name for p in SEED_FILES])
def test_each_seed_loads_on_its_own(path):
    r = validate_paths([path])
    assert r.ok and not r.problems and len(r.filings) == 1


def test_the_seeds_are_the_five_expected_filings(filings):
    assert set(filings) == set(EXPECTED)
    # the two agencies coded 430001 are different agencies in different regions
    assert filings[("130202", "430001", 2025)].agency.name != filings[("130535", "430001", 2024)].agency.name


@pytest.mark.parametrize("key", EXPECTED, ids=["-".join(map(str, k)) for k in EXPECTED])
def test_seed_figures_match_the_published_text(filings, key):
    n_projects, n_indicators, totals, total, unit_level = EXPECTED[key]
    f = filings[key]
    assert len(f.projects) == n_projects
    assert [len(p.indicators) for p in f.projects] == n_indicators
    # amounts exactly as printed, trailing zeros included
    assert [str(p.budget.total) for p in f.projects] == totals
    assert f.total == Decimal(total)
    assert sum((p.budget.total for p in f.projects), Decimal(0)) == Decimal(total)
    assert str(f.total) == total
    if unit_level is None:
        assert f.unit_budget is None
    else:
        assert len(f.unit_budget.indicators) == unit_level


def test_corpus_totals(filings):
    assert sum(len(f.projects) for f in filings.values()) == 37  # 10 + 3 + 8 + 11 + 5
    assert sum(sum(len(p.indicators) for p in f.projects) for f in filings.values()) == 295  # 75+18+80+77+45
    assert sum((f.total for f in filings.values()), Decimal(0)) == Decimal("4688.1839")


def test_hezheng_unit_budget_as_printed(filings):
    # 单位整体支出绩效目标表: 人员经费 595.51, 公用经费 20, 合计 615.51,
    # 项目支出 1022, 收入/支出预算合计 1637.51
    ub = filings[("622925", "", 2024)].unit_budget
    assert (ub.basic.personnel, ub.basic.operating, ub.basic.total) == (
        Decimal("595.51"), Decimal("20"), Decimal("615.51"))
    assert ub.project == Decimal("1022") == filings[("622925", "", 2024)].total
    assert ub.revenue_total == ub.expenditure_total == Decimal("1637.51")


def test_check_content_exits_0_without_errors():
    res = run_cli("check", "content/")
    assert res.code == 0, res.out
    assert not [ln for ln in res.lines if ": error:" in ln]
    assert res.lines == []  # no warnings either
    assert "5 filing(s) valid, 0 error(s), 0 warning(s)" in res.err


def test_check_without_arguments_checks_the_content():
    res = run_cli("check")
    assert res.code == 0 and res.lines == []
    assert "5 filing(s) valid" in res.err


def test_check_content_in_a_real_process():
    res = run_cli_process("check", "content/")
    assert res.code == 0, res.out + res.err
    assert ": error:" not in res.out
    assert (CONTENT / "filings").is_dir()
