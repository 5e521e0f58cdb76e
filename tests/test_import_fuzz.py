"""The importer never raises and never crashes, whatever it is given.

Every reader and the recognizer are fed generated input: random bytes, text
made of the lexicon's labels and the characters that separate cells, grids
of such cells, and the binary fixtures with bytes flipped. The importer turns
its own exceptions into an "internal error" warning (so that a user never
loses the draft to a bug); here such a warning fails the test.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.importer import import_bytes, import_text
from site_builder.importer.grid import CELLS, NONE, SPACES, Cell, Document, Para, Pos, Row, Table
from site_builder.importer.lexicon import lexicon
from site_builder.importer.readers import read_bytes
from site_builder.content.load import parse_text

BINARY = Path(__file__).resolve().parent / "fixtures" / "import_binary"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _words() -> list[str]:
    lex = lexicon()
    words = list(lex.labels)[:120] + list(lex.level1) + list(lex.level2) + lex.qualitative[:10]
    return words + ["≥95%", "100", "1,234.56", "250万", "元", "(万元)", "单位:元", "(2024年度)", "目标1:", "=",
                    "项目支出绩效目标表", "1.保安保洁绩效目标表", "430001某某单位本级", "", " ", "\t", "|", "%",
                    # outlines, split targets, run-together rows
                    "【产出指标-数量指标】", "指标1:机柜数量(≥77台)", "一、", "(一)", "\n  ", "\n    ", "定性", "大于等于",
                    "正向", "计划标准", "207101某法院", "满意度指标(10分)", "填报单位(盖章):", "当年度指标值"]


WORD = st.sampled_from(_words())
CHUNK = st.one_of(WORD, st.text(max_size=8))
SEP = st.sampled_from(["\t", "|", " ", "  ", "", "\n", "\n\n", " |\n", "\n\t"])
TEXT = st.lists(st.tuples(CHUNK, SEP), max_size=80).map(lambda xs: "".join(a + b for a, b in xs))


def ok(result) -> None:  # type: ignore[no-untyped-def]
    assert not any("internal error" in w[2] for w in result.warnings), result.warnings
    assert all(str(w[0]) for w in result.warnings)
    parse_text(result.to_yaml(), "fuzz.yaml")  # the draft is always YAML the loader takes


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(raw: bytes) -> None:
    ok(import_bytes(raw, "fuzz.bin"))


@FUZZ
@given(st.sampled_from([b"PK\x03\x04", b"%PDF-1.4\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html><table>"]),
       st.binary(max_size=2000))
def test_damaged_binary_headers_never_crash(head: bytes, rest: bytes) -> None:
    ok(import_bytes(head + rest, "fuzz.bin"))


@FUZZ
@given(TEXT)
def test_label_soup_never_crashes(text: str) -> None:
    ok(import_text(text))


@FUZZ
@given(TEXT, st.integers(min_value=2000, max_value=2100))
def test_label_soup_with_options(text: str, year: int) -> None:
    ok(import_text(text, region="130202", agency="430001", year=year))


def _grid(draw_rows: list[list[str]], kind: str, spans: bool) -> Document:
    rows = []
    for r, texts in enumerate(draw_rows, start=1):
        cells = [Cell(t, Pos(table=1, row=r, cell=c + 1), col=c * (2 if spans else 1), colspan=2 if spans else 1,
                      merged=(t == "" and spans)) for c, t in enumerate(texts)]
        rows.append(Row(cells, Pos(table=1, row=r), " ".join(texts)))
    return Document([Para("项目支出绩效目标表", Pos(para=1)), Table(rows, Pos(table=1), kind)], "fuzz", "fuzz")


@FUZZ
@given(st.lists(st.lists(WORD, max_size=9), max_size=30), st.sampled_from([CELLS, SPACES, NONE]), st.booleans())
def test_recognizer_on_random_grids(rows: list[list[str]], kind: str, spans: bool) -> None:
    from site_builder.importer import _run

    ok(_run(lambda: _grid(rows, kind, spans), "fuzz"))


@pytest.mark.skipif(not BINARY.is_dir(), reason="binary fixtures not present")
@pytest.mark.parametrize("name", sorted(p.name for p in BINARY.glob("*.*") if p.suffix in (".docx", ".xlsx", ".xls", ".pdf", ".html"))
                         if BINARY.is_dir() else [])
def test_binary_fixtures_with_flipped_bytes(name: str) -> None:
    raw = (BINARY / name).read_bytes()
    rnd = random.Random(name)
    for _ in range(25):
        b = bytearray(raw)
        for _ in range(rnd.randrange(1, 40)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        cut = rnd.randrange(len(b) // 2, len(b) + 1)
        ok(import_bytes(bytes(b[:cut]), name))
        read_bytes(bytes(b[:cut]), name)  # the reader alone never raises either


def test_header_without_value_columns() -> None:
    # found by fuzzing: an indicator header with no column after its levels, then a one-cell-per-line row
    text = "项目名称 |\n某项目 |\n预算数 |\n10 |\n指标值 |\n一级指标 |\n二级指标 |\n产出指标 |\n数量指标 |\n某指标 |\n"
    ok(import_text(text))


def test_deep_html_does_not_crash() -> None:
    ok(import_bytes(b"<html><body>" + b"<div>" * 5000 + "项目名称".encode() + b"</div>" * 5000, "deep.html"))
    ok(import_bytes(b"<table>" * 3000, "tables.html"))
