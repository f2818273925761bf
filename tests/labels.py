"""Test helper: render ZPL the way a printer would (zplkit) and scan it (zxing-cpp).

zplkit is strict and test-only (OSL-3.0): it refuses some setup commands and
has no glyphs for most accented letters, which real printers' font 0 has.
`printable_by_zplkit` works around both without touching barcode data.
"""

from __future__ import annotations

import re
import unicodedata

import zplkit
import zxingcpp

# Commands zplkit rejects although printers accept them (media, darkness, quantity...).
_REJECTED = re.compile(r"[\^~](?:PQ|PR|SD|MM|MN|MD|JU|TA)[^\^~]*")
# A text field as printers.zpl writes it: font, optional ^TB block and ^FR, then the data.
_TEXT_FIELD = re.compile(r"(\^A0N,[^\^]*(?:\^TBN,[^\^]*)?(?:\^FR)?\^FH_\^FD)(.*?)(\^FS)", re.S)
_FIELD = re.compile(r"\^FH_\^FD(.*?)\^FS", re.S)
_HEX = re.compile(r"_([0-9A-Fa-f]{2})")

# GS1 AIs our labels use: fixed lengths, None for variable (ended by GS or the end).
_AI_LENGTHS = {"00": 18, "01": 14, "17": 6, "10": None, "21": None, "37": None}
GS = "\x1d"


def unescape_fh(data: str) -> str:
    """Undo ^FH_ hex escapes: `S_C3_A3o` -> `São`."""
    raw = bytearray()
    i = 0
    while i < len(data):
        match = _HEX.match(data, i)
        if match:
            raw.append(int(match.group(1), 16))
            i = match.end()
        else:
            raw.extend(data[i].encode("utf-8"))
            i += 1
    return raw.decode("utf-8")


def field_data(zpl: str) -> list[str]:
    """Every ^FH_^FD...^FS payload of a label, unescaped."""
    return [unescape_fh(m.group(1)) for m in _FIELD.finditer(zpl)]


def _ascii_text(match: re.Match[str]) -> str:
    text = unescape_fh(match.group(2))
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = "".join(c if " " <= c <= "~" else "?" for c in plain)
    escaped = "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in plain)
    return f"{match.group(1)}{escaped}{match.group(3)}"


def printable_by_zplkit(zpl: str) -> str:
    """Strip commands zplkit rejects and fold accents in text fields to ASCII."""
    return _TEXT_FIELD.sub(_ascii_text, _REJECTED.sub("", zpl))


def rasterize(zpl: str, dpi: int = 203) -> zplkit.output.Raster:
    document = zplkit.render(printable_by_zplkit(zpl), zplkit.Options(profile="specification", dpi=dpi))
    labels = document.labels
    assert len(labels) == 1, f"expected one label, zplkit found {len(labels)}"
    return labels[0].rasterize()


def png(zpl: str, dpi: int = 203) -> bytes:
    document = zplkit.render(printable_by_zplkit(zpl), zplkit.Options(profile="specification", dpi=dpi))
    return document.labels[0].png()


def render_and_decode(zpl: str, dpi: int = 203) -> list[tuple[str, str]]:
    """(format, text) of every barcode on the rendered label.

    Format is zxing's name (Code128, EAN13, DataMatrix), or GS1-128 /
    GS1-DataMatrix when the symbol starts with FNC1. Text is the scanned
    bytes with FNC1 separators as GS, as a keyboard-wedge scanner would type.
    """
    raster = rasterize(zpl, dpi)
    image = memoryview(raster.pixels).cast("B", (raster.height, raster.width))
    found = []
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
        kind = {"]C1": "GS1-128", "]d2": "GS1-DataMatrix"}.get(
            barcode.symbology_identifier, barcode.format.name
        )
        found.append((kind, barcode.text))
    return found


def gs1_elements(text: str) -> list[tuple[str, str]]:
    """Split a scanned GS1 element string into (AI, value) pairs, as a receiving scan would."""
    elements = []
    i = 0
    while i < len(text):
        ai = text[i : i + 2]
        if ai not in _AI_LENGTHS:
            raise ValueError(f"unknown AI {ai!r} at {i} in {text!r}")
        length = _AI_LENGTHS[ai]
        start = i + 2
        if length is None:
            end = text.find(GS, start)
            end = len(text) if end < 0 else end
            elements.append((ai, text[start:end]))
            i = end + 1
        else:
            elements.append((ai, text[start : start + length]))
            i = start + length
    return elements
