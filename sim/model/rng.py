"""Counter-based random streams keyed by (seed, replicate, tick, purpose).

Every random number in the model is a pure function of four integers, so replicate
``k`` of a run seeded ``s`` draws the same numbers whether it runs alone, in a batch
of 100,000, in any chunking, or on another machine. This is what makes sweeps
reproducible chunk by chunk and paired comparisons (common random numbers) exact.

The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA), applied to the key words in turn; it passes
BigCrush as a counter-based generator and costs a few nanoseconds per draw in numpy.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

__all__ = ["Streams", "purpose_id"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(n) for n in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective avalanche of 64-bit words (array in, array out)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def purpose_id(purpose: str) -> int:
    """A stable 32-bit number for a purpose name (CRC-32, identical on every platform)."""
    return zlib.crc32(purpose.encode())


#: Seeds are folded into 64 bits: 2**64 would give seed 0's numbers, so seeds stop below it.
SEED_LIMIT = 2**64
SEED_ALLOWED = "a whole number >= 0 and < 2**64"


class Streams:
    """Uniform and normal draws for a fixed set of replicate ids.

    Parameters
    ----------
    seed : int
        The run's seed (any non-negative integer below 2**64).
    replicates : (R,) int array
        The global ids of the replicates this model holds; draws depend on the id,
        never on the position in the batch.
    """

    def __init__(self, seed: int, replicates: np.ndarray) -> None:
        with np.errstate(over="ignore"):
            base = _mix(np.uint64(seed % 2**64) + _GOLDEN)
            self._keys = _mix(base ^ (replicates.astype(np.uint64) * _GOLDEN))
        self._cache: dict = {}

    def _purpose_key(self, purpose: str) -> np.uint64:
        key = self._cache.get(purpose)
        if key is None:
            with np.errstate(over="ignore"):
                key = _mix(np.uint64(purpose_id(purpose)) * _M1 + _GOLDEN)
            self._cache[purpose] = key
        return key

    def uniform(self, tick: int, purpose: str) -> np.ndarray:
        """(R,) float64 in [0, 1): one draw per replicate for this tick and purpose."""
        with np.errstate(over="ignore"):
            salt = _mix(self._purpose_key(purpose) ^ np.uint64(tick) * _M2)
            bits = _mix(self._keys ^ salt)
        return (bits >> _S11).astype(np.float64) * _TO_UNIT

    def uniform_rows(self, tick: int, purpose: str, rows: np.ndarray) -> np.ndarray:
        """(len(rows),) the draws of ``uniform(tick, purpose)`` at positions ``rows`` only.

        Equal to ``uniform(tick, purpose)[rows]``, at the cost of the rows asked for.
        """
        with np.errstate(over="ignore"):
            salt = _mix(self._purpose_key(purpose) ^ np.uint64(tick) * _M2)
            bits = _mix(self._keys[rows] ^ salt)
        return (bits >> _S11).astype(np.float64) * _TO_UNIT

    def uniforms(self, tick: int, purposes: tuple[str, ...]) -> np.ndarray:
        """(R, n) float64 in [0, 1): one column per purpose, all drawn in one pass.

        Column ``j`` equals ``uniform(tick, purposes[j])``: grouping saves Python calls,
        never changes a number.
        """
        salts = self._salts(purposes)
        with np.errstate(over="ignore"):
            salt = _mix(salts ^ np.uint64(tick) * _M2)
            bits = _mix(self._keys[:, None] ^ salt[None, :])
        return (bits >> _S11).astype(np.float64) * _TO_UNIT

    def _salts(self, purposes: tuple[str, ...]) -> np.ndarray:
        key = "\x00".join(purposes)
        salts = self._cache.get(key)
        if salts is None:
            salts = np.array([self._purpose_key(p) for p in purposes], dtype=np.uint64)
            self._cache[key] = salts
        return salts

    def normal(self, tick: int, purpose: str) -> np.ndarray:
        """(R,) float64 standard normal, by inversion of a uniform draw."""
        u = self.uniform(tick, purpose)
        return ndtri(np.clip(u, _TO_UNIT, 1.0 - _TO_UNIT))
