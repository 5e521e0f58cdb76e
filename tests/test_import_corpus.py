"""The importer on real filings it was not written for: the corpus in
tests/fixtures/import_corpus/<folder>/ (source text as found, meta.yaml with
its URL, expected.yaml written by hand from the source).

Every printed field of expected.yaml is compared with the draft:

- captured: the draft holds the printed value;
- review: the draft holds nothing or something else, and a review item names
  the field (or a field above it);
- wrong: the draft holds another value and no review item says so, or a
  goal, indicator or project that is not printed. This must never happen;
- missed: the draft holds nothing and no review item says so;
- extra: the draft holds a value where expected.yaml records none (a blank
  cell, or a printed value its author did not trust), without a review item.

The per-field table is printed with ``-s`` and written to docs/import.md by

    python tests/test_import_corpus.py --write-docs

(``--only a-,b-`` / ``--skip FOLDER,…`` limit the folders; ``-v`` prints every
field that is not captured).
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # pragma: no cover - when run as a script
    sys.path.insert(0, str(ROOT))

from site_builder.importer import ImportResult, import_file  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "import_corpus"
DOCS = ROOT / "docs" / "import.md"
FIELDS = ("year", "agency", "region", "unit", "project", "name", "code", "implementer", "budget", "goals",
          "spending_plan", "level1", "level2", "indicator name", "target", "unit_budget")


def folders() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(d for d in CORPUS.iterdir() if d.is_dir() and (d / "expected.yaml").is_file() and _source(d))


def _source(d: Path) -> Path | None:
    found = sorted(p for p in d.iterdir() if p.name.startswith("source.") and p.is_file())
    return found[0] if found else None


# ---------------------------------------------------------------- comparison

def _t(v: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v)))


def _amount(text: Any, unit: str | None) -> Decimal | None:
    """An expected amount in its printed unit → 万元."""
    if text is None:
        return None
    t = _t(text).replace(",", "")
    m = re.match(r"^(\d+(?:\.\d+)?)(万元|万|元)?$", t)
    if not m:
        return None
    try:
        v = Decimal(m.group(1))
    except InvalidOperation:
        return None
    u = m.group(2) or unit or "万元"
    return v.scaleb(-4) if u == "元" else v


@dataclass
class Score:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    wrong: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def add(self, kind: str, outcome: str, what: str = "") -> None:
        self.counts[kind][outcome] += 1
        if outcome == "wrong":
            self.wrong.append(what)
        elif outcome in ("missed", "review", "extra") and what:
            self.details.append(f"{outcome}: {what}")

    def merge(self, other: "Score") -> None:
        for k, c in other.counts.items():
            self.counts[k].update(c)
        self.wrong.extend(other.wrong)
        self.details.extend(other.details)


def _covered(path: str, reviewed: list[str]) -> bool:
    """A review item on the field itself, or on the record that holds it (an
    indicator row, a budget); one on a whole project or table does not count."""
    for w in reviewed:
        if not w:
            continue
        if path == w:
            return True
        if (path.startswith(w + ".") or path.startswith(w + "[")) and \
                (re.search(r"indicators\[\d+\]$|budget$|goals$|spending_plan$", w) or w == "projects"):
            return True
    return False


def score(name: str, result: ImportResult, expected: dict[str, Any]) -> Score:
    sc = Score()
    data = result.data
    reviewed = [w[1] for w in result.warnings if w[1]]
    unit = expected.get("unit")

    def check(kind: str, path: str, exp: Any, got: Any, same: bool | None = None) -> None:
        printed = exp not in (None, "", [])
        have = got not in (None, "", [], {})
        if not printed:
            if have and not _covered(path, reviewed):
                sc.add(kind, "extra", f"{name}: {path}: expected.yaml has none, draft has {got!r}")
            return
        ok = same if same is not None else (_t(exp) == _t(got) if have else False)
        if ok:
            sc.add(kind, "captured")
        elif _covered(path, reviewed):
            sc.add(kind, "review", f"{name}: {path}: expected {exp!r}, got {got!r}")
        elif have:
            sc.add(kind, "wrong", f"{name}: {path}: expected {exp!r}, got {got!r}")
        else:
            sc.add(kind, "missed", f"{name}: {path}: expected {exp!r}")

    if "year" in expected:
        check("year", "year", expected.get("year"), data.get("year"))
    if "agency" in expected:
        exp_ag = expected.get("agency")
        exp_ag = exp_ag.get("name") if isinstance(exp_ag, dict) else exp_ag
        check("agency", "agency.name", exp_ag, (data.get("agency") or {}).get("name"))
    reg = data.get("region") or {}
    for k, v in (expected.get("region") or {}).items():
        if k in ("province", "city", "county"):
            check("region", f"region.{k}", v, reg.get(k))
    if "unit" in expected:
        check("unit", "unit", unit, result.source_unit or None)
    got_projects = data.get("projects") or []
    exp_projects = expected.get("projects") or []
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], int | None]] = []
    for i, ep in enumerate(exp_projects):
        j = next((k for k, gp in enumerate(got_projects)
                  if k not in used and ep.get("name") and _t(gp.get("name", "")) == _t(ep["name"])), None)
        if j is None and i < len(got_projects) and i not in used:
            j = i
        if j is not None:
            used.add(j)
        pairs.append((ep, j))
    for ep, j in pairs:
        gp = got_projects[j] if j is not None else {}
        P = f"projects[{j if j is not None else len(got_projects)}]"
        sc.add("project", "captured" if j is not None else ("review" if _covered("projects", reviewed) else "missed"),
               f"{name}: project {ep.get('name')}")
        for k in ("name", "code", "implementer"):
            if k in ep:
                check(k, f"{P}.{k}", ep.get(k), gp.get(k))
        eb, gb = ep.get("budget") or {}, gp.get("budget") or {}
        for k in ("total", "fiscal", "other", "carryover"):
            if k in eb:
                e = _amount(eb.get(k), unit)
                g = gb.get(k)
                same = e is not None and g is not None and Decimal(str(g)) == e
                check("budget", f"{P}.budget.{k}", eb.get(k), g, same)
        egoals = ep.get("goals") or []
        ggoals = gp.get("goals") or []
        for n, g in enumerate(egoals):
            got = ggoals[n] if n < len(ggoals) else None
            check("goals", f"{P}.goals[{n}]", g, got)
        if len(ggoals) > len(egoals) and not _covered(f"{P}.goals", reviewed):
            for n in range(len(egoals), len(ggoals)):
                sc.add("goals", "wrong", f"{name}: {P}.goals[{n}]: nothing printed, draft has {ggoals[n]!r}")
        esp = ep.get("spending_plan") or {}
        gsp = gp.get("spending_plan") or {}
        for k, v in esp.items():
            check("spending_plan", f"{P}.spending_plan.{k}", v, gsp.get(k))
        einds = ep.get("indicators") or []
        ginds = gp.get("indicators") or []
        # pair printed and read indicators by name, then the rest by position
        match: dict[int, int] = {}
        for n, ei in enumerate(einds):
            k = next((x for x, gi in enumerate(ginds) if x not in match.values() and ei.get("name")
                      and _t(gi.get("name", "")) == _t(ei["name"])), None)
            if k is not None:
                match[n] = k
        named = {_t(e.get("name", "")) for e in einds}
        for n in range(len(einds)):
            if n not in match and n < len(ginds) and n not in match.values() \
                    and _t(ginds[n].get("name", "")) not in named:
                match[n] = n
        iused = set(match.values())
        for n, ei in enumerate(einds):
            k = match.get(n)
            gi = ginds[k] if k is not None else {}
            IP = f"{P}.indicators[{k if k is not None else len(ginds)}]"
            for f_, kind in (("level1", "level1"), ("level2", "level2"), ("name", "indicator name"), ("target", "target")):
                if f_ in ei:
                    check(kind, f"{IP}.{f_}", ei.get(f_), gi.get(f_))
        for x, gi in enumerate(ginds):
            if x not in iused and not any(w.startswith(f"{P}.indicators[{x}]") for w in reviewed):
                sc.add("target", "wrong", f"{name}: {P}.indicators[{x}]: no such indicator printed, draft has {gi!r}")
    for j, gp in enumerate(got_projects):
        if j not in used and not _covered(f"projects[{j}]", reviewed):
            sc.add("project", "wrong", f"{name}: projects[{j}]: no such project printed, draft has {gp.get('name')!r}")
    eu = expected.get("unit_budget")
    if isinstance(eu, dict):
        gu = data.get("unit_budget") or {}
        for k, v in _flat(eu).items():
            if k == "indicators" or k.startswith("indicators"):
                continue
            got = _flat(gu).get(k)
            if k.split(".")[0] in ("basic", "funding", "project", "revenue_total", "expenditure_total"):
                e = _amount(v, unit)
                same = e is not None and got is not None and Decimal(str(got)) == e
                check("unit_budget", f"unit_budget.{k}", v, got, same)
            else:
                check("unit_budget", f"unit_budget.{k}", v, got)
    return sc


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}{k}." if not isinstance(v, (str, int, float)) and v is not None else f"{prefix}{k}"))
            if isinstance(v, (str, int, float)) or v is None:
                out[f"{prefix}{k}"] = v
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(_flat(v, f"{prefix.rstrip('.')}[{i}]."))
            if isinstance(v, (str, int, float)):
                out[f"{prefix.rstrip('.')}[{i}]"] = v
    return {k.rstrip("."): v for k, v in out.items()}


def run(only: list[str] | None = None, skip: list[str] | None = None) -> tuple[Score, dict[str, Score]]:
    total = Score()
    per: dict[str, Score] = {}
    for d in folders():
        if only and not any(d.name.startswith(o) for o in only):
            continue
        if skip and d.name in skip:
            continue
        expected = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8")) or {}
        result = import_file(_source(d))
        crash = [w for w in result.warnings if "internal error" in w[2]]
        assert not crash, (d.name, crash)  # a bug in the importer, not a property of the filing
        sc = score(d.name, result, expected)
        per[d.name] = sc
        total.merge(sc)
    return total, per


def table(total: Score) -> str:
    rows = ["| field | printed | captured | review items | missed | wrong | extra |", "|---|---:|---:|---:|---:|---:|---:|"]
    sums: Counter = Counter()
    for kind in FIELDS:
        c = total.counts.get(kind)
        if not c:
            continue
        printed = c["captured"] + c["review"] + c["missed"] + c["wrong"]
        rows.append(f"| {kind} | {printed} | {c['captured']} | {c['review']} | {c['missed']} | {c['wrong']} | {c['extra']} |")
        sums.update({"printed": printed, **c})
    pct = 100 * sums["captured"] / sums["printed"] if sums["printed"] else 0
    rows.append(f"| **all** | {sums['printed']} | {sums['captured']} ({pct:.1f} %) | {sums['review']} | "
                f"{sums['missed']} | {sums['wrong']} | {sums['extra']} |")
    return "\n".join(rows)


# ---------------------------------------------------------------- tests

@pytest.mark.skipif(not folders(), reason="no corpus folders")
def test_corpus_no_value_in_a_wrong_field() -> None:
    total, per = run()
    print(f"\nimport corpus: {len(per)} filings\n" + table(total))
    for name, sc in per.items():
        c = Counter()
        for counts in sc.counts.values():
            c.update(counts)
        print(f"  {name}: {c['captured']} captured, {c['review']} review, {c['missed']} missed, {c['wrong']} wrong")
    assert not total.wrong, "values in a wrong field without a review item:\n" + "\n".join(total.wrong[:40])


@pytest.mark.skipif(not folders(), reason="no corpus folders")
def test_every_corpus_folder_names_its_source() -> None:
    for d in folders():
        meta = yaml.safe_load((d / "meta.yaml").read_text(encoding="utf-8")) or {}
        assert str(meta.get("url", "")).startswith(("http://", "https://")), d.name


def main(argv: list[str]) -> None:  # pragma: no cover - the table for docs/import.md
    only = skip = None
    for k, a in enumerate(argv):
        if a == "--only":
            only = argv[k + 1].split(",")
        if a == "--skip":
            skip = argv[k + 1].split(",")
    total, per = run(only, skip)
    print(f"{len(per)} filings")
    print(table(total))
    if "-v" in argv:
        for line in total.wrong:
            print("WRONG", line)
        for line in total.details:
            print(line)
    if "--write-docs" in argv:
        text = DOCS.read_text(encoding="utf-8")
        start, end = "<!-- corpus-table -->", "<!-- /corpus-table -->"
        a, b = text.index(start) + len(start), text.index(end)
        DOCS.write_text(text[:a] + f"\n{len(per)} filings.\n\n" + table(total) + "\n" + text[b:], encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
