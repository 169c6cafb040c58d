"""Every CSV Canvass writes (history, links, contacts, responses, rejected rows).

One writer: UTF-8 with a BOM (Excel opens it right), every cell made formula-safe,
streamed in chunks of about 64 KB so a 1,000,000-row file never sits in memory and
a download is a few hundred socket writes, not one per row. Apps supply the header
and either the rows (Python values) or a CopySource: one query whose columns are
already the CSV's cells, which PostgreSQL writes itself (COPY ... TO STDOUT WITH
CSV) and Python only passes on. At 100,000 history rows the second costs about what
the query does; formatting the rows in Python cost as much again
(bench/bench_history.py).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_FIRST = frozenset("=+-@\t\r")
# A chunk is sent once it holds this much text: large enough that Django and
# gunicorn handle a few hundred chunks per 20 MB file, small enough to stay flat.
CHUNK_CHARS = 64 * 1024


def safe_cell(value) -> str:
    """Return value as text a spreadsheet will show, never evaluate."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text[:1] in _FORMULA_FIRST:
        return "'" + text
    return text


def safe_cell_sql(expression: str) -> str:
    """Return SQL for safe_cell(expression) as a CopySource column holds it.

    Text that starts a formula gets the same leading apostrophe; NULL and empty
    text come out as an empty cell, as from safe_cell (COPY writes NULL as
    nothing, but an empty string as "").
    """
    # ascii() of the first character against integers: measured at 100k rows,
    # about half the cost of comparing left(..., 1) as text under a collation.
    firsts = ", ".join(str(ord(c)) for c in sorted(_FORMULA_FIRST))
    return (
        f"CASE WHEN ascii({expression}) IN ({firsts}) "
        f"THEN '''' || ({expression}) ELSE nullif({expression}, '') END"
    )


@dataclass(frozen=True)
class CopySource:
    """A query whose columns are the CSV's cells, written by PostgreSQL.

    Every cell that holds someone's text must be wrapped in safe_cell_sql; the
    rest must be text Canvass makes (fixed words, dates, its own links). The query
    runs in a transaction of its own with `settings` (set_config names and
    values) and the TimeZone of the active Django time zone, so to_char() dates
    come out as the rows' Python dates would.
    """

    sql: str
    params: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)


def _safe_row(row) -> list:
    """Return the row with every cell formula-safe text (most rows pass untouched)."""
    for cell in row:
        if cell.__class__ is not str or cell[:1] in _FORMULA_FIRST:
            return [safe_cell(cell) for cell in row]
    return row


def _header_text(header: list[str], lineterminator: str = "\r\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=lineterminator).writerow(_safe_row(header))
    return BOM + buffer.getvalue()


def csv_chunks(
    header: list[str], rows: Iterable[Iterable], *, chunk_chars: int = CHUNK_CHARS
) -> Iterator[str]:
    """Yield the BOM and header line, then the rows as text, ~64 KB per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(_header_text(header))
    writerow, tell = writer.writerow, buffer.tell
    for row in rows:
        writerow(_safe_row(row))
        if tell() >= chunk_chars:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def copy_chunks(
    header: list[str],
    source: CopySource,
    *,
    chunk_bytes: int = CHUNK_CHARS,
    counted: list | None = None,
) -> Iterator[bytes]:
    """Yield the BOM and header, then PostgreSQL's CSV of the source, ~64 KB a chunk.

    COPY's CSV: minimal quoting like Python's csv module, lines ending in "\\n"
    (the header's too, so the file is one style). `counted` gets the number of
    rows appended once the last chunk is out.
    """
    yield _header_text(header, "\n").encode()
    zone = timezone.get_current_timezone()
    settings = {"TimeZone": getattr(zone, "key", "UTC"), **source.settings}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
            [item for pair in settings.items() for item in pair],
        )
        statement = f"COPY ({source.sql}) TO STDOUT WITH (FORMAT csv)"
        with cursor.cursor.copy(statement, source.params) as copy:
            # psycopg hands COPY's output over one row at a time.
            pending, size = [], 0
            for data in copy:
                pending.append(data)
                size += len(data)
                if size >= chunk_bytes:
                    yield b"".join(pending)
                    pending, size = [], 0
        if pending:
            yield b"".join(pending)
        if counted is not None:
            counted.append(cursor.cursor.rowcount)


def _chunks(header: list[str], rows) -> Iterator:
    if isinstance(rows, CopySource):
        return copy_chunks(header, rows)
    return csv_chunks(header, rows)


def write_csv(path, header: list[str], rows: Iterable[Iterable] | CopySource) -> int:
    """Write a CSV file the same way it is downloaded; return the number of rows."""
    if isinstance(rows, CopySource):
        counted = []
        with open(path, "wb") as out:
            for chunk in copy_chunks(header, rows, counted=counted):
                out.write(chunk)
        return counted[0]
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
    filename: str,
    header: list[str],
    rows: Iterable[Iterable] | CopySource,
    *,
    zone=None,
) -> StreamingHttpResponse:
    """Return a streamed CSV download; `zone` is active while the rows are made.

    The body is produced after the middleware has returned (and deactivated the
    owner's zone), so rows that render dates need the zone passed here.
    """

    def chunks():
        if zone is None:
            yield from _chunks(header, rows)
            return
        with timezone.override(zone):
            yield from _chunks(header, rows)

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def cell_text(cell: str) -> str:
    """Return the text safe_cell() was given, from a cell it wrote (for files that
    come back, such as translations edited outside Canvass)."""
    if cell[:1] == "'" and cell[1:2] and cell[1:2] in _FORMULA_FIRST:
        return cell[1:]
    return cell
