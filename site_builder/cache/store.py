"""The whole analysed filings, kept apart from the site model.

The site model holds every filing *light* (analysis.lighten): what the
site-wide pages print. A filing's own pages and downloads print the whole
filing, which is kept pickled (in memory, or in a pack file a parse worker
wrote) and unpickled only when they render. At 10,000 filings the model of
whole filings took ~2 GB and was copied page by page into every forked
render worker.
"""
from __future__ import annotations

import pickle
from functools import partial
from typing import TYPE_CHECKING

from ..analysis.site import release
from .pack import Ref, payload

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.site import FilingInfo


class FilingStore:
    """Whole filings by their light ones: ``attach`` gives a light filing the
    way to its whole one (``FilingInfo.whole()``)."""

    KEEP = 4  # a filing's pages render one after the other: the last few are kept unpickled

    def __init__(self) -> None:
        self._kept: dict[int, tuple["FilingInfo", "FilingInfo"]] = {}  # id(light) → (light, whole)

    def attach(self, light: "FilingInfo", whole: bytes | Ref | None) -> None:
        light.load_whole = partial(self._whole, light, whole) if whole is not None else None

    def _whole(self, light: "FilingInfo", blob: bytes | Ref) -> "FilingInfo":
        hit = self._kept.get(id(light))
        if hit is not None and hit[0] is light:
            return hit[1]
        whole = pickle.loads(payload(blob))
        whole.agency, whole.derived = light.agency, light.derived
        if len(self._kept) >= self.KEEP:
            release(self._kept.pop(next(iter(self._kept)))[1])
        self._kept[id(light)] = (light, whole)
        return whole

    def clear(self) -> None:
        """Drop the kept whole filings (after a build: they hold old agencies)."""
        for _light, whole in self._kept.values():
            release(whole)
        self._kept.clear()
