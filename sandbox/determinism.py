"""Stable hashing: every "random" choice in the sandbox is a pure function of these."""

from __future__ import annotations

import hashlib

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that, unlike ``hash()``, is the same in every process."""
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def mix64(value: int) -> int:
    """SplitMix64 finaliser: a cheap, well-spread 64-bit mix for per-row draws."""
    value = (value + GOLDEN) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


def unit_float(value: int) -> float:
    """Map a 64-bit hash to [0, 1)."""
    return (value >> 11) / float(1 << 53)
