"""Isolation as a role matrix: every URL of the URLconf, GET and POST, for each role
and for an outsider, answers as the table says (issue 18).

The world (tests/core/hostile_support.py) is one team's survey, list, distributions,
messages, opt-outs, API key and webhook; members with each role are added to it, and
an outsider belongs to none. For each URL and method the table names the right it
needs (teams.access.Right):

- an outsider gets 404 (as if nothing were there);
- a member whose role lacks the right gets 403;
- a member with the right gets neither (a page, a redirect, a form's errors, 405
  for a method the page does not take, 400 for an empty form).

A URL missing from the table fails the walk, so a new page must say who may use it.
Each request runs in its own rolled-back transaction: a Delete by the Owner leaves
the world as it was for the next.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from teams.access import ROLE_RIGHTS, Right
from teams.models import Membership, Role
from teams.selectors import SESSION_KEY
from tests.core.hostile_support import (
    is_anonymous_page,
    url_patterns,
    url_variants,
    world_for_module,
)
from tests.factories import UserFactory

V, A, E, S, M = Right.VIEW, Right.ANALYSE, Right.EDIT, Right.SEND, Right.MANAGE
# Pages of the signed-in user themself (profile, password, sender addresses): no
# team's data, so no role applies; their own tests cover them.
PERSONAL = "personal"
# A team page checked against the team the user is in now (the index of surveys,
# lists, messages; create forms): an outsider sees their own team's, never a 404.
CURRENT = "current"

# url name -> (right for GET, right for POST)
TABLE: dict[str, tuple] = {
    "home": (PERSONAL, PERSONAL),
    "accounts:signup_sent": (PERSONAL, PERSONAL),
    "accounts:signup_confirm": (PERSONAL, PERSONAL),
    "accounts:profile": (PERSONAL, PERSONAL),
    "accounts:sender_add": (PERSONAL, PERSONAL),
    "accounts:sender_remove": (PERSONAL, PERSONAL),
    "accounts:sender_confirm": (PERSONAL, PERSONAL),
    "accounts:password_change": (PERSONAL, PERSONAL),
    "accounts:password_change_done": (PERSONAL, PERSONAL),
    # --- surveys
    "surveys:list": (CURRENT, CURRENT),
    "surveys:rename": (E, E),
    "surveys:duplicate": (E, E),
    "surveys:delete": (M, M),
    "surveys:detail": (V, E),
    "surveys:options": (E, E),
    "surveys:anonymize_responses": (M, M),
    "surveys:preview": (V, V),
    "surveys:publish": (E, E),
    "surveys:close": (E, E),
    "surveys:reopen": (E, E),
    "surveys:closing": (E, E),
    "surveys:page_add": (E, E),
    "surveys:page_settings": (E, E),
    "surveys:question_logic": (E, E),
    "surveys:page_delete": (E, E),
    "surveys:question_add": (E, E),
    "surveys:question_edit": (E, E),
    "surveys:question_move": (E, E),
    "surveys:question_delete": (E, E),
    "surveys:responses": (A, A),
    "surveys:response_summary": (A, A),
    "surveys:response_text_answers": (A, A),
    "surveys:response_other_answers": (A, A),
    "surveys:response_export": (A, A),
    "surveys:response_export_page": (A, A),
    "surveys:response_export_status": (A, A),
    "surveys:response_export_file": (A, A),
    "surveys:response_detail": (A, A),
    "surveys:translations": (V, E),
    "surveys:translation": (V, E),
    "surveys:translation_csv": (V, V),
    "surveys:translation_import": (E, E),
    # --- directories
    "directories:index": (CURRENT, CURRENT),
    "directories:lists": (CURRENT, CURRENT),
    "directories:list_create": (CURRENT, CURRENT),
    "directories:list_detail": (V, V),
    "directories:list_rename": (E, E),
    "directories:list_delete": (M, M),
    "directories:list_export": (A, A),
    "directories:contact_edit": (E, E),
    "directories:contact_delete": (E, E),
    "directories:manual_input": (E, E),
    "directories:upload": (E, E),
    "directories:import_confirm": (E, E),
    "directories:import_counts": (E, E),
    "directories:import_detail": (V, V),
    "directories:import_rejections": (A, A),
    "directories:sample_template": (PERSONAL, PERSONAL),
    "directories:suppressions": (CURRENT, CURRENT),
    "directories:suppression_remove": (E, E),
    # --- distributions
    "distributions:emails": (V, V),
    "distributions:email_rows": (V, V),
    "distributions:email_compose": (S, S),
    "distributions:email_detail": (V, V),
    "distributions:email_history": (A, A),
    "distributions:email_cancel": (S, S),
    "distributions:email_resend": (S, S),
    "distributions:person_export": (A, A),
    "distributions:person_erase": (M, M),
    "distributions:survey_strip": (M, M),
    "distributions:messages": (CURRENT, CURRENT),
    "distributions:message_new": (CURRENT, CURRENT),
    "distributions:message_edit": (E, E),
    "distributions:message_delete": (E, E),
    "distributions:links": (V, V),
    "distributions:links_rows": (V, V),
    "distributions:links_generate": (S, S),
    "distributions:links_download": (A, A),
    "distributions:links_history": (A, A),
    "distributions:recipients": (A, A),
    "distributions:links_extend_all": (S, S),
    "distributions:invitation_detail": (A, A),
    "distributions:invitation_revoke": (S, S),
    "distributions:invitation_extend": (S, S),
    "distributions:invitation_regenerate": (S, S),
    "distributions:reminder_new": (S, S),
    "distributions:thank_you_new": (S, S),
    "distributions:email_recipients_add": (S, S),
    "distributions:links_recipients_add": (S, S),
    "distributions:frequency_rule": (CURRENT, CURRENT),
    # --- the REST API, with the signed-in session
    "api:lists": (CURRENT, CURRENT),
    "api:list": (V, E),
    "api:contacts": (V, E),
    "api:contacts_bulk": (E, E),
    "api:contact": (V, E),
    "api:imports": (V, E),
    "api:import": (V, E),
    "api:surveys": (CURRENT, CURRENT),
    "api:survey": (V, E),
    "api:responses": (A, A),
    "api:distributions": (V, S),
    "api:distribution": (V, S),
    "api:distribution_cancel": (S, S),
    "api:distribution_reminders": (V, S),
    "api:distribution_thank_yous": (V, S),
    "api:distribution_history": (A, A),
    "api:distribution_history_csv": (A, A),
    "api:link_batches": (V, S),
    "api:link_batch": (V, S),
    "api:link_batch_reminders": (V, S),
    "api:link_batch_thank_yous": (V, S),
    "api:link_batch_history": (A, A),
    "api:link_batch_history_csv": (A, A),
    "api:links": (A, A),
    "api:links_csv": (A, A),
    "api:link_revoke": (S, S),
    "api:link_regenerate": (S, S),
    "api:link_extend": (S, S),
    "api:suppressions": (CURRENT, CURRENT),
    "api:suppression": (V, E),
    "api:webhook_endpoints": (CURRENT, CURRENT),
    "api:webhook_endpoint": (E, E),
    "api:webhook_endpoint_enable": (E, E),
    "api:webhook_endpoint_attempts": (E, E),
    "api:schema": (PERSONAL, PERSONAL),
    "api:docs": (PERSONAL, PERSONAL),
    "api:keys": (PERSONAL, PERSONAL),
    "api:key_revoke": (PERSONAL, PERSONAL),
    "api:webhooks": (CURRENT, CURRENT),
    "api:webhook": (E, E),
    "api:webhook_enable": (E, E),
    "api:webhook_delete": (E, E),
    # --- teams: the team's own pages (its members, invitations, audit trail)
    "teams:list": (PERSONAL, PERSONAL),
    "teams:switch": (PERSONAL, PERSONAL),
    "teams:detail": (V, V),
    "teams:invite": (M, M),
    "teams:invitation_revoke": (M, M),
    "teams:member_role": (M, M),
    "teams:member_remove": (M, M),
    "teams:leave": (V, V),
    "teams:audit": (M, M),
    "teams:audit_csv": (M, M),
}
# Campus sign-in (django-allauth's URLs, without a namespace): no team's data.
CAMPUS_SIGN_IN = {
    "account_inactive",
    "account_login",
    "openid_connect_callback",
    "openid_connect_login",
    "saml_acs",
    "saml_finish_acs",
    "saml_login",
    "saml_metadata",
    "saml_sls",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
}
TABLE.update(dict.fromkeys(CAMPUS_SIGN_IN, (PERSONAL, PERSONAL)))
# Pages of an object the world does not build (a finished export, a question's
# "Other" answers): the survey's right is checked first, then the object is missing.
NO_OBJECT = {
    "surveys:response_export_status",
    "surveys:response_export_file",
    "surveys:response_other_answers",
}
# What a POST needs to do its work rather than refuse its input.
POST_DATA = {"surveys:question_move": {"direction": "down"}}
# Pages only some settings turn on (the benchmark page, DEBUG's Outbox).
NOT_WALKED = {"surveys:bench_bare"}

PERSONAS = ("outsider", Role.VIEWER, Role.ANALYST, Role.EDITOR, Role.OWNER)


def _walked():
    found = []
    for name, entry in url_patterns():
        if is_anonymous_page(name) or name.startswith("admin:"):
            continue
        if name in NOT_WALKED:
            continue
        found.append((name, entry))
    return found


WALKED = _walked()
CASES = [
    (name, method, persona)
    for name, _ in WALKED
    if TABLE.get(name, (PERSONAL,))[0] not in (PERSONAL, CURRENT)
    for method in ("get", "post")
    for persona in PERSONAS
]
ENTRIES = dict(WALKED)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One team's world and a member of each role, kept for the module; every test
    runs in a transaction of its own that rolls back."""
    media = tmp_path_factory.mktemp("media")
    with world_for_module(django_db_blocker, media) as world:
        team_id = world.survey.team_id
        world.people = {"outsider": UserFactory(), Role.OWNER: world.owner}
        for role in (Role.VIEWER, Role.ANALYST, Role.EDITOR):
            member = UserFactory()
            Membership.objects.create(team_id=team_id, user=member, role=role)
            world.people[role] = member
        yield world


@pytest.fixture(autouse=True)
def uploaded_file_back(world):
    path, content = world.upload
    path.write_bytes(content)


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_every_owner_url_says_who_may_use_it():
    missing = sorted(name for name, _ in WALKED if name not in TABLE)
    assert not missing, f"add these URLs to the role matrix: {missing}"
    gone = sorted(set(TABLE) - set(ENTRIES))
    assert not gone, f"the matrix names URLs that no longer exist: {gone}"


def test_each_role_has_every_right_of_the_roles_below_it():
    ordered = [Role.VIEWER, Role.ANALYST, Role.EDITOR, Role.OWNER]
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        assert ROLE_RIGHTS[lower] < ROLE_RIGHTS[higher]


def _expected(persona, right) -> str:
    if persona == "outsider":
        return "404"
    return "allowed" if right in ROLE_RIGHTS[persona] else "403"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "persona"),
    CASES,
    ids=[f"{n}-{m}-{p}" for n, m, p in CASES],
)
def test_the_role_matrix(world, name, method, persona):
    client = Client()
    client.force_login(world.people[persona])
    if persona != "outsider":
        # As a member who chose this team in the switcher (the API's session
        # calls act in the switcher's team; the pages by the object's).
        session = client.session
        session[SESSION_KEY] = world.survey.team_id
        session.save()
    right = TABLE[name][0 if method == "get" else 1]
    expected = _expected(persona, right)
    url = url_variants(name, ENTRIES[name], world)[0]
    if method == "get":
        answered = client.get(url)
    else:
        answered = client.post(url, POST_DATA.get(name, {}))
    status = answered.status_code
    assert status < 500, f"{method.upper()} {url} as {persona}: {status}"
    if status == 405:
        # A method the page does not take is refused alike for everyone, before
        # anything is read: nothing to learn from it.
        return
    if expected == "404":
        assert status == 404, f"{method.upper()} {url} as an outsider: {status}"
    elif expected == "403":
        assert status == 403, f"{method.upper()} {url} as {persona}: {status}"
    elif name in NO_OBJECT:
        assert status != 403, f"{method.upper()} {url} as {persona}: {status}"
    else:
        assert status not in (403, 404), (
            f"{method.upper()} {url} as {persona} (needs {right}): {status}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [n for n, _ in WALKED if TABLE.get(n, (None,))[0] == CURRENT],
)
def test_team_index_pages_show_the_users_own_team(world, name):
    """Index and create pages read the team the user is in now: an outsider gets
    their own (empty) team's page, never this team's data nor an error."""
    client = Client()
    client.force_login(world.people["outsider"])
    url = url_variants(name, ENTRIES[name], world)[0]
    answered = client.get(url)
    assert answered.status_code in (200, 302, 405), answered.status_code
    if answered.status_code == 200 and "html" in answered.get("Content-Type", ""):
        assert world.survey.title not in answered.content.decode()
        assert world.contact_list.name not in answered.content.decode()
