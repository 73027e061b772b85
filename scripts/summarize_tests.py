#!/usr/bin/env python3
"""Reads a meson testlog.json and prints 'LABEL suites PASSED FAILED SKIPPED'."""
import json
import sys

path, label = sys.argv[1], sys.argv[2]
passed = failed = skipped = 0
try:
    with open(path) as f:
        for line in f:
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
except OSError:
    failed += 1
print(f"{label} tests {passed} {failed} {skipped}")
