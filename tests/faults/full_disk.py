"""A full disk and a read-only one, for real: run by test_output_safety.py
as ``unshare --user --map-root-user --mount python full_disk.py TMP`` so that
it may mount a small tmpfs (in a mount namespace of its own, which goes
away with it) at TMP/disk. Everything it touches is under TMP.

Prints one JSON line: for each case, the exit code, the error output,
whether the published output is byte-identical and what was left beside it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def cli(root: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_builder.cli", *map(str, args)], cwd=root,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` but ``leave`` bytes."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with open(disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def case(name: str, root: Path, out: Path, *args) -> dict:
    before = tree(out)
    r = cli(root, "build", "--out", out, *args)
    return {"case": name, "code": r.returncode, "err": r.stderr, "same": tree(out) == before,
            "leftovers": sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".public."))}


def main() -> int:
    tmp = Path(sys.argv[1])
    root = tmp / "proj"
    for part in ("content", "layouts", "static"):
        shutil.copytree(REPO / part, root / part)
    disk = tmp / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)], check=True)
    out = disk / "public"
    first = cli(root, "build", "--out", out)
    if first.returncode != 0:
        print(first.stderr, file=sys.stderr)
        return 1
    f = root / "content/filings/130202-430001-2025.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("保安保洁物业管理服务", "保安保洁物业管理服务（改）", 1),
                 encoding="utf-8")
    fill(disk, 96 * 1024)
    results = [case("cached rebuild", root, out), case("full build", root, out, "--clean")]
    (disk / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    results.append(case("read-only", root, out))
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
