"""Which folders a build may replace.

A build replaces its output folder's whole content, so a wrong ``--out``
(``.``, ``~``, ``content``) would delete a user's work. The output folder
belongs to the tool: a build writes a marker file into every output it
makes, and replaces or deletes a folder only when it is absent, empty, or
carries that marker. Folders that hold the project or the user's home are
refused by their place alone, marker or not, before anything is read.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

MARKER = ".site-builder-output"
MARKER_HEAD = (
    "site-builder output folder\n"
    "Every build replaces the whole content of this folder: keep nothing of your own here.\n"
)


class OutputRefused(Exception):
    """The output folder given is one the build must not replace."""


def marker_text(content: str) -> bytes:
    """The marker's bytes; ``content`` identifies what the folder holds (the
    build cache checks it describes this very output)."""
    return f"{MARKER_HEAD}content: {content}\n".encode()


def marker_content(folder: Path) -> str | None:
    """The ``content:`` line of ``folder``'s marker, "" for a marker without
    one, or None when ``folder`` has no marker."""
    try:
        text = (folder / MARKER).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    if not text.startswith(MARKER_HEAD.splitlines()[0]):
        return None
    for line in text.splitlines():
        if line.startswith("content: "):
            return line[len("content: "):].strip()
    return ""


def has_marker(folder: Path) -> bool:
    return marker_content(folder) is not None


def _within(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or inside it."""
    return path == folder or folder in path.parents


def _forms(path: Path) -> set[Path]:
    """``path`` as given (absolute) and with its links resolved: an input
    reached through a symbolic link is protected under both names."""
    return {Path(os.path.abspath(path)), path.resolve()}


def check_output_folder(out: Path, project_root: Path, inputs: Iterable[Path]) -> Path:
    """``out`` resolved, if a build may replace it; else OutputRefused with a
    message that says why and what to do.

    Refused: ``/``, the home folder and its ancestors, the project folder and
    its ancestors, any input folder (``inputs``: content/, layouts/, static/),
    a folder inside one or an ancestor of one, an existing file, and an
    existing folder that is neither empty nor marked as an output."""
    given = out
    out = Path(os.path.abspath(out))
    resolved = out.resolve()
    home = os.environ.get("HOME")
    named = f"--out {given}" + (f" ({resolved})" if str(resolved) != str(given) else "")

    def refuse(why: str) -> OutputRefused:
        return OutputRefused(f"refusing to use {named} as the output folder: {why}. "
                             f"The build replaces the whole output folder; choose a new or empty folder, "
                             f"such as --out public.")

    for form in {out, resolved}:
        if form == Path(form.anchor):
            raise refuse("it is the root of the file system")
        for r in _forms(project_root):
            if _within(r, form):
                raise refuse("it is the project folder" if form == r else "it holds the project folder")
        if home:
            for h in _forms(Path(home)):
                if _within(h, form):
                    raise refuse("it is your home folder" if form == h else "it holds your home folder")
        for folder in inputs:
            for f in _forms(folder):
                if _within(form, f):
                    raise refuse(f"it is the input folder {folder.name}/" if form == f
                                 else f"it is inside the input folder {folder.name}/")
                if _within(f, form):
                    raise refuse(f"it holds the input folder {folder.name}/")
    if resolved.exists() and not resolved.is_dir():
        raise refuse("it is a file, not a folder")
    if resolved.is_dir() and not has_marker(resolved):
        try:
            entries = next(os.scandir(resolved), None)
        except OSError as exc:
            raise refuse(f"it cannot be read ({exc.strerror})") from None
        if entries is not None:
            raise OutputRefused(
                f"refusing to use {named} as the output folder: it is not empty and was not made by "
                f"site-builder (it has no {MARKER} file), and a build replaces the whole folder. Choose a new "
                f"or empty folder; if it is an output of an older site-builder, delete it yourself and build again.")
    return resolved
