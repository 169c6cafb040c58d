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
