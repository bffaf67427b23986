"""Template filters shared by Garde's pages."""

from __future__ import annotations

from django import template

from garde.core.roles import Role

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    """The translated name of a role code (``org_admin`` → "Administrateur de l'organisation")."""
    try:
        return str(Role(code).label)
    except ValueError:
        return code
