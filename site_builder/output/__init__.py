"""The output folder: which folders a build may replace (``guard``), one
build at a time (``lock``), and the one way a build changes it (``publish``).

docs/output.md states what a publisher can rely on.
"""
from .guard import MARKER, OutputRefused, check_output_folder, marker_content
from .lock import OutputBusy, OutputLock, is_locked
from .publish import (PublishIncomplete, Stage, memory_folder, named_error, recover, remove_detached, remove_tree,
                      safe_relpath, search_folder, uninterrupted)

__all__ = ["MARKER", "OutputBusy", "OutputLock", "OutputRefused", "PublishIncomplete", "Stage", "check_output_folder",
           "is_locked", "marker_content", "memory_folder", "named_error", "recover", "remove_detached", "remove_tree",
           "safe_relpath", "search_folder", "uninterrupted"]
