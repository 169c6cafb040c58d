"""No value a stranger or an owner can send is a 5xx or costs a second of CPU.

Issue 14's "test that keeps it so": walk the URLconf; open every page with real
objects behind it (tests/core/hostile_support.py), as the owner or, for respondent
and sign-in pages, as nobody; read every form of the page from its HTML; then send
each hostile value (NUL, 1e1000000, 100,000 characters, lone surrogates, CR/LF,
bidi marks, emoji, SQL and template syntax) to all fields at once and to each field
alone, as query values on every GET, and in the place of every text argument of a
URL (a token, a key, a response ID). A new page or form is covered without
touching this file; a new URL argument needs an object in build_world().

The second is CPU time in this process (time.process_time: the test client runs the
view here), the issue's bound, and steady on a loaded machine where wall time is not.
"""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import resolve

from tests.core.hostile_support import (
    HOSTILE,
    PER_FIELD,
    QUERY_NAMES,
    Form,
    hostile_paths,
    is_anonymous_page,
    local_path,
    page_forms,
    url_patterns,
    url_variants,
    urlencoded,
    world_for_module,
)

# A sweep of every page with every hostile value (about a minute): `make test`
# and CI run it; `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

CPU_LIMIT = 1.0
PATTERNS = dict(url_patterns())
# The benchmark page exists only with SURVEYS_BENCH_VIEW; the Outbox only with DEBUG.
SKIP = {"surveys:bench_bare"}
DEBUG_ONLY = {"core:public_outbox", "core:public_outbox_message"}
# Pages of an object the world does not build (a finished export, a question's
# "Other" answers): walked for 5xx all the same, their 404 allowed.
NO_OBJECT = {
    "surveys:response_export_status",
    "surveys:response_export_file",
    "surveys:response_other_answers",
    # Campus sign-in of a provider the test settings do not configure (allauth
    # answers 404 for an unknown provider or organization).
    "openid_connect_login",
    "openid_connect_callback",
    "saml_acs",
    "saml_finish_acs",
    "saml_login",
    "saml_metadata",
    "saml_sls",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        yield world


@pytest.fixture(autouse=True)
def uploaded_file_back(world):
    # A walk that completes the import deletes its file, which no rollback returns.
    path, content = world.upload
    path.write_bytes(content)


@pytest.fixture(autouse=True)
def fresh_limits():
    # Sign-in and invalid-link limits live in the cache: a walk must not lock the
    # next test out.
    cache.clear()
    yield
    cache.clear()


class Walker:
    def __init__(self, client: Client, *, owner_role: bool):
        self.client = client
        self.owner_role = owner_role
        self.failures: list[str] = []
        self.requests = 0
        self.seen: set = set()
        self.plain_statuses: list[int] = []

    def send(self, method: str, url: str, body: str = "", note: str = ""):
        self.requests += 1
        started = time.process_time()
        if method == "get":
            answered = self.client.get(url)
        else:
            answered = self.client.post(
                url, body, content_type="application/x-www-form-urlencoded"
            )
        spent = time.process_time() - started
        if answered.status_code >= 500 or spent > CPU_LIMIT:
            error = getattr(answered, "exc_info", None)
            cause = repr(error[1])[:200] if error else ""
            self.failures.append(
                f"{method.upper()} {url[:100]} [{note}] -> {answered.status_code} "
                f"in {spent:.2f}s CPU {cause}"
            )
        return answered

    def visit(self, url: str):
        page = self.send("get", url, note="plain")
        self.plain_statuses.append(page.status_code)
        forms = []
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            forms = page_forms(url, page.content.decode())
        names = list(
            dict.fromkeys([*QUERY_NAMES, *(n for f in forms for n in f.names())])
        )
        for label, value in HOSTILE.items():
            query = urlencoded((name, value) for name in names)
            self.send("get", f"{url}?{query}", note=f"query {label}")
        for form in forms:
            self.submit_all_ways(form)

    def submit_all_ways(self, form: Form):
        action = local_path(form.action)
        # The same form for each row of a table (a Delete per question) is one form.
        view = resolve(action.split("?")[0]).view_name
        key = (view, form.method, tuple(form.names()), tuple(form.buttons))
        if key in self.seen or (self.owner_role and view == "accounts:logout"):
            # The owner's walk keeps its session: Log out is the anonymous walk's.
            return
        self.seen.add(key)
        for button in form.buttons or [None]:
            base = form.fields + ([button] if button else [])
            for label, value in HOSTILE.items():
                self._submit(form, action, [(n, value) for n, _ in base], label)
            for name in form.names():
                for label in PER_FIELD:
                    pairs = [(n, HOSTILE[label] if n == name else v) for n, v in base]
                    self._submit(form, action, pairs, f"{name}={label}")

    def _submit(self, form: Form, action: str, pairs, note: str):
        if form.method == "get":
            separator = "&" if "?" in action else "?"
            self.send("get", f"{action}{separator}{urlencoded(pairs)}", note=note)
        else:
            self.send("post", action, urlencoded(pairs), note=note)


def test_the_walk_meets_owner_and_respondent_pages():
    names = set(PATTERNS)
    assert {
        "surveys:question_edit",
        "surveys:public_respond",
        "distributions:public_link",
        "distributions:public_opt_out",
        "distributions:email_compose",
        "directories:import_confirm",
        "accounts:login",
    } <= names


@pytest.mark.django_db
def test_the_walk_reads_every_field_of_a_form(client, world):
    link = f"/r/{world.survey.public_key}/"
    [form] = page_forms(link, client.get(link).content.decode())
    client.force_login(world.owner)
    compose = f"/surveys/{world.survey.pk}/distributions/emails/compose/"
    composing = page_forms(compose, client.get(compose).content.decode())

    names = set(form.names())
    assert {f"q{q.pk}" for q in world.questions if q.kind != "matrix"} <= names
    matrix = world.questions[-1]
    assert matrix.kind == "matrix"
    assert any(name.startswith(f"q{matrix.pk}_") for name in names)
    assert form.method == "post" and form.action.endswith(link)
    fields = {name for f in composing for name in f.names()}
    assert {"contact_list", "subject", "body", "compose_token"} <= fields
    assert any(button for f in composing for button in f.buttons)


@pytest.mark.django_db
@pytest.mark.parametrize("full_name", sorted(set(PATTERNS) - SKIP))
def test_hostile_values_never_break_a_page(full_name, world):
    owner_role = not is_anonymous_page(full_name)
    client = Client(raise_request_exception=False)
    if owner_role:
        client.force_login(world.owner)
    walker = Walker(client, owner_role=owner_role)

    for url in url_variants(full_name, PATTERNS[full_name], world):
        walker.visit(url)
    for path in hostile_paths(full_name, PATTERNS[full_name], world):
        walker.send("get", path, note="path")
        walker.send("post", path, "page=1", note="path")

    # The page exists: its objects are there (a 404 would walk nothing behind it).
    assert 404 not in walker.plain_statuses or full_name in DEBUG_ONLY | NO_OBJECT
    assert not walker.failures, "\n".join(walker.failures)
