"""A person reached several ways, for the export, erasure and strip tests."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.utils import timezone

from directories.models import Contact, ContactImport
from directories.services.suppressions import suppression_add
from distributions.models import Delivery, Distribution
from distributions.services.invitations import invitations_create_from_list
from surveys.models import SurveyVersion
from teams.services import personal_team_id
from tests.distributions.ui_support import (
    QUESTION_ID,
    deliver,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

PERSON = "person1@example.edu"
EMAIL_QUESTION_ID = 902


def survey_with_email_question(owner, *, title="Campus life"):
    """Return a published survey asking a choice and, optionally, an address."""
    survey = published_survey(owner, title=title)
    version = SurveyVersion.objects.get(survey=survey)
    version.definition["pages"][0]["questions"].append(
        {
            "id": EMAIL_QUESTION_ID,
            "kind": "email",
            "text": "Your email (optional)",
            "help_text": "",
            "required": False,
            "choices": [],
            "statements": [],
            "min_value": None,
            "max_value": None,
        }
    )
    version.save(update_fields=["definition"])
    return survey


def answer(invitation, *, email_answer=""):
    """Finish the survey through the invitation's link, as the respondent does."""
    response = Client().post(
        f"/s/{invitation.token}/",
        {
            "page": "1",
            "action": "next",
            f"q{QUESTION_ID}": "c1",
            f"q{EMAIL_QUESTION_ID}": email_answer,
        },
    )
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.response.finished_at is not None
    return invitation.response


def person_everywhere(owner) -> dict:
    """Reach PERSON through two lists, an email with a failed reminder, a links
    batch, a finished response quoting the address, an opt-out and an import
    report; with person0 and person2 beside them, untouched."""
    survey = survey_with_email_question(owner)
    students = make_list(owner, name="Students", n=3, embedded_fields=["Cohort"])
    alumni = make_list(owner, name="Alumni", n=0)
    Contact.objects.create(
        contact_list=alumni,
        first_name="Stu",
        last_name="Dent",
        email="Person1@EXAMPLE.edu",
        external_reference="ALUM-1",
        embedded_data={"Note": "wrote from person1@example.edu"},
    )
    invite = email_distribution(survey, students)
    for invitation in invite.invitations.all():
        deliver(invite, invitation)
    reminder = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        parent=invite,
        kind=Distribution.Kind.EMAIL,
        message_type="reminder",
        list_name=students.name,
        send_at=timezone.now(),
        status=Distribution.Status.SENT,
    )
    person_invitation = invite.invitations.get(email=PERSON)
    deliver(
        reminder,
        person_invitation,
        status="failed",
        error="550 5.1.1 <person1@example.edu>: mailbox full",
    )
    batch = Distribution.objects.create(
        survey=survey,
        owner=owner,
        team_id=personal_team_id(owner.pk),
        kind=Distribution.Kind.LINKS,
        contact_list=alumni,
        list_name=alumni.name,
        link_expires_at=timezone.now() + timedelta(days=30),
        status=Distribution.Status.READY,
    )
    invitations_create_from_list(
        distribution=batch, contact_list=alumni, expires_at=batch.link_expires_at
    )
    response = answer(person_invitation, email_answer="Person1@example.edu")
    answer(invite.invitations.get(email="person0@example.edu"))
    suppression_add(owner=owner, email=PERSON, reason="opted_out")
    ContactImport.objects.create(
        owner=owner,
        team_id=personal_team_id(owner.pk),
        contact_list=students,
        original_name="students.csv",
        stored_path="",
        rejections=[
            {"line": 4, "column": "Email", "reason": f"{PERSON} is already in row 3."}
        ],
    )
    return {
        "survey": survey,
        "students": students,
        "alumni": alumni,
        "invite": invite,
        "reminder": reminder,
        "batch": batch,
        "person_invitation": person_invitation,
        "response": response,
    }


def columns_containing(text: str) -> list[str]:
    """Return "table.column" for every text or JSON column of every table in the
    database in which some row contains text (ignoring case)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            for column in description:
                cursor.execute(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = %s AND column_name = %s",
                    [table, column.name],
                )
                [(data_type,)] = cursor.fetchall()
                if data_type not in (
                    "text",
                    "character varying",
                    "character",
                    "json",
                    "jsonb",
                ):
                    continue
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column.name}"::text ILIKE %s '
                    "LIMIT 1",
                    [f"%{text}%"],
                )
                if cursor.fetchone():
                    found.append(f"{table}.{column.name}")
    return found


def delivery_rows(survey) -> list[tuple]:
    return list(
        Delivery.objects.filter(distribution__survey=survey)
        .order_by("id")
        .values_list("id", "status", "sent_at")
    )
