"""What Pagefind is given of a page: the page as Pagefind indexes it, and no more.

Pagefind parses a whole page to index its ``<main data-pagefind-body>``
less every ``data-pagefind-ignore`` element, and parsing what it then
skips is a quarter of its work on our pages: the head, header, navigation
and footer, and the tables, figures, notes and source lines the templates
mark as ignored (18.0 → 13.5 million instructions a project page,
docs/search.md "What Pagefind reads"). ``pagefind_input`` cuts those out
before Pagefind sees the page, so the index is the same and Pagefind reads
a third of the bytes.

An ignored element that holds filters, metadata or a sort stays whole:
Pagefind reads those inside ignored elements. A page whose markup this
does not understand (no ``<main``, an element without its end tag) is
given to Pagefind as it is.
"""
from __future__ import annotations

import re

IGNORE = b"data-pagefind-ignore"
KEEP = re.compile(rb"data-pagefind-(?:filter|meta|sort)")
TAG = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)")
VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"source",
        b"track", b"wbr"}
NAME_ENDS = b" \t\n\r/>"


def pagefind_input(html: bytes) -> bytes:
    """``html`` as Pagefind needs it: its ``<html>`` tag (the language),
    its title, and its ``<main>`` without the ignored elements that carry
    no filter, metadata or sort."""
    start, end = html.find(b"<main"), html.rfind(b"</main>")
    opening = html.find(b"<html")
    if start < 0 or end < start or opening < 0:
        return html
    main = _without_ignored(html[start:end + len(b"</main>")])
    if main is None:
        return html
    root = html[opening:html.find(b">", opening) + 1]
    t0, t1 = html.find(b"<title>"), html.find(b"</title>")
    title = html[t0:t1 + len(b"</title>")] if 0 <= t0 < t1 else b""
    return b"<!doctype html>" + root + b"<head>" + title + b"</head><body>" + main + b"</body></html>"


def _without_ignored(body: bytes) -> bytes | None:
    """``body`` without its ignored elements that hold no Pagefind data; None
    when an element's end cannot be found."""
    out: list[bytes] = []
    kept_to = 0  # body[:kept_to] is decided
    at = body.find(IGNORE)
    while at >= 0:
        lt = body.rfind(b"<", kept_to, at)
        if lt < 0 or body.find(b">", lt, at) >= 0:  # the words in text, not an attribute
            at = body.find(IGNORE, at + len(IGNORE))
            continue
        gt = body.find(b">", at)
        tag = TAG.match(body, lt)
        if gt < 0 or tag is None:
            return None
        name = tag.group(1).lower()
        stop = gt + 1 if name in VOID or body[gt - 1:gt] == b"/" else _element_end(body, name, gt + 1)
        if stop is None:
            return None
        if KEEP.search(body, lt, stop):  # its own text is still skipped by Pagefind
            at = body.find(IGNORE, gt)
            continue
        out.append(body[kept_to:lt])
        kept_to = stop
        at = body.find(IGNORE, stop)
    out.append(body[kept_to:])
    return b"".join(out)


def _element_end(body: bytes, name: bytes, at: int) -> int | None:
    """Where the element named ``name`` whose content starts at ``at`` ends
    (just after its end tag), counting elements of the same name inside it."""
    opening, closing = b"<" + name, b"</" + name + b">"
    depth = 1
    while True:
        close = body.find(closing, at)
        if close < 0:
            return None
        nested = body.find(opening, at, close)
        while nested >= 0 and body[nested + len(opening):nested + len(opening) + 1] not in NAME_ENDS:
            nested = body.find(opening, nested + 1, close)
        if nested >= 0:
            depth += 1
            at = nested + len(opening)
            continue
        depth -= 1
        at = close + len(closing)
        if depth == 0:
            return at
