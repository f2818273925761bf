"""A label's picture, drawn from the very ZPL the printer gets.

Why not in the browser: npm zpl-renderer-js 3.4.0 (zebrash v1.38.0 as WASM) was tried and draws our
labels wrong. Its ^BC reads the subset switch `>5` (B to C) as a FNC4 without switching, so a Code 128
that changes subset mid-way comes out as another, longer barcode: the Correios tracking code runs off the
label and does not scan, LPN-000123 scans as "LPN-°00123", a lot with a unit count gains a stray
character. It also ignores ^TB, so a long service name is cut instead of wrapped. A preview that shows a
barcode the printer will not print is worse than none, so the server reads the ZPL itself.

What it reads is the dialect printers.zpl writes, and only that: ^XA ^XZ ^CI ^PW ^LL ^LH ^FO ^A0N ^TBN
^FR ^FH ^FD ^FS ^GB ^BY ^BCN (mode N, with its invocation codes) ^BEN and ^BXN (quality 200). Anything
else is refused with a message instead of being drawn wrong. Bars are drawn module by module from the
same codewords the printer encodes (Code 128 and EAN-13 patterns from python-barcode); the Data Matrix
is re-encoded from the same data (same content, its pattern may differ from the printer's); text is
measured with font 0's advance widths (printers.zpl) and stretched to the printer's width.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from barcode.charsets.code128 import CODES as CODE128_PATTERNS
from barcode.ean import EuropeanArticleNumber13

from printers.zpl import _FONT0_OTHER, _FONT0_WIDTHS

from . import datamatrix

_COMMAND = re.compile(r"[\^~]([A-Z@][A-Z0-9@])")
_HEX = re.compile(rb"_([0-9A-Fa-f]{2})")
_STOP = "1100011101011"
_START = {"9": 103, ":": 104, ";": 105}
_FNC1_MARK = 256 + datamatrix.FNC1
# Font 0's advance widths are rounded up: a word a few per cent over the line still fits on the printer.
_ROUNDING = 1.06


class PreviewError(ValueError):
    """The ZPL holds something the preview cannot draw faithfully."""


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    reverse: bool = False


@dataclass
class Text:
    x: float
    y: float
    height: float
    width: float  # font width in dots (^A0N,h,w)
    lines: list[str]
    reverse: bool = False
    anchor: str = "start"


@dataclass
class Drawing:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)  # (symbology, data) for people and tests


def text_length(text: str, font_width: float) -> float:
    """Printed width in dots of `text` in font 0 of width `font_width`."""
    return sum(_FONT0_WIDTHS.get(c, _FONT0_OTHER) for c in text) / 100 * font_width


def _wrap(text: str, font_width: float, width: float, max_lines: int) -> list[str]:
    """^TB: words to lines of at most `width` dots; a word wider than a line is split."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_length(candidate, font_width) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        if text_length(word, font_width) <= width * _ROUNDING:
            current = word
            continue
        for char in word:
            if text_length(current + char, font_width) > width and current:
                lines.append(current)
                current = ""
            current += char
    lines.append(current)
    return lines[:max(1, max_lines)]


def _unescape(data: str) -> bytes:
    return _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data.encode("utf-8"))


def _params(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r", "").replace("\n", "").split(",")]


def _int(value: str, default: int = 0) -> int:
    value = value.strip()
    return int(value) if value else default


# --- Code 128 as a printer reads ^BC mode N ----------------------------------------------------------


def code128_values(data: str) -> tuple[list[int], str]:
    """Symbol values (start first, without check and stop) and the text a scanner would read."""
    values: list[int] = []
    read: list[str] = []
    subset = "B"
    i = 0
    if data.startswith(">") and len(data) > 1 and data[1] in _START:
        values.append(_START[data[1]])
        subset = {"9": "A", ":": "B", ";": "C"}[data[1]]
        i = 2
    else:
        values.append(104)  # no start character: the printer starts in subset B
    while i < len(data):
        char = data[i]
        if char == ">" and i + 1 < len(data):
            code = data[i + 1]
            i += 2
            if code == "8":
                values.append(102)
                read.append("\x1d")
            elif subset == "C":
                if code == "6":
                    values.append(100)
                    subset = "B"
                elif code == "7":
                    values.append(101)
                    subset = "A"
                else:
                    raise PreviewError(f"Code 128 invocation >{code} in subset C is not drawn")
            else:
                literal = {"<": 62, "0": 30, "=": 94, "1": 95}
                if code in literal:
                    values.append(literal[code])
                    read.append(chr(literal[code] + 32) if subset == "B" else "")
                elif code == "5":
                    values.append(99)
                    subset = "C"
                elif code == "6" and subset == "A":
                    values.append(100)
                    subset = "B"
                elif code == "7" and subset == "B":
                    values.append(101)
                    subset = "A"
                else:
                    raise PreviewError(f"Code 128 invocation >{code} is not drawn")
            continue
        if subset == "C":
            pair = data[i : i + 2]
            if len(pair) != 2 or not pair.isdigit():
                raise PreviewError(f"Code 128 subset C needs digit pairs, got {pair!r}")
            values.append(int(pair))
            read.append(pair)
            i += 2
            continue
        code_point = ord(char)
        if subset == "B":
            if not 32 <= code_point <= 127:
                raise PreviewError(f"{char!r} cannot be drawn in Code 128 subset B")
            values.append(code_point - 32)
        else:
            values.append(code_point - 32 if 32 <= code_point < 96 else code_point + 64)
        read.append(char)
        i += 1
    return values, "".join(read)


def code128_modules(values: list[int]) -> str:
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return "".join(CODE128_PATTERNS[v] for v in [*values, check]) + _STOP


def ean13_modules(data12: str) -> tuple[str, str]:
    symbol = EuropeanArticleNumber13(data12)
    return symbol.build()[0], symbol.get_fullcode()


# --- the interpreter ---------------------------------------------------------------------------------


@dataclass
class _Field:
    x: int = 0
    y: int = 0
    font: tuple[int, int] | None = None
    block: tuple[int, int] | None = None
    reverse: bool = False
    hex_escape: bool = False
    barcode: tuple[str, list[str]] | None = None
    data: str | None = None


def _bars(drawing: Drawing, modules: str, x: int, y: int, module: int, height: int, reverse: bool) -> None:
    for match in re.finditer(r"1+", modules):
        drawing.rects.append(Rect(x + match.start() * module, y, (match.end() - match.start()) * module, height,
                                  reverse))


def _draw_field(drawing: Drawing, f: _Field, home: tuple[int, int], module_width: int, bar_height: int) -> None:
    if f.data is None:
        return
    raw = f.data
    x, y = f.x + home[0], f.y + home[1]
    if f.barcode is None:
        text = _unescape(raw).decode("utf-8") if f.hex_escape else raw
        height, width = f.font or (9, 5)
        if f.block:
            block_width, block_height = f.block
            lines = _wrap(text, width, block_width, block_height // max(1, height))
        else:
            lines = [text]
        drawing.texts.append(Text(x, y, height, width, lines, f.reverse))
        return
    kind, params = f.barcode
    data = _unescape(raw).decode("latin-1") if f.hex_escape else raw
    if kind == "BC":
        height = _int(params[1] if len(params) > 1 else "", bar_height)
        interpretation = params[2] if len(params) > 2 else "Y"
        mode = params[5] if len(params) > 5 and params[5] else "N"
        if mode != "N" or interpretation not in ("N", ""):
            raise PreviewError("Only ^BC in mode N without an interpretation line is drawn")
        values, read = code128_values(data)
        _bars(drawing, code128_modules(values), x, y, module_width, height, f.reverse)
        gs1 = len(values) > 1 and values[1] == 102
        drawing.barcodes.append(("GS1-128" if gs1 else "Code128", read[1:] if gs1 else read))
    elif kind == "BE":
        height = _int(params[1] if len(params) > 1 else "", bar_height)
        modules, digits = ean13_modules(data[:12])
        _bars(drawing, modules, x, y, module_width, height, f.reverse)
        if len(params) > 2 and params[2] == "Y":
            size = 9 * module_width
            drawing.texts.append(Text(x + 47.5 * module_width, y + height + module_width, size, size * 0.8,
                                      [digits], anchor="middle"))
        drawing.barcodes.append(("EAN13", digits))
    elif kind == "BX":
        module = _int(params[1] if len(params) > 1 else "", 4)
        quality = params[2] if len(params) > 2 else ""
        escape_char = params[6] if len(params) > 6 else ""
        if quality != "200":
            raise PreviewError("Only Data Matrix ECC 200 (^BX quality 200) is drawn")
        content: list[int] = []
        text = data.encode("latin-1")
        i = 0
        while i < len(text):
            byte = text[i]
            if escape_char and byte == ord(escape_char):
                nxt = text[i + 1 : i + 2]
                if nxt == escape_char.encode():
                    content.append(byte)
                elif nxt == b"1":
                    content.append(_FNC1_MARK)
                else:
                    raise PreviewError(f"Data Matrix escape {escape_char}{nxt.decode('latin-1')} is not drawn")
                i += 2
                continue
            content.append(byte)
            i += 1
        symbol = datamatrix.encode(content)
        for r, row in enumerate(symbol):
            for match in re.finditer(r"1+", "".join("1" if dark else "0" for dark in row)):
                drawing.rects.append(Rect(x + match.start() * module, y + r * module,
                                          (match.end() - match.start()) * module, module, f.reverse))
        gs1 = bool(content) and content[0] == _FNC1_MARK
        shown = "".join("\x1d" if c == _FNC1_MARK else chr(c) for c in content[1 if gs1 else 0 :])
        drawing.barcodes.append(("GS1-DataMatrix" if gs1 else "DataMatrix", shown))


def parse(zpl: str, *, width: int | None = None, height: int | None = None) -> Drawing:
    """Read one label's ZPL into rectangles and text, in printer dots. Raises PreviewError."""
    drawing = Drawing(width or 0, height or 0)
    home = (0, 0)
    module_width, bar_height = 2, 10
    f = _Field()
    positions = [m for m in _COMMAND.finditer(zpl)]
    if not positions or positions[0].group(1) != "XA":
        raise PreviewError("A label starts with ^XA")
    for index, match in enumerate(positions):
        command = match.group(1)
        end = positions[index + 1].start() if index + 1 < len(positions) else len(zpl)
        argument = zpl[match.end():end]
        if command == "FD":
            f.data = argument
            continue
        p = _params(argument)
        if command in ("XA", "CI"):
            continue
        if command == "XZ":
            break
        if command == "PW":
            drawing.width = width or _int(p[0])
        elif command == "LL":
            drawing.height = height or _int(p[0])
        elif command == "LH":
            home = (_int(p[0]), _int(p[1] if len(p) > 1 else "0"))
        elif command == "FO":
            f.x, f.y = _int(p[0]), _int(p[1] if len(p) > 1 else "0")
        elif command == "A0":
            if not p[0].startswith("N"):
                raise PreviewError("Only upright text (^A0N) is drawn")
            h = _int(p[1] if len(p) > 1 else "", 9)
            f.font = (h, _int(p[2] if len(p) > 2 else "", h))
        elif command == "TB":
            if p[0] != "N":
                raise PreviewError("Only upright text blocks (^TBN) are drawn")
            f.block = (_int(p[1]), _int(p[2]))
        elif command == "FR":
            f.reverse = True
        elif command == "FH":
            if argument.strip() not in ("", "_"):
                raise PreviewError("Only ^FH with _ is drawn")
            f.hex_escape = True
        elif command == "BY":
            module_width = _int(p[0], module_width)
            if len(p) > 2 and p[2]:
                bar_height = _int(p[2], bar_height)
        elif command in ("BC", "BE", "BX"):
            if not p[0].startswith("N"):
                raise PreviewError("Only upright barcodes are drawn")
            f.barcode = (command, p)
        elif command == "GB":
            thickness = _int(p[2] if len(p) > 2 else "", 1)
            w = max(_int(p[0], 1), thickness)
            h = max(_int(p[1] if len(p) > 1 else "", 1), thickness)
            x, y = f.x + home[0], f.y + home[1]
            if 2 * thickness >= min(w, h):
                drawing.rects.append(Rect(x, y, w, h, f.reverse))
            else:
                for box in ((x, y, w, thickness), (x, y + h - thickness, w, thickness),
                            (x, y + thickness, thickness, h - 2 * thickness),
                            (x + w - thickness, y + thickness, thickness, h - 2 * thickness)):
                    drawing.rects.append(Rect(*box, reverse=f.reverse))
        elif command == "FS":
            _draw_field(drawing, f, home, module_width, bar_height)
            f = _Field()
        else:
            raise PreviewError(f"The preview does not draw ^{command}")
    if not (drawing.width and drawing.height):
        raise PreviewError("The label has no size (^PW and ^LL)")
    return drawing


# --- SVG ---------------------------------------------------------------------------------------------

_FONT = "'Roboto Condensed','Arial Narrow','Liberation Sans Narrow','Nimbus Sans Narrow',sans-serif"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def to_svg(drawing: Drawing, *, title: str = "") -> str:
    """A standalone SVG, one unit per printer dot, black on white."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {drawing.width} {drawing.height}" '
        f'width="{drawing.width}" height="{drawing.height}" role="img">',
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<rect width="{drawing.width}" height="{drawing.height}" fill="#fff"/>')
    parts.append('<g fill="#000" shape-rendering="crispEdges">')
    for r in drawing.rects:
        blend = ' fill="#fff" style="mix-blend-mode:difference"' if r.reverse else ""
        parts.append(f'<rect x="{_number(r.x)}" y="{_number(r.y)}" width="{_number(r.w)}" '
                     f'height="{_number(r.h)}"{blend}/>')
    parts.append("</g>")
    parts.append(f'<g font-family="{escape(_FONT)}" font-weight="bold" fill="#000">')
    for t in drawing.texts:
        attributes = ' fill="#fff" style="mix-blend-mode:difference"' if t.reverse else ""
        for n, line in enumerate(t.lines):
            if not line:
                continue
            baseline = t.y + n * t.height + 0.8 * t.height
            length = text_length(line, t.width)
            parts.append(
                f'<text x="{_number(t.x)}" y="{_number(baseline)}" font-size="{_number(t.height)}" '
                f'textLength="{_number(length)}" lengthAdjust="spacingAndGlyphs" text-anchor="{t.anchor}"'
                f'{attributes} xml:space="preserve">{escape(line)}</text>'
            )
    parts.append("</g></svg>")
    return "".join(parts)


def zpl_to_svg(zpl: str, *, title: str = "") -> str:
    return to_svg(parse(zpl), title=title)
