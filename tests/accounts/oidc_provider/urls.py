"""The test provider's URLs: DOT's OAuth 2 / OIDC views, a sign-in page, and a
/setup/ call the tests use to register Canvass as a client and add people."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator

# A person whose last_name is this has an address the provider did not verify.
UNVERIFIED = "unverified"


class CampusValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": user.last_name != UNVERIFIED,
            "name": user.get_full_name() or user.username,
        }


@csrf_exempt
def setup(request):
    """Register a client {"client_id", "client_secret", "redirect_uris"} and people
    [{"username", "password", "email", "verified"}]; both replace what was there."""
    data = json.loads(request.body)
    Application = get_application_model()
    client = data.get("client")
    if client:
        Application.objects.filter(client_id=client["client_id"]).delete()
        Application.objects.create(
            name="Canvass",
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    User = get_user_model()
    for person in data.get("people", []):
        User.objects.filter(username=person["username"]).delete()
        User.objects.create_user(
            username=person["username"],
            password=person["password"],
            email=person["email"],
            last_name="" if person.get("verified", True) else UNVERIFIED,
        )
    return JsonResponse({"ok": True})


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("setup/", setup),
]
