"""The regional manager's activity page in headless Chromium, on figures reporting counted."""
# Requests go through intake's API (real cases at two sites); their appointments are published
# to Kafka as the appointment service would publish them, face to face and by video, enough of
# each for every cell to show. The manager then filters, downloads the CSV, asks for a report.

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaProducer
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from jalon_dev.stack import EmbeddedKafka
from jalon_shared.access import Role
from jalon_shared.events.appointment import AppointmentBooked, AppointmentHeld
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import AppointmentKind, Modality
from tests.e2e.conftest import WebStack, shoot
from tests.e2e.test_sessions_chromium import shoot_part
from tests.e2e.test_web_chromium import replaced, sign_in_staff, submit
from tests.support import eventually, intake_payload

T = TypeVar("T")
REGION = "bretagne"
#: Held appointments published per site and modality: every cell at least 5, none alike.
HELD = {
    ("rennes", Modality.FACE_TO_FACE): 6,
    ("rennes", Modality.VIDEO): 5,
    ("brest", Modality.FACE_TO_FACE): 5,
    ("brest", Modality.VIDEO): 7,
}
COUNSELLORS = {"rennes": "c-camille-bernard", "brest": "c-yann-le-goff"}
CSV_HEADER = "periode;debut;fin;region;lieu;niveau;modalite;csp;tableau;indicateur"


async def in_browser(action: Callable[[], T]) -> T:
    """Drive the (blocking) browser off the loop that serves the pages."""
    return await asyncio.to_thread(action)


async def open_cases(stack: WebStack, site: str, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Submit requests at a site through intake's API; return (case, beneficiary) ids."""
    opened: list[tuple[uuid.UUID, uuid.UUID]] = []
    async with httpx.AsyncClient(base_url=stack.intake_url, timeout=20) as http:
        for n in range(count):
            person = uuid.uuid4()
            answer = await http.post(
                "/requests",
                json=intake_payload(
                    region=REGION,
                    site=site,
                    csp="cadre" if n % 2 else "employe",
                    first_name="Rapport",
                    last_name=f"Essai {n}",
                ),
                headers=stack.keys.headers(str(person), Role.BENEFICIARY),
            )
            assert answer.status_code == 201, answer.text
            case_id = answer.json().get("case_id")
            assert case_id, answer.text
            opened.append((uuid.UUID(case_id), person))
    return opened


def held_appointment(
    case_id: uuid.UUID, beneficiary: uuid.UUID, site: str, modality: Modality, starts: datetime
) -> list[Event]:
    """Return a booking and its outcome, as the appointment service publishes them."""
    meta: dict[str, Any] = {"correlation_id": f"e2e-{uuid.uuid4().hex[:12]}", "producer": "e2e"}
    appointment = uuid.uuid4()
    return [
        AppointmentBooked(
            **meta,
            occurred_at=starts - timedelta(hours=2),
            appointment_id=appointment,
            case_id=case_id,
            beneficiary_id=beneficiary,
            counsellor_id=COUNSELLORS[site],
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            modality=modality,
            kind=AppointmentKind.FIRST_MEETING,
            region=REGION,
            site=site,
            place=site if modality is Modality.FACE_TO_FACE else "remote",
            booked_by="counsellor",
        ),
        AppointmentHeld(
            **meta,
            occurred_at=starts + timedelta(minutes=50),
            appointment_id=appointment,
            case_id=case_id,
            modality=modality,
            starts_at=starts,
            region=REGION,
            site=site,
            source="counsellor",
        ),
    ]


async def publish(kafka: EmbeddedKafka, events: list[Event]) -> None:
    """Publish events to their topics, keyed by their aggregate."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                event.TOPIC, value=event.to_json_bytes(), key=event.key().encode()
            )
    finally:
        await producer.stop()


async def held_figure(stack: WebStack, **filters: str) -> float:
    """Return the held appointments reporting counts this month (0 while hidden)."""
    manager = stack.keys.headers("m-anne-durand", Role.MANAGER, region=REGION)
    async with httpx.AsyncClient(base_url=stack.reporting_url, timeout=10) as http:
        answer = await http.get(f"/regions/{REGION}/dashboard", params=filters, headers=manager)
    assert answer.status_code == 200, answer.text
    cell = next(i for i in answer.json()["indicators"] if i["code"] == "appointments_held")
    return float(cell["current"]["value"] or 0)


def svg_of(driver: webdriver.Chrome, image_id: str) -> str:
    """Read a chart's SVG text through the page's own session."""
    src = driver.find_element(By.ID, image_id).get_attribute("src")
    text: str = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.ok ? r.text() : 'HTTP ' + r.status).then(done, e => done('ERR ' + e));",
        src,
    )
    return text


def held_cell(driver: webdriver.Chrome) -> str:
    """Return the held appointments of the period as the page shows them."""
    row = driver.find_element(By.ID, "indicator-appointments_held")
    return row.find_elements(By.TAG_NAME, "td")[0].text


def apply_filter(driver: webdriver.Chrome, select_id: str, value: str) -> None:
    """Choose a filter's value and apply the form."""
    Select(driver.find_element(By.ID, select_id)).select_by_value(value)
    submit(driver, "#apply")


async def test_the_manager_filters_the_activity_and_downloads_its_csv(
    intake_reference: WebStack, e2e_kafka: EmbeddedKafka, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    before = {key: await held_figure(stack, site=key[0], modality=key[1].value) for key in HELD}
    starts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    events: list[Event] = []
    for site in ("rennes", "brest"):
        wanted = [(site, m) for (s, m) in HELD if s == site]
        cases = await open_cases(stack, site, sum(HELD[key] for key in wanted))
        for (_, modality), chunk in zip(
            wanted, (cases[: HELD[wanted[0]]], cases[HELD[wanted[0]] :]), strict=True
        ):
            for case_id, person in chunk:
                events.extend(held_appointment(case_id, person, site, modality, starts))
    await publish(e2e_kafka, events)

    async def counted() -> bool:
        for (site, modality), count in HELD.items():
            shown = await held_figure(stack, site=site, modality=modality.value)
            if shown < before[(site, modality)] + count:
                return False
        return True

    await eventually(counted, timeout=90, interval=1)

    base = stack.base_url
    downloads = Path(tempfile.mkdtemp(prefix="jalon-downloads-"))

    def filtering() -> dict[str, str]:
        sign_in_staff(browser, base, "manager", "m-anne-durand")
        browser.find_element(By.ID, "indicators-title")
        shoot(browser, "70-manager-activity")
        seen = {
            "all_src": browser.find_element(By.ID, "chart-modalities-image").get_attribute("src")
            or "",
            "all_svg": svg_of(browser, "chart-modalities-image"),
            "all_held": held_cell(browser),
        }
        apply_filter(browser, "site", "rennes")
        seen["site_src"] = (
            browser.find_element(By.ID, "chart-modalities-image").get_attribute("src") or ""
        )
        seen["site_svg"] = svg_of(browser, "chart-modalities-image")
        seen["site_held"] = held_cell(browser)
        seen["site_shown"] = browser.find_element(By.ID, "shown-period").text
        apply_filter(browser, "modality", "video")
        seen["video_held"] = held_cell(browser)
        seen["video_url"] = browser.current_url
        seen["requests_row"] = browser.find_element(By.ID, "indicator-requests").text
        shoot(browser, "71-manager-activity-rennes-video")
        shoot_part(browser, "72-manager-charts", "chart-modalities")
        # The page's script refills the period list as soon as the kind changes.
        Select(browser.find_element(By.ID, "period")).select_by_value("quarter")
        seen["quarter_option"] = Select(
            browser.find_element(By.ID, "at")
        ).first_selected_option.text
        submit(browser, "#apply")
        seen["quarter_url"] = browser.current_url
        seen["quarter_shown"] = browser.find_element(By.ID, "shown-period").text
        return seen

    seen = await in_browser(filtering)
    assert "site=rennes" not in seen["all_src"]
    assert "site=rennes" in seen["site_src"]
    assert seen["site_src"] != seen["all_src"]
    assert seen["all_svg"].lstrip().startswith(("<svg", "<?xml")), seen["all_svg"][:80]
    assert seen["site_svg"].lstrip().startswith(("<svg", "<?xml")), seen["site_svg"][:80]
    assert seen["site_svg"] != seen["all_svg"]
    assert "Rennes" in seen["site_shown"]
    assert seen["video_held"] != seen["site_held"]
    assert seen["all_held"] != seen["site_held"]
    assert "modality=video" in seen["video_url"]
    assert "site=rennes" in seen["video_url"]
    assert "trimestre" in seen["quarter_option"]
    assert "(en cours)" in seen["quarter_option"]
    assert "period=quarter" in seen["quarter_url"]
    assert "-Q" in seen["quarter_url"]
    assert "trimestre" in seen["quarter_shown"]
    # Requests have no modality: the page says it does not break them down by one.
    assert "non ventilé par modalité" in seen["requests_row"]

    def download_csv() -> tuple[str, str, bytes]:
        try:
            browser.execute_cdp_cmd(
                "Browser.setDownloadBehavior",
                {"behavior": "allow", "downloadPath": str(downloads)},
            )
        except WebDriverException:
            # Older drivers only know the page-level command.
            browser.execute_cdp_cmd(
                "Page.setDownloadBehavior",
                {"behavior": "allow", "downloadPath": str(downloads)},
            )
        href = browser.find_element(By.ID, "csv-link").get_attribute("href") or ""
        browser.find_element(By.ID, "csv-link").click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done = [p for p in downloads.iterdir() if p.suffix == ".csv"]
            if done:
                return href, done[0].name, done[0].read_bytes()
            time.sleep(0.2)
        raise AssertionError(f"no CSV downloaded from {href}: {list(downloads.iterdir())}")

    href, name, content = await in_browser(download_csv)
    assert "/manager/export.csv?" in href
    assert "site=rennes" in href
    assert "modality=video" in href
    text = content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith(CSV_HEADER), lines[0]
    assert all(";" in line for line in lines[:5])
    assert any(";rennes;" in line.lower() for line in lines[1:]), lines[1]
    assert name.startswith(f"jalon-activite-{REGION}-"), name

    def generate_report() -> tuple[str, str, str, str]:
        Select(browser.find_element(By.ID, "report-month")).select_by_index(0)
        chosen = Select(browser.find_element(By.ID, "report-month")).first_selected_option.text
        month = chosen.removesuffix(" (en cours)")
        old = browser.find_element(By.TAG_NAME, "html")
        # The click's submit handler runs before the page goes: read what it said at once.
        progress: str = browser.execute_script(
            "document.getElementById('generate-report').click();"
            "return document.getElementById('report-progress-text').textContent;"
        )
        WebDriverWait(browser, 60).until(replaced(old))
        done = browser.find_element(By.ID, "report-done").text
        shoot_part(browser, "73-manager-reports", "reports")
        link = browser.find_element(By.CSS_SELECTOR, "#reports-list tr.new a[href$='.pdf']")
        return month, progress, done, link.get_attribute("href") or ""

    month, progress, done, pdf_href = await in_browser(generate_report)
    assert progress.startswith("Génération en cours…")
    assert f"Le rapport de {month} est prêt" in done
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    async with httpx.AsyncClient(cookies=cookies, timeout=30) as http:
        pdf = await http.get(pdf_href)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('attachment; filename="jalon-rapport-')
    assert pdf.content.startswith(b"%PDF")
