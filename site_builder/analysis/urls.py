"""Stable, readable ASCII URLs derived from codes — never from free text.

Every function returns a site path starting with "/" and ending with "/" for
pages; the renderer prefixes the configured base path.
"""
from __future__ import annotations

import re

_SAFE = re.compile(r"^[0-9A-Za-z]+$")


def _safe(part: str) -> str:
    # The validator already restricts codes to ASCII letters and digits; this
    # guard makes a path traversal impossible even if a caller forgets.
    if not _SAFE.match(part):
        raise ValueError(f"unsafe URL part {part!r}")
    return part


def agency_slug(region_code: str, agency_code: str | None) -> str:
    """``130202-430001``; an agency printed without a code is ``622925``."""
    if agency_code:
        return f"{_safe(region_code)}-{_safe(agency_code).lower()}"
    return _safe(region_code)


def project_slug(code: str | None, index: int) -> str:
    """The project code in lower case, or ``p<n>`` (1-based) when none is printed."""
    return _safe(code).lower() if code else f"p{index + 1}"


def agency(slug: str) -> str:
    return f"/agencies/{slug}/"


def filing(slug: str, year: int) -> str:
    return f"/agencies/{slug}/{year}/"


def project(slug: str, year: int, pslug: str) -> str:
    return f"/agencies/{slug}/{year}/projects/{pslug}/"


def region(code: str) -> str:
    return f"/regions/{_safe(code)}/"


def year(y: int) -> str:
    return f"/years/{int(y)}/"


def filing_data(slug: str, year: int, ext: str) -> str:
    return f"/data/filings/{slug}-{year}.{ext}"


def region_changes(code: str, y: int) -> str:
    """What changed in a region from the year before ``y`` to ``y``."""
    return f"/regions/{_safe(code)}/changes/{int(y)}/"


SANGONG = "/sangong/"


def sangong_region(code: str) -> str:
    return f"/sangong/{_safe(code)}/"
