"""The team an API call acts in, and the check of every object it reaches.

A key acts as its owner in the key's team (a signed-in session, in the team the
switcher shows), with the owner's role there (teams.access): an object of another
team is a 404 even when the owner belongs to that team too, and a right the role
lacks is a 403. `api.auth.KeyAccess` settles the team before any view runs; the
views reach other apps' objects only through the getters below, so each right is
named once per endpoint (docs/architecture.md, "The REST API and webhooks").
"""

from django.http import Http404

import directories.selectors as dir_selectors
import surveys.selectors as survey_selectors
from api.models import ApiKey
from directories.selectors import suppressions as suppression_selectors
from distributions.selectors.invitations import invitation_get
from distributions.selectors.messages import message_get
from distributions.selectors.pages import email_distribution_get, link_batch_get
from teams import access
from teams.access import Right
from teams.selectors import current_team

EMAIL = "email"
LINKS = "links"


def team_id(request) -> int:
    """The team this call acts in (set by api.auth.KeyAccess)."""
    return request.api_team_id


def team(request):
    """The team row of the call: what it creates goes there."""
    key = request.auth
    return key.team if isinstance(key, ApiKey) else current_team(request)


def require(request, right: Right) -> None:
    """Refuse (403) a call whose role in its team lacks `right`."""
    access.require(request.user, team_id(request), right)


def in_team(request, object_team_id: int, right: Right) -> None:
    """404 for another team's object, 403 for a right the role lacks."""
    if object_team_id != team_id(request):
        raise Http404("Not found.")
    access.require(request.user, object_team_id, right)


def surveys(request):
    require(request, Right.VIEW)
    return survey_selectors.survey_list(user=request.user, team=team(request))


def survey(request, pk: int, right: Right = Right.VIEW):
    found = survey_selectors.survey_get(user=request.user, pk=pk)
    in_team(request, found.team_id, right)
    return found


def contact_lists(request):
    require(request, Right.VIEW)
    return dir_selectors.contact_list_list(user=request.user, team_id=team_id(request))


def contact_list(request, pk: int, right: Right = Right.VIEW):
    found = dir_selectors.contact_list_get(user=request.user, pk=pk)
    in_team(request, found.team_id, right)
    return found


def contact(request, list_pk: int, pk: int, right: Right = Right.VIEW):
    """A contact of a list of the team: the list's team decides."""
    contact_list(request, list_pk, right)
    return dir_selectors.contact_get(user=request.user, list_pk=list_pk, pk=pk)


def contact_import(request, list_pk: int, pk: int, right: Right = Right.VIEW):
    contact_list(request, list_pk, right)
    return dir_selectors.contact_import_get(user=request.user, list_pk=list_pk, pk=pk)


def suppressions(request, query: str):
    require(request, Right.VIEW)
    return suppression_selectors.suppression_list(
        user=request.user, team_id=team_id(request), query=query
    )


def suppression(request, pk: int, right: Right = Right.VIEW):
    found = suppression_selectors.suppression_get(user=request.user, pk=pk)
    in_team(request, found.team_id, right)
    return found


def message(request, pk: int):
    """A message of the team's library, to send (whoever saved it)."""
    found = message_get(user=request.user, pk=pk)
    in_team(request, found.team_id, Right.SEND)
    return found


def distribution(request, survey_pk: int, pk: int, kind: str, right: Right):
    """A top-level email distribution or link batch of a survey of the team: the
    survey's team decides."""
    parent = survey(request, survey_pk, right)
    get = link_batch_get if kind == LINKS else email_distribution_get
    return get(user=request.user, survey=parent, pk=pk)


def link(request, survey_pk: int, pk: int, link_pk: int, right: Right):
    batch = distribution(request, survey_pk, pk, LINKS, right)
    return invitation_get(user=request.user, distribution=batch, pk=link_pk)
