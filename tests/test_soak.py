"""Soaks at a reduced size (the full size runs with NPCOMPILE_SOAK=full, its
numbers are in docs/reliability.md): threads racing on shared compiled
functions (cache hits, misses, recompiles past the cache limit, fallbacks,
in-place writes) with every answer checked against NumPy; resident memory
flat over many calls; the plan cache bounded, emptied by cache_clear and
released with the function."""

import gc
import os
import threading
import warnings
import weakref

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

FULL = os.environ.get("NPCOMPILE_SOAK") == "full"
THREADS, CALLS = 8, (100_000 if FULL else 400)
MEMORY_CALLS = 1_000_000 if FULL else 20_000


def chain(a, b):
    return np.tanh(a) * b + a.sum(axis=0)


def update(a, b):
    a *= 0.5
    a += b
    return a.max()


def branchy(a):
    if a.sum() > 0:  # a graph break: this signature runs under NumPy
        return a * 2
    return a - 1


def shapes(rng):
    n = int(rng.integers(1, 12))  # past the cache limit: misses, evictions, recompiles
    return rng.standard_normal((n, 3)), rng.standard_normal((n, 3))


@pytest.mark.allow_fallback
def test_threads_racing_on_shared_compiled_functions_get_numpys_answers():
    fns = {"chain": np_compile(chain, cache_limit=4), "update": np_compile(update), "branchy": np_compile(branchy)}
    failures, done = [], []

    def worker(seed):
        rng = np.random.default_rng(seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", npcompile.NpCompileWarning)
                for _ in range(CALLS):
                    a, b = shapes(rng)
                    which = ("chain", "update", "branchy")[int(rng.integers(3))]
                    if which == "chain":
                        want, got = chain(a, b), fns["chain"](a, b)
                    elif which == "update":
                        mine, theirs = a.copy(), a.copy()
                        got, want = fns["update"](mine, b), update(theirs, b)
                        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
                    else:
                        want, got = branchy(a), fns["branchy"](a)
                    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
            done.append(seed)
        except Exception as e:  # noqa: BLE001 -- reported below with the thread's seed
            failures.append((seed, repr(e)))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    assert not failures, failures[:3]
    assert sorted(done) == list(range(THREADS))
    assert fns["chain"].cache_info()["entries"] <= 4


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_resident_memory_stays_flat_over_many_calls():
    cf = np_compile(chain)
    a, b = np.random.default_rng(0).standard_normal((2, 64, 64))
    for _ in range(MEMORY_CALLS // 10):  # warm-up: caches, allocator pools
        cf(a, b)
    gc.collect()
    before = rss_bytes()
    for _ in range(MEMORY_CALLS):
        cf(a, b)
    gc.collect()
    after = rss_bytes()
    assert after <= before * 1.05 + (1 << 20), f"resident memory grew from {before} to {after} bytes"


def test_the_plan_cache_is_bounded_cleared_and_released_with_the_function():
    cf = np_compile(chain, cache_limit=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", npcompile.NpCompileWarning)
        for n in range(1, 7):
            cf(np.ones((n, 2)), np.ones((n, 2)))
    assert cf.cache_info()["entries"] <= 3
    cf.cache_clear()
    assert cf.cache_info()["entries"] == 0
    cf(np.ones((2, 2)), np.ones((2, 2)))
    ref = weakref.ref(cf)
    del cf
    gc.collect()
    assert ref() is None, "a compiled function (and its plans) outlived its last reference"
