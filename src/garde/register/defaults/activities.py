"""The processing the operator does to run its business and its services (the policy's
general sections, and the processor register for what it hosts for clients)."""

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

CIVIL_LIMITATION = "Prescription de droit commun (Code civil, art. 2224 ; Code de commerce, L110-4)"

SERVICE_ACTIVITIES: tuple[ActivitySpec, ...] = (
    ActivitySpec(
        slug="client-prospect-relations",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.GENERAL,
        name_fr="Relation clients et prospects",
        name_en="Client and prospect relations",
        description_fr=(
            "Au cours du processus commercial et de fourniture du service, nous utilisons les "
            "informations de contact et les contenus des échanges avec nos interlocuteurs. Le "
            "fait de nous communiquer des coordonnées professionnelles vaut acceptation de nos "
            "communications commerciales ; vous pouvez vous y opposer à tout moment."
        ),
        description_en=(
            "During the sales process and while providing the service, we use the contact "
            "details and the content of our exchanges with our contacts. Giving us professional "
            "contact details means accepting our commercial communications; you may object to "
            "them at any time."
        ),
        purposes_fr=(
            "Mener le processus commercial et fournir les services souscrits",
            "Informer techniquement et administrativement nos clients sur les services qui "
            "leur sont rendus",
            "Informer les entreprises sur nos services et inviter leurs collaborateurs aux "
            "événements organisés par nos agences",
        ),
        purposes_en=(
            "Run the sales process and provide the services subscribed",
            "Keep our clients technically and administratively informed about the services "
            "provided to them",
            "Inform companies about our services and invite their staff to events organised by "
            "our branches",
        ),
        legal_basis=LegalBasis.CONTRACT,
        legal_basis_detail_fr=(
            "communications commerciales acceptées par la communication de coordonnées "
            "professionnelles, avec droit d'opposition"
        ),
        legal_basis_detail_en=(
            "commercial communications accepted by giving professional contact details, with a "
            "right to object"
        ),
        subjects=("customer", "prospect", "client_contact"),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.contact.organization",
            "user.job_title",
            "user.content.private",
        ),
        sources=(DataSource.DIRECT,),
        recipients=(
            "group",
            "sales",
            "support",
            "subprocessors",
            "partners",
            "legitimate",
            "authorities",
        ),
        locations=("commercial_db",),
        measures=("rbac", "mfa", "passwords", "audit_trail"),
        team_fr="Service commercial",
        team_en="Sales department",
        rules=(
            RuleSpec(
                key="clients-end-of-contract",
                description_fr="Données des clients",
                description_en="Client data",
                count=5,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.END_OF_CONTRACT,
                legal_reference=CIVIL_LIMITATION,
                not_stated=True,
            ),
            RuleSpec(
                key="prospects-last-contact",
                description_fr="Données des prospects",
                description_en="Prospect data",
                count=3,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.LAST_CONTACT,
                store="marketing.commercial_contacts",
                legal_reference="CNIL, référentiel « gestion des activités commerciales » (2021)",
                not_stated=True,
            ),
        ),
        not_stated=("legal_basis", "storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="end-user-accounts",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.GENERAL,
        name_fr="Comptes des utilisateurs finaux des services",
        name_en="End-user accounts of the services",
        description_fr=(
            "Les utilisateurs des services d'inherent peuvent être dotés de comptes nominatifs, "
            "créés à la demande de leur organisation ; ils peuvent publier ou générer des "
            "informations au cours de leur utilisation des services."
        ),
        description_en=(
            "Users of inherent's services may have nominative accounts, created at their "
            "organisation's request; they may publish or generate information while using the "
            "services."
        ),
        purposes_fr=(
            "Créer et gérer les comptes nominatifs des utilisateurs des services",
            "Permettre à chacun de consulter, modifier ou supprimer ses données depuis le "
            "portail de gestion de son profil",
            "Sécuriser l'accès aux services",
        ),
        purposes_en=(
            "Create and manage the nominative accounts of the services' users",
            "Let everyone view, edit or delete their data from their profile portal",
            "Secure access to the services",
        ),
        legal_basis=LegalBasis.CONTRACT,
        legal_basis_detail_fr="contrat conclu avec l'organisation cliente",
        legal_basis_detail_en="the contract with the client organisation",
        subjects=("end_user", "client_contact"),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.job_title",
            "user.account.username",
            "user.authorization.password",
            "user.demographic.language",
        ),
        sources=(DataSource.THIRD_PARTY, DataSource.DIRECT),
        recipients=("support", "subprocessors", "authorities"),
        locations=("garde",),
        measures=("rbac", "mfa", "passwords", "audit_trail"),
        team_fr="Équipe support",
        team_en="Support team",
        rules=(
            RuleSpec(
                key="end-user-accounts",
                description_fr="Comptes utilisateurs",
                description_en="User accounts",
                count=1,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.ACCOUNT_CLOSURE,
                store="accounts.users",
                legal_reference=(
                    "Décret n° 2021-1362 du 20 octobre 2021, art. 3 (données de compte : "
                    "un an après la fermeture)"
                ),
                not_stated=True,
            ),
        ),
        not_stated=("legal_basis", "storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="traceability",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.GENERAL,
        name_fr="Traçabilité des actions et des demandes",
        name_en="Traceability of actions and requests",
        description_fr=(
            "Nous enregistrons les actions informatisées et les demandes effectuées sur nos "
            "outils, pour la traçabilité légale et la sécurité : qui a fait quoi, quand, et "
            "depuis quelle adresse."
        ),
        description_en=(
            "We record the computerised actions and the requests made on our tools, for legal "
            "traceability and security: who did what, when, and from which address."
        ),
        purposes_fr=(
            "Assurer la traçabilité des actions informatisées et des demandes",
            "Détecter les usages anormaux et instruire les incidents de sécurité",
        ),
        purposes_en=(
            "Trace computerised actions and requests",
            "Detect abnormal use and investigate security incidents",
        ),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        legal_basis_detail_fr=(
            "sécurité des traitements (RGPD, art. 5.1.f et 32) ; CNIL, délibération n° 2021-122 "
            "(journalisation)"
        ),
        legal_basis_detail_en=(
            "security of processing (GDPR art. 5(1)(f) and 32); CNIL deliberation 2021-122 "
            "(logging)"
        ),
        subjects=("end_user", "client_contact", "employee"),
        categories=(
            "user.unique_id",
            "user.device.ip_address",
            "user.device.connection_time",
            "user.behavior",
        ),
        sources=(DataSource.OBSERVED,),
        recipients=("dpo", "admins", "authorities"),
        locations=("garde",),
        measures=("audit_trail", "rbac", "mfa"),
        team_fr="Délégué à la protection des données",
        team_en="Data protection officer",
        rules=(
            RuleSpec(
                key="audit-events",
                description_fr="Journal d'audit",
                description_en="Audit trail",
                count=1,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.EVENT,
                store="core.audit_events",
                legal_reference="CNIL, délibération n° 2021-122 du 14 octobre 2021",
                not_stated=True,
            ),
        ),
        not_stated=("storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="hosting-services",
        role=ProcessingRole.PROCESSOR,
        section=NoticeSection.CLIENT_SERVICES,
        name_fr="Services d'hébergement et d'infrastructure pour les clients",
        name_en="Hosting and infrastructure services for clients",
        description_fr=(
            "inherent héberge des données, dont certaines peuvent être personnelles, pour le "
            "compte de ses clients, et achemine leurs flux dans ses réseaux. Sauf cas "
            "particuliers, inherent n'a pas accès au détail des données traitées, qui restent à "
            "la seule discrétion de ses clients."
        ),
        description_en=(
            "inherent hosts data, some of which may be personal, on behalf of its clients, and "
            "carries their traffic over its networks. Except in particular cases, inherent has "
            "no access to the detail of the data processed, which remains at its clients' sole "
            "discretion."
        ),
        purposes_fr=(
            "Héberger les données des clients et acheminer leurs flux, sur leurs instructions "
            "documentées",
            "Fournir les services d'infrastructure souscrits (réseaux, téléphonie, hébergement, "
            "produits logiciels)",
        ),
        purposes_en=(
            "Host the clients' data and carry their traffic, on their documented instructions",
            "Provide the infrastructure services subscribed (networks, telephony, hosting, "
            "software products)",
        ),
        legal_basis=LegalBasis.CONTROLLER_INSTRUCTIONS,
        legal_basis_detail_fr=(
            "contrat de sous-traitance (RGPD, art. 28) ; inherent n'a pas accès aux données "
            "hébergées"
        ),
        legal_basis_detail_en=(
            "processing agreement (GDPR art. 28); inherent has no access to the hosted data"
        ),
        subjects=("client_data_subject",),
        categories=("user",),
        sources=(DataSource.THIRD_PARTY,),
        recipients=("subprocessors",),
        locations=("datacentres",),
        measures=("rbac", "mfa"),
        team_fr="Administrateurs",
        team_en="Administrators",
        rules=(
            RuleSpec(
                key="hosted-data",
                description_fr="Données hébergées pour les clients",
                description_en="Data hosted for clients",
                count=None,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.END_OF_CONTRACT,
                legal_reference="RGPD, art. 28.3.g (suppression ou restitution au choix du client)",
                not_stated=True,
            ),
        ),
        not_stated=("recipients", "security_measures"),
    ),
    ActivitySpec(
        slug="rights-requests",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.GENERAL,
        name_fr="Gestion des demandes d'exercice des droits",
        name_en="Handling of rights requests",
        description_fr=(
            "Nous recevons, instruisons et répondons aux demandes d'exercice des droits, "
            "qu'elles arrivent par le portail client, par le formulaire téléchargeable, par "
            "courrier ou par e-mail ; les demandes portant sur les données d'un client lui sont "
            "transmises."
        ),
        description_en=(
            "We receive, examine and answer rights requests, whether they come through the "
            "client portal, the downloadable form, by post or by e-mail; requests about a "
            "client's data are passed on to that client."
        ),
        purposes_fr=(
            "Recevoir, instruire et répondre aux demandes d'exercice des droits dans les délais "
            "légaux",
            "Transmettre à nos clients les demandes portant sur les données qu'ils traitent",
            "Prouver le traitement des demandes",
        ),
        purposes_en=(
            "Receive, examine and answer rights requests within the legal time limits",
            "Pass on to our clients the requests about data they process",
            "Prove how requests were handled",
        ),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        legal_basis_detail_fr="RGPD, art. 12 à 22",
        legal_basis_detail_en="GDPR, art. 12 to 22",
        subjects=("requester",),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.contact.address",
            "user.content.private",
        ),
        sources=(DataSource.DIRECT,),
        recipients=("dpo", "support", "client_org", "authorities"),
        locations=("garde",),
        measures=("rbac", "mfa", "encryption", "audit_trail"),
        team_fr="Délégué à la protection des données",
        team_en="Data protection officer",
        rules=(
            RuleSpec(
                key="rights-requests",
                description_fr="Demandes et réponses",
                description_en="Requests and answers",
                count=5,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.REQUEST_CLOSURE,
                store="requests.rights_requests",
                legal_reference="Prescription de droit commun (Code civil, art. 2224)",
                not_stated=True,
            ),
            RuleSpec(
                key="access-packages",
                description_fr=(
                    "Copies des données remises (paquets pour les demandes de copie et de "
                    "portabilité)"
                ),
                description_en="Copies of the data given (access and portability packages)",
                count=30,
                unit=PeriodUnit.DAYS,
                anchor=RetentionAnchor.COLLECTION,
                store="dsr.access_packages",
                not_stated=True,
            ),
        ),
        not_stated=("storage_locations", "security_measures"),
    ),
    ActivitySpec(
        slug="breaches",
        role=ProcessingRole.CONTROLLER,
        section=NoticeSection.GENERAL,
        name_fr="Registre des violations de données",
        name_en="Register of personal data breaches",
        description_fr=(
            "Toute violation de données à caractère personnel est documentée, qu'elle soit "
            "notifiée ou non. Pour les traitements dont inherent est responsable, nous informons "
            "les personnes concernées et l'autorité compétente selon la réglementation."
        ),
        description_en=(
            "Every personal data breach is documented, whether it is notified or not. For the "
            "processing inherent controls, we inform the people concerned and the competent "
            "authority as the regulations require."
        ),
        purposes_fr=(
            "Documenter toute violation de données (RGPD, art. 33.5)",
            "Notifier la CNIL et informer les personnes concernées lorsque la loi l'exige",
            "Informer nos clients des violations touchant les données traitées pour leur compte",
        ),
        purposes_en=(
            "Document every personal data breach (GDPR art. 33(5))",
            "Notify the CNIL and inform the people concerned where the law requires it",
            "Inform our clients of breaches affecting data processed on their behalf",
        ),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        legal_basis_detail_fr="RGPD, art. 33 et 34",
        legal_basis_detail_en="GDPR, art. 33 and 34",
        subjects=(
            "end_user",
            "client_contact",
            "client_data_subject",
            "prospect",
            "job_applicant",
            "employee",
        ),
        categories=(
            "user.name",
            "user.contact.email",
            "user.contact.phone_number",
            "user.content.private",
        ),
        sources=(DataSource.DIRECT, DataSource.OBSERVED, DataSource.THIRD_PARTY),
        recipients=("dpo", "client_controllers", "cnil"),
        locations=("garde",),
        measures=("rbac", "mfa", "audit_trail"),
        team_fr="Délégué à la protection des données",
        team_en="Data protection officer",
        rules=(
            RuleSpec(
                key="breach-register",
                description_fr="Registre des violations",
                description_en="Breach register",
                count=5,
                unit=PeriodUnit.YEARS,
                anchor=RetentionAnchor.EVENT,
                store="breaches.breaches",
                legal_reference="RGPD, art. 33.5 ; durée de référence usuelle",
                not_stated=True,
            ),
        ),
        not_stated=("storage_locations", "security_measures"),
    ),
)
