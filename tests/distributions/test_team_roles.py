"""Teams in the Distributions tab (issue 18): who may see, send, analyse and erase.

One team with an Owner, an Editor, an Analyst and a Viewer, and an outsider: each
view answers 404 to the outsider, 403 to a member whose role lacks the right, and
works for the role that has it (teams.access). Sends, generated links and
downloads land in the team's audit trail.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directories.models import ContactList
from distributions.models import ContactFrequencyRule, Distribution, Message
from distributions.services.compose import distribution_schedule, message_create
from surveys.models import Survey
from teams.models import Membership, Role
from teams.selectors import SESSION_KEY
from teams.services import personal_team, team_create
from tests.distributions.test_compose import form_data
from tests.distributions.ui_support import (
    GOOD_BODY,
    email_distribution,
    links_batch,
    published_survey,
)
from tests.factories import UserFactory
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def _into(team, obj):
    """Move a test row into the team (as if it had been made there)."""
    type(obj).objects.filter(pk=obj.pk).update(team=team)
    obj.refresh_from_db()
    return obj


def _client(user, team=None) -> Client:
    client = Client()
    client.force_login(user)
    if team is not None:  # the team switcher's choice
        session = client.session
        session[SESSION_KEY] = team.pk
        session.save()
    return client


@pytest.fixture
def lab():
    owner, editor, analyst, viewer, outsider = (UserFactory() for _ in range(5))
    team = team_create(user=owner, name="Lab")
    for user, role in ((editor, Role.EDITOR), (analyst, Role.ANALYST)):
        Membership.objects.create(team=team, user=user, role=role)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    survey = _into(team, published_survey(owner))
    # Each member's own list in the team: directories' contact pages find them.
    lists = {
        user: _into(team, make_list(user, n=2, name=f"List of {user.pk}"))
        for user in (owner, editor, analyst, viewer)
    }
    email = _into(team, email_distribution(survey, lists[editor]))
    batch = _into(team, links_batch(owner, survey))
    _into(team, batch.contact_list)
    return SimpleNamespace(
        team=team,
        owner=owner,
        editor=editor,
        analyst=analyst,
        viewer=viewer,
        outsider=outsider,
        survey=survey,
        lists=lists,
        email=email,
        batch=batch,
        clients={
            name: _client(user, team)
            for name, user in (
                ("owner", owner),
                ("editor", editor),
                ("analyst", analyst),
                ("viewer", viewer),
                ("outsider", outsider),
            )
        },
    )


def urls(lab) -> dict[str, str]:
    s, e, b = lab.survey.pk, lab.email.pk, lab.batch.pk
    invitation = lab.batch.invitations.first().pk
    contact = lab.lists[lab.owner].contacts.first()
    return {
        "emails": reverse("distributions:emails", kwargs={"survey_id": s}),
        "email_rows": reverse("distributions:email_rows", kwargs={"survey_id": s}),
        "email_detail": reverse(
            "distributions:email_detail", kwargs={"survey_id": s, "pk": e}
        ),
        "links": reverse("distributions:links", kwargs={"survey_id": s}),
        "compose": reverse("distributions:email_compose", kwargs={"survey_id": s}),
        "generate": reverse("distributions:links_generate", kwargs={"survey_id": s}),
        "reminder": reverse(
            "distributions:reminder_new", kwargs={"survey_id": s, "pk": e}
        ),
        "add_recipients": reverse(
            "distributions:links_recipients_add", kwargs={"survey_id": s, "pk": b}
        ),
        "history": reverse(
            "distributions:email_history", kwargs={"survey_id": s, "pk": e}
        ),
        "links_csv": reverse(
            "distributions:links_download", kwargs={"survey_id": s, "pk": b}
        ),
        "invitation": reverse(
            "distributions:invitation_detail",
            kwargs={"survey_id": s, "pk": b, "invitation_id": invitation},
        ),
        "strip": reverse("distributions:survey_strip", kwargs={"survey_id": s}),
        "erase": reverse(
            "distributions:person_erase",
            kwargs={"list_pk": contact.contact_list_id, "contact_pk": contact.pk},
        ),
    }


# The least role each page needs (teams.access.ROLE_RIGHTS).
NEEDS = {
    "emails": Role.VIEWER,
    "email_rows": Role.VIEWER,
    "email_detail": Role.VIEWER,
    "links": Role.VIEWER,
    "compose": Role.EDITOR,
    "generate": Role.EDITOR,
    "reminder": Role.EDITOR,
    "add_recipients": Role.EDITOR,
    "history": Role.ANALYST,
    "links_csv": Role.ANALYST,
    "invitation": Role.ANALYST,
    "strip": Role.OWNER,
    "erase": Role.OWNER,
}
ORDER = [Role.VIEWER, Role.ANALYST, Role.EDITOR, Role.OWNER]


def test_an_outsider_gets_404_on_every_page(lab):
    for name, url in urls(lab).items():
        assert lab.clients["outsider"].get(url).status_code == 404, name


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor", "owner"])
def test_each_role_gets_exactly_the_pages_its_rights_allow(lab, role):
    rank = ORDER.index(Role(role))
    for name, url in urls(lab).items():
        if name == "erase" and role != "owner":
            # The contact page is found through the member's own list.
            own = lab.lists[getattr(lab, role)]
            url = reverse(
                "distributions:person_erase",
                kwargs={"list_pk": own.pk, "contact_pk": own.contacts.first().pk},
            )
        answer = lab.clients[role].get(url).status_code
        allowed = rank >= ORDER.index(NEEDS[name])
        assert answer == (200 if allowed else 403), (role, name, answer)


def test_compose_is_refused_to_a_viewer_and_an_analyst_on_post_too(lab):
    for role in ("viewer", "analyst"):
        response = lab.clients[role].post(
            urls(lab)["compose"], form_data(lab.lists[lab.editor])
        )
        assert response.status_code == 403
        generate = lab.clients[role].post(
            urls(lab)["generate"],
            {
                "contact_list": lab.lists[lab.editor].pk,
                "scope": "all",
                "expiry": "1w",
            },
        )
        assert generate.status_code == 403
    assert Distribution.objects.count() == 2  # the fixture's two


def test_an_editor_sends_in_the_team_and_the_audit_trail_says_so(lab):
    the_list = lab.lists[lab.editor]
    response = lab.clients["editor"].post(urls(lab)["compose"], form_data(the_list))

    assert response.status_code == 302
    sent = Distribution.objects.get(compose_token="token-1")
    assert (sent.team_id, sent.owner_id) == (lab.team.pk, lab.editor.pk)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DISTRIBUTION_SENT)
    assert (entry.team_id, entry.actor_id) == (lab.team.pk, lab.editor.pk)
    assert entry.counts == {"recipients": 2}
    assert the_list.name in entry.subject and "@" not in entry.subject


def test_an_editor_generates_links_and_the_audit_trail_says_so(lab):
    response = lab.clients["editor"].post(
        urls(lab)["generate"],
        {
            "contact_list": lab.lists[lab.editor].pk,
            "scope": "all",
            "expiry": "1w",
            "request_token": "gen-1",
        },
    )

    assert response.status_code == 302
    batch = Distribution.objects.get(compose_token="gen-1")
    assert batch.team_id == lab.team.pk and batch.invitations.count() == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LINKS_GENERATED)
    assert (entry.team_id, entry.actor_id, entry.counts) == (
        lab.team.pk,
        lab.editor.pk,
        {"recipients": 2},
    )


def test_an_analyst_downloads_history_and_links_and_each_is_audited(lab):
    analyst = lab.clients["analyst"]
    assert analyst.get(urls(lab)["history"]).status_code == 200
    assert analyst.get(urls(lab)["links_csv"]).status_code == 200

    entries = AuditEntry.objects.filter(team=lab.team, actor=lab.analyst)
    assert sorted(entries.values_list("action", flat=True)) == [
        AuditEntry.Action.HISTORY_DOWNLOADED,
        AuditEntry.Action.LINKS_DOWNLOADED,
    ]
    assert all("@" not in e.subject for e in entries)


def test_a_refused_download_writes_no_audit_entry(lab):
    assert lab.clients["viewer"].get(urls(lab)["history"]).status_code == 403
    assert not AuditEntry.objects.filter(actor=lab.viewer).exists()


def test_a_list_of_another_team_is_refused_like_a_missing_one(lab):
    # The editor's list in their personal team: not this survey's team.
    elsewhere = make_list(lab.editor, n=2, name="Personal list")
    assert elsewhere.team_id == personal_team(lab.editor).pk

    page = lab.clients["editor"].post(urls(lab)["compose"], form_data(elsewhere))
    assert page.status_code == 200  # the form again, with the choice refused
    assert not Distribution.objects.filter(contact_list=elsewhere).exists()
    with pytest.raises(Http404):
        distribution_schedule(
            user=lab.editor,
            survey=lab.survey,
            contact_list=elsewhere,
            from_name="",
            from_email="",
            reply_to="",
            subject="Hi",
            body=GOOD_BODY,
            send_at=timezone.now(),
            link_expires_at=timezone.now() + timedelta(days=7),
        )


def test_a_compose_token_never_returns_another_teams_row(lab):
    # The editor's own survey in their personal team used the token first.
    mine = published_survey(lab.editor)
    first = distribution_schedule(
        user=lab.editor,
        survey=mine,
        contact_list=make_list(lab.editor, n=1, name="Mine"),
        from_name="",
        from_email="",
        reply_to="",
        subject="Hi",
        body=GOOD_BODY,
        send_at=timezone.now(),
        link_expires_at=timezone.now() + timedelta(days=7),
        compose_token="shared-token",
    )
    with pytest.raises(ValidationError):
        distribution_schedule(
            user=lab.editor,
            survey=lab.survey,
            contact_list=lab.lists[lab.editor],
            from_name="",
            from_email="",
            reply_to="",
            subject="Hi",
            body=GOOD_BODY,
            send_at=timezone.now(),
            link_expires_at=timezone.now() + timedelta(days=7),
            compose_token="shared-token",
        )
    assert Distribution.objects.get(compose_token="shared-token") == first


def test_the_message_library_is_the_teams(lab):
    message_create(
        user=lab.editor,
        team=lab.team,
        name="Spring",
        message_type="invite",
        subject="S",
        body=GOOD_BODY,
    )
    # Another team may use the same name; the same team may not.
    message_create(
        user=lab.editor, name="Spring", message_type="invite", subject="S", body="B"
    )
    with pytest.raises(ValidationError):
        message_create(
            user=lab.owner,
            team=lab.team,
            name="spring",
            message_type="invite",
            subject="S",
            body="B",
        )
    library = reverse("distributions:messages")
    page = lab.clients["viewer"].get(library)
    assert page.status_code == 200 and "Spring" in page.content.decode()
    assert lab.clients["outsider"].get(library).content.decode().count("Spring") == 0
    assert (
        lab.clients["viewer"].get(reverse("distributions:message_new")).status_code
        == 403
    )
    saved = Message.objects.get(team=lab.team)
    edit = reverse("distributions:message_edit", kwargs={"pk": saved.pk})
    assert lab.clients["analyst"].get(edit).status_code == 403
    assert lab.clients["outsider"].get(edit).status_code == 404
    assert lab.clients["owner"].get(edit).status_code == 200


def test_the_frequency_rule_is_one_per_team_and_only_owners_change_it(lab):
    url = reverse("distributions:frequency_rule")
    rule = {"max_emails": 2, "days": 7, "exempt_follow_ups": "on"}
    assert lab.clients["editor"].get(url).status_code == 403
    assert lab.clients["editor"].post(url, rule).status_code == 403
    assert lab.clients["owner"].post(url, rule).status_code == 302
    assert lab.clients["owner"].post(url, {**rule, "days": 9}).status_code == 302

    [saved] = ContactFrequencyRule.objects.all()
    assert (saved.team_id, saved.days) == (lab.team.pk, 9)


def test_the_person_and_survey_audit_entries_name_the_team(lab):
    contact = lab.lists[lab.owner].contacts.first()
    erased = lab.clients["owner"].post(
        urls(lab)["erase"], {"confirm": contact.email, "keep_responses": ""}
    )
    assert erased.status_code == 302
    stripped = lab.clients["owner"].post(urls(lab)["strip"], {"confirm": "on"})
    assert stripped.status_code == 302
    privacy = {AuditEntry.Action.PERSON_ERASED, AuditEntry.Action.SURVEY_STRIPPED}
    assert (
        set(
            AuditEntry.objects.filter(team=lab.team, action__in=privacy).values_list(
                "action", flat=True
            )
        )
        == privacy
    )
    assert Survey.objects.get(pk=lab.survey.pk).state == Survey.State.CLOSED


def test_editor_may_not_erase_even_their_own_lists_contact(lab):
    contact = lab.lists[lab.editor].contacts.first()
    url = reverse(
        "distributions:person_erase",
        kwargs={"list_pk": contact.contact_list_id, "contact_pk": contact.pk},
    )
    response = lab.clients["editor"].post(url, {"confirm": contact.email})
    assert response.status_code == 403
    assert ContactList.objects.get(pk=contact.contact_list_id).contacts.count() == 2


def test_the_person_commands_act_in_the_team_with_the_pages_rights(lab, tmp_path):
    contact = lab.lists[lab.editor].contacts.first()
    output = tmp_path / "person.json"
    # The analyst may export the team's data, not erase it; an outsider neither.
    call_command(
        "export_person",
        owner=lab.analyst.email,
        team=lab.team.pk,
        email=contact.email,
        output=str(output),
    )
    assert contact.email in output.read_text()
    with pytest.raises(CommandError, match="does not allow"):
        call_command(
            "erase_person",
            owner=lab.analyst.email,
            team=lab.team.pk,
            email=contact.email,
            yes=True,
        )
    with pytest.raises(CommandError, match="is not a member of team"):
        call_command(
            "export_person",
            owner=lab.outsider.email,
            team=lab.team.pk,
            email=contact.email,
            output=str(output),
        )
    assert not AuditEntry.objects.filter(
        action=AuditEntry.Action.PERSON_ERASED
    ).exists()


def test_the_buttons_a_role_cannot_use_are_hidden(lab):
    compose = urls(lab)["compose"]
    for role, shown in (("viewer", False), ("analyst", False), ("editor", True)):
        page = lab.clients[role].get(urls(lab)["emails"]).content.decode()
        assert (compose in page) is shown, role
        links_page = lab.clients[role].get(urls(lab)["links"]).content.decode()
        assert (urls(lab)["generate"] in links_page) is shown, role


def test_an_analyst_sees_links_and_history_but_no_sending_controls(lab):
    analyst = lab.clients["analyst"].get(urls(lab)["invitation"]).content.decode()
    owner = lab.clients["owner"].get(urls(lab)["invitation"]).content.decode()
    assert "Revoke link" in owner and "Revoke link" not in analyst
    rows = lab.clients["analyst"].get(urls(lab)["emails"]).content.decode()
    assert urls(lab)["history"] in rows and urls(lab)["reminder"] not in rows
    viewer_rows = lab.clients["viewer"].get(urls(lab)["emails"]).content.decode()
    assert urls(lab)["history"] not in viewer_rows


def test_the_emails_page_leads_owners_to_its_teams_frequency_rule(lab):
    # The owner's switcher is on their personal team; the survey is the lab's.
    owner = _client(lab.owner)
    page = owner.get(urls(lab)["emails"]).content.decode()
    url = reverse("distributions:frequency_rule") + f"?team={lab.team.pk}"
    assert url in page
    assert url not in lab.clients["editor"].get(urls(lab)["emails"]).content.decode()
    owner.post(url, {"max_emails": 1, "days": 3})
    assert ContactFrequencyRule.objects.get().team_id == lab.team.pk
    assert lab.clients["outsider"].get(url).status_code == 404
