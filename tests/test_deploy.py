"""The shipped CI workflow (.github/workflows/site.yml), its commands run
here: a first build, then a new checkout that gets back what the workflow's
cache step keeps (the build cache and the last output), an edit of one
filing, and the same build command, which must re-render only what the edit
shows and publish the same site as a clean build."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_project, tree_digest

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> dict[str, dict]:
    return {s.get("name") or s.get("uses", ""): s for s in workflow()["jobs"]["build"]["steps"]}


def expand(text: str, workspace: Path) -> str:
    return text.replace("${{ github.workspace }}", str(workspace))


def run_build(checkout: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **{k: expand(v, checkout) for k, v in workflow()["env"].items()}}
    command = steps()["Build"]["run"]
    bin_dir = Path(sys.executable).parent  # site-builder, installed in this environment as the workflow installs it
    return subprocess.run(["bash", "-c", command], cwd=checkout, env={**env, "PATH": f"{bin_dir}:{env['PATH']}"},
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_the_cache_step_keeps_the_build_cache_and_the_output_together():
    env = workflow()["env"]
    cached = steps()["Restore the build cache and the last output"]
    assert cached["uses"].startswith("actions/cache@")
    paths = set(cached["with"]["path"].split())
    assert Path(expand(env["SITE_BUILDER_CACHE_DIR"], Path("/w"))).relative_to("/w").as_posix() in paths
    assert env["SITE_OUT"] in paths
    assert "${{ github.sha }}" in cached["with"]["key"]  # a new cache each run; the newest restored by prefix
    assert "$SITE_OUT" in steps()["Build"]["run"]


def test_a_push_after_a_restored_cache_rebuilds_only_what_changed(tmp_path):
    workspace = tmp_path / "workspace"  # the same path every run, as on a CI runner
    r = run_build(copy_project(workspace))
    assert r.returncode == 0, r.stderr
    assert "(full build)" in r.stdout
    # the job ends: the cache step keeps its paths; the next run checks out afresh (new file times)
    kept = steps()["Restore the build cache and the last output"]["with"]["path"].split()
    (tmp_path / "cache").mkdir()
    for name in kept:
        shutil.move(workspace / name, tmp_path / "cache" / name)
    deadline = time.monotonic() + 10  # the build's scratch folders go in a process of their own
    while list(workspace.glob(f".{workflow()['env']['SITE_OUT']}.*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    shutil.rmtree(workspace)
    copy_project(workspace)
    for name in kept:
        shutil.move(tmp_path / "cache" / name, workspace / name)
    filing = workspace / "content/filings/130209-442001-2024.yaml"
    filing.write_text(filing.read_text(encoding="utf-8").replace("total: 0.81", "total: 0.91", 1), encoding="utf-8")
    r = run_build(workspace)
    assert r.returncode == 0, r.stderr
    m = re.search(r"\((\d+) page\(s\) re-rendered", r.stdout)
    assert m and 0 < int(m.group(1)) < 40, r.stdout
    clean = copy_project(tmp_path / "clean")
    (clean / "content/filings/130209-442001-2024.yaml").write_text(filing.read_text(encoding="utf-8"),
                                                                    encoding="utf-8")
    assert run_build(clean).returncode == 0
    out = workflow()["env"]["SITE_OUT"]
    a, b = tree_digest(workspace / out), tree_digest(clean / out)
    assert {k: v for k, v in a.items() if not k.startswith("pagefind/")} == \
        {k: v for k, v in b.items() if not k.startswith("pagefind/")}
