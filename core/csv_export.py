"""Every CSV Canvass writes (history, links, contacts, responses, rejected rows).

One writer: UTF-8 with a BOM (Excel opens it right), every cell made formula-safe,
streamed in chunks of rows so a 1,000,000-row file never sits in memory and a
download is not one socket write per row. Apps supply the header and the rows.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_FIRST = frozenset("=+-@\t\r")


def safe_cell(value) -> str:
    """Return value as text a spreadsheet will show, never evaluate."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text[:1] in _FORMULA_FIRST:
        return "'" + text
    return text


def _safe_row(row) -> list:
    """Return the row with every cell formula-safe text (most rows pass untouched)."""
    if all(cell.__class__ is str and cell[:1] not in _FORMULA_FIRST for cell in row):
        return row
    return [safe_cell(cell) for cell in row]


def csv_chunks(
    header: list[str], rows: Iterable[Iterable], *, rows_per_chunk: int = 1000
) -> Iterator[str]:
    """Yield the BOM and header line, then the rows as text, many rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(_safe_row(header))
    pending = 0
    for row in rows:
        writer.writerow(_safe_row(row))
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def write_csv(path, header: list[str], rows: Iterable[Iterable]) -> int:
    """Write a CSV file the same way it is downloaded; return the number of rows."""
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(header, counted()):
            out.write(chunk)
    return count


def csv_download(
    filename: str, header: list[str], rows: Iterable[Iterable], *, zone=None
) -> StreamingHttpResponse:
    """Return a streamed CSV download; `zone` is active while the rows are made.

    The body is produced after the middleware has returned (and deactivated the
    owner's zone), so rows that render dates need the zone passed here.
    """

    def chunks():
        if zone is None:
            yield from csv_chunks(header, rows)
            return
        with timezone.override(zone):
            yield from csv_chunks(header, rows)

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
