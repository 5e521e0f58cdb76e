"""Text printed in traditional characters (a mirror site that converted a
page: 績效目標, 指標, 萬元).

The lexicon's labels and the division table's names are in simplified
characters, so such a document is recognised in a simplified copy, made by
OpenCC's t2s conversion; the values read from the copy are then put back as
printed. The copy keeps every position (a conversion that changes a text's
length is not used), so a value is put back from the place it was read at.
Between the reader and the recognizer: it knows neither formats nor filings.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from .grid import Document, Para, Table

# share of the CJK characters the conversion changes: about a third in text
# printed in traditional characters, under one in a hundred in simplified
# text that cites a name in traditional ones
TRADITIONAL_SHARE = 0.1
TRADITIONAL_MIN = 20
SAMPLE = 20000
# fields whose values do not come from the printed text: the format's, the division table's, the importer's note
NOT_PRINTED = {("schema",), ("year",), ("region",), ("unit",), ("source", "note")}


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@dataclasses.dataclass
class Printed:
    """The document's text as printed and as converted, for putting values back."""

    printed: str
    converted: str
    chars: dict[str, set[str]]  # converted character → the printed characters it stands for

    def restore(self, value: str) -> str | None:
        """``value`` as printed: from the place it was read at, else character for
        character where each character stands for one printed character in this
        document; None where one stands for two (乾 and 干 both give 干), or where
        the value occurs printed in two ways."""
        if not value:
            return value
        places = set()
        at = self.converted.find(value)
        while at >= 0 and len(places) < 2:
            places.add(self.printed[at:at + len(value)])
            at = self.converted.find(value, at + 1)
        if len(places) == 1:
            return places.pop()
        if places:
            return None  # printed two ways where it occurs
        out = []
        for ch in value:
            printed = self.chars.get(ch, {ch})
            if len(printed) != 1:
                return None
            out.append(next(iter(printed)))
        return "".join(out)


def simplified(doc: Document) -> tuple[Document, Printed | None]:
    """A simplified copy of a document printed in traditional characters, and
    what puts its values back; the document itself when it is not."""
    texts: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Para):
            texts.append(b.text)
        else:
            for r in b.rows:
                texts.append(r.raw)
                texts.extend(c.text for c in r.cells)
    printed = "\n".join(texts)
    conv = _converter()
    # told from the document's beginning: a long simplified document is not converted whole to be told so
    for text in (printed[:SAMPLE], printed) if len(printed) > SAMPLE else (printed,):
        converted = conv.convert(text)
        cjk = sum(1 for ch in text if _cjk(ch))
        changed = sum(1 for a, b in zip(text, converted) if a != b and _cjk(a))
        if len(converted) != len(text) or changed < TRADITIONAL_MIN or changed < TRADITIONAL_SHARE * cjk:
            return doc, None

    # each text converted on its own, as the recognizer reads it; one whose length the conversion changes
    # is kept as printed
    def s(text: str) -> str:
        out = conv.convert(text) if text else text
        return out if len(out) == len(text) else text

    converted = "\n".join(s(t) for t in texts)
    chars: dict[str, set[str]] = {}
    for a, b in zip(printed, converted):
        chars.setdefault(b, set()).add(a)
    blocks: list[Any] = []
    for b in doc.blocks:
        if isinstance(b, Para):
            blocks.append(dataclasses.replace(b, text=s(b.text)))
        else:
            assert isinstance(b, Table)
            rows = [dataclasses.replace(r, raw=s(r.raw), cells=[dataclasses.replace(c, text=s(c.text)) for c in r.cells])
                    for r in b.rows]
            blocks.append(dataclasses.replace(b, rows=rows))
    return dataclasses.replace(doc, blocks=blocks), Printed(printed, converted, chars)


def restore(data: dict[str, Any], printed: Printed) -> list[tuple[str, ...]]:
    """Put the draft's texts back as printed; the paths of those that cannot be."""
    failed: list[tuple[Any, ...]] = []

    def walk(v: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(v, dict):
            return {k: (x if path + (k,) in NOT_PRINTED else walk(x, path + (k,))) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, path + (n,)) for n, x in enumerate(v)]
        if isinstance(v, tuple):
            return tuple(walk(x, path + (n,)) for n, x in enumerate(v))
        if type(v) is str:  # amounts (Num) hold digits only
            back = printed.restore(v)
            if back is None:
                failed.append(path)
                return v
            return back
        return v

    data.update(walk(data, ()))
    return failed
