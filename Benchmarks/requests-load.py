#!/usr/bin/env python3
"""Complete privacy requests driven through a running `lethe serve`, from first submit to last effect.

Called by requests-load.sh, which starts the server; not part of CI. For one kind at a time it:
  1. submits one request per account over the JSON API (`clients` connections at once),
  2. reads each request's code from the mail folder and verifies with it, then approves,
  3. waits until every request is completed by the server's worker (the bundle written for an export,
     the account erased and the receipt written for a deletion),
  4. checks that every request ended exactly once: one transition to `completed` in its timeline, one
     `request.completed` entry in the audit trail, one bundle and one completion notice in the mail
     folder for an export, one deletion receipt and one `account.erased` entry (and no account row
     left) for a deletion.
With `--kind gpc` it drives opt-outs by Global Privacy Control instead: each customer asks the privacy
center for a sign-in code, signs in with the code from the mail folder, and opens their account page
with `Sec-GPC: 1` (the page view is the opt-out, 11 CCR §7025), then opens it again; afterwards every
account must hold exactly one opt-out request, completed once (or none, when every purpose the signal
withdraws was already withdrawn), and no purpose the signal covers may still be granted.
It prints one JSON line with the counts, the timings and the rates. Uses only the standard library.
"""

import argparse
import collections
import http.client
import json
import pathlib
import re
import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlparse

REQUEST_ID = re.compile(r"R-\d{8}-[A-Z0-9]{8}")


class KeepAlive:
    """One keep-alive connection per client thread, opened again (up to three tries) when the server drops it."""

    def __init__(self, url):
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.local = threading.local()

    def send(self, method, path, body, headers):
        for attempt in range(3):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response, response.read()
            except (http.client.HTTPException, ConnectionError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise


class API(KeepAlive):
    """The staff JSON API, with the officer's token."""

    def __init__(self, url, token):
        super().__init__(url)
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def call(self, method, path, body=None, headers=None):
        response, data = self.send(
            method, "/api/v1" + path, json.dumps(body) if body is not None else None, {**self.headers, **(headers or {})}
        )
        return response.status, (json.loads(data) if data else {})


class Browser(KeepAlive):
    """The privacy center as a customer's browser sees it: forms, redirects not followed. The session cookie
    is the caller's to keep and send."""

    def call(self, method, path, form=None, headers=None):
        extra = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        response, data = self.send(
            method, "/privacy" + path, urlencode(form) if form is not None else None, {**extra, **(headers or {})}
        )
        return response.status, response.getheader("Set-Cookie") or "", data.decode()


class Mail:
    """The mail folder, read incrementally: message kind and request id of every file seen."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.seen = set()
        self.codes = {}
        self.sign_in_codes = {}
        self.kinds = collections.Counter()

    def scan(self):
        for path in self.folder.glob("*.eml"):
            if path.name in self.seen:
                continue
            text = path.read_text(errors="replace")
            kind = re.search(r"^X-Lethe-Kind: (\S+)", text, re.M)
            request = REQUEST_ID.search(text)
            if not kind:
                continue  # still being written: read it on the next pass
            self.seen.add(path.name)
            if kind.group(1) == "sign-in-code":
                to = re.search(r"^To: (\S+)", text, re.M)
                code = re.search(r" is (\d{6})\.", text)
                if to and code:
                    self.sign_in_codes[to.group(1)] = code.group(1)
            if request:
                self.kinds[(request.group(0), kind.group(1))] += 1
                code = re.search(r" is (\d{6})\.", text)
                if kind.group(1) == "verification-code" and code:
                    self.codes[request.group(0)] = code.group(1)


def run_all(pool, function, items):
    return list(pool.map(function, items))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mail", required=True)
    parser.add_argument("--database", required=True, help="the server's SQLite file, read only")
    parser.add_argument("--kind", choices=["export", "deletion", "gpc"], required=True)
    parser.add_argument("--accounts", required=True, help="a file with one account id per line")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--purposes", help="Policies/purposes.yaml, for --kind gpc: the purposes the signal withdraws")
    arguments = parser.parse_args()

    api = API(arguments.url, arguments.token)
    mail = Mail(arguments.mail)
    mail.scan()
    accounts = pathlib.Path(arguments.accounts).read_text().split()
    database = sqlite3.connect(f"file:{arguments.database}?mode=ro", uri=True)
    pool = ThreadPoolExecutor(arguments.clients)
    problems = []

    if arguments.kind == "gpc":
        return opt_outs(arguments, api, mail, accounts, database, pool, problems)

    started = time.monotonic()

    def submit(account):
        status, body = api.call(
            "POST",
            "/requests",
            {"kind": arguments.kind, "account": account},
            {"Idempotency-Key": f"load-{arguments.kind}-{account}"},
        )
        if status != 201 or body.get("outcome") != "created":
            problems.append(f"submit {account}: {status} {body.get('outcome') or body.get('detail')}")
            return None
        return body["id"]

    ids = [request for request in run_all(pool, submit, accounts) if request]
    submitted = time.monotonic()

    # Every code reaches the mail folder through the outbox, after the answer.
    deadline = time.monotonic() + arguments.timeout
    while any(request not in mail.codes for request in ids) and time.monotonic() < deadline:
        time.sleep(0.05)
        mail.scan()
    coded = time.monotonic()

    def verify_and_approve(request):
        code = mail.codes.get(request)
        if code is None:
            problems.append(f"no code for {request}")
            return
        status, body = api.call("POST", f"/requests/{request}/verify", {"code": code})
        if status != 200:
            problems.append(f"verify {request}: {status} {body.get('detail')}")
            return
        status, body = api.call("POST", f"/requests/{request}/approve")
        if status != 200:
            problems.append(f"approve {request}: {status} {body.get('detail')}")

    run_all(pool, verify_and_approve, ids)
    approved = time.monotonic()

    placeholders = ",".join("?" * len(ids))
    completed = 0
    while time.monotonic() < deadline:
        completed = database.execute(
            f"SELECT COUNT(*) FROM privacy_requests WHERE status = 'completed' AND id IN ({placeholders})", ids
        ).fetchone()[0]
        if completed == len(ids):
            break
        time.sleep(0.05)
    finished = time.monotonic()

    # Exactly once, from three sides: the request's own timeline, the notices, the artefacts.
    def check(request):
        status, body = api.call("GET", f"/requests/{request}")
        if status != 200:
            problems.append(f"show {request}: {status}")
            return
        completions = sum(1 for event in body.get("timeline", []) if event.get("to") == "completed")
        if completions != 1:
            problems.append(f"{request}: {completions} transitions to completed")

    run_all(pool, check, ids)
    audited = collections.Counter(
        row[0]
        for row in database.execute(
            f"SELECT subject_id FROM audit_log WHERE action = 'request.completed' AND subject_id IN ({placeholders})",
            ids,
        )
    )
    for request in ids:
        if audited[request] != 1:
            problems.append(f"{request}: {audited[request]} completion entries in the audit trail")
    if arguments.kind == "export":
        # An erasure takes the customer's messages out of the mail folder with the rest of their data,
        # so the notices are counted for exports only.
        # The completion notices leave through the outbox after the commit: wait for them all.
        wait_until = time.monotonic() + 120
        while time.monotonic() < wait_until and any(mail.kinds[(r, "request-completed")] < 1 for r in ids):
            time.sleep(0.2)
            mail.scan()
        time.sleep(1)  # and a moment longer, so that a second copy would be seen too
        mail.scan()
        for request in ids:
            notices = mail.kinds[(request, "request-completed")]
            if notices != 1:
                problems.append(f"{request}: {notices} completion notices")
    if arguments.kind == "export":
        artefacts = dict(
            database.execute(
                f"SELECT request_id, COUNT(*) FROM export_bundles WHERE request_id IN ({placeholders}) GROUP BY 1",
                ids,
            ).fetchall()
        )
    else:
        artefacts = dict(
            database.execute(
                f"SELECT request_id, COUNT(*) FROM deletion_receipts WHERE request_id IN ({placeholders}) GROUP BY 1",
                ids,
            ).fetchall()
        )
        left = database.execute(
            f"SELECT COUNT(*) FROM accounts WHERE id IN ({','.join('?' * len(accounts))})", accounts
        ).fetchone()[0]
        if left:
            problems.append(f"{left} erased accounts still have a row")
        erasures = collections.Counter(
            row[0]
            for row in database.execute(
                f"SELECT subject_id FROM audit_log WHERE action = 'account.erased' AND subject_id IN "
                f"({','.join('?' * len(accounts))})",
                accounts,
            )
        )
        twice = [account for account in accounts if erasures[account] != 1]
        if twice:
            problems.append(f"{len(twice)} accounts not erased exactly once, e.g. {twice[0]}")
    for request in ids:
        if artefacts.get(request, 0) != 1:
            problems.append(f"{request}: {artefacts.get(request, 0)} {'bundles' if arguments.kind == 'export' else 'receipts'}")

    report = {
        "kind": arguments.kind,
        "accounts": len(accounts),
        "submitted": len(ids),
        "completed": completed,
        "submit_seconds": round(submitted - started, 2),
        "codes_seconds": round(coded - submitted, 2),
        "verify_approve_seconds": round(approved - coded, 2),
        "total_seconds": round(finished - started, 2),
        "after_last_approval_seconds": round(finished - approved, 2),
        "completed_per_second": round(completed / (finished - started), 1),
        "completed_per_second_after_approval": round(completed / max(finished - approved, 1e-9), 1),
        "problems": len(problems),
    }
    print(json.dumps(report))
    for problem in problems[:20]:
        print("  problem:", problem, file=sys.stderr)
    pool.shutdown()
    return 1 if problems or completed != len(ids) else 0


def opt_outs(arguments, api, mail, accounts, database, pool, problems):
    """Global Privacy Control: sign in, view the account page with the signal (twice), check the ledger."""
    browser = Browser(arguments.url)
    purposes = [
        match.group(1)
        for match in re.finditer(r"\{id: ([a-z-]+),[^}]*opt-out-signal: true", pathlib.Path(arguments.purposes).read_text())
    ]

    def email(account):  # set-up, not timed: the staff API reveals each address (and audits it)
        status, body = api.call("POST", f"/accounts/{account}/reveal", {"field": "email", "reason": "GPC load run"})
        if status != 200:
            problems.append(f"reveal {account}: {status} {body.get('detail')}")
            return None
        return body["value"]

    emails = dict(zip(accounts, run_all(pool, email, accounts)))
    started = time.monotonic()

    def ask_code(account):
        status, _, _ = browser.call("POST", "/code", {"email": emails[account]})
        if status != 200:
            problems.append(f"code {account}: {status}")

    run_all(pool, ask_code, [account for account in accounts if emails[account]])
    deadline = time.monotonic() + arguments.timeout
    while any(emails[a] and emails[a] not in mail.sign_in_codes for a in accounts) and time.monotonic() < deadline:
        time.sleep(0.05)
        mail.scan()
    coded = time.monotonic()

    def sign_in(account):
        code = mail.sign_in_codes.get(emails[account] or "")
        if code is None:
            problems.append(f"no sign-in code for {account}")
            return None
        status, cookie, _ = browser.call("POST", "/sign-in", {"email": emails[account], "code": code})
        if status != 303 or not cookie:
            problems.append(f"sign-in {account}: {status}")
            return None
        return cookie.split(";", 1)[0]

    cookies = dict(zip(accounts, run_all(pool, sign_in, accounts)))
    signed_in = time.monotonic()

    def view(account):
        if not cookies[account]:
            return
        status, _, page = browser.call("GET", "/account", headers={"Cookie": cookies[account], "Sec-GPC": "1"})
        if status != 200 or "Opt-out request honoured" not in page:
            problems.append(f"account page {account}: {status}, signal not honoured")

    run_all(pool, view, accounts)
    viewed = time.monotonic()
    run_all(pool, view, accounts)  # the same signal again: nothing new may be recorded
    viewed_again = time.monotonic()

    # Exactly once: at most one opt-out request per account, completed once; nothing the signal covers granted.
    placeholders = ",".join("?" * len(accounts))
    requests = collections.defaultdict(list)
    for account, request, status in database.execute(
        f"SELECT account_id, id, status FROM privacy_requests WHERE kind = 'consent-change' AND account_id IN ({placeholders})",
        accounts,
    ):
        requests[account].append((request, status))
    ids = [request for entries in requests.values() for request, _ in entries]
    audited = collections.Counter(
        row[0]
        for row in database.execute(
            f"SELECT subject_id FROM audit_log WHERE action = 'request.completed' AND subject_id IN ({','.join('?' * len(ids))})",
            ids,
        )
    ) if ids else collections.Counter()
    recorded = 0
    for account in accounts:
        entries = requests[account]
        if len(entries) > 1:
            problems.append(f"{account}: {len(entries)} opt-out requests")
        for request, status in entries:
            recorded += 1
            if status != "completed" or audited[request] != 1:
                problems.append(f"{request}: {status}, {audited[request]} completion entries")

    def still_granted(account):
        status, body = api.call("GET", f"/accounts/{account}/consents")
        if status != 200:
            problems.append(f"consents {account}: {status}")
            return
        granted = {purpose for purpose, on in body.get("current", {}).items() if on}
        left = granted.intersection(purposes)
        if left:
            problems.append(f"{account}: still granted after the signal: {sorted(left)}")

    run_all(pool, still_granted, accounts)
    report = {
        "kind": "gpc",
        "accounts": len(accounts),
        "opt_out_requests": recorded,
        "already_opted_out": sum(1 for account in accounts if not requests[account]),
        "codes_seconds": round(coded - started, 2),
        "sign_in_seconds": round(signed_in - coded, 2),
        "signal_seconds": round(viewed - signed_in, 2),
        "signal_again_seconds": round(viewed_again - viewed, 2),
        "total_seconds": round(viewed - started, 2),
        "opt_outs_per_second": round(len(accounts) / max(viewed - signed_in, 1e-9), 1),
        "opt_outs_per_second_with_sign_in": round(len(accounts) / max(viewed - started, 1e-9), 1),
        "problems": len(problems),
    }
    print(json.dumps(report))
    for problem in problems[:20]:
        print("  problem:", problem, file=sys.stderr)
    pool.shutdown()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
