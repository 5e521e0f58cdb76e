"""The data downloads, from one place: each filing's JSON and CSV, and the
site-wide files joined from per-filing chunks (pages/data.py says what
they hold). A filing's chunks are kept in the build state while the
settings they were made with are unchanged, so a rebuild joins the
site-wide files (~200 MB at 10,000 filings) from cached rows."""
from __future__ import annotations

from typing import BinaryIO, Callable

from ..analysis.site import FilingInfo, SiteModel
from ..cache import State
from ..pages.data import filing_chunks, filing_files, site_data_files, write_site_data

SITE_DATA_FILES = frozenset(f"data/{n}" for n in ("filings.csv", "projects.csv", "indicators.csv", "notes.csv",
                                                  "filings.json", "datapackage.json", "filing.schema.json",
                                                  "project_changes.csv", "target_changes.csv"))


def filing_paths(info: FilingInfo) -> list[str]:
    """A filing's own downloads, as output paths."""
    return [info.json_url.lstrip("/"), info.csv_url.lstrip("/")]


class Downloads:
    def __init__(self, state: State, absolute: Callable[[str], str], global_fp: str, title: str):
        self.filings = state.filings
        self.absolute = absolute
        self.global_fp = global_fp
        self.title = title

    def chunks(self, info: FilingInfo) -> dict[str, bytes]:
        """A filing's rows of the site-wide files, from the cache when they
        were made with the same settings."""
        c = self.filings[info.loaded.path]
        if c.chunks is None or c.chunks_with != self.global_fp:
            c.chunks, c.chunks_with = filing_chunks(info.whole(), self.absolute), self.global_fp
        return c.chunk_data()

    def made(self, info: FilingInfo, chunks: dict[str, bytes] | object) -> None:
        """A filing's chunks, made by a worker with its own downloads."""
        c = self.filings[info.loaded.path]
        c.chunks, c.chunks_with = chunks, self.global_fp

    def due(self, infos: list[FilingInfo]) -> set[str]:
        """The filings (deps) whose chunks are not made with these settings."""
        return {i.dep for i in infos
                if self.filings[i.loaded.path].chunks is None or self.filings[i.loaded.path].chunks_with != self.global_fp}

    def filing_files(self, infos: list[FilingInfo]) -> dict[str, bytes]:
        """The own downloads of ``infos``."""
        files: dict[str, bytes] = {}
        for info in infos:
            files.update(filing_files(info.whole(), self.absolute, self.chunks(info)))
        return files

    def site_files(self, site: SiteModel) -> dict[str, bytes]:
        """The site-wide downloads, in memory."""
        return site_data_files(site, self.absolute, self.title, self.chunks)

    def write_site_files(self, open_file: Callable[[str], BinaryIO], site: SiteModel) -> list[str]:
        """The site-wide downloads, streamed into files ``open_file`` opens."""
        return write_site_data(open_file, site, self.absolute, self.title, self.chunks)

    @staticmethod
    def expected(site: SiteModel) -> set[str]:
        """Every download's output path."""
        paths = set(SITE_DATA_FILES)
        for info in site.filings:
            paths.update(filing_paths(info))
        return paths
