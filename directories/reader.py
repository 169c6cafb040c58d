"""Read contact spreadsheets: encoding, delimiter, header mapping (rows: rows.py).

Nothing here touches the database, so the same reader serves the Confirm import
fields preview, the import itself and the command line.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.text import one_line

csv.field_size_limit(10 * 1024 * 1024)

ENCODING_CHOICES = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("utf-16", "UTF-16 (Excel Unicode text)"),
    ("cp1252", "Windows-1252 (Western European)"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
    ("mac_roman", "Mac Roman"),
]
DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

FIELD_CHOICES = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("external_reference", "External data reference"),
    ("language", "Language"),
    ("embedded", "Extra field (embedded data)"),
    ("ignore", "Ignore this column"),
]
CONTACT_FIELDS = ("first_name", "last_name", "email", "external_reference", "language")
# Column sizes of directories.Contact; a longer value is rejected, never cut.
MAX_LENGTHS = {
    "first_name": 255,
    "last_name": 255,
    "email": 254,
    "external_reference": 255,
    "language": 32,
}
EMBEDDED_MAX_LENGTH = 10_000

# Headers as spreadsheets write them (Qualtrics template, Outlook and Google exports),
# compared after lower-casing and dropping spaces, underscores, hyphens and dots.
HEADER_ALIASES = {
    "firstname": "first_name",
    "first": "first_name",
    "givenname": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "last": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "email1value": "email",
    "primaryemail": "email",
    "externaldatareference": "external_reference",
    "externalreference": "external_reference",
    "externaldataref": "external_reference",
    "externalid": "external_reference",
    "language": "language",
    "lang": "language",
}

NOT_TEXT = (
    "This file is not a text file. Upload a CSV or tab-separated text file "
    "(in Excel: File → Save As → CSV UTF-8)."
)
EXCEL_FILE = (
    "This file is an Excel workbook, not a CSV file. In Excel choose File → Save As "
    "→ CSV UTF-8, then upload that file."
)
NO_EMAIL = (
    "The file has no Email column. Add a column headed Email (see the sample "
    "template) and upload it again."
)
EMPTY_FILE = "The file is empty: it needs a header row and at least one contact."
FILE_GONE = "The uploaded file is no longer stored: upload it again."
# The import's temporary table has one column per file column next to seven of its
# own, and PostgreSQL allows 1,600 columns in a table (a 1,700-column file was a
# 500, issue 14); each row must also fit one 8 kB page, where a long value still
# takes 18 bytes. 250 columns keeps far inside both, and no contact list needs more.
MAX_COLUMNS = 250


class ImportRefused(Exception):
    """The whole file cannot be imported; the message says why, for the owner."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_header(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name).lower()


def detect_encoding(path) -> str:
    """Return the file's encoding: BOM, else strict UTF-8, else Windows-1252.

    Refuse binary files (NUL bytes outside UTF-16, workbook signatures). The whole
    file is scanned once, so a bad byte on the last line still counts.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        raise ImportRefused(FILE_GONE) from None
    with handle:
        head = handle.read(8)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportRefused(EXCEL_FILE)
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        undefined_in_cp1252 = False
        while chunk := handle.read(1 << 20):
            if b"\x00" in chunk:
                raise ImportRefused(NOT_TEXT)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8 and not undefined_in_cp1252:
                undefined_in_cp1252 = any(
                    b in chunk for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
                )
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return "utf-8"
    return "latin-1" if undefined_in_cp1252 else "cp1252"


def open_text(path, encoding: str):
    # newline="" lets the csv module see line breaks inside quoted fields.
    try:
        return open(path, encoding=encoding, newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise ImportRefused(FILE_GONE) from None


def check_width(header: list[str]) -> None:
    """Refuse a file with more columns than an import can store."""
    if len(header) > MAX_COLUMNS:
        raise ImportRefused(
            f"The file has {len(header)} columns; Canvass can import at most "
            f"{MAX_COLUMNS}. Remove the columns you do not need and upload it again."
        )


def detect_delimiter(sample: str) -> str:
    """Return the most plausible of , ; tab | from the first lines of text."""
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    unquoted = [re.sub(r'"[^"]*"', "", line) for line in lines]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        header_count = unquoted[0].count(delimiter)
        if not header_count:
            continue
        consistent = sum(
            1 for line in unquoted[1:] if line.count(delimiter) == header_count
        )
        score = (consistent, header_count)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def guess_mapping(header: list[str]) -> list[str]:
    """Return a target field for each column, recognising common header names."""
    taken: set[str] = set()
    embedded_names: set[str] = set()
    mapping = []
    for name in header:
        target = HEADER_ALIASES.get(normalize_header(name))
        if target and target not in taken:
            taken.add(target)
            mapping.append(target)
        elif name.strip() and name.strip().lower() not in embedded_names:
            embedded_names.add(name.strip().lower())
            mapping.append("embedded")
        else:
            mapping.append("ignore")
    return mapping


def records(handle, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, cells) per non-blank record; line is the physical line it starts on."""
    reader = csv.reader(handle, delimiter=delimiter, strict=False)
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if "".join(cells).strip():
                yield start, cells
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"The file cannot be read as {handle.encoding} after line {previous_end}: "
            "choose another encoding."
        ) from exc
    except csv.Error as exc:
        raise ImportRefused(f"Line {previous_end + 1} cannot be read: {exc}.") from exc


@dataclass
class Sniffed:
    encoding: str
    detected_encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    preview: list[list[str]] = field(default_factory=list)


def sniff(path, *, encoding: str | None = None, preview_rows: int = 5) -> Sniffed:
    """Detect how to read the file and return its header and first rows.

    Raise ImportRefused for a file that is binary, empty, or has no Email column.
    """
    detected = detect_encoding(path)
    encoding = encoding or detected
    try:
        with open_text(path, encoding) as handle:
            sample = handle.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"The file cannot be read as {encoding}: choose another encoding."
        ) from exc
    except LookupError as exc:
        raise ImportRefused(f"Unknown encoding {encoding!r}.") from exc
    delimiter = detect_delimiter(sample.lstrip("\ufeff"))
    with open_text(path, encoding) as handle:
        rows = records(handle, delimiter)
        first = next(rows, None)
        if first is None:
            raise ImportRefused(EMPTY_FILE)
        header_line, header = first
        preview = [cells for _, cells in _take(rows, preview_rows)]
    header = clean_header(header)
    check_width(header)
    if "email" not in guess_mapping(header):
        raise ImportRefused(NO_EMAIL)
    return Sniffed(
        encoding=encoding,
        detected_encoding=detected,
        delimiter=delimiter,
        header=header,
        header_line=header_line,
        preview=[(row + [""] * len(header))[: len(header)] for row in preview],
    )


def clean_header(header: list[str]) -> list[str]:
    header = [one_line(name.lstrip("\ufeff")).strip() for name in header]
    # Trailing empty columns (a spreadsheet's stray formatting) are not columns.
    while header and not header[-1]:
        header.pop()
    return header


def _take(iterator, count):
    for _ in range(count):
        item = next(iterator, None)
        if item is None:
            return
        yield item
