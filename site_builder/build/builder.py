"""The build of one project into one output folder, remembering what it
made so that the next build renders only what changed (``Builder.build``
reads top to bottom)."""
from __future__ import annotations

import os
import pickle
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import jinja2

from ..analysis.site import SiteModel, build_site_model, significant_code
from ..cache import CODE_FINGERPRINT, BuildCache, CachedFiling, FilingStore, State, no_gc, payload, sha
from ..errors import BuildError
from ..content.load import Problem, files_under
from ..output import MARKER, Stage, memory_folder, remove_detached, remove_tree, search_folder, uninterrupted
from ..render import Renderer, template_problem
from ..search import BUNDLE_DIR, BUNDLES_DIR, index_site, indexed_pages, plan_bundles
from ..content.validate import check_across
from . import workers
from .downloads import SITE_DATA_FILES, Downloads
from .groups import group, render_groups, render_page
from .inputs import Inputs, Project, Templates, read_inputs
from . import parse
from .parse import Prerender, analysed, read_filings
from .plan import Plan, plan_pages


@dataclass
class BuildReport:
    out_dir: Path
    pages: int
    files: int
    filings: int
    seconds: float
    warnings: list[Problem]
    full: bool = True
    in_place: bool = False  # an edit applied to the live site model (live.py)
    rendered: list[str] = field(default_factory=list)  # output paths of re-rendered pages
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    deleted: list[str] = field(default_factory=list)
    search: dict | None = None


@dataclass
class Built:
    """What the last successful build in this process rendered from: the
    live preview applies the next edit of one filing to it in place."""

    site: SiteModel
    inputs: Inputs
    plan: Plan
    renderer_key: str
    files: list[str]  # the filing paths, in order


@contextmanager
def template_errors(layouts: Path) -> Iterator[None]:
    """A template that does not parse or is missing, met while fingerprinting
    pages, fails the build like a filing's error: its file and line."""
    try:
        yield
    except jinja2.TemplateError as exc:
        raise BuildError([template_problem(exc, layouts)]) from None


@contextmanager
def staged(out_dir: Path, *, full: bool) -> Iterator[Stage]:
    """A stage for the output (output.publish), discarded unless published."""
    stage = Stage(out_dir, full=full)
    try:
        yield stage
    finally:
        stage.discard()


class Builder:
    """Builds one project into one output folder, remembering what it made:
    the state (kept in memory by the preview, saved with each publish by
    ``build``), the compiled templates and the whole filings."""

    def __init__(self, project: Project, out_dir: Path, *, base_path: str | None = None, persist: bool = False):
        self.project = project
        self.out_dir = Path(out_dir).resolve()
        self.base_path = base_path
        self.state = State()
        self.cache = BuildCache(project.root, self.out_dir)
        self.persist = persist  # save the state with each publish (build), or keep it in memory only (serve)
        self.pack = self.cache.pack_writer()  # where parse workers set whole filings and download rows aside
        self.templates = Templates(project.layouts, self.cache.top)
        self.store = FilingStore()
        self.built: Built | None = None  # set by each successful build
        # each filing of the last good build and its bytes' hash (from the
        # state a build starts with, then from each build that succeeds): of
        # two files that claim one identity, the one not among these is reported
        self._good: dict[str, str] | None = None
        self._pool: workers.Workers | None = None  # a full build's workers, from parsing to rendering
        # the output folder's files, listed by a child process while this one
        # loads the cache (build.build()); else stage_changes walks the folder itself
        self.early_listing: workers.InBackground | None = None

    def build(self, *, clean: bool = False, search: bool = False, jobs: int = 1, verify_output: bool = True,
              log: Callable[[str], None] | None = None) -> BuildReport:
        """The whole build. ``verify_output``: also delete files in the output
        folder that no build produced (a walk of the folder; ``serve`` trusts
        its own state)."""
        say = log or (lambda s: None)
        t0 = time.perf_counter()
        self.built = None
        self.store.clear()  # whole filings kept from the last build link to its agencies
        if self._good is None:
            self._good = {key: c.sha for key, c in self.state.filings.items()}
        with no_gc(), template_errors(self.project.layouts):
            inputs = read_inputs(self.project, self.base_path)  # settings, taxonomy, pages, static files
            renderer = self.templates.renderer(inputs)  # compiled templates, kept between builds
            full = clean or not self.state.describes(self.out_dir)
            # a full build writes from its start: each filing's own pages as it is parsed
            with staged(self.out_dir, full=True) if full else nullcontext() as early:
                try:
                    site, warnings = self.read_site(inputs, renderer, jobs, say, early)
                    t = time.perf_counter()
                    plan = plan_pages(site, inputs, renderer, self.state, full)
                    say(f"page map: {len(plan.pages)} pages listed, {len(plan.kept_outputs)} unchanged in "
                        f"{time.perf_counter() - t:.2f} s")
                    report = BuildReport(self.out_dir, len(plan.pages) + len(plan.kept_outputs), 0,
                                         len(site.filings), 0.0, warnings, full=plan.full)
                    with nullcontext(early) if plan.full and early else staged(self.out_dir, full=plan.full) as stage:
                        write_data = None  # a full build's downloads, written beside the search index
                        if plan.full:
                            hashes, write_data = self.write_all(stage, plan, site, inputs, renderer, jobs, say)
                        else:
                            hashes = self.write_changes(stage, plan, site, inputs, renderer, report, verify_output)
                        if search:
                            report.search = self.index(stage, hashes, report, site, say, jobs, full=plan.full,
                                                       meanwhile=write_data)
                        else:
                            if write_data:
                                write_data()
                            if plan.full:
                                self.state.search_indexed, self.state.search_bundles = set(), {}
                        self.remember(plan, hashes)
                        self.publish(stage, plan.content_id)
                finally:
                    self._close_pool(failed=sys.exc_info()[1] is not None)
            if plan.full:  # packs of earlier builds that this state no longer refers to
                self.cache.prune(self.state)
        report.rendered = [p.output for p in (plan.pages if plan.full else plan.changed)]
        report.written = sorted(hashes) if plan.full else report.written
        report.files = len(hashes)
        report.seconds = time.perf_counter() - t0
        self.built = Built(site, inputs, plan, self.templates.key, list(self.state.filings))
        self.remember_good()
        return report

    def remember_good(self) -> None:
        """The filings of the build that just succeeded (see ``_good``)."""
        self._good = {key: c.sha for key, c in self.state.filings.items()}

    # -- filings in, site model out ---------------------------------------
    def load(self, jobs: int = 1) -> tuple[Inputs, Renderer, SiteModel]:
        """The inputs, the templates and the site model, nothing written (for
        tools that read the site: exports, tests)."""
        inputs = read_inputs(self.project, self.base_path)
        renderer = self.templates.renderer(inputs)
        site, _ = self.read_site(inputs, renderer, jobs, lambda s: None, None)
        return inputs, renderer, site

    def read_site(self, inputs: Inputs, renderer: Renderer, jobs: int, say: Callable[[str], None],
                  stage: Stage | None) -> tuple[SiteModel, list[Problem]]:
        """The filings, parsed (or from the cache), validated across, analysed
        into the site model; its warnings. Raises BuildError listing every
        error. A full build (``stage``) writes each filing's own pages as it
        is parsed (Prerender)."""
        taxonomy = inputs.taxonomy()
        prerender = None
        if stage is not None:
            prerender = Prerender(stage.write, inputs.config.absolute, inputs.global_fp)
        paths = self.project.filing_paths()
        if (prerender is not None and jobs > 1 and len(paths) >= parse.PARSE_POOL_MIN and workers.can_fork()
                and self._pool is None):
            # a large site: the workers that parse now render the agencies'
            # pages later (build/workers.py: forked while this process is small)
            self._pool = workers.Workers(jobs, parse=(taxonomy, inputs.taxonomy_fp, prerender, self.pack),
                                         render=(renderer, stage.write, inputs.config.absolute))
        t = time.perf_counter()
        cached = read_filings(paths, self.state, taxonomy, inputs.taxonomy_fp, jobs, prerender, self.pack, self._pool)
        say(f"read {len(cached)} filings in {time.perf_counter() - t:.2f} s")
        # unchanged files first: a duplicate is reported at the file that made it (new, or edited)
        good = self._good or {}
        loaded = [c.loaded for c in sorted(cached, key=lambda c: good.get(c.key) != c.sha) if c.loaded is not None]
        problems = [p for c in cached for p in c.problems] + check_across(loaded)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        if not loaded:
            raise BuildError([Problem(str(self.project.content / "filings"), 1, 1, "error", "no filings found")])
        for c in cached:
            if c.info is None or c.analyzed_with != inputs.taxonomy_fp:  # the taxonomy changed: categories anew
                self._reanalyse(c, taxonomy, inputs.taxonomy_fp)
            self.store.attach(c.info, c.whole)
        t = time.perf_counter()
        site = build_site_model([c.info for c in cached], taxonomy)
        say(f"{len(site.filings)} filings, {site.totals.projects} projects, {site.totals.indicators} indicators"
            f" (site model in {time.perf_counter() - t:.2f} s)")
        return site, [p for p in problems if p.severity == "warning"]

    @staticmethod
    def _reanalyse(c: CachedFiling, taxonomy, taxonomy_fp: str) -> None:
        loaded = pickle.loads(payload(c.whole)).loaded if c.whole is not None else c.loaded
        c.info, c.whole, _, _ = analysed(loaded, taxonomy, c.sha)
        c.loaded, c.written = c.info.loaded, None
        c.analyzed_with = taxonomy_fp
        c.chunks = None
        c.blob = None

    # -- writing ------------------------------------------------------------
    def downloads(self, inputs: Inputs) -> Downloads:
        return Downloads(self.state, inputs.config.absolute, inputs.global_fp, inputs.config.title)

    def write_all(self, stage: Stage, plan: Plan, site: SiteModel, inputs: Inputs, renderer: Renderer, jobs: int,
                  say: Callable[[str], None]) -> tuple[dict[str, str], Callable[[], None]]:
        """Write the whole site into the full stage, but for what parse
        workers wrote there already (each filing's downloads): every
        agency's own pages, the pages that list filings across the site and
        the static files; returns {output path: hash} and a function that
        writes the downloads still to write (the site-wide ones, and the
        filings' that no worker wrote) and adds theirs. No page depends on
        the downloads, so a build with search writes them while Pagefind
        indexes the pages (they keep one core busy for ~3 s at 10,000
        filings, where it would be idle)."""
        state = self.state
        downloads = self.downloads(inputs)
        hashes = {rel: h for c in state.filings.values() if c.written for rel, h in c.written.items()}
        t = time.perf_counter()
        due = downloads.due(site.filings)
        written = {i.dep for i in site.filings if state.filings[i.loaded.path].written}  # downloads, by Prerender
        wholes = {i.dep: state.filings[i.loaded.path].whole for i in site.filings}
        groups = [group(ag, wholes, due) for ag in site.agencies]
        page_hashes, made = render_groups(renderer, stage.write, inputs.config.absolute, groups,
                                          list(plan.shared_pages), jobs=jobs, pool=self._pool,
                                          progress=lambda n, total: say(f"rendered {n}/{total} pages"))
        self._close_pool()  # their work is done: free their memory for what follows
        hashes.update(page_hashes)
        by_dep = {i.dep: i for i in site.filings}
        for dep, chunks in made.items():
            downloads.made(by_dep[dep], chunks)
        say(f"pages and per-filing downloads rendered and written in {time.perf_counter() - t:.2f} s")
        for rel, data in self.asset_files(inputs).items():  # a static file may be a page
            stage.write(rel, data)
            hashes[rel] = sha(data)

        def write_data() -> None:
            t = time.perf_counter()
            for rel, data in downloads.filing_files([i for i in site.filings if i.dep not in due | written]).items():
                stage.write(rel, data)
                hashes[rel] = sha(data)
            for rel in downloads.write_site_files(stage.open, site):
                hashes[rel] = plan.data_identity
            say(f"data downloads in {time.perf_counter() - t:.2f} s")

        return hashes, write_data

    @staticmethod
    def asset_files(inputs: Inputs) -> dict[str, bytes]:
        return {out.lstrip("/"): data for out, data in inputs.assets.files.values()}

    def write_changes(self, stage: Stage, plan: Plan, site: SiteModel, inputs: Inputs, renderer: Renderer,
                      report: BuildReport, verify_output: bool) -> dict[str, str]:
        """Render the changed pages and downloads in memory (an error here
        changes nothing), and stage what differs from the output."""
        state = self.state
        outputs: dict[str, bytes] = {p.output: render_page(renderer, p) for p in plan.changed}
        downloads = self.downloads(inputs)
        changed_filings = [i for i in site.filings if state.dep_hashes.get(i.dep) != plan.dep_hash[i.dep]]
        outputs.update(self.asset_files(inputs))
        outputs.update(downloads.filing_files(changed_filings))
        if any(state.file_hashes.get(rel) != plan.data_identity for rel in SITE_DATA_FILES):
            outputs.update(downloads.site_files(site))
        expected = {p.output for p in plan.pages}
        expected.update(plan.kept_outputs)
        expected.update(self.asset_files(inputs))
        expected.update(downloads.expected(site))
        return self.stage_changes(stage, outputs, expected, plan.data_identity, report, verify_output)

    def stage_changes(self, stage: Stage, outputs: dict[str, bytes], expected: set[str] | None,
                      data_identity: str, report: BuildReport, verify_output: bool) -> dict[str, str]:
        """Stage the outputs whose bytes changed, and the deletion of files no
        longer produced (``expected`` None: the same files as before); returns
        {output path: hash} of the new version."""
        state = self.state
        hashes = dict(state.file_hashes) if expected is None else {
            rel: h for rel, h in state.file_hashes.items() if rel in expected}
        for rel, data in sorted(outputs.items()):
            h = data_identity if rel in SITE_DATA_FILES else sha(data)
            if hashes.get(rel) == h and (self.out_dir / rel).exists():
                continue
            stage.write(rel, data)
            hashes[rel] = h
            report.written.append(rel)
        if expected is None and not verify_output:
            return hashes
        known = set(state.file_hashes)
        expected = set(state.file_hashes) if expected is None else expected
        if verify_output:
            early, self.early_listing = self.early_listing, None
            listed = early.result() if early is not None else None
            known.update(listed if listed is not None else output_files(self.out_dir))
        for rel in sorted(known - expected - {MARKER}):
            if (self.out_dir / rel).exists():
                stage.delete(rel)
                report.deleted.append(rel)
        return hashes

    def index(self, stage: Stage, hashes: dict[str, str], report: BuildReport, site: SiteModel,
              say: Callable[[str], None], jobs: int, *, full: bool,
              meanwhile: Callable[[], None] | None = None) -> dict | None:
        """The search bundles of the staged version (search.index_site), made
        in the stage and checked: all of them for a full stage; for a partial
        one, only the bundles whose pages changed (their fingerprints: each
        page's output path and hash), with Pagefind shown their pages as the
        new version has them, staged or published. None when no bundle
        changed. ``meanwhile()`` is called once, beside the first Pagefind
        run (index_site)."""
        state = self.state
        written = set(report.written)
        pages = {rel: (stage.path / rel if full or rel in written else self.out_dir / rel)
                 for rel in hashes if rel.endswith(".html")}
        if full or not state.search_bundles:
            indexed = indexed_pages(pages)
            changed_pages = set(pages)
        else:
            changed_pages = {rel for rel in report.written if rel in pages}
            indexed = {rel for rel in state.search_indexed if rel in pages and rel not in changed_pages}
            indexed |= indexed_pages({rel: pages[rel] for rel in changed_pages})
        plan = plan_bundles(indexed)
        fps = {key: sha("\0".join(f"{rel}={hashes[rel]}" for rel in rels).encode())[:20] for key, rels in plan.items()}
        bundle_dir = self.out_dir / BUNDLE_DIR / BUNDLES_DIR
        if full or not state.search_bundles:
            todo = set(plan)
        else:
            todo = {key for key in plan if state.search_bundles.get(key) != fps[key] or not (bundle_dir / key).is_dir()}
        gone = set(state.search_bundles) - set(plan) if not full else set()
        if not todo and not gone and (self.out_dir / BUNDLE_DIR / "merged" / "pagefind.js").is_file():
            state.search_indexed = indexed
            if meanwhile:
                meanwhile()
            return None
        if not full and not state.search_bundles:  # no bundles of ours yet: the whole folder anew
            stage.folder(BUNDLE_DIR)
        elif not full:
            for key in todo:
                stage.folder(f"{BUNDLE_DIR}/{BUNDLES_DIR}/{key}")
            for key in gone:
                stage.remove_folder(f"{BUNDLE_DIR}/{BUNDLES_DIR}/{key}")
        names = {significant_code(code): region.name for code, region in site.regions.items()}
        places = {significant_code(code): region.short_name for code, region in site.regions.items()}
        scratch = search_folder(self.out_dir)
        memory = memory_folder(self.out_dir)  # the pages as Pagefind reads them, when there is room in memory
        try:
            result = index_site(stage.path, stage.path / BUNDLE_DIR, pages=pages, bundles=plan, only=todo,
                                names=names, places=places, meanwhile=meanwhile, scratch=scratch, memory=memory,
                                log=say, jobs=jobs)
        except Exception:  # a failed build leaves nothing beside the output when it returns
            remove_tree(scratch)
            raise
        except BaseException:  # stopped (Ctrl-C): stop now, the rest goes in the background
            remove_detached(scratch)
            raise
        finally:
            if memory is not None:  # removing files from memory is quick
                remove_tree(memory)
        remove_detached(scratch)
        state.search_indexed, state.search_bundles = indexed, fps
        return result

    # -- what the output holds now ------------------------------------------
    def remember(self, plan: Plan, hashes: dict[str, str]) -> None:
        """The state of the output this build is about to publish."""
        state = self.state
        state.out_dir = str(self.out_dir)
        state.version = CODE_FINGERPRINT
        state.page_fps = {**{o: state.page_fps[o] for o in plan.kept_outputs}, **plan.fps}
        state.group_fps = plan.group_fps
        state.group_urls = plan.group_urls
        state.file_hashes = hashes
        state.dep_hashes = plan.dep_hash

    def publish(self, stage: Stage, content_id: str) -> None:
        """Put ``stage`` in place, the build state with it: the state is
        written first and put in place just after, so a state never
        describes an output that is not there (BuildCache.load checks)."""
        state = self.state
        state.content_id = content_id
        stage.mark(content_id)
        tmp = self.cache.write(state) if self.persist else None
        with uninterrupted():
            try:
                stage.publish()
            except BaseException:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
                self.state, self.built = State(), None  # what this process knows no longer matches the output
                raise
            if tmp is not None:
                self.cache.commit(tmp, state)

    def _close_pool(self, failed: bool = False) -> None:
        if self._pool is not None:
            self._pool.close(failed)
            self._pool = None


def output_files(out_dir: Path) -> set[str]:
    """Every file in the output folder, as output paths, but Pagefind's bundle
    (its own)."""
    return {"/".join(parts) for parts, _path in files_under(out_dir, skip=("pagefind",))}
