"""Lists and opt-outs belong to a team: names and addresses are unique per team,
an import runs only while its starter may still edit the team's lists, and the
commands act as a member of a team."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from core.models import AuditEntry
from directories.models import Contact, ContactImport, ContactList, Suppression
from directories.services import DirectoryError
from directories.services.imports import (
    STARTER_REFUSED,
    contact_import_create,
    contact_import_start,
)
from directories.services.lists import contact_list_create, contact_list_rename
from directories.services.suppressions import suppression_add
from directories.tasks import import_contacts
from teams.models import Membership, Role
from teams.services import personal_team, team_create
from tests.directories.conftest import csv_bytes
from tests.factories import ContactFactory, ContactListFactory, UserFactory


@pytest.fixture
def team(owner):
    return team_create(user=owner, name="Lab")


def member(team, role):
    user = UserFactory()
    Membership.objects.create(team=team, user=user, role=role)
    return user


def test_list_names_are_unique_per_team_not_per_member(owner, team):
    editor = member(team, Role.EDITOR)
    contact_list_create(owner=owner, team=team, name="Alumni")
    # The same name in the owner's personal team is another list.
    contact_list_create(owner=owner, name="Alumni")

    with pytest.raises(DirectoryError, match="already have a list named"):
        contact_list_create(owner=editor, team=team, name="ALUMNI")
    other = contact_list_create(owner=editor, team=team, name="Staff")
    with pytest.raises(DirectoryError, match="already have a list named"):
        contact_list_rename(contact_list=other, name="alumni")
    # The constraint holds whoever writes the row.
    with pytest.raises(IntegrityError):
        ContactList.objects.create(owner=editor, team=team, name="ALUMNI")


def test_an_address_is_suppressed_once_per_team(owner, team):
    editor = member(team, Role.EDITOR)
    assert suppression_add(owner=owner, team_id=team.pk, email="a@example.edu")
    # Another member of the team finds it suppressed already.
    assert not suppression_add(owner=editor, team_id=team.pk, email="A@example.edu")
    # The personal team's opt-out list is another list.
    assert suppression_add(owner=owner, email="a@example.edu")
    assert Suppression.objects.filter(email__iexact="a@example.edu").count() == 2
    with pytest.raises(IntegrityError):
        Suppression.objects.create(owner=editor, team=team, email="a@EXAMPLE.edu")


@pytest.fixture
def queued(tmp_path, team):
    """An import an Editor of the team started, not run yet (as in the queue)."""
    editor = member(team, Role.EDITOR)
    contact_list = ContactListFactory(owner=editor, team=team, name="Cohort")
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes([["Email"], ["a@example.edu"], ["b@example.edu"]]))
    contact_import = contact_import_create(
        owner=editor, contact_list=contact_list, path=path
    )
    ContactImport.objects.filter(pk=contact_import.pk).update(
        status=ContactImport.Status.QUEUED
    )
    return editor, contact_import


@pytest.mark.parametrize("change", ["removed", "demoted"])
def test_an_import_fails_when_its_starter_lost_the_right_before_it_ran(queued, change):
    editor, contact_import = queued
    memberships = Membership.objects.filter(user=editor)
    if change == "removed":
        memberships.delete()
    else:
        memberships.update(role=Role.ANALYST)

    import_contacts(contact_import.pk)

    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.FAILED
    assert contact_import.error == STARTER_REFUSED
    assert contact_import.finished_at is not None
    assert not Contact.objects.exists()


def test_an_import_runs_while_its_starter_may_edit(queued):
    _, contact_import = queued

    import_contacts(contact_import.pk)

    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.DONE
    assert Contact.objects.count() == 2


def test_the_member_who_presses_upload_becomes_the_imports_starter(queued, team):
    uploader, contact_import = queued
    ContactImport.objects.filter(pk=contact_import.pk).update(
        status=ContactImport.Status.UPLOADED
    )
    starter = member(team, Role.EDITOR)
    Membership.objects.filter(user=uploader).delete()

    assert contact_import_start(contact_import=contact_import, starter=starter)

    contact_import.refresh_from_db()
    assert contact_import.owner == starter
    assert contact_import.status == ContactImport.Status.DONE


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_contacts_acts_as_a_member_of_the_team(tmp_path, owner, team):
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes([["Email"], ["a@example.edu"]]))
    editor = member(team, Role.EDITOR)
    args = ["--list", "Cohort", str(path)]

    out = run("import_contacts", "--owner", editor.email, "--team", team.pk, *args)

    assert out.startswith("added 1")
    made = ContactList.objects.get(name="Cohort")
    assert (made.team, made.owner) == (team, editor)
    # Without --team: the member's personal team, another list of that name.
    run("import_contacts", "--owner", editor.email, *args)
    assert ContactList.objects.get(name="Cohort", team=personal_team(editor))

    analyst = member(team, Role.ANALYST)
    with pytest.raises(CommandError, match="does not allow"):
        run("import_contacts", "--owner", analyst.email, "--team", team.pk, *args)
    stranger = UserFactory()
    with pytest.raises(CommandError, match="not a member"):
        run("import_contacts", "--owner", stranger.email, "--team", team.pk, *args)
    assert ContactList.objects.filter(team=team).count() == 1
    assert Contact.objects.filter(contact_list__team=team).count() == 1


def test_export_contacts_needs_analyse_and_is_audited(tmp_path, owner, team):
    contact_list = ContactListFactory(owner=owner, team=team, name="Cohort")
    ContactFactory(contact_list=contact_list, email="a@example.edu")
    out = tmp_path / "out.csv"
    args = ["--team", team.pk, "--list", "cohort", "--output", str(out)]

    viewer = member(team, Role.VIEWER)
    with pytest.raises(CommandError, match="does not allow"):
        run("export_contacts", "--owner", viewer.email, *args)
    assert not out.exists()

    analyst = member(team, Role.ANALYST)
    assert "exported 1 contacts" in run(
        "export_contacts", "--owner", analyst.email, *args
    )
    assert "a@example.edu" in out.read_text(encoding="utf-8-sig")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONTACTS_EXPORTED)
    assert (entry.actor, entry.team_id, entry.counts) == (
        analyst,
        team.pk,
        {"contacts": 1},
    )
