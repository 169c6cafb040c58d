"""The responses export as an Excel workbook (.xlsx), written as SpreadsheetML.

XlsxWriter spent ~25 µs of Python per cell (type checks, dimension checks, an XML
writer call per element): 27 s of CPU for 100,000 responses × 62 cells. This writes
the same parts itself, one string per row, streamed into the zip as it goes, so
memory stays flat and the cost is a few string joins per cell:

- text is an inline string cell (t="inlineStr"), never a formula, a link or a
  number, whatever a respondent typed ("=1+1", "0042"); XML-escaped, control
  characters as Excel's _xHHHH_ escapes, at most Excel's 32,767 characters;
- numbers are number cells; datetimes (start and end, in the owner's zone) are
  date cells "yyyy-mm-dd hh:mm:ss", date answers date cells "yyyy-mm-dd";
- the header row is bold and frozen with the first column, as before; a coded
  export adds the "Value labels" sheet.

tests/surveys/test_exports.py and test_question_types.py open it with openpyxl.
"""

import re
import zipfile
from datetime import date, datetime

from surveys.exporting.columns import ExportTable
from surveys.exporting.writers import _counted

EXCEL_TEXT_MAX = 32767
_EPOCH = datetime(1899, 12, 30)
_EPOCH_DAY = _EPOCH.date()
# Style indexes of styles.xml's cellXfs.
_DATETIME, _DATE, _BOLD = 1, 2, 3
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED_ALREADY = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XML_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Distinct short texts whose escaped form is kept (choice labels, embedded values
# repeat on most rows); bounded so memory stays flat.
_CACHE_MAX = 20000

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<dimension ref="A1:{last}"/>'
    '<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
    "<sheetData>"
)
_FROZEN = (
    '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" '
    'state="frozen"/><selection pane="bottomRight" activeCell="B2" sqref="B2"/>'
)
_SHEET_END = "</sheetData></worksheet>"
_ROWS_PER_WRITE = 500


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    if len(text) > EXCEL_TEXT_MAX:
        text = text[:EXCEL_TEXT_MAX]
    if "_x" in text:
        # A literal "_x0041_" would read as an escape: Excel escapes its "_".
        text = _ESCAPED_ALREADY.sub(lambda m: "_x005F" + m.group(0), text)
    text = text.translate(_XML_SPECIAL)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


class _SheetWriter:
    """Rows of typed cells -> <row> elements, written in blocks to a zip member."""

    def __init__(self, member, width: int):
        self.member = member
        self.refs = [f'<c r="{column_letters(i)}' for i in range(width)]
        self.cache: dict[str, str] = {}
        self.pending: list[str] = []

    def row(self, number: int, cells, style: int = 0) -> None:
        n = str(number)
        parts = [f'<row r="{n}">']
        append = parts.append
        cache = self.cache
        styled = f' s="{style}"' if style else ""
        for ref, cell in zip(self.refs, cells, strict=False):
            if cell is None:
                continue
            kind = cell.__class__
            if kind is str:
                text = cache.get(cell)
                if text is None:
                    text = _escape(cell)
                    if len(cell) < 64 and len(cache) < _CACHE_MAX:
                        cache[cell] = text
                append(
                    f'{ref}{n}"{styled} t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
            elif kind is int or kind is float:
                append(f'{ref}{n}"{styled}><v>{cell!r}</v></c>')
            elif kind is datetime:
                serial = (cell.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
                append(f'{ref}{n}" s="{_DATETIME}"><v>{serial!r}</v></c>')
            elif kind is date:
                append(f'{ref}{n}" s="{_DATE}"><v>{(cell - _EPOCH_DAY).days}</v></c>')
            elif isinstance(cell, bool):
                append(f'{ref}{n}"{styled}><v>{int(cell)}</v></c>')
            else:
                text = _escape(str(cell))
                append(
                    f'{ref}{n}"{styled} t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
        append("</row>")
        self.pending.append("".join(parts))
        if len(self.pending) >= _ROWS_PER_WRITE:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.member.write("".join(self.pending).encode("utf-8"))
            self.pending = []


def _write_sheet(book, number: int, header, rows, *, count: int, frozen: bool) -> None:
    """`count`: the rows expected, for the sheet's dimension (a hint readers use to
    size rows: openpyxl pads each row to its width)."""
    last = f"{column_letters(max(len(header), 1) - 1)}{count + 1}"
    with book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as out:
        start = _SHEET_START.format(pane=_FROZEN if frozen else "", last=last)
        out.write(start.encode())
        sheet = _SheetWriter(out, len(header))
        sheet.row(1, header, _BOLD)
        for line, row in enumerate(rows, start=2):
            sheet.row(line, row)
        sheet.flush()
        out.write(_SHEET_END.encode())


def write_xlsx(path, table: ExportTable, *, coded: bool, progress=None) -> None:
    """Write the table as an Excel workbook: a Responses sheet, then value labels."""
    names = ["Responses"] + (["Value labels"] if coded else [])
    with zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as book:
        book.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(
                    _SHEET_TYPE.format(n=n) for n in range(1, len(names) + 1)
                )
            ),
        )
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, name in enumerate(names, start=1)
                )
            ),
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(
                sheets="".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org'
                    f'/officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, len(names) + 1)
                )
            ),
        )
        book.writestr("xl/styles.xml", _STYLES)
        _write_sheet(
            book,
            1,
            [c.header for c in table.columns],
            _counted(table.rows, progress),
            count=table.total,
            frozen=True,
        )
        if coded:
            labels = [
                [column.header, column.name, code, label]
                for column in table.columns
                for code, label in column.value_labels.items()
            ]
            _write_sheet(
                book,
                2,
                ["Column", "Variable", "Code", "Label"],
                labels,
                count=len(labels),
                frozen=False,
            )
