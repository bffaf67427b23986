"""Sending templated e-mail in the recipient's language, after the surrounding transaction
commits (a rolled-back action must not have told anyone anything)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def render_mail(*, template: str, context: dict[str, Any], language: str = "fr") -> tuple[str, str]:
    """Render ``<template>_subject.txt`` and ``<template>.txt`` in ``language``."""
    full_context = {"base_url": settings.BASE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", full_context).strip()
        body = render_to_string(f"{template}.txt", full_context)
    return " ".join(subject.split()), body


def send_mail_after_commit(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str = "fr",
    headers: dict[str, str] | None = None,
) -> None:
    subject, body = render_mail(template=template, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    transaction.on_commit(lambda: message.send(fail_silently=False))
