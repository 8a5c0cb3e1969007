"""Timing helper shared by the benchmark scripts."""

import statistics
import time


def median_ms(func, runs=5):
    """Median wall time of ``runs`` calls of ``func``, in milliseconds."""
    timings = []
    for _i in range(runs):
        start = time.perf_counter()
        func()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)
