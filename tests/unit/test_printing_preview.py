"""The desk's label preview is drawn from the ZPL the printer gets: its barcodes must scan to exactly what
the printed label scans to (zplkit renders the printer's side, zxing-cpp reads both)."""
import re

import pytest
import zxingcpp

from printers.zpl import render_label
from tests.labels import render_and_decode
from tests.unit.test_zpl import ALL_LABELS, LABEL_IDS, LOT, correios_data
from wms.printing import datamatrix
from wms.printing.preview import PreviewError, code128_values, parse, text_length, to_svg, zpl_to_svg


def raster(drawing, scale=1):
    """The preview's rectangles as a bitmap (text left out: it holds no barcode)."""
    width, height = drawing.width * scale, drawing.height * scale
    pixels = bytearray([255]) * (width * height)
    for r in drawing.rects:
        x0, y0 = int(r.x * scale), int(r.y * scale)
        x1, y1 = min(width, int((r.x + r.w) * scale)), min(height, int((r.y + r.h) * scale))
        for y in range(max(0, y0), y1):
            start = y * width
            for x in range(max(0, x0), x1):
                pixels[start + x] = 0 if not r.reverse else 255 - pixels[start + x]
    return memoryview(bytes(pixels)).cast("B", (height, width))


def decode_preview(drawing):
    found = []
    for barcode in zxingcpp.read_barcodes(raster(drawing), text_mode=zxingcpp.TextMode.Plain):
        kind = {"]C1": "GS1-128", "]d2": "GS1-DataMatrix"}.get(barcode.symbology_identifier, barcode.format.name)
        found.append((kind, barcode.text))
    return sorted(found)


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize(("kind", "data", "size"), ALL_LABELS, ids=LABEL_IDS)
def test_preview_barcodes_scan_like_the_printed_label(kind, data, size, dpi):
    zpl = render_label(kind, data, size=size, dpi=dpi)
    drawing = parse(zpl)
    assert decode_preview(drawing) == sorted(render_and_decode(zpl, dpi))
    assert sorted(drawing.barcodes) == sorted(render_and_decode(zpl, dpi))


@pytest.mark.parametrize("code", ["PH297898690BR", "LPN-000123", "A>5-^~_>8\\B", "0312024", "X"])
def test_code128_subset_switches_are_read_as_a_printer_reads_them(code):
    # zpl-renderer-js 3.4.0 gets exactly these wrong (see wms/printing/preview.py).
    zpl = render_label("location", {"code": code}, size="100x150")
    assert decode_preview(parse(zpl)) == [("Code128", code)]


def test_the_correios_datamatrix_holds_the_164_characters():
    zpl = render_label("shipping_correios", correios_data(), size="100x150")
    [matrix] = [text for kind, text in decode_preview(parse(zpl)) if kind == "DataMatrix"]
    assert len(matrix) == 164 and matrix.startswith("7101005000012")


def test_label_size_and_text_come_from_the_zpl():
    zpl = render_label("lot", LOT, size="100x50", dpi=300)
    drawing = parse(zpl)
    assert (drawing.width, drawing.height) == (1200, 600)
    lines = [line for text in drawing.texts for line in text.lines]
    assert "Dipirona 500 mg" in lines and "L2026-11A" in " ".join(lines)


def test_hostile_text_is_drawn_literally_and_escaped_in_the_svg():
    name = "<script>alert(1)</script> ^XA^FDhack ~ _ São 📦"
    zpl = render_label("product", {"name": name, "sku": "X-1"}, size="100x50")
    drawing = parse(zpl)
    assert any(name in line for text in drawing.texts for line in text.lines)
    svg = to_svg(drawing)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_text_blocks_wrap_like_tb_and_keep_the_printer_width():
    zpl = render_label("shipping_correios", correios_data(service_name="SEDEX CONTRATO AGENCIA"))
    [service] = [t for t in parse(zpl).texts if "SEDEX" in t.lines[0]]
    assert service.lines == ["SEDEX", "CONTRATO", "AGENCIA"]
    assert text_length("SEDEX", 44) <= 196


def test_unknown_commands_are_refused_not_drawn_wrong():
    with pytest.raises(PreviewError, match=r"does not draw \^BQ"):
        parse("^XA^PW100^LL100^FO0,0^BQN,2,4^FDQA,x^FS^XZ")
    with pytest.raises(PreviewError, match="starts with"):
        parse("hello")


def test_svg_of_a_label_is_small_and_self_contained():
    svg = zpl_to_svg(render_label("shipping_correios", correios_data()), title="PH297898690BR")
    assert len(svg) < 120_000
    assert 'viewBox="0 0 800 1200"' in svg and "<title>PH297898690BR</title>" in svg
    assert not re.search(r"(href|src)=", svg)


def test_code128_values_of_a_gs1_element_string():
    values, read = code128_values(">;>80109506000134352>6A")
    assert values[:2] == [105, 102] and read == "\x1d0109506000134352A"


@pytest.mark.parametrize("length", [1, 3, 44, 164, 300, 1000])
def test_datamatrix_round_trips(length):
    text = ("0123456789ABC xyz|-" * 60)[:length].encode()
    symbol = datamatrix.encode(text)
    scale, quiet = 3, 2
    size = (len(symbol) + 2 * quiet) * scale
    pixels = bytearray([255]) * (size * size)
    for r, row in enumerate(symbol):
        for c, dark in enumerate(row):
            if dark:
                for y in range((r + quiet) * scale, (r + quiet + 1) * scale):
                    pixels[y * size + (c + quiet) * scale:y * size + (c + quiet + 1) * scale] = b"\0" * scale
    [found] = zxingcpp.read_barcodes(memoryview(bytes(pixels)).cast("B", (size, size)),
                                     text_mode=zxingcpp.TextMode.Plain)
    assert found.text.encode() == text
