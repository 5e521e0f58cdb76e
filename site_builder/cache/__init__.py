"""What a build remembers: fingerprints (what each page is made from), the
saved state of each output folder, and the whole filings kept apart from
the site model (in memory, or in pack files parse workers wrote)."""
from .fingerprints import (CODE_FINGERPRINT, DepValues, content_identity, every_filing_hash, group_fingerprint,
                           page_fingerprint, sha)
from .pack import PackWriter, Ref, payload
from .state import BuildCache, CachedFiling, State, no_gc
from .store import FilingStore

__all__ = ["BuildCache", "CODE_FINGERPRINT", "CachedFiling", "DepValues", "FilingStore", "PackWriter", "Ref",
           "State", "content_identity", "every_filing_hash", "group_fingerprint", "no_gc", "page_fingerprint",
           "payload", "sha"]
