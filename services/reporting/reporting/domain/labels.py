"""French labels of the codes reporting shows, for the API, the CSV and the PDF."""

from __future__ import annotations

CSP = {
    "cadre": "Cadre",
    "technicien_agent_maitrise": "Technicien, agent de maîtrise",
    "employe": "Employé",
    "ouvrier": "Ouvrier",
    "independant": "Indépendant",
}
LEVELS = {
    "accueil_individualise": "Accueil individualisé (niveau 1)",
    "accompagnement_personnalise": "Accompagnement personnalisé (niveau 2)",
}
MODALITIES = {
    "face_to_face": "Sur place",
    "phone": "Téléphone",
    "video": "Visio",
    "asynchronous": "À distance, en différé",
}
CLOSE_REASONS = {
    "path_completed": "Parcours terminé",
    "beneficiary_withdrew": "Abandon du bénéficiaire",
    "no_response": "Sans réponse",
    "redirected": "Réorienté",
    "other": "Autre motif",
}
SITUATIONS = {
    "same_job": "Dans le même emploi",
    "new_job": "Dans un nouvel emploi",
    "training": "En formation",
    "project_under_way": "Projet en cours",
    "job_seeking": "En recherche d'emploi",
    "other": "Autre situation",
}
SCORES = {
    "1": "1 · Pas du tout satisfait",
    "2": "2 · Peu satisfait",
    "3": "3 · Moyennement satisfait",
    "4": "4 · Satisfait",
    "5": "5 · Très satisfait",
}
DIMENSIONS = {
    "site": "Lieu d'accueil",
    "level": "Niveau de service",
    "modality": "Modalité",
    "csp": "Catégorie socio-professionnelle",
    "close_reason": "Motif de clôture",
    "score": "Note de satisfaction",
    "situation": "Situation à 6 mois",
}
