"""Appointments in headless Chromium: a beneficiary books a video meeting and sees it, the
counsellor finds it in the agenda, a manager closes the site and the beneficiary consents."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from jalon_shared.access import Role
from tests.e2e.conftest import WebStack, shoot
from tests.e2e.test_web_chromium import (
    fill_request,
    in_browser,
    sign_in_beneficiary,
    sign_in_staff,
    sign_out,
    submit,
    submit_request,
)

PARIS = ZoneInfo("Europe/Paris")
#: An appointment's action link in a message body.
LINK = re.compile(r"http://127\.0\.0\.1:\d+/rdv/[A-Za-z0-9_.-]+")
RENNES_COUNSELLORS = ("c-camille-bernard", "c-louise-martin")


async def publish_plans(stack: WebStack) -> None:
    """Give Rennes' counsellors a plan: Rennes every morning, remote every afternoon."""
    windows = [
        w
        for day in range(7)
        for w in (
            {"weekday": day, "start": "08:00", "end": "12:00", "place": "rennes"},
            {"weekday": day, "start": "13:00", "end": "19:00", "place": "remote"},
        )
    ]
    for counsellor in RENNES_COUNSELLORS:
        token = stack.keys.issuer().mint(counsellor, Role.COUNSELLOR, region="bretagne")
        # The regions reach the appointment service's directory copy through Kafka.
        for _ in range(60):
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.put(
                    f"{stack.appointment_url}/me/availability",
                    json={
                        "time_zone": "Europe/Paris",
                        "windows": windows,
                        "rules": {"notice_hours": 24},
                    },
                    headers={"Authorization": f"Bearer {token}"},
                )
            if answer.status_code != 422:
                break
            await asyncio.sleep(0.5)
        assert answer.status_code == 200, answer.text


def book_from_the_space(driver: webdriver.Chrome, base: str, modality: str) -> list[str]:
    """Book the first free slot of a modality from the beneficiary's space; return the cards."""
    deadline = time.monotonic() + 30
    while True:
        driver.get(f"{base}/beneficiary/appointments/new")
        driver.find_element(By.ID, f"modality-{modality}").click()
        driver.find_element(By.ID, "kind-follow_up").click()
        submit(driver, "#see-slots")
        try:
            # The case reaches the appointment service's directory copy through Kafka.
            driver.implicitly_wait(0)
            driver.find_element(By.ID, "slot-1")
            break
        except NoSuchElementException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
        finally:
            driver.implicitly_wait(5)
    shoot(driver, f"30-beneficiary-slots-{modality}")
    submit(driver, "#slot-1")
    shown = {
        e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "[id^='appointment-']")
    }
    # Cards are "appointment-<uuid>"; their headings end in "-title".
    items = [i for i in shown if i and i.count("-") > 4 and not i.endswith("-title")]
    assert items, driver.page_source[:2000]
    return items


async def test_a_beneficiary_books_video_the_counsellor_sees_it_and_a_site_closure_asks_consent(
    intake_reference: WebStack, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    base = stack.base_url
    await publish_plans(stack)
    email = f"nora.{uuid.uuid4().hex[:8]}@example.org"

    def beneficiary_books() -> tuple[list[str], str]:
        sign_in_beneficiary(browser, stack, email)
        fill_request(browser, "Nora", "Benali")
        submit_request(browser)
        shown = book_from_the_space(browser, base, "video")
        text = browser.find_element(By.TAG_NAME, "main").text
        shoot(browser, "31-beneficiary-appointments")
        return shown, text

    shown, text = await in_browser(beneficiary_books)
    assert "Visio" in text
    video_id = shown[0].removeprefix("appointment-")

    def counsellor_agenda() -> str:
        sign_out(browser, base)
        for account in RENNES_COUNSELLORS:
            sign_in_staff(browser, base, "counsellor", account)
            for week in range(3):
                browser.get(f"{base}/counsellor/agenda?view=week&week={week}")
                if browser.find_elements(By.ID, f"appointment-{video_id}"):
                    shoot(browser, "32-counsellor-agenda")
                    return browser.find_element(By.ID, f"appointment-{video_id}").text
                if browser.find_elements(By.ID, "agenda-next"):
                    browser.find_element(By.ID, "agenda-next").click()
                    if browser.find_elements(By.ID, f"appointment-{video_id}"):
                        shoot(browser, "32-counsellor-agenda")
                        return browser.find_element(By.ID, f"appointment-{video_id}").text
            sign_out(browser, base)
        raise AssertionError("the appointment is in no Rennes counsellor's agenda")

    entry = await in_browser(counsellor_agenda)
    assert "Visio" in entry

    def beneficiary_books_at_rennes() -> str:
        sign_out(browser, base)
        sign_in_beneficiary(browser, stack, email)
        ids = book_from_the_space(browser, base, "face_to_face")
        return next(i for i in ids if i.removeprefix("appointment-") != video_id)

    rennes_id = (await in_browser(beneficiary_books_at_rennes)).removeprefix("appointment-")

    def manager_closes_rennes() -> str:
        sign_out(browser, base)
        sign_in_staff(browser, base, "manager", "m-anne-durand")
        browser.get(f"{base}/manager/site-closures")
        Select(browser.find_element(By.ID, "site")).select_by_value("rennes")
        now = datetime.now(PARIS)
        for field, value in (("starts_at", now), ("ends_at", now + timedelta(days=40))):
            browser.execute_script(
                "arguments[0].value = arguments[1]",
                browser.find_element(By.ID, field),
                value.strftime("%Y-%m-%dT%H:%M"),
            )
        browser.find_element(By.ID, "to_modality-video").click()
        submit(browser, "#close-site")
        deadline = time.monotonic() + 30
        while not browser.find_elements(By.ID, "closure-done"):
            assert time.monotonic() < deadline, "the closure never finished"
            time.sleep(0.5)
            browser.refresh()
        shoot(browser, "33-manager-closure")
        return browser.find_element(By.ID, "closure-progress-text").text

    progress = await in_browser(manager_closes_rennes)
    assert "1 / 1" in progress or "/" in progress

    def consent_link() -> str:
        """Return the action link of the consent request the closure mailed to the beneficiary."""
        deadline = time.monotonic() + 30
        while True:
            for mail in stack.mailbox.inbox.newest_first():
                if email in mail.recipients and mail.subject.startswith("Changement proposé"):
                    found = LINK.search(mail.body)
                    assert found, mail.body
                    return found.group(0)
            assert time.monotonic() < deadline, "no consent request reached the mailbox"
            time.sleep(0.5)

    def beneficiary_consents_from_the_email() -> str:
        # Signed out, as someone reading their mail on a phone: the link alone opens the page.
        sign_out(browser, base)
        browser.get(consent_link())
        shoot(browser, "34-beneficiary-consent-link")
        submit(browser, f"#consent-accept-video-{rennes_id}")
        shoot(browser, "35-beneficiary-after-consent")
        return browser.find_element(By.TAG_NAME, "main").text

    after = await in_browser(beneficiary_consents_from_the_email)
    assert "Visio" in after
    assert "le rendez-vous se fera à distance" in after

    def beneficiary_sees_it_in_the_space() -> str:
        sign_in_beneficiary(browser, stack, email)
        browser.get(f"{base}/beneficiary/appointments")
        return browser.find_element(By.ID, f"appointment-{rennes_id}").text

    assert "Visio" in await in_browser(beneficiary_sees_it_in_the_space)
