"""Failed logins counted per name and per client address, in memory, over a sliding window.

Why in memory and not a table: the WMS is served by one process (`wms run`: waitress, threads), so one
store sees every attempt; counting needs no write to the database (none to hold SQLite's write lock, none to
keep when the login is refused and its unit rolled back), and nothing grows on disk under a flood of guesses.
A restart forgets the counts, which only gives an attacker a few more tries; the lockout of a *known* person
(`User.locked_until` / `pin_locked_until`) is in the database and survives it. Run several processes and each
counts on its own (the limits multiply by their number).

- per name (a desk username or a handheld badge, known or not): after `NAME_LIMIT` failures in `WINDOW`, the
  same "too many attempts" answer as a locked person gets, so unknown and known names look alike;
- per client address (behind a proxy, the one WMS_PROXIES lets through): after `ADDRESS_LIMIT` failures in
  `WINDOW`, whatever the names tried.
Desk and handheld are counted apart ("desk:" and "hh:" keys).
"""
from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_S = 5 * 60
NAME_LIMIT = 5
ADDRESS_LIMIT = 30
MAX_KEYS = 100_000  # a flood of made-up names cannot fill the memory

_lock = threading.Lock()
_failures: dict[str, deque[float]] = {}


def _recent(key: str, now: float) -> deque[float]:
    stamps = _failures.get(key)
    if stamps is None:
        return deque()
    while stamps and stamps[0] <= now - WINDOW_S:
        stamps.popleft()
    if not stamps:
        del _failures[key]
    return stamps


def blocked(channel: str, name: str, address: str | None) -> str | None:
    """"name" or "address" when that has failed too often lately on this channel ("desk" or "hh"), else None."""
    now = time.monotonic()
    with _lock:
        if len(_recent(f"{channel}:name:{name.casefold()}", now)) >= NAME_LIMIT:
            return "name"
        if address and len(_recent(f"{channel}:addr:{address}", now)) >= ADDRESS_LIMIT:
            return "address"
        return None


def failed(channel: str, name: str, address: str | None) -> None:
    now = time.monotonic()
    with _lock:
        if len(_failures) >= MAX_KEYS:
            for key in list(_failures):
                _recent(key, now)
            if len(_failures) >= MAX_KEYS:
                _failures.clear()
        for key in (f"{channel}:name:{name.casefold()}", f"{channel}:addr:{address}" if address else None):
            if key:
                _failures.setdefault(key, deque()).append(now)


def forget(channel: str, name: str) -> None:
    """A successful login clears its name's count (not its address's: one person's success does not vouch
    for the guesses of another at the same address)."""
    with _lock:
        _failures.pop(f"{channel}:name:{name.casefold()}", None)


def reset() -> None:
    """Forget everything (tests)."""
    with _lock:
        _failures.clear()
