"""Data Matrix ECC 200 (ISO/IEC 16022), ASCII encodation, for the label preview.

The preview draws a label's 2D code from the same field data the printer gets. Small on purpose: ASCII
encodation (digit pairs packed), Reed-Solomon over GF(256), and the standard module placement. The
printer may choose another encodation and so a different pattern or size; the data read back is the same.
"""
from __future__ import annotations

# (symbol size, data codewords, error-correction codewords, data regions per side, interleaved blocks)
_SIZES = (
    (10, 3, 5, 1, 1), (12, 5, 7, 1, 1), (14, 8, 10, 1, 1), (16, 12, 12, 1, 1), (18, 18, 14, 1, 1),
    (20, 22, 18, 1, 1), (22, 30, 20, 1, 1), (24, 36, 24, 1, 1), (26, 44, 28, 1, 1), (32, 62, 36, 2, 1),
    (36, 86, 42, 2, 1), (40, 114, 48, 2, 1), (44, 144, 56, 2, 1), (48, 174, 68, 2, 1), (52, 204, 84, 2, 2),
    (64, 280, 112, 4, 2), (72, 368, 144, 4, 4), (80, 456, 192, 4, 4), (88, 576, 224, 4, 4),
    (96, 696, 272, 4, 4), (104, 816, 336, 4, 6), (120, 1050, 408, 6, 6), (132, 1304, 496, 6, 8),
)
FNC1 = 232

# GF(256) with the Data Matrix polynomial x^8 + x^5 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x12D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _generator(degree: int) -> list[int]:
    poly = [1]
    for i in range(1, degree + 1):
        # multiply by (x + a^i)
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            nxt[j + 1] ^= _mul(coefficient, _EXP[i])
        poly = nxt
    return poly


def _ecc(data: list[int], degree: int) -> list[int]:
    generator = _generator(degree)
    remainder = [0] * degree
    for codeword in data:
        factor = codeword ^ remainder[0]
        remainder = remainder[1:] + [0]
        for j in range(degree):
            remainder[j] ^= _mul(generator[j + 1], factor)
    return remainder


def encode_ascii(data: bytes | list[int]) -> list[int]:
    """ASCII encodation; an int in `data` (FNC1 = 232) is a codeword written as it is."""
    items = list(data)
    out: list[int] = []
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(item, int) and item >= 256:
            out.append(item - 256)  # pre-encoded codeword
            i += 1
        elif 48 <= item <= 57 and nxt is not None and 48 <= nxt <= 57:
            out.append(130 + (item - 48) * 10 + (nxt - 48))
            i += 2
        elif item < 128:
            out.append(item + 1)
            i += 1
        else:
            out += [235, item - 127]
            i += 1
    return out


def _pad(codewords: list[int], capacity: int) -> list[int]:
    out = list(codewords)
    if len(out) < capacity:
        out.append(129)
    while len(out) < capacity:
        pseudo = ((149 * (len(out) + 1)) % 253) + 1
        value = 129 + pseudo
        out.append(value - 254 if value > 254 else value)
    return out


def _placement(nrow: int, ncol: int) -> list[list[int]]:
    """ISO/IEC 16022 Annex F: for each module, 10 * codeword number (from 1) + bit (1 = most significant);
    1 or 0 for the fixed corner modules."""
    grid = [[-1] * ncol for _ in range(nrow)]

    def module(row: int, col: int, chr_: int, bit: int) -> None:
        if row < 0:
            row += nrow
            col += 4 - ((nrow + 4) % 8)
        if col < 0:
            col += ncol
            row += 4 - ((ncol + 4) % 8)
        grid[row][col] = 10 * chr_ + bit

    def utah(row: int, col: int, chr_: int) -> None:
        for bit, (dr, dc) in enumerate(((-2, -2), (-2, -1), (-1, -2), (-1, -1), (-1, 0), (0, -2), (0, -1),
                                        (0, 0)), start=1):
            module(row + dr, col + dc, chr_, bit)

    def corner(cells, chr_: int) -> None:
        for bit, (row, col) in enumerate(cells, start=1):
            module(row, col, chr_, bit)

    chr_, row, col = 1, 4, 0
    while True:
        if row == nrow and col == 0:
            corner(((nrow - 1, 0), (nrow - 1, 1), (nrow - 1, 2), (0, ncol - 2), (0, ncol - 1), (1, ncol - 1),
                    (2, ncol - 1), (3, ncol - 1)), chr_)
            chr_ += 1
        if row == nrow - 2 and col == 0 and ncol % 4:
            corner(((nrow - 3, 0), (nrow - 2, 0), (nrow - 1, 0), (0, ncol - 4), (0, ncol - 3), (0, ncol - 2),
                    (0, ncol - 1), (1, ncol - 1)), chr_)
            chr_ += 1
        if row == nrow - 2 and col == 0 and ncol % 8 == 4:
            corner(((nrow - 3, 0), (nrow - 2, 0), (nrow - 1, 0), (0, ncol - 2), (0, ncol - 1), (1, ncol - 1),
                    (2, ncol - 1), (3, ncol - 1)), chr_)
            chr_ += 1
        if row == nrow + 4 and col == 2 and not ncol % 8:
            corner(((nrow - 1, 0), (nrow - 1, ncol - 1), (0, ncol - 3), (0, ncol - 2), (0, ncol - 1),
                    (1, ncol - 3), (1, ncol - 2), (1, ncol - 1)), chr_)
            chr_ += 1
        while True:  # up and to the right
            if row < nrow and col >= 0 and grid[row][col] == -1:
                utah(row, col, chr_)
                chr_ += 1
            row -= 2
            col += 2
            if not (row >= 0 and col < ncol):
                break
        row += 1
        col += 3
        while True:  # down and to the left
            if row >= 0 and col < ncol and grid[row][col] == -1:
                utah(row, col, chr_)
                chr_ += 1
            row += 2
            col -= 2
            if not (row < nrow and col >= 0):
                break
        row += 3
        col += 1
        if not (row < nrow or col < ncol):
            break
    if grid[nrow - 1][ncol - 1] == -1:
        grid[nrow - 1][ncol - 1] = grid[nrow - 2][ncol - 2] = 1
        grid[nrow - 1][ncol - 2] = grid[nrow - 2][ncol - 1] = 0
    return grid


def encode(data: bytes | list[int]) -> list[list[bool]]:
    """The symbol's modules, rows of booleans (True = dark), quiet zone not included."""
    codewords = encode_ascii(data)
    fitting = [row for row in _SIZES if len(codewords) <= row[1]]
    if not fitting:
        raise ValueError(f"{len(codewords)} codewords do not fit a Data Matrix of up to 132x132")
    size, capacity, ecc_total, regions, blocks = fitting[0]
    data_cw = _pad(codewords, capacity)
    ecc_block = ecc_total // blocks
    stream = data_cw + [0] * ecc_total
    for block in range(blocks):
        ecc = _ecc(data_cw[block::blocks], ecc_block)
        for j, value in enumerate(ecc):
            stream[capacity + block + j * blocks] = value

    region = size // regions - 2
    nrow = ncol = region * regions
    mapping = _placement(nrow, ncol)
    symbol = [[False] * size for _ in range(size)]
    for r in range(size):
        for c in range(size):
            rr, cc = r % (region + 2), c % (region + 2)
            if rr == region + 1 or cc == 0:  # solid finder: bottom row and left column of each region
                symbol[r][c] = True
            elif rr == 0:  # top row: alternating, dark first
                symbol[r][c] = cc % 2 == 0
            elif cc == region + 1:  # right column: alternating, dark on odd rows
                symbol[r][c] = rr % 2 == 1
    for r in range(nrow):
        for c in range(ncol):
            value = mapping[r][c]
            if value in (0, 1):
                dark = bool(value)
            else:
                codeword, bit = divmod(value, 10)
                dark = bool((stream[codeword - 1] >> (8 - bit)) & 1)
            symbol[r + 2 * (r // region) + 1][c + 2 * (c // region) + 1] = dark
    return symbol
