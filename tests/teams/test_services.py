"""Team services: members, roles, the last Owner, invitations (one-time, expiring)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from core.models import AuditEntry
from core.tokens import token_digest
from teams import access, services
from teams.models import Invitation, Membership, Role
from teams.services import invitations
from teams.services.invitations import InvitationClosed
from tests.factories import UserFactory
from tests.teams.conftest import add_member

pytestmark = pytest.mark.django_db


def _actions(team) -> list[str]:
    return list(
        AuditEntry.objects.filter(team=team)
        .order_by("id")
        .values_list("action", flat=True)
    )


def _invite(owner, team, email="new@example.org", role=Role.EDITOR) -> tuple:
    """Invite, and give the invitation a token as the worker would; return both."""
    invitation = invitations.invitation_create(
        user=owner, team=team, email=email, role=role
    )
    _, token = invitations.invitation_token(invitation_id=invitation.pk)
    return invitation, token


def test_the_creator_of_a_team_is_its_owner_and_it_is_on_the_trail(owner, team):
    assert access.role_in(owner, team.pk) == Role.OWNER
    entry = AuditEntry.objects.get(team=team)
    assert entry.action == AuditEntry.Action.TEAM_CREATED
    assert entry.actor == owner
    assert entry.subject == "Sleep lab"


def test_a_team_name_is_one_line(owner):
    team = services.team_create(user=owner, name="Sleep\r\nBcc: x@example.org\x00")

    assert team.name == "Sleep Bcc: x@example.org"


def test_a_team_needs_a_name(owner):
    with pytest.raises(ValidationError):
        services.team_create(user=owner, name="   ")


def test_the_last_owner_cannot_be_demoted_removed_or_leave(owner, team):
    mine = Membership.objects.get(team=team, user=owner)

    with pytest.raises(ValidationError, match="last Owner"):
        services.member_role_change(
            user=owner, team=team, membership_id=mine.pk, role=Role.EDITOR
        )
    with pytest.raises(ValidationError, match="last Owner"):
        services.member_remove(user=owner, team=team, membership_id=mine.pk)
    with pytest.raises(ValidationError, match="last Owner and cannot leave"):
        services.member_leave(user=owner, team=team)

    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_with_a_second_owner_the_first_may_step_down_and_leave(owner, team):
    second = add_member(team, Role.OWNER)
    mine = Membership.objects.get(team=team, user=owner)

    services.member_role_change(
        user=owner, team=team, membership_id=mine.pk, role=Role.VIEWER
    )
    services.member_leave(user=owner, team=team)

    assert list(team.memberships.values_list("user", "role")) == [
        (second.pk, Role.OWNER)
    ]
    assert _actions(team)[-2:] == [
        AuditEntry.Action.ROLE_CHANGED,
        AuditEntry.Action.MEMBER_REMOVED,
    ]


def test_a_personal_team_cannot_be_left_but_may_get_members(owner):
    personal = services.personal_team(owner)
    editor = add_member(personal, Role.EDITOR)
    co_owner = add_member(personal, Role.OWNER)
    mine = Membership.objects.get(team=personal, user=owner)

    with pytest.raises(ValidationError, match="personal team cannot be left"):
        services.member_leave(user=owner, team=personal)
    # Not even another Owner takes the personal team from its user.
    with pytest.raises(ValidationError, match="personal team's own Owner"):
        services.member_remove(user=co_owner, team=personal, membership_id=mine.pk)
    services.member_leave(user=editor, team=personal)

    assert access.can(owner, personal.pk, access.Right.MANAGE)


def test_a_removed_member_is_refused_on_the_next_request(owner, team, members):
    analyst = members[Role.ANALYST]
    assert access.can(analyst, team.pk, access.Right.ANALYSE)
    membership = Membership.objects.get(team=team, user=analyst)

    services.member_remove(user=owner, team=team, membership_id=membership.pk)

    fresh = type(analyst).objects.get(pk=analyst.pk)  # the next request's user
    with pytest.raises(Http404):
        access.require(fresh, team.pk, access.Right.VIEW)


def test_only_manage_may_change_members(team, members):
    editor = members[Role.EDITOR]
    viewer = Membership.objects.get(team=team, user=members[Role.VIEWER])
    with pytest.raises(PermissionDenied):
        services.member_role_change(
            user=editor, team=team, membership_id=viewer.pk, role=Role.OWNER
        )
    with pytest.raises(Http404):
        services.member_remove(user=UserFactory(), team=team, membership_id=viewer.pk)


def test_an_invitation_is_accepted_once_with_its_role(owner, team):
    invitation, token = _invite(owner, team, role=Role.ANALYST)
    newcomer = UserFactory(username="new@example.org")

    member, joined = invitations.invitation_accept(user=newcomer, token=token)

    assert joined and member.role == Role.ANALYST and member.team == team
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer and invitation.state == "used"
    with pytest.raises(InvitationClosed, match="used already"):
        invitations.invitation_accept(user=UserFactory(), token=token)
    assert team.memberships.count() == 2
    assert _actions(team)[-2:] == [
        AuditEntry.Action.MEMBER_INVITED,
        AuditEntry.Action.MEMBER_JOINED,
    ]


def test_only_the_digest_of_the_token_is_stored(owner, team):
    invitation, token = _invite(owner, team)
    invitation.refresh_from_db()

    assert invitation.token_digest == token_digest(token)
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values())


def test_an_expired_invitation_cannot_be_accepted(owner, team):
    invitation, token = _invite(owner, team)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(InvitationClosed, match="expired"):
        invitations.invitation_accept(user=UserFactory(), token=token)
    assert team.memberships.count() == 1


def test_a_revoked_invitation_cannot_be_accepted(owner, team):
    invitation, token = _invite(owner, team)

    invitations.invitation_revoke(user=owner, team=team, invitation_id=invitation.pk)

    with pytest.raises(InvitationClosed, match="revoked"):
        invitations.invitation_accept(user=UserFactory(), token=token)
    with pytest.raises(ValidationError, match="used or revoked already"):
        invitations.invitation_revoke(
            user=owner, team=team, invitation_id=invitation.pk
        )
    assert AuditEntry.Action.INVITATION_REVOKED in _actions(team)


def test_an_unknown_token_is_refused(owner, team):
    _invite(owner, team)
    with pytest.raises(InvitationClosed, match="not known"):
        invitations.invitation_accept(user=owner, token="not-a-token")


def test_inviting_again_replaces_the_open_invitation(owner, team):
    first, first_token = _invite(owner, team, email="Dup@Example.org")
    second, second_token = _invite(owner, team, email="dup@example.org")

    first.refresh_from_db()
    assert first.state == "revoked" and second.state == "open"
    with pytest.raises(InvitationClosed):
        invitations.invitation_accept(user=UserFactory(), token=first_token)
    invitations.invitation_accept(user=UserFactory(), token=second_token)


def test_a_member_is_not_invited_again(owner, team, members):
    with pytest.raises(ValidationError, match="member of this team already"):
        invitations.invitation_create(
            user=owner,
            team=team,
            email=members[Role.VIEWER].email.upper(),
            role=Role.EDITOR,
        )


def test_a_member_who_accepts_keeps_their_role_and_uses_the_link(owner, team, members):
    viewer = members[Role.VIEWER]
    _, token = _invite(owner, team, email="other@example.org", role=Role.OWNER)

    member, joined = invitations.invitation_accept(user=viewer, token=token)

    assert not joined and member.role == Role.VIEWER
    with pytest.raises(InvitationClosed):
        invitations.invitation_accept(user=UserFactory(), token=token)


def test_the_worker_gives_a_new_token_and_the_old_link_stops(owner, team):
    invitation, old = _invite(owner, team)
    _, new = invitations.invitation_token(invitation_id=invitation.pk)

    with pytest.raises(InvitationClosed):
        invitations.invitation_accept(user=UserFactory(), token=old)
    invitations.invitation_accept(user=UserFactory(), token=new)
    # A used invitation gets no token (and no email) any more.
    assert invitations.invitation_token(invitation_id=invitation.pk) is None


def test_a_new_account_from_the_link_is_for_the_invited_address(owner, team):
    _, token = _invite(owner, team, email="Grace@Example.org", role=Role.VIEWER)

    user = invitations.invitation_sign_up(
        token=token, password="plum-orchard-47-lantern", time_zone="Europe/Paris"
    )

    assert user.username == "grace@example.org"
    assert access.role_in(user, team.pk) == Role.VIEWER
    assert access.role_in(user, services.personal_team(user).pk) == Role.OWNER


def test_an_address_with_an_account_must_sign_in(owner, team):
    UserFactory(username="taken@example.org")
    _, token = _invite(owner, team, email="taken@example.org")

    with pytest.raises(ValidationError, match="sign in"):
        invitations.invitation_sign_up(
            token=token, password="plum-orchard-47-lantern", time_zone="UTC"
        )
