from rest_framework import serializers

from api.serializers import Email, Flag, Integer, StrictSerializer, Text, TextMap

BULK_MAX = 10_000


class ContactListSerializer(serializers.Serializer):
    id = Integer(read_only=True)
    name = Text(max_length=200)
    embedded_fields = serializers.ListField(child=Text(), read_only=True)
    contact_count = Integer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ContactListWrite(StrictSerializer):
    name = Text(max_length=200)


class ContactSerializer(serializers.Serializer):
    id = Integer(read_only=True)
    first_name = Text(max_length=255, allow_blank=True, required=False)
    last_name = Text(max_length=255, allow_blank=True, required=False)
    email = Text(max_length=254)
    external_reference = Text(max_length=255, allow_blank=True, required=False)
    language = Text(max_length=32, allow_blank=True, required=False)
    embedded_data = TextMap(required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ContactWrite(StrictSerializer, ContactSerializer):
    pass


class ContactPatch(StrictSerializer, ContactSerializer):
    email = Text(max_length=254, required=False)


class ContactBulkWrite(StrictSerializer):
    contacts = ContactWrite(many=True, max_length=BULK_MAX)


class ContactBulkResult(serializers.Serializer):
    added = Integer()
    updated = Integer()


class ContactImportSerializer(serializers.Serializer):
    id = Integer()
    status = Text()
    original_name = Text()
    rows_total = Integer()
    rows_done = Integer()
    added = Integer()
    updated = Integer()
    duplicates = Integer()
    rejected = Integer()
    rejections = serializers.ListField(child=serializers.DictField())
    error = Text()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ContactImportUpload(StrictSerializer):
    file = serializers.FileField()
    on_duplicate = serializers.ChoiceField(["skip", "update"], default="skip")
    skip_invalid = Flag(default=False)


class SuppressionSerializer(serializers.Serializer):
    id = Integer(read_only=True)
    email = Text(read_only=True)
    reason = Text(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SuppressionWrite(StrictSerializer):
    email = Email(max_length=254)


def contact_list_data(contact_list) -> dict:
    return {
        "id": contact_list.pk,
        "name": contact_list.name,
        "embedded_fields": list(contact_list.embedded_fields),
        "contact_count": getattr(contact_list, "contact_count", None) or 0,
        "created_at": contact_list.created_at,
        "updated_at": contact_list.updated_at,
    }


def contact_data(contact) -> dict:
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "external_reference": contact.external_reference,
        "language": contact.language,
        "embedded_data": contact.embedded_data,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def contact_import_data(contact_import) -> dict:
    return {
        name: getattr(contact_import, name)
        for name in ContactImportSerializer._declared_fields
    }


def suppression_data(suppression) -> dict:
    return {
        "id": suppression.pk,
        "email": suppression.email,
        "reason": suppression.reason,
        "created_at": suppression.created_at,
    }


CONTACT_FIELDS = {
    name: name
    for name in (
        "id",
        "first_name",
        "last_name",
        "email",
        "external_reference",
        "language",
        "embedded_data",
        "created_at",
        "updated_at",
    )
}


BULK_TEXT_LIMITS = {
    "email": 254,
    "first_name": 255,
    "last_name": 255,
    "external_reference": 255,
    "language": 32,
}


def bulk_rows(data) -> list[dict]:
    """Return the rows of a bulk upsert body, checked for shape and types.

    What ContactBulkWrite describes, checked by hand: DRF's field machinery costs
    about 0.2 ms a row, 2 s for 10,000. The service checks the values themselves.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise serializers.ValidationError({"": ["Send a JSON object."]})
    for name in set(data) - {"contacts"}:
        errors[name] = ["Unknown field."]
    rows = data.get("contacts")
    if not isinstance(rows, list):
        errors["contacts"] = ["Give a list of contacts."]
        raise serializers.ValidationError(errors)
    if len(rows) > BULK_MAX:
        errors["contacts"] = [f"At most {BULK_MAX:,} contacts per request."]
    for index, row in enumerate(rows):
        if len(errors) >= 100:
            break
        where = f"contacts[{index}]"
        if not isinstance(row, dict):
            errors[where] = ["Give an object."]
            continue
        if "email" not in row:
            errors[f"{where}.email"] = ["This field is required."]
        for name, value in row.items():
            if name == "embedded_data":
                if not isinstance(value, dict) or not all(
                    isinstance(v, str) for v in value.values()
                ):
                    errors[f"{where}.embedded_data"] = ["Give an object of texts."]
            elif name not in BULK_TEXT_LIMITS:
                errors[f"{where}.{name}"] = ["Unknown field."]
            elif not isinstance(value, str):
                errors[f"{where}.{name}"] = ["Not a valid string."]
            elif len(value) > BULK_TEXT_LIMITS[name]:
                errors[f"{where}.{name}"] = [
                    f"Ensure this field has no more than {BULK_TEXT_LIMITS[name]} "
                    "characters."
                ]
    if errors:
        raise serializers.ValidationError(errors)
    return rows
