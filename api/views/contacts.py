"""Lists, contacts, bulk upsert, CSV imports."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

import directories.selectors as dir_selectors
from api import scope
from api.pagination import page_of, paged_json, paged_query, updated_since
from api.serializers.contacts import (
    CONTACT_FIELDS,
    ContactBulkResult,
    ContactBulkWrite,
    ContactImportSerializer,
    ContactImportUpload,
    ContactListSerializer,
    ContactListWrite,
    ContactPatch,
    ContactSerializer,
    ContactWrite,
    bulk_rows,
    contact_data,
    contact_import_data,
    contact_list_data,
)
from api.views.base import ApiView
from directories.services import DirectoryError
from directories.services import imports as import_services
from directories.services import lists as list_services
from directories.services.upsert import contacts_upsert
from teams.access import Right

PAGE = [
    OpenApiParameter(
        "cursor", str, description="From the previous page's next_cursor."
    ),
    OpenApiParameter("limit", int, description="Items per page, 1 to 1000 (100)."),
]
SINCE = OpenApiParameter(
    "updated_since", str, description="Only items changed at or after this time."
)


def _conflict(error: DirectoryError):
    from rest_framework.exceptions import ValidationError

    return ValidationError({"": [str(error)]})


class ListsView(ApiView):
    @extend_schema(parameters=[*PAGE, SINCE], responses=page_of(ContactListSerializer))
    def get(self, request):
        lists = scope.contact_lists(request)
        since = updated_since(request)
        if since:
            lists = lists.filter(updated_at__gte=since)
        return paged_query(request, lists, serialize=contact_list_data)

    @extend_schema(request=ContactListWrite, responses={201: ContactListSerializer})
    def post(self, request):
        scope.require(request, Right.EDIT)
        data = self.valid(ContactListWrite)
        created = list_services.contact_list_create(
            owner=request.user, name=data["name"], team=scope.team(request)
        )
        return Response(contact_list_data(created), status=status.HTTP_201_CREATED)


class ListView(ApiView):
    def _get(self, pk, right=Right.VIEW):
        return scope.contact_list(self.request, pk, right)

    @extend_schema(responses=ContactListSerializer)
    def get(self, request, pk: int):
        contact_list = self._get(pk)
        contact_list.contact_count = dir_selectors.contact_list_size(
            contact_list=contact_list
        )
        return Response(contact_list_data(contact_list))

    @extend_schema(request=ContactListWrite, responses=ContactListSerializer)
    def patch(self, request, pk: int):
        contact_list = self._get(pk, Right.EDIT)
        data = self.valid(ContactListWrite)
        try:
            contact_list = list_services.contact_list_rename(
                contact_list=contact_list, name=data["name"]
            )
        except DirectoryError as error:
            raise _conflict(error) from None
        return Response(contact_list_data(contact_list))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        # Deleting a list is the team owner's, as on the list's page.
        list_services.contact_list_delete(contact_list=self._get(pk, Right.MANAGE))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactsView(ApiView):
    @extend_schema(
        parameters=[
            *PAGE,
            SINCE,
            OpenApiParameter("q", str, description="Words found in name or email."),
        ],
        responses=page_of(ContactSerializer),
    )
    def get(self, request, list_pk: int):
        contact_list = scope.contact_list(request, list_pk)
        contacts = dir_selectors.contact_search(
            contact_list=contact_list, query=request.query_params.get("q", "")
        )
        since = updated_since(request)
        if since:
            contacts = contacts.filter(updated_at__gte=since)
        return paged_json(request, contacts, CONTACT_FIELDS)

    @extend_schema(request=ContactWrite, responses={201: ContactSerializer})
    def post(self, request, list_pk: int):
        contact_list = scope.contact_list(request, list_pk, Right.EDIT)
        data = self.valid(ContactWrite)
        added, errors = list_services.contacts_add_manual(
            contact_list=contact_list,
            rows=[data],
            extra_fields=list((data.get("embedded_data") or {}).keys()),
        )
        if errors:
            raise ValidationError(
                {field: [message] for (_, field), message in errors.items()}
            )
        contact = (
            dir_selectors.contact_search(contact_list=contact_list, query="")
            .filter(email__iexact=data["email"].strip())
            .get()
        )
        return Response(contact_data(contact), status=status.HTTP_201_CREATED)


class ContactView(ApiView):
    def _get(self, list_pk, pk, right=Right.VIEW):
        return scope.contact(self.request, list_pk, pk, right)

    @extend_schema(responses=ContactSerializer)
    def get(self, request, list_pk: int, pk: int):
        return Response(contact_data(self._get(list_pk, pk)))

    @extend_schema(request=ContactPatch, responses=ContactSerializer)
    def patch(self, request, list_pk: int, pk: int):
        contact = self._get(list_pk, pk, Right.EDIT)
        data = self.valid(ContactPatch, partial=True)
        values = {**contact_data(contact), **data}
        try:
            contact = list_services.contact_update(contact=contact, values=values)
        except DirectoryError as error:
            raise _conflict(error) from None
        return Response(contact_data(contact))

    @extend_schema(responses={204: None})
    def delete(self, request, list_pk: int, pk: int):
        list_services.contact_delete(contact=self._get(list_pk, pk, Right.EDIT))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactsBulkView(ApiView):
    @extend_schema(
        request=ContactBulkWrite,
        responses=ContactBulkResult,
        description="Add or update up to 10,000 contacts by email, all or none.",
    )
    def post(self, request, list_pk: int):
        contact_list = scope.contact_list(request, list_pk, Right.EDIT)
        rows = bulk_rows(request.data)
        try:
            result = contacts_upsert(contact_list=contact_list, rows=rows)
        except DjangoValidationError as error:
            raise ValidationError(
                {f"contacts{key}": value for key, value in error.message_dict.items()}
            ) from None
        return Response(result)


class ImportsView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request=ContactImportUpload, responses={202: ContactImportSerializer}
    )
    def post(self, request, list_pk: int):
        contact_list = scope.contact_list(request, list_pk, Right.EDIT)
        data = self.valid(ContactImportUpload)
        try:
            contact_import = import_services.contact_import_create(
                owner=request.user,
                contact_list=contact_list,
                uploaded_file=data["file"],
            )
            import_services.contact_import_configure(
                contact_import=contact_import,
                encoding=contact_import.encoding,
                mapping=None,
                on_duplicate=data["on_duplicate"],
                skip_invalid=data["skip_invalid"],
            )
            import_services.contact_import_start(contact_import=contact_import)
        except (import_services.ImportRefused, DirectoryError) as error:
            raise _conflict(error) from None
        contact_import.refresh_from_db()
        return Response(
            contact_import_data(contact_import), status=status.HTTP_202_ACCEPTED
        )


class ImportView(ApiView):
    @extend_schema(responses=ContactImportSerializer)
    def get(self, request, list_pk: int, pk: int):
        contact_import = scope.contact_import(request, list_pk, pk)
        return Response(contact_import_data(contact_import))
