"""Real NumPy programs: preallocated arrays, slice assignment, in-place updates,
out=, views, boolean masks and time loops. The outputs and every input array
after the call must equal NumPy's."""

import copy
import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_same, run_numpy


def check_mutating(fn, *args, **kwargs):
    """Run `fn` under NumPy on copies and compiled on the originals; compare the
    results and each argument afterwards. Compiling must not fall back."""
    theirs = copy.deepcopy(args)
    expected = run_numpy(fn, *theirs, **kwargs)
    pointers = [a.ctypes.data for a in args if isinstance(a, np.ndarray)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        got = np_compile(fn)(*args, **kwargs)
    assert_same(got, expected)
    for i, (a, b) in enumerate(zip(args, theirs)):
        if isinstance(a, np.ndarray):
            assert_same(a, b, path=f"argument {i} after the call")
    # Written in place: the caller's arrays keep their memory.
    assert pointers == [a.ctypes.data for a in args if isinstance(a, np.ndarray)]
    return got


rng = np.random.default_rng(7)


def jacobi_1d(A, B, tsteps):
    for _ in range(tsteps):
        B[1:-1] = 0.33333 * (A[:-2] + A[1:-1] + A[2:])
        A[1:-1] = 0.33333 * (B[:-2] + B[1:-1] + B[2:])


def jacobi_2d(A, B, tsteps):
    for _ in range(tsteps):
        B[1:-1, 1:-1] = 0.2 * (A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1] + A[:-2, 1:-1])
        A[1:-1, 1:-1] = 0.2 * (B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1] + B[:-2, 1:-1])
    return A.sum() + B.sum()


def heat_3d_step(A):
    B = np.empty_like(A)
    B[:] = A
    B[1:-1, 1:-1, 1:-1] = (
        0.125 * (A[2:, 1:-1, 1:-1] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[:-2, 1:-1, 1:-1])
        + 0.125 * (A[1:-1, 2:, 1:-1] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[1:-1, :-2, 1:-1])
        + 0.125 * (A[1:-1, 1:-1, 2:] - 2.0 * A[1:-1, 1:-1, 1:-1] + A[1:-1, 1:-1, :-2])
        + A[1:-1, 1:-1, 1:-1]
    )
    return B


def gauss_seidel(A, sweeps):
    n = A.shape[0]
    for _ in range(sweeps):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                A[i, j] = (A[i - 1, j] + A[i + 1, j] + A[i, j - 1] + A[i, j + 1] + A[i, j]) / 5.0


def prefix_recurrence(x, a, b):
    for i in range(1, x.shape[0]):
        x[i] = x[i - 1] * a + b[i]
    return x


def update_only(x, y):
    x += y
    x[::2] -= 1
    y[1:] = x[:-1] * 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jacobi_1d(dtype):
    A, B = rng.random(12).astype(dtype), rng.random(12).astype(dtype)
    check_mutating(jacobi_1d, A, B, 5)


def test_jacobi_2d():
    check_mutating(jacobi_2d, rng.random((9, 8)), rng.random((9, 8)), 4)


def test_heat_3d_step():
    check_mutating(heat_3d_step, rng.random((5, 6, 7)))


def test_gauss_seidel_sweep_iterations_depend_on_each_other():
    check_mutating(gauss_seidel, rng.random((6, 6)), 2)


def test_prefix_recurrence():
    check_mutating(prefix_recurrence, rng.random(10), 0.5, rng.random(10))
    check_mutating(prefix_recurrence, np.arange(8, dtype=np.int32), 3, np.arange(8, dtype=np.int32))


def test_function_returning_nothing_updates_its_inputs():
    assert check_mutating(update_only, rng.random(7), rng.random(7)) is None


def test_in_place_int_plus_float_raises_like_numpy():
    def f(x):
        x += 0.5
        return x

    with pytest.raises(TypeError):
        f(np.arange(3))
    with pytest.raises(TypeError):
        np_compile(f)(np.arange(3))


def test_out_for_ufuncs_and_reductions_is_out():
    def f(a, b, o, s):
        r = np.add(a, b, out=o)
        t = np.multiply(r, 2, out=(r,))
        m = np.sum(a, axis=1, out=s)
        n = a.max(axis=1, out=s[:0] if False else None)
        return r is o, t is o, m is s, n

    check_mutating(f, rng.random((3, 4)), rng.random(4), np.zeros((3, 4)), np.zeros(3))


def test_writes_through_views_and_views_of_views():
    def f(a):
        b = a[1:]
        b[:] = 0
        c = a.reshape(2, 6)
        d = c[:, ::2]
        d[0] = -1.0
        e = a.T
        e[0, 0] = 7.0
        f_ = a[2]
        f_ += 100
        return a.sum(), b, d

    check_mutating(f, np.arange(12.0).reshape(3, 4))


def test_views_see_later_writes():
    def f(a):
        row = a[0]
        a[0, 1] = 42.0
        col = a[:, 1]
        a *= 2
        return row, col

    check_mutating(f, rng.random((3, 3)))


def test_boolean_mask_assignment():
    def f(a, lim):
        a[a > lim] = 0
        a[a < -lim] = -lim
        return a

    check_mutating(f, rng.standard_normal((4, 5)), 0.5)


def test_writes_into_a_global_array_reach_it():
    def f(x):
        G[:2] = x
        return G * 1

    global G
    G = np.zeros(4)
    expected_g = np.zeros(4)
    expected_g[:2] = [1.0, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        out = np_compile(f)(np.array([1.0, 2.0]))
    assert_same(G, expected_g)
    assert_same(out, expected_g)


def test_fill_and_copyto():
    def f(a, b):
        a.fill(3)
        np.copyto(b, a[:2])
        return a, b

    check_mutating(f, np.zeros(4), np.ones(2, dtype=np.float32))


def test_assigning_out_of_range_python_int_raises_overflow_like_numpy():
    def f(a):
        a[0] = 300
        return a

    with pytest.raises(OverflowError):
        f(np.zeros(2, dtype=np.int8))
    with pytest.raises(OverflowError):
        np_compile(f)(np.zeros(2, dtype=np.int8))


def test_read_only_inputs_are_not_written():
    def f(a):
        a[0] = 1
        return a

    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        np_compile(f)(x)
    assert_same(x, np.zeros(3))


def test_a_call_that_raises_part_way_leaves_its_inputs_unchanged():
    def f(x, y, e):
        x += 1
        y[:] = x
        return x ** e  # integer powers with negative exponents raise at run time

    x, y = np.arange(4), np.zeros(4, dtype=np.int64)
    cf = np_compile(f)
    expected = f(x.copy(), y.copy(), np.arange(4))
    assert_same(cf(x, y, np.arange(4)), expected)
    before_x, before_y = x.copy(), y.copy()
    with pytest.raises(ValueError):
        f(x.copy(), y.copy(), np.array([1, -1, 1, 1]))  # NumPy raises too
    with pytest.raises(ValueError):
        cf(x, y, np.array([1, -1, 1, 1]))
    assert_same(x, before_x)
    assert_same(y, before_y)


def test_creation_functions_inside_the_trace():
    def f(x):
        n = x.shape[0]
        a = np.zeros((n, n))
        a[0] = x
        b = np.ones_like(x) * np.arange(n) + np.linspace(0, 1, n)
        c = np.full((2, n), 2.5)
        c[1] = b
        d = np.eye(n) @ x + np.identity(n)[0]
        e = np.array([1.0, 2.0, 3.0])[: n]
        f_ = np.full_like(x, 7)
        return a, b, c, d, e, f_, np.asarray(x) is x

    check_mutating(f, np.array([1.0, 2.0, 3.0]))


@pytest.mark.allow_fallback
def test_arguments_sharing_memory_with_a_written_one_run_under_numpy():
    def f(a, b):
        a += 1
        return b * 2

    cf = np_compile(f)
    x, y = np.arange(4.0), np.arange(4.0)
    expected = f(x.copy(), y.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(cf(x, y), expected)  # distinct arrays: compiled
    z = np.arange(4.0)
    ref = np.arange(4.0)
    want = f(ref, ref)  # under NumPy b sees the write through a
    with pytest.warns(npcompile.NpCompileWarning, match="share memory"):
        got = cf(z, z)
    assert_same(got, want)
    assert_same(z, ref)
    w = np.arange(6.0)
    ref = np.arange(6.0)
    want = f(ref[1:5], ref[:4])
    assert_same(cf(w[1:5], w[:4]), want)  # overlapping views
    assert_same(w, ref)


def test_assigning_a_python_scalar_into_a_0d_array():
    def f(a, b):
        a[()] = 3
        b[...] = 2.5
        return a * 2, b

    check_mutating(f, np.array(7), np.array(1.0))
