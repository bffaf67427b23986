"""Password rules: the CNIL's entropy minimum (délibération 2022-100, R-29/R-30), a strength
estimate that refuses guessable passwords, and no password built on the user's own identity.

Each validator explains its refusal in words a user can act on.
"""

from __future__ import annotations

import math
import re
import string
import threading
import unicodedata
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from zxcvbn import zxcvbn

if TYPE_CHECKING:
    from garde.accounts.models import User

# The CNIL counts 37 special characters in its examples (26 + 26 + 10 + 37 = 99 symbols).
CNIL_SPECIALS = 37
ZXCVBN_MAX_LENGTH = 72


def cnil_entropy_bits(secret: str) -> int:
    """Entropy as the CNIL computes it: length x log2(alphabet size), rounded to the bit.

    The alphabet is the union of the character classes the secret uses: lower case (26), upper
    case (26), digits (10), specials (37).
    """
    alphabet = 0
    if any(c in string.ascii_lowercase for c in secret):
        alphabet += 26
    if any(c in string.ascii_uppercase for c in secret):
        alphabet += 26
    if any(c in string.digits for c in secret):
        alphabet += 10
    if any(not (c.isascii() and c.isalnum()) for c in secret):
        alphabet += CNIL_SPECIALS
    if alphabet == 0:
        return 0
    return round(len(secret) * math.log2(alphabet))


class CnilEntropyValidator:
    """At least ``min_bits`` (50 where log-in is throttled and locked, 80 otherwise)."""

    def __init__(self, min_bits: int = 50) -> None:
        self.min_bits = min_bits

    def validate(self, password: str, user: User | None = None) -> None:
        bits = cnil_entropy_bits(password)
        if bits < self.min_bits:
            raise ValidationError(
                _(
                    "Ce mot de passe est trop court pour sa variété de caractères : %(bits)d bits "
                    "d'entropie, il en faut au moins %(min)d (recommandation CNIL). Allongez-le ou "
                    "mélangez minuscules, majuscules, chiffres et caractères spéciaux ; "
                    "par exemple 12 caractères de ces quatre types, "
                    "ou une phrase de plusieurs mots."
                ),
                code="password_entropy",
                params={"bits": bits, "min": self.min_bits},
            )

    def get_help_text(self) -> str:
        return _(
            "Au moins %(min)d bits d'entropie au sens de la CNIL, par exemple 9 caractères mêlant "
            "minuscules, majuscules, chiffres et caractères spéciaux, ou une phrase de passe."
        ) % {"min": self.min_bits}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def identity_words(user: User | None, extra: list[str] | None = None) -> list[str]:
    """Words a password must not contain: parts of the user's name, e-mail and organisation."""
    from garde.accounts.selectors import user_organisation

    raw: list[str] = list(extra or [])
    if user is not None:
        raw += [user.full_name or "", user.email or ""]
        org_hint = getattr(user, "organisation_name_hint", "")
        if org_hint:
            raw.append(org_hint)
        elif user.pk is not None:
            org = user_organisation(user)
            if org is not None:
                raw.append(org.name)
    words: set[str] = set()
    for item in raw:
        for part in re.split(r"[\s@._+\-']+", _fold(item)):
            if len(part) >= 3:
                words.add(part)
    return sorted(words)


class PersonalInformationValidator:
    """Refuses a password containing the user's name, e-mail or organisation."""

    def validate(self, password: str, user: User | None = None) -> None:
        folded = _fold(password)
        for word in identity_words(user):
            if word in folded:
                raise ValidationError(
                    _(
                        "Ce mot de passe contient « %(word)s », tiré de votre nom, "
                        "de votre adresse e-mail ou de votre organisation : "
                        "c'est le premier essai d'un attaquant."
                    ),
                    code="password_personal",
                    params={"word": word},
                )

    def get_help_text(self) -> str:
        return _("Ni votre nom, ni votre adresse e-mail, ni le nom de votre organisation.")


# zxcvbn's dictionaries are English; these are frequent in French password leaks and on AZERTY
# keyboards, so they are added to every estimate.
FRENCH_COMMON = [
    "azerty",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "motdepasse",
    "soleil",
    "bonjour",
    "jetaime",
    "marseille",
    "doudou",
    "chouchou",
    "loulou",
    "chocolat",
    "coucou",
    "france",
    "nicolas",
    "camille",
    "julien",
    "amour",
    "bisous",
    "princesse",
    "olivier",
    "dauphin",
    "liberte",
]

_ZXCVBN_LOCK = threading.Lock()  # zxcvbn keeps the user inputs in a module-level dictionary

_WARNINGS = {
    "Straight rows of keys are easy to guess.": gettext_lazy(
        "Les suites de touches du clavier sont faciles à deviner."
    ),
    "Short keyboard patterns are easy to guess.": gettext_lazy(
        "Les motifs courts du clavier sont faciles à deviner."
    ),
    'Repeats like "aaa" are easy to guess.': gettext_lazy(
        "Les répétitions comme « aaa » sont faciles à deviner."
    ),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': gettext_lazy(
        "Les répétitions comme « abcabcabc » sont à peine plus sûres que « abc »."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': gettext_lazy(
        "Les suites comme « abc » ou « 6543 » sont faciles à deviner."
    ),
    "Recent years are easy to guess.": gettext_lazy("Les années récentes sont faciles à deviner."),
    "Dates are often easy to guess.": gettext_lazy("Les dates sont souvent faciles à deviner."),
    "This is a top-10 common password.": gettext_lazy(
        "C'est l'un des 10 mots de passe les plus courants."
    ),
    "This is a top-100 common password.": gettext_lazy(
        "C'est l'un des 100 mots de passe les plus courants."
    ),
    "This is a very common password.": gettext_lazy("C'est un mot de passe très courant."),
    "This is similar to a commonly used password.": gettext_lazy(
        "Il ressemble à un mot de passe très courant."
    ),
    "A word by itself is easy to guess.": gettext_lazy("Un mot seul est facile à deviner."),
    "Names and surnames by themselves are easy to guess.": gettext_lazy(
        "Un nom ou un prénom seul est facile à deviner."
    ),
    "Common names and surnames are easy to guess.": gettext_lazy(
        "Les noms et prénoms courants sont faciles à deviner."
    ),
}


def _reason(result: dict[str, Any]) -> str:
    """Why zxcvbn finds a password guessable, in the user's language; never empty."""
    warning = result["feedback"]["warning"]
    if warning:
        return str(_WARNINGS.get(warning, warning))
    common = [
        m["token"]
        for m in result["sequence"]
        if m.get("dictionary_name") == "user_inputs" and m.get("matched_word") in FRENCH_COMMON
    ]
    if common:
        return _("Il contient « %(word)s », un mot très courant dans les mots de passe.") % {
            "word": common[0]
        }
    return _("Il suit un schéma courant (un mot suivi de chiffres, par exemple).")


def strength(password: str, user_inputs: list[str]) -> dict[str, Any]:
    with _ZXCVBN_LOCK:
        result: dict[str, Any] = zxcvbn(
            password[:ZXCVBN_MAX_LENGTH], user_inputs=[*user_inputs, *FRENCH_COMMON]
        )
    return result


class StrengthValidator:
    """A zxcvbn score of at least ``min_score`` (0-4; 4 means over 10^10 guesses): refuses common
    passwords, dictionary words, keyboard walks, dates and the like, even when they are long."""

    def __init__(self, min_score: int = 4) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: User | None = None) -> None:
        result = strength(password, identity_words(user))
        if result["score"] >= self.min_score:
            return
        raise ValidationError(
            _(
                "Ce mot de passe est trop facile à deviner. %(reason)s Ajoutez des mots ou des "
                "caractères inattendus."
            ),
            code="password_guessable",
            params={"reason": _reason(result)},
        )

    def get_help_text(self) -> str:
        return _("Pas un mot de passe courant, un mot du dictionnaire, une date ou une suite.")
