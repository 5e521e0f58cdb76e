"""Stage 2: turn parsed YAML into immutable typed filings, collecting every
problem (not only the first) with its file, line, column and field.

Errors stop a build. Warnings are things an editor should look at (a project
code whose division or year disagrees with the filing, an indicator level
outside the standard template). Inconsistencies that real filings contain —
parts that do not add up, a missing plan checkpoint — are neither: the data
loads, and the analysis stage turns them into consistency notes.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .load import (Document, LoadError, Position, Problem, Scalar, find_yaml_files, format_path, node_position,
                   parse_text, plain_data, read_filing)
from .model import LEVEL1, LEVEL2, MAX_DECIMALS, Filing, field_label


@dataclass(frozen=True)
class LoadedFiling:
    """A valid filing and the file it came from."""

    path: str
    filing: Filing
    # where agency.code is written, for errors that involve two files; the
    # whole Document is not kept (it is large and holds libyaml marks)
    agency_position: Position = field(compare=False, repr=False)


@dataclass
class Result:
    filings: list[LoadedFiling]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _plain(value: Any) -> Any:
    """Scalars → str / None, keeping structure; numbers stay as their text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Scalar):
        return None if value.is_null else str(value)
    return value


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at ``path`` (for did-you-mean)."""
    cls: Any = Filing
    for part in path:
        if isinstance(part, int):
            continue
        fields = cls.model_fields
        name = "schema_" if part == "schema" and "schema_" in fields else part
        if name not in fields:
            return None
        ann = fields[name].annotation
        cls = _innermost_model(ann)
        if cls is None:
            return None
    return cls


def _innermost_model(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in get_args(ann) or ():
        found = _innermost_model(arg)
        if found is not None:
            return found
    if get_origin(ann) is Union:  # pragma: no cover - covered by get_args
        return None
    return None


def _field_names(cls: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in cls.model_fields.items()]


def _message(err: dict[str, Any], path: tuple[Any, ...], raw: Any) -> str:
    kind = err["type"]
    label = field_label(path)
    what = f"'{path[-1]}'" + (f" ({label})" if label else "") if path and isinstance(path[-1], str) else "this value"
    shown = repr(str(raw)) if isinstance(raw, str) else ""
    if kind == "missing":
        return f"required field {what} is missing"
    if kind == "extra_forbidden":
        parent = _model_at(path[:-1])
        names = _field_names(parent) if parent else []
        guess = difflib.get_close_matches(str(path[-1]), names, n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else (f"; allowed here: {', '.join(names)}" if names else "")
        return f"unknown field '{path[-1]}'{hint}"
    if kind in ("amount_text", "decimal_parsing", "decimal_type"):
        got = shown or ("a list" if isinstance(raw, list) else "a mapping" if isinstance(raw, dict) else "an empty value")
        # 1e3, 1_000, .nan, 0x10, ٣: Python would read them, a filing never prints them
        how = "; write it as printed: digits and at most one decimal point" if shown else ""
        return f"{what} must be an amount written as a number (e.g. 241.74), not {got}{how}"
    if kind == "greater_than_equal" and path and path[-1] != "year":
        return f"{what} must not be negative (got {raw})"
    if kind == "decimal_max_places":
        return f"{what} has more than {MAX_DECIMALS} decimals (got {raw}); amounts in 万元 have at most {MAX_DECIMALS}"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{what} is not a plausible amount (got {raw})"
    if kind == "finite_number":
        return f"{what} must be a finite amount (got {raw})"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        got = "a list" if isinstance(raw, list) else (f"the text {shown}" if isinstance(raw, str) else "nothing")
        return f"{what} must be a mapping of fields (key: value), but got {got}"
    if kind in ("tuple_type", "list_type"):
        got = "a mapping" if isinstance(raw, dict) else (f"the text {shown}" if isinstance(raw, str) else "nothing")
        return f"{what} must be a list (lines starting with '- '), but got {got}"
    if kind in ("string_type",):
        got = "a list" if isinstance(raw, list) else "a mapping" if isinstance(raw, dict) else "nothing"
        return f"{what} must be text, but got {got}"
    if kind == "string_too_short":
        return f"{what} must not be empty"
    if kind == "too_short":
        return f"{what} must have at least one entry"
    if kind == "string_pattern_mismatch":
        last = path[-1] if path else ""
        parent = path[-2] if len(path) > 1 else ""
        if parent == "region" and last == "code":
            return f"region.code must be a 6-digit GB/T 2260 division code such as \"130202\" (got {shown})"
        if parent == "agency" and last == "code":
            return f"agency.code must be 1-12 letters or digits such as \"430001\" (got {shown})"
        if last == "code":
            return f"project code must be 4-40 ASCII letters or digits, as printed in 项目编码 (got {shown})"
        if last == "url":
            return f"source.url must be an http:// or https:// address (got {shown})"
        return f"{what} has an invalid form (got {shown})"
    if path and path[-1] == "year" or kind in ("int_parsing", "int_from_float", "greater_than_equal", "less_than_equal"):
        if path and path[-1] == "year":
            return f"year must be a budget year between 2000 and 2100 (got {shown or raw})"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{what} must be one of {expected} (got {shown or raw})"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"{what} must be a date written YYYY-MM-DD (got {shown or raw})"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    return f"{what}: {err['msg']}"


def _raw_at(data: Any, path: tuple[Any, ...]) -> Any:
    cur = data
    for part in path:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def validate_document(doc: Document) -> tuple[Filing | None, list[Problem]]:
    """Validate one parsed file. Returns the filing (None on errors) and problems."""
    problems: list[Problem] = []

    def report(path: tuple[Any, ...], message: str, severity: str = "error", *, key: bool = False) -> None:
        pos = doc.key_position(path) if key else doc.position(path)
        problems.append(Problem(doc.path, pos.line, pos.column, severity, message, format_path(path)))

    data = doc.data
    if not isinstance(data, dict):
        report((), "a filing must be a mapping of fields (schema:, year:, region: …), not a list or a single value")
        return None, problems

    plain = _plain(data)
    try:
        filing = Filing.model_validate(plain)
    except ValidationError as exc:
        for err in exc.errors():
            path = tuple(err["loc"])
            # pydantic reports a literal/union per member; skip the noise
            if err["type"] == "union_tag_invalid":
                continue
            raw = _raw_at(data, path)
            if isinstance(raw, Scalar) and raw.is_null:
                raw = None  # an empty value, not the text ''
            # pydantic counts only the items that validated: a list whose
            # items all have errors also gets a bogus "at least one entry"
            if err["type"] == "too_short" and isinstance(raw, list) and raw:
                continue
            report(path, _message(err, path, raw), key=err["type"] == "extra_forbidden")
        _review_warnings(data.get("review"), report)  # a draft with errors still lists what to check
        problems.sort(key=lambda p: (p.line, p.column))
        return None, problems

    _check_filing(filing, report)
    return (filing if not any(p.severity == "error" for p in problems) else None), problems


def _review_message(check: str, field: str | None, source: str | None) -> str:
    where = f" ({source})" if source else ""
    what = f"{field}: " if field else ""
    return (f"review item not yet resolved: {what}{check}{where}; "
            "check it against the published document, then delete the entry")


def _review_warnings(raw: Any, report: Any) -> None:
    """Review entries of a file that has errors (no Filing was made)."""
    if not isinstance(raw, list):
        return
    for k, item in enumerate(raw):
        if isinstance(item, dict) and isinstance(item.get("check"), Scalar) and not item["check"].is_null:
            get = lambda key: str(item[key]) if isinstance(item.get(key), Scalar) and not item[key].is_null else None  # noqa: E731
            report(("review", k), _review_message(str(item["check"]), get("field"), get("source")), "warning")


def _check_filing(filing: Filing, report: Any) -> None:
    """Rules across fields of one filing that a schema cannot express."""
    for k, item in enumerate(filing.review):
        report(("review", k), _review_message(item.check, item.field, item.source), "warning")
    seen: dict[str, int] = {}
    yy = f"{filing.year % 100:02d}"
    for i, project in enumerate(filing.projects):
        if project.code:
            if project.code in seen:
                report(("projects", i, "code"),
                       f"project code {project.code} is used twice in this filing (also projects[{seen[project.code]}], "
                       f"{filing.projects[seen[project.code]].name}); each project needs its own code")
            else:
                seen[project.code] = i
            if len(project.code) >= 8 and project.code[:6].isdigit():
                if project.code[:6] != filing.region.code:
                    report(("projects", i, "code"),
                           f"project code {project.code} starts with division {project.code[:6]}, "
                           f"but the filing's region.code is {filing.region.code}", "warning")
                elif project.code[6:8].isdigit() and project.code[6:8] != yy:
                    report(("projects", i, "code"),
                           f"project code {project.code} carries year 20{project.code[6:8]}, "
                           f"but the filing's year is {filing.year}", "warning")
        for j, ind in enumerate(project.indicators):
            if ind.level1 not in LEVEL1:
                report(("projects", i, "indicators", j, "level1"),
                       f"一级指标 '{ind.level1}' is not one of {'、'.join(LEVEL1)}; check the transcription", "warning")
            elif ind.level2 not in LEVEL2[ind.level1]:
                report(("projects", i, "indicators", j, "level2"),
                       f"二级指标 '{ind.level2}' is not a standard level under {ind.level1} "
                       f"({'、'.join(LEVEL2[ind.level1])}); check the transcription", "warning")


def validate_paths(paths: Iterable[str | os.PathLike[str]]) -> Result:
    """Load and validate every YAML file under ``paths``; check across files."""
    filings: list[LoadedFiling] = []
    problems: list[Problem] = []
    for path in find_yaml_files(list(paths), problems):
        loaded, file_problems = validate_file(path)
        problems.extend(file_problems)
        if loaded is not None:
            filings.append(loaded)
    problems.extend(check_across(filings))
    return Result(filings, problems)


def validate_file(path: str | os.PathLike[str]) -> tuple[LoadedFiling | None, list[Problem]]:
    try:
        text = read_filing(path)
    except LoadError as exc:
        return None, [exc.problem]
    fast, node = _validate_fast(text)
    if fast is not None:
        return LoadedFiling(str(path), fast, node_position(node, ("agency", "code"))), []
    try:
        doc = parse_text(text, str(path))
    except LoadError as exc:
        return None, [exc.problem]
    filing, problems = validate_document(doc)
    return (LoadedFiling(str(path), filing, doc.position(("agency", "code"))) if filing else None), problems


def _validate_fast(text: str) -> tuple[Filing | None, Any]:
    """A well-formed filing with nothing to report, validated without
    keeping source positions (~40% of the parse time). Anything else —
    unusual YAML, a schema error, a warning — returns None, and the full path
    (``parse_text`` + ``validate_document``) reports it with line and column."""
    data, node = plain_data(text)
    if not isinstance(data, dict):  # includes the _SLOW marker
        return None, None
    try:
        filing = Filing.model_validate(data)
    except ValidationError:
        return None, None
    found: list[str] = []
    _check_filing(filing, lambda *args, **kw: found.append("x"))
    return (None, None) if found else (filing, node)


def check_across(filings: list[LoadedFiling]) -> list[Problem]:
    """Two files must not claim the same region + agency + year."""
    problems: list[Problem] = []
    first: dict[tuple[str, str, int], LoadedFiling] = {}
    for lf in filings:
        key = lf.filing.key
        if key in first:
            other = first[key]
            pos = lf.agency_position
            agency = f"agency {key[1]}" if key[1] else "an agency without code"
            problems.append(Problem(
                lf.path, pos.line, pos.column, "error",
                f"region {key[0]}, {agency}, year {key[2]} is already the filing {other.path}; "
                "each agency has one filing per year (merge them or fix the codes)",
                "agency.code",
            ))
        else:
            first[key] = lf
    return problems


def money(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)
