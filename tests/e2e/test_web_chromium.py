"""The three personas' pages, driven in headless Chromium against real servers.

Tests taking the `intake_reference` fixture need intake's contract routes (reference regions,
counsellor display names, the full case view, counsellors reading their region's directory).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import TypeVar

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from jalon_dev.demo import DEMO_PASSWORD
from jalon_dev.stack import EmbeddedMongo, free_port
from jalon_shared.mongo import create_client
from jalon_shared.settings import MongoSettings
from tests.e2e.conftest import WebStack, serve_app, shoot

T = TypeVar("T")


async def in_browser(action: Callable[[], T]) -> T:
    """Drive the (blocking) browser off the loop that serves the pages."""
    return await asyncio.to_thread(action)


def replaced(old: WebElement) -> Callable[[webdriver.Chrome], bool]:
    """Wait condition: the element's page is gone (chromedriver words this in two ways)."""

    def check(_: webdriver.Chrome) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    return check


def submit(driver: webdriver.Chrome, css: str) -> None:
    """Press a form's button and wait for the page it leads to (never race the old one)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 10).until(replaced(old))


def latest_code(stack: WebStack, email: str, timeout: float = 10) -> str:
    """Read the sign-in code the dev mailbox received for the email."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in httpx.get(f"{stack.mailbox.url}/messages").json():
            if email in message["recipients"]:
                found = re.search(r"\b(\d{6})\b", message["body"])
                if found:
                    return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code for {email} in the dev mailbox")


def sign_in_staff(driver: webdriver.Chrome, base: str, persona: str, account: str) -> None:
    driver.get(f"{base}/{persona}")
    driver.find_element(By.ID, "account_id").send_keys(account)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    submit(driver, "form[action$='/sign-in'] button")


def sign_in_beneficiary(driver: webdriver.Chrome, stack: WebStack, email: str) -> None:
    driver.get(f"{stack.base_url}/beneficiary")
    driver.find_element(By.ID, "email").send_keys(email)
    submit(driver, "form[action='/beneficiary/code'] button")
    driver.find_element(By.ID, "sent")
    driver.find_element(By.ID, "code").send_keys(latest_code(stack, email))
    submit(driver, "form[action='/beneficiary/verify'] button")
    WebDriverWait(driver, 10).until(expected_conditions.url_to_be(f"{stack.base_url}/beneficiary"))


def sign_out(driver: webdriver.Chrome, base: str) -> None:
    submit(driver, "header form[action='/sign-out'] button")
    WebDriverWait(driver, 10).until(expected_conditions.url_contains("done=signed_out"))


def fill_request(driver: webdriver.Chrome, first: str, last: str, *, phone: str = "") -> None:
    driver.find_element(By.ID, "first_name").send_keys(first)
    driver.find_element(By.ID, "last_name").send_keys(last)
    if phone:
        driver.find_element(By.ID, "phone").send_keys(phone)
    Select(driver.find_element(By.ID, "employment_situation")).select_by_value("job_seeker")
    Select(driver.find_element(By.ID, "csp")).select_by_value("ouvrier")
    Select(driver.find_element(By.ID, "region")).select_by_value("bretagne")
    Select(driver.find_element(By.ID, "site")).select_by_value("rennes")
    driver.find_element(By.ID, "need").send_keys("Je voudrais devenir soudeuse.")
    driver.find_element(By.CSS_SELECTOR, "input[name='topics'][value='vae']").click()
    driver.find_element(By.CSS_SELECTOR, "input[name='modalities'][value='phone']").click()
    driver.find_element(By.CSS_SELECTOR, "input[name='languages'][value='ar']").click()
    driver.find_element(By.ID, "availability").send_keys("le lundi matin")
    Select(driver.find_element(By.ID, "service_level")).select_by_value(
        "accompagnement_personnalise"
    )
    driver.find_element(By.CSS_SELECTOR, "input[name='consent']").click()


def submit_request(driver: webdriver.Chrome) -> None:
    submit(driver, "form[action='/beneficiary/request'] button")


# Web front only ----------------------------------------------------------------------------


async def test_the_sign_in_code_is_read_from_the_dev_mailbox(
    web_stack: WebStack, browser: webdriver.Chrome
) -> None:
    email = f"mailbox.{uuid.uuid4().hex[:8]}@example.org"

    def path() -> tuple[str, str, str]:
        browser.get(f"{web_stack.base_url}/beneficiary")
        shoot(browser, "01-beneficiary-sign-in")
        browser.find_element(By.ID, "email").send_keys(email)
        submit(browser, "form[action='/beneficiary/code'] button")
        sent = browser.find_element(By.ID, "sent").text
        shoot(browser, "02-beneficiary-code")
        # The mailbox in a second tab, as a person would keep the code page open.
        code_page = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(web_stack.mailbox.url)
        mailbox = browser.find_element(By.TAG_NAME, "body").text
        shoot(browser, "03-dev-mailbox")
        code = re.search(r"\b(\d{6})\b", mailbox)
        assert code is not None
        browser.close()
        browser.switch_to.window(code_page)
        browser.find_element(By.ID, "code").send_keys(code.group(1))
        submit(browser, "form[action='/beneficiary/verify'] button")
        header = browser.find_element(By.CSS_SELECTOR, "header.site").text
        shoot(browser, "04-beneficiary-space")
        return sent, mailbox, header

    sent, mailbox, header = await in_browser(path)
    assert email in sent
    assert "Votre code de connexion Jalon" in mailbox
    assert email in mailbox
    assert f"Connecté : {email}" in header


async def test_too_many_password_tries_get_a_429_page(
    web_stack: WebStack, browser: webdriver.Chrome
) -> None:
    def path() -> tuple[list[str], str]:
        errors = []
        for _ in range(6):
            browser.get(f"{web_stack.base_url}/manager/sign-in")
            browser.find_element(By.ID, "account_id").send_keys("m-paul-morel")
            browser.find_element(By.ID, "password").send_keys("not-the-password")
            submit(browser, "form button")
            errors.append(browser.find_element(By.ID, "error").text)
        shoot(browser, "05-staff-sign-in-429")
        return errors, browser.find_element(By.ID, "account_id").get_attribute("value") or ""

    errors, kept = await in_browser(path)
    assert errors[:5] == ["Identifiant ou mot de passe incorrect."] * 5
    assert errors[5].startswith("Trop de tentatives. Réessayez dans")
    assert kept == "m-paul-morel"
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{web_stack.base_url}/manager/sign-in",
            data={"account_id": "m-paul-morel", "password": DEMO_PASSWORD},
            headers={"Origin": web_stack.base_url},
        )
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0


async def test_a_cross_origin_post_is_refused(
    web_stack: WebStack, browser: webdriver.Chrome
) -> None:
    target = web_stack.base_url
    attacker = FastAPI()

    @attacker.get("/", response_class=HTMLResponse)
    async def trap() -> str:
        # Another site's page (localhost is not 127.0.0.1) with forms posting to the front.
        return (
            "<!doctype html><html lang='en'><body>"
            f"<form method='post' action='{target}/beneficiary/code'>"
            "<input name='email' value='victim@example.org'><button id='go'>Go</button></form>"
            f"<form method='post' action='{target}/sign-out'><button id='out'>Out</button></form>"
            "</body></html>"
        )

    port = free_port()
    async with AsyncExitStack() as stack:
        await serve_app(attacker, port, stack)

        def path() -> tuple[str, str, str]:
            sign_in_staff(browser, target, "counsellor", "c-louise-martin")
            browser.get(f"http://localhost:{port}/")
            submit(browser, "#go")
            refused = browser.find_element(By.ID, "error").text
            shoot(browser, "06-cross-site-refused")
            browser.get(f"http://localhost:{port}/")
            submit(browser, "#out")
            refused_out = browser.find_element(By.ID, "error").text
            # The other site's form did not end the session.
            browser.get(f"{target}/counsellor")
            return refused, refused_out, browser.current_url

        refused, refused_out, after = await in_browser(path)
    assert "doit être faite depuis une page de Jalon" in refused
    assert "doit être faite depuis une page de Jalon" in refused_out
    assert after == f"{target}/counsellor"
    async with httpx.AsyncClient() as http:
        messages = (await http.get(f"{web_stack.mailbox.url}/messages")).json()
    assert all("victim@example.org" not in m["recipients"] for m in messages)


async def test_wrong_credentials_and_the_wrong_persona_are_refused(
    web_stack: WebStack, browser: webdriver.Chrome
) -> None:
    base = web_stack.base_url

    def attempts() -> tuple[str, str, str]:
        browser.get(f"{base}/counsellor")
        browser.find_element(By.ID, "account_id").send_keys("c-yann-le-goff")
        browser.find_element(By.ID, "password").send_keys("wrong")
        submit(browser, "form button")
        password_error = browser.find_element(By.ID, "error").text
        browser.get(f"{base}/beneficiary")
        browser.find_element(By.ID, "email").send_keys("someone@example.org")
        submit(browser, "form[action='/beneficiary/code'] button")
        browser.find_element(By.ID, "code").send_keys("000000")
        submit(browser, "form[action='/beneficiary/verify'] button")
        code_error = browser.find_element(By.ID, "code-error").text
        shoot(browser, "07-wrong-code")
        sign_in_staff(browser, base, "manager", "m-anne-durand")
        browser.get(f"{base}/counsellor")
        persona_error = browser.find_element(By.ID, "error").text
        shoot(browser, "08-wrong-persona")
        browser.get(f"{base}/nowhere")
        shoot(browser, "09-not-found")
        return password_error, code_error, persona_error

    password_error, code_error, persona_error = await in_browser(attempts)
    assert "incorrect" in password_error
    assert "Code incorrect ou expiré" in code_error
    assert "pas accessible avec votre compte" in persona_error


# With intake's contract routes -------------------------------------------------------------


async def test_a_form_with_an_error_keeps_its_values(
    intake_reference: WebStack, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    email = f"typo.{uuid.uuid4().hex[:8]}@example.org"

    def path() -> tuple[str, str, str, bool, str, str]:
        sign_in_beneficiary(browser, stack, email)
        shoot(browser, "10-beneficiary-form")
        fill_request(browser, "Inès", "Moreau", phone="pas un numéro")
        submit_request(browser)
        phone_error = browser.find_element(By.ID, "phone-error").text
        shoot(browser, "11-beneficiary-form-error")
        return (
            phone_error,
            browser.find_element(By.ID, "first_name").get_attribute("value") or "",
            browser.find_element(By.ID, "need").get_attribute("value") or "",
            browser.find_element(
                By.CSS_SELECTOR, "input[name='topics'][value='vae']"
            ).is_selected(),
            Select(browser.find_element(By.ID, "site")).first_selected_option.text,
            browser.find_element(By.ID, "phone").get_attribute("aria-describedby") or "",
        )

    phone_error, first, need, vae, site, described = await in_browser(path)
    assert "numéro de téléphone valide" in phone_error
    assert first == "Inès"
    assert need == "Je voudrais devenir soudeuse."
    assert vae
    assert "Rennes" in site
    assert described == "phone-error"


async def test_beneficiary_then_counsellor_case_page_then_handover_then_manager(
    intake_reference: WebStack, browser: webdriver.Chrome
) -> None:
    stack = intake_reference
    base = stack.base_url
    email = f"ines.{uuid.uuid4().hex[:8]}@example.org"

    def beneficiary() -> str:
        sign_in_beneficiary(browser, stack, email)
        fill_request(browser, "Inès", "Moreau", phone="06 12 34 56 78")
        submit_request(browser)
        done = browser.find_element(By.ID, "done").text
        shoot(browser, "12-beneficiary-submitted")
        sign_out(browser, base)
        return done

    assert "Votre demande est enregistrée" in await in_browser(beneficiary)

    def counsellor_case() -> tuple[str, str, str, list[str]]:
        # Rennes' counsellors share the load; whichever got the case opens it.
        for account in ("c-camille-bernard", "c-louise-martin"):
            sign_in_staff(browser, base, "counsellor", account)
            links = browser.find_elements(By.LINK_TEXT, "Inès Moreau")
            if links:
                break
            sign_out(browser, base)
        shoot(browser, "13-counsellor-caseload")
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.LINK_TEXT, "Inès Moreau").click()
        WebDriverWait(browser, 10).until(replaced(old))
        person = browser.find_element(By.ID, "person").text
        request = browser.find_element(By.ID, "request").text
        history = browser.find_element(By.ID, "history").text
        shoot(browser, "14-counsellor-case")
        # Names sit in Unicode isolates inside <option>, where no element can isolate them.
        choices = [
            o.text.replace("\u2068", "").replace("\u2069", "")
            for o in Select(browser.find_element(By.ID, "to_counsellor_id")).options
        ]
        return person, request, history, choices

    person, request, history, choices = await in_browser(counsellor_case)
    for shown in ("Inès Moreau", email, "06 12 34 56 78", "Téléphone", "Arabe"):
        assert shown in person, shown
    for shown in ("Demandeur d'emploi", "Ouvrier", "soudeuse", "Par téléphone", "le lundi matin"):
        assert shown in request, shown
    assert "Dossier ouvert" in history
    assert re.search(r"\d{1,2} \w+ 20\d\d à \d{1,2} h \d\d", history)
    assert any(re.search(r"Yann Le Goff — Brest — \d+/20", c) for c in choices), choices

    def handover() -> tuple[str, str]:
        Select(browser.find_element(By.ID, "to_counsellor_id")).select_by_visible_text(
            next(
                o.text
                for o in Select(browser.find_element(By.ID, "to_counsellor_id")).options
                if "Yann Le Goff" in o.text
            )
        )
        submit(browser, "form[action$='/reassign'] button")
        done = browser.find_element(By.ID, "done").text
        shoot(browser, "15-counsellor-after-handover")
        sign_out(browser, base)
        sign_in_staff(browser, base, "counsellor", "c-yann-le-goff")
        return done, browser.find_element(By.ID, "caseload").text

    done, yanns = await in_browser(handover)
    assert done == "Le dossier a été transféré."
    assert "Inès Moreau" in yanns

    def manager() -> str:
        sign_out(browser, base)
        sign_in_staff(browser, base, "manager", "m-anne-durand")
        text = browser.find_element(By.ID, "activity").text
        deadline = time.monotonic() + 15
        while "Demandes reçues" not in text and time.monotonic() < deadline:
            time.sleep(0.3)
            browser.refresh()
            text = browser.find_element(By.ID, "activity").text
        shoot(browser, "16-manager")
        return browser.find_element(By.TAG_NAME, "main").text

    page = await in_browser(manager)
    assert "Activité · Bretagne" in page
    assert "Yann Le Goff" in page
    assert "c-yann-le-goff" not in page


async def test_a_beneficiary_erases_their_data_from_their_space(
    intake_reference: WebStack, browser: webdriver.Chrome, mongo: EmbeddedMongo
) -> None:
    stack = intake_reference
    email = f"erase.{uuid.uuid4().hex[:8]}@example.org"

    def erase() -> str:
        sign_in_beneficiary(browser, stack, email)
        fill_request(browser, "Zoé", "Garnier")
        submit_request(browser)
        browser.find_element(By.ID, "done")
        erase_button = "form[action='/beneficiary/erase'] button"
        # Without the confirmation ticked, the browser's own validation keeps the form unsent.
        browser.find_element(By.CSS_SELECTOR, erase_button).click()
        assert browser.find_elements(By.ID, "done")
        browser.find_element(By.CSS_SELECTOR, "input[name='confirm']").click()
        submit(browser, erase_button)
        return browser.find_element(By.ID, "done").text

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
