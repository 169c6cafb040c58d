"""The teams pages: my teams, a team's members and invitations, its audit trail,
the switcher and the invitation link. Rights: teams.access (docs/architecture.md,
Teams)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import SignUpForm
from core.audit import counts_text
from core.csv_export import csv_download
from core.next_url import safe_next
from teams import access, selectors, services
from teams.access import Right
from teams.forms import AuditFilterForm, InviteForm, RoleForm, TeamForm
from teams.models import Invitation, Membership, Role
from teams.services import invitations

AUDIT_PAGE_SIZE = 100


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request):
    """My teams, and New team (the creator is its Owner)."""
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            request.session[selectors.SESSION_KEY] = team.pk
            messages.success(request, f"{team.name} is made, and shown now.")
            return redirect("teams:detail", pk=team.pk)
    context = {
        "teams": selectors.teams_with_counts(user=request.user),
        "form": form,
        "current": selectors.current_team(request),
    }
    return render(
        request,
        "teams/team_list.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def switch(request):
    """The switcher: show another of the user's teams on the index pages."""
    try:
        team_id = int(request.POST.get("team", ""))
    except ValueError:
        raise Http404("No such team.") from None
    team = selectors.team_get(user=request.user, pk=team_id)
    request.session[selectors.SESSION_KEY] = team.pk
    messages.success(request, f"Showing {team.name}.")
    return redirect(_after_switch(request))


def _after_switch(request) -> str:
    """Back to the page the switcher was on, unless it shows one object (a
    survey, a list): that belongs to the team switched away from."""
    target = safe_next(request)
    try:
        match = resolve(target.split("?", 1)[0]) if target else None
    except Resolver404:
        match = None
    if match is None or match.kwargs:
        return reverse("home")
    return target


@login_required
def team_detail(request, pk: int):
    """Members (VIEW); roles, removal and invitations (MANAGE)."""
    team = selectors.team_get(user=request.user, pk=pk)
    return _detail_page(request, team)


def _detail_page(request, team, *, invite_form=None, status=200):
    manage = access.can(request.user, team.pk, Right.MANAGE)
    context = {
        "team": team,
        "members": selectors.team_members(user=request.user, team=team),
        "manage": manage,
        "roles": Role.choices,
        "invitations": (
            selectors.team_invitations_open(user=request.user, team=team)
            if manage
            else []
        ),
        "invite_form": invite_form or InviteForm(),
        "invitation_days": settings.TEAM_INVITATION_DAYS,
        "now": timezone.now(),
    }
    return render(request, "teams/team_detail.html", context, status=status)


@login_required
@require_POST
def invite(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitations.invitation_create(
                user=request.user,
                team=team,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                f"We emailed {invitation.email} a link to join as "
                f"{invitation.get_role_display()}.",
            )
            return redirect("teams:detail", pk=team.pk)
    return _detail_page(request, team, invite_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_id: int):
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    try:
        invitation = invitations.invitation_revoke(
            user=request.user, team=team, invitation_id=invitation_id
        )
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def member_role(request, pk: int, membership_id: int):
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("teams:detail", pk=team.pk)
    try:
        member = services.member_role_change(
            user=request.user,
            team=team,
            membership_id=membership_id,
            role=form.cleaned_data["role"],
        )
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, f"{member.user.get_username()} is now {member.get_role_display()}."
        )
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, pk: int, membership_id: int):
    """GET asks to confirm; POST removes the member at once."""
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    member = next(
        (
            m
            for m in selectors.team_members(user=request.user, team=team)
            if m.pk == membership_id
        ),
        None,
    )
    if member is None:
        raise Http404("No such member.")
    if request.method == "POST":
        try:
            services.member_remove(
                user=request.user, team=team, membership_id=membership_id
            )
        except Membership.DoesNotExist:
            raise Http404("No such member.") from None
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(
                request, f"{member.user.get_username()} is no longer in {team.name}."
            )
        if member.user_id == request.user.pk:
            return redirect("teams:list")
        return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/member_remove.html", {"team": team, "member": member})


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, pk: int):
    """GET asks to confirm; POST leaves (any member but a last Owner)."""
    team = selectors.team_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.member_leave(user=request.user, team=team)
        except ValidationError as error:
            _errors(request, error)
            return redirect("teams:detail", pk=team.pk)
        messages.success(request, f"You left {team.name}.")
        return redirect("teams:list")
    return render(request, "teams/leave.html", {"team": team})


@login_required
def audit(request, pk: int):
    """The team's audit trail (MANAGE), newest first, in the viewer's time zone."""
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    form = AuditFilterForm(request.GET or None)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    entries = selectors.team_audit(user=request.user, team=team, action=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.counts_text = counts_text(entry.counts)
    context = {"team": team, "form": form, "page": page, "action": action}
    return render(request, "teams/audit.html", context)


@login_required
def audit_csv(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk, right=Right.MANAGE)
    form = AuditFilterForm(request.GET or None)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    entries = selectors.team_audit(user=request.user, team=team, action=action)
    labels = dict(entries.model.Action.choices)

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            yield [
                timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_name,
                labels.get(entry.action, entry.action),
                entry.subject,
                counts_text(entry.counts),
            ]

    zone = timezone.get_current_timezone()
    return csv_download(
        f"audit-team-{team.pk}.csv",
        [f"Time ({getattr(zone, 'key', 'UTC')})", "Who", "Action", "Subject", "Counts"],
        rows(),
        zone=zone,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    """The emailed link. GET shows Join (mail scanners open links); POST joins.

    Anyone may open it: without an account the page offers to sign in, or to
    create the invited address's account (public_join_signup).
    """
    invitation = selectors.invitation_by_token(token=token)
    problem = selectors.invitation_problem(invitation)
    if problem:
        return render(
            request,
            "teams/join.html",
            {"problem": problem},
            status=404 if invitation is None else 410,
        )
    if request.method == "POST" and request.user.is_authenticated:
        try:
            member, joined = invitations.invitation_accept(
                user=request.user, token=token
            )
        except invitations.InvitationClosed as error:
            return render(
                request, "teams/join.html", {"problem": error.message}, status=410
            )
        request.session[selectors.SESSION_KEY] = member.team_id
        if joined:
            messages.success(
                request,
                f"Welcome to {member.team.name}: you joined as "
                f"{member.get_role_display()}.",
            )
        else:
            messages.info(request, f"You are a member of {member.team.name} already.")
        return redirect("teams:detail", pk=member.team_id)
    context = {"invitation": invitation, "token": token}
    if not request.user.is_authenticated:
        context["signup_form"] = _join_signup_form(invitation)
    return render(request, "teams/join.html", context)


def _join_signup_form(invitation, data=None) -> SignUpForm:
    """Sign-up for the invited address only: the email field cannot be changed."""
    form = SignUpForm(data, initial={"email": invitation.email})
    form.fields["email"].disabled = True
    return form


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_POST
def join_signup(request, token: str):
    """Create the invited address's account from the link, then join."""
    invitation = selectors.invitation_by_token(token=token)
    problem = selectors.invitation_problem(invitation)
    if problem:
        return render(request, "teams/join.html", {"problem": problem}, status=410)
    if request.user.is_authenticated:
        return redirect("teams:public_join", token=token)
    form = _join_signup_form(invitation, request.POST)
    if form.is_valid():
        try:
            user = invitations.invitation_sign_up(
                token=token,
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            auth_login(
                request, user, backend="django.contrib.auth.backends.ModelBackend"
            )
            request.session[selectors.SESSION_KEY] = invitation.team_id
            messages.success(
                request,
                f"Welcome to Canvass: you joined {invitation.team.name} as "
                f"{invitation.get_role_display()}.",
            )
            return redirect("teams:detail", pk=invitation.team_id)
    context = {"invitation": invitation, "token": token, "signup_form": form}
    return render(request, "teams/join.html", context, status=400)
