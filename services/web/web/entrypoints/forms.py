"""Field errors of a refused form, in French, beside the field they concern."""

from __future__ import annotations

from collections.abc import Iterable

from web.application.errors import FieldError

GENERIC = "Cette valeur n'est pas acceptée."

#: What to say for one error type on one field; checked first.
BY_FIELD_AND_TYPE: dict[tuple[str, str], str] = {
    ("email", "contact_in_use"): (
        "Cette adresse est déjà celle d'une autre personne. Indiquez la vôtre, "
        "ou appelez votre lieu d'accueil."
    ),
    ("phone", "contact_in_use"): (
        "Ce numéro est déjà celui d'une autre personne. Indiquez le vôtre, "
        "ou laissez le champ vide."
    ),
    ("region", "unknown_region"): "Choisissez une région de la liste.",
    ("site", "unknown_site"): "Choisissez un lieu d'accueil de la liste.",
    ("site", "site_outside_region"): (
        "Ce lieu d'accueil n'est pas dans la région choisie : choisissez-en un de cette région."
    ),
    ("topics", "too_long"): "Cochez 5 sujets au plus.",
    ("languages", "too_long"): "Cochez 5 langues au plus.",
}

#: What to say for any error on one field.
BY_FIELD: dict[str, str] = {
    "first_name": "Indiquez votre prénom.",
    "last_name": "Indiquez votre nom.",
    "email": "Indiquez une adresse électronique valide, par exemple nom@exemple.fr.",
    "phone": (
        "Indiquez un numéro de téléphone valide (chiffres, espaces, points, tirets ou +), "
        "ou laissez le champ vide."
    ),
    "preferred_channel": "Choisissez comment être contacté.",
    "employment_situation": "Choisissez votre situation.",
    "csp": "Choisissez votre catégorie socio-professionnelle.",
    "region": "Choisissez une région de la liste.",
    "site": "Choisissez un lieu d'accueil de la liste.",
    "need": "Ce texte est trop long (4 000 caractères au plus).",
    "topics": "Cochez des sujets de la liste.",
    "modalities": "Cochez des modalités de la liste.",
    "availability": "Ce texte est trop long (500 caractères au plus).",
    "accessibility": "Cochez des besoins de la liste.",
    "languages": "Cochez des langues de la liste.",
    "service_level": "Choisissez un niveau de service de la liste.",
    "consent": "Cochez la case pour accepter le traitement de vos données.",
}

#: What to say for one error type on a field not listed above.
BY_TYPE: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ est obligatoire.",
    "string_too_long": "Ce texte est trop long.",
    "too_long": "Trop de choix cochés.",
    "invisible_only": "Ce champ ne peut pas contenir seulement des caractères invisibles.",
    "enum": "Choisissez une valeur de la liste.",
}


def message_for(error: FieldError) -> str:
    """Return the French sentence for one field error."""
    field = error.form_field
    if error.type == "invisible_only":
        return BY_TYPE["invisible_only"]
    return (
        BY_FIELD_AND_TYPE.get((field, error.type))
        or BY_FIELD.get(field)
        or BY_TYPE.get(error.type)
        or GENERIC
    )


def messages_by_field(errors: Iterable[FieldError]) -> dict[str, str]:
    """Return one message per form field (the first error of each)."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.form_field, message_for(error))
    return found
