"""The responses export as CSV, Excel (.xlsx) and SPSS (.sav), from one ExportTable.

CSV streams through core.csv_export. Excel is written by XlsxWriter in its
constant-memory mode (each row goes to disk as it is written); every text cell is
a string cell, never a formula, so no quote prefix is needed there. SPSS goes
through pyreadstat, which takes a whole data frame: its memory grows with the
number of responses (numbers as float arrays, text as Python strings).
"""

from array import array
from collections.abc import Callable, Iterator
from datetime import datetime

from core.csv_export import csv_chunks
from surveys.exporting.columns import ExportTable

PROGRESS_EVERY = 1000
# SPSS limits, in bytes of UTF-8: variable labels and value labels.
SPSS_LABEL_BYTES = 255
SPSS_VALUE_LABEL_BYTES = 120


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
        for row in table.rows:
            yield [c if c.__class__ is str else _text(c) for c in row]

    return [c.header for c in table.columns], rows()


def write_csv_file(path, table: ExportTable, *, progress=None) -> None:
    header, rows = csv_header_and_rows(table)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(header, _counted(rows, progress)):
            out.write(chunk)


def write_xlsx(path, table: ExportTable, *, coded: bool, progress=None) -> None:
    """Write the table as an Excel workbook: a Responses sheet, then value labels."""
    # Imported here, as pandas and pyreadstat below: only an export needs them, and
    # they would add to every process's start-up.
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            # Text stays text: "=1+1" or "0042" typed by a respondent is not
            # turned into a formula, a link or a number.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    try:
        sheet = workbook.add_worksheet("Responses")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, [c.header for c in table.columns], bold)
        sheet.freeze_panes(1, 1)
        write_row = sheet.write_row
        for number, row in enumerate(_counted(table.rows, progress), start=1):
            write_row(number, 0, row)
        if coded:
            codes = workbook.add_worksheet("Value labels")
            codes.write_row(0, 0, ["Column", "Variable", "Code", "Label"], bold)
            line = 1
            for column in table.columns:
                for code, label in column.value_labels.items():
                    codes.write_row(line, 0, [column.header, column.name, code, label])
                    line += 1
    finally:
        workbook.close()


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def write_sav(path, table: ExportTable, *, coded: bool, progress=None) -> None:
    """Write the table as an SPSS data file with variable and value labels."""
    import pandas as pd
    import pyreadstat

    columns = table.columns
    kinds = []
    store: list = []
    for column in columns:
        if column.kind == "datetime":
            kinds.append("datetime")
            store.append([])
        elif column.is_numeric(coded=coded):
            kinds.append("number")
            store.append(array("d"))
        else:
            kinds.append("text")
            store.append([])
    nan = float("nan")
    # One object per distinct text in a column (choice labels, embedded values
    # repeat on most rows), so the frame holds pointers rather than copies.
    plan = [
        (kind, values.append, {}) for kind, values in zip(kinds, store, strict=True)
    ]
    for row in _counted(table.rows, progress):
        for (kind, append, seen), cell in zip(plan, row, strict=True):
            if kind == "number":
                append(nan if cell is None else float(cell))
            elif kind == "text":
                text = "" if cell is None else _text(cell)
                append(seen.setdefault(text, text) if len(text) < 40 else text)
            else:
                append(None if cell is None else cell.replace(tzinfo=None))
    del plan
    frame = pd.DataFrame(
        {
            column.name: (
                pd.to_datetime(pd.Series(values, dtype="object"))
                if kind == "datetime"
                else pd.Series(
                    values, dtype="float64" if kind == "number" else "object"
                )
            )
            for column, kind, values in zip(columns, kinds, store, strict=True)
        }
    )
    del store
    value_labels = {
        column.name: {
            float(code): _clip(str(label), SPSS_VALUE_LABEL_BYTES)
            for code, label in column.value_labels.items()
        }
        for column, kind in zip(columns, kinds, strict=True)
        if kind == "number" and column.value_labels
    }
    measure = {
        column.name: ("nominal" if column.value_labels else "scale")
        for column, kind in zip(columns, kinds, strict=True)
        if kind == "number"
    }
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[_clip(c.label or c.header, SPSS_LABEL_BYTES) for c in columns],
        variable_value_labels=value_labels,
        variable_measure=measure,
    )
