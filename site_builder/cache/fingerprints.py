"""What a page, a group of pages or an output is made from, as a hash.

A page's fingerprint covers the generator's code, the site-wide settings,
the closure of its templates, its URL and the content hashes of what it
depends on (``pages.map.Page.deps``: filings, Markdown pages, or ``*`` for every
filing). A rebuild re-renders exactly the pages whose fingerprint changed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
CODE_SUFFIXES = (".py", ".js", ".yaml")  # the package's code and the data it ships (search_parts.js, lexicon)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_fingerprint() -> str:
    """Any change to the generator's own code invalidates every page."""
    h = hashlib.sha256()
    for p in sorted(p for p in PACKAGE.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()


class DepValues(dict):
    """dependency → its content hash as an int, made on first use (a region
    page depends on thousands of filings; their hashes are parsed once)."""

    def __init__(self, dep_hash: dict[str, str]):
        super().__init__()
        self.dep_hash = dep_hash

    def __missing__(self, d: str) -> int:
        v = self[d] = int(sha(d.encode())[:32] if d.startswith("const:") else self.dep_hash[d], 16)
        return v


def page_fingerprint(url: str, template: str, deps: frozenset[str], global_fp: str, template_fp: dict[str, str],
                     values: DepValues) -> str:
    # the dependencies' hashes are combined by a sum, which does not depend on
    # their order: no sort of the thousands of filings a region or year page
    # depends on
    total = sum(map(values.__getitem__, deps)) % (1 << 128)
    return sha(f"{global_fp}\0{template_fp[template]}\0{url}\0{total:x}".encode())[:20]


def every_filing_hash(dep_hash: dict[str, str], kind: str = "filing:") -> str:
    """The hash of the ``*`` dependency: of every filing's content hash (or,
    with ``kind="listing:"``, of ``listing:*``: every light filing's)."""
    return sha("".join(sorted(h for d, h in dep_hash.items() if d.startswith(kind) and d[-1] != "*")).encode())[:16]


def group_fingerprint(global_fp: str, group_tfp: str, name: str, content_hashes: list[str]) -> str:
    """An agency's group of pages: its name and its filings' content."""
    return sha("\0".join([global_fp, group_tfp, name, *content_hashes]).encode())[:20]


def content_identity(global_fp: str, dep_hash: dict[str, str]) -> str:
    """What an output holds, named by what it is made from: the settings and
    code (``global_fp``) and every dependency's content hash. Written into the
    output's marker and the build state; a function of the inputs alone, so
    the output stays byte-for-byte reproducible."""
    return sha("\0".join([global_fp, *(f"{d}={h}" for d, h in sorted(dep_hash.items()))]).encode())[:20]
