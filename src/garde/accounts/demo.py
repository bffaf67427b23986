"""Demo organisations and users: the operator with one staff member per role, and two client
companies with an org_admin, an org_dpo and two members each."""

from __future__ import annotations

import pyotp
from django.db import transaction
from django.utils import timezone

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Membership, Organisation, TotpDevice, User
from garde.accounts.services import membership_add, organisation_create, user_create
from garde.core.crypto import decrypt_text, encrypt_text
from garde.core.roles import Role

DEMO_PASSWORD = "Lavande-Orbite-42-Quai!"  # noqa: S105 - printed demo log-in, by design
DEMO_DOMAINS = ("inherent.example", "acme.example", "boreal.example")

OPERATOR = (
    "inherent",
    "dpd@inherent.example",
    [
        ("dpo@inherent.example", "Delphine Pasquier", Role.DPO),
        ("support@inherent.example", "Samir Ouali", Role.SUPPORT),
        ("sales@inherent.example", "Sophie Laurent", Role.SALES),
        ("marketing@inherent.example", "Marc Petit", Role.MARKETING),
        ("hr@inherent.example", "Hélène Roux", Role.HR),
        ("sysadmin@inherent.example", "Yann Le Gall", Role.SYSADMIN),
    ],
)
CLIENTS = [
    (
        "Acme Industries",
        "privacy@acme.example",
        [
            ("admin@acme.example", "Alain Martin", Role.ORG_ADMIN),
            ("dpo@acme.example", "Diane Moreau", Role.ORG_DPO),
            ("alice@acme.example", "Alice Bernard", Role.MEMBER),
            ("bob@acme.example", "Bruno Garnier", Role.MEMBER),
        ],
    ),
    (
        "Boréal Santé",
        "rgpd@boreal.example",
        [
            ("admin@boreal.example", "Béatrice Fontaine", Role.ORG_ADMIN),
            ("dpo@boreal.example", "Damien Chevalier", Role.ORG_DPO),
            ("chloe@boreal.example", "Chloé Lemoine", Role.MEMBER),
            ("david@boreal.example", "David Caron", Role.MEMBER),
        ],
    ),
]


def _organisation(name: str, kind: str, contact: str) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    return existing or organisation_create(name=name, kind=kind, privacy_contact_email=contact)


def _user(organisation: Organisation, email: str, name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            full_name=name,
            organisation=organisation,
            roles=[role],
            password=DEMO_PASSWORD,
        )
    elif not Membership.objects.filter(user=user, role=role).exists():
        membership_add(user=user, organisation=organisation, role=role)
    return user


def _staff_totp(user: User) -> str:
    """Staff must use two-factor log-in; demo staff get an enrolled authenticator whose secret
    is printed, so the demo can be tried with any TOTP app or ``garde demo --codes``."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(
            user=user,
            encrypted_secret=encrypt_text(pyotp.random_base32()),
            confirmed_at=timezone.now(),
        )
    return decrypt_text(device.encrypted_secret)


@transaction.atomic
def load() -> list[str]:
    name, contact, staff = OPERATOR
    # An operator created earlier (by `garde createadmin`, say) is reused whatever its name.
    operator = Organisation.objects.filter(kind=OrganisationKind.OPERATOR).first() or _organisation(
        name, OrganisationKind.OPERATOR, contact
    )
    lines = [
        "Demo log-ins (password for all: " + DEMO_PASSWORD + "):",
        "",
        f"  Operator {operator.name} - DPO console at /console/ (TOTP required):",
    ]
    for email, full_name, role in staff:
        secret = _staff_totp(_user(operator, email, full_name, role))
        lines.append(f"    {role:<10} {email:<30} TOTP secret {secret}")
    for org_name, org_contact, members in CLIENTS:
        organisation = _organisation(org_name, OrganisationKind.CLIENT, org_contact)
        lines += ["", f"  Client {organisation.name} - portal at /portal/:"]
        for email, full_name, role in members:
            _user(organisation, email, full_name, role)
            lines.append(f"    {role:<10} {email}")
    lines += ["", "  Current TOTP codes of the demo staff: garde demo --codes"]
    return lines


def current_codes() -> list[str]:
    """Current TOTP codes of demo staff accounts only (addresses in the demo domains)."""
    lines = []
    for device in TotpDevice.objects.select_related("user").order_by("user__email"):
        if device.user.email.rsplit("@", 1)[-1] in DEMO_DOMAINS:
            code = pyotp.TOTP(decrypt_text(device.encrypted_secret)).now()
            lines.append(f"{device.user.email:<30} {code}")
    return lines
