from rest_framework import serializers

from api.serializers import Email, Flag, Integer, StrictSerializer, Text


class SurveySerializer(serializers.Serializer):
    id = Integer()
    title = Text()
    state = Text()
    anonymous_responses = Flag()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class QuestionSerializer(serializers.Serializer):
    id = Integer()
    kind = Text()
    text = Text(allow_blank=True)
    removed = Flag()
    choices = serializers.ListField(child=serializers.JSONField())
    statements = serializers.ListField(child=serializers.JSONField())


class SurveyDetailSerializer(SurveySerializer):
    questions = QuestionSerializer(many=True)


class ResponseSerializer(serializers.Serializer):
    id = Text(help_text="The response ID (R_...).")
    channel = Text()
    first_name = Text(allow_blank=True)
    last_name = Text(allow_blank=True)
    email = Text(allow_blank=True)
    external_reference = Text(allow_blank=True)
    embedded_data = serializers.DictField(child=serializers.JSONField())
    started_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    screened_out = Flag()
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="{question id: stored value}; a negative id holds an Other text.",
    )


class CountsSerializer(serializers.Serializer):
    recipients = Integer()
    emails_queued = Integer()
    emails_sent = Integer()
    emails_failed = Integer()
    emails_in_doubt = Integer()
    opted_out = Integer()
    surveys_started = Integer()
    surveys_finished = Integer()


class DistributionSerializer(serializers.Serializer):
    id = Integer()
    kind = Text()
    parent = Integer(
        allow_null=True, help_text="The distribution a reminder or thank-you follows."
    )
    message_type = Text(help_text="invite, reminder or thank_you.")
    audience = Text()
    status = Text()
    contact_list = Integer(allow_null=True)
    list_name = Text()
    from_name = Text(allow_blank=True)
    from_email = Text(allow_blank=True)
    subject = Text(allow_blank=True)
    send_at = serializers.DateTimeField(allow_null=True)
    link_expires_at = serializers.DateTimeField(allow_null=True)
    sample_size = Integer(allow_null=True)
    recipients_total = Integer()
    created_at = serializers.DateTimeField()
    counts = CountsSerializer()


class FollowupWrite(StrictSerializer):
    """A reminder or thank-you: sent with each recipient's own link."""

    from_name = Text(max_length=200, allow_blank=True, default="")
    from_email = Email(max_length=254)
    reply_to = Email(max_length=254, allow_blank=True, default="")
    subject = Text(max_length=255, required=False)
    body = Text(max_length=100_000, required=False)
    message = Integer(
        min_value=1,
        max_value=2**62,
        required=False,
        help_text="A library message's id instead of subject and body.",
    )
    send_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class EmailDistributionWrite(FollowupWrite):
    """An invitation email to a list: the follow-up's fields, the list and the expiry."""

    contact_list = Integer(min_value=1, max_value=2**62)
    link_expires_at = serializers.DateTimeField(
        required=False, help_text="Default: 60 days after send_at."
    )


class ReminderWrite(FollowupWrite):
    audience = serializers.ChoiceField(
        choices=["not_finished", "not_started", "started_not_finished"],
        default="not_finished",
    )


class ThankYouWrite(FollowupWrite):
    audience = serializers.ChoiceField(choices=["finished"], default="finished")


class LinkBatchWrite(StrictSerializer):
    contact_list = Integer(min_value=1, max_value=2**62)
    expires_at = serializers.DateTimeField()
    sample_size = Integer(min_value=1, max_value=10_000_000, required=False)
    include_opted_out = Flag(default=False)


class LinkSerializer(serializers.Serializer):
    id = Integer()
    first_name = Text(allow_blank=True)
    last_name = Text(allow_blank=True)
    email = Text()
    external_reference = Text(allow_blank=True)
    language = Text(allow_blank=True)
    embedded_data = serializers.DictField(child=serializers.JSONField())
    link = serializers.URLField()
    status = Text()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class HistorySerializer(serializers.Serializer):
    id = Integer()
    first_name = Text(allow_blank=True)
    last_name = Text(allow_blank=True)
    email = Text()
    external_reference = Text(allow_blank=True)
    embedded_data = serializers.DictField(child=serializers.JSONField())
    link = serializers.URLField()
    status = Text()
    response_id = Text(allow_null=True)
    expires_at = serializers.DateTimeField()


class ExtendWrite(StrictSerializer):
    expires_at = serializers.DateTimeField()


class DoneSerializer(serializers.Serializer):
    changed = Flag()
