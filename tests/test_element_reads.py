"""`a[i, j, ...]` with one Python int per axis (indexing._element, the path a
scalar loop's trace mostly takes): NumPy's value and scalar type, out-of-range
IndexError, reads through views of every kind, and reads after writes."""

from __future__ import annotations

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_matches


def reads(a):
    n = a.shape[0]
    return [a[i, j] * 1 for i in range(-n, n) for j in (0, -1, 1)]


@pytest.mark.parametrize("make", [
    lambda: np.arange(12.0).reshape(3, 4),
    lambda: np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    lambda: np.arange(24, dtype=np.int32).reshape(4, 6)[::-1, 1::2],  # a strided view
    lambda: np.arange(12.0).reshape(4, 3).T,  # a transpose
])
def test_elements_of_arrays_of_every_layout(make):
    assert_matches(reads, lambda: (make(),), must_compile=True)


def test_an_element_is_a_numpy_scalar_not_a_view():
    def f(a):
        x = a[1, 2]
        a[1, 2] = 7.0  # the scalar keeps the value it read
        return x, isinstance(x, np.float64), np.ndim(x), a[1, 2] + x, a[0, 0]

    assert_matches(f, lambda: (np.arange(12.0).reshape(3, 4),), must_compile=True)


@pytest.mark.parametrize("index", [(3, 0), (0, -5), (-4, 1)])
def test_an_element_out_of_range_raises_indexerror(index):
    def f(a):
        return a[index]

    assert_matches(f, lambda: (np.zeros((3, 4)),))
    with pytest.raises(IndexError, match="out of bounds for axis"):
        np_compile(f)(np.zeros((3, 4)))


def test_elements_of_one_element_and_3d_arrays():
    def f(a, b):
        return a[0, 0] + b[1, -1, 0], b[0, 0, 1] * a[-1, -1]

    assert_matches(f, lambda: (np.array([[2.5]]), np.arange(12.0).reshape(2, 3, 2)), must_compile=True)


def test_a_sweep_of_element_writes_and_reads():
    def f(A):
        n = A.shape[0]
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                A[i, j] = (A[i - 1, j] + A[i + 1, j] + A[i, j - 1] + A[i, j + 1]) / 4
        return A

    A = np.random.default_rng(0).standard_normal((7, 7))
    assert_matches(f, lambda: (A.copy(),), must_compile=True)


def test_an_element_read_records_a_slice_and_a_reshape():
    # The same graph as the general basic-indexing path: no view ops, no copy.
    text = npcompile.explain(lambda a: a[1, 2] * 2.0, np.zeros((3, 4)))
    traced = text.split("== traced ==")[1].split("==")[0]
    assert "slice[starts=(1,2),lens=(1,1),steps=(1,1)]" in traced and "reshape[shape=()]" in traced


def test_builtin_type_of_traced_values_is_numpys():
    def f(a, b):
        x = a[1, 2]
        out = [type(x) is np.float64, type(a) is np.ndarray, type(a) == np.ndarray, type(x).__name__,
               type(b.sum()) is np.int32, type(3) is int, type("T", (), {}).__name__, type(a[0]) is np.ndarray]
        y = x * 2.0 if type(x) is np.float64 else x
        return out, y

    assert_matches(f, lambda: (np.arange(12.0).reshape(3, 4), np.arange(5, dtype=np.int32)), must_compile=True)


def test_identity_tests_against_numpys_bool_objects_run_under_numpy():
    # NumPy's comparison returns np.True_ or np.False_ themselves: `is` against
    # them depends on the value, which a trace does not know.
    def f(a):
        s = a.sum()
        return (s > 3) is np.True_, np.False_ is not (s < 0), [(v > 1) is np.True_ for v in a[0]]

    def helper(x):
        return x is np.False_

    def g(a):
        return helper(a[0, 0] > 1.0), a * 2.0

    for fn in (f, g):
        for a in (np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3)):
            assert assert_matches(fn, lambda: (a.copy(),)), "compiled an `is` whose answer is known only when run"
