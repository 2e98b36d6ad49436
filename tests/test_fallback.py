"""Nothing silently wrong: what npcompile cannot compile runs under NumPy, with one
warning, and a user's `except Exception` cannot hide a graph break."""

import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_same


def guarded(x):
    try:
        y = float(x.sum())  # needs the value: a graph break
    except Exception:
        y = -1.0  # the branch a swallowed break would trace
    return x * y


@pytest.mark.allow_fallback
def test_a_users_except_exception_does_not_swallow_a_graph_break():
    x = np.arange(4.0)
    with pytest.warns(npcompile.NpCompileWarning, match="float"):
        out = np_compile(guarded)(x)
    assert_same(out, guarded(x))


@pytest.mark.allow_fallback
def test_a_dtype_the_backend_lacks_falls_back_once_with_numpys_answer():
    # tch 0.24 has no uint16 kind: the graph records but cannot be lowered.
    def f(x):
        return x + x

    cf = np_compile(f)
    x = np.array([1, 2, 65535], dtype=np.uint16)
    with pytest.warns(npcompile.NpCompileWarning, match="could not compile"):
        out = cf(x)
    assert_same(out, f(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(cf(x), f(x))
    info = cf.cache_info()
    assert info["fallbacks"] == 1 and info["traces"] == 1


def test_a_dtype_the_backend_lacks_raises_with_fullgraph():
    cf = np_compile(fullgraph=True)(lambda x: x + x)
    with pytest.raises(npcompile.GraphBreakError, match="could not compile"):
        cf(np.array([1, 2], dtype=np.uint32))
