"""Benchmarks: how fast and how lean `lps ingest` is on a large corpus (not part of the tests).

    .venv/bin/python -m benchmarks.ingest --n 500 --json bench.json     (or `make bench`)
"""
