"""Filing-level fields: year, region, agency, title — from the text or the
command line, never invented. Runs after a layout reader has filled the
projects."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from . import regions
from .common import DIVISION_RE, Draft, compact

ORDER = ("schema", "year", "region", "agency", "source", "unit", "overview", "unit_budget", "projects")


def finish(draft: Draft, text: str, *, region: str | None = None, agency: str | None = None,
           year: int | None = None) -> None:
    data = draft.data
    projects = data.get("projects") or []
    _completeness(draft, projects)
    code_info = _codes(projects)

    # ---- year
    found_year, year_line, year_where = None, 1, ""
    if code_info["years"]:
        (yy, n), = Counter(code_info["years"]).most_common(1)
        found_year, year_where = 2000 + int(yy), "the project codes"
        if len(set(code_info["years"])) > 1:
            draft.warn(1, "year", f"project codes carry different years ({', '.join(sorted(set(code_info['years'])))}); "
                                  f"took 20{yy}, the most common")
    text_years = [(line, y, where) for line, y, where in draft.year_hints]
    if found_year is None and text_years:
        year_line, found_year, year_where = text_years[0]
    elif found_year is not None and text_years:
        for line, y, where in text_years:
            if y != found_year:
                draft.warn(line, "year", f"{where} says {y}, but the project codes carry {found_year}")
                break
    if year is not None:
        if found_year is not None and found_year != year:
            draft.warn(year_line, "year", f"--year {year} given, but {year_where} say(s) {found_year}; kept {year}")
        found_year = year
    if found_year is not None:
        data["year"] = found_year
        if year is None and year_where == "the project codes" and not text_years:
            draft.comment(("year",), "from the project codes (digits 7-8); the text prints no year")
    else:
        draft.warn(1, "year", "no budget year found in the text; give it with --year")

    # ---- region
    reg: dict[str, Any] = {}
    code = None
    if code_info["divisions"]:
        (code, _), = Counter(code_info["divisions"]).most_common(1)
        if len(set(code_info["divisions"])) > 1:
            draft.warn(1, "region.code", f"project codes carry different division codes "
                                         f"({', '.join(sorted(set(code_info['divisions'])))}); took {code}")
        if not region:
            draft.comment(("region", "code"), "from the project codes (first 6 digits)")
    if region:
        if code and code != region:
            draft.warn(1, "region.code", f"--region {region} given, but the project codes start with {code}; kept {region}")
        code = region
    named = regions.find_named(text)
    if not code and len(named) == 1:
        code = named[0]
        draft.comment(("region", "code"), f"from the division table: the text names {regions.lookup(code)[2] or regions.lookup(code)[1]}")
    if code:
        if not DIVISION_RE.match(code):
            draft.warn(1, "region.code", f"{code} is not a 6-digit GB/T 2260 division code")
        reg["code"] = code
        entry = regions.lookup(code)
        if entry and code in named:
            province, city, county = entry
            reg["province"] = province
            if city:
                reg["city"] = city
            if county:
                reg["county"] = county
            draft.comment(("region", "province"), f"province/city/county from the division table for {code}; the text names {county or city}")
        else:
            names = _names_from_text(text)
            reg.update(names)
            if "province" in names:
                draft.comment(("region", "province"), "the first province named in the text")
            if "province" not in names:
                draft.warn(1, "region.province",
                           f"the text does not name the province of division {code}; fill in region.province"
                           + ("" if entry else " (the code is not in the importer's division table)"))
    else:
        draft.warn(1, "region.code", "no division code found (no project code carries one); give it with --region")
        names = _names_from_text(text)
        reg.update(names)
        if "province" in names:
            draft.comment(("region", "province"), "the first province named in the text")
    data["region"] = reg

    # ---- agency
    ag: dict[str, Any] = {}
    lines = draft.agency_lines
    if lines:
        counts = Counter((c, n, s) for _l, c, n, s in lines)
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
    if agency:
        if ag.get("code") and ag["code"] != agency:
            draft.warn(lines[0][0] if lines else 1, "agency.code",
                       f"--agency {agency} given, but the text prints {ag['code']}; kept {agency}")
        ag["code"] = agency
    if not ag.get("name"):
        draft.warn(1, "agency.name", "no agency name found in the text; fill in agency.name")
    data["agency"] = {k: ag[k] for k in ("code", "name", "scope") if k in ag}

    # ---- source
    src: dict[str, Any] = {}
    if draft.title_line:
        src["title"] = draft.title_line[1]
    elif ag.get("name") and found_year:
        src["title"] = f"{ag['name']}{found_year}年部门预算绩效目标"
        draft.comment(("source", "title"), "composed from the agency name and year: the text prints no title")
        draft.notes.insert(0, "The text prints no document title; the title is composed from the agency name and the year.")
    else:
        draft.warn(1, "source.title", "no title found and none could be composed; fill in source.title")
    note = f"Imported by site-builder import from {draft.source_name} (layout: {draft.layout or 'unknown'})."
    if draft.notes:
        note += " " + " ".join(draft.notes)
    src["note"] = note
    data["source"] = src
    data["schema"] = 1
    data["unit"] = "万元"

    ordered = {k: data[k] for k in ORDER if k in data}
    for k, v in data.items():
        if k not in ordered:
            ordered[k] = v
    draft.data = ordered


def _codes(projects: list[dict[str, Any]]) -> dict[str, list[str]]:
    divisions, years = [], []
    for p in projects:
        c = p.get("code") or ""
        if len(c) >= 8 and c[:8].isdigit() and DIVISION_RE.match(c[:6]):
            divisions.append(c[:6])
            years.append(c[6:8])
    return {"divisions": divisions, "years": years}


_PROVINCE_RE = re.compile(r"([\u4e00-\u9fff]{2,3}(?:省|自治区))")


def _names_from_text(text: str) -> dict[str, str]:
    """Province/city/county only as printed together in the text."""
    out: dict[str, str] = {}
    head = compact(text[:20000])
    m = _PROVINCE_RE.search(head)
    if m:
        out["province"] = m.group(1)
    return out


def _completeness(draft: Draft, projects: list[dict[str, Any]]) -> None:
    """A project table without its 效益/满意度 rows was probably cut short."""
    for i, p in enumerate(projects):
        inds = p.get("indicators") or []
        if not inds:
            continue  # the reader already warned
        have = {ind.get("level1") for ind in inds}
        missing = [l1 for l1 in ("产出指标", "效益指标", "满意度指标") if l1 not in have]
        if missing:
            last = draft.project_lines.get(i, (1, 1))[1]
            draft.warn(last, ("projects", i, "indicators"),
                       f"the indicator table has no {'/'.join(missing)} rows; is the text cut short or a row misread?")
