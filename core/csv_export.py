"""Spreadsheet-safe, streamed CSV: UTF-8 with BOM, formula injection neutralised."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str:
    """Return value as text a spreadsheet will show, never evaluate."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield the BOM-prefixed header line, then one formula-safe line per row."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def write_csv(path, header: list[str], rows: Iterable[Iterable]) -> int:
    """Write a CSV file the same way it is downloaded; return the number of rows."""
    count = -1
    with open(path, "w", encoding="utf-8", newline="") as out:
        for count, line in enumerate(csv_lines(header, rows)):  # noqa: B007
            out.write(line)
    return max(count, 0)


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable]):
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
