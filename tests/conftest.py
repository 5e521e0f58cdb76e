"""Shared test fixtures: where things are, and a way to run the command line.

The constants can be imported by test modules (``from conftest import …``;
pytest puts this folder on ``sys.path``); the same values are also offered
as fixtures.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import socket
import signal
import subprocess
import tempfile
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]

# Builds in tests use a cache folder of the test session's own (subprocesses
# inherit the setting), so the repository's .cache/ holds nothing of theirs.
if "SITE_BUILDER_CACHE_DIR" not in os.environ:
    TEST_CACHE = os.environ["SITE_BUILDER_CACHE_DIR"] = tempfile.mkdtemp(prefix="site-builder-test-cache-")
else:
    TEST_CACHE = None
# Likewise the search step's folders in memory (default /dev/shm) go in a
# folder of the test run's own, so a build a test kills leaves nothing in
# the machine's /dev/shm.
if "SITE_BUILDER_MEMORY_DIR" not in os.environ:
    TEST_MEMORY = os.environ["SITE_BUILDER_MEMORY_DIR"] = tempfile.mkdtemp(prefix="site-builder-test-memory-")
else:
    TEST_MEMORY = None


def pytest_collection_modifyitems(config, items):
    """Tests that open pages in Chromium are marked ``browser``."""
    for item in items:
        if {"browser", "playwright_session"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def pytest_sessionfinish(session, exitstatus):
    for folder in (TEST_CACHE, TEST_MEMORY):
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
CONTENT = REPO / "content"
FILINGS = CONTENT / "filings"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad"
SEED_FILES = sorted(FILINGS.glob("*.yaml"))


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """Non-empty lines of standard output."""
        return [line for line in self.out.splitlines() if line.strip()]


def run_cli(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> CliResult:
    """Run ``site-builder ARGS`` in this process (``cli.main``), from ``cwd``
    (default: the repository root), capturing stdout, stderr and exit code."""
    from site_builder.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or REPO), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return CliResult(int(code or 0), out.getvalue(), err.getvalue())


def run_cli_process(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
                    timeout: float = 60) -> CliResult:
    """Run ``python -m site_builder.cli ARGS`` as a separate process."""
    proc = subprocess.run(
        [sys.executable, "-m", "site_builder.cli", *[str(a) for a in args]],
        cwd=cwd or REPO, capture_output=True, text=True, encoding="utf-8", timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def copy_project(dest: Path) -> Path:
    """A copy of the project's inputs (content/, layouts/, static/) at ``dest``, to edit freely."""
    for part in ("content", "layouts", "static"):
        shutil.copytree(REPO / part, dest / part)
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a UTF-8 file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root``: its path below it → the SHA-256 of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def parse_html(path: Path):
    """A built page parsed by html5lib as a browser would (the XHTML
    namespace kept): (the document, the parser's errors)."""
    import html5lib

    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=True)
    return parser.parse(path.read_bytes(), transport_encoding="utf-8"), parser.errors


def text_of(el) -> str:
    """An element's text, its children's included."""
    return "".join(el.itertext())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on a free port (no request log), for a
    browser to open; yields its base URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def as_from_a_terminal() -> None:
    """Ctrl-C and SIGTERM with their default dispositions, as a command started
    from a shell has them: an ignored signal is inherited through exec, and
    the test process may hold one ignored (a library's, or a build in this
    process publishing), which made the tests that send them wait."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def running_preview(project: Path, work: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``site-builder serve`` of ``project`` on a free port, in its own
    process, its output and log (``serve.log``) in ``work``; yields its base
    URL and the process once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "site_builder.cli", "serve", "--root", str(project), "--out", str(work / "preview"),
         "--port", str(port)],
        # to a file, not a pipe nobody drains: a full pipe would block the server
        stdout=open(work / "serve.log", "w"), stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=as_from_a_terminal,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "<html" in fetch(base + "/"), timeout=60)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return CONTENT


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


# One Playwright session for the whole run: the sync API cannot be started
# twice in one process while another instance is alive.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_session):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: run scripts/setup-test-env (apt-get install chromium)"
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def small_pages(monkeypatch):
    """Listings split into pages of 1–3 items, so that the seeds exercise
    pagination (a province-scale site does; the seed site fits on one page)."""
    from site_builder.pages import map as pages

    monkeypatch.setattr(pages, "FILINGS_PER_PAGE", 2)
    monkeypatch.setattr(pages, "DETAIL_FILINGS_PER_PAGE", 1)
    monkeypatch.setattr(pages, "PROJECTS_PER_PAGE", 3)
