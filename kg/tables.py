"""Plain-text tables for the terminal (``kg eval``, ``kg stats``)."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """The lines of a table: header, a rule, the rows; the columns in ``right`` are
    right-aligned, the others left-aligned; columns two spaces apart."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - display_width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
