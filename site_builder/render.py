"""Stage 4: Jinja2 rendering, Markdown, and static assets.

Templates live in ``layouts/``; autoescape is on for every template. A page
gets a small explicit context (its own objects, ``page`` metadata and
``config``), never the whole site. Markdown goes through markdown-it-py with
raw HTML off and only safe link schemes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2 import meta
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .pages import format as fmt
from .pages.format import escape_text
from .pages.map import NAVIGATION
from .content.targets import shown as shown_target
from .content.config import SiteConfig
from .content.load import Problem
from .content.model import CHECKPOINT_LABELS

SAFE_SCHEMES = ("http:", "https:", "mailto:")


def _validate_link(url: str) -> bool:
    """Only http(s), mailto and relative links; no javascript:, data:, vbscript:, file:."""
    u = re.sub(r"[\x00-\x20]", "", url).lower()
    if ":" not in u.split("/")[0].split("?")[0].split("#")[0]:
        return True  # relative link or fragment
    return u.startswith(SAFE_SCHEMES)


def make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = _validate_link
    return md


_MD = make_markdown()


# Text without any character that starts Markdown inline syntax or that
# HTML escaping changes renders as itself: most goals and purposes are plain
# Chinese sentences, and markdown-it took ~0.1 ms for each (a tenth of a
# project page). tests/test_render.py checks the shortcut against markdown-it.
_INLINE_SYNTAX = re.compile(r'[\\`*_\[\]!<>&"\n\r\x00~]')
# a line that could open a block: heading, list, quote, code, table, HTML
_BLOCK_START = frozenset("#-+*>=|<0123456789 \t")


@lru_cache(maxsize=32768)
def markdown_to_html(text: str) -> Markup:
    if text and text[0] not in _BLOCK_START and text == text.strip() and not _INLINE_SYNTAX.search(text):
        return Markup(f"<p>{text}</p>\n")
    return Markup(_MD.render(text))


def _heading_ids(state) -> None:
    """Headings (h2, h3) of a Markdown page get an id: their text, so that a
    page can link to a term of the glossary (/pages/glossary/#定性)."""
    seen: set[str] = set()
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            text = "".join(c.content for c in tokens[i + 1].children or [] if c.type in ("text", "code_inline"))
            anchor = base = re.sub(r"\s+", "-", text.strip()) or "section"
            n = 1
            while anchor in seen:
                n += 1
                anchor = f"{base}-{n}"
            seen.add(anchor)
            tok.attrSet("id", anchor)


_MD_PAGE = make_markdown()
_MD_PAGE.core.ruler.push("heading_ids", _heading_ids)


def markdown_page(text: str) -> Markup:
    """A Markdown page (content/pages/): as ``markdown_to_html``, with ids on
    its headings."""
    return Markup(_MD_PAGE.render(text))


def markdown_inline(text: str) -> Markup:
    if not _INLINE_SYNTAX.search(text):
        return Markup(text)
    return Markup(_MD.renderInline(text))


class Assets:
    """Static files, fingerprinted: ``css/site.css`` → ``/assets/css/site.3f2a9c1e.css``."""

    def __init__(self, static_dir: Path):
        self.static_dir = static_dir
        self.files: dict[str, tuple[str, bytes]] = {}  # logical name -> (output path, bytes)
        if static_dir.is_dir():
            for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
                rel = path.relative_to(static_dir).as_posix()
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()[:10]
                stem, dot, ext = rel.rpartition(".")
                out = f"/assets/{stem}.{digest}.{ext}" if dot else f"/assets/{rel}.{digest}"
                self.files[rel] = (out, data)

    def url(self, name: str) -> str:
        try:
            return self.files[name][0]
        except KeyError:
            raise jinja2.TemplateRuntimeError(f"asset '{name}' not found in static/") from None

    @property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for name, (out, _) in sorted(self.files.items()):
            h.update(f"{name}={out}\n".encode())
        return h.hexdigest()[:16]


class TemplateProblem(jinja2.TemplateError):
    """A template that cannot be used, with the file and line to fix."""

    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem


def template_problem(exc: BaseException, layouts_dir: Path, url: str | None = None, template: str = "") -> Problem:
    """An error raised by a template — a syntax error, a template it uses
    that is missing, an error while rendering page ``url`` — as a Problem
    naming the template file and line. A rendering error is placed at the
    innermost template line in its traceback (Jinja maps the compiled code
    back to template lines); with none, at the page's ``template``."""
    if isinstance(exc, TemplateProblem):
        return exc.problem
    during = f" (rendering {url})" if url else ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file = exc.filename or str(layouts_dir / (exc.name or ""))
        return Problem(file, exc.lineno or 1, 1, "error", f"template syntax error: {exc.message}{during}")
    file, line = str(layouts_dir / template), 1
    root = os.path.join(os.path.abspath(layouts_dir), "")
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename).startswith(root):
            file, line = frame.filename, frame.lineno or 1
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template {exc.name}, used here, is not in {layouts_dir}"
    else:
        message = f"{type(exc).__name__}: {exc}"
    return Problem(file, line, 1, "error", f"{message}{during}")


CLOSURES_FILE = "closures.json"  # in Renderer.cache_dir: template → the templates it uses

def _output_escape(value: Any) -> str:
    """What compiled templates call on every ``{{ … }}`` they print: the text
    of ``markupsafe.escape(value)``, without making it a Markup object —
    output is only joined into the page, and building half a million Markup
    objects (markupsafe's ``Markup.__new__`` is Python) was a third of
    rendering an indicator listing. Same bytes (tested)."""
    cls = type(value)
    if cls is str:
        return escape_text(value)
    if cls is Markup:  # already safe: markupsafe.escape gives a copy of it
        return value
    if cls is int:  # digits and "-": nothing to escape
        return str(value)
    return escape(value)


_RUNTIME_IMPORT = "from jinja2.runtime import "


class _Environment(jinja2.Environment):
    """Jinja with ``_output_escape`` for printed expressions (see above)."""

    def _compile(self, source: str, filename: str):
        # on the same line: Jinja maps code lines to template lines for errors
        start = source.index(_RUNTIME_IMPORT)
        end = source.index("\n", start)
        source = source[:end] + "; from site_builder.render import _output_escape as escape" + source[end:]
        return super()._compile(source, filename)


class Renderer:
    """``cache_dir``: where compiled templates and each template's closure are
    kept for the next process (a fresh ``site-builder build`` compiled and
    parsed its ~25 templates in ~1 s). Jinja folds filters applied to
    constants into the compiled code (``'/x/'|href`` holds the base path,
    ``'css/site.css'|asset`` the CSS fingerprint), so the folder must be
    private to one combination of layouts, settings, assets and our code
    (``build.inputs.Templates`` names it by their hash)."""

    def __init__(self, layouts_dir: Path, config: SiteConfig, assets: Assets, cache_dir: Path | None = None):
        self.layouts_dir = layouts_dir
        self.config = config
        self.assets = assets
        self.cache_dir = cache_dir
        bytecode_cache = None
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
        self.env = _Environment(
            bytecode_cache=bytecode_cache,
            loader=jinja2.FileSystemLoader(str(layouts_dir)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
        )
        self.base_path = config.base_path  # computed once: templates ask for it on every link
        # Links are filters, not global functions: Jinja folds a filter applied
        # to a constant ({{ '/agencies/'|href }}) into the compiled template,
        # and calls the others directly instead of through Context.call.
        self.env.filters.update(
            money=fmt.amount, money_text=fmt.money, percent=fmt.percent, markdown=markdown_to_html, markdown_inline=markdown_inline,
            markdown_page=markdown_page, keep_units=fmt.keep_units,
            plain=fmt.plain, target=shown_target, signed=fmt.signed, signed_percent=fmt.signed_percent,
            href=self.url, asset=self.asset_url, absolute=self.absolute, absolute_asset=self.absolute_asset,
            feedback=self.feedback,
        )
        # the header's links as hrefs, made once rather than on each page
        self.env.globals.update(checkpoint_labels=CHECKPOINT_LABELS, config=config,
                                navigation=[(label, self.url(path)) for label, path in NAVIGATION])
        self._closure: dict[str, frozenset[str]] = {}
        if cache_dir is not None:
            try:
                saved = json.loads((cache_dir / CLOSURES_FILE).read_text(encoding="utf-8"))
                self._closure = {name: frozenset(refs) for name, refs in saved.items()}
            except (OSError, ValueError, AttributeError):
                pass

    def url(self, path: str) -> str:
        """Site path → href with the base path ("/agencies/" → "/sub/agencies/")."""
        if path.startswith(("http://", "https://", "mailto:", "#")):
            return path
        return self.base_path + path.lstrip("/")

    def asset_url(self, name: str) -> str:
        return self.url(self.assets.url(name))

    def absolute(self, path: str) -> str:
        return self.config.absolute(path)

    def feedback(self, path: str) -> str:
        """The feedback link for the page at ``path``: a mailto: link says which page."""
        address = self.config.feedback or ""
        if address.startswith("mailto:"):
            subject = quote(f"纠错：{self.config.absolute(path)}")
            return f"{address}{'&' if '?' in address else '?'}subject={subject}"
        return address

    def absolute_asset(self, name: str) -> str:
        """The absolute URL of a static file (share previews need one)."""
        return self.config.absolute(self.assets.url(name))

    def render(self, template: str, context: dict[str, Any]) -> bytes:
        return self.env.get_template(template).render(context).encode("utf-8")

    def template_closure(self, name: str) -> frozenset[str]:
        """The template and every template it extends, includes or imports.
        Raises TemplateProblem for a template that is missing (named where
        it is referred to) or does not parse."""
        if name not in self._closure:
            seen: set[str] = set()
            stack: list[tuple[str, tuple[str, str] | None]] = [(name, None)]  # (template, (referrer, its source))
            while stack:
                current, referrer = stack.pop()
                if current in seen:
                    continue
                seen.add(current)
                try:
                    source, filename, _ = self.env.loader.get_source(self.env, current)  # type: ignore[union-attr]
                except jinja2.TemplateNotFound:
                    raise TemplateProblem(self._missing(current, referrer)) from None
                try:
                    parsed = self.env.parse(source, current, filename)
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateProblem(template_problem(exc, self.layouts_dir)) from None
                for ref in meta.find_referenced_templates(parsed):
                    if ref:
                        stack.append((ref, (current, source)))
            self._closure[name] = frozenset(seen)
            if self.cache_dir is not None:
                tmp = self.cache_dir / f"{CLOSURES_FILE}.tmp-{os.getpid()}"
                tmp.write_text(json.dumps({k: sorted(v) for k, v in self._closure.items()}), encoding="utf-8")
                os.replace(tmp, self.cache_dir / CLOSURES_FILE)
        return self._closure[name]

    def _missing(self, name: str, referrer: tuple[str, str] | None) -> Problem:
        if referrer is None:
            return Problem(str(self.layouts_dir / name), 1, 1, "error",
                           f"template {name} is missing from {self.layouts_dir}; the site's pages are made with it")
        parent, source = referrer
        line, column = 1, 1
        for quote in ('"', "'"):
            at = source.find(f"{quote}{name}{quote}")
            if at >= 0:
                line = source.count("\n", 0, at) + 1
                column = at - (source.rfind("\n", 0, at) + 1) + 1
                break
        return Problem(str(self.layouts_dir / parent), line, column, "error",
                       f"template {name}, used here, is not in {self.layouts_dir}")

    def template_hash(self, name: str) -> str:
        h = hashlib.sha256()
        for t in sorted(self.template_closure(name)):
            h.update(t.encode() + b"\0" + (self.layouts_dir / t).read_bytes() + b"\0")
        return h.hexdigest()[:16]
