"""Input edge cases through the real command, each run in its own process on
a copy of the project that has a good build: ``site-builder check`` and
``site-builder build`` print ``file:line:col: error: message (field)``,
exit 1, never a traceback, and leave the previous output as it was — or,
where the input is legitimate, accept it.
"""
from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.output import MARKER

from conftest import CliResult, copy_project, run_cli_process, tree_digest
from site_builder.build import build

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)

SEED = "content/filings/130209-442001-2024.yaml"
AGENCY_PAGE = "agencies/130209-442001/2024/index.html"


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path]:
    """A copy of the project and its last good output."""
    root = copy_project(tmp_path / "proj")
    out = tmp_path / "out"
    build(root, out, search=False)
    return root, out


def seed_text(root: Path) -> str:
    return (root / SEED).read_text(encoding="utf-8")


def another_agency(text: str) -> str:
    """The seed as the filing of another agency (no duplicate identity)."""
    return text.replace('code: "442001"', 'code: "442009"', 1)


def position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based line and column of ``needle`` (plus ``offset`` characters) in ``text``."""
    at = text.index(needle) + offset
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def cli(root: Path, *args: str | Path, preexec_fn=None) -> CliResult:
    if preexec_fn is None:
        return run_cli_process(*args, cwd=root)
    proc = subprocess.run([sys.executable, "-m", "site_builder.cli", *map(str, args)], cwd=root, capture_output=True,
                          text=True, encoding="utf-8", timeout=60, preexec_fn=preexec_fn,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_refused(root: Path, out: Path, expected: list[str], *, by_check: bool = True, preexec_fn=None) -> None:
    """``check`` (unless ``by_check`` is false: it does not render) and
    ``build`` exit 1 and print every ``expected`` line part (a path relative
    to the project, then ``:line:col: error: …``); the output is untouched."""
    before = tree_digest(out)
    if by_check:
        res = cli(root, "check", preexec_fn=preexec_fn)
        assert res.code == 1, (res.code, res.out, res.err)
        assert "Traceback" not in res.err
        for part in expected:
            assert part in res.out, (part, res.out)
    res = cli(root, "build", "--out", out, "--no-search", preexec_fn=preexec_fn)
    assert res.code == 1, (res.code, res.out, res.err)
    assert "Traceback" not in res.err, res.err
    assert f"the previous output in {out}/ is untouched" in res.err
    for part in expected:
        assert part in res.err, (part, res.err)
    assert tree_digest(out) == before
    assert not list(out.parent.glob(f".{out.name}.*")), "a staging folder left behind"


def assert_accepted(root: Path, out: Path, filings: int) -> CliResult:
    res = cli(root, "check")
    assert res.code == 0 and res.lines == [], (res.out, res.err)
    assert f"{filings} filing(s) valid, 0 error(s), 0 warning(s)" in res.err
    res = cli(root, "build", "--out", out, "--no-search")
    assert res.code == 0, (res.out, res.err)
    assert "Traceback" not in res.err
    return res


# --------------------------------------------------------------------------- encodings, line ends, characters


def test_a_bom_and_crlf_line_ends_are_accepted_and_build_the_same_site(project):
    root, out = project
    before = tree_digest(out)
    text = seed_text(root)
    (root / SEED).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert_accepted(root, out, 5)
    # the same pages; only the marker, which names the inputs' bytes, differs
    assert without_marker(tree_digest(out)) == without_marker(before)


def without_marker(tree: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tree.items() if k != MARKER}


def test_messages_about_a_crlf_file_with_a_bom_count_lines_as_an_editor_does(project):
    root, out = project
    text = seed_text(root).replace("      total: 0.81\n", "      total: -1\n", 1)
    (root / SEED).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    line, column = position(text, "-1\n")
    assert_refused(root, out, [f"{SEED}:{line}:{column}: error: 'total' (预算数) must not be negative (got -1) "
                               f"(projects[0].budget.total)"])


@pytest.mark.parametrize("written,shown", [
    ("\x00", None), ("\x1b[31m", None), ("\x7f", None),  # as written: YAML refuses them
    ("\\x1b[31m", "\\x1b"), ("\\e", "\\e"), ("\\0", "\\0"), ("\\u0008", "\\u0008"),  # escapes in a quoted text
])
def test_control_characters_in_a_text_are_refused_with_their_line_and_column(project, written, shown):
    root, out = project
    name = "  name: 曹妃甸区政务接待中心"
    if shown is None:
        new = f"  name: 曹妃甸区{written}政务接待中心"
    else:
        new = f'  name: "曹妃甸区{written}政务接待中心"'
    text = seed_text(root).replace(name, new, 1)
    (root / SEED).write_text(text, encoding="utf-8")
    line, column = position(text, new, new.index(written))
    code = f"U+{ord(written[0]):04X}" if shown is None else None
    if shown is None:
        expected = f"{SEED}:{line}:{column}: error: control character {code} is not allowed in YAML"
    else:
        expected = f"{SEED}:{line}:{column}: error: the escape {shown} writes the control character"
    assert_refused(root, out, [expected])
    if shown is not None:
        assert_refused(root, out, ["which has no place in a text; delete it (agency.name)"])


# --------------------------------------------------------------------------- amounts

# each into one amount of the seed, in order: NaN, infinities, an exponent,
# hexadecimal, digit separators, a sign, a bare point, other scripts' digits
NOT_AMOUNTS = ["NaN", ".nan", ".inf", "-.inf", "1e309", "0x10", "1_000", "1e3", "+5", ".5", "5.", "٣", "１２", "-0",
               '"1e3"', "1,000.00"]


def test_amounts_that_are_not_plain_decimals_are_refused_one_by_one(project):
    root, out = project
    lines = seed_text(root).split("\n")
    amounts = [i for i, line in enumerate(lines) if re.match(r"^ +(total|fiscal|mar|jun|oct|dec): \d", line)]
    assert len(amounts) >= len(NOT_AMOUNTS)
    expected = []
    for i, value in zip(amounts, NOT_AMOUNTS):
        key = lines[i].split(":")[0]
        lines[i] = f"{key}: {value}"
        shown = value.strip('"')
        expected.append(f"{SEED}:{i + 1}:{len(key) + 3}: error: '{key.strip()}' ")
        expected.append(f"must be an amount written as a number (e.g. 241.74), not {shown!r}; write it as printed: "
                        "digits and at most one decimal point (projects[")
    (root / SEED).write_text("\n".join(lines), encoding="utf-8")
    assert_refused(root, out, expected)
    res = cli(root, "check")
    assert f"4 filing(s) valid, {len(NOT_AMOUNTS)} error(s)" in res.err


def test_plain_decimals_as_printed_are_accepted(project):
    root, out = project
    text = seed_text(root).replace("      total: 0.81\n      fiscal: 0.81\n",
                                   '      total: "0.810"\n      fiscal: 000.81\n', 1)
    (root / SEED).write_text(text, encoding="utf-8")
    assert_accepted(root, out, 5)
    # pages print amounts to two decimals; the download keeps them as printed
    assert "0.81" in (out / AGENCY_PAGE).read_text(encoding="utf-8")
    assert '"0.810"' in (out / "data/filings/130209-442001-2024.json").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- files that are not plain files


def test_a_link_to_a_filing_outside_the_project_is_refused_naming_the_link(project, tmp_path):
    root, out = project
    outside = tmp_path / "outside.yaml"
    outside.write_text(another_agency(seed_text(root)), encoding="utf-8")
    (root / "content/filings/linked.yaml").symlink_to(outside)
    assert_refused(root, out, [f"content/filings/linked.yaml:1:1: error: this is a symbolic link to {outside}; "
                               "a filing must be a file in the project, not a link"])


def test_a_loop_of_links_is_refused_not_followed(project):
    root, out = project
    (root / "content/filings/loop.yaml").symlink_to("loop.yaml")
    assert_refused(root, out, ["content/filings/loop.yaml:1:1: error: this is a symbolic link to loop.yaml, "
                               "which does not resolve (a missing file or a loop of links)"])


def test_a_pipe_named_like_a_filing_is_refused_without_waiting_for_it(project):
    root, out = project
    os.mkfifo(root / "content/filings/pipe.yaml")
    assert_refused(root, out, ["content/filings/pipe.yaml:1:1: error: this is a pipe, a socket or a device, not a file"])


def test_a_folder_named_like_a_filing_is_a_folder_of_filings(project):
    root, out = project
    (root / "content/filings/empty.yaml").mkdir()
    (root / "content/filings/more.yaml").mkdir()
    (root / "content/filings/more.yaml/other.yaml").write_text(another_agency(seed_text(root)), encoding="utf-8")
    assert_accepted(root, out, 6)
    assert (out / "agencies/130209-442009/2024/index.html").is_file()


def without_root_privileges() -> None:
    """In the child, before it runs Python: drop the two capabilities that
    let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the
    bounding set, so that a root process is held to file permissions as any
    user is (its capabilities after exec are the bounding set's). Run as
    another user, nothing is dropped: permissions hold already."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("case", ["file", "folder", "folder without search"])
def test_unreadable_files_and_folders_are_reported_by_name(project, case):
    root, out = project
    folder = root / "content/filings/extra"
    folder.mkdir()
    filing = folder / "other.yaml"
    filing.write_text(another_agency(seed_text(root)), encoding="utf-8")
    if case == "file":
        filing.chmod(0)
        expected = "content/filings/extra/other.yaml:1:1: error: cannot read file: Permission denied"
    elif case == "folder":
        folder.chmod(0)
        expected = "content/filings/extra:1:1: error: cannot read folder: Permission denied"
    else:
        folder.chmod(0o644)  # its names can be listed, its files not opened
        expected = "content/filings/extra/other.yaml:1:1: error: cannot read file: Permission denied"
    try:
        assert_refused(root, out, [expected], preexec_fn=without_root_privileges)
    finally:
        folder.chmod(0o755)
        filing.chmod(0o644)


# --------------------------------------------------------------------------- settings and taxonomy


def end(text: str) -> tuple[int, int]:
    """Where YAML finds an unclosed bracket: the line after the last."""
    return text.count("\n") + 1, 1


@pytest.mark.parametrize("file,damage,where,message", [
    ("site.yaml", lambda t: t + "subtitle: [unclosed\n", end, "YAML syntax error: did not find expected ',' or ']'"),
    ("site.yaml", lambda t: t + "titel: 标题\n", lambda t: position(t, "titel"),
     "unknown setting 'titel'; did you mean 'title'? (titel)"),
    ("site.yaml", lambda t: t.replace("title: 预算绩效目标公开", "title:\n  - 预算\n  - 公开"),
     lambda t: position(t, "- 预算"), "setting 'title' must be text, but got a list (title)"),
    ("site.yaml", lambda t: t.replace("base_url: https://budget-filings.netlify.app/", "base_url: 12"),
     lambda t: position(t, "12"),
     "base_url must be the site's address, starting with http:// or https:// and ending in '/'"),
    ("taxonomy.yaml", None, lambda t: (1, 1),
     "cannot read file: No such file or directory; it holds the project categories /compare/ is made of"),
    ("taxonomy.yaml", lambda t: t + "  - {slug: unclosed\n", end, "YAML syntax error: did not find expected ',' or '}'"),
    ("taxonomy.yaml", lambda t: t.replace("version: 1", "version: 1\ncolour: red", 1), lambda t: position(t, "colour"),
     "unknown field 'colour'; allowed here: version, categories, sangong (colour)"),
], ids=["site-yaml-syntax", "site-unknown-key", "site-wrong-type", "site-bad-url", "taxonomy-missing",
        "taxonomy-syntax", "taxonomy-unknown-key"])
def test_a_broken_setting_file_is_named_with_its_line(project, file, damage, where, message):
    root, out = project
    path = root / "content" / file
    changed = ""
    if damage is None:
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        changed = damage(text)
        assert changed != text
        path.write_text(changed, encoding="utf-8")
    line, column = where(changed)
    assert_refused(root, out, [f"content/{file}:{line}:{column}: error: {message}"])


# --------------------------------------------------------------------------- templates


def break_template(root: Path, name: str, old: str, new: str) -> tuple[int, int]:
    path = root / "layouts" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return position(text, old)


def test_a_template_syntax_error_is_named_with_its_line(project):
    root, out = project
    line, _ = break_template(root, "partials/pager.html", "{% if", "{% if %}{% if")
    assert_refused(root, out, [f"layouts/partials/pager.html:{line}:1: error: template syntax error: "
                               "Expected an expression"], by_check=False)
    assert cli(root, "check").code == 0  # check reads content, not templates


def test_a_missing_template_is_named_where_it_is_used(project):
    root, out = project
    line, column = break_template(root, "agencies.html", '"partials/pager.html"', '"partials/gone.html"')
    assert_refused(root, out, [f"layouts/agencies.html:{line}:{column}: error: template partials/gone.html, "
                               "used here, is not in"], by_check=False)


def test_a_missing_page_template_is_named(project):
    root, out = project
    (root / "layouts/year.html").unlink()
    assert_refused(root, out, ["layouts/year.html:1:1: error: template year.html is missing from"], by_check=False)


def test_a_template_that_raises_while_rendering_is_named_with_its_line_and_the_page(project):
    root, out = project
    line, _ = break_template(root, "year.html", "<h2>绩效目标文件</h2>", "<h2>绩效目标文件 {{ 1 // 0 }}</h2>")
    assert_refused(root, out, [f"layouts/year.html:{line}:1: error: ZeroDivisionError: integer division or modulo "
                               "by zero (rendering /years/"], by_check=False)
