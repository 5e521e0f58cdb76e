"""The package's shape: every import points down the layers of
docs/architecture.md (the import-linter contract in pyproject.toml), and no
module imports, however indirectly, one that imports it."""
from __future__ import annotations

import subprocess
import sys

import grimp

from conftest import REPO


def test_every_import_points_down_the_layers():
    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c;"
                           " sys.exit(c())"], cwd=REPO, capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_no_import_cycle():
    graph = grimp.build_graph("site_builder")
    cycles = sorted({tuple(sorted((m, i))) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)
                     if graph.chain_exists(importer=i, imported=m)})
    assert cycles == []
