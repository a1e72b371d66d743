#!/usr/bin/env python3
"""Decrypts one Lethe field from the master key alone, following docs/encryption.md byte by byte.

Written independently of the Swift code, with Python's `cryptography` package, to prove the document
is enough. Reads one JSON object on stdin:
  master_key (base64, 32 bytes), master_version, customer_id, key_id, key_version, wrapped (base64),
  record, field, ciphertext (base64), and for a row-bound value (format 0x02) row (base64: the row's
  seal_ref, or the UTF-8 of its id for requests, legal holds and recipients)
and prints the plaintext (UTF-8). Exits 1 with a message if anything fails to authenticate.
"""
import base64
import json
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def lp(text) -> bytes:
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    return struct.pack(">I", len(data)) + data


def unwrap_data_key(master_key: bytes, master_version: int, customer_id: str, key_id: int, key_version: int,
                    wrapped: bytes) -> bytes:
    aad = b"lethe/dek/v1" + struct.pack(">I", master_version) + lp(customer_id) + struct.pack(">IH", key_id, key_version)
    nonce, sealed = wrapped[:12], wrapped[12:]
    return AESGCM(master_key).decrypt(nonce, sealed, aad)


def decrypt_field(data_key: bytes, customer_id: str, record: str, field: str, ciphertext: bytes,
                  row: bytes | None = None) -> bytes:
    if len(ciphertext) < 35:
        raise ValueError("shorter than the 35-byte overhead")
    header = ciphertext[:7]
    if header[0] == 0x01:
        aad = b"lethe/field/v1" + header + lp(record) + lp(field) + lp(customer_id)
    elif header[0] == 0x02:
        if row is None:
            raise ValueError("a row-bound value needs its row")
        aad = b"lethe/field/v2" + header + lp(record) + lp(field) + lp(customer_id) + lp(row)
    else:
        raise ValueError(f"unknown format 0x{header[0]:02x}")
    nonce, sealed = ciphertext[7:19], ciphertext[19:]
    return AESGCM(data_key).decrypt(nonce, sealed, aad)


def main() -> int:
    doc = json.load(sys.stdin)
    try:
        dek = unwrap_data_key(base64.b64decode(doc["master_key"]), doc["master_version"], doc["customer_id"],
                              doc["key_id"], doc["key_version"], base64.b64decode(doc["wrapped"]))
        ciphertext = base64.b64decode(doc["ciphertext"])
        key_id, key_version = struct.unpack(">IH", ciphertext[1:7])
        if (key_id, key_version) != (doc["key_id"], doc["key_version"]):
            raise ValueError("the ciphertext names another data key")
        row = base64.b64decode(doc["row"]) if doc.get("row") is not None else None
        plaintext = decrypt_field(dek, doc["customer_id"], doc["record"], doc["field"], ciphertext, row)
    except (InvalidTag, ValueError) as error:
        print(f"decryption failed: {type(error).__name__} {error}", file=sys.stderr)
        return 1
    sys.stdout.write(plaintext.decode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
