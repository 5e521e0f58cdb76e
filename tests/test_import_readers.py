"""The readers: every kind of source gives the same grid, and the same draft.

The binary fixtures in tests/fixtures/import_binary/ are real files made
from real filings (make.py there: python-docx, openpyxl, LibreOffice for
.xls and .pdf): the 金寨 corpus filing as .docx/.xlsx/.xls/.pdf, the 南岳 one
as an HTML table with rowspans, the 曹妃甸 seed as .docx and .pdf. Each must
import as exactly as its text does: every printed field captured, nothing
wrong, no review item but the one the filing itself calls for.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_import import compare, handmade  # noqa: E402
from test_import_corpus import CORPUS, score  # noqa: E402

from site_builder.importer import import_file  # noqa: E402
from site_builder.importer.grid import CELLS, SPACES, Table  # noqa: E402
from site_builder.importer.readers import kind_of, read_bytes, read_text  # noqa: E402
from site_builder.importer.readers.text import sniff  # noqa: E402

BINARY = HERE / "fixtures" / "import_binary"
JINZHAI = "a-anhui-2021-jinzhai-kaifaqu-wuye"
NANYUE = "b-hunan-2018-nanyue-fupin"
needs_corpus = pytest.mark.skipif(not (CORPUS / JINZHAI).is_dir() or not (CORPUS / NANYUE).is_dir(),
                                  reason="corpus folders not present")


def _tables(doc) -> list[Table]:  # type: ignore[no-untyped-def]
    return [b for b in doc.blocks if isinstance(b, Table)]


@needs_corpus
@pytest.mark.parametrize("name,reader,folder,where", [
    ("jinzhai.docx", "docx", JINZHAI, "table 1, row 2, cell 4"),
    ("jinzhai.xlsx", "xlsx", JINZHAI, "sheet 绩效目标, cell D4"),
    ("jinzhai.xls", "xls", JINZHAI, "sheet 绩效目标, cell D4"),
    ("jinzhai.pdf", "pdf", JINZHAI, "page 1, table 1, row 2, cell 4"),
    ("nanyue.html", "html", NANYUE, ""),
])
def test_binary_file_imports_like_its_text(name: str, reader: str, folder: str, where: str) -> None:
    result = import_file(BINARY / name)
    assert result.layout == reader
    expected = yaml.safe_load((CORPUS / folder / "expected.yaml").read_text(encoding="utf-8"))
    sc = score(name, result, expected)
    c = Counter()
    for counts in sc.counts.values():
        c.update(counts)
    assert c["wrong"] == c["missed"] == c["extra"] == 0, sc.details + sc.wrong
    assert c["captured"] >= 48
    if folder == JINZHAI:
        # the one review item: the agency is the 实施单位, since the 主管部门 is the finance bureau — named by its cell
        [(pos, field, message)] = result.warnings
        assert (str(pos), field) == (where, "agency.name") and "县财政局" in message
    else:
        assert result.warnings == []


def test_seed_as_docx_and_pdf() -> None:
    for name in ("seed001.docx", "seed001.pdf"):
        result = import_file(BINARY / name)
        cmp = compare(result.data, handmade("130209-442001-2024.yaml"), result.warnings)
        assert not cmp.wrong and not result.warnings, (name, cmp.wrong[:5], result.warnings[:5])
        assert len(cmp.matched) >= 175


def test_docx_grid_keeps_merged_cells() -> None:
    doc = read_bytes((BINARY / "jinzhai.docx").read_bytes(), "jinzhai.docx")
    [t] = _tables(doc)
    assert t.cells == CELLS
    first = t.rows[0].cells
    assert [c.text for c in first] == ["项目名称", "物业管理"] and first[1].colspan == 4 and first[1].col == 1
    # 一级指标 merged down its group: the rows below keep an empty merged place in that column
    merged = [r.cells[1] for r in t.rows if len(r.cells) > 1 and r.cells[1].merged]
    assert merged and all(c.text == "" and c.col == 1 for c in merged)
    assert str(t.rows[1].cells[3].pos) == "table 1, row 2, cell 4"


def test_spreadsheets_keep_merged_cells_and_cell_names() -> None:
    for name in ("jinzhai.xlsx", "jinzhai.xls"):
        doc = read_bytes((BINARY / name).read_bytes(), name)
        [t] = _tables(doc)
        row = next(r for r in t.rows if r.cells and r.cells[0].text == "项目名称")
        assert row.cells[1].colspan == 4 and str(row.cells[1].pos) == "sheet 绩效目标, cell B3"
        # amounts are numbers in the sheet; their text is the exact decimal
        money = next(r for r in t.rows if any(c.text == "年度资金总额:" for c in r.cells))
        assert "1125" in [c.text for c in money.cells]


def test_html_rowspans_become_merged_places() -> None:
    doc = read_bytes((BINARY / "nanyue.html").read_bytes(), "nanyue.html")
    [t] = _tables(doc)
    width = {len(r.cells) for r in t.rows if r.cells and r.cells[0].text not in ("绩效目标申报表",)}
    assert max(width) == 6
    ind = [r for r in t.rows if any(c.text == "流转土地" for c in r.cells)][0]
    assert [c.merged for c in ind.cells[:3]] == [True, True, True]  # 绩效指标, 一级, 二级 from above
    assert ind.pos.line > 1  # HTML positions are source lines


def test_kind_of_is_by_content_not_name(tmp_path: Path) -> None:
    for src, kind in (("jinzhai.docx", "docx"), ("jinzhai.xlsx", "xlsx"), ("jinzhai.xls", "ole"),
                      ("jinzhai.pdf", "pdf"), ("nanyue.html", "html")):
        raw = (BINARY / src).read_bytes()
        assert kind_of(raw) == kind
        renamed = tmp_path / (src + ".txt")
        renamed.write_bytes(raw)
        assert import_file(renamed).layout == ("xls" if kind == "ole" else kind)


@pytest.mark.parametrize("text,kind", [
    ("\t项目名称\n\t物业管理\n\n\t预算数\n\t100\n\n" * 2, "word-cells"),
    ("项目名称\t物业管理\t\n预算数\t100\t\n", "tabs"),
    ("| 项目名称 | 物业管理 |\n|---|---|\n| 预算数 | 100 |\n", "pipes"),
    ("项目名称 |\n物业管理 |\n预算数 |\n100 |\n", "pipes"),
    ("项目名称 物业管理\n预算数 100\n", "lines"),
    ("项目名称物业管理预算数100\n", "lines"),
])
def test_text_flattenings(text: str, kind: str) -> None:
    assert sniff(text.split("\n")) == kind
    doc = read_text(text)
    assert doc.reader == kind
    tables = _tables(doc)
    assert tables and all(t.cells == (SPACES if kind == "lines" else CELLS) for t in tables)
    # every cell knows its line (and, for text split at spaces, its column)
    for t in tables:
        for r in t.rows:
            assert all(c.pos.line >= 1 for c in r.cells)
