"""Freed memory given back to the system after a big piece of work (a publication).

A publication protects whole sub-tables in pandas: at a million raw
observations its frames reach a few GB (4.7 GB peak measured), in the
publication thread of the serving process. Once they are freed, glibc's
allocator keeps most of those pages in its arenas, so the process stayed at
about 4.3 GB for good, though the data answers that followed stream in a few
hundred MB. ``malloc_trim(0)`` hands the free pages of every arena back.
Elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _malloc_trim()


def give_back_memory() -> bool:
    """Return the allocator's free pages to the system; True when some were returned."""
    if _MALLOC_TRIM is None:
        return False
    return bool(_MALLOC_TRIM(0))
