"""Location codes and ranges: pure functions."""
import re
from collections.abc import Iterator
from dataclasses import dataclass

CODE = re.compile(r"^(?P<zone>[A-Z0-9]{1,4})-(?P<aisle>\d{2})-(?P<bay>\d{2})-(?P<level>\d)(?:-(?P<position>[A-Z]))?$", re.ASCII)


@dataclass(frozen=True)
class StorageAddress:
    zone: str
    aisle: int
    bay: int
    level: int
    position: str | None = None

    @property
    def code(self) -> str:
        return location_code(self.zone, self.aisle, self.bay, self.level, self.position)


def location_code(zone: str, aisle: int, bay: int, level: int, position: str | None = None) -> str:
    """`A-03-12-2-B`: zone A, aisle 3, bay 12, level 2, position B."""
    code = f"{zone.upper()}-{aisle:02d}-{bay:02d}-{level}"
    return f"{code}-{position.upper()}" if position else code


def parse_location_code(code: str) -> StorageAddress | None:
    match = CODE.match(code.strip().upper())
    if not match:
        return None
    return StorageAddress(
        zone=match["zone"], aisle=int(match["aisle"]), bay=int(match["bay"]), level=int(match["level"]),
        position=match["position"],
    )


def _bounds(name: str, low: int, high: int, limit: int) -> range:
    if not (1 <= low <= high <= limit):
        raise ValueError(f"{name} must go from 1 up to {limit}, first <= last (got {low}..{high})")
    return range(low, high + 1)


def expand_range(zone: str, aisles: tuple[int, int], bays: tuple[int, int], levels: tuple[int, int],
                 positions: str = "") -> Iterator[StorageAddress]:
    """Every address of a block of shelving, aisle by aisle, bay by bay, level by level."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,4}", zone or ""):
        raise ValueError("a zone is 1 to 4 letters or digits")
    if positions and not re.fullmatch(r"[A-Za-z]+", positions):
        raise ValueError("positions are letters, e.g. AB")
    for aisle in _bounds("aisles", *aisles, 99):
        for bay in _bounds("bays", *bays, 99):
            for level in _bounds("levels", *levels, 9):
                for position in positions.upper() or [None]:
                    yield StorageAddress(zone.upper(), aisle, bay, level, position)


def walk_point(aisle: int, bay: int, bay_width_m: float) -> tuple[int, float]:
    """Where a picker stands for a location: (aisle index from 0, metres from the front cross-aisle)."""
    return aisle - 1, (bay - 0.5) * bay_width_m
