"""The monthly report's PDF (WeasyPrint): French wording, charts, tables, page X / Y footers."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from reporting.adapters.pdf_report import (
    MonthlyReportRenderer,
    long_datetime,
    monthly_report,
)
from reporting.application.report_ports import RenderedReport
from tests.unit.reporting_samples import SITE_LABELS, empty_dashboard, sample_dashboard

#: Where people look at the pages (the test's own copies stay under tmp_path).
SHOTS = Path("/tmp/jalon-shots")  # noqa: S108 - a fixed place people know to look in.
#: 2 November 2026, 09:00 in Paris: October is over.
AFTER = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
#: 20 October 2026: October is still under way.
DURING = datetime(2026, 10, 20, 13, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> MonthlyReportRenderer:
    return MonthlyReportRenderer()


@pytest.fixture(scope="module")
def report(renderer: MonthlyReportRenderer) -> RenderedReport:
    return renderer.render(
        sample_dashboard(), region_label="Bretagne", site_labels=SITE_LABELS, generated_at=AFTER
    )


def page_texts(pdf: bytes, directory: Path) -> list[str]:
    """Return each page's text, as poppler's pdftotext reads it."""
    source = directory / "report.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def rasterise(pdf: bytes, directory: Path, resolution: int = 60) -> list[Path]:
    """Return one PNG per page, rendered by poppler's pdftoppm."""
    source = directory / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", str(source), str(directory / "page")],
        check=True,
    )
    return sorted(directory.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))


def test_the_report_is_a_pdf_of_several_pages(report: RenderedReport) -> None:
    assert report.pdf.startswith(b"%PDF")
    assert report.pages >= 2
    assert len(report.pdf) < 2_000_000


def test_the_wording_is_french_with_the_small_cell_rule(renderer: MonthlyReportRenderer) -> None:
    html = renderer.html(
        monthly_report(
            sample_dashboard(), region_label="Bretagne", site_labels=SITE_LABELS, generated_at=AFTER
        )
    )
    assert '<html lang="fr">' in html
    assert "Rapport d&#39;activité mensuel · " in html
    assert "Bretagne · octobre 2026" in html
    assert (
        "Les effectifs inférieurs à 5 personnes sont masqués, ainsi que les cases qui "
        "permettraient de les retrouver par différence"
    ) in html
    assert "Période en cours" not in html
    assert "2 novembre 2026 à 9 h 00" in html
    assert html.count('src="data:image/svg+xml;base64,') == 4
    for group in ("Demandes et bénéficiaires", "Rendez-vous", "Satisfaction", "Clôtures"):
        assert f"<caption>{group}</caption>" in html
    assert "<caption>Par lieu d&#39;accueil</caption>" in html
    assert "Rennes \N{EN DASH} Maison de l&#39;emploi" in html


def test_a_month_under_way_says_so_on_the_cover(renderer: MonthlyReportRenderer) -> None:
    html = renderer.html(
        monthly_report(
            sample_dashboard(), region_label="Bretagne", site_labels={}, generated_at=DURING
        )
    )
    assert "Période en cours" in html
    assert "chiffres arrêtés au 20 octobre 2026" in html


def test_region_and_site_names_are_escaped_and_codes_named(renderer: MonthlyReportRenderer) -> None:
    board = sample_dashboard()
    sites = next(b for b in board.breakdowns if b.code == "by_site")
    coded = sites.model_copy(
        update={"rows": tuple(r.model_copy(update={"label": r.code}) for r in sites.rows)}
    )
    board = board.model_copy(
        update={"breakdowns": tuple(coded if b.code == "by_site" else b for b in board.breakdowns)}
    )
    html = renderer.html(
        monthly_report(
            board,
            region_label="<b>Bretagne</b>",
            site_labels={"brest": "Brest \N{EN DASH} Siam"},
            generated_at=AFTER,
        )
    )
    assert "<b>Bretagne</b>" not in html
    assert "&lt;b&gt;Bretagne&lt;/b&gt;" in html
    assert "Brest \N{EN DASH} Siam" in html
    # A site with no known name keeps its code.
    assert '<th scope="row">lorient</th>' in html


def test_every_page_has_its_footer_and_the_figures(report: RenderedReport, tmp_path: Path) -> None:
    texts = page_texts(report.pdf, tmp_path)
    assert len(texts) == report.pages
    for number, text in enumerate(texts, start=1):
        assert f"page {number} / {report.pages}" in text
        assert "Rapport d'activité mensuel · Bretagne · octobre 2026" in text
    whole = "\n".join(texts)
    assert "Demandes reçues" in whole
    assert "masqué" in whole
    assert "Tableaux détaillés" in whole
    # The charts' own text is in the PDF too, not pictures of it.
    assert "Évolution de l'activité" in whole


def test_pages_rasterise_and_are_kept_for_people_to_look_at(
    report: RenderedReport, tmp_path: Path
) -> None:
    pages = rasterise(report.pdf, tmp_path)
    assert len(pages) == report.pages
    for page in pages:
        with Image.open(page) as image:
            assert image.size[0] < image.size[1]
            histogram = image.convert("L").histogram()
        # Text is there: some pixels are dark, not only the white page and light tints.
        assert sum(histogram[:80]) > 300
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("report-*.png"):
        old.unlink()
    for number, page in enumerate(pages, start=1):
        shutil.copyfile(page, SHOTS / f"report-{number}.png")


def test_an_empty_month_still_renders(renderer: MonthlyReportRenderer) -> None:
    rendered = renderer.render(
        empty_dashboard(), region_label="Bretagne", site_labels={}, generated_at=AFTER
    )
    assert rendered.pdf.startswith(b"%PDF")
    assert rendered.pages >= 2


def test_the_generation_time_is_paris_time() -> None:
    # 12:05 UTC is 14:05 in Paris in summer, 13:05 in winter.
    assert long_datetime(datetime(2027, 7, 1, 12, 5, tzinfo=UTC)) == "1er juillet 2027 à 14 h 05"
    assert long_datetime(datetime(2027, 1, 15, 12, 5, tzinfo=UTC)) == "15 janvier 2027 à 13 h 05"
