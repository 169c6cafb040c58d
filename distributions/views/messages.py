"""Message library: the team's saved subjects and bodies ("Load Message").

The library shown is the team chosen in the switcher's (VIEW); new, edit and
delete need EDIT in the message's team, on GET too (it shows the form).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.next_url import safe_next, with_query
from distributions.default_messages import default_library_messages
from distributions.forms.compose import MessageForm
from distributions.forms.versions import language_options
from distributions.selectors.messages import message_get, message_list
from distributions.services.compose import (
    message_create,
    message_delete,
    message_update,
)
from teams import access
from teams.access import Right
from teams.selectors import current_team


@login_required
@require_GET
def message_library(request):
    """The team's messages by type, and Canvass' defaults to start from."""
    team = current_team(request)
    return render(
        request,
        "distributions/message_list.html",
        {
            "saved": message_list(user=request.user, team_id=team.pk),
            "defaults": default_library_messages(),
        },
    )


def _library(request) -> str:
    """Return the library's URL, keeping the way back to Compose (?next=)."""
    return with_query(reverse("distributions:messages"), next=safe_next(request))


def _save(request, form, *, message=None):
    try:
        if message is None:
            return message_create(
                user=request.user, team=current_team(request), **form.cleaned_data
            )
        return message_update(message=message, **form.cleaned_data)
    except ValidationError as error:
        form.add_error("name", error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def message_new(request):
    """Create a message; `?from_default=<type>` starts from Canvass' default."""
    access.require(request.user, current_team(request).pk, Right.EDIT)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid() and _save(request, form):
            messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
            return redirect(_library(request))
    else:
        initial = {}
        wanted = request.GET.get("from_default")
        for entry in default_library_messages():
            if entry["message_type"] == wanted:
                initial = {**entry, "name": ""}
        form = MessageForm(initial=initial)
    return render(
        request,
        "distributions/message_form.html",
        {"form": form, "message": None, "language_options": language_options()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, pk: int):
    message = message_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid() and _save(request, form, message=message):
            messages.success(request, f"Saved “{form.cleaned_data['name']}”.")
            return redirect(_library(request))
    else:
        form = MessageForm(
            initial={
                "name": message.name,
                "message_type": message.message_type,
                "subject": message.subject,
                "body": message.body,
            },
            versions=message.versions,
        )
    return render(
        request,
        "distributions/message_form.html",
        {"form": form, "message": message, "language_options": language_options()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_remove(request, pk: int):
    """Delete a message (GET asks, POST deletes)."""
    message = message_get(user=request.user, pk=pk, right=Right.EDIT)
    if request.method == "POST":
        name = message.name
        message_delete(message=message)
        messages.success(request, f"Deleted “{name}”.")
        return redirect(_library(request))
    return render(request, "distributions/message_delete.html", {"message": message})
