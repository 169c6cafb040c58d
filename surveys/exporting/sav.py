"""The responses export as an SPSS data file (.sav), in flat memory.

pyreadstat writes a whole pandas frame and has no append mode, so a frame of every
response grew by ~2.5 MB per 1,000 responses (+249 MB at 100,000). Instead:

1. The rows are read once, turned into their SPSS values and spooled to a
   temporary file (pickle, SAV_CHUNK_ROWS rows at a time) while the longest text of
   each string variable is measured (its SPSS width, in bytes of UTF-8).
2. Each chunk becomes a small frame, with one extra row holding a text of that
   width in every string variable, so pyreadstat gives every chunk the same
   dictionary (widths, formats, labels). Written uncompressed, a case is a fixed
   number of bytes (the header's nominal case size × 8), so the data of a chunk is
   the last (rows + 1) cases of its file: the first chunk's file gives the
   dictionary, each chunk gives its cases without the extra one, and the header's
   case count is set to the total at the end.

Peak memory is one chunk's frame, whatever the number of responses.
tests/surveys/test_exports.py reads a many-chunk file back with pyreadstat.
"""

import pickle
import struct
import tempfile
from datetime import date, datetime
from pathlib import Path

from surveys.exporting.columns import ExportTable
from surveys.exporting.writers import _counted, _text

SAV_CHUNK_ROWS = 5000
# SPSS limits, in bytes of UTF-8: variable labels and value labels.
SPSS_LABEL_BYTES = 255
SPSS_VALUE_LABEL_BYTES = 120
# SPSS system file header: the layout code (2 on the writer's byte order), the
# nominal case size (8-byte slots per case) and the number of cases.
_LAYOUT_AT, _CASE_SIZE_AT, _NCASES_AT = 64, 68, 80


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def _kinds(table: ExportTable, coded: bool) -> list[str]:
    kinds = []
    for column in table.columns:
        if column.kind in ("datetime", "date"):
            kinds.append(column.kind)
        elif column.is_numeric(coded=coded):
            kinds.append("number")
        else:
            kinds.append("text")
    return kinds


def _spool(table, kinds, spool, progress) -> tuple[int, list[int], list]:
    """Write the rows' SPSS values to `spool` in chunks; return (chunks, the width
    of each text column, a sample value of each date column)."""
    nan = float("nan")
    numbers = [i for i, kind in enumerate(kinds) if kind == "number"]
    texts = [i for i, kind in enumerate(kinds) if kind == "text"]
    moments = [i for i, kind in enumerate(kinds) if kind in ("datetime", "date")]
    widths = [0] * len(kinds)
    samples: list = [None] * len(kinds)
    chunks, buffer = 0, []
    for row in _counted(table.rows, progress):
        for i in numbers:
            cell = row[i]
            row[i] = nan if cell is None else float(cell)
        for i in texts:
            cell = row[i]
            if cell is None:
                row[i] = ""
                continue
            if cell.__class__ is not str:
                cell = row[i] = _text(cell)
            size = len(cell) if cell.isascii() else len(cell.encode("utf-8"))
            if size > widths[i]:
                widths[i] = size
        for i in moments:
            cell = row[i]
            if cell is None:
                continue
            if cell.__class__ is datetime:
                # SPSS has no zones: the owner's wall time, as the other formats.
                cell = row[i] = cell.replace(tzinfo=None)
            if samples[i] is None:
                samples[i] = cell
        buffer.append(row)
        if len(buffer) == SAV_CHUNK_ROWS:
            pickle.dump(buffer, spool, protocol=pickle.HIGHEST_PROTOCOL)
            chunks, buffer = chunks + 1, []
    if buffer or not chunks:
        pickle.dump(buffer, spool, protocol=pickle.HIGHEST_PROTOCOL)
        chunks += 1
    return chunks, widths, samples


def _width_row(kinds, widths, samples) -> list:
    """The extra row that fixes every chunk's dictionary (it is never written)."""
    row = []
    for kind, width, sample in zip(kinds, widths, samples, strict=True):
        if kind == "text":
            row.append("x" * max(width, 1))
        elif kind == "number":
            row.append(float("nan"))
        elif sample is not None:
            row.append(sample)
        else:
            row.append(datetime(2000, 1, 1) if kind == "datetime" else date(2000, 1, 1))
    return row


def write_sav(path, table: ExportTable, *, coded: bool, progress=None) -> None:
    """Write the table as an SPSS data file with variable and value labels."""
    import pandas as pd
    import pyreadstat

    columns = table.columns
    kinds = _kinds(table, coded)
    names = [column.name for column in columns]
    options = {
        "column_labels": [
            _clip(c.label or c.header, SPSS_LABEL_BYTES) for c in columns
        ],
        "variable_value_labels": {
            column.name: {
                float(code): _clip(str(label), SPSS_VALUE_LABEL_BYTES)
                for code, label in column.value_labels.items()
            }
            for column, kind in zip(columns, kinds, strict=True)
            if kind == "number" and column.value_labels
        },
        "variable_measure": {
            column.name: ("nominal" if column.value_labels else "scale")
            for column, kind in zip(columns, kinds, strict=True)
            if kind == "number"
        },
    }
    dtypes = {
        name: ("float64" if kind == "number" else "object")
        for name, kind in zip(names, kinds, strict=True)
    }
    with tempfile.TemporaryDirectory() as folder:
        part = Path(folder) / "part.sav"
        with open(Path(folder) / "rows.pickle", "w+b") as spool:
            chunks, widths, samples = _spool(table, kinds, spool, progress)
            spool.seek(0)
            extra = _width_row(kinds, widths, samples)
            total = 0
            with open(path, "wb") as out:
                for number in range(chunks):
                    rows = pickle.load(spool)
                    rows.append(extra)
                    # Column by column with the dtype given: inferred, the dates
                    # would become pandas Timestamps, which pyreadstat writes as text.
                    frame = pd.DataFrame(
                        {
                            name: pd.Series(values, dtype=dtypes[name])
                            for name, values in zip(
                                names, zip(*rows, strict=True), strict=True
                            )
                        },
                        copy=False,
                    )
                    del rows
                    pyreadstat.write_sav(frame, str(part), **options)
                    del frame
                    total += _append_cases(part, out, first=number == 0)
                _set_case_count(out, total)


def _header(handle) -> tuple[str, int]:
    """(struct byte order, bytes per case) of a system file's header."""
    handle.seek(_LAYOUT_AT)
    raw = handle.read(8)
    order = "<" if struct.unpack("<i", raw[:4])[0] == 2 else ">"
    return order, struct.unpack(order + "i", raw[4:8])[0] * 8


def _append_cases(part: Path, out, *, first: bool) -> int:
    """Copy a chunk file's cases but its last (the width row) to `out`, after its
    dictionary if this is the first chunk; return how many cases were copied."""
    size = part.stat().st_size
    with open(part, "rb") as handle:
        order, case_bytes = _header(handle)
        handle.seek(_NCASES_AT)
        cases = struct.unpack(order + "i", handle.read(4))[0]
        data_at = size - cases * case_bytes
        handle.seek(0 if first else data_at)
        length = (data_at if first else 0) + (cases - 1) * case_bytes
        _copy(handle, out, length)
    return cases - 1


def _copy(source, target, length: int) -> None:
    while length > 0:
        block = source.read(min(length, 1 << 20))
        if not block:
            raise OSError("A chunk of the SPSS file ended early.")
        target.write(block)
        length -= len(block)


def _set_case_count(out, total: int) -> None:
    out.flush()
    with open(out.name, "rb") as handle:
        order, _ = _header(handle)
    out.seek(_NCASES_AT)
    out.write(struct.pack(order + "i", total))
