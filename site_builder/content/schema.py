"""The published JSON Schema of the filing format, generated from the model.

``site_builder.content.model.Filing`` is the one source of truth: this module asks
pydantic for its validation schema and post-processes it so that editors'
YAML tooling (e.g. the YAML language server, which reads the files as YAML
1.2) accepts real filings:

- Money. pydantic describes a ``Decimal`` as ``anyOf: [number, string]``
  where the string branch accepts any text, even ``"-1"`` or ``"abc"``. Each
  such field becomes a ``$ref`` to one ``Money`` definition: a plain YAML
  number ``>= 0`` (how amounts are written: ``241.74``, ``35.00``), or — as
  ``site-builder check`` also reads a quoted amount — a string of digits
  with at most ``MAX_DECIMALS`` (6) decimals. For numbers the decimal rule is left to the
  checker: ``multipleOf: 0.0001`` is unreliable in binary floating point
  (validators disagree on ``241.74``).
- ``$schema`` is draft 2020-12; ``$id`` comes from the model's config.

The schema describes the format; ``site-builder check`` reads every scalar
as the text that was written, so it is slightly more lenient in a few places
(an unquoted number in a text field such as ``target: 100``, a quoted year)
and stricter in others (more than 6 decimals on a number, rules across
fields such as duplicate project codes).

``python -m site_builder.content.schema`` writes ``site_builder/schema/filing.schema.json``;
a test checks that the committed file equals freshly generated output.
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from .model import MAX_DECIMALS, Filing

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "filing.schema.json"

MONEY_REF = "#/$defs/Money"
MONEY_DEF: dict[str, Any] = {
    "title": "Money",
    "description": (
        f"金额，照原文写成数字（万元），不得为负，最多 {MAX_DECIMALS} 位小数，如 241.74、35.00、53.4857。 "
        "An amount as printed, written as a YAML number: never negative, at most "
        f"{MAX_DECIMALS} decimals (e.g. 241.74, 35.00, 53.4857). It is read exactly, as a decimal."
    ),
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": rf"^[0-9]+(\.[0-9]{{1,{MAX_DECIMALS}}})?$"},
    ],
}


def _is_decimal(node: dict[str, Any]) -> bool:
    """pydantic's shape for a Decimal: anyOf [number, string]."""
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2:
        return False
    types = sorted(b.get("type", "") for b in branches if isinstance(b, dict))
    return types == ["number", "string"]


def _money_ref(node: dict[str, Any]) -> dict[str, Any]:
    number = next(b for b in node["anyOf"] if b.get("type") == "number")
    if number.get("minimum") != 0 or set(number) - {"type", "minimum"}:
        # a Decimal that is not Money (a new field with other bounds): make
        # whoever adds it decide how it should look to editors
        raise ValueError(f"a Decimal field that is not Money needs its own schema: {node}")
    out = {k: v for k, v in node.items() if k != "anyOf"}
    out["$ref"] = MONEY_REF
    return out


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        if _is_decimal(node):
            return _money_ref(node)
        return {k: _rewrite(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def filing_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a filing, as a dict."""
    schema = Filing.model_json_schema(by_alias=True, mode="validation")
    if "$id" not in schema:
        raise ValueError("Filing.model_config must give the schema's $id")
    schema = _rewrite(schema)
    defs = schema.setdefault("$defs", {})
    if "Money" in defs:
        raise ValueError("the model already defines a 'Money' schema")
    defs["Money"] = copy.deepcopy(MONEY_DEF)
    schema["$schema"] = DRAFT
    return schema


def render() -> str:
    """The schema file's exact text: sorted keys, indent 2, UTF-8, final newline."""
    return json.dumps(filing_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="\n")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else SCHEMA_PATH
    print(f"wrote {write(target)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
