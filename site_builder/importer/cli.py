"""``site-builder import FILE|DIR [-o OUT] [--force] [--region CODE] [--agency CODE] [--year N]``.

One file: the YAML draft goes to OUT (a file, or a folder that gets
``<name>.yaml``) or to standard output, and each review item to standard
error as ``FILE:LINE: warning: message (field)`` (``FILE:page 2, table 1,
row 3, cell 4: …`` for binary files). An existing OUT is refused unless
``--force``, as ``new`` refuses; exit 1.

A folder: every file in it that a reader takes (.txt .md .html .htm .docx
.xlsx .xls .pdf, and files without those endings that turn out to be one)
is imported into ``OUT/<name>.yaml``; existing drafts are never replaced.
A summary table follows: file → projects, indicators, review items, or why
it was refused.

Exit status 0 when every draft was written, 1 when a file was refused or
nothing usable was read, 2 on bad arguments. Never a traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXTENSIONS = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".xlsx", ".xls", ".pdf", ".csv", ".tsv"}
MAX_FILES = 100_000


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import",
        help="turn published filings (text, .docx, .xlsx/.xls, .pdf, .html; one file or a folder) into YAML drafts",
        description="Read a published filing — its text as copied from Word, PDF or a web page, or the "
                    ".docx/.xlsx/.xls/.pdf/.html file itself — and write a YAML draft in the filing format. "
                    "Whatever could not be read with confidence is a review item: listed in the draft's review: "
                    "and printed as FILE:LINE: warning: … . Given a folder, imports every file in it.",
    )
    p.add_argument("file", metavar="FILE|DIR", help="a filing (text in UTF-8 or GBK, .docx, .xlsx, .xls, .pdf, .html) "
                                                    "or a folder of them")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="the draft's file, or a folder for <name>.yaml (default for one file: standard output; "
                        "a folder import needs it)")
    p.add_argument("--force", action="store_true", help="replace an existing OUT file (never done for a folder)")
    p.add_argument("--region", metavar="CODE", help="6-digit division code (GB/T 2260), e.g. 130202")
    p.add_argument("--agency", metavar="CODE", help="agency code, e.g. 430001")
    p.add_argument("--year", metavar="N", type=_year, help="budget year, e.g. 2025")
    p.set_defaults(func=cmd_import)
    return p


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()) or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"must be a year between 2000 and 2100, not {text!r}")
    return int(text)


def _err(message: str) -> None:
    print(f"site-builder import: {message}", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    src = args.file
    if args.region and not re.fullmatch(r"\d{6}", args.region):
        _err(f"--region must be a 6-digit division code such as 130202, not {args.region!r}")
        return 2
    if args.agency and not re.fullmatch(r"[0-9A-Za-z]{1,12}", args.agency):
        _err(f"--agency must be 1-12 letters or digits, not {args.agency!r}")
        return 2
    given = {"region": args.region, "agency": args.agency, "year": args.year}
    if Path(src).is_dir():
        if not args.output:
            _err(f"{src} is a folder: give the folder for the drafts with -o, e.g. -o content/filings/")
            return 2
        if Path(args.output).exists() and not Path(args.output).is_dir():
            _err(f"-o {args.output} is a file; a folder import writes into a folder")
            return 2
        return _batch(Path(src), Path(args.output), given)
    if not Path(src).is_file():
        _err(f"{src}: no such file")
        return 1
    out = Path(args.output) if args.output else None
    if out is not None and (out.is_dir() or args.output.endswith(("/", os.sep))):
        out = out / (Path(src).stem + ".yaml")
    if out is not None:
        try:
            same = out.resolve() == Path(src).resolve()
        except OSError:
            same = False
        if same:
            _err(f"the output {out} is the input file; choose another name")
            return 2
        if out.exists() and not args.force:
            _err(f"{out} already exists; nothing was overwritten (use --force to replace it)")
            return 1
    from . import import_file

    result = import_file(src, **given)
    for pos, field, message in result.warnings:
        where = f" ({field})" if field else ""
        print(f"{src}:{pos.where}: warning: {message}{where}", file=sys.stderr)
    if not result.usable:
        _err(f"{src}: nothing usable could be read (no project table, overview or unit table); no draft written")
        return 1
    text = result.to_yaml()
    if out is None:
        sys.stdout.write(text)
        return 0
    written = _write(out, text, replace=args.force)
    if written:
        _err(f"{out}: cannot write it: {written}")
        return 1
    s = _stats(result)
    print(f"{out}: draft with {s.projects} project(s), {s.indicators} indicator(s), {s.review} review item(s) "
          f"(read as: {result.layout or 'unknown'}); check it, then run `site-builder check {out}`", file=sys.stderr)
    return 0


def _write(out: Path, text: str, *, replace: bool) -> str:
    """Write atomically; never replace an existing file unless asked. Returns an error, or ''."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        try:
            if replace:
                os.replace(tmp, out)
            else:
                os.link(tmp, out)  # fails if out exists, even when another process has just created it
        finally:
            tmp.unlink(missing_ok=True)
    except FileExistsError:
        return "it already exists; nothing was overwritten"
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


@dataclass
class Stats:
    projects: int
    indicators: int
    review: int


def _stats(result: Any) -> Stats:
    projects = result.data.get("projects") or []
    return Stats(len(projects), sum(len(p.get("indicators") or []) for p in projects), len(result.warnings))


def _inputs(folder: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = Path(root) / name
            if name.startswith(".") or p.suffix.lower() not in EXTENSIONS:
                continue
            out.append(p)
            if len(out) >= MAX_FILES:
                return out
    return out


def _batch(folder: Path, outdir: Path, given: dict[str, Any]) -> int:
    from . import import_file

    inputs = _inputs(folder)
    if not inputs:
        _err(f"{folder}: no file to import (looked for {', '.join(sorted(EXTENSIONS))})")
        return 1
    rows: list[tuple[str, str, str, str, str]] = []
    taken: set[str] = set()
    refused = 0
    for src in inputs:
        rel = str(src.relative_to(folder))
        name = src.stem + ".yaml"
        k = 2
        while name in taken:  # a.txt and a.pdf in one folder
            name = f"{src.stem}-{k}.yaml"
            k += 1
        taken.add(name)
        out = outdir / name
        if out.exists():
            rows.append((rel, "", "", "", f"refused: {out} exists (never overwritten)"))
            refused += 1
            continue
        result = import_file(src, **given)
        if not result.usable:
            why = next((w[2] for w in result.warnings if not w[1]), "")
            rows.append((rel, "", "", "", "refused: nothing usable read (no project table, overview or unit table)"
                         + (f"; {why}" if why else "")))
            refused += 1
            continue
        error = _write(out, result.to_yaml(), replace=False)
        if error:
            rows.append((rel, "", "", "", f"refused: {out}: {error}"))
            refused += 1
            continue
        s = _stats(result)
        rows.append((rel, str(s.projects), str(s.indicators), str(s.review), f"→ {out}"))
    head = ("file", "projects", "indicators", "review items", "draft / refused")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print(f"{len(rows) - refused} draft(s) written to {outdir}/, {refused} refused")
    return 1 if refused else 0


def main(argv: list[str] | None = None) -> int:
    """Run the import subcommand on its own (the tests call it in process)."""
    parser = argparse.ArgumentParser(prog="site-builder")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_parser(sub)
    args = parser.parse_args(["import", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
