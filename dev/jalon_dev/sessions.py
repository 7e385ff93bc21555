"""Demo work between sessions for `make run`: threads, tasks and logged calls on a few cases."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import httpx

from jalon_dev.appointments import PARIS, case_ids, headers
from jalon_dev.demo import DEMO_BENEFICIARY_ID, DemoStaff, demo_counsellors
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import dev_url

#: Per counsellor other than Léa's: how many cases get a thread waiting for an answer.
CASES_PER_COUNSELLOR = 2


@dataclass(frozen=True, slots=True)
class DemoTask:
    """A task the counsellor assigns, and the beneficiary's note when the demo completes it."""

    title: str
    kind: str
    instructions: str
    due_in_days: int
    note: str | None = None

    def body(self) -> dict[str, str]:
        """Return the body remote-session takes to assign the task."""
        due = date.today() + timedelta(days=self.due_in_days)
        return {
            "title": self.title,
            "kind": self.kind,
            "instructions": self.instructions,
            "due_on": due.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class DemoCall:
    """A phone call the counsellor placed outside the system, to log."""

    started_at: datetime
    length: timedelta
    outcome: str

    def body(self) -> dict[str, str]:
        """Return the body remote-session takes to log the call."""
        ended = self.started_at + self.length
        return {
            "started_at": self.started_at.isoformat(),
            "ended_at": ended.isoformat(),
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class Exchange:
    """What one case gets: messages in order (author, text), tasks, maybe a logged call."""

    messages: tuple[tuple[Role, str], ...]
    tasks: tuple[DemoTask, ...]
    call: DemoCall | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """Texts matching a kind of CEP request: a counsellor's note, a question, a task."""

    counsellor: str
    beneficiary: str
    task: DemoTask


@dataclass
class Seeded:
    """What the seeding wrote, for run.py to print."""

    messages: int = 0
    tasks: int = 0
    completed: int = 0
    calls: int = 0
    cases: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        """Return a one-line account."""
        return (
            f"{self.messages} messages, {self.tasks} tasks ({self.completed} done) and "
            f"{self.calls} calls on {len(self.cases)} cases"
        )


def yesterday_at(at: time) -> datetime:
    """Return a Paris wall-clock time yesterday: the call log refuses calls that end later."""
    return datetime.combine(datetime.now(PARIS).date() - timedelta(days=1), at, tzinfo=PARIS)


def lea_exchange(counsellor: DemoStaff) -> Exchange:
    """Return Léa's thread, tasks and call: she asks a question her counsellor has not answered."""
    welcome = (
        "Bonjour Léa,\n\n"
        "Merci pour notre premier échange. Voici quelques conseils pour avancer d'ici notre "
        "prochain rendez-vous :\n"
        "- notez chaque semaine ce qui vous plaît et ce qui vous pèse dans votre poste actuel : "
        "ce sera la matière de votre bilan ;\n"
        "- activez votre compte sur moncompteformation.gouv.fr pour connaître vos droits CPF ;\n"
        "- repérez dans votre entourage une ou deux personnes qui travaillent dans un bureau "
        "logistique ou d'approvisionnement.\n\n"
        "Je vous ai confié deux tâches : une lecture sur le métier visé et une enquête métier. "
        "Vous pouvez m'écrire ici à tout moment.\n\n"
        f"Bien à vous,\n{counsellor.display_name}"
    )
    answer = (
        f"Bonjour {counsellor.display_name.split()[0]},\n\n"
        "Merci pour ces conseils. J'ai activé mon compte : j'ai 1 850 € sur mon CPF. Est-ce que "
        "cela suffit pour une formation d'assistante logistique, ou faut-il chercher un "
        "financement en plus (mon employeur, Transitions Pro) ? Et si la formation a lieu en "
        "journée, est-ce que je dois poser des congés ?\n\n"
        "Bonne journée,\nLéa"
    )
    reading = DemoTask(
        title="Lire la fiche métier « assistant ou assistante logistique »",
        kind="reading",
        instructions=(
            "Lisez la fiche métier sur le site de France Travail ou de l'Onisep : missions, "
            "compétences demandées, conditions de travail, salaires. Notez ce qui vous attire, "
            "ce qui vous inquiète et ce que vous savez déjà faire grâce à votre poste actuel."
        ),
        due_in_days=7,
    )
    enquiry = DemoTask(
        title="Enquête métier auprès d'une assistante logistique",
        kind="enquiry",
        instructions=(
            "Rencontrez ou appelez une personne qui exerce le métier, 20 à 30 minutes. "
            "Questions possibles : une journée type, les outils (logiciel de gestion, tableur), "
            "la formation suivie, les recrutements dans la région, ce qu'elle aurait aimé "
            "savoir avant. Notez ses réponses et vos impressions : nous les reprendrons ensemble."
        ),
        due_in_days=14,
    )
    call = DemoCall(yesterday_at(time(17, 40)), timedelta(minutes=12), "reached")
    return Exchange(
        messages=((Role.COUNSELLOR, welcome), (Role.BENEFICIARY, answer)),
        tasks=(reading, enquiry),
        call=call,
    )


SIGN_OFF = "\n\nBien à vous,\n{counsellor}"
SCENARIOS: dict[str, Scenario] = {
    "vae": Scenario(
        counsellor=(
            "Bonjour {first},\n\n"
            "Suite à notre entretien, je vous confirme que votre expérience en comptabilité "
            "peut être valorisée par une VAE. Le premier pas est le dossier de recevabilité : il "
            "décrit vos activités, pas vos diplômes. Je vous ai confié une tâche pour commencer "
            "à les lister." + SIGN_OFF
        ),
        beneficiary=(
            "Bonjour,\n\n"
            "J'ai commencé à rassembler mes bulletins de salaire et mes attestations "
            "d'employeur pour la VAE. Faut-il que je remplisse le dossier de recevabilité avant "
            "notre prochain rendez-vous, ou est-ce qu'on le fait ensemble ? Et le CPF peut-il "
            "payer l'accompagnement VAE ?\n\n"
            "Merci,\n{first}"
        ),
        task=DemoTask(
            title="Lister vos activités en comptabilité",
            kind="exercise",
            instructions=(
                "Pour chaque poste occupé, notez les tâches que vous réalisiez réellement "
                "(saisie, rapprochements bancaires, déclarations de TVA, clôtures), les "
                "logiciels utilisés et la durée. C'est la matière du dossier de recevabilité."
            ),
            due_in_days=10,
            note=(
                "J'ai fait la liste pour mes trois postes, avec les logiciels. Pour le premier "
                "je ne suis pas sûr des dates exactes, j'ai mis une estimation."
            ),
        ),
    ),
    "training": Scenario(
        counsellor=(
            "Bonjour {first},\n\n"
            "Comme convenu, avant de choisir une formation, vérifions le métier visé et les "
            "recrutements près de chez vous. Consultez vos droits sur moncompteformation.gouv.fr "
            ": le montant disponible orientera le plan de financement. Je vous ai confié une "
            "comparaison de deux formations." + SIGN_OFF
        ),
        beneficiary=(
            "Bonjour,\n\n"
            "J'ai trouvé deux formations éligibles au CPF, une à distance et une en centre près "
            "de chez moi. Elles n'ont ni la même durée ni le même prix. Comment savoir laquelle "
            "est la mieux reconnue par les employeurs ?\n\n"
            "Bonne journée,\n{first}"
        ),
        task=DemoTask(
            title="Comparer deux formations repérées sur Mon Compte Formation",
            kind="exercise",
            instructions=(
                "Pour chacune : la certification visée et son inscription au RNCP, la durée, le "
                "rythme, le coût et le reste à charge, les taux de réussite et d'insertion "
                "affichés, les avis d'anciens stagiaires. Un tableau simple suffit."
            ),
            due_in_days=12,
            note=(
                "Tableau fait. La formation en centre prépare un titre inscrit au RNCP et "
                "affiche un meilleur taux d'insertion, mais elle coûte 900 € de plus que mes "
                "droits CPF."
            ),
        ),
    ),
    "transition": Scenario(
        counsellor=(
            "Bonjour {first},\n\n"
            "Merci pour notre échange sur votre projet dans l'artisanat. Un projet de "
            "transition professionnelle peut financer la formation et maintenir votre "
            "rémunération, mais le dossier se dépose auprès de Transitions Pro plusieurs mois "
            "avant le début de la formation. Commençons par confirmer le métier visé avec une "
            "enquête métier." + SIGN_OFF
        ),
        beneficiary=(
            "Bonjour,\n\n"
            "J'ai parlé de mon projet d'ébénisterie à mon employeur, il n'y est pas opposé. Je ne "
            "sais pas dans quel ordre faire les choses : d'abord trouver le centre de formation, "
            "ou d'abord monter le dossier auprès de Transitions Pro ?\n\n"
            "Merci d'avance,\n{first}"
        ),
        task=DemoTask(
            title="Enquête métier auprès d'un ou d'une artisane",
            kind="enquiry",
            instructions=(
                "Rencontrez une personne qui exerce le métier visé : son parcours, sa formation, "
                "l'installation, les revenus des premières années, ce qu'elle aurait aimé savoir. "
                "Notez vos impressions, y compris ce qui vous fait hésiter."
            ),
            due_in_days=14,
            note=(
                "J'ai passé une matinée dans l'atelier d'un ébéniste. Il m'a conseillé un CAP en "
                "un an et m'a parlé de la chambre de métiers pour l'installation."
            ),
        ),
    ),
    "bilan": Scenario(
        counsellor=(
            "Bonjour {first},\n\n"
            "Merci pour notre premier rendez-vous. Pour la suite du bilan, regardons ce qui "
            "compte pour vous dans le travail avant de parler de métier visé. Je vous ai confié "
            "un court questionnaire sur vos intérêts professionnels." + SIGN_OFF
        ),
        beneficiary=(
            "Bonjour,\n\n"
            "Merci pour le rendez-vous. J'ai une question : est-ce que les rendez-vous du "
            "conseil en évolution professionnelle peuvent avoir lieu sur mon temps de travail, "
            "et dois-je en informer mon employeur ?\n\n"
            "Bonne journée,\n{first}"
        ),
        task=DemoTask(
            title="Questionnaire sur vos intérêts professionnels",
            kind="questionnaire",
            instructions=(
                "Remplissez le questionnaire remis lors du rendez-vous (environ 20 minutes), "
                "puis notez les trois activités qui vous donnent de l'énergie et les trois qui "
                "vous en coûtent."
            ),
            due_in_days=7,
            note=(
                "C'est fait. Ce qui ressort : le contact avec les gens, transmettre, organiser. "
                "Ce qui me coûte : les horaires décalés et la pression du chiffre."
            ),
        ),
    ),
}


def scenario_key(need: str) -> str:
    """Return the scenario matching what the person wrote in their request."""
    text = need.lower()
    if "acquis" in text or "vae" in text:
        return "vae"
    if "transition" in text:
        return "transition"
    if "formation" in text or "cpf" in text:
        return "training"
    return "bilan"


@dataclass(frozen=True, slots=True)
class DemoCase:
    """A case of a counsellor's caseload, with what the demo needs to write on it."""

    case_id: str
    beneficiary_id: UUID
    first_name: str
    scenario: str


async def beneficiary_of(http: httpx.AsyncClient, case_id: str, who: dict[str, str]) -> UUID | None:
    """Return the case's beneficiary, as its seeded appointments or summaries name them."""
    # Intake shows a counsellor the person's details but never their id; the bookings and
    # summaries seeded before carry it, and the beneficiary's token is minted from it.
    for url in (
        f"{dev_url('appointment')}/cases/{case_id}/appointments",
        f"{dev_url('document_signature')}/cases/{case_id}/summaries",
    ):
        answer = await http.get(url, headers=who)
        if answer.status_code == 200 and answer.json():
            return UUID(answer.json()[0]["beneficiary_id"])
    return None


async def demo_cases(
    http: httpx.AsyncClient, cases: list[str], who: dict[str, str], wanted: int
) -> list[DemoCase]:
    """Return the first cases whose beneficiary is known, different requests first."""
    found: list[DemoCase] = []
    for case_id in cases:
        beneficiary_id = await beneficiary_of(http, case_id, who)
        if beneficiary_id is None or beneficiary_id == DEMO_BENEFICIARY_ID:
            continue
        answer = await http.get(f"{dev_url('intake')}/cases/{case_id}", headers=who)
        if answer.status_code != 200:
            continue
        case: dict[str, Any] = answer.json()
        person, request = case.get("beneficiary") or {}, case.get("request") or {}
        found.append(
            DemoCase(
                case_id,
                beneficiary_id,
                str(person.get("first_name") or ""),
                scenario_key(str(request.get("need") or "")),
            )
        )
        if len({c.scenario for c in found}) >= wanted:
            break
    # Two cases with different requests read better than the same texts twice; a site's
    # demo requests all say the same, so a repeat gets the bilan texts, which fit anyone.
    varied: list[DemoCase] = []
    for candidate in found:
        if all(v.scenario != candidate.scenario for v in varied):
            varied.append(candidate)
    chosen: list[DemoCase] = []
    for candidate in (varied + [c for c in found if c not in varied])[:wanted]:
        repeat = any(c.scenario == candidate.scenario for c in chosen)
        chosen.append(replace(candidate, scenario="bilan") if repeat else candidate)
    return chosen


def other_exchanges(
    counsellor: DemoStaff, cases: list[DemoCase]
) -> list[tuple[DemoCase, Exchange]]:
    """Return each case's exchange: a question waiting on the first, a task done on the second."""
    exchanges: list[tuple[DemoCase, Exchange]] = []
    for n, case in enumerate(cases):
        scenario = SCENARIOS[case.scenario]
        names = {"first": case.first_name, "counsellor": counsellor.display_name}
        question = scenario.beneficiary.format(**names).replace("Bonjour ,", "Bonjour,")
        if n == 0:
            # The person's question waits, their task is open, and the counsellor's call rang out.
            call = DemoCall(yesterday_at(time(10, 15)), timedelta(seconds=40), "no_answer")
            open_task = replace(scenario.task, note=None)
            exchanges.append((case, Exchange(((Role.BENEFICIARY, question),), (open_task,), call)))
        else:
            note = scenario.counsellor.format(**names).replace("Bonjour ,", "Bonjour,")
            exchanges.append(
                (
                    case,
                    Exchange(
                        ((Role.COUNSELLOR, note), (Role.BENEFICIARY, question)), (scenario.task,)
                    ),
                )
            )
    return exchanges


async def reachable(http: httpx.AsyncClient, url: str, who: dict[str, str]) -> Any:
    """Return the JSON of a case's read, waiting while the case reaches remote-session's copy."""
    for _ in range(40):
        answer = await http.get(url, headers=who)
        if answer.status_code != 404:
            answer.raise_for_status()
            return answer.json()
        # 404 while the case and its counsellor have not reached the directory copy yet.
        await asyncio.sleep(0.5)
    return None


async def write_exchange(
    http: httpx.AsyncClient,
    case_id: str,
    exchange: Exchange,
    counsellor: dict[str, str],
    beneficiary: dict[str, str],
    seeded: Seeded,
) -> None:
    """Write the case's messages, call and tasks, skipping what it already holds."""
    base = f"{dev_url('remote_session')}/cases/{case_id}"
    tasks = await reachable(http, f"{base}/tasks", counsellor)
    # Tasks are written last: a case holding any was seeded before (or used since), and
    # reading its thread again would mark the person's waiting message read.
    if tasks is None or tasks:
        return
    seeded.cases.add(case_id)
    thread = await reachable(http, f"{base}/thread", counsellor)
    if thread is not None and not thread["messages"]:
        for author, text in exchange.messages:
            who = counsellor if author is Role.COUNSELLOR else beneficiary
            posted = await http.post(f"{base}/thread/messages", json={"text": text}, headers=who)
            posted.raise_for_status()
            seeded.messages += 1
    if exchange.call is not None and not await reachable(http, f"{base}/calls", counsellor):
        logged = await http.post(f"{base}/calls", json=exchange.call.body(), headers=counsellor)
        logged.raise_for_status()
        seeded.calls += 1
    for task in exchange.tasks:
        assigned = await http.post(f"{base}/tasks", json=task.body(), headers=counsellor)
        assigned.raise_for_status()
        seeded.tasks += 1
        if task.note is not None:
            task_id = assigned.json()["task_id"]
            done = await http.post(
                f"{dev_url('remote_session')}/tasks/{task_id}/complete",
                json={"note": task.note},
                headers=beneficiary,
            )
            done.raise_for_status()
            seeded.completed += 1


async def seed_sessions(issuer: TokenIssuer) -> Seeded:
    """Write the demo threads, tasks and calls through remote-session's API; return the count."""
    seeded = Seeded()
    async with httpx.AsyncClient(timeout=30) as http:
        lea = headers(issuer, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
        mine = await http.get(f"{dev_url('intake')}/me/export", headers=lea)
        lea_cases = (
            {str(c["case_id"]) for c in mine.json().get("cases", [])}
            if mine.status_code == 200
            else set()
        )
        for staff in demo_counsellors():
            who = headers(issuer, staff.account_id, Role.COUNSELLOR, staff.region)
            cases = await case_ids(http, staff, issuer)
            held = [c for c in cases if c in lea_cases]
            for case_id in held:
                await write_exchange(http, case_id, lea_exchange(staff), who, lea, seeded)
            if held:
                # Léa's counsellor already has her question waiting and her tasks.
                continue
            chosen = await demo_cases(http, cases, who, CASES_PER_COUNSELLOR)
            for case, exchange in other_exchanges(staff, chosen):
                person = headers(issuer, str(case.beneficiary_id), Role.BENEFICIARY)
                await write_exchange(http, case.case_id, exchange, who, person, seeded)
    return seeded
