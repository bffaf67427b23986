"""The building blocks of the seeded register: the operator's identity as its policy states it,
the recipients, storage locations and security measures it names, and the shape of an activity
and of a retention rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from garde.register.choices import RecipientKind

OPERATOR = {
    "company_name": "inherent",
    "group_name": "Adista Group",
    # The dash is the policy's EN DASH, written as an escape so that it cannot be mistaken.
    "address": "9 rue Blaise Pascal, Site Technologique Saint Jacques 1, "
    "54320 Maxéville \u2013 France",
    "dpo_email": "dpd@adista.fr",
    "careers_url": "https://carrieres.adista.fr",
}

# key: (kind, French name, English name)
RECIPIENTS: dict[str, tuple[str, str, str]] = {
    "group": (
        RecipientKind.GROUP_COMPANY,
        "Sociétés du groupe inherent",
        "inherent group companies",
    ),
    "sales": (RecipientKind.STAFF, "Service commercial d'inherent", "inherent's sales department"),
    "support": (RecipientKind.STAFF, "Équipe support d'inherent", "inherent's support team"),
    "marketing": (
        RecipientKind.STAFF,
        "Service Marketing d'inherent",
        "inherent's Marketing department",
    ),
    "hr": (
        RecipientKind.STAFF,
        "Service Ressources Humaines d'inherent",
        "inherent's Human Resources department",
    ),
    "admins": (RecipientKind.STAFF, "Administrateurs d'inherent", "inherent's administrators"),
    "dpo": (
        RecipientKind.STAFF,
        "Délégué à la protection des données",
        "Data protection officer",
    ),
    "subprocessors": (
        RecipientKind.SUBPROCESSOR,
        "Sous-traitants d'inherent pour la fourniture du service concerné",
        "inherent's subprocessors for the service concerned",
    ),
    "web_providers": (
        RecipientKind.SUBPROCESSOR,
        "Fournisseurs tiers dont nos sites web utilisent les services",
        "Third-party providers whose services our websites use",
    ),
    "partners": (
        RecipientKind.PARTNER,
        "Partenaires, pour une communication ou une transaction que vous avez demandée ou "
        "autorisée",
        "Partners, for a communication or a transaction you requested or authorised",
    ),
    "client_org": (
        RecipientKind.PARTNER,
        "Organisme client concerné, lorsque la demande porte sur les données qu'il traite",
        "The client organisation concerned, when the request is about data it processes",
    ),
    "client_controllers": (
        RecipientKind.PARTNER,
        "Clients responsables des traitements touchés par une violation",
        "Clients who control the processing affected by a breach",
    ),
    "legitimate": (
        RecipientKind.LEGITIMATE_INTEREST,
        "Destinataires autorisés au titre de nos intérêts légitimes",
        "Recipients authorised under our legitimate interests",
    ),
    "authorities": (
        RecipientKind.AUTHORITY,
        "Autorités, dans les cas où la loi l'impose ou l'autorise",
        "Authorities, where the law requires or allows it",
    ),
    "requisitions": (
        RecipientKind.AUTHORITY,
        "Autorités judiciaires et administratives habilitées par la loi (réquisitions)",
        "Judicial and administrative authorities entitled by law (requisitions)",
    ),
    "cnil": (
        RecipientKind.AUTHORITY,
        "CNIL (autorité de contrôle)",
        "CNIL (the French supervisory authority)",
    ),
}

# key: (French name, English name)
LOCATIONS: dict[str, tuple[str, str]] = {
    "datacentres": ("Datacenters d'inherent, en France", "inherent's own datacentres, in France"),
    "commercial_db": (
        "Base de données commerciale d'inherent, en France",
        "inherent's commercial database, in France",
    ),
    "hr_system": (
        "Système d'information RH d'inherent, en France",
        "inherent's HR information system, in France",
    ),
    "web_servers": (
        "Serveurs des sites web d'inherent, en France",
        "inherent's website servers, in France",
    ),
    "garde": (
        "Plateforme Garde, dans les datacenters d'inherent, en France",
        "The Garde platform, in inherent's datacentres, in France",
    ),
}

# key: (French name, English name, French description, English description)
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "dedicated_systems": (
        "Systèmes dédiés distincts",
        "Dedicated separate systems",
        "Les journaux de connexion sont stockés dans une base distincte de la base principale.",
        "Connection logs are stored in a database separate from the main one.",
    ),
    "integrity": (
        "Contrôle d'intégrité",
        "Integrity control",
        "Arbre de Merkle (RFC 9162) et têtes d'arbre signées : toute modification ou "
        "suppression d'une entrée est détectable.",
        "Merkle tree (RFC 9162) and signed tree heads: any change to or removal of an entry "
        "can be detected.",
    ),
    "admin_only": (
        "Accès restreint aux administrateurs",
        "Access restricted to administrators",
        "Seuls les administrateurs interrogent ces données, avec un motif enregistré ; chaque "
        "consultation est journalisée.",
        "Only administrators query this data, with a recorded reason; every query is logged.",
    ),
    "rbac": (
        "Contrôle d'accès par rôle",
        "Role-based access control",
        "Chaque page et chaque route d'API déclare les rôles autorisés ; une matrice de tests "
        "le vérifie.",
        "Every page and API route states the roles it allows; a test matrix checks it.",
    ),
    "mfa": (
        "Authentification à deux facteurs du personnel",
        "Two-factor authentication for staff",
        "Code TOTP (RFC 6238) exigé du personnel de l'opérateur à chaque connexion.",
        "A TOTP code (RFC 6238) is required from operator staff at every log-in.",
    ),
    "passwords": (
        "Mots de passe robustes et hachés",
        "Strong, hashed passwords",
        "Politique de mots de passe (CNIL, délibération n° 2022-100), verrouillage après "
        "échecs répétés, hachage Argon2id.",
        "Password policy (CNIL deliberation 2022-100), lock-out after repeated failures, "
        "Argon2id hashing.",
    ),
    "audit_trail": (
        "Journal d'audit en ajout seul",
        "Append-only audit trail",
        "Chaque modification et chaque consultation de données restreintes est tracée ; les "
        "événements ne peuvent pas être modifiés.",
        "Every change and every read of restricted data is recorded; events cannot be changed.",
    ),
    "encryption": (
        "Chiffrement des fichiers au repos",
        "Encryption of files at rest",
        "Les CV et pièces justificatives sont chiffrés et servis par des liens expirants, après "
        "contrôle des droits.",
        "CVs and supporting documents are encrypted and served through expiring links, after "
        "a permission check.",
    ),
}


@dataclass(frozen=True)
class RuleSpec:
    """One retention rule of the seeded register."""

    key: str
    description_fr: str
    description_en: str
    count: int | None
    unit: str
    anchor: str
    store: str = ""
    legal_reference: str = ""
    not_stated: bool = False


@dataclass(frozen=True)
class ActivitySpec:
    """One processing activity of the seeded register; vocabularies are named by key."""

    slug: str
    role: str
    section: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    purposes_fr: tuple[str, ...]
    purposes_en: tuple[str, ...]
    legal_basis: str
    legal_basis_detail_fr: str
    legal_basis_detail_en: str
    subjects: tuple[str, ...]
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    recipients: tuple[str, ...]
    locations: tuple[str, ...]
    measures: tuple[str, ...]
    team_fr: str
    team_en: str
    rules: tuple[RuleSpec, ...]
    not_stated: tuple[str, ...] = field(default=())
