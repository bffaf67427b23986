"""The processing of the operator's websites, as the policy's section "Traitements de données
personnelles des sites web" lists it: cookies, connection logs, contact and callback forms,
newsletter, job applications."""

from __future__ import annotations

from garde.register.choices import (
    DataSource,
    LegalBasis,
    NoticeSection,
    PeriodUnit,
    ProcessingRole,
    RetentionAnchor,
)
from garde.register.defaults.specs import ActivitySpec, RuleSpec

WEBSITE_ACTIVITIES: tuple[ActivitySpec, ...] = (
    ActivitySpec(
        slug="connection-logs",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.CONNECTION_LOGS,
        name_fr="Journaux de connexions",
        name_en="Connection logs",
        description_fr=(
            "Afin d'assurer notre obligation légale et pour assurer la maintenance de nos "
            "services, nous conservons les données de connexion à nos services, dont certaines "
            "sont personnelles."
        ),
        description_en=(
            "To meet our legal obligation and to maintain our services, we keep the data of "
            "connections to our services, some of which is personal."
        ),
        purposes_fr=(
            "Respecter l'obligation légale de conservation des données de connexion",
            "Assurer la maintenance de nos services",
        ),
        purposes_en=(
            "Meet the legal obligation to keep connection data",
            "Maintain our services",
        ),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        legal_basis_detail_fr=(
            "LCEN (loi n° 2004-575 du 21 juin 2004), art. 6 ; décret n° 2021-1362 du "
            "20 octobre 2021"
        ),
        legal_basis_detail_en=(
            "LCEN (French law no. 2004-575 of 21 June 2004), art. 6; decree no. 2021-1362 of "
            "20 October 2021"
        ),
        subjects=("end_user", "customer"),
        categories=(
            "user.account.username",
            "user.device.ip_address",
            "user.device.connection_time",
        ),
        sources=(DataSource.OBSERVED,),
        recipients=("admins", "requisitions"),
        locations=("datacentres",),
        measures=("dedicated_systems", "integrity", "admin_only"),
        team_fr="Administrateurs",
        team_en="Administrators",
        rules=(
            RuleSpec(
                key="connection-logs",
                description_fr="Données de connexion",
                description_en="Connection data",
                count=1,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.CONNECTION,
                store="connlogs.connection_logs",
                legal_reference="Décret n° 2021-1362 du 20 octobre 2021, art. 5",
            ),
        ),
    ),
    ActivitySpec(
        slug="website-cookies",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.COOKIES,
        name_fr="Cookies des sites web",
        name_en="Website cookies",
        description_fr=(
            "Dans certains cas, nous sommes amenés à utiliser des cookies (éléments localisés "
            "sur votre terminal d'accès web) lorsque vous accédez à nos sites internet. Nous, "
            "ainsi que les fournisseurs tiers dont nos sites web utilisent les services, les "
            "utilisons principalement pour les finalités suivantes."
        ),
        description_en=(
            "In some cases we use cookies (items stored on the device you browse the web with) "
            "when you visit our websites. We, and the third-party providers whose services our "
            "websites use, use them mainly for the following purposes."
        ),
        purposes_fr=(
            "Vous reconnaître lorsque vous vous connectez à nouveau",
            "Établir des statistiques sans identifier une quelconque autre information "
            "individuelle",
            "Mémoriser vos préférences et vos paramètres",
            "Vous permettre de vous connecter",
            "Analyser les performances de nos sites web et services en ligne",
        ),
        purposes_en=(
            "Recognise you when you log in again",
            "Compile statistics without identifying any other individual information",
            "Remember your preferences and settings",
            "Let you log in",
            "Analyse the performance of our websites and online services",
        ),
        legal_basis=LegalBasis.CONSENT,
        legal_basis_detail_fr=(
            "loi Informatique et Libertés, art. 82 ; les cookies strictement nécessaires "
            "(connexion, mémorisation de vos choix) n'y sont pas soumis"
        ),
        legal_basis_detail_en=(
            "French Data Protection Act, art. 82; strictly necessary cookies (log-in, "
            "remembering your choices) are exempt"
        ),
        subjects=("visitor", "end_user"),
        categories=(
            "user.device.cookie_id",
            "user.device.cookie",
            "user.privacy_preferences",
            "user.account.settings",
            "user.behavior.browsing_history",
        ),
        sources=(DataSource.OBSERVED,),
        recipients=("web_providers", "marketing"),
        locations=("web_servers",),
        measures=("rbac",),
        team_fr="Service Marketing",
        team_en="Marketing department",
        rules=(
            RuleSpec(
                key="cookie-consent-choice",
                description_fr="Votre choix en matière de cookies (consentement ou refus)",
                description_en="Your cookie choice (consent or refusal)",
                count=6,
                unit=PeriodUnit.MONTHS,
                anchor=RetentionAnchor.CONSENT,
                store="consent.records",
                legal_reference=(
                    "CNIL, délibération n° 2020-092 du 17 septembre 2020 (bonne pratique : 6 mois)"
                ),
                not_stated=True,
            ),
            RuleSpec(
                key="audience-statistics",
                description_fr=(
                    "Statistiques de fréquentation anonymes (pages vues par page et par jour)"
                ),
                description_en="Anonymous audience statistics (page views per page and day)",
                count=25,
                unit=PeriodUnit.MONTHS,
                anchor=RetentionAnchor.COLLECTION,
                store="consent.page_views",
                legal_reference=(
                    "CNIL, délibération n° 2020-091 (mesure d'audience exemptée : 25 mois au plus)"
                ),
                not_stated=True,
            ),
        ),
        not_stated=("legal_basis", "recipients", "storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="contact-forms",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.CONTACT_FORMS,
        name_fr="Formulaires de contact et de rappel",
        name_en="Contact and callback forms",
        description_fr=(
            "Des formulaires de contact et des formulaires de rappel sur nos sites web vous "
            "permettent de nous communiquer vos demandes pour obtenir une réponse personnalisée "
            "ou pour être recontactés. Vous pouvez par ce biais nous communiquer des données "
            "d'identification et de contacts."
        ),
        description_en=(
            "Contact forms and callback forms on our websites let you send us your requests, to "
            "get a personalised answer or to be called back. Through them you may give us "
            "identification and contact data."
        ),
        purposes_fr=(
            "Traiter votre demande et vous apporter une réponse personnalisée",
            "Vous recontacter lorsque vous le demandez",
        ),
        purposes_en=(
            "Handle your request and give you a personalised answer",
            "Call you back when you ask us to",
        ),
        legal_basis=LegalBasis.CONTRACT,
        legal_basis_detail_fr="démarche à votre demande, avant tout contrat",
        legal_basis_detail_en="steps taken at your request, before any contract",
        subjects=("prospect", "customer", "visitor"),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.contact.organization",
            "user.content.private",
        ),
        sources=(DataSource.DIRECT,),
        recipients=("marketing",),
        locations=("commercial_db",),
        measures=("rbac", "mfa", "audit_trail"),
        team_fr="Service Marketing",
        team_en="Marketing department",
        rules=(
            RuleSpec(
                key="contact-requests",
                description_fr="Demandes reçues par les formulaires",
                description_en="Requests received through the forms",
                count=1,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.COLLECTION,
                store="marketing.contact_requests",
            ),
        ),
        not_stated=("legal_basis", "security_measures"),
    ),
    ActivitySpec(
        slug="newsletter",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.NEWSLETTER,
        name_fr="Newsletter",
        name_en="Newsletter",
        description_fr=(
            "Vous pouvez choisir de recevoir des courriers électroniques de nouvelles et "
            "d'informations de la part d'inherent. L'inscription est possible sur nos sites web, "
            "et la désinscription se fait en suivant le lien indiqué sur chaque mailing qui vous "
            "est envoyé. Les données collectées ne sont ni communiquées à des tiers, ni revendues."
        ),
        description_en=(
            "You may choose to receive news and information e-mails from inherent. You can "
            "subscribe on our websites, and unsubscribe by following the link given in every "
            "mailing sent to you. The data collected is neither shared with third parties nor "
            "sold."
        ),
        purposes_fr=("Vous envoyer les nouvelles et informations d'inherent",),
        purposes_en=("Send you news and information from inherent",),
        legal_basis=LegalBasis.CONSENT,
        legal_basis_detail_fr=("retirable à tout moment par le lien de désinscription"),
        legal_basis_detail_en=("which you may withdraw at any time with the unsubscribe link"),
        subjects=("newsletter_subscriber",),
        categories=("user.name", "user.contact.email"),
        sources=(DataSource.DIRECT,),
        recipients=("marketing",),
        locations=("commercial_db",),
        measures=("rbac", "mfa", "audit_trail"),
        team_fr="Service Marketing",
        team_en="Marketing department",
        rules=(
            RuleSpec(
                key="newsletter-subscribers",
                description_fr="Données des abonnés",
                description_en="Subscriber data",
                count=None,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.UNSUBSCRIPTION,
                store="marketing.newsletter_subscribers",
            ),
        ),
        not_stated=("storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="recruitment",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.RECRUITMENT,
        name_fr="Recrutement",
        name_en="Recruitment",
        description_fr=(
            "Nous utilisons les données relatives aux candidatures déposées auprès de notre "
            "service Ressources Humaines uniquement aux fins de nos activités de recrutement. "
            "Le fait de communiquer ces données vaut acceptation du stockage des informations "
            "fournies à votre initiative dans ce cadre par nos services RH."
        ),
        description_en=(
            "We use the data of applications sent to our Human Resources department only for "
            "our recruitment activities. Giving us this data means accepting that our HR "
            "department stores the information you provided in this context."
        ),
        purposes_fr=("Gérer les candidatures et nos activités de recrutement",),
        purposes_en=("Manage applications and our recruitment activities",),
        legal_basis=LegalBasis.CONTRACT,
        legal_basis_detail_fr=(
            "candidature à votre initiative ; au-delà de trois mois après la fin du processus, "
            "votre accord"
        ),
        legal_basis_detail_en=(
            "an application you chose to send; beyond three months after the end of the "
            "process, your agreement"
        ),
        subjects=("job_applicant",),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.contact.address",
            "user.job_title.position_sought",
            "user.content.private.cv",
            "user.content.private.cover_letter",
        ),
        sources=(DataSource.DIRECT,),
        recipients=("hr",),
        locations=("hr_system",),
        measures=("rbac", "mfa", "encryption", "audit_trail"),
        team_fr="Service Ressources Humaines",
        team_en="Human Resources department",
        rules=(
            RuleSpec(
                key="applications-maximum",
                description_fr="Candidatures, durée maximale",
                description_en="Applications, longest period",
                count=1,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.COLLECTION,
                store="careers.applications",
            ),
            RuleSpec(
                key="applications-without-agreement",
                description_fr=(
                    "Candidatures non retenues, sans accord du candidat pour une conservation "
                    "plus longue"
                ),
                description_en=(
                    "Unsuccessful applications, without the candidate's agreement to keep them "
                    "longer"
                ),
                count=3,
                unit=PeriodUnit.MONTHS,
                anchor=RetentionAnchor.PROCESS_END,
                store="careers.applications",
                legal_reference="CNIL, guide « Le recrutement » (2023)",
                not_stated=True,
            ),
        ),
        not_stated=("legal_basis", "storage_locations", "security_measures"),
    ),
)
