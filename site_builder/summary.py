"""The plain-language texts a reader meets first: where a filing came from,
how it was transcribed, and what it adds up to.

Everything here is prepared for the templates (which only print), from the
typed filing and the analysed totals, in exact Decimal arithmetic; a
sentence never names anything its page does not depend on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Filing, Project

if TYPE_CHECKING:
    from .analyze import FilingInfo


@dataclass(frozen=True, slots=True)
class Fact:
    """One line of a filing's provenance: a label and its value (a link when
    ``href`` is set; ``missing`` when the source does not say)."""

    label: str
    text: str
    href: str | None = None
    missing: bool = False


NOT_PRINTED = "原文未注明"


def provenance(f: Filing) -> list[Fact]:
    """Where the filing came from and when this site added and corrected it.
    Unknown facts are said to be unknown, never guessed."""
    s = f.source
    facts = [Fact("文件", f"《{s.title}》", s.url)]
    if s.publisher:
        facts.append(Fact("署名", s.publisher))
    facts.append(Fact("发布日期", s.published.isoformat()) if s.published else Fact("发布日期", NOT_PRINTED, missing=True))
    facts.append(Fact("原文网址", "查看原文", s.url) if s.url else Fact("原文网址", "未注明", missing=True))
    if s.added:
        facts.append(Fact("本站收录", s.added.isoformat()))
    if s.updated:
        facts.append(Fact("最近更正", s.updated.isoformat()))
    return facts


def note_count(f: Filing) -> int:
    """Editor's notes in a filing: on its source, its unit-level table, its
    projects and their indicators (the data downloads carry them all)."""
    n = int(bool(f.source.note))
    if f.unit_budget:
        n += int(bool(f.unit_budget.note)) + sum(1 for ind in f.unit_budget.indicators if ind.note)
    return n + sum(project_note_count(p) for p in f.projects)


def project_note_count(p: Project) -> int:
    return int(bool(p.note)) + sum(1 for ind in p.indicators if ind.note)


def transcription(f: Filing) -> str:
    """One plain sentence on how the page was made from the filing. The
    editors' own notes (often in English, on converter artefacts) stay in the
    data downloads."""
    n = note_count(f)
    records = f"编辑的 {n} 条转录记录随 JSON 数据下载提供。" if n else ""
    return f"本页按原文转录：保留原文的用字、数字和错别字，只去掉文字提取造成的断行和空格。{records}"


def project_transcription(p: Project) -> str:
    n = project_note_count(p)
    if not n:
        return ""
    return f"转录说明：编辑对本项目作了 {n} 条转录记录（原文个别内容如何录入），见本文件的 JSON 数据下载。"


def source_line(f: Filing) -> str:
    """The provenance in one line, for the top of a filing page and the foot
    of a project page."""
    s = f.source
    parts = [f"来源：《{s.title}》"]
    parts.append(f"发布于 {s.published.isoformat()}" if s.published else "发布日期原文未注明")
    if s.added:
        parts.append(f"本站收录于 {s.added.isoformat()}")
    if s.updated:
        parts.append(f"最近更正于 {s.updated.isoformat()}")
    return "，".join(parts) + "。"
