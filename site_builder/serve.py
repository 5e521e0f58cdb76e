"""Live preview for editors: build, serve on 127.0.0.1, rebuild what an edit
affects, reload the browser.

A broken edit (YAML, validation or template error) is printed in the
terminal as ``file:line:col: message`` and shown as a banner at the top of
every page, while the last good site keeps being served; the next good save
clears it. The search index is not rebuilt on each edit (it takes seconds);
``--search`` builds it once at start.

The HTTP side is livereload's server with handlers of our own: pages are
read once per request and sent with the reload script and the banner
already in them (so HEAD and GET agree on the length), a missing page gets
the site's 404.html, a path outside the output folder is a 404, and the
reload socket and ``/forcereload`` answer the preview's own pages only.
"""
from __future__ import annotations

import html
import ipaddress
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .content.config import ConfigError
from .build import BuildReport, Project, default_jobs, output_folder
from .build.downloads import SITE_DATA_FILES
from .errors import BuildError
from .live import LiveBuilder

BANNER_ID = "site-builder-error"


class PreviewState:
    """The last build's outcome, shared with the HTTP handler."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.generation = 0
        self.lock = threading.Lock()

    def banner(self) -> bytes:
        if not self.error:
            return b""
        text = html.escape(self.error)
        return (
            f'<div id="{BANNER_ID}" role="alert" style="position:sticky;top:0;z-index:1000;background:#b3261e;'
            f'color:#fff;padding:12px 16px;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap">'
            f"<strong>构建失败，正在显示上一次成功的版本 · Build failed, showing the last good site</strong>\n{text}</div>"
        ).encode("utf-8")


def inject_banner(body: bytes, banner: bytes) -> bytes:
    if not banner:
        return body
    i = body.find(b"<body")
    if i < 0:
        return banner + body
    j = body.find(b">", i)
    return body[: j + 1] + banner + body[j + 1:]


def rebuild(builder: LiveBuilder, preview: PreviewState, log: Callable[[str], None],
            later: Callable[[Callable[[], None]], None] | None = None,
            changed: list[str] | None = None) -> BuildReport | None:
    """Rebuild after an edit (``changed``: the file the watcher saw change).
    The site-wide downloads an in-place edit makes stale are written by
    ``later`` (once the editor pauses: the editor waits for pages, not for
    ~200 MB of CSV)."""
    t0 = time.perf_counter()
    try:
        report = builder.build(jobs=1, verify_output=False, defer_site_data=later is not None, changed=changed, log=log)
    except (BuildError, ConfigError) as exc:
        message = str(exc)
        with preview.lock:
            preview.error = message
            preview.generation += 1
        log(f"build failed; still serving the last good site:\n{message}")
        return None
    except Exception as exc:  # a template or code error: report, keep serving
        message = f"{type(exc).__name__}: {exc}"
        with preview.lock:
            preview.error = message
            preview.generation += 1
        log(f"build failed; still serving the last good site:\n{message}")
        return None
    with preview.lock:
        recovered = preview.error is not None
        preview.error = None
        preview.generation += 1
    log(f"rebuilt in {(time.perf_counter() - t0) * 1000:.0f} ms: {len(report.rendered)} page(s) re-rendered, "
        f"{len(report.written)} file(s) changed, {len(report.deleted)} removed"
        + (" (applied in place)" if report.in_place else "") + (" — error fixed" if recovered else ""))
    if later is not None:
        later(lambda: _write_site_data(builder, log))
    _settle(first=not report.in_place)
    return report


def _settle(*, first: bool) -> None:
    """Move the site model out of the garbage collector's sight: between
    edits the collector runs as usual, and a full collection over the
    millions of objects of a 10,000-filing model paused the server for ~7 s.
    After an in-place edit, the objects made since the last freeze are
    collected first (a young-generation pass over that edit's objects only);
    after a build of the whole model there is nothing worth a pass over
    millions (what it replaced is freed by reference counting)."""
    import gc

    if not first:
        gc.collect(1)
    gc.freeze()


# seconds without an edit before the site-wide downloads an in-place edit
# made stale are written (sooner when one is asked for, and when serve stops)
SITE_DATA_IDLE = 5.0


def _write_site_data(builder: LiveBuilder, log: Callable[[str], None]) -> None:
    t0 = time.perf_counter()
    try:
        written = builder.write_site_data()
    except Exception as exc:  # never kill the preview; the next build writes them
        log(f"writing the site-wide downloads failed: {type(exc).__name__}: {exc}")
        return
    if written:
        log(f"site-wide downloads updated in {(time.perf_counter() - t0) * 1000:.0f} ms ({len(written)} file(s))")


class SnapshotWatcher:
    """What livereload asks of a watcher, comparing listings, woken by the
    file system's events.

    livereload's own watcher compares each file's modification time with the
    last one it saw, and takes a file it has not seen for new only if that
    time is later than the server's start: a filing moved back into
    content/filings, or copied with its times kept (``cp -p``, ``tar``,
    ``rsync -a``), would go unnoticed until touched. This one keeps, for
    every file under each watched folder, its (inode, size, mtime, ctime): a
    file that appears, goes, is renamed or replaced is a change whatever its
    times (a new path, a new inode, or a new ctime: writing, renaming or
    copying a file sets it). Each look runs the rebuild once, whichever
    folders changed, and ``changed`` lists every path that did
    (``LiveBuilder.build`` takes them as a hint and looks at every filing
    when one of them is not a known filing).

    When to look: on the file system's events (watchdog: inotify on Linux),
    20 ms after the last of a burst (an editor's save is a write, a rename
    and a change of mode), comparing only the paths the events named; and,
    in case an event was missed, the whole listing every 2 s. livereload's
    own poll, every 0.8 s, was most of the wait between a save and the page
    (the rebuild of one filing takes 20-100 ms)."""

    IGNORED_DIRS = frozenset({".git", ".hg", ".svn", ".cvs"})
    IGNORED_SUFFIXES = (".swp", ".swx", "~", ".tmp")  # editors' scratch files
    SETTLE = 0.02  # seconds after an event before looking: one look for a burst
    FULL_LOOK = 2000  # ms between looks at the whole listing

    def __init__(self) -> None:
        self._tasks: dict[str, Callable[[], None] | None] = {}
        self._seen: dict[str, dict[str, tuple[int, int, int, int]]] = {}
        self._changes: list[tuple[str, float | None]] = []  # livereload queues its start-up reload here
        self.filepath: str | None = None  # what livereload names in its reload message
        self.changed: list[str] = []
        self._lock = threading.Lock()
        self._named: set[str] | None = set()  # paths events named since the last look; None: look at everything
        self._due = False  # a look is scheduled
        self._observer = None
        self._callback: Callable[[], None] | None = None

    def watch(self, path: str, func: Callable[[], None] | None = None, delay: object = None,
              ignore: object = None) -> None:
        self._tasks[path] = func
        self._seen[path] = self.snapshot(path)

    def start(self, callback: Callable[[], None]) -> bool:
        """Look on events, and at everything every FULL_LOOK ms (livereload
        then starts no poll of its own)."""
        from tornado.ioloop import IOLoop, PeriodicCallback
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        loop = IOLoop.current()
        watcher = self

        class Events(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # in watchdog's thread
                if event.event_type in ("opened", "closed_no_write"):  # reads: the build's own
                    return
                watcher._name(event)
                loop.add_callback(watcher._soon, callback)

        observer = Observer()
        for folder in self._tasks:
            if os.path.isdir(folder):
                observer.schedule(Events(), folder, recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._callback = callback
        PeriodicCallback(lambda: self._look_at_everything(callback), self.FULL_LOOK).start()
        loop.add_callback(callback)  # what livereload queued at its start (its first reload), at once
        return True

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer = None

    def _name(self, event) -> None:
        with self._lock:
            if self._named is None:
                return
            if event.is_directory and event.event_type != "modified":  # a folder made, moved or deleted
                self._named = None
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    self._named.add(os.fsdecode(path))

    def _soon(self, callback: Callable[[], None]) -> None:
        """On the server's loop: one look, SETTLE after this burst began."""
        if self._due:
            return
        self._due = True

        def look() -> None:
            self._due = False
            callback()

        from tornado.ioloop import IOLoop

        IOLoop.current().call_later(self.SETTLE, look)

    def _look_at_everything(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._named = None
        callback()

    def snapshot(self, folder: str) -> dict[str, tuple[int, int, int, int]]:
        out: dict[str, tuple[int, int, int, int]] = {}
        for here, dirs, files in os.walk(folder):  # not into linked folders: a link loop ends nowhere
            dirs[:] = [d for d in dirs if d not in self.IGNORED_DIRS]
            for name in files:
                if name.endswith(self.IGNORED_SUFFIXES):
                    continue
                entry = self._entry(os.path.join(here, name))
                if entry is not None:
                    out[os.path.join(here, name)] = entry
        return out

    @staticmethod
    def _entry(path: str) -> tuple[int, int, int, int] | None:
        try:
            st = os.stat(path)  # a linked file's target: its edits count
        except OSError:
            try:
                st = os.lstat(path)  # a dangling link or a loop is still a file to report
            except OSError:
                return None  # gone
        if not os.path.isfile(path) and not os.path.islink(path):
            return None  # a folder
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _now(self, folder: str, before: dict, named: set[str] | None) -> dict:
        """The folder's listing now: looked at whole, or only where events named."""
        if named is None:
            return self.snapshot(folder)
        now = dict(before)
        prefix = folder.rstrip(os.sep) + os.sep
        for path in named:
            if not path.startswith(prefix) or path.endswith(self.IGNORED_SUFFIXES):
                continue
            if any(part in self.IGNORED_DIRS for part in path[len(prefix):].split(os.sep)):
                continue
            entry = self._entry(path)
            if entry is None:
                now.pop(path, None)
            else:
                now[path] = entry
        return now

    def examine(self) -> tuple[str | None, float | None]:
        if self._changes:
            if self._callback is not None:  # the edits an event named are looked at next
                self._soon(self._callback)
            return self._changes.pop()
        with self._lock:
            named, self._named = self._named, set()
        changed: list[str] = []
        todo: list[Callable[[], None]] = []
        for folder, func in self._tasks.items():
            before = self._seen[folder]
            now = self._now(folder, before, named)
            if now == before:
                continue
            self._seen[folder] = now
            changed += sorted(p for p in before.keys() | now.keys() if before.get(p) != now.get(p))
            if func is not None and func not in todo:
                todo.append(func)
        self.changed = changed
        self.filepath = changed[0] if changed else None
        for func in todo:
            func()
        return self.filepath, None


def own_origin(origin: str | None, port: int, bound: str) -> bool:
    """Whether ``origin`` (a request's Origin header) is one of this
    preview's own: ``http://`` a loopback name or the address it is bound
    to, and its port. A page of another site is refused, even one whose
    name resolves to 127.0.0.1 (DNS rebinding): its Origin carries its
    name. Bound to all interfaces, any address (not name) will do."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
        origin_port = parts.port
    except ValueError:
        return False
    name = (parts.hostname or "").lower()
    if parts.scheme != "http" or origin_port != port or not name:
        return False
    if name in ("localhost", "127.0.0.1", "::1") or name == bound.lower().strip("[]"):
        return True
    if bound in ("", "0.0.0.0", "::"):
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True
    return False


# livereload's own snippet: loads its client from the server the page came from
LIVE_SCRIPT = (
    '<script type="text/javascript">(function(){'
    'var s=document.createElement("script");'
    "var port=(window.location.port || (window.location.protocol == 'https:' ? 443: 80));"
    's.src="//"+window.location.hostname+":"+port'
    '+ "/livereload.js?port=" + port;'
    'document.head.appendChild(s);'
    '})();</script>'
).encode()


def decorate(body: bytes, banner: bytes) -> bytes:
    """A page as the preview sends it: the reload script before ``</head>``,
    the error banner (if any) after ``<body>``."""
    i = body.find(b"</head>")
    if i >= 0:
        body = body[:i] + LIVE_SCRIPT + body[i:]
    return inject_banner(body, banner)


def make_server(builder: LiveBuilder, preview: PreviewState, log: Callable[[str], None]):
    """A livereload server over the output folder whose pages carry the error banner."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from tornado import web
    from tornado.ioloop import IOLoop

    class PreviewHandler(web.StaticFileHandler):
        """The output folder's files; pages with the reload script and the
        banner, read once per request (HEAD and GET send the same length);
        anything not a file in the folder is the site's 404 page; never cached."""

        def initialize(self, path: str, default_filename: str | None = None) -> None:  # type: ignore[override]
            super().initialize(path, default_filename)
            self._page: bytes | None = None

        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            try:
                return super().get_absolute_path(root, path)
            except web.HTTPError:  # written to lead outside (../): nothing here
                raise web.HTTPError(404) from None

        def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
            try:
                return super().validate_absolute_path(root, absolute_path)
            except web.HTTPError as exc:
                if exc.status_code == 403:  # a folder without index.html, or a link out of the folder
                    raise web.HTTPError(404) from None
                raise
            except (ValueError, OSError):  # a NUL byte in the path, a name too long for the file system
                raise web.HTTPError(404) from None

        async def get(self, path: str, include_body: bool = True) -> None:
            if path in SITE_DATA_FILES:  # asked for before the editor paused: written now
                _write_site_data(builder, log)
            await super().get(path, include_body)

        def set_extra_headers(self, path: str) -> None:
            self.set_header("Cache-Control", "no-store")

        def compute_etag(self) -> None:  # the banner changes while the file does not
            return None

        def should_return_304(self) -> bool:
            return False

        def _html(self) -> bytes | None:
            if not str(self.absolute_path or "").endswith(".html"):
                return None
            if self._page is None:
                self._page = decorate(Path(self.absolute_path).read_bytes(), preview.banner())
            return self._page

        def get_content_size(self) -> int:
            page = self._html()
            return len(page) if page is not None else super().get_content_size()

        def get_content(self, abspath, start=None, end=None):  # type: ignore[override]
            page = self._html()
            return page[start:end] if page is not None else super().get_content(abspath, start, end)

        def write_error(self, status_code: int, **kwargs) -> None:
            if status_code == 404:
                try:
                    page = (Path(self.root) / "404.html").read_bytes()
                except OSError:  # no site yet
                    pass
                else:
                    self.set_header("Content-Type", "text/html; charset=UTF-8")
                    self.set_header("Cache-Control", "no-store")
                    self.finish(decorate(page, preview.banner()))
                    return
            super().write_error(status_code, **kwargs)

    class ReloadSocket(LiveReloadHandler):
        """livereload's socket, for the preview's own pages only: any site
        open in the browser could otherwise connect (livereload accepts
        every origin). Checked before the handshake, not in check_origin:
        tornado ≥ 6.6 does not ask check_origin when the Origin names the
        Host the request was sent to, as a page of a name made to resolve to
        127.0.0.1 does. A client that sends no Origin is not a browser."""

        def initialize(self, port: int, bound: str) -> None:
            self.port, self.bound = port, bound

        def prepare(self) -> None:
            origin = self.request.headers.get("Origin")
            if origin is not None and not own_origin(origin, self.port, self.bound):
                raise web.HTTPError(403)

    class ForceReload(web.RequestHandler):
        """Reloads every open page: a POST from the preview's own pages only
        (livereload answers a plain GET, which any site can make a browser send)."""

        def initialize(self, port: int, bound: str) -> None:
            self.port, self.bound = port, bound

        def post(self) -> None:
            if not own_origin(self.request.headers.get("Origin"), self.port, self.bound):
                raise web.HTTPError(403)
            LiveReloadHandler.reload_waiters(self.get_argument("path", None) or "*")
            self.write("ok")

    class PreviewServer(Server):
        """livereload's server with the preview's handlers. Its own
        ``application`` adds the reload script in a transform of the first
        chunk sent, which a HEAD response does not have (its length would be
        285 bytes short), and serves the output folder with tornado's
        handler as it is."""

        def application(self, port, host, liveport=None, debug=None, live_css=True):
            LiveReloadHandler.watcher = self.watcher
            LiveReloadHandler.live_css = live_css
            own = {"port": port, "bound": host}
            web.Application([
                (r"/livereload", ReloadSocket, own),
                (r"/forcereload", ForceReload, own),
                (r"/livereload.js", LiveReloadJSHandler),
                (r"/(.*)", PreviewHandler, {"path": self.root, "default_filename": "index.html"}),
            ]).listen(port, address=host)

    waiting: list[object] = []  # the site-wide downloads' turn, once the editor pauses

    def later(task: Callable[[], None]) -> None:
        # on the server's own loop, once no edit came for SITE_DATA_IDLE seconds:
        # writing them (~3 s at 10,000 filings) holds the loop, and an edit
        # saved meanwhile would wait for it
        loop = IOLoop.current()
        for timeout in waiting:
            loop.remove_timeout(timeout)
        waiting[:] = [loop.call_later(SITE_DATA_IDLE, task)]

    watcher = SnapshotWatcher()
    server = PreviewServer(watcher=watcher)
    project = builder.project

    def on_change() -> None:
        rebuild(builder, preview, log, later, watcher.changed or None)

    for folder in (project.content, project.layouts, project.static):
        server.watch(str(folder), on_change)
    return server


def serve(root: Path, out_dir: Path, *, port: int = 8000, host: str = "127.0.0.1", search: bool = False,
          log: Callable[[str], None] | None = None) -> int:
    say = log or (lambda s: print(s, file=sys.stderr, flush=True))
    with output_folder(Project(root), out_dir, say) as out:
        return _serve(root, out, port=port, host=host, search=search, say=say)


def _serve(root: Path, out_dir: Path, *, port: int, host: str, search: bool, say: Callable[[str], None]) -> int:
    builder = LiveBuilder(root, out_dir)
    preview = PreviewState()
    server = make_server(builder, preview, say)  # the watcher's first listing: edits during the build count
    try:
        report = builder.build(clean=True, search=search, jobs=default_jobs(), log=say)
        say(f"built {report.pages} pages in {report.seconds:.2f} s")
        _settle(first=True)
    except (BuildError, ConfigError) as exc:
        if not out_dir.is_dir():
            say(f"the site cannot be built yet, and there is no earlier build to show:\n{exc}")
            return 1
        preview.error = str(exc)
        say(f"build failed; serving the last good site in {out_dir}:\n{exc}")
    say(f"serving {out_dir} on http://{host}:{port}/ — watching content/, layouts/, static/ (Ctrl-C stops)")
    stopped: list[int] = []
    previous = {sig: signal.signal(sig, _stopper(stopped)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve(port=port, host=host, root=str(out_dir), open_url_delay=None, restart_delay=0)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _write_site_data(builder, say)  # the folder left behind is the whole site (Ctrl-C, or terminated)
    if stopped and stopped[0] == signal.SIGTERM:
        signal.raise_signal(signal.SIGTERM)  # stopped as the caller's handler says (the CLI: exit 143)
    return 0


def _stopper(stopped: list[int]) -> Callable[[int, object], None]:
    """A handler for Ctrl-C and SIGTERM that stops the server's loop. An
    exception raised by the signal would be lost when it lands in one of the
    loop's tasks (asyncio keeps it in the task, and logs it), and serve went
    on serving."""
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()

    def stop(signum: int, frame: object) -> None:
        stopped.append(signum)
        # thread-safe: wakes the loop from its wait, which a plain callback does not
        loop.asyncio_loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]

    return stop
