from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("teams/", views.team_list, name="list"),
    path("teams/switch/", views.switch, name="switch"),
    path("teams/<int:pk>/", views.team_detail, name="detail"),
    path("teams/<int:pk>/invite/", views.invite, name="invite"),
    path(
        "teams/<int:pk>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "teams/<int:pk>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "teams/<int:pk>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("teams/<int:pk>/leave/", views.leave, name="leave"),
    path("teams/<int:pk>/audit/", views.audit, name="audit"),
    path("teams/<int:pk>/audit.csv", views.audit_csv, name="audit_csv"),
    # The emailed link: anyone may open it (public_*: no sign-in needed).
    path("teams/join/<str:token>/", views.join, name="public_join"),
    path(
        "teams/join/<str:token>/signup/", views.join_signup, name="public_join_signup"
    ),
]
