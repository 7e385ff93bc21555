"""Signed summaries in headless Chromium: the counsellor drafts and submits; the beneficiary reads
the code in the dev mailbox, signs, and downloads the sealed PDF from their space."""

from __future__ import annotations

import re
import time
import uuid

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import WebStack, shoot
from tests.e2e.test_web_chromium import (
    fill_request,
    in_browser,
    replaced,
    sign_in_beneficiary,
    sign_in_staff,
    sign_out,
    submit,
    submit_request,
)

RENNES_COUNSELLORS = ("c-camille-bernard", "c-louise-martin")
CODE_SUBJECT = "Votre code de signature Jalon"


def signing_code(stack: WebStack, email: str, timeout: float = 20) -> str:
    """Read the newest signing code the dev mailbox received for the email."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in stack.mailbox.inbox.newest_first():
            if email in mail.recipients and mail.subject.startswith(CODE_SUBJECT):
                found = re.search(r"\b(\d{6})\b", mail.body)
                assert found, mail.body
                return found.group(1)
        time.sleep(0.3)
    raise AssertionError("no signing code reached the dev mailbox")


async def test_the_counsellor_drafts_and_submits_and_the_beneficiary_signs_and_downloads(
    intake_reference: WebStack, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    base = stack.base_url
    email = f"yanis.{uuid.uuid4().hex[:8]}@example.org"

    def beneficiary_asks() -> None:
        sign_in_beneficiary(browser, stack, email)
        fill_request(browser, "Yanis", "Ferrand")
        submit_request(browser)
        sign_out(browser, base)

    await in_browser(beneficiary_asks)

    def counsellor_drafts_and_submits() -> str:
        for account in RENNES_COUNSELLORS:
            sign_in_staff(browser, base, "counsellor", account)
            if browser.find_elements(By.LINK_TEXT, "Yanis Ferrand"):
                break
            sign_out(browser, base)
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.LINK_TEXT, "Yanis Ferrand").click()
        WebDriverWait(browser, 10).until(replaced(old))
        browser.find_element(By.ID, "new-summary").click()
        for field, text in (
            ("situation", "Soudeur depuis douze ans, en arrêt après une blessure à l'épaule."),
            ("wishes", "Se reconvertir vers le contrôle qualité en soudure."),
            ("skills", "Lecture de plans, normes de soudage, rigueur, transmission."),
            ("strategy", "Valider l'expérience par une VAE puis une formation courte."),
            ("plan-1-action", "Monter le dossier de recevabilité VAE"),
            ("resource-1-label", "Compte personnel de formation"),
        ):
            browser.find_element(By.ID, field).send_keys(text)
        browser.execute_script(
            "arguments[0].value = '2027-01-15'", browser.find_element(By.ID, "plan-1-due_on")
        )
        Select(browser.find_element(By.ID, "resource-1-kind")).select_by_value("cpf")
        submit(browser, "#save-summary")
        shoot(browser, "40-counsellor-summary-draft")
        submit(browser, "#submit-summary")
        shoot(browser, "41-counsellor-summary-submitted")
        return browser.find_element(By.TAG_NAME, "main").text

    submitted = await in_browser(counsellor_drafts_and_submits)
    assert "Soudeur depuis douze ans" in submitted

    def beneficiary_signs() -> tuple[str, str]:
        sign_out(browser, base)
        sign_in_beneficiary(browser, stack, email)
        browser.get(f"{base}/beneficiary/documents")
        shoot(browser, "42-beneficiary-documents")
        browser.find_element(By.CSS_SELECTOR, "[id^='read-']").click()
        submit(browser, "#send-code")
        browser.find_element(By.ID, "code").send_keys(signing_code(stack, email))
        shoot(browser, "43-beneficiary-code")
        submit(browser, "#sign")
        shoot(browser, "44-beneficiary-signed")
        text = browser.find_element(By.TAG_NAME, "main").text
        link = browser.find_element(By.ID, "download-signed").get_attribute("href")
        assert link
        return text, link

    text, link = await in_browser(beneficiary_signs)
    assert "signé" in text.lower()
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    async with httpx.AsyncClient(cookies=cookies, timeout=20) as http:
        answer = await http.get(link)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    check = stack.verifier.check(answer.content)
    assert check.problems == (), check
    assert check.intact
    assert check.valid
    assert check.trusted
