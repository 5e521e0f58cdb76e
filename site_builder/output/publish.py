"""The one way a build changes its output folder.

Everything a build makes is first written into a *stage*: a folder beside
the output (the same file system, so that publishing is renames only).
Nothing in the output folder changes until the stage is complete — pages,
downloads and the verified search bundle — so a failing render, a failing
Pagefind, a full disk, Ctrl-C or SIGKILL before that point leave the
published site as it was, byte for byte.

* A *full* stage holds the whole next site. Publishing swaps it with the
  output folder in one ``renameat2(RENAME_EXCHANGE)`` (Linux): at no
  instant is there no site, or half of one. The old site, now in the
  stage's place, is deleted by a process of its own.
* A *partial* stage holds only what a cached rebuild changed, and the list
  of files to delete. Publishing applies it file by file, each one by a
  ``rename`` over the old (a reader sees the old file or the new, never a
  torn one), and keeps a *journal*: before a file is replaced or deleted,
  a hard link to the old one is kept in the journal, whose list of
  operations is written before the first of them. Any error during the
  apply rolls it back at once; a process killed during it (the apply is
  renames and links: milliseconds) leaves the journal, and the next build
  or preview of that folder rolls it back before it does anything else.
  Copying the unchanged ~118,000 files of a province into a full stage
  (even as hard links) took 8 s; a one-filing rebuild changes a few
  hundred.

Stage, journal and search folders are named after the output folder and
carry the marker, so the leftovers of killed builds are recognised and
removed by the next build (which holds the folder's lock: no other build
of it is running).
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .guard import MARKER, has_marker, marker_text

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def safe_relpath(rel: str) -> str:
    """``rel`` as a path inside the output folder, or ValueError. Checked by
    its text, not by resolving it on disk (a resolve per file was a tenth of a
    build): no absolute path, no ``..`` or empty component, no backslash or
    NUL. URLs are made from validated codes (urls.py); this is the last guard."""
    parts = rel.split("/")
    if (not rel or rel.startswith("/") or "\\" in rel or "\0" in rel
            or any(part in ("", ".", "..") for part in parts)):
        raise ValueError(f"refusing to write outside the output folder: {rel!r}")
    return rel


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a file system without it
        return False
    raise OSError(err, os.strerror(err), str(b))


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Delete a folder of ours, its marker last: a deletion stopped half-way
    leaves a folder the next build still knows for a leftover of its own."""
    root = os.fspath(path)
    for entry in os.scandir(root) if os.path.isdir(root) else ():
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
    shutil.rmtree(root, ignore_errors=True)


# Deletes the folders given, in order, in a process of its own (see remove_detached).
_REMOVE = ("import sys; from site_builder.output.publish import remove_tree\n"
           "for path in sys.argv[1:]: remove_tree(path)")


def remove_detached(*paths: Path) -> None:
    """Delete ``paths`` (no longer part of any output), one after the other,
    in a process that outlives this one: deleting the ~118,000 files of a
    10,000-filing site took 20-40 s on ext4, time nobody needs to wait for.
    What it does not finish, the next build removes as a leftover."""
    try:
        subprocess.Popen([sys.executable, "-c", _REMOVE, *map(str, paths)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        for path in paths:
            remove_tree(path)


def _side(out: Path, kind: str) -> Path:
    """A new folder name beside ``out`` for ``kind`` (stage, journal, search)."""
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{os.urandom(4).hex()}"


def _make_side(out: Path, kind: str) -> Path:
    return _make_marked(_side(out, kind), kind)


def _make_marked(path: Path, kind: str) -> Path:
    """``path`` made, with the marker saying it holds ``kind``."""
    path.mkdir(parents=True)
    (path / MARKER).write_bytes(marker_text(kind))
    return path


def named_error(exc: OSError, path: str | os.PathLike[str]) -> OSError:
    """``exc`` naming the file it happened to (a failed write does not)."""
    if exc.filename:
        return exc
    return type(exc)(exc.errno, exc.strerror, os.fspath(path))


class _NamedFile:
    """A file whose write errors name it."""

    def __init__(self, fh: BinaryIO, path: str):
        self._fh, self._path = fh, path

    def write(self, data: bytes) -> int:
        try:
            return self._fh.write(data)
        except OSError as exc:
            raise named_error(exc, self._path) from None

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError as exc:
            raise named_error(exc, self._path) from None

    def __enter__(self) -> "_NamedFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Stage:
    """The next version of the output folder, or the changes to it
    (``full=False``), written beside it; ``publish()`` puts it in place."""

    def __init__(self, out: Path, *, full: bool):
        self.out = out
        self.full = full
        out.parent.mkdir(parents=True, exist_ok=True)
        self.path = _make_side(out, "stage")
        self._root = str(self.path)
        self._made: set[str] = {self._root}  # folders known to exist (a mkdir per file was a tenth of a build)
        self.deleted: set[str] = set()  # output paths to delete (partial stages)
        self.bundles: set[str] = set()  # staged folders that replace the output's folder as a whole
        self.removed: set[str] = set()  # the output's folders to delete as a whole (partial stages)
        self.marked = False  # the stage holds the output's new marker (mark())
        self.published = False

    def file(self, rel: str) -> str:
        return os.path.join(self._root, safe_relpath(rel))

    def write(self, rel: str, data: bytes) -> None:
        target = self.file(rel)
        folder = os.path.dirname(target)
        try:
            if folder not in self._made:
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            with open(target, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise named_error(exc, target) from None

    def open(self, rel: str) -> BinaryIO:
        """A new file at ``rel``, open for writing (for files written in parts)."""
        target = self.file(rel)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            return _NamedFile(open(target, "wb"), target)
        except OSError as exc:
            raise named_error(exc, target) from None

    def delete(self, rel: str) -> None:
        self.deleted.add(safe_relpath(rel))

    def folder(self, rel: str) -> Path:
        """A folder of the stage that, published, replaces the output's folder
        of that name as a whole (the search bundle)."""
        self.bundles.add(safe_relpath(rel))
        return self.path / rel

    def remove_folder(self, rel: str) -> None:
        """Delete the output's folder ``rel`` as a whole when published."""
        self.removed.add(safe_relpath(rel))

    def mark(self, content: str) -> None:
        """The output's marker, naming what this version holds."""
        self.write(MARKER, marker_text(content))
        self.marked = True

    def publish(self) -> None:
        """Put the stage in place. Full: one atomic swap. Partial: the
        journaled apply. Either way the stage folder is gone afterwards."""
        if self.full:
            self._swap()
        else:
            _Journal(self.out).apply(self)
        self.published = True

    def _swap(self) -> None:
        out = self.out
        if not out.exists():
            os.rename(self.path, out)
            return
        if _exchange(self.path, out):
            remove_detached(self.path)  # the old output, now at the stage's name
            return
        # no atomic exchange here: two renames; a build killed between them
        # leaves the old output at the "old" name, put back by recover()
        old = _side(out, "old")
        os.rename(out, old)
        os.rename(self.path, out)
        remove_detached(old)

    def discard(self) -> None:
        """Delete the stage, unless it was published (a full stage's folder
        then holds the old output, which a process of its own deletes)."""
        if not self.published:
            remove_tree(self.path)


class PublishIncomplete(OSError):
    """The output was left part-changed; the journal is in place for the
    next build to roll back."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or type(exc).__name__


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C and SIGTERM are ignored while a build publishes (milliseconds):
    once the new version is going in, the build finishes and says so, rather
    than stop between publishing and saving its state and then tell the user
    the old output is untouched."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


class _Journal:
    """Applies a partial stage to the output folder, undoably."""

    def __init__(self, out: Path):
        self.out = out

    def apply(self, stage: Stage) -> None:
        out = self.out
        staged = [rel for rel in _files(stage.path) if (rel != MARKER or stage.marked) and not _under(rel, stage.bundles)]
        ops = ([("file", rel) for rel in sorted(staged)]
               + [("delete", rel) for rel in sorted(stage.deleted - set(staged))]
               + [("folder", rel) for rel in sorted(stage.bundles)]
               + [("rmfolder", rel) for rel in sorted(stage.removed)])
        if not ops:
            return
        journal = _make_side(out, "journal")
        (journal / "ops.tmp").write_text(json.dumps({"stage": str(stage.path), "ops": ops}), encoding="utf-8")
        os.rename(journal / "ops.tmp", journal / "ops.json")  # the list is whole before the first operation
        try:
            for i, (kind, rel) in enumerate(ops):
                target = out / rel
                kept = journal / str(i)
                if kind in ("folder", "rmfolder"):
                    if target.exists():
                        os.rename(target, kept)
                    if kind == "folder":
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.rename(stage.path / rel, target)
                    continue
                if target.exists():
                    os.link(target, kept)  # the old bytes, should the apply be undone
                if kind == "delete":
                    target.unlink(missing_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(stage.path / rel, target)
        except BaseException as exc:
            try:
                _roll_back(out, journal)
            except BaseException as undo:
                raise PublishIncomplete(
                    f"publishing into {out}/ failed ({_reason(exc)}) and undoing it failed too ({_reason(undo)}); "
                    f"the next build or preview of {out}/ undoes it from {journal.name}") from exc
            raise
        (journal / "done").touch()
        for kind, rel in ops:
            if kind == "delete":
                _prune_empty_dirs((out / rel).parent, out)
        # the stage before its journal: a stage left without a journal naming
        # it carries no marker (its marker went into the output) and would stay
        remove_tree(stage.path)
        remove_tree(journal)  # links to the old files: a few hundred, quick


def _journal_list(journal: Path) -> tuple[list, Path | None]:
    """A journal's operations and the stage its apply takes files from;
    none (and None) when it was killed before its list was whole."""
    try:
        listed = json.loads((journal / "ops.json").read_text(encoding="utf-8"))
        return listed["ops"], Path(listed["stage"])
    except (OSError, ValueError, KeyError, TypeError):
        return [], None


def _roll_back(out: Path, journal: Path) -> None:
    """Undo an apply that did not finish: every output path in the journal's
    list gets back what it held before (the journal's copy, or nothing)."""
    ops, stage = _journal_list(journal)  # no list: killed before it was whole, nothing was applied
    for i, (kind, rel) in reversed(list(enumerate(ops))):
        target = out / rel
        kept = journal / str(i)
        # the new file or folder was moved in when it is no longer in the stage
        moved_in = kind in ("file", "folder") and not (stage / rel).exists()
        if moved_in and (target.exists() or target.is_symlink()):
            if target.is_dir():
                os.rename(target, journal / f"new-{i}")  # deleted with the journal
            else:
                target.unlink()
        if kept.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(kept, target)
        elif moved_in:
            _prune_empty_dirs(target.parent, out)
    remove_tree(journal)


def recover(out: Path) -> list[str]:
    """Before a build or preview of ``out`` (holding its lock): roll back an
    apply a killed build left unfinished, put back an output left aside
    between two renames, and remove the stage, journal and search folders
    (beside it and in memory) of builds that are no longer running. Returns
    what it did, for the log."""
    done: list[str] = []
    parent = out.parent
    if not parent.is_dir():
        return done
    ours = re.compile(rf"^\.{re.escape(out.name)}\.(stage|journal|search|old)-\d+-[0-9a-f]{{8}}$")
    for p in parent.iterdir():
        if ours.match(p.name) and not has_marker(p) and _being_made(p):
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p.name}, left by a build stopped while making it")
    sides = sorted((p for p in parent.iterdir() if ours.match(p.name) and has_marker(p)), key=lambda p: p.name)
    # A journal's stage has lost its marker (the output's marker is among the
    # files an apply moves from the stage into the output): the journal names it.
    stages = {p: stage for p in sides if ours.match(p.name).group(1) == "journal"
              for stage in [_journal_list(p)[1]] if stage is not None and stage.parent == parent
              and (m := ours.match(stage.name)) is not None and m.group(1) == "stage"}
    for p in sides:
        kind = ours.match(p.name).group(1)
        if kind == "journal" and not (p / "done").exists():
            _roll_back(out, p)
            done.append(f"rolled back the changes of a build that was stopped while publishing ({p.name})")
    for p in sides:  # after the roll-backs, which tell by the stage what was moved in
        kind = ours.match(p.name).group(1)
        stage = stages.get(p)
        if kind == "old" and not out.exists():
            os.rename(p, out)
            done.append(f"put back the output a stopped build had set aside ({p.name})")
        elif stage is not None and stage.exists() and not has_marker(stage):
            remove_detached(stage, p)  # the stage first, as an apply deletes them
            done.append(f"removed {stage.name} and {p.name}, left by a build stopped while publishing")
        elif p.exists():
            remove_detached(p)
            done.append(f"removed {p.name}, left by a stopped build")
    for p in _memory_leftovers(out):
        remove_tree(p)
        done.append(f"removed {p}, left in memory by a stopped build")
    # folders of an older site-builder, which carried no marker
    legacy = re.compile(rf"^\.{re.escape(out.name)}\.(staging-\d+|old-\d+(-[0-9a-f]{{8}})?)$")
    for p in parent.iterdir():
        if legacy.match(p.name) and p.is_dir():
            remove_detached(p)
            done.append(f"removed {p.name}, left by a stopped build")
    return done


def _being_made(path: Path) -> bool:
    """A side folder whose build was killed between making it and writing
    its marker: empty, or holding only the marker half written. Nothing of
    anyone's is in it, so it is removed although it carries no marker."""
    try:
        return {entry.name for entry in os.scandir(path)} <= {MARKER}
    except OSError:
        return False


def search_folder(out: Path) -> Path:
    """Scratch space for the search step, beside the output."""
    return _make_side(out, "search")


# A folder in memory (tmpfs) for what the search step writes and soon
# deletes: the pages as Pagefind reads them. On ext4 making and deleting
# those ~90,000 files of a 10,000-filing site took ~40 s of system time,
# on tmpfs ~5. $SITE_BUILDER_MEMORY_DIR names another such folder (an
# absolute path); set empty, none is used (the scratch beside the output is).
MEMORY_ENV = "SITE_BUILDER_MEMORY_DIR"
MEMORY_DIR = "/dev/shm"
MEMORY_MIN_FREE = 512 * 1024 * 1024  # less free than this (a container's 64 MB /dev/shm): not used


def _memory_base(room: bool = True) -> Path | None:
    """The folder memory folders go in (an absolute path), if it is there
    and writable, and (``room``) has MEMORY_MIN_FREE free."""
    chosen = os.environ.get(MEMORY_ENV, MEMORY_DIR).strip()
    base = Path(chosen)
    if not base.is_absolute() or not base.is_dir() or not os.access(base, os.W_OK | os.X_OK):
        return None
    try:
        return base if not room or shutil.disk_usage(base).free >= MEMORY_MIN_FREE else None
    except OSError:
        return None


def _memory_prefix(out: Path) -> str:
    """The name every memory folder of builds of ``out`` starts with."""
    return f"site-builder-{hashlib.sha1(os.fsencode(out.resolve())).hexdigest()[:12]}."


def memory_folder(out: Path) -> Path | None:
    """A new folder of this build of ``out`` in memory (see MEMORY_ENV), with
    the marker, or None when there is no memory folder with room."""
    base = _memory_base()
    if base is None:
        return None
    path = base / f"{_memory_prefix(out)}search-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        return _make_marked(path, "search")
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        return None


def _memory_leftovers(out: Path) -> list[Path]:
    """Memory folders of builds of ``out`` (run under its lock: none is running)."""
    base = _memory_base(room=False)  # a full memory is when they most need removing
    if base is None:
        return []
    ours = re.compile(rf"^{re.escape(_memory_prefix(out))}search-\d+-[0-9a-f]{{8}}$")
    try:
        return [p for p in base.iterdir() if ours.match(p.name) and (has_marker(p) or _being_made(p))]
    except OSError:
        return []


def _files(root: Path) -> list[str]:
    out: list[str] = []
    base = len(str(root)) + 1
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            out.append(os.path.join(dirpath, n)[base:].replace(os.sep, "/"))
    return out


def _under(rel: str, folders: set[str]) -> bool:
    return any(rel == f or rel.startswith(f + "/") for f in folders)


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
