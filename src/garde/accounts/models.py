"""Organisations, their users and the roles users hold in them, and second factors."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garde.accounts.choices import OrganisationKind
from garde.core.roles import Role


class Organisation(models.Model):
    """The operator itself (exactly one) or a client company."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganisationKind.choices)
    privacy_contact_email = models.EmailField(
        _("contact données personnelles"),
        blank=True,
        help_text=_("Adresse à laquelle l'opérateur transmet les demandes concernant vos données."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="operator"), name="one_operator"
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A nominative account, logging in with its e-mail address.

    ``PERSONAL_FIELDS`` lists what the profile page shows and downloads; ``TECHNICAL_FIELDS`` the
    rest. A test checks that every field is in exactly one of them, so a new field cannot be
    forgotten by the profile download.
    """

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    language = models.CharField(
        _("langue"), max_length=5, choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    is_active = models.BooleanField(default=True)
    is_service_account = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "email",
        "full_name",
        "phone",
        "job_title",
        "language",
        "date_joined",
        "last_login",
        "password_changed_at",
    )
    TECHNICAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "password",
        "is_active",
        "is_service_account",
        "failed_login_count",
        "locked_until",
        "deleted_at",
    )

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    # Django's auth machinery asks these of any user model.
    @property
    def is_staff(self) -> bool:
        return False

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class Membership(models.Model):
    """A role a user holds in an organisation. Staff roles exist only in the operator, client
    roles only in client organisations (checked by ``membership_add``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.organisation}"


class TotpDevice(models.Model):
    """A user's RFC 6238 authenticator. The secret is encrypted at rest; ``last_step`` refuses a
    code already used (replay)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    encrypted_secret = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TOTP for {self.user}"


class RecoveryCode(models.Model):
    """A one-time code that replaces a TOTP code when the authenticator is lost; stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user}"
