"""Profile → API keys: create (the key is shown once) and revoke.

A key is made in the team the switcher shows and acts there with its maker's role;
each user sees and revokes only their own keys, of every team."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.models import ApiKey
from api.selectors import api_key_get, api_key_list
from api.services import api_key_create, api_key_revoke
from teams.selectors import current_team


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Say what uses it, e.g. “SIS sync”."
    )
    access = forms.ChoiceField(
        choices=ApiKey.Access.choices, initial=ApiKey.Access.READ
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def keys_page(request):
    team = current_team(request)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _, new_key = api_key_create(
                owner=request.user,
                team=team,
                name=form.cleaned_data["name"],
                access=form.cleaned_data["access"],
            )
            form = ApiKeyForm()
        else:
            status = 400
    context = {
        "form": form,
        "keys": api_key_list(user=request.user),
        "new_key": new_key,
        "team": team,
    }
    return render(request, "api/keys.html", context, status=status)


@login_required
@require_POST
def key_revoke(request, pk: int):
    key = api_key_get(user=request.user, pk=pk)
    if api_key_revoke(key=key):
        messages.success(request, f"The key “{key.name}” is revoked.")
    return redirect("api:keys")
