"""Who may do what with a team's lists, contacts, imports and opt-outs.

Every directories URL, GET and POST, for each role and for an outsider: allowed,
403 for a member whose role lacks the right, 404 for someone outside the team
(teams.access). Pages VIEW, changes EDIT, downloads ANALYSE, deleting a list MANAGE.
"""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from directories.models import Contact, ContactImport, ContactList, Suppression
from teams.access import ROLE_RIGHTS, Right
from teams.models import Membership, Role
from teams.selectors import SESSION_KEY
from teams.services import team_create
from tests.factories import ContactFactory, ContactListFactory, UserFactory

POST_DATA = {
    "name": "Renamed",
    "email": "x@example.edu",
    "first_name": "x",
    "action": "upload",
}


@pytest.fixture
def lab(db, tmp_path):
    """A team with a list, a contact, an uploaded import and an opt-out."""
    boss = UserFactory()
    team = team_create(user=boss, name="Lab")
    contact_list = ContactListFactory(owner=boss, team=team, name="Theirs")
    contact = ContactFactory(contact_list=contact_list, email="their@example.edu")
    path = tmp_path / "f.csv"
    path.write_text("Email\r\nx@example.edu\r\n")
    contact_import = ContactImport.objects.create(
        owner=boss,
        team=team,
        contact_list=contact_list,
        original_name="f.csv",
        stored_path=str(path),
        encoding="utf-8",
        delimiter=",",
        mapping={"0": "email"},
        rejections=[{"line": 2, "column": "Email", "reason": "secret"}],
    )
    suppression = Suppression.objects.create(
        owner=boss, team=team, email="gone@example.edu"
    )
    return {
        "team": team,
        "list": contact_list,
        "contact": contact,
        "import": contact_import,
        "suppression": suppression,
    }


def member(team, role):
    user = UserFactory()
    Membership.objects.create(team=team, user=user, role=role)
    return user


def client_of(client, user, team=None):
    """Sign in, with the team switcher on `team` (the index pages' team)."""
    client.force_login(user)
    if team is not None:
        session = client.session
        session[SESSION_KEY] = team.pk
        session.save()
    return client


def object_urls(lab):
    """(url, right a GET needs, right a POST needs); None: not asked. Destructive
    POSTs come last so the earlier ones find their objects."""
    pk, contact_pk = lab["list"].pk, lab["contact"].pk
    import_pk = lab["import"].pk
    return [
        (reverse("directories:list_detail", args=[pk]), Right.VIEW, None),
        (reverse("directories:list_rename", args=[pk]), Right.EDIT, Right.EDIT),
        (reverse("directories:list_export", args=[pk]), Right.ANALYSE, None),
        (
            reverse("directories:contact_edit", args=[pk, contact_pk]),
            Right.EDIT,
            Right.EDIT,
        ),
        (reverse("directories:manual_input", args=[pk]), Right.EDIT, Right.EDIT),
        (reverse("directories:upload", args=[pk]), Right.EDIT, Right.EDIT),
        (
            reverse("directories:import_counts", args=[pk, import_pk]),
            Right.EDIT,
            None,
        ),
        (
            reverse("directories:import_rejections", args=[pk, import_pk]),
            Right.ANALYSE,
            None,
        ),
        (
            reverse("directories:import_detail", args=[pk, import_pk]),
            Right.VIEW,
            None,
        ),
        (
            reverse("directories:import_confirm", args=[pk, import_pk]),
            Right.EDIT,
            Right.EDIT,
        ),
        (
            reverse("directories:suppression_remove", args=[lab["suppression"].pk]),
            None,
            Right.EDIT,
        ),
        (
            reverse("directories:contact_delete", args=[pk, contact_pk]),
            Right.EDIT,
            Right.EDIT,
        ),
        (reverse("directories:list_delete", args=[pk]), Right.MANAGE, Right.MANAGE),
    ]


def expected(role, right):
    return "allowed" if right in ROLE_RIGHTS[role] else 403


def answer(response):
    assert response.status_code < 500, response.status_code
    return response.status_code if response.status_code in (403, 404) else "allowed"


def assert_untouched(lab):
    contact_list = ContactList.objects.get(pk=lab["list"].pk)
    assert contact_list.name == "Theirs"
    assert list(contact_list.contacts.values_list("email", flat=True)) == [
        "their@example.edu"
    ]
    lab["import"].refresh_from_db()
    assert lab["import"].status == ContactImport.Status.UPLOADED
    assert Suppression.objects.filter(pk=lab["suppression"].pk).exists()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_its_rights_allow(client, lab, role):
    client_of(client, member(lab["team"], role))
    for url, get_right, post_right in object_urls(lab):
        if get_right is not None:
            assert answer(client.get(url)) == expected(role, get_right), (role, url)
        if post_right is not None:
            response = client.post(url, POST_DATA)
            assert answer(response) == expected(role, post_right), (role, url)
    if role in (Role.VIEWER, Role.ANALYST):
        assert_untouched(lab)
    if role == Role.EDITOR:
        # Everything but the list's deletion.
        assert ContactList.objects.filter(pk=lab["list"].pk).exists()
        assert not Contact.objects.filter(pk=lab["contact"].pk).exists()
    if role == Role.OWNER:
        assert not ContactList.objects.filter(pk=lab["list"].pk).exists()


def test_an_outsider_gets_404_everywhere_and_changes_nothing(owner_client, lab):
    for url, get_right, post_right in object_urls(lab):
        if get_right is not None:
            assert owner_client.get(url).status_code == 404, url
        if post_right is not None:
            assert owner_client.post(url, POST_DATA).status_code == 404, url
    assert_untouched(lab)


def test_a_contact_or_import_cannot_be_reached_through_my_own_list(
    owner_client, owner, lab
):
    mine = ContactListFactory(owner=owner)
    contact, contact_import = lab["contact"], lab["import"]
    for name, args in [
        ("directories:contact_edit", [mine.pk, contact.pk]),
        ("directories:contact_delete", [mine.pk, contact.pk]),
        ("directories:import_detail", [mine.pk, contact_import.pk]),
    ]:
        assert owner_client.get(reverse(name, args=args)).status_code == 404
        assert owner_client.post(reverse(name, args=args)).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_an_outsider_choosing_the_team_sees_only_their_own(client, owner, lab):
    # A team id in the session that the user is not a member of is ignored:
    # the index pages fall back to the personal team.
    client_of(client, owner, lab["team"])
    for name in ("directories:index", "directories:lists", "directories:suppressions"):
        text = client.get(reverse(name)).content.decode()
        assert "Theirs" not in text
        assert "gone@example.edu" not in text
    response = client.post(reverse("directories:list_create"), {"name": "Mine"})
    assert response.status_code == 302
    assert ContactList.objects.get(name="Mine").team_id != lab["team"].pk


@pytest.mark.parametrize("role", list(Role))
def test_the_index_pages_show_the_chosen_team(client, lab, role):
    client_of(client, member(lab["team"], role), lab["team"])
    for name in ("directories:index", "directories:lists"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Theirs" in response.content.decode()
    page = client.get(reverse("directories:suppressions")).content.decode()
    assert "gone@example.edu" in page
    assert ("Add to opt-outs" in page) == (Right.EDIT in ROLE_RIGHTS[role])

    create = client.post(reverse("directories:list_create"), {"name": "New one"})
    added = client.post(reverse("directories:suppressions"), {"email": "n@example.edu"})
    if Right.EDIT in ROLE_RIGHTS[role]:
        assert create.status_code == 302 and added.status_code == 302
        assert ContactList.objects.get(name="New one").team == lab["team"]
        assert Suppression.objects.get(email="n@example.edu").team == lab["team"]
    else:
        assert create.status_code == 403 and added.status_code == 403
        assert client.get(reverse("directories:list_create")).status_code == 403
        assert not ContactList.objects.filter(name="New one").exists()
        assert not Suppression.objects.filter(email="n@example.edu").exists()


def test_the_list_page_shows_only_the_buttons_the_role_may_use(client, lab):
    url = reverse("directories:list_detail", args=[lab["list"].pk])
    client_of(client, member(lab["team"], Role.ANALYST))
    page = client.get(url).content.decode()
    assert "Export list" in page
    for button in ("Upload a file", "Manual input", "Rename", "Delete list"):
        assert button not in page, button

    client_of(client, member(lab["team"], Role.EDITOR))
    page = client.get(url).content.decode()
    for button in ("Upload a file", "Manual input", "Rename", "Export list"):
        assert button in page, button
    assert "Delete list" not in page


def test_an_analysts_download_of_the_contacts_is_audited(client, lab):
    analyst = member(lab["team"], Role.ANALYST)
    client_of(client, analyst)

    response = client.get(reverse("directories:list_export", args=[lab["list"].pk]))

    assert response.status_code == 200
    assert "their@example.edu" in b"".join(response.streaming_content).decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACTS_EXPORTED)
    assert (entry.actor, entry.team_id) == (analyst, lab["team"].pk)
    assert entry.counts == {"contacts": 1}
    assert "their@example.edu" not in entry.subject


def test_a_removed_member_loses_access_at_once(client, lab):
    editor = member(lab["team"], Role.EDITOR)
    client_of(client, editor)
    url = reverse("directories:list_detail", args=[lab["list"].pk])
    assert client.get(url).status_code == 200

    Membership.objects.filter(user=editor).delete()

    assert client.get(url).status_code == 404


def test_pages_need_a_login(client, lab):
    for url in [
        reverse("directories:index"),
        reverse("directories:list_detail", args=[lab["list"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
