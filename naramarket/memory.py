"""Give freed memory back to the OS: a large answer must not leave the server bigger than before.

glibc's malloc serves blocks of 128 KiB and more with their own ``mmap`` (returned on free), but
raises that threshold each time such a block is freed, up to 32 MiB. After the first few upstream
pages (0.1–1 MiB bodies) are freed, later ones come from the heap, whose free space glibc keeps:
a 50,000-record read left the server 20–30 MB above idle for good. Fixing the threshold (which also
fixes the trim threshold) keeps large blocks mapped and returned; an ``mmap`` per upstream page or
response body costs microseconds against a network round trip.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["MMAP_THRESHOLD", "return_freed_memory"]

MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)


def return_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds (Linux with glibc; elsewhere nothing). True when set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl (Alpine) has no mallopt: its allocator returns memory anyway
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, MMAP_THRESHOLD)
    )
