"""Faster pickling for the small frozen slotted records a build makes by
the hundred thousand (notes, parsed targets, quantities).

A ``dataclass(frozen=True, slots=True)`` pickles through
``dataclasses._dataclass_setstate``, which calls ``fields()`` for every
object. The state here is the same tuple of field values, read in C
(``attrgetter``), and restored from field names listed once per class. The
object is made before its state is set, as before, so reference cycles
pickle as they did. (Slotted classes that are not frozen are left alone:
the interpreter restores their slots in C, faster than any Python
``__setstate__``; decorating them too made loading the cache slower.)
"""
from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T", bound=type)


def slots_pickle(cls: T) -> T:
    names = tuple(f.name for f in fields(cls))
    get = attrgetter(*names)
    if len(names) == 1:
        def __getstate__(self):
            return (get(self),)
    else:
        def __getstate__(self):
            return get(self)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)  # frozen classes too

    cls.__getstate__ = __getstate__
    cls.__setstate__ = __setstate__
    return cls
