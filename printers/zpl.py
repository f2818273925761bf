"""ZPL labels from Jinja templates, with every piece of data escaped.

Templates live in printers/templates/<kind>_<size>.zpl.j2 and are laid out in
dots of a 203 dpi printer (8 dots per mm); `d()` scales a coordinate to the
printer's resolution, so one template serves 203 and 300 dpi. Templates never
write ^FD themselves: the macros in _macros.zpl.j2 do, always as
`^FH_^FD{{ value|zpl }}^FS`, so user text cannot become ZPL commands.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from printers import kinds
from printers.barcodes import Code128, Ean13
from printers.label_fields import LabelDataError

__all__ = ["DPIS", "SIZES", "LabelDataError", "available_sizes", "environment", "render_label", "zpl_escape"]

TEMPLATE_DIR = Path(__file__).with_name("templates")

# Zebra's resolutions in dots per mm: "203 dpi" is 8/mm and "300 dpi" 12/mm.
DPIS = {203: 8, 300: 12}
SIZES = {"100x150": (100, 150), "100x50": (100, 50), "50x25": (50, 25)}

# Narrowest bar a handheld reads reliably off a thermal label (GS1 minimum for GS1-128).
_MIN_MODULE_MM = 0.25
# Code 128 and GS1-128 need 10 modules of blank space either side.
_QUIET_MODULES = 10
# EAN-13: 11 modules on the left (under the first digit) and 7 on the right.
_EAN_QUIET_MODULES = 18

# Printable ASCII except ^ _ ~ passes through; everything else becomes _XX.
_NEEDS_ESCAPE = re.compile(r"[^\x20-\x5d\x60-\x7d]+")

# Advance widths of font 0 for a font width of 100 dots, measured on zplkit's
# captured printer strikes (rounded up). Used to shrink identifiers so they
# are printed whole: a location code missing its last letter sends a picker
# to the wrong bin.
_FONT0_WIDTHS = {
    chars: width
    for width, group in (
        (25, "ijl"),
        (29, " !'(),./:;[\\]`Ift"),
        (35, "r"),
        (38, "z"),
        (44, "?Jcksvxy"),
        (47, '"#$*0123456789Laeo'),
        (50, "EFTZ^_bdghnpqu{|}"),
        (54, "CSV"),
        (57, "ABKOPQXY"),
        (60, "DGR"),
        (63, "&HNU"),
        (66, "w"),
        (75, "Mm"),
        (82, "W"),
        (91, "%+-=@"),
        (100, "<>~"),
    )
    for chars in group
}
_FONT0_OTHER = 70  # accented letters and anything not measured
# Below this width/height ratio font 0 becomes hard to read at arm's length.
_MIN_FONT_RATIO = 0.45


def _hex_bytes(match: re.Match[str]) -> str:
    return "".join(f"_{byte:02X}" for byte in match.group().encode("utf-8"))


def zpl_escape(text: str | int) -> str:
    """Field data for `^FH_^FD...^FS`: `^`, `~`, `_` and every byte outside ASCII 32-126 as `_XX`.

    With ^CI28 the printer reads the unescaped bytes as UTF-8, so `São` is
    written `S_C3_A3o` and a customer named `^XA` is printed, not obeyed.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        # None or an object would print as "None" or its repr: a template bug, not a label.
        raise TypeError(f"ZPL field data must be text or an integer, got {type(text).__name__}")
    return _NEEDS_ESCAPE.sub(_hex_bytes, str(text))


@dataclass(frozen=True)
class _Placement:
    x: int
    module: int


class _Layout:
    """Resolution-dependent helpers handed to the templates."""

    def __init__(self, kind: str, size: str, dpi: int) -> None:
        self.kind = kind
        self.size = size
        self.dots_per_mm = DPIS[dpi]
        width_mm, height_mm = SIZES[size]
        self.width = width_mm * self.dots_per_mm
        self.height = height_mm * self.dots_per_mm

    def d(self, design_dots: float) -> int:
        """A length drawn for 203 dpi, in this printer's dots."""
        return round(design_dots * self.dots_per_mm / 8)

    def font_width(self, text: str | int, height: float, width: float) -> float:
        """Font width (design dots) at which `text` fits `width` on one line, at most `height`."""
        units = sum(_FONT0_WIDTHS.get(c, _FONT0_OTHER) for c in str(text)) / 100
        if units * height <= width:
            return height
        font_w = width / units
        if font_w < height * _MIN_FONT_RATIO:
            raise LabelDataError(
                f"{text!r} is too long to print whole on the {self.size} {self.kind} label: "
                "use a shorter code or a larger label"
            )
        return font_w

    def arrow(
        self, direction: str, x: float, y: float, w: float, h: float
    ) -> list[tuple[int, int, int, int, int]]:
        """Filled boxes (x, y, w, h, thickness in dots) drawing an arrow up or down.

        The head is a stack of ever wider bars: ZPL has no filled triangle.
        """
        x0, y0, width, height = self.d(x), self.d(y), self.d(w), self.d(h)
        head = height // 2
        shaft = max(1, width // 3)
        rows = max(1, head // self.d(4))
        row_h = -(-head // rows)
        boxes = []
        for i in range(rows):
            row_w = max(1, width * (i + 1) // rows)
            top = y0 + i * row_h if direction == "up" else y0 + height - (i + 1) * row_h
            boxes.append((x0 + (width - row_w) // 2, top, row_w, row_h, min(row_w, row_h)))
        shaft_top = y0 + head if direction == "up" else y0
        boxes.append((x0 + (width - shaft) // 2, shaft_top, shaft, height - head, min(shaft, height - head)))
        return boxes

    def _fit(self, symbol: Code128 | Ean13, modules: int, width: float, max_mm: float) -> tuple[int, int]:
        """The widest bar (in dots, at most `max_mm`) with which `modules` fit `width`."""
        box = self.d(width)
        smallest = math.ceil(_MIN_MODULE_MM * self.dots_per_mm)
        largest = max(smallest, math.floor(max_mm * self.dots_per_mm))
        for module in range(largest, smallest - 1, -1):
            if modules * module <= box:
                break
        else:
            needed_mm = modules * smallest / self.dots_per_mm
            raise LabelDataError(
                f"The barcode of {symbol.text!r} needs {needed_mm:.0f} mm but the {self.size} {self.kind} label "
                f"has {box / self.dots_per_mm:.0f} mm for it: use a shorter code or a larger label"
            )
        return module, box

    def linear(self, symbol: Code128, x: float, width: float, max_mm: float = 0.5, center: bool = False):
        """Bar width and origin so a Code 128 and its quiet zones fit `width` design dots."""
        modules = symbol.modules + 2 * _QUIET_MODULES
        module, box = self._fit(symbol, modules, width, max_mm)
        if center:
            left = self.d(x) + (box - symbol.modules * module) // 2
        else:
            left = self.d(x) + _QUIET_MODULES * module
        return _Placement(x=left, module=module)

    def ean(self, symbol: Ean13, x: float, width: float, max_mm: float = 0.375):
        modules = symbol.modules + _EAN_QUIET_MODULES
        module, _ = self._fit(symbol, modules, width, max_mm)
        return _Placement(x=self.d(x) + 11 * module, module=module)


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    undefined=jinja2.StrictUndefined,
    # Jinja's autoescape knows HTML only; ZPL escaping is the explicit `zpl` filter.
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
environment.filters["zpl"] = zpl_escape


def available_sizes(kind: str) -> list[str]:
    """Label sizes that have a layout for `kind`, e.g. ["100x50", "50x25"]."""
    return [size for size in SIZES if (TEMPLATE_DIR / f"{kind}_{size}.zpl.j2").is_file()]


def render_label(kind: str, data: Mapping[str, Any], *, dpi: int = 203, size: str = "100x150") -> str:
    """ZPL for one label. Raises LabelDataError (a ValueError) for missing or unusable data.

    The result is text; send it as UTF-8 (the label declares ^CI28).
    """
    if kind not in kinds.BUILDERS:
        raise LabelDataError(f"Unknown label kind {kind!r}; known: {', '.join(sorted(kinds.BUILDERS))}")
    if dpi not in DPIS:
        raise LabelDataError(f"Printer resolution {dpi!r} dpi is not supported; use 203 or 300")
    if size not in SIZES:
        raise LabelDataError(f"Label size {size!r} is not supported; use one of {', '.join(SIZES)}")
    sizes = available_sizes(kind)
    if size not in sizes:
        raise LabelDataError(f"The {kind} label has no {size} layout; available: {', '.join(sizes)}")

    try:
        context = kinds.BUILDERS[kind](data, size)
    except LabelDataError:
        raise
    except ValueError as exc:
        # A rule deeper down (CEP, GS1...) refused a value the builder did not pre-check.
        raise LabelDataError(f"{kind} label: {exc}") from exc
    layout = _Layout(kind, size, dpi)
    template = environment.get_template(f"{kind}_{size}.zpl.j2")
    body = template.render(context, d=layout.d, layout=layout)
    zpl = f"^XA^CI28^PW{layout.width}^LL{layout.height}^LH0,0\n{body}\n^XZ\n"
    # Escaping makes a second label impossible; this catches a template that forgot it.
    if zpl.count("^XA") != 1 or zpl.count("^XZ") != 1:
        raise RuntimeError(f"Template {template.name} produced more than one label: check its escaping")
    return zpl
