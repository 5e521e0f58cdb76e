"""Tell the four layouts apart.

- ``word-cells``: Word tables dumped one cell per line, cells tab-indented
  (seeds 000, 001);
- ``hezheng``: the 和政 template, one table row per line with tab-separated
  cells, 单位整体支出绩效目标表 / 项目支出绩效目标表 (002);
- ``pdf-text``: PDF text with cells and words broken across lines (003);
- ``markdown``: Markdown tables from a PDF converter (004).
"""
from __future__ import annotations

import re
from typing import Callable

from . import hezheng, markdown, pdftext, wordcells
from .common import Draft

READERS: dict[str, Callable[[str, Draft], None]] = {
    "word-cells": wordcells.read,
    "hezheng": hezheng.read,
    "pdf-text": pdftext.read,
    "markdown": markdown.read,
}


def scores(text: str) -> dict[str, int]:
    lines = text.split("\n")[:20000]
    s = {k: 0 for k in READERS}
    for line in lines:
        if line.startswith("|") or re.match(r"^\s*\|.*\|\s*$", line):
            if re.search(r"项目编码|一级指标|项目名称|预算数", line):
                s["markdown"] += 5
            else:
                s["markdown"] += 1
        elif re.match(r"^ *\t", line):
            body = line.strip()
            if body in ("项目编码", "一级指标", "项目名称", "预算数"):
                s["word-cells"] += 5
            else:
                s["word-cells"] += 1
        elif "\t" in line.strip():
            first = line.split("\t", 1)[0].strip()
            if first in ("项目名称", "项目资金", "绩效指标", "单位名称", "总体目标", "主管部门及代码"):
                s["hezheng"] += 5
            else:
                s["hezheng"] += 1
        else:
            t = line.strip()
            if t in ("项目编码",) or re.match(r"^预算数\s+\d", t) or re.match(r"^项目名称\s+\S", t) \
                    or re.match(r"^一级指标\s+二级指标", t):
                s["pdf-text"] += 5
    if re.search(r"(单位整体支出|项目支出)绩效目标表", text):
        s["hezheng"] += 10
    return s


def detect(text: str) -> str:
    """The layout name, or '' when none is recognised."""
    s = scores(text)
    best = max(s, key=lambda k: s[k])
    return best if s[best] >= 10 else ""


def best_effort(text: str, draft: Draft) -> str:
    """Try every reader; keep the draft with the most projects."""
    best: tuple[int, int, str, Draft] | None = None
    for name, reader in READERS.items():
        trial = Draft(source_name=draft.source_name)
        try:
            reader(text, trial)
        except Exception:  # pragma: no cover - readers do not raise, but stay safe
            continue
        n = len(trial.data.get("projects") or [])
        has_ov = 1 if trial.data.get("overview") or trial.data.get("unit_budget") else 0
        key = (n, has_ov, name, trial)
        if best is None or (n, has_ov) > (best[0], best[1]):
            best = key
    if best is None or (best[0] == 0 and best[1] == 0):
        draft.layout = ""
        return ""
    trial = best[3]
    draft.layout = f"unknown, read as {trial.layout}"
    draft.data = trial.data
    draft.warnings.extend(trial.warnings)
    draft.comments.update(trial.comments)
    draft.agency_lines = trial.agency_lines
    draft.title_line = trial.title_line
    draft.year_hints = trial.year_hints
    draft.notes = trial.notes
    return trial.layout
