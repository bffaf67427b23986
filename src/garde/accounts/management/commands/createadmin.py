"""``garde createadmin``: create an operator staff account (the first DPO, say)."""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from garde.accounts.choices import OrganisationKind
from garde.accounts.models import Organisation, User
from garde.accounts.services import organisation_create, user_create
from garde.core.roles import STAFF_ROLES, Role


class Command(BaseCommand):
    help = (
        "Create an operator staff account. The password is read from GARDE_ADMIN_PASSWORD "
        "or asked for; two-factor enrolment is required at first log-in."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="full name")
        parser.add_argument(
            "--role",
            action="append",
            choices=sorted(STAFF_ROLES),
            help="staff role, repeatable (default: dpo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"a user with e-mail {email} already exists")
        password = os.environ.get("GARDE_ADMIN_PASSWORD") or getpass.getpass("Password: ")
        operator = Organisation.objects.filter(kind=OrganisationKind.OPERATOR).first()
        if operator is None:
            operator = organisation_create(
                name=settings.GARDE_OPERATOR_NAME, kind=OrganisationKind.OPERATOR
            )
        try:
            user = user_create(
                email=email,
                full_name=options["name"],
                organisation=operator,
                roles=options["role"] or [Role.DPO],
                password=password,
            )
        except ValidationError as error:
            raise CommandError("password refused: " + " ".join(error.messages)) from error
        self.stdout.write(f"created {user.email} ({', '.join(options['role'] or [Role.DPO])})")
