"""Common random numbers for the workforce model: every draw is a hash of (seed, year,
purpose, person, slot), so the same person meets the same luck in the policy world and in
the world without the rules, whatever else differs between them (head counts, who moved,
who was hired).

A person is a stable 64-bit id: the starting staff are numbered by their row, and a hire
is named by the year, the function and the rank of the vacancy filled in that function
that year (:func:`hire_ids`). A draw is the splitmix64 finaliser of a key made from the
stream (seed, year, purpose, slot) and the person's id: counter-based, so drawing for one
person never moves anybody else's draw, and no draw depends on the order of the people.
"""

from __future__ import annotations

import numpy as np

#: the purposes of draws; a purpose's index keys its stream. Append only: a new purpose
#: leaves the others' draws as they were.
PURPOSES = ("leave", "priority", "external", "talks", "hours", "sick", "hires", "internal")

_G = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1
_GAMMA = np.uint64(_G)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_HIRE = np.uint64(1 << 63)  # hires' ids have the top bit set, the starting staff's do not
_TO_UNIT = 2.0 ** -53


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 values (wrapping arithmetic), in place."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def _mix_int(z: int) -> int:
    """:func:`_mix` on one Python integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _fold(z: int, part: int) -> int:
    return _mix_int((z + ((part & _MASK) + 1) * _G) & _MASK)


class Draws:
    """The draws of one replication (its ``seed``) in one simulated year ``year``."""

    def __init__(self, seed: int, year: int):
        self.seed, self.year = int(seed), int(year)
        self._base = _fold(_fold(0, self.seed), self.year)

    def _keys(self, purpose: str, slots) -> np.ndarray:
        z = _fold(self._base, PURPOSES.index(purpose))
        return np.array([_fold(z, s) for s in slots], dtype=np.uint64)

    def uniforms(self, purpose: str, ids: np.ndarray, slots: int, first: int = 0) -> np.ndarray:
        """Draws in [0, 1), shape (slots, len(ids)): row s is the draw of slot ``first + s``
        per id, the same for the same (seed, year, purpose, slot, id) in either world."""
        keys = self._keys(purpose, range(first, first + slots))
        z = _mix(np.asarray(ids, dtype=np.uint64)[None, :] * _GAMMA + keys[:, None])
        z >>= np.uint64(11)
        out = z.astype(np.float64)
        out *= _TO_UNIT
        return out

    def uniform(self, purpose: str, ids: np.ndarray, slot: int = 0) -> np.ndarray:
        """One draw in [0, 1) per id (slot ``slot``)."""
        return self.uniforms(purpose, ids, 1, slot)[0]

    def grid(self, purpose: str, ids: np.ndarray, columns: int, first: int = 0) -> np.ndarray:
        """A draw per (id, column), shape (len(ids), columns), from slots ``first`` on: a
        person's draw for a column (a function they might go to) is the same in both worlds."""
        return self.uniforms(purpose, ids, columns, first).T

    def normal(self, purpose: str, ids: np.ndarray, slot: int = 0) -> np.ndarray:
        """A standard normal draw per id (Box-Muller on slots ``slot`` and ``slot + 1``)."""
        u = self.uniforms(purpose, ids, 2, slot)
        return np.sqrt(-2.0 * np.log1p(-u[0])) * np.cos(2.0 * np.pi * u[1])


def starting_ids(n: int) -> np.ndarray:
    """Ids of the starting staff: their row (0-based)."""
    return np.arange(n, dtype=np.uint64)


NO_ORIGIN = np.uint64(_MASK)  # a vacancy that is no leaver's position (open before, growth, a mover's)


def hire_ids(year: int, func: np.ndarray, when: np.ndarray, origin: np.ndarray | None = None) -> np.ndarray:
    """Ids of the vacancies (and so of the hires that fill them) of simulated year ``year``:
    the successor of the leaver ``origin`` whose position it is (the same person in both
    worlds when the same person left), else (year, function, rank among the function's other
    vacancies by the day they can be filled): the k-th of them is the same in both worlds."""
    func = np.asarray(func, dtype=np.int64)
    if origin is not None and len(func):
        origin = np.asarray(origin, dtype=np.uint64)
        own = origin != NO_ORIGIN
        rest = hire_ids(year, func[~own], np.asarray(when)[~own])
        out = np.empty(len(func), dtype=np.uint64)
        out[~own] = rest
        out[own] = _mix(origin[own] * _GAMMA + np.uint64(_fold(_fold(0, -1), year))) | _HIRE
        return out
    order = np.lexsort((np.arange(len(func)), when, func))
    f_sorted = func[order]
    first = np.searchsorted(f_sorted, f_sorted, side="left")
    rank = np.empty(len(func), dtype=np.int64)
    rank[order] = np.arange(len(func)) - first
    return (_HIRE | (np.uint64(year + 1) << np.uint64(44)) | (func.astype(np.uint64) << np.uint64(22))
            | rank.astype(np.uint64))
