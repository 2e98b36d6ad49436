"""Guards: arrays read from globals and closures are inputs read by reference, and
rebinding the name traces again; NPCOMPILE_LOG logs as it happens."""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_same

W = np.arange(3.0)


def uses_global(x):
    return x * W


def test_a_global_array_mutated_in_place_gives_the_mutated_answer():
    cf = np_compile(uses_global)
    x = np.ones(3)
    assert_same(cf(x), uses_global(x))
    W[1] = 10.0
    assert_same(cf(x), uses_global(x))
    assert cf.cache_info()["traces"] == 1


def test_a_global_array_rebound_between_calls_gives_the_new_arrays_answer():
    global W
    saved = W
    try:
        cf = np_compile(uses_global)
        x = np.ones(3)
        assert_same(cf(x), uses_global(x))
        W = np.array([5.0, 6.0, 7.0])
        assert_same(cf(x), uses_global(x))
        W = np.array([1, 2, 3], dtype=np.int32)  # a new dtype too
        assert_same(cf(x), uses_global(x))
        assert cf.cache_info()["traces"] == 3
    finally:
        W = saved


def test_a_closure_array_rebound_between_calls_traces_again():
    k = np.full(2, 2.0)

    def f(x):
        return x + k

    cf = np_compile(f)
    assert_same(cf(np.zeros(2)), f(np.zeros(2)))
    k = np.full(2, -1.0)  # noqa: F841 -- rebinds the cell f reads
    assert_same(cf(np.zeros(2)), f(np.zeros(2)))
    assert cf.cache_info()["traces"] == 2


def test_explain_reports_a_break_with_its_reason_and_line():
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", npcompile.NpCompileWarning)
        text = np_compile(f).explain(np.ones(2))
    assert "graph break" in text and "bool()" in text
    assert f":{f.__code__.co_firstlineno + 1}" in text


def test_npcompile_log_writes_breaks_recompiles_graphs_and_plans_to_stderr():
    program = textwrap.dedent(
        """
        import warnings
        import numpy as np
        from npcompile import np_compile
        warnings.simplefilter("ignore")

        @np_compile
        def f(x):
            return np.sin(x) * 2.0 + x

        @np_compile
        def g(x):
            return x.tolist()

        f(np.ones(3)); f(np.ones(3)); f(np.ones(4)); g(np.ones(2))
        """
    )
    env = dict(os.environ, NPCOMPILE_LOG="breaks,recompiles,graph,plan")
    err = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True).stderr
    assert err.count("[npcompile recompiles] tracing f") == 2
    assert "[npcompile graph] graph f(%x: f64[3])" in err
    assert "[npcompile plan]" in err and "AddCMul" in err
    assert "[npcompile breaks]" in err and ".tolist()" in err


SCALE = 2.0


def uses_global_scalar(x):
    return x * SCALE


def test_a_global_python_scalar_rebound_between_calls_traces_again():
    global SCALE
    cf = np_compile(uses_global_scalar)
    x = np.arange(3.0)
    try:
        assert_same(cf(x), uses_global_scalar(x))
        SCALE = 3.5
        assert_same(cf(x), uses_global_scalar(x))
    finally:
        SCALE = 2.0
    assert cf.cache_info()["traces"] == 2


def helper(x):
    return x + SCALE


def test_globals_read_by_called_helpers_are_guarded_too():
    global SCALE
    cf = np_compile(lambda x: helper(x) * 2)
    x = np.arange(3.0)
    try:
        assert_same(cf(x), (x + SCALE) * 2)
        SCALE = -1.0
        assert_same(cf(x), (x + SCALE) * 2)
    finally:
        SCALE = 2.0


COUNT = 0


def counts_calls(x):
    global COUNT
    COUNT += 1  # breaks: a side effect a plan would skip
    return x + 1


@pytest.mark.allow_fallback
def test_a_function_that_assigns_a_global_runs_under_numpy_every_call():
    global COUNT
    COUNT = 0
    cf = np_compile(counts_calls)
    with pytest.warns(npcompile.NpCompileWarning, match="assigns the global 'COUNT'"):
        cf(np.ones(2))
    cf(np.ones(2))
    cf(np.ones(2))
    assert COUNT == 3  # as under NumPy: the trace's own assignment is undone
