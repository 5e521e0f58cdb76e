"""The output folder's guarantees, tried for real (docs/output.md).

Every case runs on a copy of the project and output folders inside the
test's own temporary folder (``tmp_path``): guarded folders are refused
before anything is read, failures and kills leave the published output
byte-identical, and no command prints a traceback. ``HOME`` is pointed at a
temporary folder wherever the home folder is the subject.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, as_from_a_terminal, copy_project

from site_builder.output import (MARKER, OutputBusy, OutputLock, OutputRefused, Stage, check_output_folder,
                                 memory_folder, recover)
from site_builder.cache import BuildCache
from site_builder.search import SearchIndexError, verify_bundle

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)

FILING = "content/filings/130202-430001-2025.yaml"
PAGEFIND_NAME = "pagefind_extended"


# ---------------------------------------------------------------- helpers

def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links included, by what they point to)
    with the hash of its bytes: the published output, compared whole."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = "-> " + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[str(p.relative_to(root)) + "/"] = "dir"
    return out


def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "proj")


def env(home: Path | None = None, **extra: str) -> dict[str, str]:
    e = {**os.environ, "PYTHONIOENCODING": "utf-8", **extra}
    if home is not None:
        e["HOME"] = str(home)
    return e


def cli(root: Path, *args: str | os.PathLike[str], home: Path | None = None, timeout: float = 120,
        **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_builder.cli", *map(str, args)], cwd=root,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          env=env(home, **extra))


def start(root: Path, *args: str | os.PathLike[str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "site_builder.cli", *map(str, args)], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=env(**extra), start_new_session=True, preexec_fn=as_from_a_terminal)



def edit(root: Path, old: str = "保安保洁物业管理服务", new: str = "保安保洁物业管理服务（改）") -> None:
    f = root / FILING
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")


def leftovers(folder: Path, out: Path, wait: float = 10) -> list[str]:
    """What builds of ``out`` left beside it (stages, journals, search
    scratch), once the deletions they started in processes of their own
    have had ``wait`` seconds to finish."""
    deadline = time.monotonic() + wait
    while True:
        found = sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{out.name}."))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` now (from /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    found.add(k)
                    todo.append(k)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: set[int], seconds: float = 10) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = {p for p in pids if alive(p)}
        if not pids:
            break
        time.sleep(0.05)
    return pids


def stand_in_pagefind(tmp_path: Path, script: str) -> Path:
    """A Pagefind stand-in: ``script`` runs with $REAL set to the real binary."""
    from site_builder.search import find_binary

    path = tmp_path / "pagefind-stand-in"
    path.write_text(f"#!/bin/sh\nREAL='{find_binary()}'\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def slow_pagefind(tmp_path: Path) -> Path:
    """The real Pagefind, started 30 s late, in one process throughout (as
    Pagefind is: a shell's ``sleep`` would be a child outliving it)."""
    from site_builder.search import find_binary

    path = tmp_path / "pagefind-stand-in"
    path.write_text(f"#!{sys.executable}\nimport os, sys, time\ntime.sleep(30)\n"
                    f"os.execv({str(find_binary())!r}, [{str(find_binary())!r}, *sys.argv[1:]])\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture()
def site(tmp_path):
    """A project copy and its built output (with search)."""
    root = project(tmp_path)
    out = tmp_path / "public"
    r = cli(root, "build", "--out", out)
    assert r.returncode == 0, r.stderr
    return root, out


# ---------------------------------------------------------------- the guard

@pytest.mark.parametrize("given, why", [
    (".", "it is the project folder"),
    ("..", "it holds the project folder"),
    ("content", "it is the input folder content/"),
    ("content/filings", "it is inside the input folder content/"),
    ("layouts", "it is the input folder layouts/"),
    ("static/css", "it is inside the input folder static/"),
    ("notes", "it is not empty and was not made by site-builder"),
    ("~", "it is your home folder"),
    ("home-parent", "it holds your home folder"),
    ("a-file.txt", "it is a file, not a folder"),
    ("link-to-content", "it is the input folder content/"),
])
def test_a_folder_that_is_not_the_tools_is_refused_and_nothing_is_deleted(tmp_path, given, why):
    root = project(tmp_path)
    home = tmp_path / "home-parent" / "me"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "budget.txt").write_text("my own notes", encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "todo.md").write_text("mine", encoding="utf-8")
    (root / "a-file.txt").write_text("mine", encoding="utf-8")
    (root / "link-to-content").symlink_to(root / "content")
    target = {"~": str(home), "home-parent": str(tmp_path / "home-parent")}.get(given, given)
    before = tree(tmp_path)
    r = cli(root, "build", "--out", target, home=home)
    assert r.returncode == 2, r.stderr
    assert why in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1  # one line
    assert tree(tmp_path) == before


@pytest.mark.parametrize("given", ["/", "/usr", "."])
def test_the_root_of_the_file_system_and_its_folders_above_the_project_are_refused(tmp_path, given):
    # checked by the guard alone, with no build behind it: a test never points a build at /
    root = project(tmp_path)
    with pytest.raises(OutputRefused):
        check_output_folder(Path(given) if given != "." else root, root, [root / "content"])


def test_an_empty_folder_a_new_folder_and_a_marked_folder_are_accepted(tmp_path):
    root = project(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (empty, tmp_path / "new" / "deep"):
        r = cli(root, "build", "--out", out, "--no-search")
        assert r.returncode == 0, r.stderr
        assert (out / MARKER).read_text(encoding="utf-8").startswith("site-builder output folder")
    # a marked folder is the tool's: a clean build replaces it, files of its own included
    (empty / "stray.html").write_text("x", encoding="utf-8")
    assert cli(root, "build", "--out", empty, "--no-search", "--clean").returncode == 0
    assert not (empty / "stray.html").exists()


def test_the_preview_refuses_the_same_folders(tmp_path):
    root = project(tmp_path)
    r = cli(root, "serve", "--out", "content", "--port", "0")
    assert r.returncode == 2 and "it is the input folder content/" in r.stderr


# ---------------------------------------------------------------- atomic rebuilds

def test_a_cached_rebuild_whose_search_step_fails_leaves_the_site_byte_identical(site, tmp_path):
    root, out = site
    before = tree(out)
    edit(root)
    failing = stand_in_pagefind(tmp_path, 'echo "Running Pagefind v1.5.2 (Extended)"; echo boom >&2; exit 3')
    r = cli(root, "build", "--out", out, SITE_BUILDER_PAGEFIND_BINARY=str(failing))
    assert r.returncode == 1
    assert "Pagefind failed (exit code 3)" in r.stderr and "previous output in" in r.stderr
    assert "Traceback" not in r.stderr
    assert tree(out) == before
    assert leftovers(tmp_path, out) == []
    # the next build publishes the edit, with search
    r = cli(root, "build", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "（改）" in (out / "agencies/130202-430001/2025/index.html").read_text(encoding="utf-8")
    assert verify_bundle(out / "pagefind" / "b" / "site") > 0


def test_pagefind_exiting_0_with_empty_files_is_caught_before_publishing(site, tmp_path):
    root, out = site
    before = tree(out)
    edit(root)
    # what Pagefind did on a full disk: exit 0, its files written but empty
    empty = stand_in_pagefind(tmp_path, '"$REAL" "$@" || exit $?\n'
                                        'find "$4" -path "*/fragment/*" -type f | head -n 3 | '
                                        'while read f; do : > "$f"; done\nexit 0')
    r = cli(root, "build", "--out", out, SITE_BUILDER_PAGEFIND_BINARY=str(empty))
    assert r.returncode == 1
    assert re.search(r"fragment/\S+\.pf_fragment is missing or empty", r.stderr), r.stderr
    assert tree(out) == before


def test_a_render_error_in_a_cached_rebuild_changes_nothing(site):
    root, out = site
    before = tree(out)
    edit(root)
    layout = root / "layouts" / "project.html"
    layout.write_text(layout.read_text(encoding="utf-8").replace("{% endblock %}", "{{ 1 // 0 }}{% endblock %}", 1),
                      encoding="utf-8")
    r = cli(root, "build", "--out", out)
    assert r.returncode == 1 and "by zero" in r.stderr and "Traceback" not in r.stderr
    assert tree(out) == before


def test_an_error_while_publishing_is_rolled_back_at_once(site, monkeypatch):
    """The journaled apply of a cached rebuild fails half-way (here a rename
    refused by the system): what it had changed is undone before the error
    is reported."""
    from site_builder.build import build
    from site_builder.output import publish

    root, out = site
    build(root, out, search=False)  # the cache of this process's builds
    before = tree(out)
    edit(root)
    calls = {"n": 0}
    real = os.rename

    def flaky(src, dst, *a, **k):
        if str(dst).startswith(str(out) + os.sep):
            calls["n"] += 1
            if calls["n"] == 5:
                raise OSError(28, "No space left on device", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(publish.os, "rename", flaky)
    with pytest.raises(OSError, match="No space left"):
        build(root, out, search=False)
    monkeypatch.setattr(publish.os, "rename", real)
    assert calls["n"] > 5  # the fifth failed; the rest undid the first four
    assert tree(out) == before
    assert leftovers(out.parent, out) == []


# A child that applies a partial stage and is SIGKILLed by itself after N
# operations on the output: what a build killed while publishing leaves.
KILLED_APPLY = r"""
import os, signal, sys
from pathlib import Path
from site_builder.output import publish

out, n = Path(sys.argv[1]), int(sys.argv[2])
stage = publish.Stage(out, full=False)
for i in range(6):
    stage.write(f"agencies/new-{i}/index.html", b"new page")
stage.write("index.html", b"a new home page")
stage.delete("404.html")
stage.mark("next")
real, count = os.rename, [0]
def rename(src, dst, *a, **k):
    real(src, dst, *a, **k)
    if str(dst).startswith(str(out) + os.sep):
        count[0] += 1
        if count[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
publish.os.rename = rename
remove = publish.remove_tree
def remove_tree(path):  # n = 0: killed once the apply is done, before the stage and journal are deleted
    if n == 0 and ".stage-" in str(path):
        os.kill(os.getpid(), signal.SIGKILL)
    remove(path)
publish.remove_tree = remove_tree
stage.publish()
"""


@pytest.mark.parametrize("after", [1, 3, 7, 8])
def test_an_apply_killed_half_way_is_rolled_back_by_the_next_build(site, tmp_path, after):
    root, out = site
    before = tree(out)
    p = subprocess.run([sys.executable, "-c", KILLED_APPLY, str(out), str(after)], capture_output=True,
                       cwd=REPO, env=env())
    assert p.returncode == -signal.SIGKILL
    assert tree(out) != before  # half applied
    left = leftovers(tmp_path, out, wait=0)
    assert any(name.startswith(".public.journal-") for name in left)
    # the output's marker was the first file moved out of the stage: the stage no longer carries one
    stage = next(tmp_path / name for name in left if name.startswith(".public.stage-"))
    assert not (stage / MARKER).exists() and any(stage.iterdir())
    done = recover(out)
    assert any("rolled back" in line for line in done)
    assert tree(out) == before
    assert leftovers(tmp_path, out) == []  # the journal and the stage it named are gone
    # and the build's own start does the same: a cached rebuild after it equals a clean build
    edit(root)
    assert cli(root, "build", "--out", out, "--no-search").returncode == 0
    clean = tmp_path / "clean"
    assert cli(root, "build", "--out", clean, "--no-search").returncode == 0
    assert {k: v for k, v in tree(out).items() if not k.startswith("pagefind")} == tree(clean)


def test_an_apply_killed_once_done_keeps_the_new_version_and_the_next_build_clears_the_rest(site, tmp_path):
    root, out = site
    p = subprocess.run([sys.executable, "-c", KILLED_APPLY, str(out), "0"], capture_output=True, cwd=REPO, env=env())
    assert p.returncode == -signal.SIGKILL
    applied = tree(out)
    assert (out / "agencies/new-0/index.html").read_bytes() == b"new page" and not (out / "404.html").exists()
    left = leftovers(tmp_path, out, wait=0)
    assert {name.split("-")[0] for name in left} == {".public.journal", ".public.stage"}, left
    done = recover(out)
    assert not any("rolled back" in line for line in done)
    assert tree(out) == applied
    assert leftovers(tmp_path, out) == []


def kill_at(root: Path, out: Path, delay: float, *args: str, **extra: str) -> tuple[int, set[int], str]:
    """Start a build and SIGKILL it after ``delay`` s; its exit status, the
    processes it had started, and its error output."""
    proc = start(root, "build", "--out", out, *args, **extra)
    deadline = time.monotonic() + delay
    kids: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        kids |= descendants(proc.pid)
        time.sleep(0.01)
    kids |= descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, kids, err


def pages_of(t: dict[str, str]) -> dict[str, str]:
    """A tree but the search bundle (Pagefind's file names depend on the
    order it reads a folder in)."""
    return {k: v for k, v in t.items() if not k.startswith("pagefind")}


@pytest.mark.parametrize("cached", [False, True], ids=["full", "cached"])
def test_sigkill_at_random_moments_never_changes_the_published_site(site, tmp_path, cached):
    """Kills at seeded random moments over a build's whole span, the search
    step included. After each, the published output is byte-identical to
    the last successful build: the old one, or the new one when the kill
    came after it was published; a kill during the milliseconds of a
    journaled apply is rolled back by the next start (counted apart). The
    build's workers and Pagefind die with it, and the next build cleans up
    and publishes the same pages as a clean build."""
    root, out = site
    rng = random.Random(25)
    before = tree(out)
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine / "out", symlinks=True)
    cache = BuildCache(root, out).folder
    shutil.copytree(cache, pristine / "cache", symlinks=True)
    edit(root)
    t0 = time.monotonic()
    new = tmp_path / "new"
    assert cli(root, "build", "--out", new, "--jobs", "2").returncode == 0
    span = time.monotonic() - t0
    after = pages_of(tree(new))
    outcomes = []
    for _ in range(8):
        shutil.rmtree(out)
        shutil.rmtree(cache)
        shutil.copytree(pristine / "out", out, symlinks=True)
        shutil.copytree(pristine / "cache", cache, symlinks=True)
        delay = rng.uniform(0.05, span * 1.1)
        code, kids, err = kill_at(root, out, delay, "--jobs", "2", *(() if cached else ("--clean",)))
        seen = f"killed after {delay:.2f} s of {span:.2f}; before: {outcomes}; {err[-2000:]}"
        assert "Traceback" not in err and "BrokenPipe" not in err, seen
        assert wait_gone(kids) == set(), "a worker or Pagefind outlived the killed build: " + seen
        now = tree(out)
        if code == 0:
            outcomes.append("finished")
            assert pages_of(now) == after, seen
            continue
        assert code == -signal.SIGKILL, seen
        if now == before:
            outcomes.append("untouched")
        elif pages_of(now) == after and verify_bundle(out / "pagefind" / "b" / "site") > 0:
            outcomes.append("published")  # killed after publishing: the new site is the last good build
        else:
            journals = [n for n in leftovers(tmp_path, out, wait=0) if n.startswith(".public.journal-")]
            assert journals, f"{seen}; changed: {sorted(set(now.items()) ^ set(before.items()))[:10]}"
            recover(out)
            assert tree(out) == before, seen
            outcomes.append("rolled back")
        recover(out)  # what the next build of the folder does first; the next round starts from the old site
    assert "untouched" in outcomes, outcomes
    r = cli(root, "build", "--out", out)
    assert r.returncode == 0, r.stderr
    assert leftovers(tmp_path, out) == []
    assert pages_of(tree(out)) == after


def test_sigkill_inside_the_search_step(site, tmp_path):
    """Killed while Pagefind runs (found by its process): Pagefind dies too,
    the published site keeps its own search bundle."""
    root, out = site
    before = tree(out)
    edit(root)
    slow = slow_pagefind(tmp_path)
    memory = tmp_path / "memory"  # where the pages as Pagefind reads them go (/dev/shm by default)
    memory.mkdir()
    proc = start(root, "build", "--out", out, SITE_BUILDER_PAGEFIND_BINARY=str(slow), SITE_BUILDER_MEMORY_DIR=str(memory))
    pagefind = set()
    deadline = time.monotonic() + 60
    while not pagefind and time.monotonic() < deadline:
        pagefind = {p for p in descendants(proc.pid)
                    if "pagefind-stand-in" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")}
        time.sleep(0.02)
    assert pagefind, "the build never started Pagefind"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert wait_gone(pagefind) == set()
    assert tree(out) == before
    assert verify_bundle(out / "pagefind" / "b" / "site") > 0
    left = [p.name for p in memory.iterdir()]
    assert len(left) == 1 and ".search-" in left[0], left  # the killed build's folder in memory
    r = cli(root, "build", "--out", out, SITE_BUILDER_MEMORY_DIR=str(memory))
    assert r.returncode == 0 and "left in memory by a stopped build" in r.stderr, r.stderr
    assert leftovers(tmp_path, out) == []
    assert list(memory.iterdir()) == []


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_and_sigterm_stop_cleanly(site, tmp_path, sig, code, word):
    root, out = site
    before = tree(out)
    edit(root)
    slow = slow_pagefind(tmp_path)
    proc = start(root, "build", "--out", out, "--clean", "--jobs", "2", SITE_BUILDER_PAGEFIND_BINARY=str(slow))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any("pagefind-stand-in" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
               for p in descendants(proc.pid)):
            break
        time.sleep(0.02)
    kids = descendants(proc.pid)
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)  # Ctrl-C reaches the whole group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert err.strip().splitlines()[-1] == f"site-builder build: {word}; the previous output in {out}/ is untouched."
    assert "Traceback" not in err
    assert wait_gone(kids) == set()
    assert tree(out) == before
    assert leftovers(tmp_path, out) == []


def generated_project(tmp_path: Path, filings: int) -> Path:
    """A project of ``filings`` generated filings (benchmarks/corpus.py) with
    the repository's pages, settings, layouts and static files."""
    from benchmarks import corpus as bench

    root = tmp_path / "proj"
    bench.generate(filings, root / "content", seed=3, jobs=2)
    for name in ("pages", "site.yaml", "taxonomy.yaml"):
        src = REPO / "content" / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / "content" / name)
    for name in ("layouts", "static"):
        shutil.copytree(REPO / name, root / name)
    return root


def start_with_workers(root: Path, out: Path) -> subprocess.Popen:
    """A 2-worker build of ``root`` into ``out``, once its workers exist."""
    proc = start(root, "build", "--out", out, "--no-search", "--jobs", "2", PYTHONFAULTHANDLER="1")
    deadline = time.monotonic() + 60
    while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(descendants(proc.pid)) >= 2, "the build forked no workers"
    return proc


def stderr_when_ended(proc: subprocess.Popen, timeout: float, what: str) -> str:
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack to stderr, where it waits
        time.sleep(2)
        os.killpg(proc.pid, signal.SIGKILL)
        err = proc.communicate()[1]
        pytest.fail(f"the build did not end within {timeout} s of {what}; its error output:\n{err[-6000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("after", [1.0, 4.0])
def test_sigterm_to_every_process_of_a_build_with_workers_stops_it(tmp_path, after):
    """A CI job cancelled, or pkill: the signal reaches the build and each of
    its workers, some of them idle. The build stops with its message and
    leaves no process behind (a pool whose worker died holding the task
    queue's lock waited for ever). 2,000 filings: the build is still at work
    after 4 s."""
    root = generated_project(tmp_path, 2000)
    out = tmp_path / "public"
    proc = start_with_workers(root, out)
    time.sleep(after)
    kids = descendants(proc.pid)
    for pid in sorted({proc.pid} | kids):  # as pkill sends it: the build first, then each worker
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    err = stderr_when_ended(proc, 60, "SIGTERM")
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1].startswith("site-builder build: terminated")
    assert "Traceback" not in err
    assert wait_gone(kids) == set()
    assert not out.exists()


# Workers whose queued tasks are cancelled (the map's results no longer
# wanted) and then killed: the executor's manager thread meets cancelled
# futures when it fails the broken pool's tasks (CPython gh-107219).
CANCELLED_THEN_KILLED = r"""
import multiprocessing, threading, time
from site_builder.build.workers import Workers
workers = Workers(2)
results = workers.imap(time.sleep, [0.3] * 40)
next(results)
results.close()  # the build no longer wants the rest: the queued tasks are cancelled
for proc in multiprocessing.active_children():  # the signal that stops the build reaches its workers
    proc.kill()
time.sleep(1)
workers.close()
raise_in_a_thread = threading.Thread(target=lambda: 1 / 0)  # any other thread's error is still printed
raise_in_a_thread.start()
raise_in_a_thread.join()
"""


def test_workers_killed_after_their_tasks_were_cancelled_print_no_traceback_of_the_executor():
    p = subprocess.run([sys.executable, "-c", CANCELLED_THEN_KILLED], capture_output=True, text=True, cwd=REPO,
                       env=env(), timeout=60)
    assert p.returncode == 0, p.stderr
    assert "InvalidStateError" not in p.stderr and "terminate_broken" not in p.stderr, p.stderr
    assert p.stderr.count("Traceback") == 1 and "ZeroDivisionError" in p.stderr, p.stderr


@pytest.mark.slow
def test_a_worker_killed_by_the_system_fails_the_build_cleanly(tmp_path):
    """The kernel's out-of-memory killer ends one worker: the build says so
    in one line and exits 1 (a pool waited for ever for the lost task), and
    the output is untouched."""
    root = generated_project(tmp_path, 2000)
    out = tmp_path / "public"
    proc = start_with_workers(root, out)
    time.sleep(1.0)
    os.kill(min(descendants(proc.pid)), signal.SIGKILL)
    err = stderr_when_ended(proc, 120, "losing a worker")
    assert proc.returncode == 1, err
    assert "a worker process was killed" in err and "Traceback" not in err
    assert not out.exists()


def test_leftovers_of_killed_builds_are_removed_at_the_next_start(site, tmp_path):
    root, out = site
    stage = Stage(out, full=True)  # as a killed build leaves it: marked, its process gone
    stage.write("index.html", b"half a site")
    legacy = tmp_path / ".public.staging-999999"  # an older site-builder's, without a marker
    (legacy / "agencies").mkdir(parents=True)
    mine = tmp_path / ".public.notes"  # named alike, but not a build's: left alone
    mine.mkdir()
    r = cli(root, "build", "--out", out, "--no-search")
    assert r.returncode == 0
    assert "left by a stopped build" in r.stderr
    deadline = time.monotonic() + 10
    while leftovers(tmp_path, out, wait=0) != [".public.notes"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(tmp_path, out, wait=0) == [".public.notes"]


def test_a_side_folder_killed_before_its_marker_is_removed_and_nothing_else(tmp_path):
    """A build killed between making its stage and writing the stage's
    marker leaves a folder with our name and no marker: empty, or with the
    marker half written. The next start removes it; a folder of that name
    holding anything else is not the tool's to delete."""
    out = tmp_path / "public"
    out.mkdir()
    empty = tmp_path / ".public.stage-999999-0123abcd"
    empty.mkdir()
    half = tmp_path / ".public.search-999998-0123abcd"
    half.mkdir()
    (half / MARKER).write_bytes(b"")
    someone = tmp_path / ".public.stage-999997-0123abcd"
    someone.mkdir()
    (someone / "notes.txt").write_text("mine", encoding="utf-8")
    done = recover(out)
    assert not empty.exists() and not half.exists()
    assert (someone / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert len(done) == 2 and all("stopped while making it" in d for d in done)


def test_a_journal_removes_only_the_stage_of_ours_it_names(tmp_path):
    """A finished journal names the stage its apply took files from, and the
    next start removes that stage with it; a journal naming a folder that is
    not a stage of this output (elsewhere, or another name) leaves it be."""
    from site_builder.output.guard import marker_text

    out = tmp_path / "public"
    out.mkdir()
    elsewhere = tmp_path / "work" / ".public.stage-999996-0123abcd"
    other = tmp_path / ".public.search-999995-0123abcd"  # ours by name, but no stage
    mine = tmp_path / ".public.stage-999994-0123abcd"
    for n, stage in enumerate((elsewhere, other, mine)):
        (stage / "agencies").mkdir(parents=True)
        (stage / "agencies" / "notes.txt").write_text("kept", encoding="utf-8")
        journal = tmp_path / f".public.journal-99999{n}-0123abcd"
        journal.mkdir()
        (journal / MARKER).write_bytes(marker_text("journal"))
        (journal / "ops.json").write_text(json.dumps({"stage": str(stage), "ops": []}), encoding="utf-8")
        (journal / "done").touch()
    done = recover(out)
    assert (elsewhere / "agencies" / "notes.txt").exists() and (other / "agencies" / "notes.txt").exists()
    deadline = time.monotonic() + 10  # the removals run in processes of their own
    while (mine.exists() or any(tmp_path.glob(".public.journal-*"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.search-999995-0123abcd", "public", "work"]
    assert any(d.startswith(f"removed {mine.name} and .public.journal-") for d in done), done


def test_memory_folders_of_stopped_builds_are_removed_and_nothing_else(tmp_path, monkeypatch):
    """A build's folder in memory is named after its output folder and
    marked; the next start removes those of its output folder (marked, or
    empty), and leaves alone another folder's, and a folder of that name
    holding anything else."""
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setenv("SITE_BUILDER_MEMORY_DIR", str(memory))
    out, other = tmp_path / "public", tmp_path / "other"
    out.mkdir()
    left = memory_folder(out)
    assert left is not None and left.parent == memory and (left / MARKER).is_file()
    (left / "site-0" / "agencies").mkdir(parents=True)
    theirs = memory_folder(other)  # another output folder's build, perhaps running
    empty = memory / left.name.replace(left.name.rsplit("-", 1)[1], "0123abcd")
    empty.mkdir()
    someone = memory / left.name.replace(left.name.rsplit("-", 1)[1], "89abcdef")
    someone.mkdir()
    (someone / "notes.txt").write_text("mine", encoding="utf-8")
    done = recover(out)
    assert not left.exists() and not empty.exists() and theirs.is_dir()
    assert (someone / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert len(done) == 2 and all("left in memory by a stopped build" in d for d in done)
    for unusable in (str(tmp_path / "nowhere"), "", "memory"):  # no such folder; none wanted; not absolute
        monkeypatch.setenv("SITE_BUILDER_MEMORY_DIR", unusable)
        assert memory_folder(out) is None


def test_a_full_disk_fails_cleanly_and_leaves_the_site_byte_identical(tmp_path):
    """On a real small file system (a tmpfs, mounted in a namespace of the
    test's own): a cached rebuild that runs out of space says so in one
    line, exits 1, and leaves the published site and its folder as they
    were; so does a full build."""
    script = REPO / "tests" / "faults" / "full_disk.py"
    p = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", sys.executable, str(script),
                        str(tmp_path)], capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env(),
                       timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    results = json.loads(p.stdout.strip().splitlines()[-1])
    assert [r["case"] for r in results] == ["cached rebuild", "full build", "read-only"]
    for r in results:
        assert r["code"] == 1, r
        assert r["same"], r
        assert r["leftovers"] == [], r
        assert "Traceback" not in r["err"], r
        r["last"] = r["err"].strip().splitlines()[-1]  # after the progress lines: the one line that says why
        assert r["last"].startswith("site-builder build: failed: ") and r["last"].endswith(" is untouched."), r
    assert "No space left on device: " in results[0]["last"]
    assert "No space left on device: " in results[1]["last"]
    assert "Read-only file system: " in results[2]["last"]


# ---------------------------------------------------------------- two builds, one folder

def test_a_second_build_into_a_busy_folder_refuses_with_a_message(site):
    root, out = site
    before = tree(out)
    with OutputLock(out):
        r = cli(root, "build", "--out", out)
    assert r.returncode == 1
    assert f"is building into {out}/ now" in r.stderr and "Traceback" not in r.stderr
    assert tree(out) == before
    with OutputLock(out), pytest.raises(OutputBusy):
        OutputLock(out).acquire()


def test_two_builds_started_together_never_interleave(tmp_path):
    root = generated_project(tmp_path, 220)
    out = tmp_path / "public"
    procs = [start(root, "build", "--out", out, "--no-search", "--jobs", "1") for _ in range(2)]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, err in results:
        assert "Traceback" not in err
        if code == 1:
            assert "is building into" in err
    clean = tmp_path / "clean"
    assert cli(root, "build", "--out", clean, "--no-search").returncode == 0
    assert tree(out) == tree(clean)


def test_the_cache_forgets_output_folders_that_are_gone(tmp_path):
    root = project(tmp_path)
    outs = [tmp_path / f"out-{i}" for i in range(4)]
    for out in outs:
        assert cli(root, "build", "--out", out, "--no-search").returncode == 0
    caches = BuildCache(root, outs[0]).top
    assert {(c / "output.txt").read_text(encoding="utf-8") for c in caches.glob("out-*")} >= {str(o) for o in outs}
    for out in outs[:3]:
        shutil.rmtree(out)
    assert cli(root, "build", "--out", outs[3], "--no-search").returncode == 0
    kept = {(c / "output.txt").read_text(encoding="utf-8") for c in caches.glob("out-*")}
    assert str(outs[3]) in kept and not kept & {str(o) for o in outs[:3]}


def test_a_state_that_does_not_describe_the_output_is_not_used(site, tmp_path):
    """A build killed after publishing and before its state was saved: the
    output's marker names content the saved state does not, so the next
    build is a full one, never a patch from a stale state."""
    root, out = site
    cache = BuildCache(root, out)
    old_state = cache.path.read_bytes()
    edit(root)
    assert cli(root, "build", "--out", out, "--no-search").returncode == 0
    cache.path.write_bytes(old_state)  # as if the new state had not been saved
    edit(root, "（改）", "")  # back to the first version's input
    r = cli(root, "build", "--out", out, "--no-search")
    assert r.returncode == 0 and "full build" in r.stdout
    clean = tmp_path / "clean"
    assert cli(root, "build", "--out", clean, "--no-search").returncode == 0
    assert {k: v for k, v in tree(out).items() if not k.startswith("pagefind")} == tree(clean)


# ---------------------------------------------------------------- the search bundle check

def test_verify_bundle_finds_pages_in_a_good_bundle_and_refuses_damaged_ones(site, tmp_path):
    _, out = site
    assert verify_bundle(out / "pagefind" / "b" / "site") >= 5
    for damage in ("entry", "meta", "index", "fragment", "script"):
        bundle = tmp_path / f"bundle-{damage}"
        shutil.copytree(out / "pagefind" / "b" / "site", bundle)
        if damage == "entry":
            (bundle / "pagefind-entry.json").write_text("", encoding="utf-8")
        elif damage == "meta":
            next(bundle.glob("*.pf_meta")).write_bytes(b"")
        elif damage == "index":
            next((bundle / "index").iterdir()).unlink()
        elif damage == "fragment":
            next((bundle / "fragment").iterdir()).write_bytes(b"")
        else:
            (bundle / "pagefind.js").write_bytes(b"")
        with pytest.raises(SearchIndexError):
            verify_bundle(bundle)
    with pytest.raises(SearchIndexError, match="finds no page"):
        verify_bundle(out / "pagefind" / "b" / "site", probe="这个词不在任何页面")
