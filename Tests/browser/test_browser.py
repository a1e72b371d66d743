"""Browser tests: an officer and customers using a real `lethe serve --demo` in headless Chromium.

Environment (set by run.sh): LETHE_URL, LETHE_PASSWORD (the demo officer's), LETHE_AGENT_TOKEN and
LETHE_OFFICER_TOKEN (set-up calls only), LETHE_MAIL_FOLDER (codes), LETHE_SCREENSHOTS, LETHE_DOWNLOADS.
"""
import json
import os
import re
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

URL = os.environ["LETHE_URL"]
MAIL = Path(os.environ["LETHE_MAIL_FOLDER"])
SHOTS = Path(os.environ["LETHE_SCREENSHOTS"])
DOWNLOADS = Path(os.environ["LETHE_DOWNLOADS"])


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(DOWNLOADS), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(2)
    return driver


def api(method, path, token, body=None):
    request = urllib.request.Request(
        URL + "/api/v1" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def latest_code(email, after):
    """The code in the newest message to `email` written after `after` (the mail folder is the outbox's)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        newest = None
        for path in MAIL.glob("*.eml"):
            if path.stat().st_mtime < after:
                continue
            text = path.read_text(errors="replace")
            match = re.search(r"(?:is|code:) (\d{6})\b", text)
            if email in text and match and (newest is None or path.stat().st_mtime >= newest[0]):
                newest = (path.stat().st_mtime, match.group(1))
        if newest:
            return newest[1]
        time.sleep(0.3)
    raise AssertionError(f"no code reached the mail folder for {email}")


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def wait_for(driver, predicate, what, seconds=40):
    deadline = time.time() + seconds
    while time.time() < deadline:
        driver.refresh()
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def until(predicate, what, seconds=10):
    """Waits for the page a click led to (a click returns before the navigation ends)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def status_of(driver):
    return driver.find_element(By.ID, "status").get_attribute("data-status")


def officer_works_a_request(driver):
    driver.get(URL + "/dashboard")
    assert "/login" in driver.current_url, "the dashboard sends a stranger to sign in"
    driver.find_element(By.ID, "username").send_keys("officer")
    driver.find_element(By.ID, "password").send_keys(os.environ["LETHE_PASSWORD"])
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: driver.current_url.endswith("/dashboard"), "the queue after signing in")
    assert driver.find_elements(By.CSS_SELECTOR, ".badge.overdue"), "the demo queue shows overdue requests"
    shot(driver, "dashboard-queue")
    # Filter the queue to verified deactivations and take the most urgent.
    driver.get(URL + "/dashboard?status=verified&kind=deactivation")
    link = driver.find_element(By.CSS_SELECTOR, "table.queue tbody a")
    request_id = link.text
    link.click()
    until(lambda: request_id in driver.find_element(By.TAG_NAME, "h1").text, "the request page")
    assert request_id in driver.find_element(By.TAG_NAME, "h1").text
    assert "Respond by" in driver.page_source and "Art" in driver.page_source, "deadlines carry citations"
    shot(driver, "dashboard-request")
    driver.find_element(By.ID, "approve").click()
    wait_for(driver, lambda: driver.find_element(By.ID, "status").text == "completed", f"{request_id} completed")
    assert "completed" in driver.find_element(By.CSS_SELECTOR, "ol.timeline").text
    driver.get(URL + "/dashboard/load")
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart"), "the load chart renders"
    shot(driver, "dashboard-load")
    driver.get(URL + f"/dashboard/requests/{request_id}/dossier")
    assert "verified intact" in driver.page_source
    print(f"ok: officer approved {request_id} from the queue and it completed")


def customer_deletes_then_cancels(driver, email):
    driver.get(URL + "/privacy")
    shot(driver, "privacy-center")
    driver.find_element(By.ID, "kind-deletion").click()
    driver.find_element(By.ID, "email").send_keys(email)
    Select(driver.find_element(By.ID, "region")).select_by_value("uk-gdpr")
    started = time.time() - 1
    driver.find_element(By.CSS_SELECTOR, "form[action='/privacy/requests'] button").click()
    until(lambda: driver.current_url.endswith("/verify"), "the code page")
    # Keyboard only: the code field has focus, Enter submits.
    enter_code(driver, email, started)
    until(lambda: status_of(driver) == "verified", "the verified request")
    driver.find_element(By.ID, "cancel").click()
    until(lambda: status_of(driver) == "cancelled", "the cancelled request")
    print("ok: customer asked for deletion, confirmed with the emailed code, and cancelled it")


def customer_downloads_export(driver, email):
    driver.get(URL + "/privacy/account")
    shot(driver, "privacy-account")
    request_id = request_and_confirm(driver, "export", email)
    api("POST", f"/requests/{request_id}/approve", os.environ["LETHE_OFFICER_TOKEN"])
    wait_for(driver, lambda: bool(driver.find_elements(By.ID, "download")), "the export bundle", seconds=60)
    shot(driver, "privacy-request")
    driver.find_element(By.ID, "download").click()
    # Chromium may show the final name before the last bytes are written: wait for a whole ZIP.
    deadline = time.time() + 30
    bundles = []
    while time.time() < deadline:
        partial = list(DOWNLOADS.glob("*.crdownload"))
        bundles = [p for p in DOWNLOADS.glob("*.zip") if not partial and zipfile.is_zipfile(p)]
        if bundles:
            break
        time.sleep(0.3)
    assert bundles, f"the bundle was downloaded whole: {sorted(p.name for p in DOWNLOADS.iterdir())}"
    with zipfile.ZipFile(bundles[0]) as archive:
        names = archive.namelist()
        assert any(name.endswith(".json") for name in names), names
        assert email in "".join(archive.read(n).decode(errors="replace") for n in names if n.endswith(".json"))
    print(f"ok: customer downloaded the export of {request_id} ({len(names)} files)")


def enter_code(driver, email, started):
    """Types the code mailed to `email` since `started` into the code field and submits it."""
    code = driver.find_element(By.ID, "code")
    code.send_keys(latest_code(email, started))
    code.submit()


def sign_in(driver, email):
    """Signs in to the privacy center with a code from the mail folder; returns the page it led to."""
    driver.get(URL + "/privacy")
    started = time.time() - 1
    driver.find_element(By.ID, "signin-email").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "form[action='/privacy/code'] button").click()
    until(lambda: driver.find_elements(By.ID, "code"), "the sign-in code page")
    enter_code(driver, email, started)


def request_and_confirm(driver, kind, email):
    """From the signed-in account page: asks for `kind`, confirms with the emailed code; the request id."""
    driver.get(URL + "/privacy/account")
    driver.find_element(By.ID, f"kind-{kind}").click()
    started = time.time() - 1
    driver.find_element(By.CSS_SELECTOR, "form[action='/privacy/requests'] button").click()
    until(lambda: driver.current_url.endswith("/verify"), "the code page")
    enter_code(driver, email, started)
    until(lambda: status_of(driver) == "verified", f"the verified {kind}")
    return driver.find_element(By.TAG_NAME, "h1").text.split()[-1]


def customer_deactivates_then_reactivates(driver, email):
    sign_in(driver, email)
    until(lambda: driver.current_url.endswith("/privacy/account"), "the account page")
    request_id = request_and_confirm(driver, "deactivation", email)
    api("POST", f"/requests/{request_id}/approve", os.environ["LETHE_OFFICER_TOKEN"])
    # The worker deactivates the account, and the session opened before ends with it.
    deadline = time.time() + 60
    while True:
        driver.get(URL + "/privacy/account")
        if driver.current_url.rstrip("/").endswith("/privacy"):
            break
        assert time.time() < deadline, "the session outlived the deactivation"
        time.sleep(0.5)
    # Signing in again gets no session, but the page says what remains and offers reactivation.
    sign_in(driver, email)
    until(lambda: "Your account is deactivated" in driver.page_source, "the deactivated page")
    shot(driver, "privacy-deactivated")
    driver.get(URL + "/privacy/account")
    assert driver.current_url.rstrip("/").endswith("/privacy"), "a deactivated account got a session"
    sign_in(driver, email)
    until(lambda: "Your account is deactivated" in driver.page_source, "the deactivated page again")
    started = time.time() - 1
    driver.find_element(By.CSS_SELECTOR, "form[action='/privacy/reactivate'] button").click()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "form[action='/privacy/reactivate/confirm']"), "the code page")
    enter_code(driver, email, started)
    until(lambda: "/privacy/account" in driver.current_url, "the account page after reactivating")
    assert "Your account is active again" in driver.page_source
    print(f"ok: customer deactivated the account ({request_id}), was signed out, and reactivated it by code")


def customer_reads_a_denial(driver, email):
    request_id = request_and_confirm(driver, "export", email)
    api(
        "POST",
        f"/requests/{request_id}/deny",
        os.environ["LETHE_OFFICER_TOKEN"],
        {"basis": "exemption", "reason": "Invoices must be kept for 6 years (tax law)."},
    )
    wait_for(driver, lambda: status_of(driver) == "denied", f"{request_id} denied")
    page = driver.page_source
    assert "Invoices must be kept for 6 years" in page, "the denial gives the officer's reason"
    assert "complain to" in page and "Information Commissioner" in page, "the denial names the complaint route"
    assert "(exemption)" not in page, "no slugs"
    shot(driver, "privacy-denied")
    print(f"ok: customer read why {request_id} was refused and where to complain")


def main():
    email = f"browser.customer.{int(time.time())}@example.com"
    api(
        "POST",
        "/accounts",
        os.environ["LETHE_AGENT_TOKEN"],
        {"fullName": "Bea Browser", "email": email, "residence": "uk-gdpr", "dateOfBirth": "1984-05-06"},
    )
    second = f"browser.second.{int(time.time())}@example.com"
    api(
        "POST",
        "/accounts",
        os.environ["LETHE_AGENT_TOKEN"],
        {"fullName": "Cai Browser", "email": second, "residence": "uk-gdpr", "dateOfBirth": "1990-01-02"},
    )
    officer = browser()
    customer = browser()
    try:
        officer_works_a_request(officer)
        customer_deletes_then_cancels(customer, email)
        customer_downloads_export(customer, email)
        customer.delete_all_cookies()
        customer_deactivates_then_reactivates(customer, second)
        customer_reads_a_denial(customer, second)
    except Exception:
        for name, driver in (("failure-officer", officer), ("failure-customer", customer)):
            shot(driver, name)
        raise
    finally:
        officer.quit()
        customer.quit()


if __name__ == "__main__":
    main()
    sys.exit(0)
