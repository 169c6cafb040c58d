"""Factories shared by every app's tests. Add an app's factories here."""

import factory
from django.contrib.auth import get_user_model

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
    title = factory.Sequence(lambda n: f"Survey {n}")


class ContactListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "directories.ContactList"

    owner = factory.SubFactory(UserFactory)
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
    kind = "links"
    status = "ready"
    contact_list = factory.SubFactory(
        ContactListFactory, owner=factory.SelfAttribute("..owner")
    )
    list_name = factory.SelfAttribute("contact_list.name")
