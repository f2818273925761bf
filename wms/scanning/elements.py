"""Splitting a GS1 element string, or its human-readable form, into fields (`Element`s), and the errors of a split.

biip's table of Application Identifiers gives every AI's pattern; biip's own `parse()` is not used on the hot
path (see the package docstring): the lookup by the next two to four digits is cached here.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from flask_babel import lazy_gettext as _l

from .scan import ScanError, bad_date, is_digits, nothing_read, visible

_HRI_AI = re.compile(r"\(([0-9]{2,4})\)")
_AI_DIGITS = re.compile(r"[0-9]{2,4}")


class _AI(NamedTuple):
    code: str
    pattern: re.Pattern[str]
    variable: bool


class Element(NamedTuple):
    code: str
    value: str
    variable: bool
    terminated: bool  # a separator came right after it


@cache  # keys are 2 to 4 digits: at most 11,110 of them
def _ai_for(digits: str) -> _AI | None:
    """The AI that `digits` (the next two to four digits of a scan) starts with, if any."""
    try:
        ai = GS1ApplicationIdentifier.extract(digits)
    except ParseError:
        return None
    # biip anchors its patterns with ^...$; matching from a position needs them off.
    body = ai.pattern.removeprefix("^").removesuffix("$")
    return _AI(ai.ai, re.compile(body), ai.separator_required)


def _ai_at(text: str, pos: int) -> _AI | None:
    # Every AI is two to four digits; keying the cache on digits only keeps it small.
    digits = _AI_DIGITS.match(text, pos)
    return _ai_for(digits.group()) if digits else None


def split_element_string(text: str, separators: str) -> list[Element]:
    elements: list[Element] = []
    length = len(text)
    pos = 0
    while pos < length:
        # A separator is allowed between any two fields, and scanners that send
        # FNC1 as GS may also send one first or last.
        if text[pos] in separators:
            pos += 1
            continue
        ai = _ai_at(text, pos)
        end = _next_separator(text, pos, separators)
        match = ai.pattern.match(text, pos, end) if ai else None
        if match is None:
            raise _unreadable(text, pos, ai, elements, separators)
        value = "".join(group for group in match.groups() if group is not None)
        pos = match.end()
        elements.append(Element(ai.code, value, ai.variable, pos < length and text[pos] in separators))
    if not elements:
        raise nothing_read()
    return elements


def _next_separator(text: str, pos: int, separators: str) -> int:
    end = len(text)
    for separator in separators:
        found = text.find(separator, pos, end)
        if found >= 0:
            end = found
    return end


def _unreadable(text: str, pos: int, ai: _AI | None, elements: list[Element], separators: str) -> ScanError:
    if elements and elements[-1].variable and not elements[-1].terminated and "0" <= text[pos] <= "9":
        # The previous field stopped at its maximum length and digits follow that do
        # not read as a field: most likely a separator was dropped in between.
        return separator_lost_after(elements[-1])
    if ai is not None:
        start = pos + len(ai.code)
        value = text[start : _next_separator(text, start, separators)]
        return _bad_value(ai.code, value)
    return ScanError(
        _l(
            "This barcode could not be read (the problem starts at %(rest)s): rescan, "
            "or type the text printed under the barcode, with its brackets.",
            rest=visible(text[pos:], 20),
        ),
        reason="unreadable",
    )


def _bad_value(code: str, value: str) -> ScanError:
    if code == "17" and len(value) >= 6 and is_digits(value[:6]):
        return bad_date(value[:6])
    return ScanError(
        _l(
            "The value after (%(ai)s), %(value)s, is not valid: rescan, or check the text "
            "printed under the barcode.",
            ai=code,
            value=visible(value, 24) or "-",
        ),
        reason="unreadable",
    )


def _not_human_readable(text: str) -> ScanError:
    return ScanError(
        _l(
            "%(text)s is not written like the text under a GS1 barcode. "
            "Type it like (01)07891234567895(17)261231(10)L123.",
            text=visible(text),
        ),
        reason="unreadable",
    )


def split_human_readable(text: str) -> list[Element]:
    # GS1 data never contains whitespace, so spaces typed between fields are dropped.
    text = "".join(text.split())
    marks = list(_HRI_AI.finditer(text))
    if not marks or marks[0].start() != 0:
        raise _not_human_readable(text)
    elements: list[Element] = []
    for index, mark in enumerate(marks):
        code = mark.group(1)
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        value = text[mark.end() : end]
        ai = _ai_for(code)
        if ai is None or ai.code != code:
            raise _not_human_readable(text[mark.start() :])
        match = ai.pattern.fullmatch(code + value)
        if match is None:
            raise _bad_value(code, value)
        value = "".join(group for group in match.groups() if group is not None)
        elements.append(Element(code, value, ai.variable, terminated=True))
    return elements


def separator_lost_after(element: Element) -> ScanError:
    return ScanError(
        _l(
            "The scanner seems to have lost a separator after %(field)s: rescan, or type "
            "the text printed under the barcode, with its brackets.",
            field=f"({element.code}){element.value}",
        ),
        reason="separator_lost",
    )


def family(code: str) -> str:
    # (3100)..(3105) are one field, net weight, with different decimals.
    return code[:3] if code.startswith("310") else code
