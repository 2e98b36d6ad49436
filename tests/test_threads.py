"""Tracing is per thread and patches nothing global: two threads tracing at once
(with creation calls that the tracing namespace intercepts) do not see each other,
and NumPy outside a trace stays NumPy."""

import threading
import warnings

import numpy as np

import npcompile
from npcompile import np_compile

from conftest import assert_same


def grid(x, n):
    z = np.zeros((n, n))
    for i in range(n):
        z[i] = x * i
    return z


def ramp(x):
    r = np.arange(x.shape[0]) * 1.0
    r += x
    return r


def test_two_threads_trace_at_once():
    results, errors = {}, []
    barrier = threading.Barrier(2)

    def work(name, fn, *args):
        try:
            barrier.wait()
            with warnings.catch_warnings():
                warnings.simplefilter("error", npcompile.NpCompileWarning)
                for k in range(5):
                    results[name, k] = np_compile(fn)(*args)
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    x = np.arange(4.0)
    threads = [
        threading.Thread(target=work, args=("grid", grid, x, 4)),
        threading.Thread(target=work, args=("ramp", ramp, x)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k in range(5):
        assert_same(results["grid", k], grid(x, 4))
        assert_same(results["ramp", k], ramp(x))
    # NumPy itself was never patched.
    assert type(np.zeros(2)) is np.ndarray
