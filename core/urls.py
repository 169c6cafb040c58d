from django.urls import path

from core import views

app_name = "core"

# "public_" names need no login (the login-required test skips exactly those): the
# health check is for load balancers, the DEBUG-only Outbox must show password-reset
# mails to someone who cannot sign in.
urlpatterns = [
    path("healthz", views.public_healthz, name="public_healthz"),
    path("outbox/", views.public_outbox, name="public_outbox"),
    path(
        "outbox/<str:file_name>/<int:index>/",
        views.public_outbox_message,
        name="public_outbox_message",
    ),
]
