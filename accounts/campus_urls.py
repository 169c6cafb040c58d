"""allauth's URLs for campus sign-in, without its own account pages.

allauth reverses these names without a namespace. Its account pages (sign-in,
sign-up, passwords) are not mounted: those stay the accounts app's, and the few
allauth names its social flow may reverse point at them.
"""

from allauth.socialaccount import views as social_views
from allauth.socialaccount.providers.openid_connect.urls import (
    urlpatterns as oidc_urls,
)
from allauth.socialaccount.providers.saml.urls import urlpatterns as saml_urls
from django.urls import include, path

from accounts import views

urlpatterns = [
    path("", include(oidc_urls)),
    path("", include(saml_urls)),
    path(
        "cancelled/",
        social_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("error/", social_views.login_error, name="socialaccount_login_error"),
    # The social flow sends a sign-in it cannot finish here (allauth's names).
    path("login/", views.login_view, name="account_login"),
    path("refused/", views.campus_refused, name="socialaccount_signup"),
    path("inactive/", views.campus_inactive, name="account_inactive"),
]
