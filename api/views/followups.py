"""Reminders and thank-yous of an email distribution or a personal-links batch:
scheduled by the same service as Schedule Reminder / Schedule Thank You, read with
their counts, and cancelled while scheduled through the distribution's cancel URL."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema

from api import scope
from api.idempotency import IDEMPOTENCY, created_once
from api.pagination import page_of, page_params, paged_response
from api.serializers.surveys import (
    DistributionSerializer,
    ReminderWrite,
    ThankYouWrite,
)
from api.views.base import ApiView
from api.views.contacts import PAGE
from api.views.distributions import (
    EMAIL,
    LINKS,
    distribution_data,
    message_text,
)
from distributions.selectors import api_rows
from distributions.services.reminders import reminder_schedule
from teams.access import Right

REMINDER = "reminder"
THANK_YOU = "thank_you"


class FollowupsView(ApiView):
    kind = EMAIL
    message_type = REMINDER
    write = ReminderWrite

    def parent(self, survey_pk: int, pk: int, right: Right = Right.VIEW):
        distribution = scope.distribution(self.request, survey_pk, pk, self.kind, right)
        if distribution.parent_id:
            raise Http404  # a reminder has no reminders of its own
        return distribution

    def get(self, request, survey_pk: int, pk: int):
        parent = self.parent(survey_pk, pk)
        after, limit = page_params(request)
        rows = list(
            api_rows.followups(distribution=parent, message_type=self.message_type)
            .filter(id__gt=after)
            .order_by("id")[: limit + 1]
        )
        page = paged_response(request, rows, limit=limit, last_id=lambda d: d.pk)
        page.data["results"] = [distribution_data(d) for d in page.data["results"]]
        return page

    def post(self, request, survey_pk: int, pk: int):
        parent = self.parent(survey_pk, pk, Right.SEND)
        data = self.valid(self.write)
        subject, body = message_text(request, data)

        def create(token):
            return reminder_schedule(
                user=request.user,
                parent=parent,
                message_type=self.message_type,
                audience=data["audience"],
                send_at=data.get("send_at") or timezone.now(),
                from_name=data["from_name"],
                from_email=data["from_email"],
                reply_to=data["reply_to"],
                subject=subject,
                body=body,
                request_token=token,
            )

        return created_once(request, create, distribution_data)


def _views(kind: str, message_type: str, write, noun: str):
    class View(FollowupsView):
        @extend_schema(
            parameters=PAGE,
            responses=page_of(DistributionSerializer),
            summary=f"List the {noun}s, with their counts.",
        )
        def get(self, request, survey_pk: int, pk: int):
            return super().get(request, survey_pk, pk)

        @extend_schema(
            parameters=[IDEMPOTENCY],
            request=write,
            responses={201: DistributionSerializer, 200: DistributionSerializer},
            summary=f"Schedule a {noun}; cancel it at its distribution's cancel URL.",
        )
        def post(self, request, survey_pk: int, pk: int):
            return super().post(request, survey_pk, pk)

    View.kind, View.message_type, View.write = kind, message_type, write
    View.__name__ = View.__qualname__ = (
        f"{'Email' if kind == EMAIL else 'LinkBatch'}"
        f"{'Reminders' if message_type == REMINDER else 'ThankYous'}View"
    )
    return View


EmailRemindersView = _views(EMAIL, REMINDER, ReminderWrite, "reminder")
EmailThankYousView = _views(EMAIL, THANK_YOU, ThankYouWrite, "thank-you")
LinkBatchRemindersView = _views(LINKS, REMINDER, ReminderWrite, "reminder")
LinkBatchThankYousView = _views(LINKS, THANK_YOU, ThankYouWrite, "thank-you")
