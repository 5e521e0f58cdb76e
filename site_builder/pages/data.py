"""Open data: JSON and CSV of every filing, project and indicator, a
Frictionless data package, and the JSON Schema. The column names and
types are a stable contract documented in docs/data.md.

CSV files are UTF-8 with a byte-order mark so that Excel on Chinese
Windows opens them correctly; JSON keeps amounts as strings of the exact
published decimal (a JSON number would invite float rounding).
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

from ..analysis.site import ZERO, FilingInfo, ProjectInfo, SiteModel
from ..analysis.years import PairCache, YearPair, agency_pairs, pair_targets
from .format import plain

BOM = "\ufeff"

PROJECT_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("agency_code", "string", "单位代码"), ("agency_name", "string", "单位名称"),
    ("year", "integer", "预算年度"), ("project_code", "string", "项目编码"), ("project_name", "string", "项目名称"),
    ("budget_total", "number", "预算数（万元）"), ("budget_fiscal", "number", "财政资金（万元）"),
    ("budget_carryover", "number", "上年结转资金（万元）"), ("budget_other", "number", "其他资金（万元）"),
    ("plan_unit", "string", "资金支出计划单位：percent 或 amount"), ("plan_mar", "number", "3月底累计"),
    ("plan_jun", "number", "6月底累计"), ("plan_oct", "number", "10月底累计"), ("plan_dec", "number", "12月底累计"),
    ("indicator_count", "integer", "绩效指标数"), ("url", "string", "项目页面地址"),
]
INDICATOR_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("agency_code", "string", "单位代码"), ("year", "integer", "预算年度"),
    ("project_code", "string", "项目编码"), ("project_name", "string", "项目名称"), ("level1", "string", "一级指标"),
    ("level2", "string", "二级指标"), ("name", "string", "三级指标"), ("description", "string", "绩效指标描述"),
    ("target", "string", "指标值（原文）"), ("target_op", "string", "比较符：≥ ≤ > < = 或空"),
    ("target_value", "number", "指标值数值"), ("target_unit", "string", "指标值单位"),
    ("basis", "string", "指标值确定依据"), ("url", "string", "项目页面地址"),
]
FILING_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("region_name", "string", "地区"), ("agency_code", "string", "单位代码"),
    ("agency_name", "string", "单位名称"), ("year", "integer", "预算年度"), ("project_count", "integer", "项目数"),
    ("budget_total", "number", "项目支出预算合计（万元）"), ("indicator_count", "integer", "绩效指标数"),
    ("note_count", "integer", "一致性提示数"), ("url", "string", "页面地址"),
]
NOTE_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("agency_code", "string", "单位代码"), ("year", "integer", "预算年度"),
    ("project_code", "string", "项目编码（单位整体的提示为空）"), ("project_name", "string", "项目名称（单位整体的提示为空）"),
    ("code", "string", "提示类型代码，说明见方法说明页 #note-<code>"), ("severity", "string", "性质：warning 或 info"),
    ("field", "string", "提示所指的字段路径"), ("message", "string", "提示内容"),
    ("url", "string", "项目（或单位文件）页面地址"),
]


PROJECT_CHANGE_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("agency_code", "string", "单位代码"), ("agency_name", "string", "单位名称"),
    ("year_from", "integer", "上一份文件的预算年度"), ("year_to", "integer", "本份文件的预算年度"),
    ("status", "string", "continued（延续）、new（新增）或 ended（未再列出）"),
    ("match", "string", "对应方式：code（项目编码，不计年份）或 name（规范化的项目名称）；新增和未再列出的为空"),
    ("project_code_from", "string", "上一年度的项目编码"), ("project_name_from", "string", "上一年度的项目名称"),
    ("project_code_to", "string", "本年度的项目编码"), ("project_name_to", "string", "本年度的项目名称"),
    ("budget_from", "number", "上一年度预算数（万元）"), ("budget_to", "number", "本年度预算数（万元）"),
    ("change", "number", "预算数的变化（万元，精确值；新增的为本年度预算数，未再列出的为负的上一年度预算数）"),
    ("url_from", "string", "上一年度项目页面地址"), ("url_to", "string", "本年度项目页面地址"),
]
TARGET_CHANGE_COLUMNS = [
    ("region_code", "string", "行政区划代码"), ("agency_code", "string", "单位代码"),
    ("year_from", "integer", "上一份文件的预算年度"), ("year_to", "integer", "本份文件的预算年度"),
    ("project_code_to", "string", "本年度的项目编码"), ("project_name_to", "string", "本年度的项目名称"),
    ("match", "string", "项目的对应方式：code 或 name"),
    ("status", "string", "lowered（要求降低）、raised（要求提高）、value（数值改变，未写比较方向）、"
                         "wording（表述改变）、added（新增的指标）或 dropped（不再列出的指标）"),
    ("level1", "string", "一级指标"), ("level2", "string", "二级指标"),
    ("name_from", "string", "上一年度的三级指标"), ("name_to", "string", "本年度的三级指标"),
    ("target_from", "string", "上一年度的指标值（原文）"), ("target_to", "string", "本年度的指标值（原文）"),
    ("url_to", "string", "本年度项目页面地址"),
]


def project_change_rows(pairs: Iterable[YearPair], absolute) -> Iterable[list[str]]:
    """Each agency's consecutive filings: every project of either, matched,
    new or ended, with both years' keys and the exact change."""
    for p in pairs:
        f_old, f_new = p.old.filing, p.new.filing
        head = [f_new.region.code, f_new.agency.code or "", f_new.agency.name, str(f_old.year), str(f_new.year)]
        for c in p.continued:
            yield head + ["continued", c.rule, c.old.project.code or "", c.old.name, c.new.project.code or "",
                          c.new.name, plain(c.before), plain(c.after), plain(c.change), absolute(c.old.url),
                          absolute(c.new.url)]
        for a in p.added:
            b = a.project.budget.total
            yield head + ["new", "", "", "", a.project.code or "", a.name, "", plain(b), plain(b), "", absolute(a.url)]
        for e in p.ended:
            b = e.project.budget.total
            yield head + ["ended", "", e.project.code or "", e.name, "", "", plain(b), "", plain(ZERO - b), absolute(e.url), ""]


def target_change_rows(diffs: Iterable[tuple[YearPair, list]], absolute) -> Iterable[list[str]]:
    """The indicators of each continued project whose target changed, and
    those added or dropped (``diffs``: each pair with ``analysis.years.pair_targets``)."""
    for p, changes in diffs:
        f_old, f_new = p.old.filing, p.new.filing
        for c, d in changes:
            head = [f_new.region.code, f_new.agency.code or "", str(f_old.year), str(f_new.year),
                    c.new.project.code or "", c.new.name, c.rule]
            url = absolute(c.new.url)
            for t in d.changed:
                yield head + [t.verdict, t.new.level1, t.new.level2, t.old.name, t.new.name, t.old.target, t.new.target, url]
            for r in d.added:
                yield head + ["added", r.level1, r.level2, "", r.name, "", r.target, url]
            for r in d.dropped:
                yield head + ["dropped", r.level1, r.level2, r.name, "", r.target, "", url]


def project_row(p: ProjectInfo, absolute) -> list[str]:
    info = p.filing
    f = info.filing
    b = p.project.budget
    plan = p.project.spending_plan
    return [
        f.region.code, f.agency.code or "", f.agency.name, str(f.year), p.project.code or "", p.project.name,
        plain(b.total), plain(b.fiscal), plain(b.carryover), plain(b.other),
        plan.unit if plan else "", *(plain(getattr(plan, k)) if plan else "" for k in ("mar", "jun", "oct", "dec")),
        str(len(p.project.indicators)), absolute(p.url),
    ]


def indicator_rows(p: ProjectInfo, absolute) -> Iterable[list[str]]:
    f = p.filing.filing
    for ind in p.project.indicators:
        t = ind.parsed
        yield [
            f.region.code, f.agency.code or "", str(f.year), p.project.code or "", p.project.name,
            ind.level1, ind.level2, ind.name, ind.description or "", ind.target, t.op,
            plain(t.value), t.unit, ind.basis or "", absolute(p.url),
        ]


def filing_row(info: FilingInfo, absolute) -> list[str]:
    f = info.filing
    return [
        f.region.code, f.region.name, f.agency.code or "", f.agency.name, str(f.year), str(len(info.projects)),
        plain(info.totals.total), str(info.totals.indicators), str(len(info.notes)), absolute(info.url),
    ]


def note_rows(info: FilingInfo, absolute) -> Iterable[list[str]]:
    f = info.filing
    for n in info.notes:
        p = info.projects[n.project_index] if n.project_index is not None else None
        yield [
            f.region.code, f.agency.code or "", str(f.year), (p.project.code or "") if p else "",
            p.project.name if p else "", n.code, n.severity, n.field, n.message_zh, absolute(p.url if p else info.url),
        ]


def to_csv(columns: list[tuple[str, str, str]], rows: Iterable[list[str]]) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c[0] for c in columns])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return format(o, "f")
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o))


def filing_json(info: FilingInfo, absolute) -> dict[str, Any]:
    """The filing as published (format v1), plus ids, URLs and parsed targets."""
    # review items are the editors' to-do list, not published data
    data = info.filing.model_dump(by_alias=True, exclude_none=True, exclude={"review"}, mode="python")
    for p_data, p in zip(data["projects"], info.projects):
        p_data["url"] = absolute(p.url)
        for ind_data, ind in zip(p_data.get("indicators", []), p.project.indicators):
            t = ind.parsed
            ind_data["target_parsed"] = {"kind": t.kind, "op": t.op, "value": t.value, "unit": t.unit, "date": t.date}
    data["url"] = absolute(info.url)
    data["totals"] = {"budget_total": info.totals.total, "fiscal": info.totals.fiscal,
                      "carryover": info.totals.carryover, "other": info.totals.other}
    return data


def dumps(data: Any) -> bytes:
    # no indent: only then does json use its C encoder (10x faster at 10,000 filings)
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_json_default) + "\n").encode("utf-8")


def schema_bytes() -> bytes:
    return (Path(__file__).resolve().parents[1] / "schema" / "filing.schema.json").read_bytes()


def datapackage(config_title: str, base: str) -> dict[str, Any]:
    def resource(name: str, path: str, columns: list[tuple[str, str, str]], title: str) -> dict[str, Any]:
        return {
            "name": name, "path": path, "title": title, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8-sig", "profile": "tabular-data-resource",
            "schema": {"fields": [{"name": n, "type": t, "description": d} for n, t, d in columns]},
        }

    return {
        "profile": "tabular-data-package",
        "name": "budget-performance-filings",
        "title": config_title,
        "homepage": base,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            resource("filings", "filings.csv", FILING_COLUMNS, "部门预算绩效目标（每份一行）"),
            resource("projects", "projects.csv", PROJECT_COLUMNS, "预算项目（每个项目一行）"),
            resource("indicators", "indicators.csv", INDICATOR_COLUMNS, "绩效指标（每条指标一行）"),
            resource("notes", "notes.csv", NOTE_COLUMNS, "一致性提示（每条提示一行）"),
            resource("project_changes", "project_changes.csv", PROJECT_CHANGE_COLUMNS,
                     "历年对比：每个单位相邻两份文件的项目对应与预算变化"),
            resource("target_changes", "target_changes.csv", TARGET_CHANGE_COLUMNS,
                     "历年对比：延续项目中指标值有变化、新增或不再列出的指标"),
        ],
    }


def csv_rows(rows: Iterable[list[str]]) -> bytes:
    """CSV lines without header or BOM: the per-filing chunk of a site-wide file."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def filing_chunks(info: FilingInfo, absolute) -> dict[str, bytes]:
    """This filing's rows of every site-wide file. They depend on this filing
    alone, so a rebuild after one edit re-makes one chunk and joins the rest."""
    return {
        "filings.csv": csv_rows([filing_row(info, absolute)]),
        "projects.csv": csv_rows(project_row(p, absolute) for p in info.projects),
        "indicators.csv": csv_rows(r for p in info.projects for r in indicator_rows(p, absolute)),
        "notes.csv": csv_rows(note_rows(info, absolute)),
        "filings.json": json.dumps(filing_summary(info, absolute), ensure_ascii=False, default=_json_default).encode("utf-8"),
    }


_SITE_CSV = {"filings.csv": FILING_COLUMNS, "projects.csv": PROJECT_COLUMNS,
             "indicators.csv": INDICATOR_COLUMNS, "notes.csv": NOTE_COLUMNS}


def site_data_files(site: SiteModel, absolute, title: str, chunks: Callable[[FilingInfo], dict[str, bytes]] | None = None
                    ) -> dict[str, bytes]:
    """The site-wide files under /data/ (depend on every filing), joined from
    per-filing chunks (``chunks`` may serve them from a cache), in memory."""
    files: dict[str, bytes] = {}

    class Kept(io.BytesIO):
        def __init__(self, rel: str):
            super().__init__()
            self.rel = rel

        def close(self) -> None:
            files[self.rel] = self.getvalue()
            super().close()

    write_site_data(Kept, site, absolute, title, chunks or (lambda info: filing_chunks(info, absolute)))
    return files


def write_site_data(open_file: Callable[[str], BinaryIO], site: SiteModel, absolute, title: str,
                    chunks: Callable[[FilingInfo], dict[str, bytes]]) -> list[str]:
    """The site-wide files under /data/ (they depend on every filing),
    written from per-filing chunks part by part into files that
    ``open_file(path)`` opens, so that a build never joins the ~200 MB of a
    10,000-filing site in memory. Returns the paths written."""
    joined = [*_SITE_CSV, "filings.json"]
    outs = {name: open_file(f"data/{name}") for name in joined}
    try:
        for name, cols in _SITE_CSV.items():
            outs[name].write(to_csv(cols, ()))
        outs["filings.json"].write(b"[\n")
        for n, info in enumerate(site.filings):
            c = chunks(info)
            for name in _SITE_CSV:
                outs[name].write(c[name])
            outs["filings.json"].write((b",\n" if n else b"") + c["filings.json"])
        outs["filings.json"].write(b"\n]\n")
    finally:
        for fh in outs.values():
            fh.close()
    # year over year: pairs of filings, so not per-filing chunks; matched from the light filings
    cache = PairCache(site.memo)
    pairs = [p for ag in site.agencies for p in reversed(agency_pairs(ag, cache))]
    with open_file("data/project_changes.csv") as fh:  # pair by pair, never the whole file in memory
        fh.write(to_csv(PROJECT_CHANGE_COLUMNS, ()))
        for p in pairs:
            fh.write(csv_rows(project_change_rows([p], absolute)))
    with open_file("data/target_changes.csv") as fh:
        fh.write(to_csv(TARGET_CHANGE_COLUMNS, ()))
        for p in pairs:
            fh.write(csv_rows(target_change_rows([(p, pair_targets(p))], absolute)))
    for name, data in (("datapackage.json", dumps(datapackage(title, absolute("/")))),
                       ("filing.schema.json", schema_bytes())):
        with open_file(f"data/{name}") as fh:
            fh.write(data)
    return [f"data/{name}" for name in (*joined, *YEAR_FILES, "datapackage.json", "filing.schema.json")]


YEAR_FILES = ("project_changes.csv", "target_changes.csv")


def filing_summary(info: FilingInfo, absolute) -> dict[str, Any]:
    f = info.filing
    return {
        "region": f.region.model_dump(exclude_none=True), "agency": f.agency.model_dump(exclude_none=True),
        "year": f.year, "projects": len(info.projects), "budget_total": info.totals.total,
        "indicators": info.totals.indicators, "notes": len(info.notes), "url": absolute(info.url),
        "json": absolute(info.json_url), "csv": absolute(info.csv_url),
    }


def filing_downloads(info: FilingInfo, absolute) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The filing's own downloads and its chunks of the site-wide files."""
    chunks = filing_chunks(info, absolute)
    return filing_files(info, absolute, chunks), chunks


def filing_files(info: FilingInfo, absolute, chunks: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Per-filing downloads linked from the filing page. The CSV is the
    filing's chunk of indicators.csv under its own header (``chunks``: this
    filing's ``filing_chunks``, if made already)."""
    rows = (chunks or filing_chunks(info, absolute))["indicators.csv"]
    return {
        info.json_url.lstrip("/"): dumps(filing_json(info, absolute)),
        info.csv_url.lstrip("/"): to_csv(INDICATOR_COLUMNS, ()) + rows,
    }
