"""A build's inputs other than the filings: where they live, the site's
settings, the taxonomy, the Markdown pages, the static files, and the
templates compiled from the layouts."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import CODE_FINGERPRINT, sha
from ..analysis.categories import Taxonomy, TaxonomyError, load_taxonomy
from ..content.config import SiteConfig, load_config
from ..errors import BuildError
from ..content.load import LoadError, yaml_paths
from ..pages.map import MarkdownPage, load_markdown_pages
from ..render import Assets, Renderer


@dataclass
class Project:
    """Where a site's inputs live (the repository layout)."""

    root: Path
    content: Path = field(init=False)
    layouts: Path = field(init=False)
    static: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.content = self.root / "content"
        self.layouts = self.root / "layouts"
        self.static = self.root / "static"

    @property
    def protected(self) -> list[Path]:
        """Folders no output folder may be, be inside of, or hold."""
        return [self.content, self.layouts, self.static, self.root / ".git", self.root / ".cache"]

    def filing_paths(self) -> list[str]:
        folder = self.content / "filings"
        try:
            return yaml_paths(folder) if folder.is_dir() else []  # none: "no filings found"
        except LoadError as exc:  # a folder in it that cannot be listed
            raise BuildError([exc.problem]) from None


@dataclass
class Inputs:
    """Settings, taxonomy, Markdown pages and static files, and the
    fingerprint of all that (with the generator's code) every page shares."""

    config: SiteConfig
    taxonomy_fp: str
    md_pages: list[MarkdownPage]
    assets: Assets
    global_fp: str
    taxonomy_file: Path

    @property
    def md_key(self) -> list:
        return [(p.slug, p.title, p.order, p.body) for p in self.md_pages]

    def taxonomy(self) -> Taxonomy:
        """The category rules; a missing or broken file is reported like a filing's errors."""
        try:
            return load_taxonomy(self.taxonomy_file)
        except TaxonomyError as exc:
            raise BuildError(exc.problems) from None


def read_inputs(project: Project, base_path: str | None) -> Inputs:
    content = project.content
    taxonomy_file = content / "taxonomy.yaml"
    taxonomy_fp = sha(taxonomy_file.read_bytes() if taxonomy_file.exists() else b"")[:16]
    config = load_config(content, base_path)
    md_pages = load_markdown_pages(content / "pages")
    assets = Assets(project.static)
    global_fp = sha(json.dumps([
        CODE_FINGERPRINT, config.model_dump(mode="json"), config.base_path, taxonomy_fp, assets.fingerprint,
        [(p.slug, p.title, p.order) for p in md_pages],
    ], ensure_ascii=False, sort_keys=True).encode())[:16]
    return Inputs(config, taxonomy_fp, md_pages, assets, global_fp, taxonomy_file)


TEMPLATE_CACHE_PREFIX = "templates-"
TEMPLATE_CACHES_KEPT = 4  # e.g. a site built with two base paths, and a layout edit undone


class Templates:
    """Jinja's compiled templates, kept between builds while the layouts,
    settings and assets are unchanged (compiling is most of a small
    rebuild), and on disk under ``cache_top`` for the next process."""

    def __init__(self, layouts: Path, cache_top: Path):
        self.layouts = layouts
        self.cache_top = cache_top
        self.key = ""
        self._renderer: Renderer | None = None

    def renderer(self, inputs: Inputs) -> Renderer:
        config, assets = inputs.config, inputs.assets
        h = hashlib.sha256(json.dumps([config.model_dump(mode="json"), config.base_path, assets.fingerprint,
                                       CODE_FINGERPRINT], sort_keys=True).encode())
        for p in sorted(self.layouts.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(self.layouts).as_posix().encode() + b"\0" + p.read_bytes())
        key = h.hexdigest()
        if self._renderer is None or self.key != key:
            cache_dir = self.cache_top / f"{TEMPLATE_CACHE_PREFIX}{key[:16]}"
            self._renderer = Renderer(self.layouts, config, assets, cache_dir)
            self.key = key
            self._prune(keep=cache_dir)
        return self._renderer

    def _prune(self, keep: Path) -> None:
        """Keep the compiled templates of the few layouts/settings used last."""
        os.utime(keep)
        caches = sorted((p for p in self.cache_top.glob(f"{TEMPLATE_CACHE_PREFIX}*") if p.is_dir()),
                        key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in caches[TEMPLATE_CACHES_KEPT:]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)
