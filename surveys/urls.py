from django.conf import settings
from django.urls import path

from surveys.views import (
    builder,
    exports,
    lists,
    logic,
    preview,
    public,
    responses,
    translations,
)

app_name = "surveys"

# Respondent-facing URL names start with "public_".
urlpatterns = [
    path("surveys/", lists.survey_list, name="list"),
    path("surveys/<int:pk>/rename/", lists.survey_rename, name="rename"),
    path("surveys/<int:pk>/duplicate/", lists.survey_duplicate, name="duplicate"),
    path("surveys/<int:pk>/delete/", lists.survey_delete, name="delete"),
    # --- Survey tab: builder, Options, Preview, Publish ---
    path("surveys/<int:pk>/", builder.survey_detail, name="detail"),
    path("surveys/<int:pk>/options/", builder.survey_options, name="options"),
    path(
        "surveys/<int:pk>/options/anonymize/",
        builder.survey_anonymize_responses,
        name="anonymize_responses",
    ),
    path("surveys/<int:pk>/preview/", preview.survey_preview, name="preview"),
    path("surveys/<int:pk>/publish/", builder.survey_publish, name="publish"),
    path("surveys/<int:pk>/close/", builder.survey_close, name="close"),
    path("surveys/<int:pk>/reopen/", builder.survey_reopen, name="reopen"),
    path("surveys/<int:pk>/closing/", logic.survey_closing, name="closing"),
    path("surveys/<int:pk>/pages/add/", builder.page_add, name="page_add"),
    path(
        "surveys/<int:pk>/pages/<int:page_pk>/",
        logic.page_settings,
        name="page_settings",
    ),
    path(
        "surveys/<int:pk>/questions/<int:question_pk>/logic/",
        logic.question_logic,
        name="question_logic",
    ),
    path(
        "surveys/<int:pk>/pages/<int:page_pk>/delete/",
        builder.page_delete,
        name="page_delete",
    ),
    path(
        "surveys/<int:pk>/pages/<int:page_pk>/questions/add/",
        builder.question_add,
        name="question_add",
    ),
    path(
        "surveys/<int:pk>/questions/<int:question_pk>/",
        builder.question_edit,
        name="question_edit",
    ),
    path(
        "surveys/<int:pk>/questions/<int:question_pk>/move/",
        builder.question_move,
        name="question_move",
    ),
    path(
        "surveys/<int:pk>/questions/<int:question_pk>/delete/",
        builder.question_delete,
        name="question_delete",
    ),
    # --- Translations tab ---
    path(
        "surveys/<int:pk>/translations/",
        translations.survey_translations,
        name="translations",
    ),
    path(
        "surveys/<int:pk>/translations/<str:language>/",
        translations.survey_translation,
        name="translation",
    ),
    path(
        "surveys/<int:pk>/translations/<str:language>/csv/",
        translations.survey_translation_csv,
        name="translation_csv",
    ),
    path(
        "surveys/<int:pk>/translations/<str:language>/import/",
        translations.survey_translation_import,
        name="translation_import",
    ),
    # --- Responses tab ---
    path("surveys/<int:pk>/responses/", responses.response_list, name="responses"),
    path(
        "surveys/<int:pk>/responses/summary/",
        responses.response_summary,
        name="response_summary",
    ),
    path(
        "surveys/<int:pk>/responses/text/<int:question_id>/",
        responses.response_text_answers,
        name="response_text_answers",
    ),
    path(
        "surveys/<int:pk>/responses/text/<int:question_id>/other/",
        responses.response_text_answers,
        {"other": True},
        name="response_other_answers",
    ),
    path(
        "surveys/<int:pk>/responses/export/",
        exports.response_export,
        name="response_export",
    ),
    path(
        "surveys/<int:pk>/responses/exports/",
        exports.response_export_page,
        name="response_export_page",
    ),
    path(
        "surveys/<int:pk>/responses/exports/<int:export_pk>/",
        exports.response_export_status,
        name="response_export_status",
    ),
    path(
        "surveys/<int:pk>/responses/exports/<int:export_pk>/file/",
        exports.response_export_file,
        name="response_export_file",
    ),
    path(
        # The response's public R_ ID: a sequential pk would show how many exist.
        "surveys/<int:pk>/responses/<str:response_id>/",
        responses.response_detail,
        name="response_detail",
    ),
    # --- Respondent-facing ---
    path("r/<str:public_key>/", public.public_respond, name="public_respond"),
]

if getattr(settings, "SURVEYS_BENCH_VIEW", False):
    urlpatterns.append(path("bench/bare/", public.bench_bare, name="bench_bare"))
