#!/usr/bin/env python3
"""An authorized agent speaking the Data Rights Protocol 1.0, signing with PyNaCl (libsodium): an
implementation independent of Lethe's OpenSSL verification, used by the tests to drive `lethe serve`.

    python3 drp_agent.py pubkey SEED_B64
        prints the base64 verify key of the 32-byte seed (as PyNaCl's SigningKey keeps it)
    python3 drp_agent.py call JSON_SPEC
        makes one HTTP call and prints {"status": int, "body": str, "json": object|null}

The spec names: base, method, path, token (bearer, optional), seed (signs `message`), message (an
object, signed as Python's json.dumps writes it, the way the consortium's reference agent does),
and the test knobs: urlsafe (base64 flavour), unpadded, tamper (flip a bit of the message after
signing), raw (send this text as the body instead), content_type (default text/plain; null for none).
"""
import base64
import json
import sys
import urllib.error
import urllib.request

import nacl.signing


def signed_body(seed_b64, message, urlsafe=False, unpadded=False, tamper=False):
    key = nacl.signing.SigningKey(base64.b64decode(seed_b64))
    data = json.dumps(message).encode("utf-8")
    combined = bytearray(key.sign(data))  # signature (64 bytes) followed by the message: libsodium combined mode
    if tamper:
        combined[-2] ^= 0x01
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(bytes(combined)).decode("ascii")
    return encoded.rstrip("=") if unpadded else encoded


def call(spec):
    body = None
    if spec.get("raw") is not None:
        body = spec["raw"].encode("utf-8")
    elif spec.get("message") is not None:
        body = signed_body(spec["seed"], spec["message"], spec.get("urlsafe", False),
                           spec.get("unpadded", False), spec.get("tamper", False)).encode("ascii")
    request = urllib.request.Request(spec["base"] + spec["path"], data=body, method=spec["method"])
    if spec.get("token"):
        request.add_header("Authorization", "Bearer " + spec["token"])
    content_type = spec.get("content_type", "text/plain")
    if body is not None and content_type is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return {"status": status, "body": text, "json": parsed}


if __name__ == "__main__":
    if sys.argv[1] == "pubkey":
        key = nacl.signing.SigningKey(base64.b64decode(sys.argv[2]))
        print(base64.b64encode(bytes(key.verify_key)).decode("ascii"))
    elif sys.argv[1] == "call":
        print(json.dumps(call(json.loads(sys.argv[2]))))
    else:
        sys.exit("usage: drp_agent.py pubkey SEED_B64 | call JSON_SPEC")
