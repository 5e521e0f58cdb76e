"""Loading and validation: every bad input an editor makes is refused with a clear
message naming file, line, column and field, and ``site-builder check``
exits 1 printing ``file:line:col: error: message (field)``.

The invalid filings live in ``tests/fixtures/bad/`` (one file per case, so
an editor can open them); variants of one case are written to ``tmp_path``.
"""
from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import BAD, FILINGS, run_cli, run_cli_process
from site_builder.content.load import MAX_DEPTH, LoadError, Problem, load_file
from site_builder.content.validate import validate_paths

# A minimal valid filing; line numbers of the variants below refer to it.
VALID = """\
schema: 1
year: 2025
region:
  code: "130202"
  province: 河北省
agency:
  code: "430001"
  name: 唐山市路南区机关事务中心
source:
  title: 测试文件
projects:
  - code: "13020225P00005210001P"
    name: 保安保洁物业管理服务
    budget:
      total: 241.74
      fiscal: 241.74
"""


def write(tmp_path: Path, text: str | bytes, name: str = "filing.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def errors_of(*paths: Path) -> list[Problem]:
    result = validate_paths(paths)
    assert not result.warnings, [p.format() for p in result.warnings]
    return result.errors


def assert_cli_reports(path: Path, problem: Problem) -> None:
    """``site-builder check PATH`` exits 1 and prints the problem as one line."""
    res = run_cli("check", path)
    assert res.code == 1, res
    expected = f"{path}:{problem.line}:{problem.column}: error: {problem.message}"
    if problem.field:
        expected += f" ({problem.field})"
    assert expected in res.lines, (expected, res.out)
    assert "error(s)" in res.err  # the summary goes to stderr


def test_valid_base_filing_is_valid(tmp_path):
    result = validate_paths([write(tmp_path, VALID)])
    assert result.ok and not result.problems
    assert [lf.filing.agency.name for lf in result.filings] == ["唐山市路南区机关事务中心"]


# --- one fixture file per bad input ------------------------------------------
# (file, line, column, field path, substrings of the message, number of errors)
BAD_CASES = [
    ("syntax_error.yaml", 9, 2, "", ["YAML syntax error", "did not find expected key"], 1),
    ("empty.yaml", 1, 1, "", ["the file is empty", "schema, year, region, agency, source and projects"], 1),
    ("only_comments.yaml", 1, 1, "", ["holds no YAML document", "only comments"], 1),
    # GBK bytes of 河北省 on line 5 ("  province: " is 12 characters)
    ("gbk.yaml", 5, 13, "", ["not UTF-8", "byte 0xba", "GBK"], 1),
    ("duplicate_key.yaml", 16, 7, "projects[0].budget.total",
     ["duplicate key 'total'", "first written at line 14", "silently keep only the last"], 1),
    ("alias.yaml", 16, 13, "projects[1].budget", ["anchors and aliases", "not allowed", "write the value out"], 1),
    ("billion_laughs.yaml", 3, 12, "lol2[0]", ["anchors and aliases", "not allowed"], 1),
    ("list_not_mapping.yaml", 14, 7, "projects[0].budget",
     ["'budget' (预算) must be a mapping of fields", "but got a list"], 1),
    ("missing_field.yaml", 14, 7, "projects[0].budget.total", ["required field 'total' (预算数) is missing"], 1),
    # the typo also leaves the required 'budget' missing: both are reported
    ("unknown_field.yaml", 13, 5, "projects[0].budgt", ["unknown field 'budgt'", "did you mean 'budget'?"], 2),
    ("amount_not_number.yaml", 14, 14, "projects[0].budget.total",
     ["'total' (预算数) must be an amount written as a number", "'二百四十一'"], 1),
    ("amount_negative.yaml", 14, 14, "projects[0].budget.total", ["must not be negative", "-241.74"], 1),
    ("amount_five_decimals.yaml", 14, 14, "projects[0].budget.total",
     ["more than 6 decimals", "241.7400001"], 1),
    ("bad_division_code.yaml", 4, 9, "region.code", ["6-digit GB/T 2260 division code", "'130299x'"], 1),
    ("bad_year.yaml", 2, 7, "year", ["budget year between 2000 and 2100", "1925"], 1),
    ("duplicate_project_code.yaml", 16, 11, "projects[1].code",
     ["project code 13020225P00005210001P is used twice", "also projects[0], 保安保洁物业管理服务"], 1),
]


@pytest.mark.parametrize("name,line,column,field,parts,count", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_fixture(name, line, column, field, parts, count):
    path = BAD / name
    errors = errors_of(path)
    assert len(errors) == count, [p.format() for p in errors]
    matching = [p for p in errors if p.field == field and (p.line, p.column) == (line, column)]
    assert len(matching) == 1, [p.format() for p in errors]
    problem = matching[0]
    assert problem.file == str(path)
    assert problem.severity == "error"
    for part in parts:
        assert part in problem.message, (part, problem.message)
    assert_cli_reports(path, problem)


def test_unknown_field_also_reports_the_missing_one():
    errors = errors_of(BAD / "unknown_field.yaml")
    assert [(p.line, p.column, p.field) for p in errors] == [
        (12, 5, "projects[0].budget"),
        (13, 5, "projects[0].budgt"),
    ]
    assert errors[0].message == "required field 'budget' (预算) is missing"
    assert errors[1].message == "unknown field 'budgt'; did you mean 'budget'?"


def test_unknown_field_without_close_match_lists_the_allowed_fields(tmp_path):
    path = write(tmp_path, VALID.replace("  province: 河北省", "  province: 河北省\n  xyz: 1"))
    [problem] = errors_of(path)
    assert (problem.line, problem.column, problem.field) == (6, 3, "region.xyz")
    assert problem.message == "unknown field 'xyz'; allowed here: code, province, city, county"


def test_gbk_file_is_refused_before_parsing(tmp_path):
    # the same filing, saved as GBK by an editor: the first non-ASCII byte is
    # in 河北省 on line 5
    path = write(tmp_path, VALID.encode("gbk"))
    with pytest.raises(LoadError) as exc:
        load_file(path)
    p = exc.value.problem
    assert (p.line, p.column) == (5, 13)
    assert "not UTF-8" in p.message and "GBK" in p.message
    assert_cli_reports(path, p)


def test_utf8_bom_is_accepted(tmp_path):
    path = write(tmp_path, "\ufeff".encode() + VALID.encode())
    assert validate_paths([path]).ok


def test_whitespace_only_file_is_empty(tmp_path):
    path = write(tmp_path, "\n   \n\t\n")
    [p] = errors_of(path)
    assert (p.line, p.column) == (1, 1) and "the file is empty" in p.message


def test_a_list_at_the_top_is_refused(tmp_path):
    path = write(tmp_path, "- schema: 1\n- year: 2025\n")
    [p] = errors_of(path)
    assert (p.line, p.column, p.field) == (1, 1, "")
    assert "a filing must be a mapping of fields" in p.message


def test_a_text_where_a_mapping_is_expected(tmp_path):
    path = write(tmp_path, VALID.replace('  code: "430001"\n  name: 唐山市路南区机关事务中心\n', "").replace(
        "agency:\n", "agency: 唐山市路南区机关事务中心\n"))
    [p] = errors_of(path)
    assert (p.line, p.column, p.field) == (6, 9, "agency")
    assert p.message == "'agency' (单位) must be a mapping of fields (key: value), but got the text '唐山市路南区机关事务中心'"


def test_an_empty_value_where_a_mapping_is_expected(tmp_path):
    path = write(tmp_path, VALID.replace("  title: 测试文件\n", ""))
    [p] = errors_of(path)
    assert (p.line, p.field) == (9, "source")
    assert p.message == "'source' (来源) must be a mapping of fields (key: value), but got nothing"


def test_missing_top_level_fields_are_all_named(tmp_path):
    path = write(tmp_path, "schema: 1\nyear: 2025\n")
    errors = errors_of(path)
    assert sorted(p.field for p in errors) == ["agency", "projects", "region", "source"]
    assert all((p.line, p.column) == (1, 1) for p in errors)
    assert all(p.message == f"required field '{p.field}' ({label}) is missing"
               for p, label in zip(sorted(errors, key=lambda p: p.field), ["单位", "项目", "地区", "来源"]))


def test_no_projects_at_all(tmp_path):
    path = write(tmp_path, VALID.split("projects:")[0] + "projects: []\n")
    [p] = errors_of(path)
    assert (p.line, p.field) == (11, "projects")
    assert p.message == "'projects' (项目) must have at least one entry"


@pytest.mark.parametrize("value,parts", [
    ("二百四十一", ["must be an amount written as a number", "'二百四十一'"]),
    ("241.74万元", ["must be an amount written as a number", "'241.74万元'"]),
    ('"1,000.00"', ["must be an amount written as a number", "'1,000.00'"]),
    ("", ["must be an amount written as a number", "an empty value"]),
    ("[241.74]", ["must be an amount written as a number", "a list"]),
    ("-241.74", ["must not be negative", "got -241.74"]),
    ("-0.01", ["must not be negative", "got -0.01"]),
    ("241.7400001", ["has more than 6 decimals", "got 241.7400001", "at most 6"]),
    ("0.0000001", ["has more than 6 decimals", "got 0.0000001"]),
    (".nan", ["must be an amount written as a number", "'.nan'"]),
])
def test_bad_amount(tmp_path, value, parts):
    text = VALID.replace("      total: 241.74", f"      total: {value}")
    path = write(tmp_path, text)
    [p] = errors_of(path)
    assert (p.line, p.field) == (15, "projects[0].budget.total")
    assert p.message.startswith("'total' (预算数) ")
    for part in parts:
        assert part in p.message, p.message
    assert_cli_reports(path, p)


@pytest.mark.parametrize("value", ["0", "0.0001", "53.4857", "241.74", "35.00", "100", '"241.74"', "0.123456"])
def test_good_amount(tmp_path, value):
    text = VALID.replace("      total: 241.74", f"      total: {value}")
    result = validate_paths([write(tmp_path, text)])
    assert result.ok, [p.format() for p in result.problems]
    assert result.filings[0].filing.projects[0].budget.total == Decimal(value.strip('"'))


@pytest.mark.parametrize("code", ['"13020"', '"1302020"', '"990202"', '"00000"', '"13020a"', "河北省"])
def test_bad_division_code(tmp_path, code):
    path = write(tmp_path, VALID.replace('  code: "130202"', f"  code: {code}"))
    [p] = errors_of(path)
    assert (p.line, p.column, p.field) == (4, 9, "region.code")
    assert "region.code must be a 6-digit GB/T 2260 division code" in p.message
    assert code.strip('"') in p.message
    assert_cli_reports(path, p)


@pytest.mark.parametrize("year", ["1925", "2101", "25", '"二〇二五"', "2025.5", "2025年"])
def test_bad_year(tmp_path, year):
    path = write(tmp_path, VALID.replace("year: 2025", f"year: {year}"))
    [p] = errors_of(path)
    assert (p.line, p.column, p.field) == (2, 7, "year")
    assert p.message.startswith("year must be")
    assert_cli_reports(path, p)


def test_project_code_warns_when_division_or_year_disagree(tmp_path):
    text = VALID.replace('"13020225P00005210001P"', '"13020924P00005210001P"')
    result = validate_paths([write(tmp_path, text)])
    assert result.ok  # a warning, not an error
    [w] = result.warnings
    assert (w.line, w.field) == (12, "projects[0].code")
    assert "starts with division 130209" in w.message and "region.code is 130202" in w.message
    res = run_cli("check", tmp_path / "filing.yaml")
    assert res.code == 0
    assert f"{tmp_path / 'filing.yaml'}:12:11: warning: " in res.out


def test_duplicate_filing_names_both_files():
    folder = BAD / "duplicate_filing"
    result = validate_paths([folder])
    [p] = result.errors
    first, second = folder / "a.yaml", folder / "b.yaml"
    assert p.file == str(second)
    assert (p.line, p.column, p.field) == (7, 9, "agency.code")
    assert str(first) in p.message
    assert "region 130202, agency 430001, year 2025 is already the filing" in p.message
    res = run_cli("check", folder)
    assert res.code == 1
    [line] = [ln for ln in res.lines if ": error: " in ln]
    assert line.startswith(f"{second}:7:9: error: ") and str(first) in line


def test_same_agency_code_in_another_region_or_year_is_no_duplicate(tmp_path):
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID.replace('"130202"', '"130535"').replace("13020225", "13053525"), "b.yaml")
    write(tmp_path, VALID.replace("year: 2025", "year: 2024").replace("13020225", "13020224"), "c.yaml")
    result = validate_paths([tmp_path])
    assert result.ok and not result.problems
    assert len(result.filings) == 3


def test_several_errors_in_one_file_are_all_reported():
    path = BAD / "several_errors.yaml"
    errors = errors_of(path)
    assert [(p.line, p.column, p.field) for p in errors] == [
        (4, 9, "region.code"),
        (14, 14, "projects[0].budget.total"),
        (16, 9, "projects[0].indicators[0].name"),
        (18, 9, "projects[0].indicators[0].nmae"),
        (22, 14, "projects[1].budget.total"),
    ]
    messages = [p.message for p in errors]
    assert "'990202'" in messages[0]
    assert "must not be negative" in messages[1]
    assert messages[2] == "required field 'name' (名称) is missing"
    assert messages[3] == "unknown field 'nmae'; did you mean 'name'?"
    assert "more than 6 decimals" in messages[4]
    res = run_cli("check", path)
    assert res.code == 1
    assert res.lines == [p.format() for p in errors]
    assert "0 filing(s) valid, 5 error(s), 0 warning(s)" in res.err


def test_errors_in_several_files_are_all_reported():
    paths = [BAD / "bad_year.yaml", BAD / "duplicate_key.yaml", BAD / "gbk.yaml"]
    res = run_cli("check", *paths)
    assert res.code == 1
    assert [ln.split(":")[0] for ln in res.lines] == [str(p) for p in paths]


def test_json_format():
    path = BAD / "several_errors.yaml"
    res = run_cli("check", "--format", "json", path)
    assert res.code == 1
    data = json.loads(res.out)
    assert data["ok"] is False
    assert (data["filings"], data["errors"], data["warnings"]) == (0, 5, 0)
    problems = data["problems"]
    assert len(problems) == 5
    for p in problems:
        assert set(p) == {"file", "line", "column", "severity", "message", "field"}
        assert p["file"] == str(path) and p["severity"] == "error"
        assert isinstance(p["line"], int) and isinstance(p["column"], int)
    assert [(p["line"], p["column"], p["field"]) for p in problems] == [
        (4, 9, "region.code"),
        (14, 14, "projects[0].budget.total"),
        (16, 9, "projects[0].indicators[0].name"),
        (18, 9, "projects[0].indicators[0].nmae"),
        (22, 14, "projects[1].budget.total"),
    ]
    assert problems[3]["message"] == "unknown field 'nmae'; did you mean 'name'?"
    # Chinese stays readable in the JSON
    assert "预算数" in res.out


def test_json_format_of_a_load_error():
    res = run_cli("check", "--format", "json", BAD / "gbk.yaml")
    assert res.code == 1
    [p] = json.loads(res.out)["problems"]
    assert (p["line"], p["column"], p["field"], p["severity"]) == (5, 13, "", "error")
    assert "not UTF-8" in p["message"]


def test_check_on_a_clean_seed_exits_0():
    seed = FILINGS / "130209-442001-2024.yaml"
    res = run_cli("check", seed)
    assert res.code == 0, res.out
    assert res.lines == []
    assert "1 filing(s) valid, 0 error(s), 0 warning(s)" in res.err
    data = json.loads(run_cli("check", "--format", "json", seed).out)
    assert data == {"ok": True, "filings": 1, "errors": 0, "warnings": 0, "problems": []}


def test_check_with_a_missing_path_exits_non_zero(tmp_path):
    res = run_cli("check", tmp_path / "nope.yaml")
    assert res.code == 2
    assert "no such file or folder" in res.err


def test_real_process_exits_1_with_file_line_col():
    path = BAD / "duplicate_key.yaml"
    res = run_cli_process("check", path)
    assert res.code == 1
    assert res.out.startswith(f"{path}:16:7: error: duplicate key 'total'")


# --- inconsistencies that real filings contain are not errors ---------------

INCONSISTENT = VALID.replace("      fiscal: 241.74\n", """\
      fiscal: 200
      carryover: 30
    spending_plan:
      unit: percent
      mar: 25
      oct: 75
    indicators:
      - level1: 产出指标
        level2: 成本指标
        name: 节约成本
        target: "≤241.73万元"
""")


def test_inconsistent_filing_still_loads(tmp_path):
    # fiscal 200 + carryover 30 = 230 ≠ total 241.74; the plan has no 6月底
    # and stops at 10月底 (75%); the cost bound is below the budget
    result = validate_paths([write(tmp_path, INCONSISTENT)])
    assert result.ok and not result.problems
    project = result.filings[0].filing.projects[0]
    assert project.budget.total == Decimal("241.74")
    assert sum(project.budget.parts.values()) == Decimal("230")
    plan = project.spending_plan
    assert (plan.mar, plan.jun, plan.oct, plan.dec) == (Decimal(25), None, Decimal(75), None)
    assert run_cli("check", tmp_path / "filing.yaml").code == 0


# --- money is exact -------------------------------------------------------

def test_money_is_exact_decimal(tmp_path):
    text = VALID.replace("      total: 241.74\n      fiscal: 241.74\n", """\
      total: 0.3
      fiscal: 0.1
      carryover: 0.2
  - name: 第二个项目
    budget:
      total: 0.1
  - name: 第三个项目
    budget:
      total: 0.2
  - name: 第四个项目
    budget:
      total: 35.00
  - name: 第五个项目
    budget:
      total: 1000000000000000.0001
""")
    result = validate_paths([write(tmp_path, text)])
    assert result.ok, [p.format() for p in result.problems]
    filing = result.filings[0].filing
    p = filing.projects
    assert all(isinstance(x.budget.total, Decimal) for x in p)
    assert p[0].budget.fiscal + p[0].budget.carryover == Decimal("0.3") == p[0].budget.total
    assert p[1].budget.total + p[2].budget.total == Decimal("0.3")
    assert 0.1 + 0.2 != 0.3  # what float would have given
    # trailing zeros are kept as written
    assert p[3].budget.total == Decimal("35.00")
    assert str(p[3].budget.total) == "35.00"
    assert p[3].budget.total.as_tuple().exponent == -2
    # beyond float precision
    assert str(p[4].budget.total) == "1000000000000000.0001"
    assert filing.total == Decimal("1000000000000035.6001")


def test_seed_amounts_keep_their_written_form():
    result = validate_paths([FILINGS / "130535-430001-2024.yaml"])
    projects = result.filings[0].filing.projects
    assert str(projects[0].budget.total) == "35.00"
    assert str(projects[9].budget.total) == "53.4857"
    assert str(projects[0].spending_plan.mar) == "5.00"


# --- hostile input is refused quickly -------------------------------------

def test_billion_laughs_is_refused_quickly():
    start = time.perf_counter()
    [p] = errors_of(BAD / "billion_laughs.yaml")
    assert time.perf_counter() - start < 1.0
    assert "anchors and aliases" in p.message


@pytest.mark.parametrize("text,line", [
    ("a: &x 1\nb: *x\n", 2),
    ("a: *undefined\n", 1),
    ("base: &b {total: 1}\nother:\n  <<: *b\n", 3),
])
def test_other_aliases_are_refused(tmp_path, text, line):
    [p] = errors_of(write(tmp_path, text))
    assert p.line == line
    assert "not allowed in filings" in p.message


def test_ten_megabyte_file_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as f:
        f.write(VALID)
        f.write(("# " + "x" * 1022 + "\n") * (10 * 1024))
    assert path.stat().st_size > 10 * 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(LoadError) as exc:
        load_file(path)
    assert time.perf_counter() - start < 0.5
    p = exc.value.problem
    assert (p.line, p.column) == (1, 1)
    assert "file is 10.0 MB" in p.message and "at most 5 MB" in p.message
    assert_cli_reports(path, p)


NESTINGS = {
    "flow-sequences": lambda n: "a: " + "[" * n + "]" * n + "\n",
    "flow-mappings": lambda n: "a: " + "{a: " * n + "1" + "}" * n + "\n",
    "block-sequences": lambda n: "a:\n" + "- " * n + "x\n",
    # indentation grows by one per level: 3,000 levels make a 4.5 MB file,
    # just under the size limit
    "indented-mappings": lambda n: "".join(" " * i + "k:\n" for i in range(min(n, 3_000))) + " " * min(n, 3_000) + "1\n",
}


@pytest.mark.parametrize("kind", NESTINGS)
def test_ten_thousand_levels_are_refused_with_a_message(tmp_path, kind):
    path = write(tmp_path, NESTINGS[kind](10_000))
    start = time.perf_counter()
    try:
        [p] = errors_of(path)
    except RecursionError:  # pragma: no cover - the failure this test is about
        pytest.fail("RecursionError instead of a message")
    assert time.perf_counter() - start < 2.0
    assert p.message == f"structure nested deeper than {MAX_DEPTH} levels; a filing is never this deep"
    assert p.line >= 1 and p.column >= 1


@pytest.mark.parametrize("kind", ["flow-sequences", "block-sequences"])
def test_hundred_thousand_levels_do_not_crash_the_interpreter(tmp_path, kind):
    # libyaml's composer recurses in C: this used to end in a segfault
    path = write(tmp_path, NESTINGS[kind](100_000))
    res = run_cli_process("check", path, timeout=30)
    assert res.code == 1, (res.code, res.err[-500:])
    assert f"nested deeper than {MAX_DEPTH} levels" in res.out


def test_moderate_nesting_names_the_field(tmp_path):
    path = write(tmp_path, "a: " + "[" * 30 + "]" * 30 + "\n")
    [p] = errors_of(path)
    assert p.field == "a" + "[0]" * MAX_DEPTH
    assert "nested deeper than" in p.message


# --- the fast path (no source positions) agrees with the full one ---------

def _both_paths(text: str, name: str):
    from site_builder.content.load import parse_text
    from site_builder.content.validate import _validate_fast, validate_document

    fast, node = _validate_fast(text)
    doc = parse_text(text, name)
    full, problems = validate_document(doc)
    return fast, node, full, problems, doc


@pytest.mark.parametrize("path", sorted(FILINGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_fast_path_gives_the_same_filing_and_position_as_the_full_path(path):
    from site_builder.content.load import node_position, read_text

    text = read_text(path)
    fast, node, full, problems, doc = _both_paths(text, str(path))
    assert full is not None and not problems
    assert fast is not None, "a clean seed filing must take the fast path"
    assert fast == full
    assert node_position(node, ("agency", "code")) == doc.position(("agency", "code"))


def test_multiplication_signs_are_text_and_aliases_take_the_full_path():
    from site_builder.content.load import _SLOW, plain_data

    # 乐亭's filing writes formulas like 实际支出数/预算下达数*100%
    assert plain_data("a: 实际支出数/预算下达数*100%\n")[0] == {"a": "实际支出数/预算下达数*100%"}
    for text in ("a: &x 1\nb: *x\n", "a: [*x]\n", "a:\n  - *x\n", "? *x\n: 1\n", "<<: {a: 1}\n", "a: 1\na: 2\n",
                 "a: !!binary aGVsbG8=\n", "a: [" * 600 + "]" * 600 + "\n"):
        assert plain_data(text)[0] is _SLOW, text
    # nulls are read as the full loader reads them; quoted ones stay text
    assert plain_data('a:\nb: ~\nc: null\nd: "null"\ne: \'\'\n')[0] == {"a": None, "b": None, "c": None, "d": "null", "e": ""}


def test_a_file_with_a_warning_is_reported_by_the_full_path(tmp_path):
    from site_builder.content.validate import validate_file

    src = next(FILINGS.glob("130202-*.yaml")).read_text(encoding="utf-8")
    assert "level2: 数量指标" in src
    f = tmp_path / "w.yaml"
    f.write_text(src.replace("level2: 数量指标", "level2: 数量指数", 1), encoding="utf-8")
    loaded, problems = validate_file(f)
    assert loaded is not None
    assert [p.severity for p in problems] == ["warning"] and p_line(problems[0]) > 1


def p_line(p) -> int:
    return p.line


def test_review_items_are_warnings_at_their_entries(tmp_path):
    text = VALID + (
        "review:\n"
        "  - check: 预算数 '854万854万' holds two amounts\n"
        "    field: projects[0].budget.total\n"
        "    source: line 12\n"
        "  - check: the indicator table may be cut short\n"
    )
    path = write(tmp_path, text)
    result = validate_paths([path])
    assert result.ok and result.filings, [p.format() for p in result.problems]
    first = len(VALID.splitlines()) + 2
    assert [(p.severity, p.line, p.column, p.field) for p in result.warnings] == [
        ("warning", first, 5, "review[0]"), ("warning", first + 3, 5, "review[1]")]
    assert "projects[0].budget.total: 预算数 '854万854万' holds two amounts (line 12)" in result.warnings[0].message
    res = run_cli("check", path)
    assert res.code == 0 and len([ln for ln in res.lines if ": warning: review item" in ln]) == 2
    # an editor who has checked everything deletes the list: no warning remains
    assert not validate_paths([write(tmp_path, VALID + "review: []\n", "done.yaml")]).warnings


def test_review_items_are_reported_in_a_file_with_errors(tmp_path):
    # an imported draft that lacks a required value still lists what to check
    text = VALID.replace("      total: 241.74\n", "") + "review:\n  - check: no 预算数 read\n    field: projects[0].budget.total\n"
    result = validate_paths([write(tmp_path, text)])
    assert [p.field for p in result.errors] == ["projects[0].budget.total"]
    assert [p.field for p in result.warnings] == ["review[0]"]
    assert "no 预算数 read" in result.warnings[0].message
