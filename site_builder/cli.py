"""The ``site-builder`` command: orchestration only, no logic of its own."""
from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
from pathlib import Path

DEFAULT_CONTENT = "content"


def cmd_check(args: argparse.Namespace) -> int:
    from .content.validate import validate_paths

    paths = args.paths or [DEFAULT_CONTENT]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"site-builder check: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = validate_paths(_filing_paths(paths))
    problems = [p for folder in paths if _is_content(folder) for p in _settings_problems(Path(folder))]
    problems += result.problems
    errors = sum(p.severity == "error" for p in problems)
    if args.format == "json":
        json.dump(
            {
                "ok": not errors,
                "filings": len(result.filings),
                "errors": errors,
                "warnings": len(problems) - errors,
                "problems": [p.as_dict() for p in problems],
            },
            sys.stdout, ensure_ascii=False, indent=2,
        )
        print()
    else:
        for p in problems:
            print(p.format())
        summary = f"{len(result.filings)} filing(s) valid, {errors} error(s), {len(problems) - errors} warning(s)"
        print(summary, file=sys.stderr)
    return 0 if not errors else 1


def _settings_problems(content: Path) -> list:
    """What a build would refuse in a content folder's site.yaml and taxonomy.yaml."""
    from .analysis.categories import TaxonomyError, load_taxonomy
    from .content.config import ConfigError, load_config

    problems = []
    try:
        load_config(content)
    except ConfigError as exc:
        problems += exc.problems
    try:
        load_taxonomy(content / "taxonomy.yaml")
    except TaxonomyError as exc:
        problems += exc.problems
    return problems


class Terminated(BaseException):
    """SIGTERM (a CI job cancelled, ``kill``): stopped like Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def os_error(exc: OSError) -> str:
    """One line for an operating-system error: the cause and the path."""
    cause = exc.strerror or str(exc)
    paths = [p for p in (exc.filename, exc.filename2) if p]
    return cause + (f": {' → '.join(map(str, paths))}" if paths else "")


def _output_refused(command: str, exc: Exception) -> int:
    """A folder the tool must not replace (2: fix the command), or one another
    build is writing (1: try again later)."""
    from .output import OutputRefused

    print(f"site-builder {command}: {exc}", file=sys.stderr)
    return 2 if isinstance(exc, OutputRefused) else 1


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build
    from .build.workers import WorkerLost
    from .errors import BuildError
    from .content.config import ConfigError
    from .output import OutputBusy, OutputRefused, PublishIncomplete

    root = Path(args.root)
    out = Path(args.out)
    untouched = f"the previous output in {out}/ is untouched"
    try:
        report = build(root, out, base_path=args.base_path, search=not args.no_search, jobs=args.jobs, clean=args.clean,
                       log=lambda s: print(f"  {s}", file=sys.stderr))
    except (OutputRefused, OutputBusy) as exc:
        return _output_refused("build", exc)
    except (BuildError, ConfigError) as exc:
        print(f"site-builder build: failed; {untouched}.", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    except PublishIncomplete as exc:
        print(f"site-builder build: failed: {exc}", file=sys.stderr)
        return 1
    except WorkerLost as exc:
        print(f"site-builder build: failed: {exc}; {untouched}.", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a folder without permission, a read-only file system
        print(f"site-builder build: failed: {os_error(exc)}; {untouched}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"site-builder build: interrupted; {untouched}.", file=sys.stderr)
        return 130
    except Terminated:
        print(f"site-builder build: terminated; {untouched}.", file=sys.stderr)
        return 143
    for w in report.warnings:
        print(w.format(), file=sys.stderr)
    how = "full build" if report.full else f"{len(report.rendered)} page(s) re-rendered, {len(report.written)} file(s) changed, {len(report.deleted)} removed"
    print(f"Built {report.pages} pages ({report.files} files) from {report.filings} filings "
          f"in {report.seconds:.2f} s ({how}) → {report.out_dir.resolve()}/")
    print(f"Preview: python3 -m http.server -d {args.out} 8000  (then open http://127.0.0.1:8000/)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .output import OutputBusy, OutputRefused
    from .serve import serve

    gc.enable()  # a long-lived process: each rebuild's garbage must go (console_main turned it off)
    try:
        return serve(Path(args.root), Path(args.out), port=args.port, host=args.host, search=args.search)
    except (OutputRefused, OutputBusy) as exc:
        return _output_refused("serve", exc)
    except OSError as exc:
        print(f"site-builder serve: {os_error(exc)}", file=sys.stderr)
        return 1


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import ScaffoldError, new_filing

    try:
        path = new_filing(Path(args.root) / DEFAULT_CONTENT, args.region, args.agency, args.year)
    except ScaffoldError as exc:
        print(f"site-builder new: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}: fill it in from the published filing, then run: site-builder check {path}")
    return 0


def _is_content(path: str) -> bool:
    return Path(path).is_dir() and (Path(path) / "filings").is_dir()


def _filing_paths(paths: list[str]) -> list[str]:
    """``check content/`` means the filings in it (and its settings, checked
    apart), not its YAML files one by one."""
    return [str(Path(p) / "filings") if _is_content(p) else p for p in paths]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="site-builder",
        description="Build a static website from budget performance filings (部门预算绩效目标).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate filings without building; prints file:line:col: messages")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or folders (default: content, i.e. its filings, site.yaml and taxonomy.yaml)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="build the website into an output folder")
    p.add_argument("--out", default="public", help="output folder (default: public)")
    p.add_argument("--root", default=".", help="project folder holding content/, layouts/, static/ (default: .)")
    p.add_argument("--base-path", default=None, help="serve the site under this path, e.g. /budget/ (default: from content/site.yaml)")
    p.add_argument("--no-search", action="store_true", help="skip the Pagefind search index (faster)")
    p.add_argument("--clean", action="store_true", help="ignore the build cache and rebuild everything")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes for rendering (default: all cores)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="live preview: build, serve, rebuild on every edit, reload the browser")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--out", default=".preview", help="preview output folder (default: .preview)")
    p.add_argument("--root", default=".", help="project folder (default: .)")
    p.add_argument("--search", action="store_true", help="build the search index once at start")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("new", help="write a filing skeleton with every section, explained in Chinese")
    p.add_argument("--region", required=True, help="6-digit division code, e.g. 130202")
    p.add_argument("--agency", default=None, help="agency code, e.g. 430001 (leave out when none is printed)")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--root", default=".", help="project folder (default: .)")
    p.set_defaults(func=cmd_new)

    from .importer.cli import add_parser as add_import_parser

    add_import_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)


def console_main() -> None:
    """The ``site-builder`` command. It exits without tearing the heap down:
    after a 10,000-filing build, freeing millions of objects one by one took
    12 s, and the process is about to end anyway (output is flushed first).
    For the same reason the cyclic garbage collector stays off: builds pause
    it (cache.no_gc), and turning it back on made the next allocation
    scan every object made meanwhile (~1.8 s of a rebuild at 10,000 filings,
    for no memory the process would use again). ``serve`` turns it on for
    its long life."""
    gc.disable()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
