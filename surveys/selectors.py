"""Reads of surveys. Every team-facing read takes the acting user and asks
teams.access for the right it needs (404 outsider, 403 member without it)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from surveys.logic import Facts, question_index
from surveys.models import Answer, Page, Question, Response, Survey, SurveyVersion
from surveys.piping import pipe
from surveys.results import question_catalogue, response_answers
from teams import access
from teams.access import Right
from teams.services import personal_team_id


def survey_list(*, user, team) -> QuerySet[Survey]:
    """Return the team's surveys, newest change first (its members may VIEW them)."""
    access.require(user, team.pk, Right.VIEW)
    return Survey.objects.filter(team=team).order_by("-updated_at")


def survey_titles(*, user, team_id: int) -> dict[int, str]:
    """{survey id: title} of the team's surveys (its members may VIEW them)."""
    access.require(user, team_id, Right.VIEW)
    return dict(Survey.objects.filter(team_id=team_id).values_list("id", "title"))


def survey_list_with_counts(*, user, team) -> QuerySet[Survey]:
    return survey_list(user=user, team=team).annotate(
        response_count=Count(
            "responses", filter=Q(responses__started_at__isnull=False)
        ),
        finished_count=Count(
            "responses", filter=Q(responses__finished_at__isnull=False)
        ),
    )


def survey_get(*, user, pk: int, right: Right = Right.VIEW) -> Survey:
    """Return a survey of one of the user's teams if their role there has `right`:
    Http404 for a missing survey or an outsider, PermissionDenied for too small a role."""
    survey = get_object_or_404(Survey, pk=pk)
    access.require(user, survey.team_id, right)
    return survey


def survey_for_command(*, pk: int) -> Survey | None:
    """Return any survey by id, with its owner: for staff's command-line tools,
    which then act as that owner."""
    return Survey.objects.select_related("owner").filter(pk=pk).first()


def survey_newest_definition(*, survey_id: int) -> dict | None:
    """Return the definition of a survey's newest published version, or None."""
    version = (
        SurveyVersion.objects.filter(survey_id=survey_id)
        .order_by("-number")
        .only("definition")
        .first()
    )
    return version.definition if version is not None else None


def survey_preview_outline(*, survey_id: int, contact: dict | None) -> dict | None:
    """The newest published version as an outline, its texts piped for `contact`.

    For the preview email's link (distributions): every page and question at once,
    with no answers, so answer placeholders and fields the contact lacks are empty,
    never the raw `${...}` (surveys.piping). None if nothing is published.
    """
    definition = survey_newest_definition(survey_id=survey_id)
    if definition is None:
        return None
    facts = Facts(contact=dict(contact or {}))
    index = question_index(definition)

    def piped(text):
        return pipe(text or "", facts, index)

    return {
        "title": definition.get("title", ""),
        "introduction": piped(definition.get("introduction")),
        "pages": [
            {
                "introduction": piped(page.get("introduction")),
                "questions": [
                    {
                        "text": piped(question.get("text")),
                        "help_text": piped(question.get("help_text")),
                        "required": question.get("required", False),
                        "choices": [
                            piped(c.get("label")) for c in question.get("choices") or []
                        ],
                        "statements": [
                            piped(s.get("label"))
                            for s in question.get("statements") or []
                        ],
                    }
                    for question in page.get("questions") or []
                ],
            }
            for page in definition.get("pages") or []
        ],
    }


def page_get(*, user, survey_pk: int, pk: int, right: Right = Right.EDIT) -> Page:
    """Return a page of the survey (the survey's team decides), for the builder."""
    page = get_object_or_404(
        Page.objects.select_related("survey"), survey_id=survey_pk, pk=pk
    )
    access.require(user, page.survey.team_id, right)
    return page


def question_get(
    *, user, survey_pk: int, pk: int, right: Right = Right.EDIT
) -> Question:
    """Return a question of the survey (the survey's team decides), for the builder."""
    question = get_object_or_404(
        Question.objects.select_related("survey", "page"), survey_id=survey_pk, pk=pk
    )
    access.require(user, question.survey.team_id, right)
    return question


def survey_builder_pages(*, survey: Survey) -> list[dict]:
    """Return the draft's pages, each with its questions, for the builder."""
    pages = list(survey.pages.order_by("position", "id"))
    by_page: dict[int, list[Question]] = {p.pk: [] for p in pages}
    for question in survey.questions.order_by("position", "id"):
        by_page.setdefault(question.page_id, []).append(question)
    return [{"page": page, "questions": by_page[page.pk]} for page in pages]


def response_list(*, user, survey: Survey) -> QuerySet[Response]:
    """Return the survey's started responses (a response exists only after a
    submit), for a member who may ANALYSE its team's data."""
    access.require(user, survey.team_id, Right.ANALYSE)
    return (
        Response.objects.filter(survey=survey)
        .select_related("version")
        # Newest first by creation: the (survey, -created_at) index serves it.
        .order_by("-created_at", "-id")
    )


def responses_with_field(responses: QuerySet, *, name: str, value: str) -> QuerySet:
    """Narrow responses to those whose embedded field `name` is `value` (exact)."""
    return responses.filter(embedded_data__contains={name: value})


def response_get(*, user, survey_pk: int, public_id: str) -> Response:
    """Return a response to a survey by its R_ ID, for a member who may ANALYSE."""
    survey = survey_get(user=user, pk=survey_pk, right=Right.ANALYSE)
    response = get_object_or_404(
        Response.objects.select_related("version"), survey=survey, public_id=public_id
    )
    response.survey = survey
    return response


def response_progress_rows(*, survey_id: int) -> QuerySet:
    """Return the survey's responses as unordered (id, public_id, started_at,
    finished_at, screened_out) rows.

    For another app's bulk statement (the history CSV, a follow-up's audience),
    which compiles it (`qs.query.sql_with_params()`) and joins it on the response
    id, so its SQL never names this app's table: a plain unordered SELECT, which
    PostgreSQL folds into that join.
    """
    return (
        Response.objects.filter(survey_id=survey_id)
        .order_by()
        .values("id", "public_id", "started_at", "finished_at", "screened_out")
    )


# --- a person's responses (export and erasure) ------------------------------------


def person_responses(
    *,
    user,
    email: str,
    person_key: str | None = None,
    response_ids=(),
    team_id: int | None = None,
) -> QuerySet[Response]:
    """Return the responses to the team's surveys that belong to one person.

    Those carrying the address (the contact data a personal link copied), the
    person's key (Response.person_key), or started by the person's invitations
    (response_ids: their caller knows them). The team: `team_id`, else the user's
    personal team; the user must be able to ANALYSE its responses (an erasure's
    caller asks MANAGE itself). Not indexed by address: an erasure or an export
    is rare, and the team's responses are read once.
    """
    if team_id is None:
        team_id = personal_team_id(user.pk)
    access.require(user, team_id, Right.ANALYSE)
    email = email.strip()
    if not email:
        return Response.objects.none()
    match = Q(email__iexact=email)
    if person_key:
        match |= Q(person_key=person_key)
    if response_ids:
        match |= Q(id__in=list(response_ids))
    return (
        Response.objects.filter(survey__team_id=team_id)
        .filter(match)
        .select_related("survey")
        .order_by("created_at", "id")
    )


def person_responses_data(
    *,
    user,
    email: str,
    person_key: str | None = None,
    response_ids=(),
    team_id: int | None = None,
) -> list[dict]:
    """Return one person's responses with their answers (question, answer), for
    the person's data export (the team as in person_responses)."""
    catalogues: dict[int, list[dict]] = {}
    found = []
    for response in person_responses(
        user=user,
        email=email,
        person_key=person_key,
        response_ids=response_ids,
        team_id=team_id,
    ):
        survey = response.survey
        if survey.pk not in catalogues:
            catalogues[survey.pk] = question_catalogue(survey=survey)
        answers = response_answers(response=response, catalogue=catalogues[survey.pk])
        found.append(
            {
                "response_id": response.public_id,
                "survey": survey.title,
                "channel": response.get_channel_display(),
                "first_name": response.first_name,
                "last_name": response.last_name,
                "email": response.email,
                "external_reference": response.external_reference,
                "embedded_data": response.embedded_data,
                "started_at": _iso(response.started_at),
                "last_activity_at": _iso(response.last_activity_at),
                "finished_at": _iso(response.finished_at),
                "answers": [
                    {"question": answer["question"]["text"], "answer": answer["text"]}
                    for answer in answers
                ],
            }
        )
    return found


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def person_progress_rows(*, survey_id: int) -> QuerySet:
    """Return the survey's responses that name their person, as unordered
    (person_key, public_id, started_at, finished_at, screened_out) rows.

    For another app's bulk statement, compiled and joined on the person key (as
    response_progress_rows is on the id): a person's response, whichever link
    started it. Served by the index of response_one_per_person.
    """
    return (
        Response.objects.filter(survey_id=survey_id, person_key__isnull=False)
        .order_by()
        .values("person_key", "public_id", "started_at", "finished_at", "screened_out")
    )


def person_response(*, survey_id: int, person_key: str | None) -> Response | None:
    """Return the person's response to the survey (one indexed lookup), or None."""
    if not person_key:
        return None
    # Unique per survey (response_one_per_person): no ORDER BY for first() to add.
    found = Response.objects.filter(survey_id=survey_id, person_key=person_key)
    return next(iter(found.order_by()[:1]), None)


def survey_questions(*, survey: Survey) -> list[dict]:
    """Return every question any published version asked (the REST API's survey)."""
    return question_catalogue(survey=survey)


def response_answers_by_id(*, response_ids) -> dict[int, dict[str, object]]:
    """Return {response id: {question id as text: stored value}} in one query."""
    found: dict[int, dict[str, object]] = {rid: {} for rid in response_ids}
    rows = Answer.objects.filter(response_id__in=list(response_ids)).values_list(
        "response_id", "question_id", "value"
    )
    for response_id, question_id, value in rows:
        found[response_id][str(question_id)] = value
    return found


def responses_progress_since(*, team_ids, field: str, since) -> QuerySet:
    """Return rows of the teams' responses whose `field` (started_at or
    finished_at) is at or after `since`: the REST API's webhook events."""
    assert field in ("started_at", "finished_at")
    return (
        Response.objects.filter(
            survey__team_id__in=list(team_ids), **{f"{field}__gte": since}
        )
        .values(
            "id",
            "public_id",
            "survey_id",
            "survey__team_id",
            "started_at",
            "finished_at",
            "email",
            "external_reference",
        )
        .order_by("id")
    )
