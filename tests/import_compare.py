"""Compare an imported draft with a hand-made filing, field by field.

Used by tests/test_import.py and handy on its own:

    python tests/import_compare.py        # per-seed matched / flagged / wrong
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = (ROOT.parent / "shared" / "seeds") if (ROOT.parent / "shared" / "seeds").is_dir() else Path("/work/shared/seeds")
FILINGS_DIR = ROOT / "content" / "filings"

# seed → (hand-made filing, compare normalised for whitespace?, max warnings)
# Whitespace-normalised only for 004, whose hand-made file documents that it
# removed the converter's spaces inside words (its source.note).
SEEDS = {
    "000_06db2d4ccbaea3a7.txt": ("130202-430001-2025.yaml", False, 0),
    "001_a168ace21779f849.txt": ("130209-442001-2024.yaml", False, 0),
    "002_8aa28b5ed729e5df.txt": ("622925-2024.yaml", False, 0),
    "003_9834a3c1aef08209.txt": ("130535-430001-2024.yaml", False, 3),
    "004_bc1e709cbc29c5ff.txt": ("130225-507001-2025.yaml", True, 0),
}

MONEY_FIELDS = ("total", "fiscal", "carryover", "other")
PLAN_FIELDS = ("unit", "mar", "jun", "oct", "dec")
IND_FIELDS = ("level1", "level2", "name", "target")
EXTRA_IND_FIELDS = ("description", "basis")


@dataclass
class Comparison:
    matched: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)  # flagged by a warning (right or wrong)
    flagged_right: list[str] = field(default_factory=list)
    wrong: list[tuple[str, Any, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.matched)} matched / {len(self.flagged)} flagged "
                f"({len(self.flagged_right)} of them right) / {len(self.wrong)} wrong")


def _is_flagged(path: str, warned: list[str]) -> bool:
    for w in warned:
        if not w:
            continue
        if path == w or path.startswith(w + ".") or path.startswith(w + "["):
            return True
    return False


def _norm_text(v: Any, ws: bool) -> Any:
    if v is None:
        return None
    s = str(v)
    return re.sub(r"\s+", "", s) if ws else s


def _money(v: Any) -> Any:
    if v is None:
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return str(v)


def compare(data: dict[str, Any], filing: Any, warnings: list[tuple[int, str, str]], *,
            normalise_ws: bool = False, extra: bool = True) -> Comparison:
    """Compare imported ``data`` (a dict) with a validated ``Filing``."""
    warned = [w[1] for w in warnings]
    cmp = Comparison()

    def check(path: str, expected: Any, got: Any) -> None:
        ok = expected == got
        if _is_flagged(path, warned):
            cmp.flagged.append(path)
            if ok:
                cmp.flagged_right.append(path)
        elif ok:
            cmp.matched.append(path)
        else:
            cmp.wrong.append((path, expected, got))

    got_projects = data.get("projects") or []
    check("projects.count", len(filing.projects), len(got_projects))
    for i, exp in enumerate(filing.projects):
        got = got_projects[i] if i < len(got_projects) else {}
        P = f"projects[{i}]"
        check(f"{P}.code", exp.code, got.get("code"))
        check(f"{P}.name", _norm_text(exp.name, normalise_ws), _norm_text(got.get("name"), normalise_ws))
        gb = got.get("budget") or {}
        for k in MONEY_FIELDS:
            check(f"{P}.budget.{k}", getattr(exp.budget, k), _money(gb.get(k)))
        gp = got.get("spending_plan") or {}
        ep = exp.spending_plan
        for k in PLAN_FIELDS:
            e = getattr(ep, k) if ep else None
            g = gp.get(k)
            check(f"{P}.spending_plan.{k}", e, g if k == "unit" else _money(g))
        gi = got.get("indicators") or []
        check(f"{P}.indicators.count", len(exp.indicators), len(gi))
        for j, ei in enumerate(exp.indicators):
            g = gi[j] if j < len(gi) else {}
            for k in IND_FIELDS + (EXTRA_IND_FIELDS if extra else ()):
                check(f"{P}.indicators[{j}].{k}", _norm_text(getattr(ei, k), normalise_ws), _norm_text(g.get(k), normalise_ws))
        if extra:
            check(f"{P}.purpose", _norm_text(exp.purpose, normalise_ws), _norm_text(got.get("purpose"), normalise_ws))
            check(f"{P}.goals", [_norm_text(x, normalise_ws) for x in exp.goals],
                  [_norm_text(x, normalise_ws) for x in got.get("goals") or []])
            check(f"{P}.implementer", exp.implementer, got.get("implementer"))
    if extra:
        check("year", filing.year, data.get("year"))
        reg = data.get("region") or {}
        for k in ("code", "province", "city", "county"):
            check(f"region.{k}", getattr(filing.region, k), reg.get(k))
        ag = data.get("agency") or {}
        for k in ("code", "name", "scope"):
            check(f"agency.{k}", getattr(filing.agency, k), ag.get(k))
    return cmp


def run_seed(seed: str):
    from site_builder.importer import import_file
    from site_builder.validate import validate_file

    handmade, ws, _bound = SEEDS[seed]
    loaded, problems = validate_file(FILINGS_DIR / handmade)
    assert loaded is not None, [p.format() for p in problems]
    result = import_file(SEEDS_DIR / seed)
    return result, compare(result.data, loaded.filing, result.warnings, normalise_ws=ws)


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(ROOT))
    for seed in SEEDS:
        result, cmp = run_seed(seed)
        print(f"{seed}: {cmp.summary()}; {len(result.warnings)} warning(s)")
        for w in result.warnings:
            print("   warning:", w)
        for path, e, g in cmp.wrong[:40]:
            print(f"   WRONG {path}: expected {e!r}, got {g!r}")
