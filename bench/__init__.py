"""Benchmarks (speed, memory) — not tests. `python -m bench run --chunks N --json`."""
