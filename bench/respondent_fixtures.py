"""The bench's scratch surveys and links (bench/bench_respondent.py), made through
the same services the pages use and removed by the bench afterwards."""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from directories.models import Contact, ContactList
from distributions.models import Invitation
from distributions.services.links import links_generate
from distributions.services.public import invitation_response_get_or_create
from surveys import services
from surveys.models import Answer, Question, Response
from surveys.respondent import new_resume_key, response_create
from surveys.services import publishing
from surveys.services import translations as translation_services
from surveys.translations import translation_rows


def add_logic(survey):
    """Display logic, skip logic and piped text on every question of page 2."""
    pages = list(survey.pages.order_by("position"))
    first = list(pages[0].questions.order_by("position"))
    condition = {"source": f"q:{first[1].pk}", "op": "answered"}
    for question in pages[1].questions.order_by("position"):
        question.text = (
            f"${{m://FirstName}} in ${{e://Field/Department}}, you wrote "
            f"${{q://QID{first[1].pk}/ChoiceTextEntryValue}}: {question.get_kind_display()}?"
        )
        question.display_logic = {"join": "and", "conditions": [condition]}
        question.skip_logic = {
            "join": "and",
            "conditions": [
                {"source": f"q:{first[1].pk}", "op": "is", "value": "never"}
            ],
            "to": "end",
            "message": "Screened out.",
        }
        question.save()
    Question.objects.filter(pk=first[1].pk).update(
        text="Hello ${m://FirstName} from ${e://Field/Department}"
    )


def translate(survey) -> None:
    """Offer the survey in Spanish with every text translated (issue 20's case)."""
    translation_services.survey_language_add(survey=survey, language="ES")
    texts = {
        row["key"]: f"ES {row['original']}" for row in translation_rows(survey, "es")
    }
    translation_services.survey_translation_save(
        survey=survey, language="es", texts=texts
    )


def make_survey(owner=None, *, logic=False, translated=False):
    owner = owner or get_user_model().objects.create_user(
        username=f"bench-{uuid.uuid4().hex[:8]}@bench.example.edu", password=None
    )
    survey = services.survey_create(owner=owner, title="Bench: campus life")
    page1 = survey.pages.get()
    page2 = services.page_add(survey=survey)
    kinds = [
        (page1, "single_choice"),
        (page1, "short_text"),
        (page1, "number"),
        (page2, "multiple_choice"),
        (page2, "rating"),
        (page2, "matrix"),
        (page2, "email"),
        (page2, "long_text"),
    ]
    for page, kind in kinds:
        services.question_add(survey=survey, page=page, kind=kind)
    if logic:
        add_logic(survey)
    if translated:
        translate(survey)
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    response = response_create(
        survey=survey,
        channel=Response.Channel.ANONYMOUS,
        resume_key=new_resume_key(),
        contact={"first_name": "Ana", "embedded_data": {"Department": "Physics"}},
    )
    first = survey.pages.order_by("position").first().questions.order_by("position")
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=q.pk, value="x") for q in first]
    )
    response.current_page = 1
    # A respondent who chose Spanish: every later page is translated.
    response.language = "es" if translated else ""
    response.save()
    return owner, survey, response


def make_personal_link(owner, survey):
    """A one-contact links batch; return its invitation, whose person answered page 1
    (what run_engine's first submit makes, then page 1's answers)."""
    contact_list = ContactList.objects.create(
        owner=owner, team=survey.team, name="Bench respondents"
    )
    Contact.objects.create(
        contact_list=contact_list,
        first_name="Ana",
        last_name="Bench",
        email=f"ana-{uuid.uuid4().hex[:8]}@bench.example.edu",
        embedded_data={"Department": "Physics"},
    )
    batch = links_generate(
        user=owner,
        survey=survey,
        contact_list=contact_list,
        expires_at=timezone.now() + timedelta(days=30),
        synchronous=True,
    )
    invitation = Invitation.objects.get(distribution=batch)
    with transaction.atomic():
        response = invitation_response_get_or_create(invitation_id=invitation.pk)
    first = survey.pages.order_by("position").first().questions.order_by("position")
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=q.pk, value="x") for q in first]
    )
    Response.objects.filter(pk=response.pk).update(current_page=1)
    return contact_list, invitation
