"""Incremental builds equal clean builds, rebuild exactly what an edit
affects, and the live preview serves edits, error banners and reloads."""
from __future__ import annotations

import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import copy_project, edit, fetch, running_preview, tree_digest, wait_for
from site_builder.build import build
from site_builder.errors import BuildError
from site_builder.live import LiveBuilder as Builder

CAOFEIDIAN = "content/filings/130209-442001-2024.yaml"


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "proj")


def assert_equals_clean(root: Path, out: Path, tmp: Path) -> None:
    clean = tmp / f"clean-{time.monotonic_ns()}"
    build(root, clean, search=False, clean=True)
    assert tree_digest(out) == tree_digest(clean)


def test_incremental_equals_clean_after_a_sequence_of_edits(project, tmp_path):
    out = tmp_path / "public"
    first = build(project, out, search=False)
    assert first.full
    f = project / CAOFEIDIAN

    # 1. change an amount
    edit(f, "total: 0.81", "total: 0.91")
    edit(f, "fiscal: 0.81", "fiscal: 0.91")
    r = build(project, out, search=False)
    assert not r.full and r.written
    assert_equals_clean(project, out, tmp_path)

    # 2. add a project (a copy of the last one with its own code and name)
    text = f.read_text(encoding="utf-8")
    last = text.index("  - code: \"13020924P00098810001T\"")
    block = text[last:].replace("13020924P00098810001T", "13020924P00098810009X").replace("购置公务用车", "新增测试项目")
    f.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
    r = build(project, out, search=False)
    assert "agencies/130209-442001/2024/projects/13020924p00098810009x/index.html" in r.written
    assert_equals_clean(project, out, tmp_path)

    # 3. rename a project
    edit(f, "name: 新增测试项目", "name: 改名后的测试项目")
    build(project, out, search=False)
    assert "改名后的测试项目" in (out / "agencies/130209-442001/2024/index.html").read_text(encoding="utf-8")
    assert_equals_clean(project, out, tmp_path)

    # 4. delete a filing: its pages and downloads disappear
    (project / "content/filings/130225-507001-2025.yaml").unlink()
    r = build(project, out, search=False)
    assert "agencies/130225-507001/2025/index.html" in r.deleted
    assert not (out / "agencies/130225-507001").exists()
    assert not (out / "data/filings/130225-507001-2025.json").exists()
    assert_equals_clean(project, out, tmp_path)

    # 5. edit a template used by project pages only
    edit(project / "layouts/project.html", "<h2 data-pagefind-ignore>绩效目标 <a", "<h2 data-pagefind-ignore>项目绩效目标 <a")
    r = build(project, out, search=False)
    assert r.rendered and all("/projects/" in p for p in r.rendered)
    assert_equals_clean(project, out, tmp_path)

    # 6. edit the CSS: a new fingerprinted file, the old one removed, every page relinked
    css = project / "static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.test-rule { color: #000; }\n", encoding="utf-8")
    old_css = sorted(p.name for p in (out / "assets/css").glob("site.*.css"))
    r = build(project, out, search=False)
    new_css = sorted(p.name for p in (out / "assets/css").glob("site.*.css"))
    assert len(new_css) == 1 and new_css != old_css
    assert_equals_clean(project, out, tmp_path)


def test_a_rebuild_with_many_changed_pages_keeps_the_unchanged_agencies(project, tmp_path, monkeypatch):
    """Above FULL_REBUILD_THRESHOLD changed pages a rebuild writes a whole
    new output folder: agencies whose pages did not change must be in it
    too (they were left out once: a listing template's edit at 10,000
    filings dropped every agency's pages)."""
    from site_builder.build import plan

    out = tmp_path / "public"
    build(project, out, search=False)
    monkeypatch.setattr(plan, "FULL_REBUILD_THRESHOLD", 0)
    edit(project / "layouts" / "regions.html", "{% endblock %}", "<!-- edited -->{% endblock %}")
    r = build(project, out, search=False)
    assert r.full
    assert (out / "agencies" / "130209-442001" / "index.html").is_file()
    assert_equals_clean(project, out, tmp_path)


def test_rebuild_removes_files_no_build_made_but_keeps_the_search_bundle(project, tmp_path, monkeypatch):
    """The files no build made are found by a walk of the output folder that
    a child process makes while the cache loads (build.build), not by this
    process."""
    from site_builder.build import builder

    out = tmp_path / "public"
    build(project, out, search=False)
    walks_here = []
    monkeypatch.setattr(builder, "output_files", lambda folder: walks_here.append(folder) or set())
    strays = [out / "stray.html", out / "agencies/130209-442001/2024/old.txt", out / "gone/deep/index.html"]
    for p in strays:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("not ours", encoding="utf-8")
    bundle = out / "pagefind/pagefind.js"  # written by Pagefind, not by the page writer
    bundle.parent.mkdir()
    bundle.write_text("// bundle", encoding="utf-8")
    edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
    edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
    r = build(project, out, search=False)
    assert not r.full
    assert sorted(r.deleted) == ["agencies/130209-442001/2024/old.txt", "gone/deep/index.html", "stray.html"]
    assert not any(p.exists() for p in strays) and not (out / "gone").exists()
    assert bundle.read_text(encoding="utf-8") == "// bundle"
    assert walks_here == []  # the child's listing served
    shutil.rmtree(out / "pagefind")
    assert_equals_clean(project, out, tmp_path)


def test_compiled_templates_are_kept_per_base_path(project, tmp_path, monkeypatch):
    """Jinja folds '/x/'|href into compiled templates: a second base path must
    not reuse the first one's compiled templates, nor the first one's later."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(cache))
    root_out, sub_out = tmp_path / "root", tmp_path / "sub"
    build(project, root_out, search=False)
    first = tree_digest(root_out)
    caches = sorted(cache.glob("templates-*"))
    assert len(caches) == 1 and list(caches[0].glob("__jinja2_*.cache"))  # kept for the next process
    build(project, sub_out, base_path="/sub/", search=False)
    assert len(list(cache.glob("templates-*"))) == 2
    home = (sub_out / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'(?:href|src)="(/[^"]*)"', home)
    assert hrefs and all(h.startswith("/sub/") for h in hrefs), [h for h in hrefs if not h.startswith("/sub/")]
    shutil.rmtree(root_out)
    build(project, root_out, search=False)  # compiled templates from the cache
    assert tree_digest(root_out) == first


def test_one_filing_edit_rebuilds_exactly_its_pages_and_the_aggregates(project, tmp_path):
    out = tmp_path / "public"
    build(project, out, search=False)
    edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
    edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
    r = build(project, out, search=False)
    rendered = set(r.rendered)
    own = {
        "agencies/130209-442001/index.html",
        "agencies/130209-442001/2024/index.html",
        "agencies/130209-442001/2024/projects/13020924p00056410001n/index.html",
        "agencies/130209-442001/2024/projects/13020924p000558100016/index.html",
        "agencies/130209-442001/2024/projects/13020924p00098810001t/index.html",
        "regions/130000/index.html", "regions/130200/index.html", "regions/130209/index.html",
        "years/2024/index.html",
        # its reception and car projects are in the 三公 sums of its regions
        "sangong/index.html", "sangong/130000/index.html", "sangong/130200/index.html", "sangong/130209/index.html",
    }
    aggregates = {
        "index.html", "agencies/index.html", "regions/index.html", "years/index.html", "feed.xml",
        "data/index.html", "quality/index.html", "indicators/index.html", "compare/index.html",
    }
    assert own | aggregates <= rendered
    extra = rendered - own - aggregates
    # the only other pages re-rendered are the explorer's per-level and per-category pages (they list every filing)
    assert all(p.startswith(("indicators/", "compare/")) for p in extra), extra
    untouched = {
        "agencies/130202-430001/2025/index.html", "agencies/130535-430001/2024/index.html",
        "regions/130202/index.html", "regions/620000/index.html", "years/2025/index.html",
        "sangong/620000/index.html", "sangong/130535/index.html",
        "pages/about/index.html", "404.html",
        "sitemap.xml",  # it depends on the list of URLs only, and no URL changed
    }
    assert not untouched & rendered
    assert "data/filings/130209-442001-2024.json" in r.written
    assert "data/filings/130202-430001-2025.json" not in r.written
    assert "data/projects.csv" in r.written


def test_paginated_listings_rebuild_only_the_page_holding_the_edit(project, tmp_path, small_pages):
    out = tmp_path / "public"
    build(project, out, search=False)
    for listing in ("agencies", "quality", "indicators/output", "compare/reception", "data", "years/2024", "regions/130000"):
        html = (out / listing / "page/2/index.html").read_text(encoding="utf-8")
        assert 'rel="prev"' in html and 'aria-current="page">2<' in html, listing
    # 5 filings, one per page on /quality/: the 曹妃甸 filing is on exactly one of them
    pages_with = [p for p in sorted((out / "quality").rglob("index.html"))
                  if "130209-442001" in p.read_text(encoding="utf-8").split('id="notes"')[1]]
    assert len(pages_with) == 1
    holder = pages_with[0].relative_to(out).as_posix()

    edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
    edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
    r = build(project, out, search=False)
    quality = {p for p in r.rendered if p.startswith("quality/")}
    assert quality == {"quality/index.html", holder}
    # pages of other filings are left alone: only page 1 (site-wide figures) and the holder
    data_pages = {p for p in r.rendered if p.startswith("data/")}
    assert len(data_pages) == 1 and data_pages < {"data/index.html", *(f"data/page/{n}/index.html" for n in (2, 3))}
    assert_equals_clean(project, out, tmp_path)

    # deleting a filing moves the others between pages: still equal to a clean build
    (project / "content/filings/130202-430001-2025.yaml").unlink()
    build(project, out, search=False)
    assert_equals_clean(project, out, tmp_path)


def test_a_broken_edit_changes_nothing_and_the_next_good_one_recovers(project, tmp_path):
    out = tmp_path / "public"
    builder = Builder(project, out)
    builder.build()
    before = tree_digest(out)
    edit(project / CAOFEIDIAN, "total: 0.81", "total: [broken")
    with pytest.raises(BuildError) as err:
        builder.build()
    assert "130209-442001-2024.yaml:" in str(err.value)
    assert tree_digest(out) == before
    edit(project / CAOFEIDIAN, "total: [broken", "total: 0.81")
    edit(project / "layouts/project.html", "{{ project.name }}</h1>", "{{ project.name | nosuchfilter }}</h1>")
    with pytest.raises(Exception) as err:
        builder.build()
    assert "nosuchfilter" in str(err.value)
    assert tree_digest(out) == before
    edit(project / "layouts/project.html", "{{ project.name | nosuchfilter }}</h1>", "{{ project.name }}</h1>")
    r = builder.build()
    assert tree_digest(out) == before and not r.written


@pytest.fixture
def preview(project, tmp_path):
    with running_preview(project, tmp_path) as running:
        yield running


def test_serve_shows_edits_error_banner_and_recovers(project, preview):
    base, _ = preview
    page = base + "/agencies/130209-442001/2024/"
    assert "119.61" in fetch(page)
    edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
    edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
    wait_for(lambda: "119.71" in fetch(page))
    edit(project / CAOFEIDIAN, "total: 0.91", "total: -1")
    html = wait_for(lambda: (h := fetch(page)) and "site-builder-error" in h and h)
    assert re.search(r"130209-442001-2024\.yaml:\d+:\d+: error: .*negative", html)
    assert "119.71" in html  # the last good site is still served
    edit(project / CAOFEIDIAN, "total: -1", "total: 0.91")
    wait_for(lambda: "site-builder-error" not in fetch(page))


def test_serve_writes_the_site_wide_downloads_when_asked_for_or_when_it_stops(project, tmp_path):
    """An in-place edit leaves the site-wide downloads (~200 MB at 10,000
    filings, ~3 s on the server's loop) until the editor pauses, so that an
    edit saved meanwhile does not wait for them; one asked for is written
    first, and serve writes them when it stops (Ctrl-C)."""
    with running_preview(project, tmp_path) as (base, proc):
        page = base + "/agencies/130209-442001/2024/"
        edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
        edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
        wait_for(lambda: "119.71" in fetch(page))
        on_disk = (tmp_path / "preview/data/filings.csv").read_text(encoding="utf-8")
        assert "119.71" not in on_disk and "119.61" in on_disk  # not yet: the editor may save again
        assert "119.71" in fetch(base + "/data/filings.csv")  # asked for: written first
        edit(project / CAOFEIDIAN, "total: 0.91", "total: 0.95")
        edit(project / CAOFEIDIAN, "fiscal: 0.91", "fiscal: 0.95")
        wait_for(lambda: "119.75" in fetch(page))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0  # the usual way to stop the preview
    assert "119.75" in (tmp_path / "preview/data/filings.csv").read_text(encoding="utf-8")


def test_a_real_browser_receives_the_reload(project, preview, browser):
    base, _ = preview
    page = browser.new_page()
    try:
        with page.expect_websocket(timeout=15000) as ws_info:
            page.goto(base + "/agencies/130209-442001/2024/")
        ws_info.value.wait_for_event("framereceived", timeout=15000)  # the server's hello: connected
        # livereload drops reloads within 3 s of the previous one (its start-up
        # reload included); an editor's first save comes later than that
        time.sleep(4)
        assert "119.61" in page.content()
        edit(project / CAOFEIDIAN, "name: 办公设备购置", "name: 办公设备购置（改）")
        page.wait_for_function("() => document.body.innerText.includes('办公设备购置（改）')", timeout=30000)
    finally:
        page.close()


def test_an_edit_the_listings_do_not_show_re_renders_the_filings_own_pages_only(project, tmp_path):
    """The site-wide pages are rendered from light filings (no goals, no
    texts) and depend on them (``listing:`` dependencies): an edit of an
    overall goal re-renders the agency's own pages alone, in a live session
    and in a rebuild from the saved state alike, and the output still equals
    a clean build. An amount is in the listings: they follow it."""
    out, mirror = tmp_path / "public", tmp_path / "mirror"
    live = Builder(project, out)
    live.build(jobs=1)
    build(project, mirror, search=False)
    f = project / CAOFEIDIAN
    edit(f, "负责完成区委、区政府领导交办的其他重要接待事宜。", "负责完成区委、区政府领导交办的其他接待事宜。")
    r = live.build()
    assert r.in_place and r.rendered
    assert all(p.startswith("agencies/130209-442001/") for p in r.rendered), r.rendered
    cli = build(project, mirror, search=False)
    assert set(cli.rendered) == set(r.rendered)
    assert_equals_clean(project, out, tmp_path)
    assert "其他接待事宜" in (out / "agencies/130209-442001/2024/index.html").read_text(encoding="utf-8")

    edit(f, "total: 0.81", "total: 0.91")
    edit(f, "fiscal: 0.81", "fiscal: 0.91")
    r = live.build()
    assert {"index.html", "regions/130209/index.html", "years/2024/index.html"} <= set(r.rendered)
    assert set(build(project, mirror, search=False).rendered) == set(r.rendered)
    assert_equals_clean(project, out, tmp_path)


def test_edits_in_a_live_session_are_applied_in_place_and_equal_clean_builds(project, tmp_path):
    """``serve`` keeps one Builder: an edit that keeps every filing's shape is
    applied to the live site model in place. It re-renders exactly the pages
    a rebuild from the saved state re-renders, and the output equals a clean
    build; any other edit takes the whole way."""
    out = tmp_path / "public"
    live = Builder(project, out)
    assert live.build(jobs=1).full
    f = project / CAOFEIDIAN

    def both(expect_in_place: bool):
        """Rebuild in the live session and, for comparison, from the saved
        state in a fresh Builder (what the CLI does) into a second folder."""
        r = live.build()
        assert r.in_place is expect_in_place
        assert_equals_clean(project, out, tmp_path)
        return r

    # an amount: in place; the same pages as a fingerprint rebuild
    mirror_out = tmp_path / "mirror"
    build(project, mirror_out, search=False)
    edit(f, "total: 0.81", "total: 0.91")
    edit(f, "fiscal: 0.81", "fiscal: 0.91")
    r = both(True)
    cli = build(project, mirror_out, search=False)
    assert not cli.in_place and set(r.rendered) == set(cli.rendered)
    assert set(r.written) == set(cli.written)
    assert "data/projects.csv" in r.written and "data/filings/130209-442001-2024.json" in r.written
    assert "119.71" in (out / "agencies/130209-442001/2024/index.html").read_text(encoding="utf-8")

    # a goal's wording, an indicator target, the overview: in place
    edit(f, "满足办公需求，保障各项工作有序开展", "满足办公需求")
    edit(f, 'target: "≥90百分比"', 'target: "提升"')
    edit(f, "各项公务接待工作", "各项公务接待工作（改）")
    both(True)
    assert "提升" in (out / "indicators/satisfaction/index.html").read_text(encoding="utf-8")

    # a new project changes the page list: the whole way, then in place again
    text = f.read_text(encoding="utf-8")
    last = text.index("  - code: \"13020924P00098810001T\"")
    block = text[last:].replace("13020924P00098810001T", "13020924P00098810009X").replace("购置公务用车", "新增测试项目")
    f.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
    assert "agencies/130209-442001/2024/projects/13020924p00098810009x/index.html" in both(False).written
    edit(f, "total: 0.91", "total: 0.95")
    edit(f, "fiscal: 0.91", "fiscal: 0.95")
    both(True)

    # a broken edit changes nothing; its fix is applied in place
    before = tree_digest(out)
    edit(f, "total: 0.95", "total: [broken")
    with pytest.raises(BuildError):
        live.build()
    assert tree_digest(out) == before
    edit(f, "total: [broken", "total: 0.97")
    both(True)

    # a template or the taxonomy: the whole way
    edit(project / "layouts/project.html", "<h2 data-pagefind-ignore>绩效目标 <a", "<h2 data-pagefind-ignore>项目绩效目标 <a")
    both(False)
    tax = project / "content/taxonomy.yaml"
    tax.write_text(tax.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    both(False)


def test_in_place_edits_with_paginated_listings(project, tmp_path, small_pages):
    out = tmp_path / "public"
    live = Builder(project, out)
    live.build()
    for old, new in (("total: 0.81", "total: 0.91"), ("fiscal: 0.81", "fiscal: 0.91")):
        edit(project / CAOFEIDIAN, old, new)
    edit(project / "content/filings/130202-430001-2025.yaml", "total: 21.6", "total: 21.7")
    r = live.build()
    assert r.in_place and "quality/index.html" in r.rendered
    assert not any(p.startswith("agencies/130225-507001/") for p in r.rendered)  # an agency not edited
    assert_equals_clean(project, out, tmp_path)


def test_site_wide_downloads_can_wait_until_after_the_reload(project, tmp_path):
    """serve writes the pages of an in-place edit first and the site-wide
    downloads just after: until then they are the previous ones, after that
    the folder equals a clean build."""
    out = tmp_path / "public"
    live = Builder(project, out)
    live.build()
    before = (out / "data/projects.csv").read_bytes()
    edit(project / CAOFEIDIAN, "total: 0.81", "total: 0.91")
    edit(project / CAOFEIDIAN, "fiscal: 0.81", "fiscal: 0.91")
    r = live.build(defer_site_data=True)
    assert r.in_place and "data/projects.csv" not in r.written
    assert "data/filings/130209-442001-2024.json" in r.written  # the filing's own downloads are not deferred
    assert (out / "data/projects.csv").read_bytes() == before
    assert set(live.write_site_data()) >= {"data/projects.csv", "data/indicators.csv", "data/filings.json"}
    assert live.write_site_data() == []  # nothing left to do
    assert_equals_clean(project, out, tmp_path)


def test_a_duplicate_is_reported_at_the_file_that_made_it(project, tmp_path):
    """Of two files that claim one agency and year, the error is the one
    that is new or edited since the last good build, naming the other —
    whichever comes first in the folder."""
    out = tmp_path / "public"
    builder = Builder(project, out)
    builder.build()
    original = project / CAOFEIDIAN
    copy = original.with_name("0-copy.yaml")
    shutil.copy2(original, copy)
    with pytest.raises(BuildError) as err:
        builder.build()
    [problem] = err.value.problems
    assert problem.file == str(copy) and str(original) in problem.message
    copy.unlink()
    builder.build()
    # an existing filing edited to claim another's identity; a fresh Builder, as the command has, from the cache
    build(project, out, search=False)
    edited = project / "content/filings/130202-430001-2025.yaml"  # listed before the one it now claims to be
    edit(edited, 'code: "130202"', 'code: "130535"')
    edit(edited, "year: 2025", "year: 2024")
    with pytest.raises(BuildError) as err:
        build(project, out, search=False)
    [problem] = [p for p in err.value.problems if p.field == "agency.code"]
    assert problem.file == str(edited) and "130535-430001-2024.yaml" in problem.message
