from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services, throttle
from accounts.campus import campus_sign_in_options, refused
from accounts.forms import (
    LoginForm,
    ProfileForm,
    SenderAddressForm,
    SignUpForm,
    wait_text,
)
from accounts.selectors import owner_time_zone, sender_addresses
from core.client_address import client_address
from core.next_url import safe_next
from core.queue import enqueue


def password_sign_in(view):
    """Refuse a password page (sign-up, reset, change) when PASSWORD_LOGIN is off."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            return render(request, "accounts/password_login_off.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _next_url(request) -> str:
    return safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    context = {
        "campus_options": campus_sign_in_options(),
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    if not settings.PASSWORD_LOGIN:
        # Only the campus buttons; a password posted anyway is not even checked.
        status = 403 if request.method == "POST" else 200
        context["password_refused"] = request.method == "POST"
        return render(request, "registration/login.html", context, status=status)
    form = LoginForm(request, data=request.POST or None)
    wait = 0
    if request.method == "POST":
        if form.is_valid():
            auth_login(request, form.get_user())
            return redirect(_next_url(request))
        wait = form.throttled_wait
        if wait:
            # The pause is said once, above a fresh form.
            form = LoginForm(
                request, initial={"username": request.POST.get("username")}
            )
    context.update(form=form, throttled=bool(wait), throttle_wait=wait_text(wait))
    response = render(
        request, "registration/login.html", context, status=429 if wait else 200
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


def campus_refused(request):
    """Where allauth would ask for sign-up details Canvass does not ask for."""
    return refused(request, "Campus sign-in could not make your Canvass account.")


def campus_inactive(request):
    return refused(request, "This Canvass account is switched off.")


@sensitive_post_parameters("password1", "password2")
@password_sign_in
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    if not settings.REGISTRATION_OPEN:
        return render(request, "accounts/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same answer whether or not the address has an account: a worker
        # mails a confirmation link, or tells the existing owner instead.
        services.signup_request(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
        )
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


@password_sign_in
def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


@password_sign_in
@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token: str):
    """The link of a sign-up email: GET shows Confirm (mail scanners open links)."""
    if not settings.REGISTRATION_OPEN:
        return render(request, "accounts/signup_closed.html", status=403)
    if request.method == "POST":
        user, created = services.signup_confirm(token=token)
        if created:
            auth_login(
                request, user, backend="django.contrib.auth.backends.ModelBackend"
            )
            messages.success(request, _("Welcome to Canvass: your account is ready."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        if user is not None:
            messages.info(request, _("This address has an account already: sign in."))
            return redirect("accounts:login")
        pending = None
    else:
        pending = services.signup_pending(token=token)
    return render(
        request,
        "accounts/signup_confirm.html",
        {"pending": pending},
        status=200 if pending or request.method == "GET" else 410,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, initial=_profile_initial(request.user))
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=request.user,
            time_zone=form.cleaned_data["time_zone"],
            locale=form.cleaned_data["locale"],
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return _profile_page(request, form=form)


def _profile_initial(user) -> dict:
    profile = getattr(user, "profile", None)
    return {
        "time_zone": owner_time_zone(user).key,
        "locale": profile.locale if profile else "",
    }


def _profile_page(request, *, form=None, sender_form=None, status=200):
    context = {
        "form": form or ProfileForm(initial=_profile_initial(request.user)),
        "sender_form": sender_form or SenderAddressForm(),
        "senders": sender_addresses(user=request.user),
        "allowed_domains": settings.ALLOWED_FROM_DOMAINS,
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_POST
def sender_add(request):
    """Profile → Sender addresses → Add: a worker mails the address its link."""
    form = SenderAddressForm(request.POST)
    if form.is_valid():
        try:
            sender = services.sender_add(
                user=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            if sender.confirmed_at:
                messages.info(request, f"{sender.email} is confirmed already.")
            else:
                messages.success(
                    request,
                    f"We emailed a confirmation link to {sender.email}: open it "
                    "while signed in to confirm the address.",
                )
            return redirect("accounts:profile")
    return _profile_page(request, sender_form=form, status=400)


@login_required
@require_POST
def sender_remove(request, pk: int):
    if services.sender_remove(user=request.user, pk=pk):
        messages.success(request, _("The sender address is removed."))
    return redirect("accounts:profile")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sender_confirm(request, token: str):
    """The emailed link: GET shows Confirm (mail scanners open links), POST does it."""
    if request.method == "POST":
        sender = services.sender_confirm(user=request.user, token=token)
        if sender is not None:
            messages.success(request, f"You can now send from {sender.email}.")
            return redirect("accounts:profile")
    else:
        sender = services.sender_waiting(user=request.user, token=token)
    return render(
        request,
        "accounts/sender_confirm.html",
        {"sender": sender},
        status=200 if sender else 404,
    )


logout_view = auth_views.LogoutView.as_view()

# login_required first: a visitor is sent to sign in, as on every owner page.
password_change = login_required(
    password_sign_in(
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        )
    )
)
password_change_done = auth_views.PasswordChangeDoneView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Limit the requests, and have a worker mail the link (accounts.emails).

        The answer is the same whether or not the address has an account; past
        the per-email limit nothing more is mailed, with the same answer.
        """
        if not throttle.password_reset_allowed_from(client_address(self.request)):
            form.add_error(
                None,
                "Too many reset requests from your network: try again in an hour.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(throttle.RESET_WINDOW)
            return response
        email = form.cleaned_data["email"]
        if throttle.password_reset_allowed_for(email):
            enqueue("accounts.password_reset_send", email)
        return redirect(self.success_url)


password_reset = password_sign_in(PasswordResetView.as_view())
password_reset_done = password_sign_in(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = password_sign_in(
    auth_views.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("accounts:password_reset_complete")
    )
)
password_reset_complete = password_sign_in(
    auth_views.PasswordResetCompleteView.as_view()
)
