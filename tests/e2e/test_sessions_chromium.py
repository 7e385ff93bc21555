"""The work between sessions in headless Chromium: the beneficiary writes with a file, the
counsellor reads it, downloads it byte for byte and replies; the counsellor assigns a task, the
beneficiary completes it with a file; the counsellor logs a call."""

from __future__ import annotations

import base64
import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import SHOTS, WIDTHS, WebStack, shoot
from tests.e2e.test_web_chromium import (
    fill_request,
    in_browser,
    sign_in_beneficiary,
    sign_in_staff,
    sign_out,
    submit,
    submit_request,
)

RENNES_COUNSELLORS = ("c-camille-bernard", "c-louise-martin")
NOTICE_SUBJECT = "Nouveau message de votre conseiller"
PARIS = ZoneInfo("Europe/Paris")


def shoot_part(driver: webdriver.Chrome, name: str, element_id: str) -> list[Path]:
    """Save one section of the page at each width (a whole case page is too long to read)."""
    SHOTS.mkdir(exist_ok=True)
    saved: list[Path] = []
    for width in WIDTHS:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        box = driver.execute_script(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
            "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];",
            element_id,
        )
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": max(box[1] - 8, 0),
                    "width": width,
                    "height": min(box[3] + 16, 6000),
                    "scale": 1,
                },
            },
        )
        path = SHOTS / f"{name}-{width}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        saved.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return saved


def wait_for(driver: webdriver.Chrome, fragment: str) -> None:
    """Wait until the page's address shows the confirmation of an action."""
    WebDriverWait(driver, 20).until(expected_conditions.url_contains(fragment))


def notice_link(stack: WebStack, email: str, timeout: float = 20) -> str:
    """Read the link of the new-message notice the dev mailbox received for the email."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in stack.mailbox.inbox.newest_first():
            if email in mail.recipients and mail.subject.startswith(NOTICE_SUBJECT):
                link = next(w for w in mail.body.split() if w.startswith("http"))
                return link
        time.sleep(0.3)
    raise AssertionError("no new-message notice reached the dev mailbox")


def a_file(suffix: str, head: bytes, size: int) -> tuple[Path, bytes]:
    """Write a file whose content the service recognises by its first bytes."""
    content = head + os.urandom(size)
    path = Path(tempfile.mkdtemp(prefix="jalon-e2e-files-")) / f"piece{suffix}"
    path.write_bytes(content)
    return path, content


async def test_messages_tasks_and_calls_between_sessions(
    intake_reference: WebStack, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    base = stack.base_url
    email = f"nora.{uuid.uuid4().hex[:8]}@example.org"
    cv_path, cv = a_file(".pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 300_000)
    work_path, _ = a_file(".png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 20_000)

    def beneficiary_writes() -> str:
        sign_in_beneficiary(browser, stack, email)
        fill_request(browser, "Nora", "Lefèvre")
        submit_request(browser)
        # The case reaches the messaging service by its event: the page says when it is ready.
        deadline = time.monotonic() + 30
        browser.get(f"{base}/beneficiary/messages")
        while not browser.find_elements(By.ID, "message-form"):
            assert time.monotonic() < deadline, browser.find_element(By.TAG_NAME, "main").text
            time.sleep(0.5)
            browser.get(f"{base}/beneficiary/messages")
        shoot(browser, "60-beneficiary-messages-empty")
        browser.find_element(By.ID, "message-text").send_keys(
            "Bonjour,\nvoici mon CV mis à jour avant notre rendez-vous."
        )
        browser.find_element(By.ID, "message-files").send_keys(str(cv_path))
        submit(browser, "#message-send")
        wait_for(browser, "done=message_sent")
        shoot(browser, "61-beneficiary-message-sent")
        text = browser.find_element(By.ID, "thread").text
        sign_out(browser, base)
        return text

    thread = await in_browser(beneficiary_writes)
    assert "voici mon CV mis à jour" in thread
    assert "Pas encore lu" in thread
    assert "piece.pdf" in thread

    def counsellor_reads() -> tuple[str, str, str]:
        for account in RENNES_COUNSELLORS:
            sign_in_staff(browser, base, "counsellor", account)
            if browser.find_elements(By.PARTIAL_LINK_TEXT, "Nora Lefèvre"):
                break
            sign_out(browser, base)
        waiting = browser.find_element(By.ID, "unanswered").text
        shoot_part(browser, "62-counsellor-home-unanswered", "unanswered")
        browser.find_element(
            By.XPATH, "//ul[@id='unanswered-list']//a[contains(., 'Nora Lefèvre')]"
        ).click()
        WebDriverWait(browser, 10).until(expected_conditions.url_contains("/counsellor/cases/"))
        browser.find_element(By.ID, "reply-form")
        shoot_part(browser, "63-counsellor-case-messages", "messages")
        link = browser.find_element(By.CSS_SELECTOR, "#thread a[id^='attachment-']")
        href = link.get_attribute("href")
        assert href
        return waiting, browser.find_element(By.ID, "thread").text, href

    waiting, seen, href = await in_browser(counsellor_reads)
    assert "Nora Lefèvre" in waiting
    assert "en attente depuis le" in waiting
    assert "voici mon CV mis à jour" in seen
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    async with httpx.AsyncClient(cookies=cookies, timeout=20) as http:
        download = await http.get(href)
    assert download.status_code == 200
    assert download.content == cv
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="piece.pdf"')

    yesterday = (datetime.now(PARIS) - timedelta(days=1)).date().isoformat()
    due = (datetime.now(PARIS) + timedelta(days=7)).date().isoformat()

    def counsellor_replies_assigns_and_logs() -> tuple[str, str, str]:
        browser.find_element(By.ID, "reply-text").send_keys("Merci Nora, bien reçu. À jeudi !")
        submit(browser, "#reply-send")
        wait_for(browser, "done=message_sent")
        reply = browser.find_element(By.ID, "thread").text
        browser.find_element(By.ID, "task-title").send_keys("Enquête métier")
        browser.find_element(By.ID, "task-instructions").send_keys(
            "Rencontrez un contrôleur qualité et notez trois questions."
        )
        Select(browser.find_element(By.ID, "task-kind")).select_by_value("enquiry")
        browser.execute_script(
            "arguments[0].value = arguments[1]", browser.find_element(By.ID, "task-due_on"), due
        )
        submit(browser, "#task-assign")
        wait_for(browser, "done=task_assigned")
        tasks = browser.find_element(By.ID, "case-tasks").text
        for field, value in (
            ("call-date", yesterday),
            ("call-started_at", "10:00"),
            ("call-ended_at", "10:12"),
        ):
            browser.execute_script(
                "arguments[0].value = arguments[1]", browser.find_element(By.ID, field), value
            )
        browser.find_element(By.ID, "call-outcome-reached").click()
        submit(browser, "#call-log")
        wait_for(browser, "done=call_logged")
        calls = browser.find_element(By.ID, "case-calls").text
        shoot_part(browser, "64-counsellor-case-tasks", "tasks")
        shoot_part(browser, "65-counsellor-case-calls", "calls")
        sign_out(browser, base)
        return reply, tasks, calls

    reply, tasks, calls = await in_browser(counsellor_replies_assigns_and_logs)
    assert "Merci Nora, bien reçu." in reply
    assert "Pas encore lu" in reply  # the counsellor's own reply, not read yet
    assert "Enquête métier" in tasks
    assert "À faire" in tasks
    assert "10 h 00" in calls
    assert "12 min" in calls
    assert "Joint" in calls
    link = notice_link(stack, email)
    assert link.endswith("/beneficiary/messages")

    def beneficiary_completes() -> tuple[str, str]:
        sign_in_beneficiary(browser, stack, email)
        browser.get(link)
        shoot(browser, "66-beneficiary-reply-and-task")
        thread = browser.find_element(By.ID, "thread").text
        browser.find_element(By.CSS_SELECTOR, "[id$='-toggle']").click()
        browser.find_element(By.CSS_SELECTOR, "textarea[id$='-note']").send_keys(
            "Rencontre faite avec M. Durand, mes notes sont jointes."
        )
        browser.find_element(By.CSS_SELECTOR, "article.task input[type=file]").send_keys(
            str(work_path)
        )
        submit(browser, "button[id$='-done']")
        wait_for(browser, "done=task_completed")
        shoot(browser, "67-beneficiary-task-done")
        done = browser.find_element(By.ID, "tasks").text
        sign_out(browser, base)
        return thread, done

    thread, done = await in_browser(beneficiary_completes)
    assert "Merci Nora, bien reçu." in thread
    assert "Lu le" in thread  # the counsellor read her message
    assert "Fait le" in done
    assert "Rencontre faite avec M. Durand" in done
    assert "piece.png" in done

    def counsellor_sees_it_done() -> str:
        for account in RENNES_COUNSELLORS:
            sign_in_staff(browser, base, "counsellor", account)
            if browser.find_elements(By.PARTIAL_LINK_TEXT, "Nora Lefèvre"):
                break
            sign_out(browser, base)
        browser.find_element(By.PARTIAL_LINK_TEXT, "Nora Lefèvre").click()
        WebDriverWait(browser, 10).until(expected_conditions.url_contains("/counsellor/cases/"))
        shoot_part(browser, "68-counsellor-task-done", "tasks")
        return browser.find_element(By.ID, "case-tasks").text

    seen_done = await in_browser(counsellor_sees_it_done)
    assert "Fait le" in seen_done
    assert "Rencontre faite avec M. Durand" in seen_done
    assert "piece.png" in seen_done
