"""A small table of administrative divisions (GB/T 2260) for the seeds' regions.

The importer fills province / city / county from this table only when the
division code is known *and* the text itself names the county (or city), so
that a table entry confirms what the filing prints instead of inventing it.
Add rows here as new regions are imported.
"""
from __future__ import annotations

# code: (province, city, county)
DIVISIONS: dict[str, tuple[str, str | None, str | None]] = {
    "130202": ("河北省", "唐山市", "路南区"),
    "130209": ("河北省", "唐山市", "曹妃甸区"),
    "130225": ("河北省", "唐山市", "乐亭县"),
    "130535": ("河北省", "邢台市", "临西县"),
    "622925": ("甘肃省", "临夏回族自治州", "和政县"),
}


def lookup(code: str) -> tuple[str, str | None, str | None] | None:
    return DIVISIONS.get(code)


def find_named(text: str) -> list[str]:
    """Codes of table entries whose county (or, lacking one, city) the text names."""
    found = []
    for code, (province, city, county) in DIVISIONS.items():
        name = county or city or province
        if name and name in text:
            found.append(code)
    return found


def short(name: str) -> str:
    """和政县 → 和政, 曹妃甸区 → 曹妃甸 (for matching ``临西县`` against ``临西``)."""
    for suffix in ("回族自治州", "自治州", "自治县", "省", "市", "州", "县", "区", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
