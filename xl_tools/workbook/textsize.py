"""How much room a cell's text needs: its width at a font size, its wrapped lines, the row height.

The generated workbooks use Calibri, which LibreOffice replaces by Carlito (the same metrics).
:data:`ADVANCE` holds the advance widths of Carlito Bold (units of 1/2048 em; read from the
font's ``hmtx`` table), which are at least those of the regular face: an estimate made with
them is never too small for regular or bold text. Characters outside the table count as the
widest letter. Column widths follow Excel's unit (the width of a digit of the 11-point
default font) as Excel and LibreOffice 7.4 turn it into points.
"""

from __future__ import annotations

UNITS_PER_EM = 2048
ADVANCE: dict[str, int] = {
    ' ': 463, '!': 667, '"': 898, '#': 1020, '$': 1038, '%': 1493, '&': 1443, "'": 478, '(': 638, ')': 638,
    '*': 1020, '+': 1020, ',': 528, '-': 627, '.': 547, '/': 880, '0': 1038, '1': 1038, '2': 1038, '3': 1038,
    '4': 1038, '5': 1038, '6': 1038, '7': 1038, '8': 1038, '9': 1038, ':': 565, ';': 565, '<': 1020, '=': 1020,
    '>': 1020, '?': 949, '@': 1840, 'A': 1241, 'B': 1148, 'C': 1084, 'D': 1291, 'E': 999, 'F': 940, 'G': 1305,
    'H': 1292, 'I': 546, 'J': 678, 'K': 1120, 'L': 866, 'M': 1790, 'N': 1349, 'O': 1385, 'P': 1090, 'Q': 1405,
    'R': 1153, 'S': 968, 'T': 1014, 'U': 1337, 'V': 1211, 'W': 1856, 'X': 1128, 'Y': 1064, 'Z': 979, '[': 665,
    '\\': 880, ']': 665, '^': 1020, '_': 1020, '`': 615, 'a': 1011, 'b': 1099, 'c': 857, 'd': 1099, 'e': 1031,
    'f': 648, 'g': 971, 'h': 1099, 'i': 503, 'j': 523, 'k': 983, 'l': 503, 'm': 1666, 'n': 1099, 'o': 1101,
    'p': 1099, 'q': 1099, 'r': 728, 's': 817, 't': 710, 'u': 1099, 'v': 969, 'w': 1526, 'x': 941, 'y': 970,
    'z': 814, '{': 704, '|': 973, '}': 704, '~': 1020, 'å': 1011, 'ä': 1011, 'ö': 1101, 'Å': 1241, 'Ä': 1241,
    'Ö': 1385, 'é': 1031, 'É': 999, 'ü': 1099, 'Ü': 1337, '–': 1020, '—': 1854, '…': 1457, '’': 528, '“': 891,
    '”': 891, '§': 1020, '½': 1415, '×': 1020, '≤': 1020, '≥': 1020, '→': 1854, '€': 1038,
}
UNKNOWN = 1856  # the widest character of the table (W)
LINE_EM = 1.25  # line height: Carlito's ascent + descent (2 500 / 2 048 em), rounded up
ROW_PADDING = 3.0  # points above and below the text of a row
CELL_PADDING = 5.0  # points of a column's width that text does not use (both sides together)
SAFETY = 1.05  # text is taken 5 % wider than measured: kerning, hinting and bold spacing differ
DEFAULT_WIDTH = 8.43  # Excel's default column width


def text_points(text: str, size: float) -> float:
    """The width of one line of ``text`` at ``size`` points, in points (conservative)."""
    units = sum(ADVANCE.get(ch, UNKNOWN) for ch in text)
    return units * size / UNITS_PER_EM * SAFETY


def column_points(width: float | None, *, printed: bool = False) -> float:
    """A column of ``width`` (Excel's character units) in points.

    Where text wraps, the narrower of Excel's (7 px a unit + 5 px) and LibreOffice's rendering
    counts; on paper (``printed``) the wider one, LibreOffice's (measured: 5.52 pt a unit + 4.3 pt).
    """
    w = DEFAULT_WIDTH if width is None else width
    if printed:
        return 5.6 * w + 5
    return (7 * w + 5) * 0.75


def wrapped_lines(text: str, width_points: float, size: float) -> int:
    """Lines that ``text`` takes when wrapped at word boundaries in ``width_points`` (its own
    line breaks kept; a word longer than a line is broken, as spreadsheets do)."""
    room = max(width_points - CELL_PADDING, size)
    space = text_points(" ", size)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            w = text_points(word, size)
            if used and used + space + w > room:
                lines += 1
                used = 0.0
            elif used:
                used += space
            while w > room:  # a word wider than the cell breaks anywhere
                lines += 1
                w -= room
            used += w
    return lines


def row_points(lines: int, size: float) -> float:
    """The height of a row showing ``lines`` lines of ``size``-point text, in points."""
    return round(lines * LINE_EM * size + ROW_PADDING, 1)


def text_height(text: str, width: float | None, size: float) -> float:
    """The row height (points) that ``text`` needs, wrapped in a column (or merged columns) of
    ``width`` character units at ``size`` points."""
    return row_points(wrapped_lines(text, column_points(width), size), size)


def width_for(text: str, size: float) -> float:
    """The narrowest column width (character units) that shows ``text`` on one line in Excel and
    LibreOffice."""
    return round((text_points(text, size) + CELL_PADDING) / 0.75 / 7 + 0.5, 1)
