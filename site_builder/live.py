"""The live preview's builds: an edit of existing filings that keeps each
one's *shape* (analysis.site.filing_shape) is applied to the last build's site
model in place, and only the pages that show it are rendered (~0.2 s at
10,000 filings); anything else is a build (build.Builder) with the same
result. Tests assert both ways render the same pages and equal a clean
build after each kind of edit.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from .analysis.site import Places, filing_shape, release, replace_filing
from .build import Builder, BuildReport, Project
from .build.builder import staged, template_errors
from .build.groups import render_page
from .build.inputs import read_inputs
from .build.parse import file_hash, file_stat, parse_one
from .cache import content_identity, every_filing_hash, group_fingerprint, no_gc, page_fingerprint, sha
from .errors import BuildError
from .analysis.views import replace_in_views
from .pages.map import ALL, EVERY_LISTING, agency_pages


class LiveBuilder:
    """A Builder kept for a whole preview session, with the way to apply an
    edit in place."""

    def __init__(self, root: Path, out_dir: Path, *, base_path: str | None = None):
        self.builder = Builder(Project(root), out_dir, base_path=base_path)
        self.places = Places()  # where each filing sits in the model's lists (replace_filing)
        self._site_data_pending = False  # an in-place edit deferred the site-wide downloads

    @property
    def project(self) -> Project:
        return self.builder.project

    @property
    def state(self):
        return self.builder.state

    def build(self, *, clean: bool = False, search: bool = False, jobs: int = 1, verify_output: bool = True,
              defer_site_data: bool = False, changed: list[str] | None = None,
              log: Callable[[str], None] | None = None) -> BuildReport:
        """After a build in this process, an edit that keeps every filing's
        shape is applied in place; anything else takes the whole way, with
        the same result. ``defer_site_data``: an in-place edit leaves the
        site-wide downloads (/data/*.csv, filings.json, ~200 MB at 10,000
        filings) to ``write_site_data`` (``serve`` calls it once the browser
        has been told to reload). ``changed``: the files a watcher saw
        change; when they are all known filings, the others are not looked
        at (a stat of 10,000 files is a third of an in-place edit)."""
        with no_gc(), template_errors(self.project.layouts):
            if not clean and not search and self.builder.built is not None:
                self.builder.store.clear()
                report = self._in_place(verify_output, defer_site_data, changed, log or (lambda s: None))
                if report is not None:
                    self.builder.remember_good()
                    return report
            self._site_data_pending = False
            self.places = Places()
            return self.builder.build(clean=clean, search=search, jobs=jobs, verify_output=verify_output, log=log)

    def write_site_data(self) -> list[str]:
        """Write the site-wide downloads an in-place edit deferred; returns the
        files written."""
        built = self.builder.built
        if not self._site_data_pending or built is None:
            return []
        b, state = self.builder, self.builder.state
        with no_gc():
            report = BuildReport(b.out_dir, 0, 0, 0, 0.0, [])
            identity = sha(f"{built.inputs.global_fp}\0{state.dep_hashes[ALL]}".encode())[:20]
            with staged(b.out_dir, full=False) as stage:
                state.file_hashes = b.stage_changes(stage, b.downloads(built.inputs).site_files(built.site), None,
                                                    identity, report, False)
                b.publish(stage, state.content_id)
            self._site_data_pending = False
            return report.written

    def _in_place(self, verify_output: bool, defer_site_data: bool, hint: list[str] | None,
                  say: Callable[[str], None]) -> BuildReport | None:
        """Apply edits of existing filings to the live site model in place, and
        render only the pages that show them. Returns None (the caller takes
        the whole way) when anything else changed: settings, taxonomy,
        Markdown pages, static files, templates, the set of filing files, or
        a filing's shape. Nothing is written, and the live model is not
        touched, before every edited file has parsed, validated and been
        found to keep its shape."""
        t0 = time.perf_counter()
        b, state, built = self.builder, self.builder.state, self.builder.built
        assert built is not None
        # -- global inputs: all must be as last built
        inputs = read_inputs(b.project, b.base_path)
        if inputs.md_key != built.inputs.md_key or inputs.global_fp != built.inputs.global_fp:
            return None
        renderer = b.templates.renderer(inputs)
        if b.templates.key != built.renderer_key:
            return None
        # -- the filing files: the same set, some with new bytes
        known = state.filings
        hinted = [os.path.abspath(p) for p in hint or ()]
        if hinted and all(p in known and os.path.isfile(p) for p in hinted):
            paths = hinted  # the watcher's word: the set of files is unchanged
        else:
            paths = b.project.filing_paths()
            if paths != built.files:
                return None
        todo: list[tuple[str, tuple[int, int], str]] = []
        touched: dict[str, tuple[int, int]] = {}
        for key in paths:
            stat, st = file_stat(key)
            c = state.filings[key]
            if c.stat == stat:
                continue
            digest = file_hash(key, st)
            if digest == c.sha:
                touched[key] = stat
            else:
                todo.append((key, stat, digest))
        t_scan = time.perf_counter()
        fresh = [parse_one(k, st, d, built.site.taxonomy, inputs.taxonomy_fp) for k, st, d in todo]
        errors = [p for c in fresh for p in c.problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        if any(c.info is None or state.filings[c.key].info is None
               or filing_shape(c.info) != filing_shape(state.filings[c.key].info) for c in fresh):
            return None
        # -- apply to the live model (in place), then render what shows the edits
        try:
            return self._apply(fresh, touched, renderer, verify_output, defer_site_data, say, t0, t_scan)
        except BaseException:
            b.built = None  # the live model may be half updated: the next build takes the whole way
            raise

    def _apply(self, fresh, touched, renderer, verify_output, defer_site_data, say, t0, t_scan) -> BuildReport:
        b, state, built = self.builder, self.builder.state, self.builder.built
        site, plan, inputs = built.site, built.plan, built.inputs
        for key, stat in touched.items():
            state.filings[key].stat = stat
        for c in fresh:
            old = state.filings[c.key].info
            replace_filing(site, old, c.info, self.places)
            replace_in_views(plan.views, old, c.info, self.places)
            b.store.attach(c.info, c.whole)
            state.filings[c.key] = c
            release(old)
        changed = {c.info.dep for c in fresh}
        dep_hash = dict(state.dep_hashes)
        for c in fresh:
            dep_hash[c.info.dep] = c.info.content_hash
        dep_hash[ALL] = every_filing_hash(dep_hash)
        # the site-wide pages read light filings only: they change when one does
        listed = {c.info.listing_dep for c in fresh if dep_hash.get(c.info.listing_dep) != c.info.listing_hash}
        for c in fresh:
            dep_hash[c.info.listing_dep] = c.info.listing_hash
        if listed:
            listed.add(EVERY_LISTING)
            dep_hash[EVERY_LISTING] = every_filing_hash(dep_hash, "listing:")
        agencies = {c.info.agency.slug: c.info.agency for c in fresh}
        pages = [p for ag in agencies.values() for p in agency_pages(ag)] + plan.shared_pages
        todo_pages = [p for p in pages if not p.deps.isdisjoint(changed | listed)]
        template_fp = plan.template_fp
        for p in todo_pages:
            if p.template not in template_fp:
                template_fp[p.template] = renderer.template_hash(p.template)
        t_render = time.perf_counter()
        outputs = {p.output: render_page(renderer, p) for p in todo_pages}
        t_rendered = time.perf_counter()
        global_fp = inputs.global_fp
        if changed or (self._site_data_pending and not defer_site_data):
            self._site_data_pending = defer_site_data and (self._site_data_pending or bool(changed))
            downloads = b.downloads(inputs)
            outputs.update(b.asset_files(inputs))
            outputs.update(downloads.filing_files([i for i in site.filings if i.dep in changed]))
            if not self._site_data_pending:
                outputs.update(downloads.site_files(site))
        data_identity = sha(f"{global_fp}\0{dep_hash[ALL]}".encode())[:20]
        warnings = [p for c in state.filings.values() for p in c.problems if p.severity == "warning"]
        report = BuildReport(b.out_dir, len(state.page_fps), 0, len(site.filings), 0.0, warnings, full=False,
                             in_place=True)
        with staged(b.out_dir, full=False) as stage:
            state.file_hashes = b.stage_changes(stage, outputs, None, data_identity, report, verify_output)
            values = plan.values
            for d in changed | listed | {ALL}:
                values.pop(d, None)
            values.dep_hash = dep_hash
            for p in todo_pages:
                state.page_fps[p.output] = page_fingerprint(p.url, p.template, p.deps, global_fp, template_fp, values)
            for ag in agencies.values():
                state.group_fps[ag.slug] = group_fingerprint(global_fp, plan.group_tfp, ag.name,
                                                             [f.content_hash for f in ag.filings])
            state.dep_hashes = dep_hash
            b.publish(stage, content_identity(global_fp, dep_hash))
        report.rendered = [p.output for p in todo_pages]
        report.files = len(state.file_hashes)
        report.seconds = time.perf_counter() - t0
        ms = lambda a, c: f"{(c - a) * 1000:.0f}"  # noqa: E731
        say(f"applied {len(fresh)} edited filing(s) in place in {report.seconds * 1000:.0f} ms: inputs checked in "
            f"{ms(t0, t_scan)}, parsed and applied in {ms(t_scan, t_render)}, {len(todo_pages)} page(s) rendered in "
            f"{ms(t_render, t_rendered)}, written in {ms(t_rendered, t0 + report.seconds)} ms")
        return report
