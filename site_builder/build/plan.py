"""Which pages a build renders: the page map, each page's fingerprint, and
those that changed since the output was made.

An agency's own pages (its page, its filings' and their projects' pages)
depend on its filings alone and are fingerprinted as a group: a rebuild
does not even list the groups whose inputs did not change (~85 % of the
site's pages at 10,000 filings).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.site import SiteModel
from ..cache import (DepValues, State, content_identity, every_filing_hash, group_fingerprint, page_fingerprint,
                     sha)
from ..analysis.views import SiteViews, site_views
from ..pages.map import AGENCY_TEMPLATES, ALL, EVERY_LISTING, Page, agency_pages, output_of, site_pages
from ..render import Renderer
from .inputs import Inputs

# above this many changed pages a rebuild is done as a full build
FULL_REBUILD_THRESHOLD = 5000


@dataclass
class Plan:
    full: bool  # every page rendered into a new output, or only the changed ones
    dep_hash: dict[str, str]  # dependency → content hash
    values: DepValues
    group_tfp: str  # the agency pages' templates
    group_fps: dict[str, str]  # agency slug → its group's fingerprint
    group_urls: dict[str, list[str]]  # agency slug → its group's URLs
    kept_outputs: list[str]  # outputs of unchanged groups: not listed, not rendered, still in the output
    agency_urls: list[str]  # every group's URLs, in site order
    shared_pages: list[Page]  # the pages that list filings across the site
    pages: list[Page]  # the pages listed (all, or all but the unchanged groups)
    template_fp: dict[str, str]
    fps: dict[str, str]  # output → fingerprint of the listed pages
    changed: list[Page]  # the pages to render
    views: SiteViews
    content_id: str  # what the output will hold (cache.content_identity)
    global_fp: str  # the code and settings every page shares

    @property
    def data_identity(self) -> str:
        """The site-wide downloads are joined from per-filing chunks: their
        identity is that of the inputs, so a rebuild neither joins nor hashes
        ~200 MB of CSV at 10,000 filings unless some filing changed."""
        return sha(f"{self.global_fp}\0{self.dep_hash[ALL]}".encode())[:20]


def dependency_hashes(site: SiteModel, inputs: Inputs) -> dict[str, str]:
    dep_hash = {i.dep: i.content_hash for i in site.filings}
    dep_hash[ALL] = every_filing_hash(dep_hash)
    dep_hash.update((i.listing_dep, i.listing_hash) for i in site.filings)
    dep_hash[EVERY_LISTING] = every_filing_hash(dep_hash, "listing:")
    for mp in inputs.md_pages:
        dep_hash[f"page:{mp.slug}"] = sha(mp.body.encode())[:16]
    return dep_hash


def plan_pages(site: SiteModel, inputs: Inputs, renderer: Renderer, state: State, full: bool) -> Plan:
    """The pages to render into the output ``state`` describes (all of them
    when ``full``, or when so many changed that a full build is cheaper)."""
    global_fp = inputs.global_fp
    dep_hash = dependency_hashes(site, inputs)
    group_tfp = sha("".join(renderer.template_hash(t) for t in AGENCY_TEMPLATES).encode())[:16]
    group_fps = {ag.slug: group_fingerprint(global_fp, group_tfp, ag.name, [f.content_hash for f in ag.filings])
                 for ag in site.agencies}
    views = site_views(site)
    values = DepValues(dep_hash)

    def page_map(full: bool) -> Plan:
        own_pages: list[Page] = []
        group_urls: dict[str, list[str]] = {}
        kept_outputs: list[str] = []
        for ag in site.agencies:
            old_urls = state.group_urls.get(ag.slug)
            if not full and old_urls is not None and state.group_fps.get(ag.slug) == group_fps[ag.slug]:
                group_urls[ag.slug] = old_urls
                kept_outputs.extend(output_of(u) for u in old_urls)
                continue
            mine = agency_pages(ag)
            own_pages.extend(mine)
            group_urls[ag.slug] = [p.url for p in mine]
        agency_urls = [u for ag in site.agencies for u in group_urls[ag.slug]]
        shared_pages = site_pages(site, inputs.md_pages, agency_urls, views)
        pages = own_pages + shared_pages
        template_fp = {name: renderer.template_hash(name) for name in {p.template for p in pages}}
        fps = {p.output: page_fingerprint(p.url, p.template, p.deps, global_fp, template_fp, values) for p in pages}
        changed = [p for p in pages if state.page_fps.get(p.output) != fps[p.output]]
        return Plan(full, dep_hash, values, group_tfp, group_fps, group_urls, kept_outputs, agency_urls, shared_pages,
                    pages, template_fp, fps, changed, views, content_identity(global_fp, dep_hash), global_fp)

    plan = page_map(full)
    if not full and len(plan.changed) > FULL_REBUILD_THRESHOLD:
        plan = page_map(True)  # a full build makes a new output folder: every group must be in it
    return plan
