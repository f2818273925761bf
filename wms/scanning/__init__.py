"""The scan engine: what a handheld scanner typed, turned into a `Scan`.

Pure: no database and no Flask app. Resolving a plain code to a location, LPN,
badge or product is the caller's job; this package only says what kind of text
was scanned and which GS1 fields it carries.

How a scan is read, in order:

1. Surrounding spaces, tabs, CR and LF are dropped (GS is kept: a trailing GS
   proves the scanner sends separators, see the ambiguity rule).
2. An AIM symbology identifier (`]` + letter + modifier, e.g. `]d2`) is taken
   off and kept in `Scan.symbology`.
3. Text starting with `(` is the human-readable line typed by hand:
   `(01)09506000134352(17)261231(10)ABC`. Brackets delimit every field, so it
   is never ambiguous.
4. A GS1 identifier (`]C1`, `]e0`, `]d2`, `]Q3`, `]J1`) means a GS1 element
   string. An EAN/UPC/ITF identifier (`]E0`, `]E3`, `]E4`, `]I1`) means a
   GTIN. Other identifiers (`]C0`, `]d1`, `]Q1`, ...) say nothing about the
   content, because GS1 DataMatrix codes printed without their leading FNC1
   are common, so the content is read as if no identifier had been sent.
5. Without a GS1 identifier, the text is an element string when it starts
   with two digits and either holds a separator (GS or a configured
   substitute) or starts with AI 00 + 18 digits or AI 01/02 + 14 digits.
   Those shapes do not occur in location codes, LPNs or badges; an expiry
   first (`17...`) is not enough, since it looks like an 8-digit EAN or a
   numeric product code.
6. Otherwise: 8, 12, 13 or 14 digits are a GTIN (a wrong check digit is an
   error, never a code); 18 digits with a right check digit are an SSCC;
   anything else is a code for the caller to look up. So internal codes must
   not be all-digit strings of those lengths.

Element strings are split with biip's table of Application Identifiers
(every AI, so fields this service ignores, such as (11) or (91), are skipped
correctly). biip's own `parse()` is not used on the hot path: it looks an AI
up by scanning its whole table, which alone costs about 60 µs for AI 713,
and a typical Anvisa DataMatrix took about 200 µs; the split here caches the
lookup and takes a few tens of microseconds.

Separator lost (the ambiguity rule). GS is a control character: browsers and
keyboard-wedge scanners often drop it, and then a lot, serial, count or (713)
swallows the fields after it. The engine refuses to guess:

* A variable-length field followed directly by another field, with no
  separator between them, is an error: GS1 requires a separator there, so one
  was lost.
* When the scan holds no separator at all and ends with a variable-length
  field, that last value is ambiguous if, from its second character on, the
  rest reads completely as fields this service knows: (00)/(01)/(02) with a
  right check digit, (17) a real date, (310n) six digits, (713) 13 digits
  starting with an Anvisa category digit (1-6, 8), (10)/(21) 3 to 20
  characters, and (37) 1 to 8 digits not starting with 0, only when the scan
  has (00) or (02) (GS1 allows a count only on a logistic unit). A field
  already in the scan (or the field's own AI) cannot come again. Thus
  `ABC17261231` and `L12321SERIAL` are ambiguous, while `2401`, `L2103`
  (21 + only two characters), `ABC17261331` (no month 13) or a lot with
  "21..." when the scan already has a serial are ordinary lots.
* If the scan holds any separator, the scanner evidently transmits them and
  the last field is read as it is. The human-readable form is never
  ambiguous: it is what a worker types to get past an ambiguous scan.

The package: `parse` (parse_scan, and what kind of text a scan is), `scan` (the
`Scan` value and `ScanError`), `elements` (splitting an element string or its
human-readable form into fields), `separator_lost` (the ambiguity rule) and
`fields` (from the fields to a `Scan`). Only the three names below are its API.
"""

from .parse import parse_scan
from .scan import Scan, ScanError

__all__ = ["Scan", "ScanError", "parse_scan"]
