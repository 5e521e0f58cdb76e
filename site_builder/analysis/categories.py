"""Analysis: project categories from the editable taxonomy (content/taxonomy.yaml).

A category is a keyword rule. Categories are tried in file order against the
project name; if none matches the name, they are tried again in file order
against the purpose (资金用途). The first match wins, so the result is
deterministic and an editor controls precedence by the order of the file.

For comparing like with like, a category says how to find a project's main
quantity indicator (which 二级指标 to look in, which units count as the same
unit) and the label of the unit cost (万元/批次). ``unit_cost`` divides the
project's 预算数 by that quantity in Decimal — only when the quantity's unit
is one the category declares comparable.
"""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ..content.load import Document, LoadError, Problem, Scalar, format_path, load_file
from ..content.model import Indicator, Project
from ..content.pickling import slots_pickle
from ..content.targets import NUMBER

DEFAULT_TAXONOMY = Path(__file__).resolve().parents[2] / "content" / "taxonomy.yaml"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_QUANTITY_LEVEL2 = ("数量指标",)
# units that are money or shares, never the quantity of what is bought
NON_QUANTITY_UNITS = frozenset({"万元", "元", "亿元", "%"})
# significant digits of a unit cost (a quotient such as 80/45 does not terminate)
UNIT_COST_PRECISION = 28
CENT = Decimal("0.01")

_CATEGORY_KEYS = ("slug", "name", "keywords", "exclude", "quantity", "unit_cost_label", "caveat")
_QUANTITY_KEYS = ("level2", "units")
_TOP_KEYS = ("version", "categories", "sangong")
_SANGONG_KEYS = ("slug", "name", "categories", "caveat")

Keyword = tuple[str, ...]  # all of these must occur


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    keywords: tuple[Keyword, ...]
    exclude: tuple[Keyword, ...] = ()
    quantity_level2: tuple[str, ...] = DEFAULT_QUANTITY_LEVEL2
    units: tuple[str, ...] = ()  # comparable units; units[0] is the one shown
    unit_cost_label: Optional[str] = None
    caveat: Optional[str] = None

    @property
    def unit(self) -> Optional[str]:
        return self.units[0] if self.units else None

    def canonical_unit(self, unit: str) -> Optional[str]:
        """The category's unit for ``unit`` if it is one of the comparable ones."""
        u = _norm(unit)
        return self.units[0] if any(_norm(x) == u for x in self.units) else None

    def __reduce__(self):
        # one object per distinct category in a process: every analysed
        # filing's projects point to their category, and a pickled filing
        # would otherwise unpickle copies of it (~7 KB a filing)
        return (_interned, (self.slug, self.name, self.keywords, self.exclude, self.quantity_level2, self.units,
                            self.unit_cost_label, self.caveat))

    def _hit(self, text: str) -> Optional[str]:
        # plain loops: any()/all() over generators made this a sixth of
        # analysing a filing (15 categories, two texts, every project)
        for kw in self.exclude:
            for k in kw:
                if k not in text:
                    break
            else:
                return None
        for kw in self.keywords:
            for k in kw:
                if k not in text:
                    break
            else:
                return "+".join(kw)
        return None


@dataclass(frozen=True)
class Match:
    category: Category
    field: str  # "name" | "purpose"
    keyword: str  # the keyword (or "a+b" group) that matched


@dataclass(frozen=True)
class SangongGroup:
    """One of the 三公经费 (公务接待, 公务用车购置及运行, 因公出国（境）): the
    categories whose projects count as it (``sangong:`` in the taxonomy)."""

    slug: str
    name: str
    categories: tuple[str, ...]  # category slugs
    caveat: Optional[str] = None


@dataclass(frozen=True)
class Taxonomy:
    path: str
    categories: tuple[Category, ...]
    sangong: tuple[SangongGroup, ...] = ()

    def by_slug(self, slug: str) -> Category:
        for c in self.categories:
            if c.slug == slug:
                return c
        raise KeyError(slug)

    def classify(self, project: Project) -> Optional[Match]:
        for fld in ("name", "purpose"):
            text = _norm(getattr(project, fld) or "")
            if not text:
                continue
            for c in self.categories:
                kw = c._hit(text)
                if kw is not None:
                    return Match(c, fld, kw)
        return None

    def categorize(self, project: Project) -> Optional[Category]:
        m = self.classify(project)
        return m.category if m else None


class TaxonomyError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))


def _is_null(value: Any) -> bool:
    return isinstance(value, Scalar) and value.is_null


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --------------------------------------------------------------------------- loading


def load_taxonomy(path: str | os.PathLike[str] = DEFAULT_TAXONOMY) -> Taxonomy:
    """Read and check a taxonomy file. Raises TaxonomyError listing every problem
    with file:line:column."""
    try:
        doc = load_file(path)
    except LoadError as exc:
        problem = exc.problem
        if not os.path.lexists(path):
            problem = replace(problem, message=f"{problem.message}; it holds the project categories /compare/ is "
                                               "made of (restore it from the repository)")
        raise TaxonomyError([problem]) from None
    return _build(doc)


def parse_taxonomy_text(text: str, path: str = "<taxonomy>") -> Taxonomy:
    from ..content.load import parse_text

    try:
        doc = parse_text(text, path)
    except LoadError as exc:
        raise TaxonomyError([exc.problem]) from None
    return _build(doc)


def _build(doc: Document) -> Taxonomy:
    problems: list[Problem] = []

    def err(at: tuple, message: str, *, key: bool = False) -> None:
        pos = doc.key_position(at) if key else doc.position(at)
        problems.append(Problem(doc.path, pos.line, pos.column, "error", message, format_path(at)))

    def check_keys(value: dict, at: tuple, allowed: tuple[str, ...]) -> None:
        for k in value:
            if k not in allowed:
                guess = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else f"; allowed here: {', '.join(allowed)}"
                err(at + (k,), f"unknown field '{k}'{hint}", key=True)

    def text(value: Any, at: tuple, what: str) -> Optional[str]:
        if not isinstance(value, Scalar) or value.is_null or not value.strip():
            err(at, f"{what} must be a non-empty text")
            return None
        return str(value).strip()

    def text_list(value: Any, at: tuple, what: str, *, allow_groups: bool, allow_empty: bool) -> list[Keyword]:
        if not isinstance(value, list):
            err(at, f"{what} must be a list, e.g. [接待, 招待]")
            return []
        if not value and not allow_empty:
            err(at, f"{what} must have at least one entry")
        out: list[Keyword] = []
        for k, item in enumerate(value):
            if isinstance(item, list) and allow_groups:
                if not item:
                    err(at + (k,), f"a keyword group in {what} must not be empty")
                    continue
                parts = [text(x, at + (k, m), f"each word of a keyword group in {what}") for m, x in enumerate(item)]
                if all(parts):
                    out.append(tuple(_norm(p) for p in parts))  # type: ignore[arg-type]
            else:
                word = text(item, at + (k,), f"each entry of {what}"
                            + (" (a word, or a list of words that must all occur)" if allow_groups else ""))
                if word:
                    out.append((_norm(word),))
        return out

    def entry(raw: dict, at: tuple[str, int], keys: tuple[str, ...], required: tuple[str, ...],
              seen: dict[str, int]) -> Optional[str]:
        """An entry of a list (a category, a 三公 group): its keys, its
        required fields, and its slug, unique in the list (``seen``)."""
        check_keys(raw, at, keys)
        for req in required:
            if req not in raw:
                err(at, f"required field '{req}' is missing")
        slug = text(raw["slug"], at + ("slug",), "slug") if "slug" in raw else None
        if slug is not None:
            if not SLUG_PATTERN.match(slug):
                err(at + ("slug",), f"slug must be lower-case ASCII letters, digits and hyphens, such as "
                                    f"'vehicle-purchase' (it becomes part of a URL); got {slug!r}")
            elif slug in seen:
                err(at + ("slug",), f"slug {slug!r} is already used by {at[0]}[{seen[slug]}]")
            else:
                seen[slug] = at[1]
        return slug

    data = doc.data
    if not isinstance(data, dict):
        err((), "a taxonomy must be a mapping with a 'categories:' list")
        raise TaxonomyError(problems)
    check_keys(data, (), _TOP_KEYS)
    if "version" in data and str(data["version"]) != "1":
        err(("version",), f"version must be 1 (got {data['version']!r})")
    cats_raw = data.get("categories")
    if not isinstance(cats_raw, list) or not cats_raw:
        err(("categories",), "'categories' must be a non-empty list of categories")
        raise TaxonomyError(problems)

    categories: list[Category] = []
    seen_slug: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for i, raw in enumerate(cats_raw):
        at = ("categories", i)
        if not isinstance(raw, dict):
            err(at, "each category must be a mapping (slug:, name:, keywords: …)")
            continue
        slug = entry(raw, at, _CATEGORY_KEYS, ("slug", "name", "keywords"), seen_slug)
        name = text(raw["name"], at + ("name",), "name") if "name" in raw else None
        if name is not None:
            if name in seen_name:
                err(at + ("name",), f"name {name!r} is already used by categories[{seen_name[name]}]")
            else:
                seen_name[name] = i
        keywords = (text_list(raw["keywords"], at + ("keywords",), "keywords", allow_groups=True, allow_empty=False)
                    if "keywords" in raw else [])
        exclude = (text_list(raw["exclude"], at + ("exclude",), "exclude", allow_groups=True, allow_empty=True)
                   if "exclude" in raw and not _is_null(raw["exclude"]) else [])
        level2: tuple[str, ...] = DEFAULT_QUANTITY_LEVEL2
        units: tuple[str, ...] = ()
        q = raw.get("quantity")
        if q is not None and not _is_null(q):
            if not isinstance(q, dict):
                err(at + ("quantity",), "quantity must be a mapping with level2: and units:")
            else:
                check_keys(q, at + ("quantity",), _QUANTITY_KEYS)
                if "level2" in q:
                    lv = text_list(q["level2"], at + ("quantity", "level2"), "quantity.level2",
                                   allow_groups=False, allow_empty=False)
                    level2 = tuple(x[0] for x in lv) or DEFAULT_QUANTITY_LEVEL2
                if "units" in q:
                    us = text_list(q["units"], at + ("quantity", "units"), "quantity.units",
                                   allow_groups=False, allow_empty=True)
                    units = tuple(x[0] for x in us)
                    bad = [u for u in units if u in NON_QUANTITY_UNITS]
                    if bad:
                        err(at + ("quantity", "units"), f"{'、'.join(bad)} is money or a share, not a quantity unit")
        label = None
        if "unit_cost_label" in raw:
            label = text(raw["unit_cost_label"], at + ("unit_cost_label",), "unit_cost_label")
        if units and label is None and "unit_cost_label" not in raw:
            err(at, f"unit_cost_label is required when quantity.units is given (e.g. 万元/{units[0]})")
        caveat = text(raw["caveat"], at + ("caveat",), "caveat") if "caveat" in raw else None
        categories.append(Category(slug or "", name or "", tuple(keywords), tuple(exclude), level2, units, label, caveat))

    sangong = _sangong(data.get("sangong"), seen_slug, err, entry, text) if "sangong" in data else ()
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise TaxonomyError(problems)
    return Taxonomy(doc.path, tuple(categories), sangong)


def _sangong(raw: Any, category_slugs: dict[str, int], err, entry, text) -> tuple[SangongGroup, ...]:
    """The ``sangong:`` list: each group's slug, name and categories (each
    category in one group at most)."""
    if _is_null(raw):
        return ()
    if not isinstance(raw, list):
        err(("sangong",), "'sangong' must be a list of groups (slug:, name:, categories: [...])")
        return ()
    groups: list[SangongGroup] = []
    seen_slug: dict[str, int] = {}
    owner: dict[str, int] = {}
    for i, g in enumerate(raw):
        at = ("sangong", i)
        if not isinstance(g, dict):
            err(at, "each sangong group must be a mapping (slug:, name:, categories: [...])")
            continue
        slug = entry(g, at, _SANGONG_KEYS, ("slug", "name", "categories"), seen_slug)
        name = text(g["name"], at + ("name",), "name") if "name" in g else None
        cats: list[str] = []
        raw_cats = g.get("categories")
        if "categories" in g:
            if not isinstance(raw_cats, list) or not raw_cats:
                err(at + ("categories",), "categories must be a non-empty list of category slugs, e.g. [reception]")
            else:
                for k, c in enumerate(raw_cats):
                    c_at = at + ("categories", k)
                    slug_c = text(c, c_at, "each entry of categories")
                    if slug_c is None:
                        continue
                    if slug_c not in category_slugs:
                        guess = difflib.get_close_matches(slug_c, list(category_slugs), n=1, cutoff=0.6)
                        err(c_at, f"no category has the slug {slug_c!r}"
                                  + (f"; did you mean '{guess[0]}'?" if guess else ""))
                    elif slug_c in owner:
                        err(c_at, f"category {slug_c!r} is already counted in sangong[{owner[slug_c]}]")
                    else:
                        owner[slug_c] = i
                        cats.append(slug_c)
        caveat = text(g["caveat"], at + ("caveat",), "caveat") if "caveat" in g else None
        groups.append(SangongGroup(slug or "", name or "", tuple(cats), caveat))
    return tuple(groups)


@lru_cache(maxsize=8)
def _default_taxonomy(path: str) -> Taxonomy:
    return load_taxonomy(path)


def default_taxonomy() -> Taxonomy:
    return _default_taxonomy(str(DEFAULT_TAXONOMY))


def categorize(project: Project, taxonomy: Optional[Taxonomy] = None) -> Optional[Category]:
    """The project's category: first rule (file order) matching the name, else the purpose."""
    return (taxonomy or default_taxonomy()).categorize(project)


def classify(project: Project, taxonomy: Optional[Taxonomy] = None) -> Optional[Match]:
    """Like categorize, but also says which field and keyword matched."""
    return (taxonomy or default_taxonomy()).classify(project)


_CATEGORIES: dict[tuple, Category] = {}  # a category's fields → its one object in this process


def _interned(*fields: Any) -> Category:
    # looked up by the fields pickle hands over, without making a Category
    # first: a frozen dataclass's __init__, __hash__ and __eq__ are Python,
    # and this runs for every category of every filing unpickled (~14 % of
    # loading the 10,000-filing build cache)
    c = _CATEGORIES.get(fields)
    if c is None:
        c = _CATEGORIES[fields] = Category(*fields)
    return c


# --------------------------------------------------------------------------- quantities and unit costs


@slots_pickle
@dataclass(frozen=True, slots=True)
class Quantity:
    """The main quantity indicator of a project within its category."""

    index: int  # position in project.indicators
    indicator: Indicator
    op: str  # comparator as printed (≥, ≤, >, <, = or "")
    value: Decimal
    unit: str  # as parsed; the category's unit when comparable
    comparable: bool


class UnitCost(NamedTuple):
    quantity: Decimal
    unit: str  # the category's quantity unit, e.g. 批次
    cost: Decimal  # 预算数 / quantity in 万元 per unit, exact to UNIT_COST_PRECISION digits

    @property
    def display(self) -> Decimal:
        """Rounded half-up to 0.01 万元, for display only."""
        return self.cost.quantize(CENT, rounding=ROUND_HALF_UP)


def main_quantity(project: Project, category: Category) -> Optional[Quantity]:
    """The first indicator (level-2 preference order, then table order) whose
    target is a positive number in one of the category's comparable units;
    failing that, the first one in any unit that is not money or a share."""
    fallback: Optional[Quantity] = None
    for level2 in category.quantity_level2:
        for j, ind in enumerate(project.indicators):
            t = ind.parsed
            if ind.level2 != level2 or t.kind != NUMBER or t.value is None or t.value <= 0:
                continue
            canonical = category.canonical_unit(t.unit)
            if canonical is not None:
                return Quantity(j, ind, t.op, t.value, canonical, True)
            if fallback is None and t.unit and t.unit not in NON_QUANTITY_UNITS:
                fallback = Quantity(j, ind, t.op, t.value, t.unit, False)
    return fallback


def unit_cost(project: Project, category: Category) -> Optional[UnitCost]:
    """Budget per unit of the main quantity, when its unit is comparable."""
    q = main_quantity(project, category)
    if q is None or not q.comparable:
        return None
    with localcontext() as ctx:
        ctx.prec = UNIT_COST_PRECISION
        cost = project.budget.total / q.value
    return UnitCost(q.value, q.unit, cost)
