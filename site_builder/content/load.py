"""Stage 1: find and parse YAML, keeping source positions.

The loader knows nothing of filings or HTML. It turns a YAML file into plain
Python data (dicts, lists, and *strings for every scalar*) plus a table of
source positions, so that any later stage can name ``file:line:column``.

Scalars stay as the text that was written: ``241.74`` arrives as the string
``"241.74"`` and the validator turns it into ``Decimal("241.74")`` — money
never passes through float. The YAML tag is kept alongside so that the
validator can tell a number from a quoted string where that matters.

Refused here, with a position: syntax errors, empty documents, non-UTF-8
bytes, control characters (YAML refuses them as written; a quoted text can
still spell one as an escape such as ``"\x1b"``), duplicate keys (PyYAML
silently keeps the last one), anchors and aliases (alias expansion is a
memory bomb), oversized files and absurd nesting; and a filing that is a
symbolic link (docs/decisions.md).
"""
from __future__ import annotations

import os
import re
import stat
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from ..errors import Position, Problem

try:  # the C composer is ~9x faster than the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is present in our wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 5 * 1024 * 1024  # a real filing is ~50 KB
MAX_DEPTH = 20  # a filing nests 5 levels deep

Path_ = tuple[str | int, ...]


class Scalar(str):
    """A YAML scalar as written, remembering whether YAML saw a number.

    ``tag`` is the implicit tag YAML resolved (int, float, str, bool, null,
    timestamp); quoted scalars are always ``str``.
    """

    __slots__ = ("tag",)

    def __new__(cls, value: str, tag: str) -> "Scalar":
        self = super().__new__(cls, value)
        self.tag = tag
        return self

    @property
    def is_null(self) -> bool:
        return self.tag == "null"


@dataclass
class Document:
    """A parsed YAML file: its data and where each value came from."""

    path: str
    data: Any
    # libyaml marks, turned into Positions only when a message needs one
    positions: dict[Path_, Any] = field(default_factory=dict)
    key_positions: dict[Path_, Any] = field(default_factory=dict)

    def position(self, path: Path_) -> Position:
        """Position of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return _pos(self.positions[path])
            path = path[:-1]
        return _pos(self.positions[()]) if () in self.positions else Position(1, 1)

    def key_position(self, path: Path_) -> Position:
        """Position of the *key* naming ``path`` (for unknown fields)."""
        mark = self.key_positions.get(tuple(path))
        return _pos(mark) if mark is not None else self.position(path)


class LoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem


_TAG_SHORT = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
}


_STR = "tag:yaml.org,2002:str"

# libyaml's composer calls the resolver's path hooks (``descend_resolver``
# and ``ascend_resolver``) around every node, in Python, to do nothing unless
# ``yaml.add_path_resolver`` was used — which we never do. ``"".format``
# takes any arguments and runs in C: ~5 % of composing a filing.
_NO_PATH_RESOLVERS = "".format
assert not _Loader.yaml_path_resolvers


class _FilingLoader(_Loader):  # type: ignore[misc, valid-type]
    """YAML's implicit resolver runs regexes in Python for every scalar — a
    fifth of the parse time. Filings are mostly Chinese text, which can only
    be a string: only plain scalars that start like a number, a boolean, a
    date or null go through the real resolver (tags stay exact)."""

    descend_resolver = ascend_resolver = _NO_PATH_RESOLVERS

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            if not value or value[0] in _MAYBE_TYPED:
                return super().resolve(kind, value, implicit)
            return _STR
        return super().resolve(kind, value, implicit)


_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfFyYoO")


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_text(text: str, path: str) -> Document:
    """Parse one YAML document from text. Raises LoadError."""

    def fail(mark: Any, message: str, at: Path_ = ()) -> LoadError:
        pos = _pos(mark) if mark is not None else Position(1, 1)
        return LoadError(Problem(path, pos.line, pos.column, "error", message, format_path(at)))

    if not text.strip():
        raise fail(None, "the file is empty: a filing needs at least schema, year, region, agency, source and projects")
    _refuse_deep_nesting(text, fail)
    try:
        node = yaml.compose(text, Loader=_FilingLoader)
    except yaml.composer.ComposerError as exc:
        if "found undefined alias" in str(exc) or "alias" in str(exc.problem or ""):
            raise fail(exc.problem_mark, "YAML aliases (*name) are not allowed in filings: write the value out") from None
        raise fail(exc.problem_mark, f"YAML syntax error: {exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow anywhere (position: in UTF-8 bytes)
        at = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
        what = "control character" if unicodedata.category(chr(exc.character)) == "Cc" else "character"
        raise fail(_Mark(text, at), f"{what} {_codepoint(exc.character)} is not allowed in YAML; delete it "
                                    "(most editors do not show it)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in what:  # libyaml ≥ 0.2.6 (PyYAML 6.0.4) stops runaway nesting itself
            raise fail(mark, f"structure nested deeper than {MAX_DEPTH} levels; a filing is never this deep") from None
        raise fail(mark, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - all libyaml errors are marked
        raise fail(None, f"YAML error: {exc}") from None
    if node is None:
        raise fail(None, "the file holds no YAML document (only comments or blank lines)")

    doc = Document(path=path, data=None)
    seen: set[int] = set()

    def convert(n: yaml.Node, at: Path_, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise fail(n.start_mark, f"structure nested deeper than {MAX_DEPTH} levels; a filing is never this deep", at)
        if id(n) in seen:
            # libyaml resolves *alias to the very node object it refers to;
            # that node's mark is the anchor's, so look up where the alias is
            raise fail(_first_alias_mark(text) or n.start_mark, "YAML anchors and aliases (&name / *name) are not allowed in filings: write the value out", at)
        seen.add(id(n))
        doc.positions[at] = n.start_mark
        if isinstance(n, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in n.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise fail(key_node.start_mark, "a mapping key must be a plain name", at)
                if key_node.value == "<<" and key_node.tag.endswith(":merge"):
                    raise fail(key_node.start_mark, "YAML merge keys (<<) are not allowed in filings: write the fields out", at)
                key = key_node.value
                if key_node.style == '"' and CONTROL.search(key):
                    raise _escaped_control(text, key_node, fail, at)
                if key in out:
                    first = doc.key_position(at + (key,))
                    raise fail(
                        key_node.start_mark,
                        f"duplicate key '{key}' (first written at line {first.line}); YAML would silently keep only the last one",
                        at + (key,),
                    )
                doc.key_positions[at + (key,)] = key_node.start_mark
                out[key] = convert(value_node, at + (key,), depth + 1)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [convert(v, at + (i,), depth + 1) for i, v in enumerate(n.value)]
        tag = _TAG_SHORT.get(n.tag, n.tag)
        if tag not in ("str", "int", "float", "bool", "null", "timestamp"):
            raise fail(n.start_mark, f"unsupported YAML tag {n.tag}", at)
        if n.style == '"' and CONTROL.search(n.value):
            raise _escaped_control(text, n, fail, at)
        return Scalar(n.value, tag)

    doc.data = convert(node, (), 0)
    return doc


# control characters (Unicode Cc) but tab and line ends: YAML refuses them
# as written, and a double-quoted text can only spell them as escapes; in a
# page or a terminal they hide text or act on it (ESC)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_ESCAPED = {"0": "\x00", "a": "\x07", "b": "\x08", "t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c", "r": "\r",
            "e": "\x1b", "N": "\x85"}


class _Mark:
    """A position in ``text`` given as a character offset, shaped like libyaml's marks."""

    def __init__(self, text: str, index: int):
        self.line = text.count("\n", 0, index)
        self.column = index - (text.rfind("\n", 0, index) + 1)


def _codepoint(code: int) -> str:
    return f"U+{code:04X}"


def _escaped_control(text: str, node: Any, fail: Any, at: Path_) -> LoadError:
    """The error for a double-quoted scalar that spells a control character
    as an escape, at that escape (else at the scalar)."""
    start = node.start_mark.index + 1  # after the opening quote
    end = node.end_mark.index
    for m in _ESCAPE.finditer(text, start, end):
        code = m.group(1)
        char = chr(int(code[1:], 16)) if len(code) > 1 else _ESCAPED.get(code, "")
        if CONTROL.fullmatch(char):
            return fail(_Mark(text, m.start()), f"the escape \\{code} writes the control character "
                                                f"{_codepoint(ord(char))}, which has no place in a text; delete it", at)
    char = CONTROL.search(node.value).group()  # type: ignore[union-attr]
    return fail(node.start_mark, f"this text holds the control character {_codepoint(ord(char))}; delete it", at)


# libyaml's composer recurses in C once per nesting level: ~25,000 levels
# (a 50 KB file of "- - - …") overflow the C stack and kill the interpreter,
# and its scanner is quadratic in flow depth. Nesting depth is at most twice
# the longest run of indentation and block indicators at a line start plus
# the number of flow brackets; only when that bound is large is the text
# pre-scanned (events, stopping at the first level too deep).
_SAFE_NESTING_BOUND = 1000


@lru_cache(maxsize=64)
def _long_prefix(length: int) -> re.Pattern[str]:
    # a line starting with ``length`` indentation / block-indicator characters
    return re.compile(r"^[ \t?:\-]{%d}" % length, re.M)


def _nesting_is_safe(text: str) -> bool:
    """Whether the bound above (2 × longest line-start run + 2 + flow
    brackets) is at most _SAFE_NESTING_BOUND. Searching for one run that is
    too long is a tenth of the cost of measuring every line's."""
    room = (_SAFE_NESTING_BOUND - 2 - text.count("[") - text.count("{")) // 2
    return room > 0 and _long_prefix(room + 1).search(text) is None


def _refuse_deep_nesting(text: str, fail: Any) -> None:
    if _nesting_is_safe(text):
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise fail(event.start_mark, f"structure nested deeper than {MAX_DEPTH} levels; a filing is never this deep")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports it with its position


def _first_alias_mark(text: str) -> Any:
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark
    except yaml.YAMLError:  # pragma: no cover - the text composed already
        pass
    return None


class _PlainLoader(_Loader):  # type: ignore[misc, valid-type]
    """No implicit resolution at all: every untagged node gets the str tag
    from a C-level callable (``str.format`` ignores its arguments), so libyaml
    never calls back into Python while composing. ``plain_data`` recognises
    nulls itself; everything else stays text anyway."""

    resolve = _STR.format
    descend_resolver = ascend_resolver = _NO_PATH_RESOLVERS


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PLAIN_TAGS = frozenset({_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                         "tag:yaml.org,2002:timestamp"})
_NULL_TAG = "tag:yaml.org,2002:null"


class _Slow(Exception):
    """The fast path met something only the full loader reports well."""


def plain_data(text: str) -> tuple[Any, Any]:
    """The fast path for well-formed files: ``text`` → dicts, lists, str and
    None (the shape ``parse_text(...).data`` has after nulls are read as None
    and scalars as their text), without source positions. Returns ``_SLOW``
    whenever anything is unusual — anchors, aliases, merge keys, duplicate
    keys, odd tags, deep nesting, a syntax error — so that ``parse_text`` can
    report it with its position. Also returns the YAML node tree, for
    ``node_position``."""
    if _maybe_alias(text) or "<<" in text or not _nesting_is_safe(text):
        return _SLOW, None  # possible anchors/aliases/merge keys, or deep nesting: the full loader checks
    try:
        node = yaml.compose(text, Loader=_PlainLoader)
        return (_plain(node, 0), node) if node is not None else (_SLOW, None)
    except (yaml.YAMLError, _Slow, RecursionError):
        return _SLOW, None


_SLOW: Any = object()


def _maybe_alias(text: str) -> bool:
    """Whether ``text`` may hold an anchor or alias. One can only start a
    node: at the start of a line or after a space or a flow indicator
    ("实际支出数/预算数*100%" is text). str.find beats a regex here 5 to 1."""
    for mark in "*&":
        i = text.find(mark)
        while i >= 0:
            if i == 0 or text[i - 1].isspace() or text[i - 1] in "[{,":
                return True
            i = text.find(mark, i + 1)
    return False
_Mapping, _Sequence = yaml.MappingNode, yaml.SequenceNode


def _plain(n: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Slow
    if n.__class__ is _Mapping:
        out: dict[str, Any] = {}
        for k, v in n.value:
            if k.__class__ is _Mapping or k.__class__ is _Sequence or k.tag != _STR or k.style == '"':
                raise _Slow
            key = k.value
            if key in out:
                raise _Slow
            out[key] = _plain(v, depth + 1)
        return out
    if n.__class__ is _Sequence:
        return [_plain(v, depth + 1) for v in n.value]
    tag = n.tag
    if tag == _STR:
        value = n.value
        if n.style == '"' and CONTROL.search(value):
            raise _Slow  # an escaped control character: the full loader names its position
        return None if not n.style and value in _NULLS else value  # plain: libyaml says "", PyYAML None
    if tag == _NULL_TAG:
        return None
    if tag in _PLAIN_TAGS:
        return n.value
    raise _Slow


def node_position(node: Any, path: Path_) -> Position:
    """Where the value at ``path`` of a node tree starts (for the few
    positions a valid filing keeps), or of its nearest ancestor."""
    pos = node.start_mark
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        pos = node.start_mark
    return _pos(pos)


def read_text(path: str | os.PathLike[str]) -> str:
    """A YAML file's text: a regular file, size-checked, UTF-8 (BOM dropped).
    Raises LoadError."""
    name = str(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "a pipe, a socket or a device"
            raise LoadError(Problem(name, 1, 1, "error", f"this is {what}, not a file"))
        if st.st_size > MAX_FILE_BYTES:
            raise LoadError(Problem(
                name, 1, 1, "error",
                f"file is {st.st_size / 1024 / 1024:.1f} MB; a filing is at most {MAX_FILE_BYTES // 1024 // 1024} MB — is this the right file?",
            ))
        raw = Path(path).read_bytes()
    except OSError as exc:  # missing, unreadable (permissions), a dangling link
        raise LoadError(Problem(name, 1, 1, "error", f"cannot read file: {exc.strerror}")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(Problem(
            name, line, col, "error",
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8 (GBK/GB2312 files must be converted)",
        )) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_filing(path: str | os.PathLike[str]) -> str:
    """A filing's text (``read_text``); a symbolic link is refused, named
    with its target, and never followed (docs/decisions.md)."""
    if os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:  # pragma: no cover - it was a link a moment ago
            target = "?"
        where = "" if os.path.exists(path) else ", which does not resolve (a missing file or a loop of links)"
        raise LoadError(Problem(
            str(path), 1, 1, "error",
            f"this is a symbolic link to {target}{where}; a filing must be a file in the project, not a link "
            "(its target is not part of the project): copy the file here instead",
        ))
    return read_text(path)


def load_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse one YAML file. Raises LoadError naming the file."""
    return parse_text(read_text(path), str(path))


def find_yaml_files(paths: list[str | os.PathLike[str]], problems: list[Problem] | None = None) -> Iterator[Path]:
    """Expand files and directories into YAML files, in a stable order
    (by path components); ``problems``: see ``yaml_paths``."""
    for p in paths:
        if os.path.isdir(p):
            yield from map(Path, yaml_paths(p, problems))
        else:
            yield Path(p)


def files_under(folder: str | os.PathLike[str], skip: tuple[str, ...] = (),
                unreadable: Callable[[str, OSError], None] | None = None) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every file under ``folder``, as (its path components below ``folder``,
    its path), in no particular order; as os.walk, not into linked folders;
    ``skip``: folders directly in ``folder`` not to enter; ``unreadable``:
    called with a folder below ``folder`` that cannot be listed, which is
    then left out (else the OSError is raised). os.scandir and string keys:
    os.walk with relpath took ~3 s of a rebuild at 10,000 filings (~108,000
    folders of output)."""
    stack: list[tuple[str, tuple[str, ...]]] = [(os.fspath(folder), ())]
    while stack:
        here, key = stack.pop()
        try:
            entries = os.scandir(here)
        except OSError as exc:
            if unreadable is None or not key:
                raise
            unreadable(here, exc)
            continue
        with entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    if key or e.name not in skip:
                        stack.append((e.path, key + (e.name,)))
                else:
                    yield key + (e.name,), e.path


def yaml_paths(folder: str | os.PathLike[str], problems: list[Problem] | None = None) -> list[str]:
    """The YAML files under ``folder`` as path strings, sorted by path
    components. A folder below it that cannot be listed is a problem:
    appended to ``problems``, else raised as a LoadError."""

    def unreadable(path: str, exc: OSError) -> None:
        problem = Problem(path, 1, 1, "error", f"cannot read folder: {exc.strerror}")
        if problems is None:
            raise LoadError(problem)
        problems.append(problem)

    found = files_under(folder, unreadable=unreadable)
    return [path for _key, path in sorted(f for f in found if f[1].endswith((".yaml", ".yml")))]
