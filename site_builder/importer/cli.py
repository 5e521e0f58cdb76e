"""``site-builder import FILE [-o OUT.yaml] [--region CODE] [--agency CODE] [--year N]``.

Writes the YAML draft (to OUT.yaml, or to standard output) and the warnings
to standard error as ``FILE:LINE: warning: message (field)``. Exit status 0
when a draft was written, 1 when nothing usable could be read, 2 on bad
arguments. Never a traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import",
        help="turn a filing's published text (.txt extracted from Word/PDF, or a .docx) into a YAML draft",
        description="Read the extracted text of a filing (or a .docx) and write a YAML draft in the filing "
                    "format. Warnings (FILE:LINE: warning: …) name everything that could not be read with "
                    "confidence; comments in the draft mark inferred values.",
    )
    p.add_argument("file", metavar="FILE", help="the filing's text (UTF-8 or GBK) or a .docx file")
    p.add_argument("-o", "--output", metavar="OUT.yaml", help="write the draft here (default: standard output)")
    p.add_argument("--region", metavar="CODE", help="6-digit division code (GB/T 2260), e.g. 130202")
    p.add_argument("--agency", metavar="CODE", help="agency code, e.g. 430001")
    p.add_argument("--year", metavar="N", type=_year, help="budget year, e.g. 2025")
    p.set_defaults(func=cmd_import)
    return p


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()) or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"must be a year between 2000 and 2100, not {text!r}")
    return int(text)


def cmd_import(args: argparse.Namespace) -> int:
    from . import import_file

    src = args.file
    if args.region and not re.fullmatch(r"\d{6}", args.region):
        print(f"site-builder import: --region must be a 6-digit division code such as 130202, not {args.region!r}",
              file=sys.stderr)
        return 2
    if args.agency and not re.fullmatch(r"[0-9A-Za-z]{1,12}", args.agency):
        print(f"site-builder import: --agency must be 1-12 letters or digits, not {args.agency!r}", file=sys.stderr)
        return 2
    if not Path(src).is_file():
        what = "is a folder, not a file" if Path(src).is_dir() else "no such file"
        print(f"site-builder import: {src}: {what}", file=sys.stderr)
        return 1
    if args.output:
        try:
            same = Path(args.output).resolve() == Path(src).resolve()
        except OSError:
            same = False
        if same:
            print(f"site-builder import: the output {args.output} is the input file; choose another name", file=sys.stderr)
            return 2

    result = import_file(src, region=args.region, agency=args.agency, year=args.year)
    for pos, field, message in result.warnings:
        where = f" ({field})" if field else ""
        print(f"{src}:{pos.where}: warning: {message}{where}", file=sys.stderr)
    if not result.usable:
        print(f"site-builder import: nothing usable could be read from {src} "
              "(no project table, overview or unit table); no draft written", file=sys.stderr)
        return 1
    text = result.to_yaml()
    n_proj = len(result.data.get("projects") or [])
    if args.output:
        out = Path(args.output)
        try:
            if out.parent and not out.parent.exists():
                out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            print(f"site-builder import: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"{args.output}: draft with {n_proj} project(s), {len(result.warnings)} warning(s) "
              f"(layout: {result.layout or 'unknown'}); check it, then run `site-builder check {args.output}`",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the import subcommand on its own (until it is wired into site-builder)."""
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
