"""The responses export as CSV, Excel (.xlsx) and SPSS (.sav), from one ExportTable.

CSV streams through core.csv_export (here). Excel: surveys.exporting.xlsx; SPSS:
surveys.exporting.sav. All three keep memory flat.
"""

from collections.abc import Callable, Iterator
from datetime import datetime

from core.csv_export import csv_chunks
from surveys.exporting.columns import ExportTable

PROGRESS_EVERY = 1000


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(timespec="seconds")
    return str(cell)


def _counted(rows: Iterator[list], progress: Callable | None) -> Iterator[list]:
    if progress is None:
        yield from rows
        return
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    progress(done)


def csv_header_and_rows(table: ExportTable) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of text for core.csv_export."""

    def rows():
        # Most cells are text, empty or whole numbers: those skip the call.
        for row in table.rows:
            yield [
                c
                if c.__class__ is str
                else ""
                if c is None
                else str(c)
                if c.__class__ is int
                else _text(c)
                for c in row
            ]

    return [c.header for c in table.columns], rows()


def write_csv_file(path, table: ExportTable, *, progress=None) -> None:
    header, rows = csv_header_and_rows(table)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(header, _counted(rows, progress)):
            out.write(chunk)
