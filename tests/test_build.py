"""The build's own guarantees on synthetic corpora large enough to start
its worker processes: parallel and serial builds give identical trees,
rebuilds from the saved cache (pack files, prerendered pages) equal clean
builds, and failures in a worker reach the editor intact and leave nothing."""
from __future__ import annotations

import hashlib
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO as ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import run as bench  # noqa: E402

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)


def _digests(tree: Path) -> dict[str, str]:
    return {p.relative_to(tree).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(tree.rglob("*")) if p.is_file()}


def _corpus_root(tmp_path: Path, n: int, seed: int) -> Path:
    """A project root over a fresh synthetic corpus of ``n`` filings."""
    subprocess.run([sys.executable, "-m", "benchmarks.corpus", "--n", str(n), "--out", str(tmp_path / "corpus"),
                    "--seed", str(seed)], cwd=ROOT, check=True, capture_output=True)
    return bench.make_root(tmp_path / "corpus" / "filings", tmp_path / "root")


def _edit_template(root: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the root's layouts/``name`` (a copy: the
    root's layouts are a symlink to the project's)."""
    layouts = root / "layouts"
    if layouts.is_symlink():
        layouts.unlink()
        shutil.copytree(ROOT / "layouts", layouts)
    page = layouts / name
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_parallel_and_serial_builds_are_byte_identical(tmp_path, monkeypatch):
    import site_builder.build.groups as build_module
    import site_builder.build.parse as incremental
    from site_builder.build import build
    from site_builder.cache import BuildCache, Ref

    # workers even for this small corpus: forked before parsing, they parse
    # (writing project pages, setting bytes aside in pack files), then render
    # the agencies' pages beside the parent's listing pages (workers.py)
    monkeypatch.setattr(build_module, "RENDER_POOL_MIN", 1)
    monkeypatch.setattr(incremental, "PARSE_POOL_MIN", 1)

    # which worker pools each build starts, and what a render task carries
    import site_builder.build.workers as workers

    started: list[list[str]] = []
    tasks: list = []
    real_init, real_imap = workers.Workers.__init__, workers.Workers.imap

    def init(self, jobs, **state):
        started.append(sorted(state))
        real_init(self, jobs, **state)

    def imap(self, fn, items):
        items = list(items)
        tasks.extend(items)
        return real_imap(self, fn, items)

    monkeypatch.setattr(workers.Workers, "__init__", init)
    monkeypatch.setattr(workers.Workers, "imap", imap)

    root = _corpus_root(tmp_path, 60, 1)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    r1 = build(root, serial, search=False, jobs=1, clean=True)
    assert started == []
    r2 = build(root, parallel, search=False, jobs=2, clean=True)
    # one pool, forked before parsing, parses and then renders
    assert started == [["parse", "render"]]
    groups = [g for t in tasks if t and isinstance(t[0], build_module.Group) for g in t]
    assert len(groups) == len({g.agency.slug for g in groups}) > 10
    for g in groups:  # the agency without its filings: whole filings by where they are
        assert g.agency.filings == [] and all(isinstance(w, (bytes, Ref)) for w in g.wholes)
        assert len(pickle.dumps(g)) < 4000
    assert r1.pages == r2.pages
    packs = list(BuildCache(root, parallel).folder.glob("pack-*.pack"))
    assert packs  # the parallel build's parse workers set whole filings aside
    a, b = _digests(serial), _digests(parallel)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []

    # a full build from the cache (the output folder gone): no filing is
    # parsed, the workers render every project page from the pack files
    shutil.rmtree(parallel)
    started.clear()
    r3 = build(root, parallel, search=False, jobs=2)
    assert started == [["parse", "render"]]
    assert r3.full and r3.pages == r1.pages
    assert _digests(parallel) == a

    # a rebuild that turns into a full write (many changed pages) forks its
    # workers when it renders
    import site_builder.build.plan as plan

    monkeypatch.setattr(plan, "FULL_REBUILD_THRESHOLD", 0)
    _edit_template(root, "regions.html", "{% endblock %}", "<!-- edited -->{% endblock %}")
    started.clear()
    r4 = build(root, parallel, search=False, jobs=2)
    assert r4.full and started == [["render"]]
    build(root, serial, search=False, jobs=1, clean=True)
    assert _digests(parallel) == _digests(serial) != a


def test_worker_builds_from_the_cache_equal_clean_builds(tmp_path):
    """Above 200 changed filings, parse workers analyse the filings, write
    their project pages and downloads at once (Prerender) and set whole
    filings aside in pack files (pack.py). A rebuild after an edit that reads
    them back from the saved cache equals a clean build, byte for byte, and
    pack files no saved state refers to are deleted."""
    from site_builder.build import build
    from site_builder.cache import BuildCache

    root = _corpus_root(tmp_path, 220, 2)
    out = tmp_path / "out"
    first = build(root, out, search=False, jobs=2)
    assert first.full
    cache = BuildCache(root, out).folder
    packs = sorted(cache.glob("pack-*.pack"))
    assert len(packs) == 2  # one per parse worker

    edited = bench.edit_one_filing(root)
    again = build(root, out, search=False, jobs=2)
    assert not again.full and 0 < len(again.rendered) < 200
    assert any(edited.stem.split("-")[0] in p for p in again.rendered)

    clean = tmp_path / "clean"
    build(root, clean, search=False, jobs=1, clean=True)
    a, b = _digests(out), _digests(clean)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []

    build(root, out, search=False, jobs=2, clean=True)  # new packs; the old ones are no longer referred to
    now = sorted(cache.glob("pack-*.pack"))
    assert len(now) == 2 and not set(now) & set(packs)


def test_a_failing_full_build_with_written_project_pages_leaves_nothing(tmp_path):
    """A full build writes project pages while it parses (Prerender). When a
    file further on is broken, the build fails naming its file and line, the
    previous output stays as it was, and no staging folder is left behind."""
    from site_builder.build import build
    from site_builder.errors import BuildError

    root = _corpus_root(tmp_path, 220, 3)
    out = tmp_path / "out"
    build(root, out, search=False, jobs=2)
    before = _digests(out)

    broken = sorted((root / "content" / "filings").glob("*.yaml"))[-1]
    text = broken.read_text(encoding="utf-8")
    broken.unlink()  # a copy, not the corpus file behind the link
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("total:"))
    lines[at] = lines[at].split("total:")[0] + "total: 十二万"
    broken.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(BuildError) as failed:
        build(root, out, search=False, jobs=2, clean=True)
    message = str(failed.value)
    assert f"{broken}:{at + 1}:" in message and "must be an amount written as a number" in message
    assert _digests(out) == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name or ".old-" in p.name]


@pytest.mark.parametrize("template", ["project.html", "filing.html"])
def test_a_template_error_in_a_worker_reaches_the_editor_intact(tmp_path, monkeypatch, template):
    """A page that fails to render in a worker (project pages while parsing,
    filing pages later) fails the build with the page, the template and the
    cause — the error crosses a process boundary, and once arrived as one
    character per line — and the last good output stays."""
    import pickle

    import site_builder.build.groups as build_module
    import site_builder.build.parse as incremental
    from site_builder.build import build
    from site_builder.errors import BuildError
    from site_builder.content.load import Problem
    from site_builder.search import SearchIndexError

    for err in (BuildError([], "rendering /x/ failed: boom"), SearchIndexError("Pagefind failed"),
                BuildError([Problem("a.yaml", 3, 5, "error", "bad", "agency.code")])):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err) and back.problems == err.problems

    monkeypatch.setattr(build_module, "RENDER_POOL_MIN", 1)
    monkeypatch.setattr(incremental, "PARSE_POOL_MIN", 1)
    root = _corpus_root(tmp_path, 30, 1)
    out = tmp_path / "public"
    build(root, out, search=False, jobs=2)
    before = _digests(out)
    _edit_template(root, template, "{% block content %}", "{% block content %}{{ info.no_such_field }}")
    with pytest.raises(BuildError) as caught:
        build(root, out, search=False, jobs=2, clean=True)
    message = str(caught.value)
    [problem] = caught.value.problems
    line = (root / "layouts" / template).read_text(encoding="utf-8").split("{% block content %}")[0].count("\n") + 1
    assert (problem.file, problem.line) == (str(root / "layouts" / template), line), message
    assert "no_such_field" in problem.message and "(rendering /agencies/" in problem.message
    assert message == problem.format() and "\n" not in message
    assert _digests(out) == before


def test_a_light_filing_hashes_alike_in_a_worker_and_in_a_process_of_its_own(tmp_path):
    """The site-wide pages depend on a hash of each light filing's pickle
    (``listing:`` dependencies). It must not depend on which process parsed
    the filing or what that process had parsed before, or the preview's
    first edit of a filing that a build's worker parsed re-renders all its
    listings: pydantic-core's string cache once made equal names of one
    filing one object or two by what had been validated before."""
    from site_builder.build import Project
    from site_builder.build.inputs import read_inputs
    from site_builder.build.parse import file_hash, file_stat, parse_all, parse_one

    root = _corpus_root(tmp_path, 600, seed=5)
    inputs = read_inputs(Project(root), None)
    taxonomy = inputs.taxonomy()
    todo = []
    for path in sorted(str(p) for p in (root / "content" / "filings").glob("*.yaml")):
        stat, st = file_stat(path)
        todo.append((path, stat, file_hash(path, st)))
    in_workers = {c.key: c.info.listing_hash for c in parse_all(todo, taxonomy, inputs.taxonomy_fp, 2)}
    one_by_one = {k: parse_one(k, st, d, taxonomy, inputs.taxonomy_fp).info.listing_hash for k, st, d in reversed(todo)}
    assert len(in_workers) == 600 and all(in_workers.values())
    assert in_workers == one_by_one
