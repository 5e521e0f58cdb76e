"""The filing format v1 as immutable typed objects.

This module is the one source of truth for the format: the validator uses
these classes, and the published JSON Schema is generated from them
(``python -m site_builder.content.schema`` writes ``site_builder/schema/``).

Money is ``decimal.Decimal`` built from the text as written in the YAML
(the loader hands over every scalar as its source text), never via float.
"""
from __future__ import annotations

import re
import sys
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from operator import attrgetter
from typing import Annotated, Any, Callable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import core_schema

from .targets import Target, parse_target

# 6, not 4: an amount printed in 元 with fen (1234.56 元) is 0.123456 万元,
# and the importer converts it exactly (docs/decisions.md).
MAX_DECIMALS = 6

# An amount as printed: digits with at most one decimal point. Python's
# Decimal (and so pydantic's) also reads 1e3, 1_000, NaN, Infinity, .5, +5
# and other scripts' digits (٣); none of them is how a filing prints an
# amount. A minus sign with a non-zero digit passes, to be reported as
# negative; "-0" does not.
AMOUNT_TEXT = r"^([0-9]+(\.[0-9]+)?|-[0-9.]*[1-9][0-9.]*)$"


class _AmountText:
    """The text of an amount must match AMOUNT_TEXT before it becomes a
    Decimal: a check in pydantic-core (no Python call per amount; a filing
    has ~50), whose failure is the error type ``amount_text``. The JSON
    Schema stays the Decimal's (schema.py makes it Money's)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        text = core_schema.custom_error_schema(core_schema.str_schema(pattern=AMOUNT_TEXT), "amount_text",
                                               custom_error_message="an amount is a plain decimal as printed")
        decimal = handler(source)
        # the chain carries the Decimal's schema extras (x-unit), which its JSON Schema is made from
        return core_schema.chain_schema([text, decimal], metadata=dict(decimal.get("metadata") or {}))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: Any) -> Any:
        return handler(schema["steps"][1])  # type: ignore[typeddict-item]


Money = Annotated[
    Decimal,
    Field(ge=0, decimal_places=MAX_DECIMALS, allow_inf_nan=False, json_schema_extra={"x-unit": "万元"}),
    _AmountText(),
]
Text = Annotated[str, Field(min_length=1)]
Markdown = Annotated[str, Field(min_length=1, json_schema_extra={"format": "markdown"})]
Note = Annotated[str, Field(min_length=1, description="Editor's note on what is printed (ambiguity, anomaly)")]

# GB/T 2260 province-level prefixes (the first two digits of a division code)
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
DIVISION_CODE_PATTERN = r"^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])\d{4}$"
AGENCY_CODE_PATTERN = r"^[0-9A-Za-z]{1,12}$"
PROJECT_CODE_PATTERN = r"^[0-9A-Za-z]{4,40}$"

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
CHECKPOINTS = ("mar", "jun", "oct", "dec")
CHECKPOINT_LABELS = {"mar": "3月底", "jun": "6月底", "oct": "10月底", "dec": "12月底"}


class _Model(BaseModel):
    # frozen: the model is shared by every later stage and must not change;
    # extra=forbid: an unknown field is a typo until proven otherwise;
    # cache_strings=False: pydantic-core's string cache (fixed slots, a later
    # string takes a slot over) made two equal values of one filing the same
    # object or not by what the process had validated before, and so its
    # pickle differ (see __getstate__); validation is no slower without it.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, cache_strings=False)

    # Pickled by position: the values in the order of the fields, and what
    # else the instance holds (cached properties, by name). Equal filings must
    # pickle to equal bytes in any process and by any road (a light filing's
    # pickle is what the site-wide pages depend on: analysis.site.listing_hash):
    # pydantic's own state has the set of fields given, in the order of its
    # strings' hashes (which differs from process to process), and field names
    # as dict keys, shared or not with other strings by where the model came
    # from (validated, copied, or unpickled). Nothing reads which fields were
    # given, so every field counts as given after a load.
    def __getstate__(self) -> tuple:
        d = self.__dict__
        names, get = _positions(type(self))
        return get(self), (tuple((k, v) for k, v in d.items() if k not in names) if len(d) > len(names) else None)

    def __setstate__(self, state: tuple) -> None:
        values, extra = state
        names = _positions(type(self))[0]
        d = dict(zip(names, values))
        if extra:
            d.update((sys.intern(k), v) for k, v in extra)
        object.__setattr__(self, "__dict__", d)
        object.__setattr__(self, "__pydantic_fields_set__", set(names))
        object.__setattr__(self, "__pydantic_extra__", None)
        object.__setattr__(self, "__pydantic_private__", None)


@cache
def _positions(cls: type[BaseModel]) -> tuple[tuple[str, ...], Callable[[BaseModel], tuple]]:
    """A model's field names, and the function giving its values as a tuple in that order."""
    names = tuple(cls.model_fields)
    get = attrgetter(*names)
    return names, (get if len(names) > 1 else (lambda m: (get(m),)))


class Region(_Model):
    code: Annotated[str, Field(pattern=DIVISION_CODE_PATTERN, description="行政区划代码 (GB/T 2260), 6 digits")]
    province: Text
    city: Optional[Text] = None
    county: Optional[Text] = None

    @property
    def name(self) -> str:
        return "".join(p for p in (self.province, self.city, self.county) if p)

    @property
    def short_name(self) -> str:
        return self.county or self.city or self.province


class Agency(_Model):
    code: Optional[Annotated[str, Field(pattern=AGENCY_CODE_PATTERN, description="单位代码, unique inside a region")]] = None
    name: Text
    scope: Optional[Literal["本级", "汇总"]] = None


class Source(_Model):
    title: Text
    publisher: Optional[Annotated[Text, Field(description="发布单位, as printed (e.g. on the cover)")]] = None
    url: Optional[Annotated[str, Field(pattern=r"^https?://[^\s<>\"']+$")]] = None
    published: Optional[Annotated[date, Field(description="发布日期, as printed or as the publishing site dates it")]] = None
    added: Optional[Annotated[date, Field(description="收录日期: when this site first published the transcription")]] = None
    updated: Optional[Annotated[date, Field(description="更新日期: when the transcription was last corrected")]] = None
    note: Optional[Note] = None

    @field_validator("updated")
    @classmethod
    def _updated_after_added(cls, v: Optional[date], info: ValidationInfo) -> Optional[date]:
        added = info.data.get("added")
        if v and added and v < added:
            raise ValueError(f"updated ({v}) is before added ({added})")
        return v


class Indicator(_Model):
    level1: Annotated[Text, Field(description="一级指标")]
    level2: Annotated[Text, Field(description="二级指标")]
    name: Annotated[Text, Field(description="三级指标")]
    description: Optional[Annotated[Text, Field(description="绩效指标描述")]] = None
    target: Annotated[Text, Field(description="指标值, as published")]
    basis: Optional[Annotated[Text, Field(description="指标值确定依据")]] = None
    note: Optional[Note] = None

    @cached_property
    def parsed(self) -> Target:
        return parse_target(self.target)


class Overview(_Model):
    overall_goal: Annotated[Markdown, Field(description="总体绩效目标")]
    sub_goals: tuple[Markdown, ...] = ()
    safeguards: tuple[Markdown, ...] = ()


class BasicSpending(_Model):
    personnel: Optional[Money] = None
    operating: Optional[Money] = None
    total: Optional[Money] = None


class Funding(_Model):
    fiscal: Optional[Money] = None
    carryover: Optional[Money] = None
    other: Optional[Money] = None


class UnitBudget(_Model):
    basic: Optional[BasicSpending] = None
    project: Optional[Money] = None
    funding: Optional[Funding] = None
    revenue_total: Optional[Money] = None
    expenditure_total: Optional[Money] = None
    goals: tuple[Markdown, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    note: Optional[Note] = None


class Budget(_Model):
    total: Annotated[Money, Field(description="预算数 / 年度资金总额")]
    fiscal: Optional[Money] = None
    carryover: Optional[Money] = None
    other: Optional[Money] = None

    @property
    def parts(self) -> dict[str, Decimal]:
        return {k: v for k in ("fiscal", "carryover", "other") if (v := getattr(self, k)) is not None}


class SpendingPlan(_Model):
    unit: Literal["percent", "amount"]
    mar: Optional[Annotated[Money, Field(description="3月底, cumulative")]] = None
    jun: Optional[Annotated[Money, Field(description="6月底, cumulative")]] = None
    oct: Optional[Annotated[Money, Field(description="10月底, cumulative")]] = None
    dec: Optional[Annotated[Money, Field(description="12月底, cumulative")]] = None

    @property
    def points(self) -> list[tuple[str, Decimal | None]]:
        return [(k, getattr(self, k)) for k in CHECKPOINTS]


class ReviewItem(_Model):
    """Something the importer could not read with confidence: the editor
    checks it against the published document, then deletes the entry.
    ``check`` reports every entry as a warning, so a draft cannot pass as
    reviewed; the site never shows them."""

    check: Annotated[Text, Field(description="what to check")]
    field: Optional[Annotated[Text, Field(description="the field concerned, e.g. projects[0].budget.total")]] = None
    source: Optional[Annotated[Text, Field(description="where in the source: line 12, or page 2 table 1 row 3 cell 4")]] = None


class Project(_Model):
    code: Optional[Annotated[str, Field(pattern=PROJECT_CODE_PATTERN, description="项目编码")]] = None
    name: Text
    implementer: Optional[Text] = None
    budget: Budget
    purpose: Optional[Markdown] = None
    spending_plan: Optional[SpendingPlan] = None
    goals: tuple[Markdown, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    note: Optional[Note] = None


class Filing(_Model):
    """One agency's 部门预算绩效目标 for one year."""

    model_config = ConfigDict(
        title="Budget performance filing (部门预算绩效目标), format v1",
        json_schema_extra={"$id": "https://budget-filings.example/data/filing.schema.json"},
    )

    schema_: Literal[1] = Field(alias="schema", description="format version")
    year: Annotated[int, Field(ge=2000, le=2100, description="预算年度")]
    region: Region
    agency: Agency
    source: Source
    unit: Literal["万元"] = "万元"
    overview: Optional[Overview] = None
    unit_budget: Optional[UnitBudget] = None
    projects: Annotated[tuple[Project, ...], Field(min_length=1)]
    review: Annotated[tuple[ReviewItem, ...], Field(description="open review items of an imported draft")] = ()

    @field_validator("schema_", mode="before")
    @classmethod
    def _schema_number(cls, v: object) -> object:
        return int(v) if isinstance(v, str) and v.strip().isdigit() else v

    @field_validator("year", mode="before")
    @classmethod
    def _year_is_a_plain_number(cls, v: object) -> object:
        if isinstance(v, str) and not re.fullmatch(r"\d{4}", v.strip()):
            raise ValueError("year must be a 4-digit number such as 2025")
        return v

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.region.code, self.agency.code or "", self.year)

    @property
    def total(self) -> Decimal:
        return sum((p.budget.total for p in self.projects), Decimal(0))


def field_label(path: tuple[str | int, ...]) -> str:
    """A Chinese label for the last named part of a field path, for messages."""
    for part in reversed(path):
        if isinstance(part, str):
            return FIELD_LABELS.get(part, "")
    return ""


FIELD_LABELS = {
    "schema": "格式版本", "year": "年度", "region": "地区", "agency": "单位", "source": "来源",
    "code": "代码/编码", "name": "名称", "province": "省", "city": "市", "county": "县区",
    "scope": "本级/汇总", "title": "标题", "url": "网址", "published": "发布日期",
    "publisher": "发布单位", "added": "收录日期", "updated": "更新日期",
    "overview": "部门整体绩效目标", "overall_goal": "总体绩效目标", "sub_goals": "分项绩效目标",
    "safeguards": "工作保障措施", "unit_budget": "单位整体支出", "projects": "项目",
    "budget": "预算", "total": "预算数", "fiscal": "财政资金", "carryover": "上年结转资金",
    "other": "其他资金", "purpose": "资金用途", "spending_plan": "资金支出计划",
    "goals": "绩效目标", "indicators": "绩效指标", "level1": "一级指标", "level2": "二级指标",
    "description": "绩效指标描述", "target": "指标值", "basis": "指标值确定依据",
    "mar": "3月底", "jun": "6月底", "oct": "10月底", "dec": "12月底", "unit": "单位",
    "personnel": "人员经费", "operating": "公用经费", "project": "项目支出",
    "revenue_total": "收入预算合计", "expenditure_total": "支出预算合计",
    "review": "待核对", "check": "核对内容",
}
