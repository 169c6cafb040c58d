"""Add or update many contacts of a list by email in one statement (the API's bulk
upsert)."""

import json

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction

from directories.models import Contact, ContactList
from directories.reader import EMBEDDED_MAX_LENGTH, MAX_LENGTHS
from directories.services.lists import contact_values_clean

FIELDS = ("first_name", "last_name", "external_reference", "language")
_email_valid = EmailValidator()


def _row_errors(index: int, values: dict, seen: dict) -> list[tuple[str, str]]:
    errors = []
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name) or "") > limit:
            errors.append((f"[{index}].{name}", f"Too long: at most {limit}."))
    email = (values.get("email") or "").strip()
    try:
        _email_valid(email)
    except ValidationError:
        errors.append((f"[{index}].email", f"{email!r} is not a valid email address."))
    else:
        first = seen.setdefault(email.lower(), index)
        if first != index:
            errors.append((f"[{index}].email", f"{email} repeats row {first}."))
    for key, value in (values.get("embedded_data") or {}).items():
        if len(value) > EMBEDDED_MAX_LENGTH or not key.strip():
            errors.append((f"[{index}].embedded_data", f"Field {key!r} is not valid."))
    return errors


def contacts_upsert(*, contact_list: ContactList, rows: list[dict]) -> dict:
    """Add each row as a contact, or update the list's contact with its email.

    All or nothing: invalid rows raise ValidationError({field: message}) and write
    nothing. Given values replace the stored ones; embedded data is merged.
    Return {"added": n, "updated": m}.
    """
    rows = [contact_values_clean(values, field_names=True) for values in rows]
    seen: dict[str, int] = {}
    errors = [e for i, values in enumerate(rows) for e in _row_errors(i, values, seen)]
    if errors:
        raise ValidationError(dict(errors[:100]))
    if not rows:
        return {"added": 0, "updated": 0}
    emails = [values["email"].strip() for values in rows]
    # None: the row left the field out, so an existing contact keeps its value.
    fields = [[values.get(name) for values in rows] for name in FIELDS]
    embedded = [json.dumps(values.get("embedded_data") or {}) for values in rows]
    table = Contact._meta.db_table
    source = """unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
        %s::text[]) AS r(email, first_name, last_name, external_reference, language,
        embedded_data)"""
    params = [emails, *fields, embedded]
    keep = ", ".join(f"{name} = coalesce(r.{name}, c.{name})" for name in FIELDS)
    with transaction.atomic():
        # The list's row lock: Manual input, imports and upserts of one list take
        # turns, so no contact appears between the UPDATE and the INSERT below.
        locked = ContactList.objects.select_for_update().get(pk=contact_list.pk)
        with connection.cursor() as cursor:
            # The (list, lower(email)) unique index finds each existing contact.
            cursor.execute(
                f"""UPDATE {table} AS c SET {keep},
                    embedded_data = c.embedded_data || r.embedded_data::jsonb,
                    updated_at = now()
                FROM {source}
                WHERE c.contact_list_id = %s AND lower(c.email) = lower(r.email)""",
                [*params, locked.pk],
            )
            updated = cursor.rowcount
            cursor.execute(
                f"""INSERT INTO {table} (contact_list_id, email, first_name, last_name,
                    external_reference, language, embedded_data, created_at,
                    updated_at)
                SELECT %s, r.email, coalesce(r.first_name, ''),
                    coalesce(r.last_name, ''), coalesce(r.external_reference, ''),
                    coalesce(r.language, ''), r.embedded_data::jsonb, now(), now()
                FROM {source}
                ON CONFLICT (contact_list_id, lower(email)) DO NOTHING""",
                [locked.pk, *params],
            )
            added = cursor.rowcount
        new_fields = {
            key for values in rows for key in (values.get("embedded_data") or {})
        }
        known = {name.lower() for name in locked.embedded_fields}
        added_fields = sorted(name for name in new_fields if name.lower() not in known)
        if added_fields:
            locked.embedded_fields = [*locked.embedded_fields, *added_fields]
            locked.save(update_fields=["embedded_fields", "updated_at"])
    return {"added": added, "updated": updated}
