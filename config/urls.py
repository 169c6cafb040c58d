from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# Problem details under /api/, Django's page elsewhere.
handler400 = "api.errors.bad_request"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="surveys:list"), name="home"),
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    # Campus sign-in (django-allauth's OpenID Connect and SAML views).
    path("accounts/campus/", include("accounts.campus_urls")),
    path("", include("surveys.urls")),
    path("", include("directories.urls")),
    path("", include("distributions.urls")),
    path("", include("teams.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
