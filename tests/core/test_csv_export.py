"""core.csv_export: one writer, formula-safe, in chunks, the same from Python or SQL."""

import csv
import io

import pytest
from django.db import connection

from core.csv_export import (
    CopySource,
    copy_chunks,
    csv_chunks,
    safe_cell,
    safe_cell_sql,
    write_csv,
)

HOSTILE = [
    '=HYPERLINK("http://evil")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "\rReturn",
    "",
    "plain",
    'a "quoted", cell',
    "two\nlines",
    "García",
    "'already",
]


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_the_sql_guard_gives_what_safe_cell_gives():
    with connection.cursor() as cursor:
        for value in [*HOSTILE, None]:
            cursor.execute(f"SELECT {safe_cell_sql('%s::text')}", [value] * 3)
            assert (cursor.fetchone()[0] or "") == safe_cell(value), value


@pytest.mark.django_db
def test_a_copy_source_writes_the_cells_python_would():
    header = ["Name", "=Formula header"]
    source = CopySource(
        "SELECT "
        f"{safe_cell_sql('v')}, 'fixed' FROM unnest(%s::text[]) WITH ORDINALITY "
        "AS t(v, n) ORDER BY n",
        [HOSTILE],
    )
    from_sql = b"".join(copy_chunks(header, source))
    from_python = "".join(csv_chunks(header, ([v, "fixed"] for v in HOSTILE)))
    assert from_sql.startswith(b"\xef\xbb\xbf")
    assert _parse(from_sql) == _parse(from_python.encode())
    assert _parse(from_sql)[0] == ["Name", "'=Formula header"]


@pytest.mark.django_db
def test_copy_comes_in_chunks_of_tens_of_kilobytes_and_counts_rows(tmp_path):
    source = CopySource("SELECT 'row ' || n FROM generate_series(1, 20000) AS n")
    chunks = list(copy_chunks(["N"], source, chunk_bytes=32 * 1024))
    body = chunks[1:]
    # 20,000 rows (~200 KB) in a handful of chunks, not one per row.
    assert 5 <= len(body) <= 10
    assert all(len(chunk) >= 32 * 1024 for chunk in body[:-1])
    assert b"".join(chunks).count(b"\n") == 20001
    assert write_csv(tmp_path / "n.csv", ["N"], source) == 20000
    rows = _parse((tmp_path / "n.csv").read_bytes())
    assert rows[0] == ["N"] and rows[-1] == ["row 20000"] and len(rows) == 20001


def test_python_rows_come_in_chunks_of_tens_of_kilobytes():
    chunks = list(csv_chunks(["N"], ([f"row {n}"] for n in range(20000))))
    assert 2 <= len(chunks) <= 6
    assert all(len(chunk) >= 32 * 1024 for chunk in chunks[:-1])
    assert "".join(chunks).count("\r\n") == 20001


@pytest.mark.django_db
def test_a_download_abandoned_midway_leaves_the_connection_usable():
    """A client that goes away closes the generator in the middle of the COPY."""
    source = CopySource("SELECT n FROM generate_series(1, 1000000) AS n")
    chunks = copy_chunks(["N"], source, chunk_bytes=1000)
    for _ in range(3):
        next(chunks)
    chunks.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        assert cursor.fetchone() == (42,)
