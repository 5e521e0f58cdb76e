"""The lexicon of labels (``lexicon.yaml``) and the normalisation that
matches printed labels against it.

A printed label matches when its normalised form (:func:`norm`) equals a
lexicon entry's normalised form. The recognizer asks what a piece of text
*is* (:meth:`Lexicon.label`) or where labels start inside run-together text
(:meth:`Lexicon.split_labels`).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

_ENUM_LABEL = re.compile(r"^(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[、.．](?!\d))")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def norm(text: str) -> str:
    """A label's normal form: NFKC, spaces and line breaks removed, a leading
    enumeration and 其中 dropped, trailing colons dropped, the asterisk of a
    required field (一级指标*) dropped."""
    t = re.sub(r"\s+", "", nfkc(text)).strip("*")
    t = _ENUM_LABEL.sub("", t)
    t = re.sub(r"^其中[:]?", "", t)
    return t.rstrip(":")


@dataclass(frozen=True)
class Label:
    kind: str  # field | year | ignored | section | column | plan
    key: str  # the field, column or level it names ("" for a section without a field)
    text: str  # the normalised label


class Lexicon:
    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.labels: dict[str, Label] = {}

        def add(kind: str, key: str, words: list[str]) -> None:
            for w in words or []:
                n = norm(str(w))
                if n and n not in self.labels:
                    self.labels[n] = Label(kind, key, n)

        # order matters where one word has two roles: the first wins
        for key, words in (data.get("columns") or {}).items():
            add("column", key, words)
        for key, words in (data.get("fields") or {}).items():
            add("field", key, words)
        for key, words in (data.get("year_fields") or {}).items():
            add("year", key, words)
        add("ignored", "", data.get("ignored_labels") or [])
        for key, words in (data.get("sections") or {}).items():
            add("section", key or "", words)
        add("plan", "spending_plan", data.get("plan") or [])
        self.level1 = {norm(w): k for k, ws in (data.get("level1") or {}).items() for w in ws}
        self.level2 = {norm(w): k for k, ws in (data.get("level2") or {}).items() for w in ws}
        self.unit_money = {norm(w): tuple(k.split(".")) for k, ws in (data.get("unit_budget") or {}).items() for w in ws}
        self.unit_labels = {norm(w): k for k, ws in (data.get("unit_budget_labels") or {}).items() for w in ws}
        # the agency-wide table's labels that are found inside a line of text: long enough not to
        # occur by chance inside a value (合计 is not)
        self.unit_words = sorted((w for w in list(self.unit_money) + list(self.unit_labels) if len(w) >= 4),
                                 key=len, reverse=True)
        self.qualitative = sorted({nfkc(w) for w in data.get("qualitative_targets") or []}, key=len, reverse=True)
        self.project_titles = sorted({norm(w) for w in data.get("project_titles") or []}, key=len, reverse=True)
        self.unit_titles = sorted({norm(w) for w in data.get("unit_titles") or []}, key=len, reverse=True)
        self.period_marks = [nfkc(w) for w in data.get("period_marks") or []]
        self.year_marks = [nfkc(w) for w in data.get("year_marks") or []]
        self.not_agency = [nfkc(w) for w in data.get("not_agency") or []]
        self.directions = {nfkc(w) for w in data.get("directions") or []}
        self.comparators = sorted({nfkc(w) for w in data.get("comparators") or []}, key=len, reverse=True)
        self.value_types = [nfkc(w) for w in data.get("value_types") or []]
        self.label_endings = tuple(nfkc(w) for w in data.get("label_endings") or [])
        self.basis_values = sorted({nfkc(w) for w in data.get("basis_values") or []}, key=len, reverse=True)
        self.footer_starts = [re.sub(r"\s+", "", nfkc(w)) for w in data.get("footer_starts") or []]
        self.footer_words = [re.sub(r"\s+", "", nfkc(w)) for w in data.get("footer_words") or []]
        self.level_prefixes = {n[:k] for n in list(self.level1) + list(self.level2) for k in range(2, len(n))}
        # labels that may be found inside run-together text: long enough not
        # to occur by chance inside a value
        self._inner = sorted((n for n, lab in self.labels.items() if len(n) >= 4 and lab.kind != "column"),
                             key=len, reverse=True)
        self._inner_columns = sorted((n for n, lab in self.labels.items() if lab.kind == "column" and len(n) >= 3),
                                     key=len, reverse=True)
        self._levels = sorted(set(self.level1) | set(self.level2), key=len, reverse=True)
        self._inner_all = sorted(set(self._inner) | set(self._inner_columns), key=len, reverse=True)
        self._titles = sorted((w for w in self.project_titles + self.unit_titles if len(w) >= 5), key=len, reverse=True)

    def label(self, text: str) -> Label | None:
        n = norm(text)
        if not n:
            return None
        lab = self.labels.get(n)
        if lab is not None:
            return lab
        # a column label with a qualifier: 指标值(年度), 二级指标(长期), 预期2022年实现值
        # a label with a qualifier: 指标值(年度), 二级指标(长期), 项目资金(万元), 中期滚动目标(2019年--2021年)
        m = re.match(r"^(.+?)\((.+)\)$", n)
        if m and m.group(1) in self.labels:
            return self.labels[m.group(1)]
        # a column label after the group it belongs to: 实施周期指标值, 当年度指标值 (labels are short: a
        # long text is none, and is not searched)
        for k in range(2, len(n) - 2 if len(n) <= 30 else 0):
            lab = self.labels.get(n[k:])
            if lab is not None and lab.kind == "column" and self.group_of(n[:k]):
                return lab
        return None

    def label_like(self, text: str) -> bool:
        """A label the lexicon does not know: a short text of CJK characters
        ending like labels end (部门名称, 实施周期总目标(2022年--2024年))."""
        n = re.sub(r"\([^()]*\)$", "", norm(text))
        return 2 < len(n) <= 12 and bool(re.fullmatch(r"[\u4e00-\u9fff]+", n)) and n.endswith(self.label_endings) \
            and self.level(n) is None

    def leading_label(self, text: str) -> tuple[Label, str] | None:
        """The longest label a line of text starts with ("项目名称 大型设备…",
        "其中：财政资金 35.00"), and the rest of the line after it. A label
        of fewer than four characters counts only when a space, a colon or
        the end of the line follows it: "其他设备购置" does not start with 其他."""
        t = nfkc(text).strip()
        printed = text.strip() if len(text.strip()) == len(t) else t  # the rest as printed where NFKC kept its length
        best: tuple[Label, int] | None = None
        for end in range(1, min(len(t), 40) + 1):
            lab = self.label(t[:end])
            if lab is not None:
                best = (lab, end)
        if best is None:
            return None
        lab, end = best
        if len(lab.text) < 4 and t[end:] and not re.match(r"[\s:]", t[end:]):
            return None
        return lab, re.sub(r"^[\s:：]+", "", printed[end:])

    def level(self, text: str) -> tuple[str, str] | None:
        """('level1' | 'level2', standard name) for an indicator level as printed."""
        n = norm(text)
        if n not in self.level1 and n not in self.level2:
            n = re.sub(r"\([^()]*\)分?$", "", n)  # 数量指标(必填硬性指标), 成本指标(0-20)分
        if n in self.level2 and n not in self.level1:
            return "level2", self.level2[n]
        if n in self.level1:
            return "level1", self.level1[n]
        return None

    def group_of(self, text: str) -> str:
        """'period', 'year' or '' for a column header's qualifier."""
        t = nfkc(text)
        if any(m in t for m in self.period_marks):
            return "period"
        if any(m in t for m in self.year_marks) and re.search(r"[(]|年|实现值", t):
            return "year"
        return ""

    def split_labels(self, text: str) -> list[tuple[int, int]]:
        """Spans (start, end) in ``text`` (after NFKC, spaces kept) where a
        lexicon label starts run together with other text."""
        t = nfkc(text)
        words = self._inner_all
        titles = self._titles
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(t):
            label = next((w for w in words if t.startswith(w, i)), None)
            title = next((w for w in titles if t.startswith(w, i)), None)
            if title is not None and (label is None or len(title) > len(label)):
                i += len(title)  # a table's title holds no label (项目绩效目标 in 项目绩效目标表(2021年度))
            elif label is not None:
                spans.append((i, i + len(label)))
                i += len(label)
            else:
                i += 1
        return spans

    def leading_level(self, text: str) -> tuple[str, str, int] | None:
        """An indicator level run together at the start of ``text``:
        (kind, standard name, length in NFKC characters)."""
        t = nfkc(text)
        for w in self._levels:
            if t.startswith(w) and len(t) > len(w):
                kind, std = self.level(w) or ("", "")
                return kind, std, len(w)
        return None


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    with open(LEXICON_PATH, encoding="utf-8") as fh:
        return Lexicon(yaml.safe_load(fh) or {})
