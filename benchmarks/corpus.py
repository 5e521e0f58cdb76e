"""Deterministic synthetic corpus of filings for benchmarks.

    python -m benchmarks.corpus --n 10000 --out /tmp/corpus10k [--seed 1] [--jobs 2]

writes ``N`` valid filing files to ``OUT/filings/`` (the layout of
``content/``: ``<region>-<agency>-<year>.yaml``, or ``<region>-<year>.yaml``
for the few agencies that print no code, like the 和政 seed).

The shape follows the real filings in ``content/filings/`` (the "seeds"),
which are read at generation time:

* projects per filing 3-11 (seeds: 3, 5, 8, 10, 11; mean 7.4), indicators per
  project 6-10, taken from the seeds' indicator-table shapes;
* all text (goals, purposes, indicator names / descriptions / targets / bases,
  overview paragraphs) is drawn from the seeds and recombined, with the seeds'
  place names and years replaced by the generated region and year;
* both templates: the Hebei one (project codes ``<region><yy>P…``, spending
  plans in percent or in amounts, description and basis columns, an overview)
  and the 和政 one (no project codes, 成本指标 as 一级指标, a unit_budget table,
  carryover / other funding);
* a few percent of filings carry one notes-worthy inconsistency each, as the
  seeds do: funding parts that do not add up (``funding``), a cost bound 0.01
  below the budget (``cost_bound``), a spending plan missing a checkpoint
  (``plan_gap``), an indicator block copied from another project
  (``copied_indicators``).

Everything is drawn from ``random.Random`` instances seeded from ``seed`` (no
global random state, no clock, no uuid), so the same ``n`` and ``seed`` give
byte-identical files. Money is handled as integers / ``Decimal`` and written
as plain YAML numbers with their exact decimals.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import yaml

from site_builder.content.targets import NUMBER, parse_target

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "content" / "filings"
YEARS = (2024, 2025)
HEBEI, HEZHENG = "hebei", "hezheng"
INCONSISTENCIES = ("funding", "cost_bound", "plan_gap", "copied_indicators")
INCONSISTENT_SHARE = 0.04  # "a few percent" of filings

# placeholders put into seed text in place of the seed's own place names / year
P_COUNTY, P_COUNTY_SHORT, P_CITY, P_CITY_SHORT, P_YEAR = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"


# --------------------------------------------------------------------------
# vocabulary from the seed filings
# --------------------------------------------------------------------------

@dataclass
class SeedProject:
    template: str
    name: str
    purpose: str | None
    goals: list[str]
    indicators: list[dict[str, str]]
    by_slot: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i in self.indicators:
            self.by_slot.setdefault((i["level1"], i["level2"]), []).append(i)


@dataclass
class Vocab:
    overall: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    sub_items: list[str] = field(default_factory=list)
    safe_items: list[str] = field(default_factory=list)
    projects: dict[str, list[SeedProject]] = field(default_factory=dict)
    shapes: dict[str, list[tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    pool: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    pool_t: dict[tuple[str, str, str], list[dict[str, str]]] = field(default_factory=dict)
    purposes: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    unit_goals: list[str] = field(default_factory=list)
    unit_indicators: list[dict[str, str]] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)  # texts holding a place/year placeholder


_SENTENCE = re.compile(r"[^。！？\n]+[。！？]")


def _uniq(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def load_vocab(seed_dir: Path = SEED_DIR) -> Vocab:
    """Read the seed filings and collect their text, abstracted from place/year."""
    files = sorted(Path(seed_dir).glob("*.yaml"))
    if not files:
        raise SystemExit(f"benchmarks.corpus: no seed filings in {seed_dir}")
    docs = [yaml.load(f.read_text(encoding="utf-8"), Loader=_Loader) for f in files]

    names: dict[str, str] = {}
    for d in docs:
        r = d.get("region") or {}
        for key, full_ph, short_ph in (("county", P_COUNTY, P_COUNTY_SHORT), ("city", P_CITY, P_CITY_SHORT)):
            full = r.get(key)
            if not full:
                continue
            names[full] = full_ph
            short = re.sub(r"(回族自治州|藏族自治州|自治州|自治县|[区县市州])$", "", full)
            if len(short) >= 2:
                names.setdefault(short, short_ph)
    fulls = sorted((n for n, ph in names.items() if ph in (P_COUNTY, P_CITY)), key=len, reverse=True)
    shorts = sorted((n for n, ph in names.items() if ph in (P_COUNTY_SHORT, P_CITY_SHORT)), key=len, reverse=True)
    place_re = re.compile(
        "|".join([re.escape(n) for n in fulls] + [re.escape(n) + "(?![府务策治])" for n in shorts])
        or r"(?!x)x"
    )
    year_re = re.compile(r"(?<!\d)202[345](?!\d)")
    v = Vocab(projects={HEBEI: [], HEZHENG: []}, shapes={HEBEI: [], HEZHENG: []})

    placeholders = re.compile(f"[{P_COUNTY}-{P_YEAR}]")

    def ab(text: Any) -> str:
        s = str(text).strip()
        s = place_re.sub(lambda m: names[m.group(0)], s)
        s = year_re.sub(P_YEAR, s)
        if placeholders.search(s):
            v.placed.add(s)
        return s

    for d in docs:
        projects = d.get("projects") or []
        template = HEBEI if any(p.get("code") for p in projects) else HEZHENG
        ov = d.get("overview") or {}
        prose: list[str] = []
        if ov.get("overall_goal"):
            v.overall.append(ab(ov["overall_goal"]))
            prose.append(v.overall[-1])
        for item in ov.get("sub_goals") or ():
            v.sub_items.append(ab(item))
            prose.append(v.sub_items[-1])
        for item in ov.get("safeguards") or ():
            v.safe_items.append(ab(item))
            prose.append(v.safe_items[-1])
        for text in prose:
            for para in text.split("\n"):
                if para.lstrip().startswith("-"):
                    continue
                v.sentences.extend(s.strip() for s in _SENTENCE.findall(para) if len(s.strip()) >= 12)
        ub = d.get("unit_budget") or {}
        v.unit_goals.extend(ab(g) for g in ub.get("goals") or ())
        for ind in ub.get("indicators") or ():
            v.unit_indicators.append({k: ab(ind[k]) for k in ("level1", "level2", "name", "target") if ind.get(k)})
        for p in projects:
            inds = []
            for ind in p.get("indicators") or ():
                clean = {k: ab(ind[k]) for k in ("level1", "level2", "name", "description", "target", "basis")
                         if ind.get(k) is not None}
                inds.append(clean)
                v.pool.setdefault((clean["level1"], clean["level2"]), []).append(clean)
                v.pool_t.setdefault((template, clean["level1"], clean["level2"]), []).append(clean)
                if clean.get("basis"):
                    v.bases.append(clean["basis"])
            sp = SeedProject(template, ab(p["name"]), ab(p["purpose"]) if p.get("purpose") else None,
                             [ab(g) for g in p.get("goals") or ()], inds)
            v.projects[template].append(sp)
            v.shapes[template].append(tuple((i["level1"], i["level2"]) for i in inds))
            if sp.purpose:
                v.purposes.append(sp.purpose)
            v.goals.extend(sp.goals)
    v.sentences = _uniq(v.sentences)
    v.purposes = _uniq(v.purposes)
    v.goals = _uniq(v.goals)
    v.bases = _uniq(v.bases)
    v.unit_goals = _uniq(v.unit_goals) or v.goals[:5]
    for t in (HEBEI, HEZHENG):  # a corpus needs both templates even if a seed is missing
        other = HEZHENG if t == HEBEI else HEBEI
        if not v.projects[t]:
            v.projects[t], v.shapes[t] = v.projects[other], v.shapes[other]
    return v


# --------------------------------------------------------------------------
# regions and agencies
# --------------------------------------------------------------------------

# (prefix, name, weight, prefecture codes) — prefecture codes >= 21 are 地区/自治州
PROVINCES = [
    ("13", "河北省", 30, list(range(1, 12))),
    ("62", "甘肃省", 20, list(range(1, 13)) + [29, 30]),
    ("14", "山西省", 5, list(range(1, 12))),
    ("34", "安徽省", 4, [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18]),
    ("36", "江西省", 4, list(range(1, 12))),
    ("37", "山东省", 5, list(range(1, 12)) + [13, 14, 15, 16, 17]),
    ("41", "河南省", 5, list(range(1, 18))),
    ("42", "湖北省", 4, [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 28]),
    ("43", "湖南省", 4, list(range(1, 14)) + [31]),
    ("45", "广西壮族自治区", 3, list(range(1, 15))),
    ("51", "四川省", 4, [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 32, 33, 34]),
    ("52", "贵州省", 3, [1, 2, 3, 4, 5, 6, 22, 23, 26, 27]),
    ("53", "云南省", 3, [1, 3, 4, 5, 6, 7, 8, 9, 23, 25, 26, 28, 29, 31, 33, 34]),
    ("61", "陕西省", 4, list(range(1, 11))),
    ("64", "宁夏回族自治区", 2, list(range(1, 6))),
]
PREFECTURE_SUFFIX = {
    ("62", 29): "回族自治州", ("62", 30): "藏族自治州", ("42", 28): "土家族苗族自治州",
    ("43", 31): "土家族苗族自治州", ("51", 32): "藏族羌族自治州", ("51", 33): "藏族自治州",
    ("51", 34): "彝族自治州", ("52", 22): "地区", ("52", 23): "布依族苗族自治州",
    ("52", 26): "苗族侗族自治州", ("52", 27): "布依族苗族自治州", ("53", 23): "彝族自治州",
    ("53", 25): "哈尼族彝族自治州", ("53", 26): "壮族苗族自治州", ("53", 28): "傣族自治州",
    ("53", 29): "白族自治州", ("53", 31): "傣族景颇族自治州", ("53", 33): "傈僳族自治州",
    ("53", 34): "藏族自治州",
}
_SYL1 = ("安保北昌丰阜固广海和华怀康乐临隆滦满南宁平迁清秋曲饶任容润三沙尚深顺肃唐威文武献新兴雄宣阳"
         "易永玉元赞章正遵崇大定东高鹤会金景靖静兰礼灵陇麦岷秦庆山天通渭西夏漳舟宝盛福长青龙凤鹿柏桃梅")
_SYL2 = "安城川东丰阜谷河华江乐林隆宁平坪坡泉山胜水台亭西乡阳原州泽源远兴定都沟口峪岭县"[:-1]

# department name, 3-digit department code (agency code = code + "001")
DEPARTMENTS = [
    ("机关事务中心", 507), ("机关事务管理局", 430), ("政务接待中心", 442), ("机关后勤服务中心", 431),
    ("教育局", 201), ("卫生健康局", 301), ("民政局", 211), ("财政局", 101), ("自然资源和规划局", 401),
    ("农业农村局", 501), ("水利局", 502), ("文化广电和旅游局", 601), ("交通运输局", 402),
    ("市场监督管理局", 311), ("住房和城乡建设局", 403), ("人力资源和社会保障局", 212),
    ("生态环境分局", 404), ("应急管理局", 312), ("统计局", 102), ("审计局", 103), ("司法局", 104),
    ("退役军人事务局", 213), ("医疗保障局", 302), ("林业局", 503), ("科学技术局", 602), ("商务局", 405),
    ("发展和改革局", 105), ("工业和信息化局", 406), ("信访局", 106), ("档案馆", 107),
    ("融媒体中心", 603), ("疾病预防控制中心", 303), ("公共资源交易中心", 108), ("行政审批局", 109),
    ("供销合作社联合社", 504), ("妇女联合会", 701), ("共青团委员会", 702), ("总工会", 703),
    ("残疾人联合会", 704), ("城市管理综合行政执法局", 407),
]


@dataclass(frozen=True)
class Region:
    code: str
    province: str
    city: str
    county: str

    @property
    def county_short(self) -> str:
        return self.county[:-1] if len(self.county) > 2 else self.county

    @property
    def city_short(self) -> str:
        s = self.city
        for suf in sorted(set(PREFECTURE_SUFFIX.values()) | {"市", "地区"}, key=len, reverse=True):
            if s.endswith(suf) and len(s) > len(suf) + 1:
                return s[: -len(suf)]
        return s


@dataclass(frozen=True)
class Slot:
    """One planned filing."""

    index: int
    region: Region
    agency_code: str | None
    agency_name: str
    implementer: str
    template: str
    year: int
    scope: str | None
    inconsistency: str | None = None

    @property
    def filename(self) -> str:
        if self.agency_code:
            return f"{self.region.code}-{self.agency_code}-{self.year}.yaml"
        return f"{self.region.code}-{self.year}.yaml"


class _Geography:
    """Hands out distinct 6-digit division codes with generated names."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cities: dict[tuple[str, int], tuple[str, list[tuple[int, str]]]] = {}
        self.city_names: dict[str, set[str]] = {}
        self.used: set[str] = set()
        self.weights = [p[2] for p in PROVINCES]

    def _name(self, taken: set[str]) -> str:
        rng = self.rng
        for _ in range(200):
            a, b = rng.choice(_SYL1), rng.choice(_SYL2)
            if a != b and a + b not in taken:
                taken.add(a + b)
                return a + b
        n = len(taken)  # pragma: no cover - a city with hundreds of counties
        taken.add(f"新{n}")
        return f"新{n}"

    def _city(self, prov: str, num: int) -> tuple[str, list[tuple[int, str]]]:
        key = (prov, num)
        if key not in self.cities:
            rng = self.rng
            base = self._name(self.city_names.setdefault(prov, set()))
            prefecture = num >= 21
            name = base + PREFECTURE_SUFFIX.get(key, "地区" if prefecture else "市")
            counties: list[tuple[int, str]] = []
            if prefecture:
                counties.append((1, "市"))
            else:
                counties += [(c, "区") for c in range(2, 2 + rng.randint(1, 6))]
            counties += [(c, "县") for c in range(21, 21 + rng.randint(3, 14))]
            if not prefecture:
                counties += [(c, "市") for c in range(81, 81 + rng.randint(0, 2))]
            self.cities[key] = (name, counties)
        return self.cities[key]

    def region(self) -> Region:
        rng = self.rng
        for _ in range(1000):
            prov, pname, _w, cities = rng.choices(PROVINCES, weights=self.weights)[0]
            num = rng.choice(cities)
            cname, counties = self._city(prov, num)
            free = [c for c in counties if f"{prov}{num:02d}{c[0]:02d}" not in self.used]
            if free:
                break
        else:  # pragma: no cover - only with far more regions than China has
            raise RuntimeError("out of division codes")
        cnum, kind = rng.choice(free)
        code = f"{prov}{num:02d}{cnum:02d}"
        self.used.add(code)
        county_names = self.city_names.setdefault(f"{prov}{num:02d}", {cname[:2]})
        county = self._name(county_names) + kind
        return Region(code, pname, cname, county)


def plan(n: int, seed: int = 1) -> list[Slot]:
    """Regions, agencies, years, templates and inconsistencies of ``n`` filings."""
    rng = random.Random(f"benchmarks.corpus:plan:{seed}")
    geo = _Geography(rng)
    slots: list[dict[str, Any]] = []
    while len(slots) < n:
        region = geo.region()
        p_hebei = {"13": 0.85, "62": 0.15}.get(region.code[:2], 0.5)
        codeless_done = False
        for dept, dcode in rng.sample(DEPARTMENTS, rng.randint(3, 18)):
            template = HEBEI if rng.random() < p_hebei else HEZHENG
            code: str | None = f"{dcode:03d}001"
            if template == HEZHENG and not codeless_done and rng.random() < 0.5:
                code, codeless_done = None, True
            scope = ("本级" if rng.random() < 0.9 else "汇总") if template == HEBEI else None
            years = list(YEARS) if rng.random() < 0.85 else [rng.choice(YEARS)]
            for year in years:
                slots.append(dict(region=region, agency_code=code, agency_name=region.county + dept,
                                  implementer=dept, template=template, year=year, scope=scope))
    slots = slots[:n]
    # inconsistencies: a few percent of filings, every kind present when n allows
    n_bad = round(n * INCONSISTENT_SHARE)
    if n >= 25:
        n_bad = max(n_bad, len(INCONSISTENCIES))
    order = list(range(n))
    rng.shuffle(order)
    chosen: set[int] = set()
    for j in range(n_bad):
        kind = INCONSISTENCIES[j % len(INCONSISTENCIES)]
        for i in order:
            if i not in chosen and (kind != "plan_gap" or slots[i]["template"] == HEBEI):
                chosen.add(i)
                slots[i]["inconsistency"] = kind
                break
    return [Slot(index=i, **s) for i, s in enumerate(slots)]


# --------------------------------------------------------------------------
# money: integers of 0.01 or 0.0001 万元, written exactly
# --------------------------------------------------------------------------

_CENT, _BP = Decimal("0.01"), Decimal("0.0001")
# ranges in 万元 and their weights: small office purchases to large works
_AMOUNT_BUCKETS = [((0.3, 10), 15), ((10, 50), 30), ((50, 200), 30), ((200, 1000), 20), ((1000, 5000), 5)]


def _amount(rng: random.Random, places: int, round_whole: bool) -> Decimal:
    (lo, hi), = rng.choices([b[0] for b in _AMOUNT_BUCKETS], weights=[b[1] for b in _AMOUNT_BUCKETS])
    scale = 10 ** places
    units = rng.randint(int(lo * scale), int(hi * scale))
    if round_whole and units >= scale:
        units -= units % scale
        if units >= 20 * scale and places == 0:
            units -= units % (5 * scale)
    return Decimal(units).scaleb(-places)


def _m(d: Decimal) -> "Num":
    return Num(format(d, "f"))


def _places(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)  # type: ignore[operator]


def _q(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places)) if places else d.quantize(Decimal(1))


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------

_FIRST_NUM = re.compile(r"\d+(?:\.\d+)?")
_PCT_HIGH = (80, 82, 85, 86, 88, 90, 92, 95, 95, 95, 96, 98, 98, 100)
_PCT_LOW = (1, 2, 3, 5, 5, 8, 10, 15)


class Gen:
    """Generates one filing from a slot (its own ``random.Random``)."""

    def __init__(self, vocab: Vocab, slot: Slot, seed: int):
        self.v = vocab
        self.s = slot
        self.rng = random.Random(f"benchmarks.corpus:filing:{seed}:{slot.index}")
        r = slot.region
        self.places = {ord(P_COUNTY): r.county, ord(P_COUNTY_SHORT): r.county_short,
                       ord(P_CITY): r.city, ord(P_CITY_SHORT): r.city_short, ord(P_YEAR): str(slot.year)}
        self.rnd = self.rng.random
        self.strip_zeros = self.rnd() < 0.4  # "≤27.8万元" for 27.80, as one seed prints

    def pick(self, seq: Any) -> Any:
        """``rng.choice`` without its overhead (the hot path draws ~100 per filing)."""
        return seq[int(self.rnd() * len(seq))]

    def t(self, text: str) -> str:
        return text.translate(self.places) if text in self.v.placed else text

    def money_text(self, d: Decimal) -> str:
        s = format(d, "f")
        if self.strip_zeros and "." in s:
            s = s.rstrip("0").rstrip(".")
        return s

    def retarget(self, text: str, total: Decimal) -> str:
        """A seed target with its number redrawn (amounts tied to the budget)."""
        text = self.t(text)
        tg = parse_target(text)
        if tg.kind != NUMBER or tg.value is None:
            return text
        m = _FIRST_NUM.search(text)
        if not m:
            return text
        rng, v, unit = self.rng, tg.value, tg.unit
        if unit == "万元":
            new = self.money_text(total)
        elif unit == "%":
            if tg.op in ("≤", "<") and v >= 100:
                return text
            if v <= 20:
                new = str(rng.choice(_PCT_LOW))
            else:
                pick = rng.choice(_PCT_HIGH)
                new = str(98 if pick == 100 and tg.op == ">" else pick)
        elif unit in ("个月", "月", "年"):
            return text
        elif v <= 3:
            new = str(rng.randint(1, 5))
        else:
            x = v * Decimal(rng.randint(50, 180)) / 100
            places = _places(v)
            new = format(max(_q(x, places), Decimal(1)), "f")
        return text[: m.start()] + new + text[m.end():]

    def compose(self, lo: int, hi: int, paragraphs: bool = True) -> str:
        rng = self.rng
        target = rng.randint(lo, hi)
        out: list[str] = []
        length = 0
        while length < target:
            s = rng.choice(self.v.sentences)
            if s in out:
                continue
            out.append(s)
            length += len(s)
        if paragraphs and len(out) >= 3 and rng.random() < 0.35:
            cut = rng.randint(1, len(out) - 1)
            return ("".join(out[:cut]) + "\n\n" + "".join(out[cut:])).translate(self.places)
        return "".join(out).translate(self.places)

    def items(self, whole: list[str], k: int) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(k):
            if whole and rng.random() < 0.4:
                out.append(self.t(rng.choice(whole)))
            else:
                out.append(self.compose(30, 260, paragraphs=False))
        return _uniq(out)

    # -- projects ----------------------------------------------------------

    def shape(self) -> list[tuple[str, str]]:
        rng = self.rng
        shape = list(rng.choice(self.v.shapes[self.s.template]))
        roll = rng.random()
        if roll < 0.15 and len(shape) < 10:  # a second quantity row
            at = next((i for i, s in enumerate(shape) if s[1] == "数量指标"), 0)
            shape.insert(at + 1, shape[at])
        elif roll < 0.30 and len(shape) > 6:  # one row fewer (never the satisfaction row)
            del shape[rng.randrange(len(shape) - 1)]
        return shape

    def indicator(self, slot: tuple[str, str], base: SeedProject, total: Decimal) -> dict[str, Any]:
        v, hebei, rnd, pick = self.v, self.s.template == HEBEI, self.rnd, self.pick
        own = base.by_slot.get(slot, ())
        pool = v.pool_t.get((self.s.template, *slot)) or v.pool.get(slot) or own
        if not pool:  # pragma: no cover - seeds lack this slot entirely
            pool = [i for i in v.pool.get(next(iter(v.pool)), [])]
        a = pick(own) if own and rnd() < 0.5 else pick(pool)
        b = a if rnd() < 0.85 else pick(pool)
        out: dict[str, Any] = {"level1": slot[0], "level2": slot[1], "name": self.t(a["name"])}
        if hebei:
            desc = a.get("description") or a["name"]
            out["description"] = self.t(desc if rnd() < 0.8 else a["name"])
        out["target"] = Q(self.retarget(b["target"], total))
        if hebei:
            out["basis"] = self.t(a.get("basis") or pick(v.bases))
        return out

    def project(self, base: SeedProject, codes: set[str], dec_places: int, plan_style: str | None) -> dict[str, Any]:
        rng, s, v = self.rng, self.s, self.v
        hebei = s.template == HEBEI
        p: dict[str, Any] = {}
        if hebei:
            while True:
                body = f"00{rng.randint(0, 999999):06d}{rng.randint(1, 99):02d}0{rng.choice('0123456789ABCDEFGHJKLMNPQRSTUVWXYZ')}"
                code = f"{s.region.code}{s.year % 100:02d}P{body}"
                if code not in codes:
                    codes.add(code)
                    break
            p["code"] = Q(code)
        name = self.t(base.name)
        if not hebei and not name[:1].isdigit() and rng.random() < 0.3:
            name = f"{s.year}年{name}"
        p["name"] = name
        if not hebei:
            p["implementer"] = s.implementer
        if hebei:
            places = 4 if dec_places == 4 and rng.random() < 0.3 else 2
            total = _amount(rng, places, round_whole=rng.random() < 0.45)
            if total == 0:
                total = Decimal("1.00")
            p["budget"] = {"total": _m(total), "fiscal": _m(total)}
        else:
            places = 2 if rng.random() < 0.15 else 0
            total = _amount(rng, places, round_whole=True)
            if total == 0:
                total = Decimal(1)
            carry = other = Decimal(0)
            if rng.random() < 0.12:
                carry = _q(total * Decimal(rng.randint(5, 30)) / 100, places)
            if rng.random() < 0.05:
                other = _q((total - carry) * Decimal(rng.randint(5, 20)) / 100, places)
            p["budget"] = {"total": _m(total), "fiscal": _m(total - carry - other),
                           "carryover": _m(carry), "other": _m(other)}
        p["_total"] = total
        if hebei:
            purpose = base.purpose if base.purpose and rng.random() < 0.7 else rng.choice(v.purposes)
            p["purpose"] = self.t(purpose)
            p["spending_plan"] = self.spending_plan(total, plan_style or "percent")
        if base.goals and rng.random() < 0.6:
            goals = [self.t(g) for g in base.goals]
        else:
            goals = _uniq([self.t(rng.choice(v.goals)) for _ in range(rng.randint(1, 2) if hebei else 3)])
        p["goals"] = goals
        p["indicators"] = [self.indicator(slot, base, total) for slot in self.shape()]
        return p

    def spending_plan(self, total: Decimal, style: str) -> dict[str, Any]:
        rng = self.rng
        if style == "percent":
            pts = rng.choices(
                [(25, 50, 75, 100), (25, 50, 70, 100), (20, 50, 80, 100), (30, 60, 90, 100), (10, 40, 70, 100),
                 (25, 50, 80, 100)],
                weights=[60, 8, 8, 8, 8, 8])[0]
            return {"unit": "percent", **{k: Num(str(x)) for k, x in zip(("mar", "jun", "oct", "dec"), pts)}}
        mar = rng.randint(5, 30)
        jun = rng.randint(max(mar, 30), 60)
        oct_ = rng.randint(max(jun, 55), 90)
        whole = total >= 10
        vals = []
        for pct in (mar, jun, oct_):
            x = total * pct / 100
            x = x.quantize(Decimal(1), rounding="ROUND_FLOOR") if whole else x.quantize(_CENT, rounding="ROUND_FLOOR")
            vals.append(_m(x.quantize(_CENT)))
        return {"unit": "amount", "mar": vals[0], "jun": vals[1], "oct": vals[2], "dec": _m(total)}

    # -- inconsistencies ---------------------------------------------------

    def spoil(self, projects: list[dict[str, Any]], kind: str) -> None:
        rng = self.rng
        if kind == "funding":
            p = rng.choice(projects)
            b, total = p["budget"], p["_total"]
            places = _places(total)
            delta = _q(Decimal(rng.randint(1, 50)), places) if total > 60 else _q(total / 10 + 1, places)
            if "carryover" in b and rng.random() < 0.5:
                b["carryover"] = _m(Decimal(b["carryover"]) + delta)
            elif rng.random() < 0.5 or Decimal(b["fiscal"]) <= delta:
                b["fiscal"] = _m(Decimal(b["fiscal"]) + delta)
            else:
                b["fiscal"] = _m(Decimal(b["fiscal"]) - delta)
            parts = sum(Decimal(b[k]) for k in ("fiscal", "carryover", "other") if k in b)
            if rng.random() < 0.5:
                p["note"] = (f"预算数 {self.money_text(total)} 万元，而资金来源合计 {format(parts, 'f')} 万元，"
                             "二者不一致，照原文录入。 The funding parts do not add up to the total; kept as printed.")
        elif kind == "cost_bound":
            cands = [p for p in projects if p["_total"] > Decimal("0.02")]
            p = rng.choice(cands or projects)
            total = p["_total"]
            bound = total - _CENT
            cost_rows = [i for i in p["indicators"] if i["level2"] in ("成本指标", "经济成本指标")]
            if not cost_rows:
                lvl = ("产出指标", "成本指标") if self.s.template == HEBEI else ("成本指标", "经济成本指标")
                row = {"level1": lvl[0], "level2": lvl[1], "name": "质量一定基础上节约成本"}
                if self.s.template == HEBEI:
                    row["description"] = "质量一定基础上节约成本"
                row["target"] = Q("")
                if self.s.template == HEBEI:
                    row["basis"] = "询价"
                p["indicators"].insert(min(3, len(p["indicators"]) - 1), row)
                cost_rows = [row]
            text = f"≤{format(bound, 'f')}万元"
            cost_rows[0]["target"] = Q(text)
            for i in p["indicators"]:
                if i["level2"] == "经济效益指标" and rng.random() < 0.5:
                    i["target"] = Q(text)
            if rng.random() < 0.5:
                p["note"] = (f"预算数 {format(total, 'f')} 万元，成本指标印作 {text}（比预算少 0.01），照原文录入。 "
                             "The cost bound is printed 0.01 below the budget; kept as printed.")
        elif kind == "plan_gap":
            planned = [p for p in projects if "spending_plan" in p]
            if not planned:  # pragma: no cover - plan_gap is only given to Hebei filings
                return
            p = rng.choice(planned)
            gone = rng.choices(("mar", "jun", "oct", "dec"), weights=(2, 2, 2, 4))[0]
            del p["spending_plan"][gone]
            if rng.random() < 0.5:
                p["note"] = f"资金支出计划缺少 {gone} 一栏，照原文录入。 The spending plan prints no {gone} checkpoint; kept as printed."
        elif kind == "copied_indicators":
            i, j = sorted(rng.sample(range(len(projects)), 2))
            projects[j]["indicators"] = [dict(ind) for ind in projects[i]["indicators"]]
            if rng.random() < 0.5:
                projects[j]["note"] = (f"指标表与项目“{projects[i]['name']}”完全相同，照原文录入。 "
                                       "The indicator table repeats another project's; kept as printed.")

    # -- the filing --------------------------------------------------------

    def filing(self, seed: int) -> dict[str, Any]:
        rng, s, v = self.rng, self.s, self.v
        hebei = s.template == HEBEI
        d: dict[str, Any] = {"schema": Num("1"), "year": Num(str(s.year))}
        d["region"] = {"code": Q(s.region.code), "province": s.region.province,
                       "city": s.region.city, "county": s.region.county}
        agency: dict[str, Any] = {}
        if s.agency_code:
            agency["code"] = Q(s.agency_code)
        agency["name"] = s.agency_name
        if s.scope:
            agency["scope"] = s.scope
        d["agency"] = agency
        title = f"{s.agency_name}{s.year}年部门预算绩效{'目标' if rng.random() < 0.8 else '文本'}"
        source: dict[str, Any] = {"title": title}
        if rng.random() < 0.3:
            source["url"] = f"https://www.example.gov.cn/{s.region.code}/yusuan/{s.year}/{s.index:06d}.html"
        if rng.random() < 0.5:
            source["published"] = Num(f"{s.year}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}")
        source["note"] = (f"合成基准数据（benchmarks.corpus，seed {seed}，第 {s.index} 份），由 content/filings "
                          "中真实填报文件的文字重新组合而成，并非真实发布内容。 Synthetic benchmark filing; "
                          "text recombined from the seed filings, not a real publication.")
        d["source"] = source
        d["unit"] = "万元"
        if hebei:
            ov: dict[str, Any] = {}
            if v.overall and rng.random() < 0.25:
                ov["overall_goal"] = self.t(rng.choice(v.overall))
            else:
                ov["overall_goal"] = self.compose(120, 420)
            ov["sub_goals"] = self.items(v.sub_items, rng.randint(1, 7))
            ov["safeguards"] = self.items(v.safe_items, rng.randint(1, 7))
            d["overview"] = ov
        # projects: 3-11, weighted like the seeds (mean ~7.4)
        k = rng.choices(range(3, 12), weights=(6, 6, 8, 10, 12, 14, 14, 12, 8))[0]
        seeds = v.projects[s.template]
        pool = seeds if len(seeds) >= k else seeds + v.projects[HEZHENG if hebei else HEBEI]
        bases = rng.sample(pool, min(k, len(pool))) + [rng.choice(pool) for _ in range(k - len(pool))]
        codes: set[str] = set()
        dec_places = 4 if hebei and rng.random() < 0.1 else 2
        plan_style = ("amount" if rng.random() < 0.25 else "percent") if hebei else None
        projects = [self.project(b, codes, dec_places, plan_style) for b in bases]
        names = set()
        for p in projects:  # distinct names inside one filing
            while p["name"] in names:
                p["name"] = p["name"] + rng.choice(("（续）", "二期", "专项", "补助"))
            names.add(p["name"])
        if s.inconsistency:
            self.spoil(projects, s.inconsistency)
        if not hebei:
            d["unit_budget"] = self.unit_budget(projects)
        for p in projects:
            p.pop("_total")
        d["projects"] = projects
        return d

    def unit_budget(self, projects: list[dict[str, Any]]) -> dict[str, Any]:
        rng, v = self.rng, self.v
        personnel = Decimal(rng.randint(8000, 150000)).scaleb(-2)
        operating = Decimal(rng.randint(5, 80)) if rng.random() < 0.7 else Decimal(rng.randint(500, 8000)).scaleb(-2)
        basic = personnel + operating
        project = sum((Decimal(p["budget"]["total"]) for p in projects), Decimal(0))
        revenue = basic + project
        ub: dict[str, Any] = {"basic": {"personnel": _m(personnel), "operating": _m(operating), "total": _m(basic)},
                              "project": _m(project)}
        if rng.random() < 0.4:
            carry = _q(revenue * Decimal(rng.randint(0, 10)) / 100, 2)
            ub["funding"] = {"fiscal": _m(revenue - carry), "carryover": _m(carry), "other": Num("0")}
        ub["revenue_total"] = _m(revenue)
        ub["expenditure_total"] = _m(revenue)
        ub["goals"] = _uniq([self.t(g) for g in rng.sample(v.unit_goals, min(3, len(v.unit_goals)))])
        rows = [i for i in v.unit_indicators if rng.random() < 0.8] or v.unit_indicators
        ub["indicators"] = [{"level1": self.t(i["level1"]), "level2": self.t(i["level2"]),
                             "name": self.t(i["name"]), "target": Q(self.retarget(i["target"], project))}
                            for i in rows]
        if not ub["indicators"]:
            del ub["indicators"]
        return ub


# --------------------------------------------------------------------------
# YAML emitter: plain where safe, double-quoted otherwise, numbers verbatim
# --------------------------------------------------------------------------

class Num(str):
    """A scalar written as-is (numbers, dates)."""


class Q(str):
    """A string always written double-quoted (codes, targets), as the seeds do."""


_CJK = re.compile(r"[\u3400-\u9fff]")
_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")


def _quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _plain_ok(s: str) -> bool:
    if s.isascii() and s.isalpha() and s.islower():  # identifiers such as percent / amount
        return s not in _YAML_WORDS
    return (bool(s) and s[0] not in _BAD_START and s == s.strip() and not s.endswith(":")
            and ": " not in s and " #" not in s and s.isprintable() and _CJK.search(s) is not None)


_SCALARS: dict[tuple[type, str, int], str] = {}


def _scalar(v: Any, indent: int) -> str:
    if type(v) is Num:
        return v
    key = (type(v), v, indent)
    out = _SCALARS.get(key)
    if out is None:
        out = _scalar_uncached(v, indent)
        if len(_SCALARS) < 500_000:
            _SCALARS[key] = out
    return out


def _scalar_uncached(v: Any, indent: int) -> str:
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, Q):
        return _quote(v)
    s = str(v)
    if "\n" in s:
        lines = s.split("\n")
        if (not s.endswith("\n") and lines[0] and not lines[0][0].isspace()
                and all(ln.isprintable() for ln in lines)):
            pad = " " * indent
            return "|-\n" + "\n".join(pad + ln if ln else "" for ln in lines)
        return _quote(s)
    return s if _plain_ok(s) else _quote(s)


def _emit_map(d: dict[str, Any], ind: int, out: list[str], lead: str | None = None) -> None:
    pad = " " * ind
    p = lead if lead is not None else pad
    for k, v in d.items():
        t = type(v)
        if t is dict:
            out.append(p + k + ":\n")
            _emit_map(v, ind + 2, out)
        elif t is list:
            out.append(p + k + ":\n")
            _emit_list(v, ind + 2, out)
        else:
            out.append(p + k + ": " + _scalar(v, ind + 2) + "\n")
        p = pad


def _emit_list(items: list[Any], ind: int, out: list[str]) -> None:
    pad = " " * ind
    lead = pad + "- "
    for item in items:
        if type(item) is dict:
            _emit_map(item, ind + 2, out, lead=lead)
        else:
            out.append(lead + _scalar(item, ind + 2) + "\n")


HEADER = "# yaml-language-server: $schema=../../site_builder/schema/filing.schema.json\n"


def dump(data: dict[str, Any]) -> str:
    out = [HEADER]
    _emit_map(data, 0, out)
    return "".join(out)


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------

def documents(n: int, seed: int = 1, seed_dir: Path = SEED_DIR) -> Iterator[tuple[Slot, dict[str, Any], str]]:
    """Yield ``(slot, data, yaml_text)`` for each of the ``n`` filings."""
    vocab = load_vocab(seed_dir)
    for slot in plan(n, seed):
        data = Gen(vocab, slot, seed).filing(seed)
        yield slot, data, dump(data)


_WORKER: dict[str, Any] = {}


def _worker_init(seed_dir: str) -> None:
    _WORKER["vocab"] = load_vocab(Path(seed_dir))


def _write_chunk(args: tuple[list[Slot], int, str]) -> list[str]:
    slots, seed, target = args
    vocab = _WORKER.get("vocab") or load_vocab()
    out = []
    for slot in slots:
        path = Path(target) / slot.filename
        text = dump(Gen(vocab, slot, seed).filing(seed))
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        out.append(str(path))
    return out


def generate(n: int, out_dir: str | Path, seed: int = 1, seed_dir: Path = SEED_DIR, jobs: int = 1) -> list[Path]:
    """Write ``n`` filings to ``out_dir/filings/``; return their paths.

    YAML files already in ``out_dir/filings/`` are removed first, so that the
    folder holds exactly this corpus. ``jobs`` > 1 spreads the work over
    processes; every filing has its own random stream, so the files are the
    same whatever ``jobs`` is.
    """
    target = Path(out_dir) / "filings"
    target.mkdir(parents=True, exist_ok=True)
    for old in sorted(target.glob("*.yaml")):
        old.unlink()
    slots = plan(n, seed)
    if jobs <= 1 or n < 200:
        _WORKER["vocab"] = load_vocab(seed_dir)
        try:
            return [Path(p) for p in _write_chunk((slots, seed, str(target)))]
        finally:
            _WORKER.clear()
    from concurrent.futures import ProcessPoolExecutor

    size = max(50, n // (jobs * 8))
    chunks = [(slots[i:i + size], seed, str(target)) for i in range(0, n, size)]
    with ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(str(seed_dir),)) as pool:
        return [Path(p) for chunk in pool.map(_write_chunk, chunks) for p in chunk]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of filings")
    ap.add_argument("--out", required=True, help="output folder (files go to OUT/filings/)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    ap.add_argument("--seeds-dir", default=str(SEED_DIR), help="real filings to take the vocabulary from")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    t0 = time.perf_counter()
    paths = generate(args.n, args.out, seed=args.seed, seed_dir=Path(args.seeds_dir), jobs=args.jobs)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} filings ({size / 1e6:.1f} MB) to {Path(args.out) / 'filings'} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
