"""For the personal-links tests: a downloaded CSV parsed back."""

import csv
import io


def read_csv(content: bytes) -> tuple[list[str], list[dict]]:
    """Return (header, rows) of a downloaded CSV; assert it starts with the BOM."""
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)
