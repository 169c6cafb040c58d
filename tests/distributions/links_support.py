"""Builders for the personal-links tests: a list of contacts, a CSV parsed back."""

import csv
import io

from directories.models import Contact, ContactList


def make_list(owner, *, name="Students", size=5, embedded_fields=()):
    the_list = ContactList.objects.create(
        owner=owner, name=name, embedded_fields=list(embedded_fields)
    )
    Contact.objects.bulk_create(
        [
            Contact(
                contact_list=the_list,
                first_name=f"First{i}",
                last_name=f"Last{i}",
                email=f"student{i}@example.edu",
                external_reference=f"REF{i}",
                embedded_data={field: f"{field}-{i}" for field in embedded_fields},
            )
            for i in range(size)
        ]
    )
    return the_list


def read_csv(content: bytes) -> tuple[list[str], list[dict]]:
    """Return (header, rows) of a downloaded CSV; assert it starts with the BOM."""
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)
