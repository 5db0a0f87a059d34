#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: install the
# conformance suite from the wheel in this bundle. NumPy is its only dependency
# (the verdicts come from the golden cases, no torch or TensorFlow).
# AUTOGRADER_ROOT (default /autograder), AUTOGRADER_PYTHON (default python3)
# and AUTOGRADER_PIP_OPTIONS (extra pip options) let a test run it elsewhere.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null || ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-pip
fi
# bubblewrap lets the judge sandbox the student's code inside the container where the
# container allows namespaces; without it the judge falls back to resource limits.
if ! command -v bwrap >/dev/null && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq bubblewrap) || echo "bubblewrap not installed: resource limits only"
fi
# shellcheck disable=SC2086  # the options are words on purpose
"$PYTHON" -m pip install ${AUTOGRADER_PIP_OPTIONS:-} "$ROOT"/source/dist/*
