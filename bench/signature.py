"""Benchmark the summary PDF: WeasyPrint rendering and the organisation's PAdES seal (pyHanko).

No services: the adapters alone, on a dev PKI made in a temporary folder. The seal is timed 200
times with the key loaded once (as the service holds it), rendering excluded; the baseline from
the same run reloads the key and certificates for every seal. Rendering is timed on a summary of
three pages, and the sequential throughput renders and seals one summary after the other.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from bench.stack import percentile
from document_signature.adapters.pdf import (
    Completion,
    EvidenceLine,
    PdfRenderer,
    PlanStep,
    ResourceLine,
    SummaryDocument,
)
from document_signature.adapters.seal import PdfSealer
from document_signature.adapters.verify import PdfVerifier
from jalon_dev.pki import ensure_dev_pki

SEALS = 200
RELOADED_SEALS = 50
RENDERS = 20
THROUGHPUT_SECONDS = 5.0
SEAL_TARGET_MS = 30
PARAGRAPH = (
    "Douze ans dans la logistique, d'abord en préparation de commandes puis comme cheffe "
    "d'équipe dans un entrepôt de la grande distribution ; les horaires décalés pèsent sur la "
    "vie de famille et le dos, et le projet est un métier plus sédentaire, en équipe. "
)


def three_page_summary() -> SummaryDocument:
    """Return a summary whose PDF is three pages long (without its completion page)."""
    return SummaryDocument(
        reference="SYN-2026-BENCH1",
        beneficiary_name="Bench Signature",
        counsellor_name="Conseillère Bench",
        level_label="Niveau 2 : conseil personnalisé",
        version=2,
        written_on=date(2026, 3, 2),
        situation="\n\n".join([PARAGRAPH * 3] * 2),
        wishes=PARAGRAPH * 3,
        skills=PARAGRAPH * 4,
        strategy="\n\n".join([PARAGRAPH * 2] * 2),
        action_plan=tuple(
            PlanStep(
                date(2027, 1, 15) + timedelta(days=21 * index),
                f"Préparer le dossier de transition professionnelle, étape {index + 1}",
                "Ensemble",
            )
            for index in range(6)
        ),
        resources=(
            ResourceLine("CPF", "Mon compte formation"),
            ResourceLine("VAE", "Titre professionnel"),
        ),
    )


def completion() -> Completion:
    """Return a completion page with four evidence lines."""
    at = datetime(2027, 1, 5, 13, 0, tzinfo=UTC)
    return Completion(
        method_label="Code à usage unique envoyé par e-mail",
        signed_at=at,
        signer_name="Bench Signature",
        lines=tuple(
            EvidenceLine(at + timedelta(minutes=n), f"Étape {n}", "détail", f"{n:x}" * 64)
            for n in range(4)
        ),
        chain_head="ab" * 32,
    )


def timed_ms(work: list[float], began: float) -> None:
    """Append the milliseconds elapsed since began."""
    work.append((time.perf_counter() - began) * 1000)


async def run() -> dict[str, float]:
    """Time sealing, rendering and both in a row, in a worker thread as the service does."""
    return await asyncio.to_thread(measure)


def measure() -> dict[str, float]:
    """Time sealing, rendering and both in a row."""
    renderer = PdfRenderer()
    summary = three_page_summary()
    with tempfile.TemporaryDirectory() as folder:
        pki = ensure_dev_pki(Path(folder) / "pki")
        files = (pki.org_key, pki.org_cert, [pki.ca_cert])
        pdf = renderer.render(summary, completion())
        sealer = PdfSealer.from_files(*files)
        sealed = sealer.seal(pdf, reason="Bench", location="Rennes")
        if PdfVerifier.from_files([pki.ca_cert]).check(sealed).problems:
            raise RuntimeError("the benchmark's seal does not verify")
        seals: list[float] = []
        for _ in range(SEALS):
            began = time.perf_counter()
            sealer.seal(pdf, reason="Bench", location="Rennes")
            timed_ms(seals, began)
        reloaded: list[float] = []
        for _ in range(RELOADED_SEALS):
            began = time.perf_counter()
            PdfSealer.from_files(*files).seal(pdf, reason="Bench", location="Rennes")
            timed_ms(reloaded, began)
        pages = PdfFileReader(BytesIO(renderer.render(summary))).root["/Pages"]["/Count"]
        if pages != 3:
            raise RuntimeError(f"the benchmark's summary is {pages} pages long, not 3")
        renders: list[float] = []
        for _ in range(RENDERS):
            began = time.perf_counter()
            renderer.render(summary)
            timed_ms(renders, began)
        done = 0
        began = time.perf_counter()
        while time.perf_counter() - began < THROUGHPUT_SECONDS:
            sealer.seal(renderer.render(summary, completion()), reason="Bench", location="Rennes")
            done += 1
        per_second = done / (time.perf_counter() - began)
    seal_p95 = percentile(seals, 95)
    print(f"  seal p95 {seal_p95:.1f} ms = {seal_p95 / SEAL_TARGET_MS:.2f} x the 30 ms target")
    return {
        "pdf_bytes_with_completion": float(len(pdf)),
        "seal_p50_ms": percentile(seals, 50),
        "seal_p95_ms": seal_p95,
        "ratio_seal_p95_to_30ms_target": seal_p95 / SEAL_TARGET_MS,
        "seal_with_key_reload_p50_ms": percentile(reloaded, 50),
        "render_3_pages_p50_ms": percentile(renders, 50),
        "render_and_seal_per_s": per_second,
    }
