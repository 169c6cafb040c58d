import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tokens import new_token

RESPONSE_ID_PREFIX = "R_"
RESPONSE_ID_ALPHABET = string.ascii_letters + string.digits
RESPONSE_ID_LENGTH = 15


def new_public_key() -> str:
    return new_token(12)


def new_response_id() -> str:
    """Return a Qualtrics-style response ID: "R_" and 15 random letters and digits.

    Not core.tokens.new_token: its URL-safe alphabet has "-" and "_", which the
    Qualtrics shape does not. 62**15 (~89 bits) makes it unguessable, and it says
    nothing about how many responses exist.
    """
    return RESPONSE_ID_PREFIX + "".join(
        secrets.choice(RESPONSE_ID_ALPHABET) for _ in range(RESPONSE_ID_LENGTH)
    )


class Survey(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    class Access(models.TextChoices):
        ANYONE = "anyone", "Available to anyone"
        INVITATION = "invitation", "Invitation only"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surveys"
    )
    # The team whose survey this is (teams.access decides who may see it); `owner` is
    # the member who made it.
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    thank_you_message = models.TextField(
        default="Thank you for completing this survey. Your response has been recorded."
    )
    closed_message = models.TextField(
        default="This survey is closed and no longer accepts responses."
    )
    # Shown when a person who finished opens any of their personal links again.
    already_completed_message = models.TextField(
        default="You have already completed this survey."
    )
    # Off (the default): a person (surveys.Response.person_key) has at most one
    # response to the survey, whichever of their personal links they use.
    allow_multiple_responses = models.BooleanField(default=False)
    # Qualtrics' "Anonymize responses": a finished response keeps no tie to the
    # person, their invitation or their contact data.
    anonymous_responses = models.BooleanField(default=False)
    # Embedded data fields the owner declares (["Department", ...]): recorded on each
    # response from the contact, or for the anonymous link from the URL's query
    # parameters of those names; exported as columns (docs/architecture.md, Logic).
    embedded_fields = models.JSONField(default=list, blank=True)
    # Closing rules (surveys.closing): a moment, a number of finished responses, and
    # quotas [{"source": "e:Department" | "q:<question id>", "limit": N}] (N finished
    # responses per value). Applied at once, like the messages.
    close_at = models.DateTimeField(null=True, blank=True)
    close_after_finished = models.PositiveIntegerField(null=True, blank=True)
    quotas = models.JSONField(default=list, blank=True)
    screen_out_message = models.TextField(
        default="Thank you for your time. You do not qualify for this survey."
    )
    state = models.CharField(max_length=16, choices=State, default=State.DRAFT)
    access = models.CharField(max_length=16, choices=Access, default=Access.ANYONE)
    # The anonymous link is /r/<public_key>/: random, so surveys cannot be enumerated.
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    # 0 until first published; each Publish adds one and stores a SurveyVersion.
    published_version = models.PositiveIntegerField(default=0)
    has_unpublished_changes = models.BooleanField(default=True)
    # The language the owner writes the survey in, and the languages it is translated
    # into (tags of core.languages, e.g. ["es", "ar"]); their texts are
    # SurveyTranslation rows, frozen into each version by Publish.
    default_language = models.CharField(max_length=35, default="en")
    languages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            # The Surveys page: a team's surveys, newest change first (survey_list).
            # Replaces the owner's index; the owner FK keeps its own small one.
            models.Index(fields=["team", "-updated_at"], name="surveys_team_updated")
        ]

    def __str__(self):
        return self.title

    @property
    def is_invitation_only(self) -> bool:
        return self.access == self.Access.INVITATION


class Page(models.Model):
    """A page break: the questions shown together on one respondent page."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveIntegerField(default=0)
    introduction = models.TextField(blank=True)
    # A rule of surveys.logic: {"join": "and"|"or", "conditions": [...]}; {} = shown.
    display_logic = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"Page {self.position + 1} of {self.survey}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        DROPDOWN = "dropdown", "Dropdown"
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        EMAIL = "email", "Email"
        RATING = "rating", "Rating scale"
        MATRIX = "matrix", "Matrix"
        NPS = "nps", "Net Promoter (0–10)"
        DATE = "date", "Date"
        RANKING = "ranking", "Ranking"
        DESCRIPTIVE = "descriptive", "Descriptive text (no answer)"

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=32, choices=Kind)
    text = models.TextField()
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    # [{"id": "c1", "label": "Yes"}, ...]: ids stay put when labels change or reorder.
    choices = models.JSONField(default=list, blank=True)
    # Matrix rows: [{"id": "s1", "label": "The room was clean"}, ...].
    statements = models.JSONField(default=list, blank=True)
    # Number bounds, or the rating/matrix scale ends.
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    # Rules of surveys.logic. display_logic: {"join", "conditions"}; skip_logic: the
    # same plus "to" (a later Page's id or "end") and "message" (a screen-out).
    display_logic = models.JSONField(default=dict, blank=True)
    skip_logic = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["page__position", "position", "id"]

    def __str__(self):
        return self.text[:60]


class SurveyVersion(models.Model):
    """What respondents see: a frozen copy of the survey made by Publish."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    # {"title", "introduction", "thank_you_message", "pages": [{"questions": [...]}]}
    definition = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], name="surveyversion_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.survey} v{self.number}"


class SurveyTranslation(models.Model):
    """The owner's translation of a survey's respondent texts into one language.

    texts: {key: translated text}, keys of surveys.translations (title, page and
    question texts, choices, messages). A key missing or blank is untranslated, and
    respondents read the original there. Publish copies the question texts into the
    version; the messages apply at once, like the originals.
    """

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(max_length=35)
    texts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["survey", "language"]
        constraints = [
            # Also the index of the respondent's lookup of a survey's messages in
            # one language (a message page in a translated language).
            models.UniqueConstraint(
                fields=["survey", "language"], name="surveytranslation_one_per_language"
            )
        ]

    def __str__(self):
        return f"{self.survey} in {self.language}"


class Response(models.Model):
    """One respondent's answers to one survey, through one link."""

    class Channel(models.TextChoices):
        ANONYMOUS = "anonymous", "Anonymous link"
        INVITATION = "invitation", "Personal link"

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    version = models.ForeignKey(
        SurveyVersion, on_delete=models.PROTECT, related_name="responses"
    )
    # Shown and exported instead of the sequential pk (R_3kQ9zP2mLx7Vb1c); unique by
    # response_public_id_unique. Collation "C" compares bytes, as for invitation tokens.
    public_id = models.CharField(
        max_length=17, default=new_response_id, db_collation="C"
    )
    channel = models.CharField(max_length=16, choices=Channel)
    # Anonymous respondents resume by a cookie holding this key.
    resume_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Who answers, as the personal link's caller names them (an opaque key, e.g. the
    # address in lower case), when the survey allows one response per person: unique
    # per survey (response_one_per_person), so two links of one person opened at the
    # same instant make one response. NULL for anonymous links, surveys allowing
    # several responses, and anonymous responses once finished.
    person_key = models.CharField(
        max_length=300, null=True, blank=True, db_collation="C"
    )
    # The contact's data, copied when a personal link's response is created.
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    external_reference = models.CharField(max_length=255, blank=True)
    embedded_data = models.JSONField(default=dict, blank=True)
    # Index of the page the respondent is on (0-based) in `version`.
    current_page = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Ended by a screen-out (a skip to the end with a message, or a full quota): it
    # has finished_at but counts toward no cap or quota.
    screened_out = models.BooleanField(default=False)
    # The language the respondent last submitted a page in (a tag of core.languages);
    # "" for responses from before surveys had languages. Exported as UserLanguage.
    language = models.CharField(max_length=35, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Responses tab and export: a survey's responses, newest first.
            models.Index(fields=["survey", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(started_at__isnull=False),
                name="response_finished_after_started",
            ),
            # A constraint rather than unique=True, which would add a second,
            # varchar_pattern_ops index that nothing queries. Serves the response
            # page's lookup by public_id.
            models.UniqueConstraint(
                fields=["public_id"], name="response_public_id_unique"
            ),
            # Also the index of the lookup of a person's response to a survey.
            models.UniqueConstraint(
                fields=["survey", "person_key"],
                condition=Q(person_key__isnull=False),
                name="response_one_per_person",
            ),
        ]

    def __str__(self):
        return f"Response {self.public_id}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class Answer(models.Model):
    """One question's answer in one response; survives the question's removal."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    # The Question's id, kept without a foreign key so a removed question's answers
    # stay readable through the SurveyVersion that asked it.
    question_id = models.BigIntegerField()
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_id"], name="answer_one_per_question"
            )
        ]

    def __str__(self):
        return f"Answer to {self.question_id} in {self.response_id}"


class ResponseExport(models.Model):
    """An Excel or SPSS export too large for a request: built by a worker, then
    downloaded by its owner (surveys.services.exports)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"
        SAV = "sav", "SPSS (.sav)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The survey's team, so a removed member's download is refused (teams.access).
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8, choices=Format)
    # Coded values (1, 2, 3 with value labels) rather than choice text.
    coded = models.BooleanField(default=False)
    # The Responses filter it was asked with (surveys.response_filters.to_dict);
    # {} for every response.
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The file under MEDIA_ROOT/response_exports/, named by a random token.
    stored_name = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the worker last claimed it or counted rows: a running export silent
    # for SURVEYS_EXPORT_STUCK_AFTER had its worker die, and is built again.
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_format_display()} export of {self.survey}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def filter_words(self) -> str:
        """The Responses filter it applied, in words ("" for every response)."""
        from surveys.response_filters import ResponseFilter  # noqa: PLC0415  models load first

        return ResponseFilter.from_dict(self.filters).words()

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
