"""The three personas' pages, driven in headless Chromium against real servers."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from jalon_dev.stack import EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.mongo import create_client
from jalon_shared.settings import MongoSettings
from tests.e2e.conftest import WebStack
from tests.support import Keys

T = TypeVar("T")
SCREENSHOTS = Path(tempfile.gettempdir()) / "jalon-e2e"
SCREENSHOTS.mkdir(exist_ok=True)


async def in_browser(action: Callable[[], T]) -> T:
    """Drive the (blocking) browser off the loop that serves the pages."""
    return await asyncio.to_thread(action)


def sign_in_staff(driver: webdriver.Chrome, url: str, account: str) -> None:
    driver.get(url)
    driver.find_element(By.ID, "account_id").send_keys(account)
    driver.find_element(By.ID, "password").send_keys("jalon-demo")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/login'] button").click()


async def test_beneficiary_counsellor_and_manager_paths(
    web_stack: WebStack, browser: webdriver.Chrome, keys: Keys
) -> None:
    base = web_stack.base_url
    # The demo counsellors exist in intake as make run seeds them.
    async with httpx.AsyncClient() as http:
        manager = keys.headers("seed", Role.MANAGER, region="bretagne")
        body = {
            "counsellor_id": "c-camille-bernard",
            "region": "bretagne",
            "site": "rennes",
            "capacity": 30,
        }
        seeded = await http.put(
            f"{web_stack.intake_url}/counsellors/c-camille-bernard", json=body, headers=manager
        )
        assert seeded.status_code == 200
    email = f"e2e.{uuid.uuid4().hex[:8]}@example.org"

    def beneficiary_path() -> tuple[str, str, str]:
        browser.get(f"{base}/beneficiary")
        browser.find_element(By.ID, "email").send_keys(email)
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/code'] button").click()
        code = browser.find_element(By.CSS_SELECTOR, "#dev-code strong").text
        browser.find_element(By.ID, "code").send_keys(code)
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/verify'] button").click()
        browser.save_screenshot(str(SCREENSHOTS / "beneficiary-signed-in.png"))
        browser.find_element(By.ID, "first_name").send_keys("Inès")
        browser.find_element(By.ID, "last_name").send_keys("Moreau")
        Select(browser.find_element(By.ID, "csp")).select_by_value("ouvrier")
        browser.find_element(By.CSS_SELECTOR, "input[name='topics'][value='vae']").click()
        browser.find_element(By.CSS_SELECTOR, "input[name='modalities'][value='phone']").click()
        browser.find_element(By.CSS_SELECTOR, "input[name='languages'][value='fr']").click()
        Select(browser.find_element(By.ID, "service_level")).select_by_value(
            "accompagnement_personnalise"
        )
        browser.find_element(By.CSS_SELECTOR, "input[name='consent']").click()
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/request'] button").click()
        browser.save_screenshot(str(SCREENSHOTS / "beneficiary-submitted.png"))
        outcome = browser.find_element(By.ID, "outcome").text
        browser.save_screenshot(str(SCREENSHOTS / "beneficiary.png"))
        # The outcome stays on the space after a reload, read back from intake.
        browser.get(f"{base}/beneficiary")
        my_cases = browser.find_element(By.ID, "my-cases").text
        browser.find_element(By.CSS_SELECTOR, "header form button").click()
        WebDriverWait(browser, 10).until(expected_conditions.url_to_be(f"{base}/"))
        return outcome, my_cases, browser.current_url

    outcome, my_cases, after_logout = await in_browser(beneficiary_path)
    assert "Accompagnement personnalisé" in my_cases
    assert "attribué" in my_cases
    assert "Votre demande est enregistrée" in outcome
    assert "Un conseiller vous a été attribué" in outcome
    assert after_logout == f"{base}/"

    def counsellor_path() -> tuple[str, int, str]:
        sign_in_staff(browser, f"{base}/counsellor", "c-camille-bernard")
        table = browser.find_element(By.ID, "caseload").text
        browser.find_element(By.LINK_TEXT, "Inès Moreau").click()
        history = browser.find_element(By.ID, "history").text
        browser.get(f"{base}/manager")
        refused = browser.find_element(By.CSS_SELECTOR, "p.error").text
        browser.find_element(By.CSS_SELECTOR, "header form button").click()
        WebDriverWait(browser, 10).until(expected_conditions.url_to_be(f"{base}/"))
        return table, len(history.splitlines()), refused

    table, history_lines, refused = await in_browser(counsellor_path)
    assert "Inès Moreau" in table
    assert history_lines == 1
    assert "pas accessible" in refused

    def manager_path() -> str:
        sign_in_staff(browser, f"{base}/manager", "m-anne-durand")
        text = browser.find_element(By.ID, "activity").text
        deadline = time.monotonic() + 15
        while "< 5" not in text and time.monotonic() < deadline:
            # Reporting is eventually consistent: reload until the request has arrived.
            time.sleep(0.3)
            browser.refresh()
            text = browser.find_element(By.ID, "activity").text
        browser.save_screenshot(str(SCREENSHOTS / "manager.png"))
        return text

    activity = await in_browser(manager_path)
    assert "Demandes" in activity
    assert "< 5" in activity  # one request in this fresh region view: suppressed


async def test_a_wrong_password_and_a_wrong_code_are_refused(
    web_stack: WebStack, browser: webdriver.Chrome
) -> None:
    base = web_stack.base_url

    def attempts() -> tuple[str, str]:
        browser.get(f"{base}/counsellor")
        browser.find_element(By.ID, "account_id").send_keys("c-camille-bernard")
        browser.find_element(By.ID, "password").send_keys("wrong")
        browser.find_element(By.CSS_SELECTOR, "form button").click()
        password_error = browser.find_element(By.CSS_SELECTOR, "p.error").text
        browser.get(f"{base}/beneficiary")
        browser.find_element(By.ID, "email").send_keys("someone@example.org")
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/code'] button").click()
        browser.find_element(By.ID, "code").send_keys("000000")
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/verify'] button").click()
        return password_error, browser.find_element(By.CSS_SELECTOR, "p.error").text

    password_error, code_error = await in_browser(attempts)
    assert "incorrect" in password_error
    assert "incorrect ou expiré" in code_error


async def test_a_beneficiary_erases_their_data_from_their_space(
    web_stack: WebStack, browser: webdriver.Chrome, mongo: EmbeddedMongo
) -> None:
    base = web_stack.base_url
    email = f"erase.{uuid.uuid4().hex[:8]}@example.org"

    def erase() -> str:
        browser.get(f"{base}/beneficiary")
        browser.find_element(By.ID, "email").send_keys(email)
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/code'] button").click()
        code = browser.find_element(By.CSS_SELECTOR, "#dev-code strong").text
        browser.find_element(By.ID, "code").send_keys(code)
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/verify'] button").click()
        browser.find_element(By.ID, "first_name").send_keys("Zoé")
        browser.find_element(By.ID, "last_name").send_keys("Garnier")
        browser.find_element(By.CSS_SELECTOR, "input[name='consent']").click()
        browser.find_element(By.CSS_SELECTOR, "form[action='/beneficiary/request'] button").click()
        browser.find_element(By.ID, "outcome")
        erase_button = "form[action='/beneficiary/erase'] button"
        # Without the confirmation ticked, the browser's own validation keeps the form unsent.
        browser.find_element(By.CSS_SELECTOR, erase_button).click()
        assert browser.find_elements(By.ID, "outcome")
        browser.find_element(By.CSS_SELECTOR, "input[name='confirm']").click()
        browser.find_element(By.CSS_SELECTOR, erase_button).click()
        return browser.find_element(By.CSS_SELECTOR, "p.notice").text

    assert "effacées" in await in_browser(erase)
    client = create_client(MongoSettings(uri=mongo.uri))
    try:
        names = [n for n in await client.list_database_names() if n.startswith("t_")]
        for name in names:
            for collection in await client[name].list_collection_names():
                found = await client[name][collection].count_documents(
                    {"$or": [{"_id": email}, {"email": email}]}
                )
                assert found == 0, (name, collection)
    finally:
        await client.close()
