"""Lists and their contacts: create, rename, delete, edit, Manual input."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, models, transaction

from core.text import multiline, one_line
from directories.models import Contact, ContactList
from directories.reader import EMBEDDED_MAX_LENGTH, MAX_LENGTHS
from directories.services import DirectoryError
from directories.services.imports import import_directory
from teams.services import team_of


def _check_list_name(*, team_id: int, name: str, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise DirectoryError("Enter a list name.")
    if len(name) > ContactList._meta.get_field("name").max_length:
        raise DirectoryError("The list name is too long (at most 200 characters).")
    taken = ContactList.objects.filter(team_id=team_id, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DirectoryError(_name_taken(name))
    return name


def _name_taken(name: str) -> str:
    return f"You already have a list named “{name}”."


def contact_list_create(*, owner, name: str, team=None) -> ContactList:
    """A new list made by `owner` in `team` (default: the owner's personal team)."""
    team = team_of(user=owner, team=team)
    name = _check_list_name(team_id=team.pk, name=name)
    try:
        with transaction.atomic():
            return ContactList.objects.create(owner=owner, team=team, name=name)
    except IntegrityError as exc:
        # Two tabs creating the same name at once: the unique constraint decides.
        raise DirectoryError(_name_taken(name)) from exc


def contact_list_rename(*, contact_list: ContactList, name: str) -> ContactList:
    name = _check_list_name(
        team_id=contact_list.team_id, name=name, exclude_pk=contact_list.pk
    )
    contact_list.name = name
    try:
        with transaction.atomic():
            contact_list.save(update_fields=["name", "updated_at"])
    except IntegrityError as exc:
        raise DirectoryError(_name_taken(name)) from exc
    return contact_list


@transaction.atomic
def contact_list_delete(*, contact_list: ContactList) -> None:
    """Delete a list and its contacts, in a few statements whatever its size.

    Django's cascade would load every contact id (a million for a big list) to
    honour the SET_NULL of rows that point at contacts; one UPDATE per such
    relation and one DELETE do the same work in the database.
    """
    paths = list(contact_list.imports.values_list("stored_path", flat=True))
    if _detach_contacts(contact_list):
        Contact.objects.filter(contact_list=contact_list)._raw_delete(
            Contact.objects.db
        )
    contact_list.delete()
    transaction.on_commit(lambda: _remove_files(paths))


def _detach_contacts(contact_list: ContactList) -> bool:
    """SET NULL every reference to the list's contacts; False if one must cascade."""
    relations = [
        relation
        for relation in Contact._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]
    if any(relation.on_delete is not models.SET_NULL for relation in relations):
        return False
    for relation in relations:
        name = relation.field.name
        relation.related_model._base_manager.filter(
            **{f"{name}__contact_list": contact_list}
        ).update(**{name: None})
    return True


def _remove_files(paths):
    for path in paths:
        if path and str(path).startswith(str(import_directory())):
            Path(path).unlink(missing_ok=True)


SINGLE_LINE_FIELDS = ("first_name", "last_name", "external_reference", "language")


def contact_values_clean(values: dict, *, field_names: bool = False) -> dict:
    """Return a contact's values without control characters (core.text).

    Names, reference and language on one line; embedded data keeps its line breaks
    as LF. field_names also puts the embedded field names on one line (new fields).
    """
    cleaned = dict(values)
    for name in SINGLE_LINE_FIELDS:
        if values.get(name):
            cleaned[name] = one_line(values[name])
    embedded = values.get("embedded_data") or {}
    cleaned["embedded_data"] = {
        (one_line(key).strip() if field_names else key): multiline(value or "")
        for key, value in embedded.items()
    }
    return cleaned


def contact_values_errors(
    *, contact_list: ContactList, values: dict, exclude_pk: int | None = None
) -> dict[str, str]:
    """Return {field: message} for one contact's values, by the import's rules."""
    errors = {}
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name) or ""
        if len(value) > limit:
            errors[name] = f"Too long: {len(value)} characters, at most {limit}."
    email = (values.get("email") or "").strip()
    if "email" not in errors:
        if not email:
            errors["email"] = "Email is missing."
        else:
            try:
                EmailValidator()(email)
            except ValidationError:
                errors["email"] = f"{email!r} is not a valid email address."
    if "email" not in errors:
        taken = contact_list.contacts.filter(email__iexact=email)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["email"] = f"{email} is already in this list."
    for name, value in (values.get("embedded_data") or {}).items():
        if len(value) > EMBEDDED_MAX_LENGTH:
            errors[f"embedded:{name}"] = (
                f"Too long: {len(value)} characters, at most {EMBEDDED_MAX_LENGTH}."
            )
    return errors


def contact_update(*, contact: Contact, values: dict) -> Contact:
    """Save edited values; raise DirectoryError listing the problems."""
    values = contact_values_clean(values)
    errors = contact_values_errors(
        contact_list=contact.contact_list, values=values, exclude_pk=contact.pk
    )
    if errors:
        raise DirectoryError(" ".join(errors.values()))
    for name in SINGLE_LINE_FIELDS:
        setattr(contact, name, values.get(name) or "")
    contact.email = values["email"].strip()
    contact.embedded_data = {
        **contact.embedded_data,
        **(values.get("embedded_data") or {}),
    }
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:
        raise DirectoryError(f"{contact.email} is already in this list.") from exc
    return contact


def contact_delete(*, contact: Contact) -> None:
    contact.delete()


def contacts_add_manual(
    *, contact_list: ContactList, rows: list[dict], extra_fields: list[str]
) -> tuple[int, dict[tuple[int, str], str]]:
    """Add the rows typed into Manual input, all or none.

    Each row is {"first_name", "last_name", "email", "embedded_data": {...}}; rows
    with every cell empty are ignored. Return (added, errors) where errors maps
    (row index, field) to a message; when there are errors nothing is saved.
    """
    rows = [contact_values_clean(values, field_names=True) for values in rows]
    extra_fields = [one_line(name).strip() for name in extra_fields]
    errors: dict[tuple[int, str], str] = {}
    seen: dict[str, int] = {}
    to_add = []
    for index, values in enumerate(rows):
        cells = [values.get(n) or "" for n in ("first_name", "last_name", "email")]
        cells += list((values.get("embedded_data") or {}).values())
        if not any(cell.strip() for cell in cells):
            continue
        row_errors = contact_values_errors(contact_list=contact_list, values=values)
        email = (values.get("email") or "").strip()
        if "email" not in row_errors and email.lower() in seen:
            row_errors["email"] = (
                f"{email} is already in row {seen[email.lower()] + 1} above."
            )
        seen.setdefault(email.lower(), index)
        for name, message in row_errors.items():
            errors[(index, name)] = message
        to_add.append(values)
    if errors:
        return 0, errors
    if not to_add:
        return 0, {(0, "email"): "Type at least one contact."}
    with transaction.atomic():
        locked = ContactList.objects.select_for_update().get(pk=contact_list.pk)
        Contact.objects.bulk_create(
            Contact(
                contact_list=locked,
                first_name=values.get("first_name") or "",
                last_name=values.get("last_name") or "",
                email=values["email"].strip(),
                embedded_data=values.get("embedded_data") or {},
            )
            for values in to_add
        )
        known = {name.lower() for name in locked.embedded_fields}
        new = [name for name in extra_fields if name.lower() not in known]
        if new:
            locked.embedded_fields = [*locked.embedded_fields, *new]
            locked.save(update_fields=["embedded_fields", "updated_at"])
    return len(to_add), {}
