from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Lower

# Migrations name the token's default as distributions.models.new_token.
from core.tokens import new_token


class MessageType(models.TextChoices):
    INVITE = "invite", "Invite"
    REMINDER = "reminder", "Reminder"
    THANK_YOU = "thank_you", "Thank you"


class Message(models.Model):
    """A saved subject and body in a team's message library ("Load Message")."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    # The team whose message library holds it; `owner` is the member who saved it.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    message_type = models.CharField(max_length=16, choices=MessageType)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # More languages' subjects and bodies, {tag: {"subject", "body"}}
    # (services.message_versions); subject and body above are the default, in
    # the language of the survey it is sent with.
    versions = models.JSONField(default=dict, blank=True, db_default={})
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["message_type", "name"]
        constraints = [
            # One name per team's library; its index also serves the library's
            # list (by team). A few rows per team: costs nothing on writes.
            models.UniqueConstraint(
                fields=["team", "name"], name="message_unique_name_per_team"
            )
        ]

    def __str__(self):
        return self.name


class Distribution(models.Model):
    """One send: an email distribution, a personal-links batch, or a child of either."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        LINKS = "links", "Personal links"

    class Audience(models.TextChoices):
        ALL = "all", "Everyone on the list"
        NOT_FINISHED = "not_finished", "Not finished"
        NOT_STARTED = "not_started", "Not started"
        STARTED_NOT_FINISHED = "started_not_finished", "Started but not finished"
        FINISHED = "finished", "Finished"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        GENERATING = "generating", "Generating"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="distributions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="distributions"
    )
    # The survey's team; `owner` is the member who sent it (the audit trail says so).
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    # Reminders and thank-yous point at the distribution whose links they reuse.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(max_length=8, choices=Kind)
    message_type = models.CharField(
        max_length=16, choices=MessageType, default=MessageType.INVITE
    )
    audience = models.CharField(max_length=24, choices=Audience, default=Audience.ALL)
    contact_list = models.ForeignKey(
        "directories.ContactList",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept so the row still names its list after the list is renamed or deleted.
    list_name = models.CharField(max_length=200)
    # A personal-links batch may take a random sample of the list.
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    # Whether a personal-links batch gave links to contacts who opted out (left
    # out by default); its links CSV then flags them in an Unsubscribed column.
    include_opted_out = models.BooleanField(default=False)
    # Open tracking (off by default; the compose form says what it records): an
    # invisible image in the HTML part, whose first load sets Delivery.opened_at.
    track_opens = models.BooleanField(default=False, db_default=False)
    from_name = models.CharField(max_length=200, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    # The language subject and body are in (a core.languages tag: the survey's
    # default language when it was scheduled), and the other languages'
    # versions, {tag: {"subject", "body"}}: each recipient gets the one for their
    # Language (services.message_versions). Database defaults: the API and
    # older rows name neither.
    language = models.CharField(max_length=32, blank=True, default="", db_default="")
    versions = models.JSONField(default=dict, blank=True, db_default={})
    send_at = models.DateTimeField(null=True, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.SCHEDULED)
    recipients_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The compose form's one-time token: a double-clicked Send creates one row.
    compose_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Why the pipeline gave up on it (status failed), shown on the Emails page.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # dispatch_due: scheduled distributions whose send_at has come.
            models.Index(
                fields=["send_at"],
                condition=Q(status="scheduled"),
                name="distribution_due_idx",
            ),
            # Distributions tab: a survey's rows by kind, newest first.
            models.Index(fields=["survey", "kind", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(message_type="invite"),
                name="distribution_child_is_reminder_or_thank_you",
            ),
            models.CheckConstraint(
                condition=~Q(kind="email") | Q(send_at__isnull=False),
                name="distribution_email_has_send_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.list_name}"

    @property
    def root(self) -> "Distribution":
        return self.parent if self.parent_id else self


class Invitation(models.Model):
    """One contact's personal link in one distribution."""

    # No index of its own: invitation_one_per_address below begins with this
    # column and serves every lookup by distribution; one index fewer to fill
    # for each of a batch's 100k links.
    distribution = models.ForeignKey(
        Distribution,
        on_delete=models.CASCADE,
        related_name="invitations",
        db_index=False,
    )
    # Where the snapshot below came from; the invitation never reads through it.
    # No database constraint: its per-row check locks every contact (FOR KEY SHARE)
    # and cost a 100k-link batch over a second. Deletes still null it (SET_NULL in
    # the ORM; directories' bulk list delete detaches invitations itself).
    contact = models.ForeignKey(
        "directories.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # The contact as it was when the invitation was made.
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254)
    external_reference = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=32, blank=True)
    embedded_data = models.JSONField(default=dict, blank=True)
    # Unique through Meta.constraints rather than unique=True: that would add a
    # second (varchar_pattern_ops) index that no query uses and every insert pays.
    # Byte-wise collation: tokens are ASCII, and the unique index compares them on
    # every insert and every /s/<token>/ lookup without the locale's rules.
    token = models.CharField(max_length=64, default=new_token, db_collation="C")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the survey's responses are anonymous and this link's person
    # finished: the tie to the response is dropped in the same transaction, and the
    # invitation keeps only this (counts, reminders, history, "already completed").
    finished_anonymously_at = models.DateTimeField(null=True, blank=True)
    # The address was opted out when its identifiers were removed (a person's
    # erasure, a survey's close and strip): the Opted Out count, which matches
    # addresses, keeps counting it without the address.
    opted_out_at_removal = models.BooleanField(default=False, db_default=False)
    # One response per invitation (a single column) and one invitation per
    # response (invitation_one_per_response). A foreign key rather than a
    # one-to-one so that uniqueness can be a partial index: a new batch's links
    # have no response yet and add nothing to it.
    response = models.ForeignKey(
        "surveys.Response",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        related_query_name="invitation",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # The personal link's lookup (/s/<token>/).
            models.UniqueConstraint(fields=["token"], name="invitation_unique_token"),
            # Also the index of every lookup by distribution. Byte-wise collation:
            # equality is the same as in the database's locale, comparisons cheaper.
            models.UniqueConstraint(
                "distribution",
                Collate(Lower("email"), "C"),
                name="invitation_one_per_address",
            ),
            models.UniqueConstraint(
                fields=["response"],
                condition=Q(response__isnull=False),
                name="invitation_one_per_response",
            ),
        ]
        indexes = [
            # Opted Out counts: the few links whose address was opted out when it
            # was erased or stripped (selectors.counts); empty until then.
            models.Index(
                fields=["distribution"],
                condition=Q(opted_out_at_removal=True),
                name="invitation_opted_out_removed",
            ),
            # A batch's links in id order, a page at a time (the REST API's links
            # and history pages: distribution_id = X AND id > last ORDER BY id).
            models.Index(fields=["distribution", "id"], name="invitation_in_id_order"),
        ]

    def __str__(self):
        return f"Invitation {self.pk} for {self.email}"


class Bounce(models.TextChoices):
    SOFT = "soft", "Soft bounce"
    HARD = "hard", "Hard bounce"


class Delivery(models.Model):
    """One email (invite, reminder or thank-you) for one invitation."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Email Queued"
        SENDING = "sending", "Email Sending"
        SENT = "sent", "Email Sent"
        FAILED = "failed", "Email Failed"
        OPTED_OUT = "opted_out", "Opted Out"
        # Not sent: the owner's contact frequency rule (services.frequency).
        SKIPPED = "skipped", "Email Skipped"

    # The distribution that sends it: the invitation's own, or a reminder/thank-you.
    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, related_name="deliveries"
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=255, blank=True)
    # The email service provider's id of the message (services.outgoing), which
    # its tracking webhooks name; empty over SMTP.
    provider_message_id = models.CharField(
        max_length=255, blank=True, default="", db_default=""
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # What happened after the mail server accepted it (distributions.services
    # .bounces): a later bounce report (a DSN or a provider's webhook), "hard" (the
    # address fails for good: the status shows Email Bounced and the address is
    # suppressed) or "soft" (for now: recorded only); a hard one is never turned
    # back into soft. A complaint (a spam report) opts the address out. Database
    # defaults: the dispatch's INSERT … SELECT names its columns.
    bounce = models.CharField(
        max_length=8, choices=Bounce, blank=True, default="", db_default=""
    )
    bounce_detail = models.TextField(blank=True, default="", db_default="")
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    # The first time its open-tracking image was loaded (Distribution.track_opens;
    # views/tracking.py). Never a survey start: mail programs load images on
    # their own, some before anyone reads the email.
    opened_at = models.DateTimeField(null=True, blank=True)
    # The language of the message version it was built with (a core.languages
    # tag, services.message_versions), written with its outcome; empty until
    # then. Database default: the dispatch's INSERT … SELECT names its columns.
    language = models.CharField(max_length=32, blank=True, default="", db_default="")
    # When a send_batch task carrying this queued delivery is due to run (now, or
    # after a retry's backoff). The sweeper re-enqueues queued deliveries whose
    # task never came (worker killed, Redis flushed), judged by this time.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Emails page counts, the finish check, and the sweeper (queued or
            # sending deliveries of the distributions being sent). No partial
            # index on status alone: with the statistics of a moment ago
            # ("no queued rows"), the planner picks it over the primary key for
            # the claim (id = ANY(...) AND status = 'queued') and scans every
            # queued row, once per claim.
            models.Index(fields=["distribution", "status"]),
            # A bounce report without its VERP address finds its delivery by the
            # returned message's Message-ID (services.bounces).
            models.Index(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="delivery_message_id",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="delivery_provider_message_id",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "invitation"],
                name="delivery_one_per_invitation_per_distribution",
            )
        ]

    def __str__(self):
        return f"Delivery {self.pk} ({self.status})"


class ContactFrequencyRule(models.Model):
    """A team's limit: at most `max_emails` emails to one address in `days` days,
    across all the team's distributions (services.frequency). Reminders and
    thank-yous may be exempt: then they are neither limited nor counted."""

    # The member who set it last.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # One rule per team; its unique index is the dispatcher's lookup of the rule.
    team = models.OneToOneField(
        "teams.Team",
        on_delete=models.CASCADE,
        related_name="contact_frequency_rule",
    )
    max_emails = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField()
    exempt_follow_ups = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_emails__gte=1, days__gte=1, days__lte=366),
                name="contact_frequency_rule_sensible",
            )
        ]

    def __str__(self):
        return self.describe()

    def describe(self) -> str:
        emails = "email" if self.max_emails == 1 else "emails"
        days = "day" if self.days == 1 else "days"
        return (
            f"at most {self.max_emails} {emails} to one address in {self.days} {days}"
        )
