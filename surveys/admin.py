"""The admin's view of responses: found and shown by their public R_ ID."""

from django.contrib import admin

from surveys.models import Response


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("public_id", "survey", "channel", "started_at", "finished_at")
    list_filter = ("channel",)
    list_select_related = ("survey",)
    search_fields = ("=public_id", "email")
    fields = (
        "public_id",
        "survey",
        "version",
        "channel",
        "first_name",
        "last_name",
        "email",
        "external_reference",
        "embedded_data",
        "created_at",
        "started_at",
        "finished_at",
    )

    # Responses come from respondents: the admin reads (or deletes) them, never
    # makes or edits one.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
