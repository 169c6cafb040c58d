"""The hostile-input walk's tools: a world where every URL resolves, the URLconf
walk, and the forms of a page read from its HTML (tests/core/test_hostile_input.py).
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import sender_add, sender_confirmation_token
from api.models import WebhookEndpoint
from api.services import api_key_create
from directories.models import Suppression
from directories.services.imports import contact_import_create
from distributions.bounces.verp import delivery_reference
from distributions.models import Message
from distributions.services.compose import preview_token
from surveys import services
from surveys.models import Answer
from surveys.respondent import response_create
from surveys.services import publishing
from surveys.services.translations import survey_language_add
from teams.models import Membership, Role, Team
from teams.services import personal_team_id
from teams.services.invitations import invitation_create, invitation_token
from tests.distributions.ui_support import (
    deliver,
    email_distribution,
    links_batch,
)
from tests.factories import UserFactory
from tests.helpers import make_list

# Values a stranger may send. Each is written into the request exactly as a hostile
# client would: a lone surrogate as its CESU-8 bytes, which no UTF-8 decoder takes.
NUL = "a\x00b"
NUMBER = "1e1000000"
LONG_TEXT = "x" * 100_000
LONG_DIGITS = "9" * 100_000
BIG_INT = "-99999999999999999999"  # an int() takes it; no integer column does
SURROGATES = "\ud800x\udfff"
MIXED = (
    "Ana\r\nBcc: thief@evil.example\r\u202e\u200f\u200eשלום 😀👩‍👩‍👧 "
    "{{ 7*7 }} {% debug %} ${e://Field/x} ' OR 1=1 -- \"; DROP TABLE x; -- "
    "<script>alert(1)</script> %s %(x)s \\ \t"
)
HOSTILE = {
    "nul": NUL,
    "number": NUMBER,
    "long-text": LONG_TEXT,
    "long-digits": LONG_DIGITS,
    "big-int": BIG_INT,
    "surrogates": SURROGATES,
    "mixed": MIXED,
}
# Tried field by field, the other fields keeping their valid values (a NUL anywhere
# is refused at the edge, core.middleware, so it needs no field of its own).
PER_FIELD = ("number", "big-int", "long-text", "surrogates", "mixed")
# Query names every page may read, next to the names of its forms' fields.
QUERY_NAMES = ("page", "q", "next", "sort", "status", "action")

# Pages anyone may open (the login-required test's list) and the respondent pages.
ANONYMOUS_PAGES = {
    "accounts:login",
    "accounts:logout",
    "accounts:signup",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "admin:login",
}


def encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(pairs) -> str:
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)


def url_patterns() -> list[tuple[str, URLPattern]]:
    """Every named URL of the URLconf, as (full name, pattern)."""
    found = []

    def walk(resolver: URLResolver, namespaces: list[str]):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                space = (
                    namespaces + [entry.namespace] if entry.namespace else namespaces
                )
                walk(entry, space)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((":".join([*namespaces, entry.name]), entry))

    walk(get_resolver(), [])
    # The admin's pages are for staff, Django's own; its sign-in page is anyone's.
    return [
        (name, entry)
        for name, entry in found
        if not name.startswith("admin:") or name == "admin:login"
    ]


def is_anonymous_page(full_name: str) -> bool:
    return full_name.rsplit(":", 1)[-1].startswith("public_") or (
        full_name in ANONYMOUS_PAGES
    )


# --- the world --------------------------------------------------------------------


@dataclass
class World:
    owner: object
    survey: object
    pages: list
    questions: list
    contact_list: object
    contact: object
    email: object
    links: object
    invitation: object
    response: object
    contact_import: object
    suppression: object
    message: object
    kwargs: dict = field(default_factory=dict)
    sender_token: str = ""
    api_key: object = None
    webhook: object = None
    team_member: object = None
    team_invitation: object = None
    team_token: str = ""


def build_world() -> World:
    """An owner with one of everything: a survey with every kind of question (all on
    page 1, so one respondent POST meets them all), a list, an email distribution and
    a links batch, a response, an uploaded import, an opt-out, a saved message."""
    owner = UserFactory()
    survey = services.survey_create(owner=owner, title="Every kind")
    first = survey.pages.get()
    second = services.page_add(survey=survey)
    questions = []
    for kind, changes in [
        ("single_choice", {"choice_labels": ["Yes", "No"], "required": True}),
        ("multiple_choice", {"choice_labels": ["A", "B", "C"]}),
        ("dropdown", {"choice_labels": ["One", "Two"]}),
        ("short_text", {}),
        ("long_text", {}),
        ("number", {"min_value": 1, "max_value": 10}),
        ("number", {}),
        ("email", {}),
        ("rating", {"min_value": 0, "max_value": 10}),
        (
            "matrix",
            {"choice_labels": ["No", "Yes"], "statement_labels": ["S1", "S2"]},
        ),
    ]:
        question = services.question_add(survey=survey, page=first, kind=kind)
        questions.append(
            services.question_update(
                question=question,
                text=f"A {kind} question",
                help_text="",
                required=changes.pop("required", False),
                **changes,
            )
        )
    services.question_add(survey=survey, page=second, kind="short_text")
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()

    people = make_list(owner, name="Students", n=3, embedded_fields=["Cohort"])
    email = email_distribution(survey, people)
    invitation = email.invitations.order_by("pk").first()
    delivery = deliver(email, invitation)
    links = links_batch(owner, survey)
    response = response_create(survey=survey, channel="anonymous", resume_key="r" * 43)
    response.started_at = response.finished_at = timezone.now()
    response.save()
    Answer.objects.create(response=response, question_id=questions[3].pk, value="Hi")
    contact_import = contact_import_create(
        owner=owner,
        contact_list=people,
        uploaded_file=SimpleUploadedFile(
            "contacts.csv", b"Email,FirstName\r\nnew@example.edu,New\r\n"
        ),
    )
    world = World(
        owner=owner,
        survey=survey,
        pages=[first, second],
        questions=questions,
        contact_list=people,
        contact=people.contacts.order_by("pk").first(),
        email=email,
        links=links,
        invitation=invitation,
        response=response,
        contact_import=contact_import,
        suppression=Suppression.objects.create(
            owner=owner, team_id=personal_team_id(owner.pk), email="gone@example.edu"
        ),
        message=Message.objects.create(
            owner=owner,
            team_id=personal_team_id(owner.pk),
            name="Saved",
            message_type="invite",
            subject="Hi ${m://FirstName}",
            body="${l://SurveyLink?d=Go}",
        ),
    )
    world.api_key, _ = api_key_create(owner=owner, name="walk", access="write")
    # Made directly: the service refuses a loopback target, as it should.
    world.webhook = WebhookEndpoint.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        url="http://127.0.0.1:9/",
        events=["response.finished"],
    )
    # The teams pages: the owner's personal team with a colleague and an invitation.
    team = Team.objects.get(pk=personal_team_id(owner.pk))
    world.team_member = Membership.objects.create(
        team=team, user=UserFactory(), role=Role.EDITOR
    )
    world.team_invitation = invitation_create(
        user=owner, team=team, email="colleague@example.edu", role=Role.VIEWER
    )
    _, world.team_token = invitation_token(invitation_id=world.team_invitation.pk)
    # A translation to open: the Translations pages take a language.
    survey_language_add(survey=survey, language="es")
    sender = sender_add(user=owner, email="lab@example.edu")
    _, world.sender_token = sender_confirmation_token(sender_id=sender.pk)
    world.kwargs = {
        "survey_id": survey.pk,
        "survey_pk": survey.pk,
        "membership_id": world.team_member.pk,
        "language": "es",
        # Campus sign-in's URLs (allauth): a provider and an organization.
        "provider_id": "campus",
        "organization_slug": "uni",
        "link_pk": links.invitations.order_by("pk").first().pk,
        "list_pk": world.contact_list.pk,
        "question_id": survey.questions.filter(kind="long_text").first().pk,
        "export_pk": 999999,
        "page_pk": second.pk,
        "import_pk": contact_import.pk,
        "contact_pk": world.contact.pk,
        "invitation_id": invitation.pk,
        "response_id": response.public_id,
        "suppression_pk": world.suppression.pk,
        "public_key": survey.public_key,
        "token": invitation.token,
        "reference": delivery_reference(delivery.pk),
        "key": preview_token(survey=survey),
        "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
        "file_name": "none.eml",
        "index": 0,
    }
    return world


@contextmanager
def world_for_module(django_db_blocker, media):
    """One world for a test module, in a transaction each test's own rolls back to:
    building it costs more than most pages' walk; every test sees it as built."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            path = Path(world.contact_import.stored_path)
            world.upload = (path, path.read_bytes())
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def url_variants(full_name: str, entry: URLPattern, world: World) -> list[str]:
    """The URLs of one pattern with the world's objects; question pages once per
    question, so every kind's form is met."""
    names = set(getattr(entry.pattern, "converters", {}))
    if ":" not in full_name:
        # An included URLconf's arguments (allauth's <provider_id>/...) sit in the
        # including pattern: the root resolver knows them all.
        for possibilities, *_ in get_resolver().reverse_dict.getlist(full_name):
            for _, params in possibilities:
                names |= set(params)
    kwargs = {name: world.kwargs[name] for name in names if name in world.kwargs}
    if "pk" in names:
        kwargs["pk"] = _pk_for(full_name, world)
    if full_name == "accounts:password_reset_confirm":
        kwargs["token"] = default_token_generator.make_token(world.owner)
    if full_name == "accounts:sender_confirm":
        kwargs["token"] = world.sender_token
    if full_name.startswith("teams:public_join"):
        kwargs["token"] = world.team_token
    if full_name == "teams:invitation_revoke":
        kwargs["invitation_id"] = world.team_invitation.pk
    missing = names - set(kwargs) - {"question_pk"}
    assert not missing, f"the walk has no object for {full_name} {missing}"
    if "question_pk" in names:
        # The edit page's form differs by kind: once per question; else the first.
        questions = (
            world.questions if full_name.endswith("_edit") else world.questions[:1]
        )
        return [
            reverse(full_name, kwargs={**kwargs, "question_pk": q.pk})
            for q in questions
        ]
    return [reverse(full_name, kwargs=kwargs)]


def hostile_paths(full_name: str, entry: URLPattern, world: World) -> list[str]:
    """The URL with each text argument (a token, a key, an ID) set to each value."""
    converters = getattr(entry.pattern, "converters", {})
    [url] = url_variants(full_name, entry, world)[:1]
    kwargs = dict(resolve(url).kwargs)
    paths = []
    for name, converter in converters.items():
        if type(converter).__name__ not in ("StringConverter", "PathConverter"):
            continue
        for value in HOSTILE.values():
            path = reverse(full_name, kwargs={**kwargs, name: "PLACEHOLDER"})
            paths.append(path.replace("PLACEHOLDER", encode(value)))
    return paths


def _api_pk(name: str, world: World) -> int:
    """The object of a REST API URL's `pk` (or, for key and webhook pages, theirs)."""
    named = {
        "list": world.contact_list,
        "contact": world.contact,
        "import": world.contact_import,
        "survey": world.survey,
        "suppression": world.suppression,
        "key_revoke": world.api_key,
    }
    if name in named:
        return named[name].pk
    if name.startswith("webhook"):
        return world.webhook.pk
    if name.startswith(("link_batch", "links", "link_")):
        return world.links.pk
    return world.email.pk


def _pk_for(full_name: str, world: World) -> int:
    namespace, name = full_name.split(":", 1)
    if namespace == "api":
        return _api_pk(name, world)
    if namespace == "surveys":
        return world.survey.pk
    if namespace == "teams":
        return personal_team_id(world.owner.pk)
    if namespace == "directories":
        return world.contact_list.pk
    if name.startswith("message"):
        return world.message.pk
    if name.startswith("links"):
        return world.links.pk
    return world.email.pk


# --- forms read from a page ----------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.fields))


class FormParser(HTMLParser):
    """Collect each form's fields with the values a browser would send."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            method = (attrs.get("method") or "get").lower()
            self.current = Form(method=method, action=action)
            self.forms.append(self.current)
            return
        if tag == "option" and self.select is not None:
            if self.select_value is None or "selected" in attrs:
                self.select_value = attrs.get("value", "")
            return
        if self.current is None or not attrs.get("name"):
            return
        name = attrs["name"]
        kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
        fields = self.current.fields
        if tag in ("input", "button") and kind in ("submit", "image"):
            self.current.buttons.append((name, attrs.get("value", "")))
        elif tag == "input" and kind in ("checkbox", "radio"):
            # The first box of a group, or the checked one: a value the form takes.
            present = any(n == name for n, _ in fields)
            if "checked" in attrs or not present:
                if kind == "radio":
                    fields[:] = [(n, v) for n, v in fields if n != name]
                fields.append((name, attrs.get("value", "on")))
        elif tag == "input" and kind != "file":
            fields.append((name, attrs.get("value", "")))
        elif tag == "select":
            self.select, self.select_value = name, None
        elif tag == "textarea":
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea" and self.textarea is not None and self.current:
            self.current.fields.append((self.textarea, self.text))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.current:
            self.current.fields.append((self.select, self.select_value or ""))
            self.select = None


def page_forms(page_url: str, html: str) -> list[Form]:
    """The forms of a page that post to this site, with their current values."""
    parser = FormParser(page_url)
    parser.feed(html)
    return [
        form
        for form in parser.forms
        if urlsplit(form.action).netloc in ("", "testserver")
    ]


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
