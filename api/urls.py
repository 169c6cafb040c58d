from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Registers the key's security scheme with drf-spectacular before any schema is made.
from api import schema  # noqa: F401
from api.views import (
    contacts,
    distributions,
    followups,
    hooks,
    keys,
    links,
    suppressions,
    surveys,
    webhooks,
)

app_name = "api"

SURVEY = "v1/surveys/<int:survey_pk>"
EMAIL = f"{SURVEY}/distributions/<int:pk>"
BATCH = f"{SURVEY}/link-batches/<int:pk>"
LINK = f"{BATCH}/links/<int:link_pk>"

v1 = [
    path("v1/lists/", contacts.ListsView.as_view(), name="lists"),
    path("v1/lists/<int:pk>/", contacts.ListView.as_view(), name="list"),
    path(
        "v1/lists/<int:list_pk>/contacts/",
        contacts.ContactsView.as_view(),
        name="contacts",
    ),
    path(
        "v1/lists/<int:list_pk>/contacts/bulk/",
        contacts.ContactsBulkView.as_view(),
        name="contacts_bulk",
    ),
    path(
        "v1/lists/<int:list_pk>/contacts/<int:pk>/",
        contacts.ContactView.as_view(),
        name="contact",
    ),
    path(
        "v1/lists/<int:list_pk>/imports/",
        contacts.ImportsView.as_view(),
        name="imports",
    ),
    path(
        "v1/lists/<int:list_pk>/imports/<int:pk>/",
        contacts.ImportView.as_view(),
        name="import",
    ),
    path("v1/surveys/", surveys.SurveysView.as_view(), name="surveys"),
    path("v1/surveys/<int:pk>/", surveys.SurveyView.as_view(), name="survey"),
    path(f"{SURVEY}/responses/", surveys.ResponsesView.as_view(), name="responses"),
    path(
        f"{SURVEY}/distributions/",
        distributions.EmailDistributionsView.as_view(),
        name="distributions",
    ),
    path(
        f"{EMAIL}/", distributions.EmailDistributionView.as_view(), name="distribution"
    ),
    path(
        f"{EMAIL}/cancel/",
        distributions.EmailDistributionCancelView.as_view(),
        name="distribution_cancel",
    ),
    path(
        f"{EMAIL}/reminders/",
        followups.EmailRemindersView.as_view(),
        name="distribution_reminders",
    ),
    path(
        f"{EMAIL}/thank-yous/",
        followups.EmailThankYousView.as_view(),
        name="distribution_thank_yous",
    ),
    path(
        f"{EMAIL}/history/",
        distributions.HistoryView.as_view(),
        name="distribution_history",
    ),
    path(
        f"{EMAIL}/history.csv",
        distributions.HistoryCsvView.as_view(),
        name="distribution_history_csv",
    ),
    path(
        f"{SURVEY}/link-batches/",
        distributions.LinkBatchesView.as_view(),
        name="link_batches",
    ),
    path(f"{BATCH}/", distributions.LinkBatchView.as_view(), name="link_batch"),
    path(
        f"{BATCH}/reminders/",
        followups.LinkBatchRemindersView.as_view(),
        name="link_batch_reminders",
    ),
    path(
        f"{BATCH}/thank-yous/",
        followups.LinkBatchThankYousView.as_view(),
        name="link_batch_thank_yous",
    ),
    path(
        f"{BATCH}/history/",
        distributions.LinkHistoryView.as_view(),
        name="link_batch_history",
    ),
    path(
        f"{BATCH}/history.csv",
        distributions.LinkHistoryCsvView.as_view(),
        name="link_batch_history_csv",
    ),
    path(f"{BATCH}/links/", links.LinksView.as_view(), name="links"),
    path(f"{BATCH}/links.csv", links.LinksCsvView.as_view(), name="links_csv"),
    path(f"{LINK}/revoke/", links.LinkActionView.as_view(), name="link_revoke"),
    path(
        f"{LINK}/regenerate/",
        links.LinkRegenerateView.as_view(),
        name="link_regenerate",
    ),
    path(f"{LINK}/extend/", links.LinkExtendView.as_view(), name="link_extend"),
    path(
        "v1/suppressions/", suppressions.SuppressionsView.as_view(), name="suppressions"
    ),
    path(
        "v1/suppressions/<int:pk>/",
        suppressions.SuppressionView.as_view(),
        name="suppression",
    ),
    path(
        "v1/webhooks/", hooks.WebhookEndpointsView.as_view(), name="webhook_endpoints"
    ),
    path(
        "v1/webhooks/<int:pk>/",
        hooks.WebhookEndpointView.as_view(),
        name="webhook_endpoint",
    ),
    path(
        "v1/webhooks/<int:pk>/enable/",
        hooks.WebhookEndpointEnableView.as_view(),
        name="webhook_endpoint_enable",
    ),
    path(
        "v1/webhooks/<int:pk>/attempts/",
        hooks.WebhookAttemptsView.as_view(),
        name="webhook_endpoint_attempts",
    ),
]

urlpatterns = [
    *v1,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file: no inline script.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("keys/", keys.keys_page, name="keys"),
    path("keys/<int:pk>/revoke/", keys.key_revoke, name="key_revoke"),
    path("webhooks/", webhooks.webhooks_page, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_page, name="webhook"),
    path("webhooks/<int:pk>/enable/", webhooks.webhook_enable, name="webhook_enable"),
    path("webhooks/<int:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
]
