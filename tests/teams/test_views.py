"""The teams pages as each role and as an outsider; the switcher; the audit CSV."""

import csv
import io
import re
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import profile_update
from config.celery import app as celery_app
from core.audit import audit_record
from core.models import AuditEntry
from teams import services
from teams.models import Invitation, Membership, Role
from teams.selectors import SESSION_KEY
from teams.services import invitations
from tests.factories import UserFactory, build_survey
from tests.teams.conftest import client_of

pytestmark = pytest.mark.django_db


def _management_requests(team, members):
    """(name, method, url, data) of every MANAGE request on the team's pages."""
    viewer = Membership.objects.get(team=team, user=members[Role.VIEWER])
    invitation = Invitation.objects.create(
        team=team,
        email="someone@example.org",
        role=Role.VIEWER,
        token_digest="0" * 64,
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    pk = team.pk
    return [
        ("invite", "post", f"/teams/{pk}/invite/", {"email": "x@example.org", "role": "viewer"}),
        ("revoke", "post", f"/teams/{pk}/invitations/{invitation.pk}/revoke/", {}),
        ("role", "post", f"/teams/{pk}/members/{viewer.pk}/role/", {"role": "owner"}),
        ("remove_get", "get", f"/teams/{pk}/members/{viewer.pk}/remove/", None),
        ("remove", "post", f"/teams/{pk}/members/{viewer.pk}/remove/", {}),
        ("audit", "get", f"/teams/{pk}/audit/", None),
        ("csv", "get", f"/teams/{pk}/audit.csv", None),
    ]  # fmt: skip


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ANALYST, Role.VIEWER])
def test_members_without_manage_get_403_on_member_management(team, members, role):
    client = client_of(members[role])
    for name, method, url, data in _management_requests(team, members):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, name
    assert team.memberships.count() == 4
    assert Invitation.objects.filter(team=team, revoked_at=None).count() == 1


def test_an_outsider_gets_404_everywhere(team, members):
    client = client_of(UserFactory())
    requests = [
        *_management_requests(team, members),
        ("detail", "get", f"/teams/{team.pk}/", None),
        ("leave", "get", f"/teams/{team.pk}/leave/", None),
        ("leave_post", "post", f"/teams/{team.pk}/leave/", {}),
        ("switch", "post", "/teams/switch/", {"team": team.pk}),
    ]
    for name, method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 404, name
    assert client.session.get(SESSION_KEY) is None


def test_the_owner_may_do_each_of_them(team, members):
    client = client_of(members[Role.OWNER])
    expected = {"invite": 302, "revoke": 302, "role": 302, "remove_get": 200,
                "remove": 302, "audit": 200, "csv": 200}  # fmt: skip
    for name, method, url, data in _management_requests(team, members):
        response = getattr(client, method)(url, data)
        assert response.status_code == expected[name], name
    viewer = members[Role.VIEWER]
    assert not team.memberships.filter(user=viewer).exists()


@pytest.mark.parametrize("role", list(Role))
def test_every_member_sees_the_members_page(team, members, role):
    page = client_of(members[role]).get(f"/teams/{team.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    for user in members.values():
        assert user.get_username() in html
    assert ("Send the invitation" in html) == (role == Role.OWNER)
    assert ("Audit trail</a>" in html) == (role == Role.OWNER)


def test_my_teams_lists_them_and_creates_one(owner_client, owner, team):
    page = owner_client.get("/teams/").content.decode()
    assert "Sleep lab" in page and owner.get_username() in page

    response = owner_client.post("/teams/", {"name": "Vision lab"})

    made = owner.memberships.get(team__name="Vision lab")
    assert made.role == Role.OWNER
    assert response["Location"] == f"/teams/{made.team_id}/"
    # The new team is the one shown now.
    assert owner_client.session[SESSION_KEY] == made.team_id


def test_a_team_without_a_name_is_refused(owner_client):
    assert owner_client.post("/teams/", {"name": ""}).status_code == 400


def test_the_last_owner_is_told_why_they_cannot_leave(owner_client, team):
    response = owner_client.post(f"/teams/{team.pk}/leave/", follow=True)

    assert "last Owner and cannot leave" in response.content.decode()
    assert team.memberships.count() == 1


def test_a_member_leaves(team, members):
    client = client_of(members[Role.ANALYST])

    response = client.post(f"/teams/{team.pk}/leave/")

    assert response["Location"] == "/teams/"
    assert client.get(f"/teams/{team.pk}/").status_code == 404


def _shown(html: str) -> str:
    """The team the page header names."""
    found = re.search(
        r'id="team-menu"[^>]*>\s*<span[^>]*>Team shown: </span>([^<]*)', html
    )
    return found[1].strip()


def test_the_switcher_shows_another_team_on_the_index_pages(owner, team):
    client = client_of(owner)
    other = services.team_create(user=owner, name="Vision lab")
    assert _shown(client.get("/surveys/").content.decode()) == owner.get_username()
    switcher = client.get("/surveys/").content.decode()
    assert 'action="/teams/switch/?next=/surveys/"' in switcher
    for name in (owner.get_username() + " (personal)", "Sleep lab", "Vision lab"):
        assert name in switcher

    response = client.post("/teams/switch/?next=/surveys/", {"team": team.pk})

    assert response["Location"] == "/surveys/"
    assert _shown(client.get("/surveys/").content.decode()) == "Sleep lab"
    assert _shown(client.get("/directories/").content.decode()) == "Sleep lab"
    client.post("/teams/switch/", {"team": other.pk})
    assert _shown(client.get("/surveys/").content.decode()) == "Vision lab"


def test_a_page_of_another_teams_data_names_that_team(owner, team):
    """The header says whose data the page shows, whichever team is switched to."""
    client = client_of(owner)
    client.post("/teams/switch/", {"team": team.pk})
    personal = services.personal_team(owner)

    page = client.get(f"/teams/{personal.pk}/").content.decode()

    assert _shown(page) == owner.get_username()


def test_the_switcher_leaves_an_object_page_and_refuses_other_sites(owner, team):
    client = client_of(owner)
    survey = build_survey(owner)

    to_object = client.post(
        f"/teams/switch/?next=/surveys/{survey.pk}/", {"team": team.pk}
    )
    elsewhere = client.post(
        "/teams/switch/?next=https://evil.example/", {"team": team.pk}
    )

    assert to_object["Location"] == reverse("home")
    assert elsewhere["Location"] == reverse("home")


def test_a_removed_member_falls_back_to_their_personal_team(owner, team, members):
    editor = members[Role.EDITOR]
    client = client_of(editor)
    client.post("/teams/switch/", {"team": team.pk})
    membership = Membership.objects.get(team=team, user=editor)

    services.member_remove(user=owner, team=team, membership_id=membership.pk)

    assert _shown(client.get("/surveys/").content.decode()) == editor.get_username()


def test_switching_to_a_team_that_is_not_a_number_is_404(owner_client):
    assert owner_client.post("/teams/switch/", {"team": "x"}).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw)))


def test_the_audit_csv_is_formula_safe_in_the_viewers_zone(owner, team):
    profile_update(user=owner, time_zone="Asia/Tokyo")
    entry = audit_record(
        actor=owner,
        team_id=team.pk,
        action=AuditEntry.Action.DISTRIBUTION_SENT,
        subject='=HYPERLINK("http://evil")',
        counts={"invitations": 3},
    )
    client = client_of(owner)

    rows = _csv_rows(client.get(f"/teams/{team.pk}/audit.csv"))

    assert rows[0] == ["Time (Asia/Tokyo)", "Who", "Action", "Subject", "Counts"]
    sent = rows[1]
    tokyo = timezone.localtime(entry.created_at, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert sent[0] == tokyo.strftime("%Y-%m-%d %H:%M:%S")
    assert sent[1:] == [
        owner.get_username(),
        "Sent or scheduled a distribution",
        '\'=HYPERLINK("http://evil")',
        "invitations: 3",
    ]
    assert rows[2][2] == "Created the team"


def test_the_audit_page_filters_by_action(owner_client, owner, team):
    audit_record(
        actor=owner,
        team_id=team.pk,
        action=AuditEntry.Action.LINKS_DOWNLOADED,
        subject="Spring wave",
    )
    other = services.team_create(user=owner, name="Other lab")
    audit_record(
        actor=owner,
        team_id=other.pk,
        action=AuditEntry.Action.LINKS_DOWNLOADED,
        subject="Not this team",
    )

    everything = owner_client.get(f"/teams/{team.pk}/audit/").content.decode()
    links = owner_client.get(
        f"/teams/{team.pk}/audit/?action=links_downloaded"
    ).content.decode()
    rows = _csv_rows(
        owner_client.get(f"/teams/{team.pk}/audit.csv?action=team_created")
    )

    assert "Spring wave" in everything and "Created the team" in everything
    assert "Not this team" not in everything
    assert "Spring wave" in links and "<td>Created the team</td>" not in links
    assert [row[2] for row in rows[1:]] == ["Created the team"]


def _invite_by_page(client, team, email, role, capture) -> str:
    """Invite through the page, let the worker mail; return the link's path."""
    celery_app.conf.task_always_eager = True
    try:
        # The worker is enqueued on commit: run the callbacks as a commit would.
        with capture(execute=True):
            response = client.post(
                f"/teams/{team.pk}/invite/", {"email": email, "role": role}
            )
    finally:
        celery_app.conf.task_always_eager = False
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [email]
    return re.search(r"https?://\S+(/teams/join/\S+/)", message.body)[1]


def test_an_invitation_link_joins_a_signed_in_user_once(
    owner, team, django_capture_on_commit_callbacks
):
    link = _invite_by_page(
        client_of(owner), team, "bea@example.org", "analyst",
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    bea = client_of(UserFactory(username="bea@example.org"))

    page = bea.get(link)
    assert page.status_code == 200
    assert "Join the team" in page.content.decode()
    # A GET (a mail scanner) joins nobody.
    assert team.memberships.count() == 1

    joined = bea.post(link)
    assert joined["Location"] == f"/teams/{team.pk}/"
    assert team.memberships.get(user__username="bea@example.org").role == "analyst"
    assert bea.session[SESSION_KEY] == team.pk

    again = bea.post(link)
    assert again.status_code == 410
    assert "used already" in again.content.decode()


def test_without_an_account_the_link_offers_sign_in_or_a_new_account(
    owner, team, client, django_capture_on_commit_callbacks
):
    link = _invite_by_page(
        client_of(owner), team, "cleo@example.org", "viewer",
        django_capture_on_commit_callbacks,
    )  # fmt: skip

    page = client.get(link).content.decode()
    assert f'href="/accounts/login/?next={link}"' in page
    assert "cleo@example.org" in page

    response = client.post(
        link + "signup/",
        {
            # The address is the invitation's, whatever is posted.
            "email": "someone-else@example.org",
            "password1": "plum-orchard-47-lantern",
            "password2": "plum-orchard-47-lantern",
            "time_zone": "Europe/Paris",
        },
    )

    assert response["Location"] == f"/teams/{team.pk}/"
    member = team.memberships.get(role="viewer")
    assert member.user.username == "cleo@example.org"
    assert client.get(f"/teams/{team.pk}/").status_code == 200


def test_closed_links_say_why(owner, team, client):
    invitation, token = _open_invitation(owner, team)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    expired = client.get(f"/teams/join/{token}/")
    unknown = client.get("/teams/join/nothing-like-it/")
    invitation, token = _open_invitation(owner, team, "two@example.org")
    invitations.invitation_revoke(user=owner, team=team, invitation_id=invitation.pk)
    revoked = client_of(UserFactory()).post(f"/teams/join/{token}/")

    assert expired.status_code == 410 and "expired on" in expired.content.decode()
    assert unknown.status_code == 404 and "not known" in unknown.content.decode()
    assert revoked.status_code == 410 and "revoked" in revoked.content.decode()
    assert team.memberships.count() == 1


def _open_invitation(owner, team, email="one@example.org"):
    invitation = invitations.invitation_create(
        user=owner, team=team, email=email, role=Role.EDITOR
    )
    return invitations.invitation_token(invitation_id=invitation.pk)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_respondent_page_never_reads_team_tables(owner, client, signed_in):
    survey = build_survey(owner)
    if signed_in:  # the owner trying their own survey
        client.force_login(owner)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/r/{survey.public_key}/").status_code == 200

    assert not [q["sql"] for q in queries if "teams_" in q["sql"]]


def test_the_admin_shows_teams_read_only(owner, team, admin_client):
    invitations.invitation_create(
        user=owner, team=team, email="x@example.org", role=Role.VIEWER
    )
    for name in ("team", "membership", "invitation"):
        assert admin_client.get(f"/admin/teams/{name}/").status_code == 200
    page = admin_client.get(f"/admin/teams/team/{team.pk}/change/")
    assert page.status_code == 200
    assert owner.get_username() in page.content.decode()
    assert admin_client.get("/admin/teams/team/add/").status_code == 403
