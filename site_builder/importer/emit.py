"""Write a draft as YAML in the filing format, with comments.

Hand-written rather than ``yaml.dump`` so that amounts come out as plain
numbers spelled exactly as printed (``35.00``), targets and codes are quoted
strings, and comments sit next to the values they explain.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..content.load import CONTROL
from .common import Num, Path_

_PLAIN_OK = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`~][^#:\n]*$")
_PLAIN_BAD_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}
# keys whose text values are always quoted (targets may look like numbers)
_ALWAYS_QUOTE = {"target", "code"}


# characters YAML accepts unescaped (PyYAML's printable set)
_NONPRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _dq(s: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    out = json.dumps(s, ensure_ascii=False)
    out = re.sub("[\x85\u2028\u2029\ufeff]", lambda m: "\\u%04x" % ord(m.group()), out)
    return _NONPRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group()) if ord(m.group()) < 0x10000 else "?", out)


def _plain_safe(s: str) -> bool:
    if _NONPRINTABLE.search(s) or "\r" in s or "\x85" in s or "\u2028" in s or "\u2029" in s or "\ufeff" in s:
        return False
    if not s or s != s.strip() or s.lower() in _PLAIN_BAD_WORDS:
        return False
    if not _PLAIN_OK.match(s):
        return False
    if re.match(r"^[-+]?[\d.]", s) or re.search(r"\s#|:\s|:$|\t", s):
        return False
    return True


def scalar(value: Any, key: str = "") -> str:
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    s = CONTROL.sub("", str(value))  # never meaningful in a filing, and the loader refuses them
    if key not in _ALWAYS_QUOTE and _plain_safe(s):
        return s
    return _dq(s)


def _block_ok(s: str) -> bool:
    lines = s.split("\n")
    return (
        "\n" in s
        and not s.startswith((" ", "\t"))
        and all(line == line.rstrip() for line in lines)
        and "\r" not in s
        and not s.endswith("\n")
        and not _NONPRINTABLE.search(s.replace("\n", " "))
        and not any(c in s for c in "\x85\u2028\u2029\ufeff\t")
    )


def _comment_safe(text: str) -> str:
    text = re.sub("[\r\x85\u2028\u2029\ufeff]", " ", text)
    return _NONPRINTABLE.sub("?", text)


def to_yaml(data: dict[str, Any], comments: dict[Path_, list[str]], header: list[str]) -> str:
    out: list[str] = []
    for h in header:
        out.extend("# " + x if x else "#" for x in _comment_safe(h).split("\n"))
    if header:
        out.append("")

    def emit_comments(path: Path_, indent: str) -> None:
        for c in comments.get(path, []):
            for part in _comment_safe(c).split("\n"):
                out.append(f"{indent}# {part}")

    def emit_block(lead: str, text: str, indent: str) -> None:
        out.append(f"{lead}|-")
        for line in text.split("\n"):
            out.append(f"{indent}{line}" if line else "")

    def emit_map(m: dict[str, Any], path: Path_, key_indent: str, first_lead: str | None = None) -> None:
        for n, (k, v) in enumerate(m.items()):
            emit_comments(path + (k,), key_indent)
            lead = first_lead if (n == 0 and first_lead is not None) else key_indent
            emit_entry(lead, k, v, path + (k,), key_indent)

    def emit_entry(lead: str, k: str, v: Any, path: Path_, key_indent: str) -> None:
        if isinstance(v, dict):
            if not v:
                out.append(f"{lead}{k}: {{}}")
                return
            out.append(f"{lead}{k}:")
            emit_map(v, path, key_indent + "  ")
        elif isinstance(v, list):
            if not v:
                out.append(f"{lead}{k}: []")
                return
            out.append(f"{lead}{k}:")
            emit_list(v, path, key_indent + "  ", k)
        elif isinstance(v, str) and not isinstance(v, Num) and k not in _ALWAYS_QUOTE and _block_ok(v):
            emit_block(f"{lead}{k}: ", v, key_indent + "  ")
        else:
            out.append(f"{lead}{k}: {scalar(v, k)}")

    def emit_list(lst: list[Any], path: Path_, item_indent: str, key: str) -> None:
        for i, item in enumerate(lst):
            emit_comments(path + (i,), item_indent)
            if isinstance(item, dict):
                emit_map(item, path + (i,), item_indent + "  ", first_lead=item_indent + "- ")
            elif isinstance(item, str) and not isinstance(item, Num) and _block_ok(item):
                emit_block(f"{item_indent}- ", item, item_indent + "  ")
            else:
                out.append(f"{item_indent}- {scalar(item, key)}")

    emit_map(data, (), "")
    return "\n".join(out) + "\n"
