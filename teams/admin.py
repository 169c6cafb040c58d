"""Teams in the admin: to look, not to edit (members change on the teams pages,
where the last-Owner rule and the audit trail apply)."""

from django.contrib import admin

from teams.models import Invitation, Membership, Team


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "personal_for", "created_at")
    search_fields = ("name", "personal_for__username")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "team__name")
    list_select_related = ("user", "team")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "team", "role", "created_at", "expires_at", "state")
    list_filter = ("role",)
    search_fields = ("email", "team__name")
    list_select_related = ("team",)
    # The digest is no use to a reader, and no link can be made from it.
    exclude = ("token_digest",)
