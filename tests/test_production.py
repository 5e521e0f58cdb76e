"""Production readiness, checked for real on the built seed site:

* netlify.toml: build command, publish folder, Python version, headers;
* the site served locally with exactly netlify.toml's headers, one page of
  every page type opened in Chromium: no CSP violation, no JS error, search
  included;
* the same site under a sub-path (/budget/): every link resolves, absolute
  URLs carry the sub-path, search works and links into the sub-path;
* accessibility: axe-core at 1280 and 375 px (no serious or critical
  violation), keyboard (skip link, visible focus), tables, charts, language;
* valid HTML: the Nu HTML checker (vnu.jar from npm, on the machine's Java)
  over every page, zero errors.

Tools come from scripts/setup-test-env: Chromium (Debian), axe-core and
vnu-jar (package.json, `npm ci`), Playwright (pip test extras).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
import tomllib
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest


from conftest import REPO as ROOT, parse_html
from site_builder.build import build

NETLIFY = ROOT / "netlify.toml"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NS = {"h": "http://www.w3.org/1999/xhtml"}
SUB = "/budget/"

# One page of every page type (site paths, without the base path).
PAGES = {
    "home": "/",
    "agencies": "/agencies/",
    "agency": "/agencies/130202-430001/",
    "filing": "/agencies/130202-430001/2025/",
    "project": "/agencies/130202-430001/2025/projects/13020225p00888510002l/",
    "regions": "/regions/",
    "region": "/regions/130202/",
    "years": "/years/",
    "year": "/years/2024/",
    "page": "/pages/about/",
    "data": "/data/",
    "quality": "/quality/",
    "indicators": "/indicators/",
    "indicator-level1": "/indicators/output/",
    "compare": "/compare/",
    "compare-category": "/compare/reception/",
    "sangong": "/sangong/",
    "sangong-region": "/sangong/130200/",
    "404": "/no-such-page/",
    "search": "/search/?q=" + quote("接待"),
}
SEARCH_QUERY = "周转房"


# --------------------------------------------------------------------------- builds


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prod") / "public"
    build(ROOT, out, search=True, clean=True)
    return out


@pytest.fixture(scope="module")
def sub_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prod-sub") / "public"
    build(ROOT, out, base_path=SUB, search=True, clean=True)
    return out


# --------------------------------------------------------------------------- netlify.toml


@functools.cache
def netlify() -> dict:
    return tomllib.loads(NETLIFY.read_text(encoding="utf-8"))


def header_rules() -> list[tuple[re.Pattern, dict[str, str]]]:
    """netlify.toml's [[headers]] as (path regex, values), in file order.
    Netlify patterns: literal paths with '*' as a splat matching anything."""
    rules = []
    for rule in netlify()["headers"]:
        pattern = "^" + ".*".join(re.escape(part) for part in rule["for"].split("*")) + "$"
        rules.append((re.compile(pattern), dict(rule["values"])))
    return rules


def headers_for(path: str) -> dict[str, str]:
    """The headers for a site path: every matching rule applies; a header set
    by several rules takes the later (more specific) rule's value, as
    `netlify dev` does (its headersForPath merges with Object.assign)."""
    out: dict[str, str] = {}
    for regex, values in header_rules():
        if regex.match(path):
            for name, value in values.items():
                for old in [k for k in out if k.lower() == name.lower()]:
                    del out[old]
                out[name] = value
    return out


def csp_directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}


def test_netlify_build_command_installs_from_project_and_builds():
    build_cfg = netlify()["build"]
    cmd = build_cfg["command"]
    steps = [s.strip() for s in cmd.split("&&")]
    # installs this project (its pyproject.toml) — not packages named on the command line
    assert steps[0] == "pip install ."
    assert re.fullmatch(r"site-builder build --out public( --clean)?", steps[-1]), cmd
    assert "--no-search" not in cmd  # the published site has search
    assert build_cfg["publish"] == "public"
    version = build_cfg["environment"]["PYTHON_VERSION"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project["requires-python"]).groups()
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum))


def test_netlify_security_headers():
    everything = headers_for("/")
    for path in ["/agencies/130202-430001/2025/", "/404.html", "/search/", "/assets/x.css", "/pagefind/pagefind.js",
                 "/data/filings.json"]:
        for name in ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"]:
            assert headers_for(path)[name] == everything[name], (path, name)
    csp = csp_directives(everything["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # Pagefind compiles WebAssembly
    assert csp["style-src"] == ["'self'"]
    assert not any("'unsafe-inline'" in v or "'unsafe-eval'" in v or "*" in v for v in csp.values())
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert everything["X-Content-Type-Options"] == "nosniff"
    assert everything["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer", "same-origin")
    perms = everything["Permissions-Policy"]
    for feature in ["camera", "microphone", "geolocation"]:
        assert f"{feature}=()" in perms


def test_netlify_caching():
    def max_age(value: str) -> int:
        return int(re.search(r"max-age=(\d+)", value).group(1))

    assets = headers_for("/assets/site.0123abcd.css")["Cache-Control"]
    assert "immutable" in assets and max_age(assets) >= 31536000
    for html in ["/", "/agencies/", "/agencies/130202-430001/2025/", "/404.html", "/search/", "/feed.xml"]:
        cc = headers_for(html)["Cache-Control"]
        assert "immutable" not in cc and max_age(cc) <= 600, (html, cc)
    # unfingerprinted Pagefind entry files must not be cached for long either
    assert max_age(headers_for("/pagefind/pagefind.js")["Cache-Control"]) <= 3600


def test_fingerprinted_assets_and_404_page_exist(site):
    assets = [p for p in (site / "assets").rglob("*") if p.is_file()]
    assert assets
    for p in assets:
        assert re.search(r"\.[0-9a-f]{8,}\.", p.name), f"{p.name} is under /assets/ (cached for a year) without a hash"
    assert (site / "404.html").exists()


# --------------------------------------------------------------------------- local server with netlify.toml's headers


def make_handler(root: Path, prefix: str):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
                          ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json",
                          ".xml": "application/xml", ".pagefind": "application/octet-stream",
                          ".pf_meta": "application/octet-stream", ".pf_fragment": "application/octet-stream",
                          ".pf_index": "application/octet-stream", ".pf_filter": "application/octet-stream"}

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

        def site_path(self) -> str | None:
            path = urlsplit(self.path).path
            if not path.startswith(prefix):
                return None
            return "/" + path[len(prefix):]

        def translate_path(self, path):
            sp = self.site_path()
            return super().translate_path(sp if sp is not None else "/\0missing")

        def send_head(self):
            sp = self.site_path()
            target = Path(self.translate_path(self.path)) if sp is not None else None
            if target is not None and (target.is_file() or (target.is_dir() and (target / "index.html").exists())):
                if target.is_dir() and not urlsplit(self.path).path.endswith("/"):
                    self.send_response(301)
                    self.send_header("Location", urlsplit(self.path).path + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return super().send_head()
            # Netlify answers any missing path with the site's 404.html and status 404
            body = (root / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self._path_for_headers = "/404.html"
            self.end_headers()
            return io.BytesIO(body)

        def end_headers(self):
            path = getattr(self, "_path_for_headers", None) or self.site_path() or "/404.html"
            for name, value in headers_for(path).items():
                self.send_header(name, value)
            super().end_headers()

    return Handler


@contextlib.contextmanager
def serve(root: Path, prefix: str = "/"):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(root, prefix))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def sub_server(sub_site):
    with serve(sub_site, SUB) as base:
        yield base




WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watched:
    """A Playwright page that records CSP violations, console errors and page errors."""

    def __init__(self, browser, width=1280, height=900):
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.problems: list[str] = []
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("console", self._console)

    def _console(self, msg):
        text = msg.text
        if "Content Security Policy" in text:
            self.problems.append(f"CSP console: {text}")
        elif msg.type == "error" and not text.startswith("Failed to load resource: the server responded with a status of 404"):
            self.problems.append(f"console error: {text}")

    def goto(self, url: str, status: int = 200):
        resp = self.page.goto(url, wait_until="load")
        assert resp is not None and resp.status == status, (url, resp and resp.status)
        return resp

    def violations(self) -> list[str]:
        return self.problems + self.page.evaluate("window.__cspViolations")

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def wait_for_results(page, query: str | None = None):
    if query is not None:
        box = page.locator(".pagefind-ui__search-input")
        box.fill("")
        box.press_sequentially(query, delay=20)
    page.wait_for_selector(".pagefind-ui__result-link")
    return page.locator(".pagefind-ui__result-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_server_sends_netlify_headers(server, site):
    import urllib.error
    import urllib.request

    asset = "/" + next(p for p in sorted((site / "assets").rglob("*.css"))).relative_to(site).as_posix()
    for path, status in [("/", 200), ("/agencies/", 200), (asset, 200), ("/pagefind/pagefind.js", 200),
                         ("/no-such-page/", 404)]:
        try:
            resp = urllib.request.urlopen(server + path)
        except urllib.error.HTTPError as exc:
            resp = exc
        assert resp.status == status, path
        expected = headers_for(path if status == 200 else "/404.html")
        for name, value in expected.items():
            assert resp.headers[name] == value, (path, name)
    assert "immutable" in headers_for(asset)["Cache-Control"]


@pytest.mark.parametrize("kind", list(PAGES))
def test_no_csp_violation_or_js_error(watched, server, site, kind):
    path = PAGES[kind]
    resp = watched.goto(server + path, 404 if kind == "404" else 200)
    expected = headers_for("/404.html" if kind == "404" else urlsplit(path).path)
    assert resp.headers["content-security-policy"] == expected["Content-Security-Policy"]
    if kind == "search":
        assert wait_for_results(watched.page)  # results for ?q=
        hrefs = wait_for_results(watched.page, SEARCH_QUERY)  # a query typed into the UI
        assert any("13020225p00888510002l" in h for h in hrefs), hrefs
        watched.page.wait_for_timeout(300)
    assert watched.page.locator("h1").count() == 1
    assert not watched.violations(), watched.violations()


def test_header_search_box_typed_query(watched, server):
    watched.goto(server + "/")
    watched.page.locator("#site-search").fill(SEARCH_QUERY)
    watched.page.locator("#site-search").press("Enter")
    watched.page.wait_for_url("**/search/?q=*")
    hrefs = wait_for_results(watched.page)
    assert any("13020225p00888510002l" in h for h in hrefs)
    watched.page.locator(".pagefind-ui__result-link").first.click()
    watched.page.wait_for_load_state("load")
    assert "/projects/" in watched.page.url
    assert not watched.violations(), watched.violations()


# --------------------------------------------------------------------------- base path /budget/


def parse(path: Path):
    return parse_html(path)[0]


def test_sub_path_every_link_resolves(sub_site):
    pages = sorted(sub_site.rglob("*.html"))
    assert len(pages) >= 60
    broken, outside, checked = [], [], 0
    for page in pages:
        if page.is_relative_to(sub_site / "pagefind"):
            continue
        for el in parse(page).iter():
            for attr in ("href", "src", "action", "data-bundle", "data-base-url"):
                ref = el.get(attr)
                if not ref or ref.startswith(("http://", "https://", "mailto:", "#")):
                    continue
                # relative links (authored in Markdown pages) resolve against the page's URL
                page_url = SUB + page.parent.relative_to(sub_site).as_posix().strip(".") + "/"
                path = unquote(urlsplit(urljoin(page_url.replace("//", "/"), ref)).path)
                checked += 1
                if not path.startswith(SUB):
                    outside.append(f"{page.relative_to(sub_site)}: {attr}={ref}")
                    continue
                target = sub_site / path[len(SUB):]
                if attr == "data-bundle":  # Pagefind's bundle folder
                    target = target / "pagefind.js"
                elif path.endswith("/"):
                    target = target / "index.html"
                if not target.exists():
                    broken.append(f"{page.relative_to(sub_site)} → {ref}")
    assert checked > 1000
    assert not outside, outside[:10]
    assert not broken, broken[:10]


def test_sub_path_absolute_urls(sub_site):
    sitemap = (sub_site / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(locs) >= 60
    for loc in locs:
        path = urlsplit(loc).path
        assert path.startswith(SUB), loc
        assert (sub_site / path[len(SUB):] / "index.html").exists(), loc
    feed = (sub_site / "feed.xml").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', feed) + re.findall(r"<id>([^<]+)</id>", feed)
    assert links
    for link in links:
        if link.startswith(("http://", "https://")):
            assert urlsplit(link).path.startswith(SUB), link
    robots = (sub_site / "robots.txt").read_text(encoding="utf-8")
    sitemap_lines = [l for l in robots.splitlines() if l.lower().startswith("sitemap:")]
    assert sitemap_lines and all(f"{SUB}sitemap.xml" in l for l in sitemap_lines)
    for page in [sub_site / "index.html", sub_site / "agencies" / "index.html"]:
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.read_text(encoding="utf-8")).group(1)
        assert urlsplit(canonical).path.startswith(SUB)


def test_sub_path_server_serves_only_under_prefix(sub_server):
    import urllib.error
    import urllib.request

    assert urllib.request.urlopen(sub_server + SUB).status == 200
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(sub_server + "/agencies/")
    assert exc.value.code == 404


def test_sub_path_search_in_browser(browser, sub_server):
    w = Watched(browser)
    try:
        w.goto(sub_server + SUB)
        w.page.locator("#site-search").fill(SEARCH_QUERY)
        w.page.locator("#site-search").press("Enter")
        w.page.wait_for_url(f"**{SUB}search/?q=*")
        hrefs = wait_for_results(w.page)
        assert hrefs and all(h.startswith(SUB) for h in hrefs), hrefs
        hrefs = wait_for_results(w.page, "接待")
        assert hrefs and all(h.startswith(SUB) for h in hrefs), hrefs
        w.page.locator(".pagefind-ui__result-link").first.click()
        w.page.wait_for_load_state("load")
        assert urlsplit(w.page.url).path.startswith(SUB)
        assert w.page.locator("h1").count() == 1
        # the page's own links and assets work: stylesheet applied
        assert w.page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") != "rgba(0, 0, 0, 0)"
        assert not w.violations(), w.violations()
    finally:
        w.close()


# --------------------------------------------------------------------------- accessibility


def run_axe(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 200))}));
    }""")
    return result


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("kind", list(PAGES))
def test_axe_no_serious_or_critical_violations(browser, server, kind, width):
    assert AXE.exists(), "axe-core missing: run scripts/setup-test-env (npm ci)"
    w = Watched(browser, width=width, height=900 if width > 400 else 800)
    try:
        w.goto(server + PAGES[kind], 404 if kind == "404" else 200)
        if kind == "search":
            wait_for_results(w.page)
        bad = [v for v in run_axe(w.page) if v["impact"] in ("serious", "critical")]
        assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
    finally:
        w.close()


def test_keyboard_skip_link_and_visible_focus(watched, server):
    page = watched.page
    watched.goto(server + PAGES["filing"])
    page.keyboard.press("Tab")
    active = page.evaluate("""() => { const a = document.activeElement; const r = a.getBoundingClientRect();
        return {cls: a.className, href: a.getAttribute('href'), top: r.top, left: r.left, w: r.width, h: r.height,
                outline: getComputedStyle(a).outlineStyle, ow: parseFloat(getComputedStyle(a).outlineWidth)}; }""")
    assert active["cls"] == "skip-link" and active["href"] == "#main"
    # visible: inside the viewport, full size
    assert active["top"] >= 0 and active["left"] >= 0 and active["w"] > 20 and active["h"] > 10, active
    assert active["outline"] not in ("none", "") and active["ow"] >= 2, active
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # the next Tab continues inside main
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    # every link shows a focus outline when reached by keyboard
    page.goto(server + PAGES["filing"])
    seen = 0
    for _ in range(12):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const a = document.activeElement; const s = getComputedStyle(a);
            return {tag: a.tagName, outline: s.outlineStyle, ow: parseFloat(s.outlineWidth), fv: a.matches(':focus-visible')}; }""")
        if info["tag"] == "A":
            seen += 1
            assert info["fv"] and info["outline"] not in ("none", "") and info["ow"] >= 2, info
    assert seen >= 5
    assert not watched.violations()


def test_tables_charts_and_language(site):
    tables = charts = 0
    for page in sorted(site.rglob("*.html")):
        if page.is_relative_to(site / "pagefind"):
            continue
        doc = parse(page)
        rel = page.relative_to(site)
        assert doc.get("lang") == "zh-CN", rel
        for table in doc.iter("{%s}table" % NS["h"]):
            tables += 1
            heads = table.findall(".//h:th", NS)
            assert heads, f"{rel}: table without headers"
            # header cells in <thead> are column headers by position (Markdown tables);
            # any other header cell says what it heads
            body_heads = [th for tb in table.findall("./h:tbody", NS) + table.findall("./h:tr", NS)
                          for th in tb.iter("{%s}th" % NS["h"])]
            assert all(th.get("scope") in ("col", "row", "rowgroup", "colgroup") for th in body_heads), rel
        for svg in doc.iter("{http://www.w3.org/2000/svg}svg"):
            charts += 1
            assert svg.get("role") == "img", rel
            ids = (svg.get("aria-labelledby") or "").split()
            title = svg.find("{http://www.w3.org/2000/svg}title")
            desc = svg.find("{http://www.w3.org/2000/svg}desc")
            assert title is not None and "".join(title.itertext()).strip(), rel
            assert desc is not None and "".join(desc.itertext()).strip(), rel
            assert title.get("id") in ids and desc.get("id") in ids, rel
    assert tables >= 50 and charts >= 10, (tables, charts)


# --------------------------------------------------------------------------- valid HTML


def test_every_page_is_valid_html(site):
    java = shutil.which("java")
    assert java, "Java missing (the Nu HTML checker needs it)"
    assert VNU.exists(), "vnu.jar missing: run scripts/setup-test-env (npm ci)"
    pages = [p for p in sorted(site.rglob("*.html")) if not p.is_relative_to(site / "pagefind")]
    assert len(pages) >= 60
    proc = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, pages)],
                          capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stderr or proc.stdout)
    errors = [m for m in report["messages"] if m["type"] in ("error", "non-document-error")
              or m.get("subType") == "fatal"]
    described = [f"{unquote(m.get('url', '')).replace(str(site), '')}:{m.get('lastLine')}: {m['message']}" for m in errors]
    assert not errors, "\n".join(described[:20])
