"""What every API view shares: input parsing with problem details on failure."""

from rest_framework.views import APIView


class ApiView(APIView):
    """An API view; `valid(Serializer)` returns the request's validated data."""

    def valid(self, serializer_class, *, partial=False):
        data = self.request.data
        if not isinstance(data, dict):
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"": ["Send a JSON object."]})
        serializer = serializer_class(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def int_param(value: str) -> int:
    """Return a path id, or raise Http404 when it is too big for the database."""
    from django.http import Http404

    number = int(value)
    if number > 2**63 - 1:
        raise Http404
    return number
