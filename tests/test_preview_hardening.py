"""The live preview (``site-builder serve``): its watcher sees every new,
removed or renamed file whatever its times.

Each test runs the real command in its own process on a copy of the project.
"""
from __future__ import annotations

import http.client
import os
import shutil
import time

import pytest

from conftest import copy_project, running_preview, wait_for

CAOFEIDIAN = "content/filings/130209-442001-2024.yaml"
CAOFEIDIAN_PAGE = "/agencies/130209-442001/2024/"
BANNER = 'id="site-builder-error"'


def request(base: str, path: str, method: str = "GET", headers: dict[str, str] | None = None
            ) -> tuple[int, dict[str, str], bytes]:
    """One request with ``path`` sent exactly as written (no normalising)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
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




def test_a_copy_with_its_times_kept_shows_the_duplicate_banner(live):
    base, project, _ = live
    original = project / CAOFEIDIAN
    copy = original.with_name("0-copy.yaml")
    shutil.copy2(original, copy)  # cp -p: the copy has the original's old mtime
    html = wait_for(lambda: (h := page(base, CAOFEIDIAN_PAGE)) and BANNER in h and h)
    banner = html.split(BANNER, 1)[1].split("</div>", 1)[0]
    assert "is already the filing" in banner and str(copy) in banner and str(original) in banner
    copy.unlink()
    wait_for(lambda: BANNER not in page(base, CAOFEIDIAN_PAGE))
