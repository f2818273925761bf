"""CSV as Excel in a pt_BR Windows opens it with a double click: ";" between fields, a UTF-8 BOM, and text that
starts like a formula quoted with an apostrophe (CSV injection). Streamed in chunks, so a long report never
sits whole in memory."""
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask_babel import format_datetime

DELIMITER = ";"


def cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm:ss")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def text(header: list[str], rows: Iterable[list]) -> str:
    """The whole CSV as one string (small documents: a manifest, a distribution map)."""
    return "".join(lines(header, rows))
