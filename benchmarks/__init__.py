"""Benchmarks (``make bench`` = ``python -m benchmarks [name ...]``).

Each ``benchmarks/bench_<name>.py`` defines ``run() -> list[str]`` and measures the thing and its baseline
side by side in the same run, printing the ratio. No benchmark asserts on time; tests never time anything.
"""
