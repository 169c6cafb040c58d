"""Scratch data shared by the benchmark scripts (imported after django.setup())."""

import json

from django.db import connection, transaction
from django.utils import timezone


def copy_contacts(contact_list, count: int, embedded_data: dict) -> None:
    """Fill a list with `count` contacts person{i}@bench.example.edu in one COPY."""
    now = timezone.now()
    data = json.dumps(embedded_data)
    with (
        connection.cursor() as cursor,
        transaction.atomic(),
        cursor.cursor.copy(
            "COPY directories_contact (contact_list_id, first_name, last_name, email,"
            " external_reference, language, embedded_data, created_at, updated_at)"
            " FROM STDIN"
        ) as copy,
    ):
        for i in range(count):
            copy.write_row(
                (
                    contact_list.pk,
                    "Ana",
                    f"Person{i}",
                    f"person{i}@bench.example.edu",
                    f"R{i}",
                    "",
                    data,
                    now,
                    now,
                )
            )
