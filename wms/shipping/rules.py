"""Pure rules of packing and shipping: box choice, tracking numbers, billed weight and table rates, the weight
check of a closed box, which picked unit a scan is, marketplace ZPL. No Flask, no session."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .. import brazil

# --------------------------------------------------------------------------------------------- cartonization

# A box is never filled solid: units are not bricks, and dunnage takes room. The units' volume may use this
# share of the box's inner volume.
FILL = 0.85


@dataclass(frozen=True)
class Unit:
    """One unit to pack: its outer dimensions (mm) and weight (g). `key` names it in answers (the SKU)."""

    key: str
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    @property
    def sorted_dims(self) -> tuple[int, ...]:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm)))


@dataclass(frozen=True)
class Box:
    id: int
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    tare_g: int
    max_weight_g: int

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    @property
    def sorted_dims(self) -> tuple[int, ...]:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm)))


@dataclass
class Carton:
    box: Box
    units: list[Unit] = field(default_factory=list)

    @property
    def weight_g(self) -> int:
        return self.box.tare_g + sum(u.weight_g for u in self.units)


class TooBig(ValueError):
    """A unit fits no box (by its dimensions, or its weight with the box's tare)."""

    def __init__(self, unit: Unit):
        super().__init__(f"{unit.key} ({unit.length_mm}×{unit.width_mm}×{unit.height_mm} mm, {unit.weight_g} g) "
                         f"fits no box type")
        self.unit = unit


def unit_fits(unit: Unit, box: Box) -> bool:
    """A box holds a unit in some orthogonal rotation exactly when the unit's dimensions, sorted, are each no
    larger than the box's sorted dimensions (the shortest side against the shortest, and so on)."""
    return all(u <= b for u, b in zip(unit.sorted_dims, box.sorted_dims, strict=True)) \
        and unit.weight_g + box.tare_g <= box.max_weight_g


def holds(box: Box, units: Sequence[Unit]) -> bool:
    """Every unit fits the box on its own, their volume fits its usable volume, their weight its maximum."""
    return (all(unit_fits(u, box) for u in units)
            and sum(u.volume for u in units) <= FILL * box.volume
            and box.tare_g + sum(u.weight_g for u in units) <= box.max_weight_g)


def _by_size(boxes: Iterable[Box]) -> list[Box]:
    return sorted(boxes, key=lambda b: (b.volume, b.tare_g, b.id))


def smallest_box(units: Sequence[Unit], boxes: Sequence[Box]) -> Box | None:
    for box in _by_size(boxes):
        if holds(box, units):
            return box
    return None


def cartonize(units: Sequence[Unit], boxes: Sequence[Box]) -> list[Carton]:
    """The boxes proposed for an order's units.

    Method (a heuristic a person can follow, not an exact 3-D packing):
    1. A unit that fits no box type on its own (dimensions in any rotation, or weight plus tare) is refused:
       TooBig names it.
    2. The smallest box (by inner volume) that holds all units: each fits on its own, their volume is at most
       FILL of the box's, their weight plus tare at most its maximum.
    3. When none does, first-fit decreasing: the units, largest first, each go into the first open carton of
       the largest box type that still holds it with them; when none does, a new carton of the largest box the
       unit fits is opened. Each carton is then shrunk to the smallest box that holds its units.
    """
    if not units:
        return []
    boxes = _by_size(boxes)
    for unit in units:
        if not any(unit_fits(unit, box) for box in boxes):
            raise TooBig(unit)
    single = smallest_box(units, boxes)
    if single is not None:
        return [Carton(single, list(units))]
    cartons: list[Carton] = []
    for unit in sorted(units, key=lambda u: (-u.volume, -u.weight_g, u.key)):
        for carton in cartons:
            if holds(carton.box, [*carton.units, unit]):
                carton.units.append(unit)
                break
        else:
            biggest = next(box for box in reversed(boxes) if unit_fits(unit, box))
            cartons.append(Carton(biggest, [unit]))
    for carton in cartons:
        carton.box = smallest_box(carton.units, boxes) or carton.box
    return cartons


# --------------------------------------------------------------------------------------------- tracking numbers


def s10_from_range(prefix: str, serial: int, country: str = "BR") -> str:
    """The tracking code of one serial of an imported range: prefix, 8 digits, S10 check digit, BR."""
    if not 0 <= serial <= 99_999_999:
        raise ValueError(f"serial {serial} is not 8 digits")
    return brazil.tracking_code(prefix, f"{serial:08d}", country)


_PREFIX_RE = re.compile(r"[A-Z]{2}")


def check_range(prefix: str, first: int, last: int) -> str | None:
    """What is wrong with a range as typed, or None."""
    if not _PREFIX_RE.fullmatch(prefix or ""):
        return "prefix"
    if not (0 <= first <= last <= 99_999_999):
        return "serials"
    return None


_PATTERN_RE = re.compile(r"[A-Z0-9-]*#{4,12}[A-Z0-9-]*")


def is_tracking_pattern(pattern: str) -> bool:
    """A private carrier's pattern: letters, digits and dashes around one run of 4 to 12 `#` (the sequence)."""
    return bool(_PATTERN_RE.fullmatch(pattern or "")) and pattern.count("#") == len(max(re.findall("#+", pattern)))


def pattern_tracking(pattern: str, sequence: int) -> str:
    """`JD########` with 42 -> `JD00000042`. Raises ValueError when the sequence outgrows the pattern."""
    if not is_tracking_pattern(pattern):
        raise ValueError(f"{pattern!r} is not a tracking pattern")
    run = re.search("#+", pattern)
    width = run.end() - run.start()
    digits = f"{sequence:0{width}d}"
    if len(digits) > width or sequence < 0:
        raise ValueError(f"sequence {sequence} does not fit {width} digits")
    return pattern[:run.start()] + digits + pattern[run.end():]


# --------------------------------------------------------------------------------------------- freight


@dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int


@dataclass(frozen=True)
class Rate:
    cep_from: str
    cep_to: str
    weight_from_g: int
    weight_to_g: int
    price_cents: int
    days: int


def cubic_weight_g(parcel: Parcel, divisor: int) -> int:
    """Length × width × height (cm) / divisor is kilograms; in grams, rounded up."""
    volume = parcel.length_cm * parcel.width_cm * parcel.height_cm
    return -(-volume * 1000 // divisor)


def billed_weight_g(parcel: Parcel, divisor: int) -> int:
    """The carrier charges the larger of the real and the cubic weight."""
    return max(parcel.weight_g, cubic_weight_g(parcel, divisor))


def rate_for(rates: Iterable[Rate], cep: str, weight_g: int) -> Rate | None:
    """The table row for this destination and billed weight (the narrowest CEP range when rows overlap)."""
    found = [r for r in rates if r.cep_from <= cep <= r.cep_to and r.weight_from_g <= weight_g <= r.weight_to_g]
    if not found:
        return None
    return min(found, key=lambda r: (int(r.cep_to) - int(r.cep_from), r.price_cents))


def quote(rates: Sequence[Rate], cep: str, parcels: Sequence[Parcel], *, divisor: int,
          insurance_bp: int = 0, declared_value_cents: int = 0) -> tuple[int, int] | None:
    """(price in cents, days) to send these parcels to `cep` by one service, or None when its table has no
    row for one of them. Each parcel is charged by its billed weight; the ad valorem is on the declared value."""
    if not parcels:
        return None
    price, days = 0, 0
    for parcel in parcels:
        row = rate_for(rates, cep, billed_weight_g(parcel, divisor))
        if row is None:
            return None
        price += row.price_cents
        days = max(days, row.days)
    price += -(-declared_value_cents * insurance_bp // 10_000)
    return price, days


# --------------------------------------------------------------------------------------------- weighing


def weight_tolerance_g(expected_g: int, percent: int, minimum_g: int) -> int:
    return max(minimum_g, expected_g * percent // 100)


def weight_difference(expected_g: int, weighed_g: int, *, percent: int, minimum_g: int) -> int | None:
    """The difference (weighed - expected) when it is larger than the tolerance, else None."""
    difference = weighed_g - expected_g
    if abs(difference) > weight_tolerance_g(expected_g, percent, minimum_g):
        return difference
    return None


# --------------------------------------------------------------------------------------------- the packing scan


@dataclass(frozen=True)
class ToteLine:
    """Units of one product and lot that were picked into the tote and are not packed yet."""

    product_id: int
    lot_id: int | None
    lot_code: str | None
    left: int


# Why a scanned unit cannot be packed (the service turns each into a sentence).
WRONG, EXTRA, OTHER_LOT, WHICH_LOT, TOO_MANY = "wrong", "extra", "other_lot", "which_lot", "too_many"


def match_unit(lines: Sequence[ToteLine], product_id: int, lot_code: str | None, quantity: int,
               *, ordered: bool) -> ToteLine | str:
    """The tote line a scanned unit (or case) comes from, or why it cannot be packed:
    WRONG (not in this order), EXTRA (every unit of it is packed), OTHER_LOT (the scan names a lot that was not
    picked into this tote), WHICH_LOT (several lots wait and the scan names none: scan the DataMatrix),
    TOO_MANY (a case of more units than are left)."""
    mine = [line for line in lines if line.product_id == product_id]
    if not mine:
        return EXTRA if ordered else WRONG
    waiting = [line for line in mine if line.left > 0]
    if not waiting:
        return EXTRA
    if lot_code is not None:
        waiting = [line for line in waiting if line.lot_code == lot_code]
        if not waiting:
            return OTHER_LOT if all(line.lot_code != lot_code for line in mine) else EXTRA
    elif len({line.lot_id for line in waiting}) > 1:
        return WHICH_LOT
    line = waiting[0]
    if quantity > line.left:
        return TOO_MANY
    return line


def lot_problem(status: str, expires_on: date | None, today: date) -> str | None:
    """Why units of this lot may not leave: its status, or its expiry."""
    if status != "released":
        return status
    if expires_on is not None and expires_on < today:
        return "expired"
    return None


def volume_numbers(count: int) -> list[str]:
    return [f"{n}/{count}" for n in range(1, count + 1)]


# --------------------------------------------------------------------------------------------- marketplace ZPL

_LABEL_RE = re.compile(rb"\^XA.*?\^XZ", re.DOTALL | re.IGNORECASE)
MAX_LABEL_BYTES = 2_000_000


def zpl_labels(content: bytes) -> list[bytes]:
    """The labels of a ZPL document, each `^XA`…`^XZ`, as the bytes given. A document of one label is kept
    whole (what surrounds it included), so it prints exactly as it came. [] when there is no label."""
    found = _LABEL_RE.findall(content)
    if len(found) == 1:
        return [content]
    return found


def zip_labels(archive: bytes) -> list[bytes]:
    """The labels of a ZIP of `.txt` ZPL files, file by file in name order. Raises ValueError."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            names = sorted(i.filename for i in zipped.infolist()
                           if not i.is_dir() and i.filename.lower().endswith((".txt", ".zpl")))
            labels: list[bytes] = []
            total = 0
            for name in names:
                info = zipped.getinfo(name)
                total += info.file_size
                if total > MAX_LABEL_BYTES:
                    raise ValueError("the ZIP unpacks to more than 2 MB")
                labels.extend(zpl_labels(zipped.read(name)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise ValueError(f"not a ZIP file ({exc})") from None
    return labels


# --------------------------------------------------------------------------------------------- desk settings

SETTING_TEXT_MAX = 120  # the settings table's values are short texts: a sender's line fits well within this
_SETTING_BOUNDS = {"weight_tolerance_percent": (0, 100), "require_invoice": (0, 1)}
_SETTING_MOST = 100_000
_UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())


def check_settings(submitted: dict[str, str], defaults: dict[str, int | str]) -> tuple[dict[str, int | str], list[str]]:
    """The shipping settings a desk form sent, typed like their defaults: (values to keep, keys refused).

    Keys the form did not send are left alone; unknown keys are ignored. Numbers are whole (a percentage up to
    100, the NF-e switch 0 or 1); texts are at most 120 characters without control characters; the sender's
    CEP is 8 digits (kept without the dash, as labels take it) and the state one of the 27 UFs."""
    values: dict[str, int | str] = {}
    refused: list[str] = []
    for key, default in defaults.items():
        if key not in submitted:
            continue
        text = (submitted[key] or "").strip()
        if isinstance(default, int):
            least, most = _SETTING_BOUNDS.get(key, (0, _SETTING_MOST))
            number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
            if number is None or not least <= number <= most:
                refused.append(key)
                continue
            values[key] = number
            continue
        if len(text) > SETTING_TEXT_MAX or any(ord(c) < 32 or ord(c) == 127 for c in text):
            refused.append(key)
        elif key == "sender_cep":
            try:
                values[key] = brazil.normalize_cep(text)
            except ValueError:
                refused.append(key)
        elif key == "sender_state" and text.upper() not in _UFS:
            refused.append(key)
        else:
            values[key] = text.upper() if key == "sender_state" else text
    return values, refused
