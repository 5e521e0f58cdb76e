"""The live preview (``site-builder serve``) as a local web server: it sees
every new, removed or renamed file whatever its times, answers every request
without a server error or a file outside its output folder, sends HEAD and
GET alike, shows the site's own 404 page, answers its reload socket and
``/forcereload`` for its own pages only, and holds up under concurrent
requests while filings are edited, broken, fixed, deleted and renamed.

Each test runs the real command in its own process on a copy of the project.
"""
from __future__ import annotations

import asyncio

import base64
import http.client
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import copy_project, edit, running_preview, wait_for

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)

CAOFEIDIAN = "content/filings/130209-442001-2024.yaml"
CAOFEIDIAN_PAGE = "/agencies/130209-442001/2024/"
BANNER = 'id="site-builder-error"'
LIVE_SCRIPT = re.compile(rb'<script type="text/javascript">\(function\(\)\{.*?\}\)\(\);</script>')
SECRET = "the-secret-outside-the-site"


def request(base: str, path: str, method: str = "GET", headers: dict[str, str] | None = None,
            host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request with ``path`` sent exactly as written (no normalising);
    ``host``: the Host header, if not the server's own address."""
    address, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=10)
    try:
        conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def page(base: str, path: str) -> str:
    status, _, body = request(base, path)
    return body.decode("utf-8") if status == 200 else ""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One preview for the tests that only read; a secret file beside its
    output folder and a link to it inside."""
    work = tmp_path_factory.mktemp("preview")
    project = copy_project(work / "proj")
    (work / "secret.txt").write_text(SECRET, encoding="utf-8")
    with running_preview(project, work) as (base, proc):
        os.symlink(work / "secret.txt", work / "preview" / "leak.txt")
        yield base, work


def log_of(work: Path) -> str:
    return (work / "serve.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["/%00", "/index.html%00", "/agencies/%00/", "/%00.html"])
def test_a_nul_byte_in_the_path_is_a_404_without_a_traceback(site, path):
    base, work = site
    status, _, body = request(base, path)
    assert status == 404
    assert b"<html" in body
    assert "Traceback" not in log_of(work)


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/etc/passwd",
    "/agencies/..%2f..%2fsecret.txt", "/agencies%2f..%2f..%2fsecret.txt", "/..%5csecret.txt",
    "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd", "///etc/passwd",
    "/leak.txt",  # a link in the output folder to a file outside it
    "/agencies/" + "a" * 300 + "/",  # a name longer than the file system takes
    "/" + "abcdefgh/" * 6000,  # a 54 kB path
])
def test_paths_outside_the_site_are_404(site, path):
    base, work = site
    status, _, body = request(base, path)
    assert status == 404, (path[:80], status)
    assert SECRET.encode() not in body and b"root:" not in body
    assert "Traceback" not in log_of(work)


def test_a_folder_without_a_trailing_slash_is_redirected_inside_the_site(site):
    base, _ = site
    status, headers, _ = request(base, "/agencies")
    assert status == 301 and headers["location"] == "/agencies/"


@pytest.mark.parametrize("path", ["/", CAOFEIDIAN_PAGE, "/feed.xml", "/no/such/page/"])
def test_head_and_get_send_the_same_length(site, path):
    base, _ = site
    get_status, get_headers, body = request(base, path)
    head_status, head_headers, head_body = request(base, path, "HEAD")
    assert head_status == get_status and head_body == b""
    assert int(head_headers["content-length"]) == int(get_headers["content-length"]) == len(body) > 0


def test_a_missing_page_gets_the_sites_404_page(site):
    base, work = site
    status, headers, body = request(base, "/agencies/999999-1/2024/")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    # the site's page as built, with the reload script the preview adds to every page
    assert LIVE_SCRIPT.sub(b"", body) == (work / "preview" / "404.html").read_bytes()
    assert LIVE_SCRIPT.search(body)


def websocket_handshake(base: str, origin: str | None, host: str | None = None) -> int:
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin is not None:
        headers["Origin"] = origin
    return request(base, "/livereload", headers=headers, host=host)[0]


def test_the_reload_socket_accepts_the_previews_own_pages_only(site):
    base, _ = site
    port = base.rsplit(":", 1)[1]
    assert websocket_handshake(base, base) == 101
    assert websocket_handshake(base, f"http://localhost:{port}") == 101
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"https://127.0.0.1:{port}",
                   "http://127.0.0.1:1", f"http://127.0.0.1.evil.example:{port}"):
        assert websocket_handshake(base, origin) == 403, origin
    # a page of a name made to resolve to 127.0.0.1 (DNS rebinding): its Origin names the Host it asked
    assert websocket_handshake(base, f"http://evil.example:{port}", host=f"evil.example:{port}") == 403


def test_forcereload_takes_a_post_from_the_previews_own_pages_only(site):
    base, _ = site
    assert request(base, "/forcereload")[0] == 405  # a link or an <img> on any site sends a GET
    assert request(base, "/forcereload", "POST", {"Content-Length": "0"})[0] == 403
    assert request(base, "/forcereload", "POST", {"Content-Length": "0", "Origin": "http://evil.example"})[0] == 403
    status, _, body = request(base, "/forcereload", "POST", {"Content-Length": "0", "Origin": base})
    assert (status, body) == (200, b"ok")


# --------------------------------------------------------------------------- edits the watcher must see


@pytest.fixture
def live(tmp_path):
    project = copy_project(tmp_path / "proj")
    with running_preview(project, tmp_path) as (base, _proc):
        yield base, project, tmp_path


def test_a_filing_moved_back_with_its_old_times_is_picked_up(live):
    base, project, tmp = live
    filing = project / CAOFEIDIAN
    old = time.time() - 30 * 86400  # well before the server started
    os.utime(filing, (old, old))
    assert request(base, CAOFEIDIAN_PAGE)[0] == 200
    filing.rename(tmp / filing.name)
    wait_for(lambda: request(base, CAOFEIDIAN_PAGE)[0] == 404)
    (tmp / filing.name).rename(filing)  # mv keeps the times: as ``tar`` or ``rsync -a`` would restore it
    assert filing.stat().st_mtime < time.time() - 86400
    wait_for(lambda: request(base, CAOFEIDIAN_PAGE)[0] == 200)


def test_a_copy_with_its_times_kept_shows_the_banner_naming_the_copy(live):
    base, project, _ = live
    original = project / CAOFEIDIAN
    copy = original.with_name("0-copy.yaml")  # listed before the original
    shutil.copy2(original, copy)  # cp -p: the copy has the original's old mtime
    html = wait_for(lambda: (h := page(base, CAOFEIDIAN_PAGE)) and BANNER in h and h)
    banner = html.split(BANNER, 1)[1].split("</div>", 1)[0]
    # the copy is the file in error; the message names the file it collides with
    assert re.search(rf"{re.escape(str(copy))}:\d+:\d+: error: region 130209, agency 442001, year 2024 "
                     rf"is already the filing {re.escape(str(original))}", banner), banner
    copy.unlink()
    wait_for(lambda: BANNER not in page(base, CAOFEIDIAN_PAGE))


# --------------------------------------------------------------------------- concurrent requests during edits


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on ``port`` (Linux: /proc/net/tcp, tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(".".join(str(b) for b in raw[::-1]))
                else:
                    found.add(raw.hex())
    return found


def test_concurrent_requests_while_filings_are_edited_broken_fixed_deleted_and_renamed(live):
    base, project, work = live
    port = int(base.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    filing = project / CAOFEIDIAN
    paths = ["/", CAOFEIDIAN_PAGE, "/agencies/", "/agencies/130202-430001/2025/", "/quality/", "/no/such/page/",
             "/data/filings.json"]
    stop = threading.Event()
    seen: list[tuple[str, int]] = []
    failures: list[str] = []

    def client(offset: int) -> None:
        i = offset
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                status, headers, body = request(base, path)
            except Exception as exc:  # a dropped connection is a failure too
                failures.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            seen.append((path, status))
            if status >= 500:
                failures.append(f"{path}: {status}")
            elif status == 200 and headers.get("content-type", "").startswith("text/html"):
                if not body.rstrip().endswith(b"</html>") or len(body) != int(headers["content-length"]):
                    failures.append(f"{path}: an incomplete page of {len(body)} bytes")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    try:
        t0 = time.monotonic()
        # an amount (applied in place)
        edit(filing, "total: 0.81", "total: 0.91")
        edit(filing, "fiscal: 0.81", "fiscal: 0.91")
        wait_for(lambda: "119.71" in page(base, CAOFEIDIAN_PAGE))
        # broken YAML: the banner, over the last good site
        edit(filing, "total: 0.91", "total: [0.91")
        html = wait_for(lambda: (h := page(base, CAOFEIDIAN_PAGE)) and BANNER in h and h)
        assert re.search(r"130209-442001-2024\.yaml:\d+:\d+: error: YAML syntax error", html)
        assert "119.71" in html
        # fixed: the banner goes
        edit(filing, "total: [0.91", "total: 0.81")
        edit(filing, "fiscal: 0.91", "fiscal: 0.81")
        wait_for(lambda: (h := page(base, CAOFEIDIAN_PAGE)) and BANNER not in h and "119.61" in h)
        # deleted: its pages go
        kept = filing.read_bytes()
        filing.unlink()
        wait_for(lambda: request(base, CAOFEIDIAN_PAGE)[0] == 404)
        # written back under another name: the same pages again
        renamed = filing.with_name("caofeidian.yaml")
        renamed.write_bytes(kept)
        wait_for(lambda: "119.61" in page(base, CAOFEIDIAN_PAGE))
        # renamed back: the same pages, rebuilt once more
        rebuilds = log_of(work).count("rebuilt in")
        renamed.rename(filing)
        wait_for(lambda: log_of(work).count("rebuilt in") > rebuilds)
        assert "119.61" in page(base, CAOFEIDIAN_PAGE) and BANNER not in page(base, "/")
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert not failures, failures[:10]
    statuses = {s for _, s in seen}
    assert statuses <= {200, 404} and 200 in statuses and 404 in statuses
    assert len(seen) > 200, len(seen)
    assert listening_addresses(port) == {"127.0.0.1"}
    assert "Traceback" not in log_of(work)
    print(f"{len(seen)} requests during {elapsed:.1f} s of edits")


def test_the_watcher_looks_on_events_at_the_paths_they_name(tmp_path):
    """A save wakes the watcher through the file system's events: it looks at
    the saved file alone (not a walk of every file), reports it as changed,
    and runs the rebuild once for a burst of events."""
    from site_builder.serve import SnapshotWatcher

    folder = tmp_path / "content"
    (folder / "filings").mkdir(parents=True)
    filing = folder / "filings" / "a.yaml"
    filing.write_text("year: 2024\n", encoding="utf-8")
    watcher = SnapshotWatcher()
    watcher.FULL_LOOK = 60_000  # the look at everything (for missed events) stays out of this test
    rebuilds: list[list[str]] = []
    watcher.watch(str(folder), lambda: rebuilds.append(list(watcher.changed)))
    walks: list[str] = []
    real = watcher.snapshot
    watcher.snapshot = lambda f: walks.append(f) or real(f)  # type: ignore[method-assign]
    looks: list[str | None] = []

    async def session() -> None:  # the server's loop, as livereload runs it
        done = asyncio.get_running_loop().create_future()

        def poll() -> None:
            looks.append(watcher.examine()[0])
            if rebuilds and not done.done():
                done.set_result(None)

        assert watcher.start(poll) is True
        await asyncio.sleep(0.2)
        for i in range(5):
            filing.write_text(f"year: 202{i}\n", encoding="utf-8")
        await asyncio.wait_for(done, 10)

    # A loop of its own in a thread of its own: a browser test's driver may
    # have left an event loop running in this thread.
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(session())
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failure.append(error)

    server = threading.Thread(target=serve)
    try:
        server.start()
        server.join(30)
    finally:
        watcher.stop()
    if failure:
        raise failure[0]
    assert rebuilds == [[str(filing)]]  # one rebuild for five writes, naming the file
    assert walks == []  # the event named the file: no walk of the folder
    assert str(filing) in looks
