from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


class OwnerAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")


admin.site.unregister(User)
admin.site.register(User, OwnerAdmin)
# The admin's login has the sign-in page's limits (accounts.throttle).
admin.site.login_form = AdminLoginForm
