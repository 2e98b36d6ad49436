"""Writes in place: a write whose old value is dead stores into the array's own
memory (`SliceScatterInPlace`), written arguments are updated in the caller's
memory as the plan runs, and a call that raises still leaves them as they were.
Every case is compared with NumPy running the same function."""

from __future__ import annotations

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_matches, assert_same


def gauss_seidel(A, steps):
    n = A.shape[0]
    for _ in range(steps):
        for i in range(1, n - 1):
            A[i, 1:-1] += A[i - 1, 1:-1] + A[i + 1, 1:-1]
            for j in range(1, n - 1):
                A[i, j] += A[i, j - 1]
                A[i, j] /= 9.0


def plan_of(fn, *args):
    return npcompile.explain(fn, *args).split("== plan")[1]


def test_element_writes_in_a_sweep_copy_nothing_whole():
    A = np.random.default_rng(0).random((6, 6))
    assert_matches(gauss_seidel, lambda: (A.copy(), 2), must_compile=True)
    plan = plan_of(gauss_seidel, A.copy(), 2)
    # Every write stores into the argument's memory: no whole-array copy.
    assert "SliceScatter(" not in plan
    assert plan.count("SliceScatterInPlace(") == 2 * 4 * (1 + 2 * 4)
    assert "written in place: s0" in plan


def test_augmented_assignment_to_a_slice_stores_once():
    def f(a, b):
        a[1:3] += b
        return a.sum()

    plan = plan_of(f, np.zeros(5), np.ones(2))
    assert plan.count("SliceScatter") == 1
    assert_matches(f, lambda: (np.arange(5.0), np.ones(2)), must_compile=True)


def test_a_local_array_is_written_in_place_when_its_old_value_is_dead():
    def f(x):
        a = x * 2.0
        a[0] = 7.0
        a[2:] = a[2:] * 3.0
        return a

    plan = plan_of(f, np.arange(5.0))
    assert plan.count("SliceScatterInPlace(") == 2
    assert_matches(f, lambda: (np.arange(5.0),), must_compile=True)


def test_a_write_while_the_old_value_is_still_read_copies():
    def f(x):
        a = x * 2.0
        old = a + 0.0  # reads a before the write, after it in the plan's order
        a[0] = 7.0
        return old + a, a

    assert_matches(f, lambda: (np.arange(4.0),), must_compile=True)

    def g(x):
        a = x * 2.0
        snapshot = a[1:3].copy()
        a[1:3] = 0.0
        return a, snapshot * a[0]

    assert_matches(g, lambda: (np.arange(4.0),), must_compile=True)


def test_overlapping_source_and_destination():
    def f(x):
        a = x + 1.0
        a[1:] = a[:-1]
        b = x + 1.0
        b[:-1] = b[1:]
        return a, b

    assert_matches(f, lambda: (np.arange(6.0),), must_compile=True)

    def g(x):
        x[1:] = x[:-1]
        x[::2] = x[1::2] * 2
        return x.sum()

    assert_matches(g, lambda: (np.arange(8.0),), must_compile=True)


def test_a_written_argument_with_length_one_axes():
    # A length-1 axis's stride steps nowhere: the plan's view of the argument
    # is its memory whatever stride it has there.
    def f(b):
        b[None] = 3

    assert_matches(f, lambda: (np.array([0, 0], dtype=np.int64).reshape((1, 2)),), must_compile=True)
    assert_matches(f, lambda: (np.zeros((1, 3, 1)),), must_compile=True)


@pytest.mark.parametrize("make", [
    lambda: np.arange(12.0)[::-1],               # negative strides: the plan runs on a copy
    lambda: np.arange(24.0).reshape(4, 6)[:, ::2],  # strided view of a bigger array
    lambda: np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    lambda: np.arange(12, dtype=np.uint16),
    lambda: np.float64(3.0),
])
def test_written_arguments_of_every_layout(make):
    def f(a):
        a[...] = a * 2 + 1
        if a.ndim:
            a[0] = 1
        return a.sum()

    assert_matches(f, lambda: (make(),))


def test_written_globals_in_place():
    state = {"g": np.arange(5.0)}
    exec_globals = {"np": np, "G": state["g"]}
    exec("def f(x):\n    G[1:3] += x\n    return G.sum()\n", exec_globals)
    f = exec_globals["f"]
    cf = np_compile(f)
    expected = np.arange(5.0)
    for _ in range(3):
        expected[1:3] += 1.0
        assert_same(cf(np.ones(2)), expected.sum())
        assert_same(exec_globals["G"], expected)


def test_a_call_that_raises_after_a_write_in_place_restores_the_argument():
    def f(x, e):
        x[1:] += 10
        x[0] = 5
        return x ** e

    x = np.arange(4)
    cf = np_compile(f)
    assert "snapshot first" in plan_of(f, x.copy(), np.arange(4))
    cf(x.copy(), np.arange(4))
    with pytest.raises(ValueError, match="negative integer powers"):
        cf(x, np.array([1, -1, 2, 3]))
    assert_same(x, np.arange(4))


def test_no_snapshot_where_nothing_after_the_first_write_raises():
    def f(x, e):
        y = x ** e  # may raise, but before any write
        x[1:] += 10
        return y

    plan = plan_of(f, np.arange(4), np.arange(4))
    assert "written in place: s0 (first at" in plan and "snapshot" not in plan
    assert_matches(f, lambda: (np.arange(4), np.arange(4)), must_compile=True)


def test_a_read_only_argument_is_its_own_signature():
    def f(a):
        a[0] = 1.0
        return a

    cf = np_compile(f)
    cf(np.zeros(3))
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cf(ro)
    assert_same(ro, np.zeros(3))


def test_returned_written_argument_is_not_the_caller_memory_twice():
    def f(a):
        a += 1.0
        return a, a * 2

    assert_matches(f, lambda: (np.arange(3.0),), must_compile=True)
    a = np.arange(3.0)
    r, _ = np_compile(f)(a)
    r[0] = 100.0  # results are fresh arrays
    assert a[0] == 1.0


def test_writing_an_argument_with_its_own_transpose():
    # The new value is the argument's memory seen transposed (F order: a.T is
    # C-contiguous): copied before it is stored.
    def w(a):
        a[:] = a.T
        return a

    assert_matches(w, lambda: (np.asfortranarray(np.arange(4.0).reshape(2, 2)),), must_compile=True)
    assert_matches(w, lambda: (np.arange(9.0).reshape(3, 3),), must_compile=True)

    def w3(a):
        a[...] = a.transpose(1, 0, 2)
        return a.sum()

    assert_matches(w3, lambda: (np.asfortranarray(np.arange(8.0).reshape(2, 2, 2)),), must_compile=True)


def test_a_written_argument_whose_elements_share_memory_runs_under_numpy():
    from numpy.lib.stride_tricks import as_strided

    def z(a):
        a[1] = np.array([1.0, 2.0, 3.0])
        return a.sum()

    def make():
        return (as_strided(np.zeros(3), (4, 3), (0, 8)),)

    broke = assert_matches(z, make)
    assert broke  # NumPy's answer, with a warning
