from django.conf import settings
from django.urls import include, path

from distributions.bounces.webhooks import webhook_urlpatterns
from distributions.views import (
    emails,
    followups,
    frequency,
    invitations,
    links,
    messages,
    privacy,
    public,
    recipients_add,
    tracking,
)

app_name = "distributions"

# Each section belongs to one module of distributions/views/. Respondent-facing URL
# names start with "public_" (the login-required test skips exactly those).
urlpatterns = [
    # --- Emails: compose, rows, history (views/emails.py) ---
    path("surveys/<int:survey_id>/distributions/", emails.email_list, name="emails"),
    path(
        "surveys/<int:survey_id>/distributions/emails/rows/",
        emails.email_rows,
        name="email_rows",
    ),
    path(
        "surveys/<int:survey_id>/distributions/emails/compose/",
        emails.email_compose,
        name="email_compose",
    ),
    path(
        "surveys/<int:survey_id>/distributions/emails/<int:pk>/",
        emails.email_detail,
        name="email_detail",
    ),
    path(
        "surveys/<int:survey_id>/distributions/emails/<int:pk>/history.csv",
        emails.email_history,
        name="email_history",
    ),
    path(
        "surveys/<int:survey_id>/distributions/emails/<int:pk>/cancel/",
        emails.email_cancel,
        name="email_cancel",
    ),
    path(
        "surveys/<int:survey_id>/distributions/emails/<int:pk>/resend/",
        emails.email_resend,
        name="email_resend",
    ),
    # --- A person's data, a survey's close and strip (views/privacy.py): shown on
    # directories' contact page and surveys' Options page (apps.py registers them).
    path(
        "directories/lists/<int:list_pk>/contacts/<int:contact_pk>/person/export.json",
        privacy.person_export_view,
        name="person_export",
    ),
    path(
        "directories/lists/<int:list_pk>/contacts/<int:contact_pk>/person/erase/",
        privacy.person_erase_view,
        name="person_erase",
    ),
    path(
        "surveys/<int:survey_id>/close-and-strip/",
        privacy.survey_strip_view,
        name="survey_strip",
    ),
    # --- Message library (views/messages.py) ---
    path("messages/", messages.message_library, name="messages"),
    path("messages/new/", messages.message_new, name="message_new"),
    path("messages/<int:pk>/", messages.message_edit, name="message_edit"),
    path("messages/<int:pk>/delete/", messages.message_remove, name="message_delete"),
    # --- Personal links (views/links.py), recipients and link control
    # (views/invitations.py), reminders and thank-yous (views/followups.py) ---
    path(
        "surveys/<int:survey_id>/distributions/links/", links.links_list, name="links"
    ),
    path(
        "surveys/<int:survey_id>/distributions/links/rows/",
        links.links_rows,
        name="links_rows",
    ),
    path(
        "surveys/<int:survey_id>/distributions/links/generate/",
        links.links_generate_view,
        name="links_generate",
    ),
    path(
        "surveys/<int:survey_id>/distributions/links/<int:pk>/links.csv",
        links.links_download,
        name="links_download",
    ),
    path(
        "surveys/<int:survey_id>/distributions/links/<int:pk>/history.csv",
        links.links_history,
        name="links_history",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/",
        invitations.recipients,
        name="recipients",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/extend/",
        invitations.links_extend_all,
        name="links_extend_all",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/<int:invitation_id>/",
        invitations.invitation_detail,
        name="invitation_detail",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/<int:invitation_id>/revoke/",
        invitations.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/<int:invitation_id>/extend/",
        invitations.invitation_extend_view,
        name="invitation_extend",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/recipients/<int:invitation_id>/regenerate/",
        invitations.invitation_regenerate_view,
        name="invitation_regenerate",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/reminder/",
        followups.reminder_new,
        name="reminder_new",
    ),
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/thank-you/",
        followups.thank_you_new,
        name="thank_you_new",
    ),
    # --- Respondent-facing: /s/<token>/, opt-out (views/public.py) ---
    path("s/preview/<str:key>/", public.public_preview, name="public_preview"),
    path("s/<str:token>/", public.public_link, name="public_link"),
    path("s/<str:token>/opt-out/", public.public_opt_out, name="public_opt_out"),
    # --- One more recipient (views/recipients_add.py) ---
    path(
        "surveys/<int:survey_id>/distributions/<int:pk>/add-recipients/",
        recipients_add.email_recipients_add,
        name="email_recipients_add",
    ),
    path(
        "surveys/<int:survey_id>/distributions/links/<int:pk>/add-recipients/",
        recipients_add.links_recipients_add,
        name="links_recipients_add",
    ),
    # --- The owner's contact frequency rule (views/frequency.py) ---
    path(
        "settings/contact-frequency/",
        frequency.frequency_rule,
        name="frequency_rule",
    ),
    # --- Open tracking: an email's invisible image (views/tracking.py) ---
    path(
        "e/<str:reference>/open.gif",
        tracking.public_open_pixel,
        name="public_open_pixel",
    ),
    # --- Email service providers' tracking webhooks: bounces, complaints
    # (bounces/webhooks.py); /anymail/<provider>/tracking/ ---
    path("anymail/", include(webhook_urlpatterns())),
]

if getattr(settings, "SURVEYS_BENCH_VIEW", False):
    # bench/bench_respondent.py's limit for /s/<token>/ (views/public.py).
    urlpatterns.append(
        path("bench/lookup/<str:token>/", public.bench_lookup, name="bench_lookup")
    )
