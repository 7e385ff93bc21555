"""The summary's PDF: an HTML/CSS template rendered by WeasyPrint to a tagged PDF/A-3u file."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from jalon_shared.french_dates import MONTHS, day_of_month

PARIS: Final = ZoneInfo("Europe/Paris")
TEMPLATES: Final = Path(__file__).with_name("templates")
ORGANISATION: Final = "Jalon \N{EN DASH} Conseil en évolution professionnelle"
MISSING: Final = "Non renseigné"
#: PDF/A-3 level U, with the structure tree on top; see PdfRenderer for why not level A.
PDF_VARIANT: Final = "pdf/a-3u"


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One dated step of the action plan; owner_label is already French ("Vous", "Ensemble")."""

    due_on: date
    action: str
    owner_label: str


@dataclass(frozen=True, slots=True)
class ResourceLine:
    """One resource or scheme; kind_label is already French ("CPF", "VAE", "Formation")."""

    kind_label: str
    label: str


@dataclass(frozen=True, slots=True)
class SummaryDocument:
    """Everything the summary prints; no ids other than the document reference."""

    reference: str
    beneficiary_name: str
    counsellor_name: str
    level_label: str
    version: int
    written_on: date
    situation: str
    wishes: str
    skills: str
    strategy: str
    action_plan: tuple[PlanStep, ...]
    resources: tuple[ResourceLine, ...]


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One line of the completion page's evidence table."""

    at: datetime
    step_label: str
    detail: str
    record_hash: str


@dataclass(frozen=True, slots=True)
class Completion:
    """The completion page appended to the summary before it is sealed."""

    method_label: str
    signed_at: datetime
    signer_name: str
    lines: tuple[EvidenceLine, ...]
    chain_head: str


def long_date(day: date) -> str:
    """Return a French date such as "15 janvier 2027" ("1er" on the first of the month)."""
    first = day_of_month(day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def _paris(moment: datetime) -> datetime:
    # A naive time is taken as UTC, which is how the service stores every instant.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


def long_datetime(moment: datetime) -> str:
    """Return a French date and time in Paris, such as "15 janvier 2027 à 14 h 05"."""
    local = _paris(moment)
    return f"{long_date(local.date())} à {local.hour} h {local.minute:02d}"


def short_datetime(moment: datetime) -> str:
    """Return a compact French date and time in Paris, such as "15/01/2027 14:05:09"."""
    return _paris(moment).strftime("%d/%m/%Y %H:%M:%S")


def short_hash(value: str) -> str:
    """Return a hash's first 12 characters, enough to match a line with the evidence log."""
    return f"{value[:12]}…" if len(value) > 12 else value


def paragraphs(text: str) -> Iterator[str]:
    """Yield the text's paragraphs (split on blank lines), each trimmed, empty ones dropped."""
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip()):
        if block.strip():
            yield block.strip()


class _NoFetching(URLFetcher):  # type: ignore[misc]
    """Refuse every URL: the template needs none, and no content may make the renderer call out."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=frozenset())


class PdfRenderer:
    """Render a summary, and its completion page once signed, to a French, tagged PDF/A.

    The variant is PDF/A-3u with WeasyPrint's structure tree (`pdf_tags=True`), /Lang fr, a
    title and author: level U is what is checked here (every glyph maps to Unicode, fonts are
    embedded, sRGB output intent). WeasyPrint 70 also offers "pdf/a-3a", but level A claims a
    conforming logical structure that nothing in this project verifies (no veraPDF), so the
    file claims only what it can back; PDF/A-3 rather than -2 leaves room to attach the
    evidence log as a file later. Signing appends an incremental update, which PDF/A allows.

    Rendering is CPU-bound and synchronous: call it off the event loop (asyncio.to_thread).
    Renders are serialised by a lock: Pango and fontconfig under threads have a history of
    crashes (WeasyPrint #1402), and layout is Python under the GIL, so parallel renders in one
    process would gain little anyway.
    """

    def __init__(self) -> None:
        self._environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._environment.filters |= {
            "long_date": long_date,
            "long_datetime": long_datetime,
            "short_datetime": short_datetime,
            "short_hash": short_hash,
            "paragraphs": paragraphs,
        }
        self._template = self._environment.get_template("summary.html")
        self._css_text = (TEMPLATES / "summary.css").read_text(encoding="utf-8")
        self._lock = threading.Lock()

    def html(self, summary: SummaryDocument, completion: Completion | None = None) -> str:
        """Return the escaped HTML the PDF is rendered from (handy to test the wording)."""
        prose = (
            ("Votre situation", summary.situation),
            ("Ce que vous souhaitez", summary.wishes),
            ("Vos compétences et atouts", summary.skills),
            ("Votre stratégie d'évolution", summary.strategy),
        )
        return self._template.render(
            s=summary,
            c=completion,
            prose=tuple((title, text.strip()) for title, text in prose),
            organisation=ORGANISATION,
            missing=MISSING,
        )

    def render(self, summary: SummaryDocument, completion: Completion | None = None) -> bytes:
        """Return the summary's PDF, with the completion page last when one is given."""
        markup = self.html(summary, completion)
        with self._lock:
            fonts = FontConfiguration()
            fetcher = _NoFetching()
            stylesheet = CSS(string=self._css_text, font_config=fonts, url_fetcher=fetcher)
            document = HTML(string=markup, url_fetcher=fetcher).render(
                stylesheets=[stylesheet], font_config=fonts
            )
            pdf: bytes = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                # A stable identifier per reference and version: re-renders of one version match.
                pdf_identifier=f"{summary.reference}/v{summary.version}".encode(),
            )
        return pdf
