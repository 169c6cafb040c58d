"""Factories shared by every app's tests. Add an app's factories here."""

import factory
from django.contrib.auth import get_user_model

from teams.services import personal_team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"owner{n}@example.org")
    email = factory.SelfAttribute("username")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Survey"

    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: personal_team(o.owner))
    title = factory.Sequence(lambda n: f"Survey {n}")


class ContactListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directories.ContactList"

    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: personal_team(o.owner))
    name = factory.Sequence(lambda n: f"List {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directories.Contact"

    contact_list = factory.SubFactory(ContactListFactory)
    first_name = "Ana"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.edu")


class DistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "distributions.Distribution"

    survey = factory.SubFactory(SurveyFactory)
    owner = factory.SelfAttribute("survey.owner")
    team = factory.SelfAttribute("survey.team")
    kind = "links"
    status = "ready"
    contact_list = factory.SubFactory(
        ContactListFactory, owner=factory.SelfAttribute("..owner")
    )
    list_name = factory.SelfAttribute("contact_list.name")


# --- surveys ---


def build_survey(owner=None, *, title="Campus life", publish=True, access="anyone"):
    """Return a survey with two pages and every kind of question, published once.

    Page 1: single choice (required), short text, number 1-10.
    Page 2: multiple choice, rating 0-10, matrix (required), email, dropdown, long text.
    """
    from surveys import services
    from surveys.services import publishing

    owner = owner or UserFactory()
    survey = services.survey_create(owner=owner, title=title)
    survey.introduction = "Tell us about your term."
    survey.access = access
    survey.save()
    page1 = survey.pages.get()
    page2 = services.page_add(survey=survey)

    def add(page, kind, text, **changes):
        question = services.question_add(survey=survey, page=page, kind=kind)
        return services.question_update(
            question=question,
            text=text,
            help_text=changes.pop("help_text", ""),
            required=changes.pop("required", False),
            **changes,
        )

    add(
        page1,
        "single_choice",
        "Do you live on campus?",
        required=True,
        choice_labels=["Yes", "No"],
    )
    add(page1, "short_text", "Which college?")
    add(page1, "number", "How many courses?", min_value=1, max_value=10)
    add(
        page2,
        "multiple_choice",
        "Which services do you use?",
        choice_labels=["Library", "Gym", "Canteen"],
    )
    add(
        page2,
        "rating",
        "How likely are you to recommend us?",
        min_value=0,
        max_value=10,
    )
    add(
        page2,
        "matrix",
        "How much do you agree?",
        required=True,
        choice_labels=["Disagree", "Neutral", "Agree"],
        statement_labels=["Rooms are clean", "Staff are kind"],
    )
    add(page2, "email", "Your email (optional)", help_text="Only for a follow-up.")
    add(page2, "dropdown", "Year of study", choice_labels=["First", "Second", "Third"])
    add(page2, "long_text", "Anything else?")
    if publish:
        publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    return survey
