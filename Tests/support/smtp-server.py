#!/usr/bin/env python3
"""A real SMTP server on loopback for the SMTP transport's tests (aiosmtpd).

    smtp-server.py FOLDER MODE

MODE is `starttls` (STARTTLS required, AUTH PLAIN/LOGIN as lethe / s3cret only after TLS, with a
self-signed certificate for 127.0.0.1 written to FOLDER/cert.pem), `plain` (no TLS offered, no AUTH)
or `silent` (accepts connections and never answers). Each accepted message is written to
FOLDER/<n>.eml, preceded by X-Test-* lines saying what the session looked like: envelope sender and
recipients, whether TLS was on, and who authenticated. A recipient starting with `bounce` is refused
with 550 5.1.1, one starting with `later` with 451 4.3.0. Prints `READY <port>` once listening.
"""
import asyncio
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

folder, mode = sys.argv[1], sys.argv[2]
# The test process may ignore SIGTERM, and children inherit that: take the default back, and also end
# when the test closes our input (or dies), so no server outlives its test.
signal.signal(signal.SIGTERM, signal.SIG_DFL)


def end_with_input():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=end_with_input, daemon=True).start()
os.makedirs(folder, exist_ok=True)
counter = itertools.count(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.login_data
        if isinstance(login, bytes):
            login = login.decode()
        lines = [
            "X-Test-Mail-From: %s" % envelope.mail_from,
            "X-Test-Rcpt-To: %s" % ",".join(envelope.rcpt_tos),
            "X-Test-TLS: %s" % ("yes" if session.ssl else "no"),
            "X-Test-Auth: %s" % (login or "none"),
        ]
        path = os.path.join(folder, "%d.eml" % next(counter))
        with open(path + ".tmp", "wb") as out:
            out.write(("\r\n".join(lines) + "\r\n").encode())
            out.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"lethe" and auth_data.password == b"s3cret"
    # handled=False: aiosmtpd answers 535 itself; auth_data: the session remembers who signed in.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


async def silent(port):
    async def hold(reader, writer):
        await asyncio.sleep(3600)

    server = await asyncio.start_server(hold, "127.0.0.1", port)
    print("READY %d" % port, flush=True)
    async with server:
        await server.serve_forever()


port = free_port()
if mode == "silent":
    asyncio.run(silent(port))
    sys.exit(0)

kwargs = {}
if mode == "starttls":
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    kwargs = dict(tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True,
                  authenticator=authenticator)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("READY %d" % port, flush=True)
threading.Event().wait()  # until the test closes our input or ends
