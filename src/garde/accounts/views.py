"""Log-in (password, then TOTP), log-out, two-factor enrolment, password change and reset, and
the profile self-service pages. Thin: parse, call a service, render."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garde.accounts import selectors, services
from garde.accounts.errors import AccountError
from garde.accounts.forms import AccountDeleteForm, LoginForm, ProfileForm, TotpForm
from garde.accounts.models import TotpDevice, User
from garde.core.permissions import authenticated, public


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return str(reverse_lazy("web:home"))


def _finish_login(request: HttpRequest, user: User, *, mfa_verified: bool) -> HttpResponse:
    next_url = _safe_next(request)
    remind = services.login_complete(request=request, user=user, mfa_verified=mfa_verified)
    if remind:
        messages.info(
            request,
            _(
                "Votre mot de passe a plus de %(months)d mois : pensez à le "
                "changer (ce n'est pas obligatoire)."
            )
            % {"months": settings.GARDE_PASSWORD_REMINDER_MONTHS},
        )
    return redirect(next_url)


@public
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check_password(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            if services.user_has_totp(user):
                services.login_pending_start(request=request, user=user)
                verify_url = str(reverse_lazy("accounts:login_verify"))
                return redirect(f"{verify_url}?next={_safe_next(request)}")
            return _finish_login(request, user, mfa_verified=False)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )


@public
def login_verify_view(request: HttpRequest) -> HttpResponse:
    user = services.login_pending_user(request=request)
    if user is None:
        return redirect("accounts:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(user=user, code=form.cleaned_data["code"], request=request)
        except AccountError as error:
            form.add_error("code" if error.field else None, error.message)
        else:
            return _finish_login(request, user, mfa_verified=True)
    return render(
        request,
        "accounts/login_verify.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(request=request, user=request.user)
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("web:home")


@authenticated
def mfa_setup_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        return redirect("accounts:security")
    device = services.totp_enrolment_start(user=user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except AccountError as error:
            form.add_error("code", error.message)
        else:
            request.session[services.SESSION_MFA_KEY] = True
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri = services.totp_provisioning_uri(device=device)
    qr_svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code d'enrôlement")
    )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": services.totp_secret(device=device),
            "required": selectors.user_is_staff(user),
        },
        status=400 if form.errors else 200,
    )


@authenticated
def security_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/security.html",
        {
            "has_totp": services.user_has_totp(user),
            "is_staff": selectors.user_is_staff(user),
            "codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
        },
    )


@authenticated
@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not services.user_has_totp(user):
        return redirect("accounts:security")
    codes = services.recovery_codes_regenerate(user=user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@authenticated
@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    try:
        services.totp_disable(user=request.user, request=request)  # type: ignore[arg-type]
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Double authentification désactivée."))
    return redirect("accounts:security")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request, via_reset=False)
        messages.success(self.request, _("Mot de passe changé. Un e-mail vous le confirme."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request, via_reset=True)
        return response


password_change_view = authenticated(PasswordChangeView.as_view())


class PasswordResetView(auth_views.PasswordResetView):
    """Links are built from GARDE_BASE_URL, never from the request's Host header."""

    def form_valid(self, form: Any) -> HttpResponse:
        base = urlsplit(settings.BASE_URL)
        services.password_reset_requested(email=form.cleaned_data["email"], request=self.request)
        form.save(
            domain_override=base.netloc,
            use_https=base.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context=self.extra_email_context,
        )
        return HttpResponseRedirect(self.get_success_url())


password_reset_view = public(
    PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/mail/password_reset.txt",
        subject_template_name="accounts/mail/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done_view = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm_view = public(PasswordResetConfirmView.as_view())
password_reset_complete_view = public(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


@authenticated
def profile_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    data = selectors.user_personal_data(user=user)
    labels = {
        name: str(getattr(User._meta.get_field(name), "verbose_name", name))
        for name in User.PERSONAL_FIELDS
    }
    rows = [(labels[name], data[name]) for name in User.PERSONAL_FIELDS]
    return render(request, "accounts/profile.html", {"rows": rows, "data": data})


@authenticated
def profile_edit_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, request=request, **form.cleaned_data)
        messages.success(request, _("Profil enregistré."))
        return redirect("accounts:profile")
    return render(
        request, "accounts/profile_edit.html", {"form": form}, status=400 if form.errors else 200
    )


@authenticated
def profile_download_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    data = services.profile_export(user=user, request=request)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="garde-profile.json"'
    return response


@authenticated
def account_delete_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=user, request=request)
        logout(request)
        messages.success(
            request, _("Votre compte est supprimé et vos données personnelles effacées.")
        )
        return redirect("web:home")
    return render(
        request, "accounts/account_delete.html", {"form": form}, status=400 if form.errors else 200
    )
