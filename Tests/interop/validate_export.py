#!/usr/bin/env python3
"""Validates an export bundle's data.json against Exports/schema/export-bundle-v1.schema.json.

    python3 validate_export.py SCHEMA DATA_JSON
Exits 0 when valid; 1 with every error, one per line, when not.
"""
import json
import sys

from jsonschema import Draft202012Validator

schema = json.load(open(sys.argv[1]))
data = json.load(open(sys.argv[2]))
Draft202012Validator.check_schema(schema)
errors = sorted(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(data), key=str)
for error in errors:
    print(f"{'/'.join(map(str, error.absolute_path))}: {error.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
