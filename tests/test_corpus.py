"""The synthetic benchmark corpus: deterministic, valid, shaped like the seeds."""
from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import REPO as ROOT

if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402
from site_builder.content.model import Filing  # noqa: E402
from site_builder.content.validate import validate_paths  # noqa: E402

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)

AMOUNT_LINE = re.compile(
    r"^\s+(total|fiscal|carryover|other|mar|jun|oct|dec|personnel|operating|project|revenue_total"
    r"|expenditure_total): (.*)$"
)
SITE_BUILDER = Path(sys.executable).parent / "site-builder"


def _read_all(paths: list[Path]) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in paths}


@pytest.fixture(scope="module")
def corpus60(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return corpus.generate(60, tmp_path_factory.mktemp("c60"), seed=1)


@pytest.fixture(scope="module")
def corpus200(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("c200")
    paths = corpus.generate(200, out, seed=1)
    return out, paths, validate_paths([out / "filings"])


# -- determinism --------------------------------------------------------------

def test_same_seed_gives_byte_identical_files(corpus60: list[Path], tmp_path: Path) -> None:
    again = corpus.generate(60, tmp_path, seed=1)
    assert len(corpus60) == len(again) == 60
    assert [p.name for p in corpus60] == [p.name for p in again]
    assert _read_all(corpus60) == _read_all(again)


def test_other_seed_gives_other_files(corpus60: list[Path], tmp_path: Path) -> None:
    other = _read_all(corpus.generate(60, tmp_path, seed=2))
    first = _read_all(corpus60)
    assert other != first
    # not merely renamed: the texts of the filings differ
    assert set(other.values()).isdisjoint(first.values())


def test_parallel_generation_gives_the_same_files(corpus200, tmp_path: Path) -> None:
    _out, serial, _result = corpus200
    parallel = corpus.generate(200, tmp_path, seed=1, jobs=2)
    assert [p.name for p in parallel] == [p.name for p in serial]
    assert _read_all(parallel) == _read_all(serial)


def test_files_are_named_and_placed_like_content(corpus60: list[Path], tmp_path: Path) -> None:
    for p in corpus60:
        assert p.parent.name == "filings"
        assert p.name.endswith(".yaml")
    assert [q.name for q in sorted(corpus60[0].parent.iterdir())] == sorted(p.name for p in corpus60)
    # a re-run into the same folder leaves exactly the new corpus
    out = tmp_path / "again"
    corpus.generate(30, out, seed=1)
    corpus.generate(10, out, seed=3)
    assert len(list((out / "filings").iterdir())) == 10
    assert [q.name for q in out.iterdir()] == ["filings"]


# -- validity -----------------------------------------------------------------

def test_output_passes_validation(corpus200) -> None:
    _out, paths, result = corpus200
    assert [p.format() for p in result.errors] == []
    assert [p.format() for p in result.warnings] == []
    assert len(result.filings) == len(paths) == 200


def test_output_passes_check_command(corpus60: list[Path]) -> None:
    cmd = [str(SITE_BUILDER)] if SITE_BUILDER.exists() else [sys.executable, "-m", "site_builder.cli"]
    proc = subprocess.run(cmd + ["check", str(corpus60[0].parent)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "60 filing(s) valid, 0 error(s)" in proc.stderr


def test_yaml_text_round_trips_to_the_generated_data() -> None:
    """The emitter writes every string and amount exactly (no float, no quoting slips)."""

    def as_text(x):
        if isinstance(x, dict):
            return {k: as_text(v) for k, v in x.items()}
        if isinstance(x, list):
            return [as_text(v) for v in x]
        return str(x)

    for _slot, data, text in corpus.documents(40, seed=5):
        assert yaml.load(text, Loader=yaml.BaseLoader) == as_text(data)


def test_amounts_are_exact_decimals(corpus200) -> None:
    _out, _paths, result = corpus200
    places = set()
    for lf in result.filings:
        for p in lf.filing.projects:
            exp = -p.budget.total.as_tuple().exponent
            places.add(exp)
            assert p.budget.total > 0
        for line in Path(lf.path).read_text(encoding="utf-8").splitlines():
            m = AMOUNT_LINE.match(line)
            if m:  # plain YAML numbers, at most 6 decimals, no float artefacts (1e-05, 0.30000000000000004)
                assert re.fullmatch(r"\d+(\.\d{1,6})?", m.group(2)), line
    assert {0, 2} <= places  # 和政 integers and Hebei 2-decimal amounts


def test_keys_and_project_codes_are_unique(corpus200) -> None:
    _out, _paths, result = corpus200
    keys = [lf.filing.key for lf in result.filings]
    assert len(set(keys)) == len(keys)
    for lf in result.filings:
        f = lf.filing
        codes = [p.code for p in f.projects if p.code]
        assert len(set(codes)) == len(codes)
        for c in codes:
            assert c.startswith(f"{f.region.code}{f.year % 100:02d}P")
    assert {lf.filing.year for lf in result.filings} == {2024, 2025}
    assert len({lf.filing.region.code for lf in result.filings}) >= 8


# -- shape --------------------------------------------------------------------

def _filings(corpus200) -> list[Filing]:
    return [lf.filing for lf in corpus200[2].filings]


def test_shape_statistics(corpus200) -> None:
    filings = _filings(corpus200)
    n_projects = [len(f.projects) for f in filings]
    n_ind = [len(p.indicators) for f in filings for p in f.projects]
    assert 5 <= sum(n_projects) / len(n_projects) <= 10
    assert 6 <= sum(n_ind) / len(n_ind) <= 10
    assert min(n_projects) >= 3 and max(n_projects) <= 11
    assert min(n_ind) >= 6 and max(n_ind) <= 10
    goals = [len(f.overview.overall_goal) for f in filings if f.overview]
    assert 100 <= sum(goals) / len(goals) <= 600


def test_both_templates_are_present(corpus200) -> None:
    filings = _filings(corpus200)
    hebei = [f for f in filings if all(p.code for p in f.projects)]
    hezheng = [f for f in filings if not any(p.code for p in f.projects)]
    assert len(hebei) + len(hezheng) == len(filings)
    assert len(hebei) >= 20 and len(hezheng) >= 20
    # Hebei: overview, description / basis columns, plans in percent and in amounts
    assert all(f.overview and all(p.spending_plan for p in f.projects) for f in hebei)
    assert all(i.description and i.basis for f in hebei for p in f.projects for i in p.indicators)
    assert {p.spending_plan.unit for f in hebei for p in f.projects} == {"percent", "amount"}
    # 和政: 成本指标 as level1, unit_budget table, carryover / other funding, no codes
    assert all(f.unit_budget and f.unit_budget.basic for f in hezheng)
    assert all(any(i.level1 == "成本指标" for i in p.indicators) for f in hezheng for p in f.projects)
    assert any((p.budget.carryover or 0) > 0 for f in hezheng for p in f.projects)
    assert any((p.budget.other or 0) > 0 for f in hezheng for p in f.projects)
    assert any(f.agency.code is None for f in hezheng)


def test_text_is_real_chinese_from_the_seeds(corpus200) -> None:
    filings = _filings(corpus200)
    seeds = validate_paths([ROOT / "content" / "filings"]).filings
    seed_names = {i.name for lf in seeds for p in lf.filing.projects for i in p.indicators}
    names = [i.name for f in filings for p in f.projects for i in p.indicators]
    assert sum(n in seed_names for n in names) / len(names) > 0.8
    for f in filings:
        # the generated place name replaces the seeds' own
        assert f.region.county in f.agency.name
        assert "\ue000" not in f.model_dump_json()


# -- inconsistencies ----------------------------------------------------------

def _funding_off(f: Filing) -> bool:
    return any(p.budget.parts and sum(p.budget.parts.values()) != p.budget.total for p in f.projects)


def _cost_bound_below(f: Filing) -> bool:
    for p in f.projects:
        for i in p.indicators:
            t = i.parsed
            if (i.level2 in ("成本指标", "经济成本指标", "经济效益指标") and t.unit == "万元"
                    and t.value is not None and t.value == p.budget.total - Decimal("0.01")):
                return True
    return False


def _plan_gap(f: Filing) -> bool:
    return any(p.spending_plan and any(v is None for _k, v in p.spending_plan.points) for p in f.projects)


def _copied_block(f: Filing) -> bool:
    blocks = [p.indicators for p in f.projects]
    return len(set(blocks)) < len(blocks)


DETECT = {"funding": _funding_off, "cost_bound": _cost_bound_below,
          "plan_gap": _plan_gap, "copied_indicators": _copied_block}


def test_every_inconsistency_kind_is_present_in_a_few_percent(corpus200) -> None:
    filings = _filings(corpus200)
    found = {kind: [f for f in filings if detect(f)] for kind, detect in DETECT.items()}
    assert all(found.values()), {k: len(v) for k, v in found.items()}
    spoiled = {id(f) for v in found.values() for f in v}
    assert 4 <= len(spoiled) <= 0.10 * len(filings)


def test_cost_bounds_match_the_budget_elsewhere(corpus200) -> None:
    """Apart from the planted cases, a 万元 cost bound equals the project budget."""
    checked = 0
    for f in _filings(corpus200):
        if any(d(f) for d in DETECT.values()):
            continue
        for p in f.projects:
            for i in p.indicators:
                if i.level2 in ("成本指标", "经济效益指标", "经济成本指标") and i.parsed.unit == "万元":
                    assert i.parsed.value == p.budget.total, (f.key, p.name, i.target)
                    checked += 1
    assert checked > 20


def test_plan_assigns_inconsistencies_deterministically() -> None:
    a = corpus.plan(500, seed=7)
    b = corpus.plan(500, seed=7)
    assert a == b
    kinds = [s.inconsistency for s in a if s.inconsistency]
    assert set(kinds) == set(corpus.INCONSISTENCIES)
    assert len(kinds) == 20
