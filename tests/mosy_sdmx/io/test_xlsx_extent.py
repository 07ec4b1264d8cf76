"""The quick extent scan agrees with the tag-by-tag walk on any regular sheet part."""

from __future__ import annotations

import numpy as np
import pytest

from mosy_sdmx.io.xlsx.extent import SheetExtent, column_number


def _letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _sheet(rng: np.random.Generator, n_rows: int) -> tuple[bytes, int, int, int]:
    """A regular sheet part, cells out of order here and there; its true extent."""
    parts = [b'<worksheet><dimension ref="A1:B2"/><sheetData>']
    max_col = max_row = cells = 0
    for r in range(1, n_rows + 1):
        parts.append(b'<row r="%d" spans="1:3">' % r)
        for _ in range(rng.integers(0, 5)):
            col = int(
                rng.choice([rng.integers(1, 27), rng.integers(27, 703), rng.integers(1, 16385)])
            )
            row = r if rng.random() < 0.9 else int(rng.integers(1, 10 ** int(rng.integers(1, 8))))
            parts.append(b'<c r="%s%d" t="n"><v>%d</v></c>' % (_letters(col).encode(), row, col))
            max_col, max_row, cells = max(max_col, col), max(max_row, row), cells + 1
        parts.append(b"</row>")
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts), max_col, max_row, cells


def _scan(data: bytes, chunk: int, quick: bool = True) -> SheetExtent:
    scan = SheetExtent()
    if not quick:
        scan._quick = lambda data: False  # every chunk through the walk
    for i in range(0, len(data), chunk):
        scan.feed(data[i : i + chunk])
    scan.close()
    return scan


@pytest.mark.parametrize("seed", range(6))
def test_quick_scan_finds_the_furthest_cell_wherever_it_is(seed):
    rng = np.random.default_rng(seed)
    data, max_col, max_row, cells = _sheet(rng, 300)
    for chunk in (97, 4096, len(data)):
        quick, walk = _scan(data, chunk), _scan(data, chunk, quick=False)
        assert (quick.max_col, quick.max_row, quick.cells) == (max_col, max_row, cells)
        assert (walk.max_col, walk.max_row, walk.cells) == (max_col, max_row, cells)


@pytest.mark.parametrize("ref", [b"AB12", b"XFD7", b"ZZ1048576", b"C999999999"])
def test_one_far_cell_among_many_near_ones(ref):
    near = [b'<c r="B%d"/>' % r for r in range(1, 2000)]
    data = b"".join([b"<sheetData>", *near[:900], b'<c r="' + ref + b'"/>', *near[900:]])
    scan = _scan(data, 1024)
    letters = ref.rstrip(b"0123456789")
    assert scan.max_col == max(column_number(letters), 2)
    assert scan.max_row == max(int(ref[len(letters) :]), 1999)


def test_overlong_reference_takes_the_careful_walk():
    data = b'<sheetData><c r="A1"/><c r="AAAA1"/><c r="B1234567890123"/></sheetData>'
    scan = _scan(data, 1 << 20)
    assert scan.max_col >= column_number(b"AAAA")
    assert scan.max_row >= 1234567890123
