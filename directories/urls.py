from django.urls import path

from directories import views

app_name = "directories"

urlpatterns = [
    path("directories/", views.index, name="index"),
    path("directories/lists/", views.list_index, name="lists"),
    path("directories/lists/create/", views.list_create, name="list_create"),
    path("directories/lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("directories/lists/<int:pk>/rename/", views.list_rename, name="list_rename"),
    path("directories/lists/<int:pk>/delete/", views.list_delete, name="list_delete"),
    path("directories/lists/<int:pk>/export/", views.list_export, name="list_export"),
    path(
        "directories/lists/<int:pk>/contacts/<int:contact_pk>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "directories/lists/<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("directories/lists/<int:pk>/manual/", views.manual_input, name="manual_input"),
    path("directories/lists/<int:pk>/upload/", views.upload, name="upload"),
    path(
        "directories/lists/<int:pk>/imports/<int:import_pk>/confirm/",
        views.import_confirm,
        name="import_confirm",
    ),
    path(
        "directories/lists/<int:pk>/imports/<int:import_pk>/counts/",
        views.import_counts,
        name="import_counts",
    ),
    path(
        "directories/lists/<int:pk>/imports/<int:import_pk>/",
        views.import_detail,
        name="import_detail",
    ),
    path(
        "directories/lists/<int:pk>/imports/<int:import_pk>/rejected.csv",
        views.import_rejections,
        name="import_rejections",
    ),
    path(
        "directories/sample-template.csv", views.sample_template, name="sample_template"
    ),
    path("directories/opt-outs/", views.suppression_index, name="suppressions"),
    path(
        "directories/opt-outs/<int:suppression_pk>/remove/",
        views.suppression_remove,
        name="suppression_remove",
    ),
]
