"""The native executor (backends/src/cpu): small CPU plans run over raw memory,
views placed when the plan is built. Every result is compared with NumPy
running the same function, under the executor's automatic choice and with it
forced on and off (NPCOMPILE_NATIVE is read when a plan is built)."""

from __future__ import annotations

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_matches, assert_same

def plan_of(fn, *args):
    return npcompile.explain(fn, *args).split("== plan")[1]


def lu(A):
    n = A.shape[0]
    for k in range(n - 1):
        for i in range(k + 1, n):
            A[i, k] = A[i, k] / A[k, k]
            A[i, k + 1:] -= A[i, k] * A[k, k + 1:]
    return A


def test_a_scalar_loop_runs_natively_and_explain_says_so(monkeypatch):
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    A = np.random.default_rng(0).standard_normal((6, 6)) + 6 * np.eye(6)
    plan = plan_of(lu, A.copy())
    assert "executor: native" in plan
    assert "[native]" in plan and "[libtorch]" not in plan
    assert_matches(lu, lambda: (A.copy(),), must_compile=True)


def test_never_keeps_the_libtorch_executor(monkeypatch):
    monkeypatch.setenv("NPCOMPILE_NATIVE", "never")
    A = np.random.default_rng(0).standard_normal((6, 6)) + 6 * np.eye(6)
    plan = plan_of(lu, A.copy())
    assert "executor: native" not in plan and "[native]" not in plan


def test_large_results_stay_with_libtorch_unless_forced(monkeypatch):
    def f(x):
        return np.cumsum(x) + 1.0

    x = np.linspace(-1, 1, 100_000)
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    assert "executor: native" not in plan_of(f, x)
    monkeypatch.setenv("NPCOMPILE_NATIVE", "always")
    plan = plan_of(f, x)
    # Forced: arithmetic is native, the cumsum stays a libtorch call.
    assert "executor: native" in plan and "[libtorch]" in plan and "Add(" in plan
    assert_matches(f, lambda: (x,), must_compile=True)


TRANSCENDENTALS = [np.exp, np.log, np.sin, np.cos, np.tanh, np.expm1, np.log1p]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transcendentals_join_regions_with_the_same_bits_at_every_size(mode, dtype):
    # libtorch's own functions (MKL's VML, SLEEF), called on tiles: a chain
    # of them is one region, and the first elements of a large result are
    # the bits of the same call on those elements alone.
    def f(x):
        out = []
        for g in TRANSCENDENTALS:
            v = np.abs(x) + 0.5 if g in (np.log, np.log1p) else x
            out.append(g(v * 1.5) - 0.25)
        return tuple(out)

    rng = np.random.default_rng(5)
    x = (rng.standard_normal(20_000) * 4).astype(dtype)
    x[:4] = [np.nan, np.inf, -np.inf, 0.0]
    big = np_compile(f)(x)
    assert_matches(f, lambda: (x.copy(),), must_compile=True)
    small = np_compile(f)(x[:37].copy())
    for b, s in zip(big, small):
        assert np.array_equal(b[:37], s, equal_nan=True)
    if mode != "never":
        plan = plan_of(f, x)
        assert "[libtorch]" not in plan and plan.count("region ") == 1


def test_views_of_every_kind(mode):
    def f(a):
        b = a[::-1, 1::2]  # negative and positive steps
        c = a.T[2:5]  # a transpose, sliced
        d = a[1:4].reshape(-1)  # a reshape that views
        e = (a[:, ::2] * 1.0).reshape(2, -1)
        return b * 2.0, c + 1.0, d - e.reshape(-1)[: d.size], e[None, :, :3] + a[:1, :1]

    a = np.arange(48.0).reshape(6, 8)
    assert_matches(f, lambda: (a.copy(),), must_compile=True)


def test_views_of_an_f_ordered_argument(mode):
    def f(a):
        a[1:, 0] = a[:-1, 0] * 0.5
        return a[::2] * 2.0 + a.sum(), a[:, 1:].T - 1.0

    a = np.asfortranarray(np.arange(20.0).reshape(4, 5))
    assert_matches(f, lambda: (a.copy(order="F"),), must_compile=True)


def test_a_store_whose_value_overlaps_its_region(mode):
    def f(a):
        a[1:] = a[:-1]
        a[:-1] += a[1:]
        return a

    assert_matches(f, lambda: (np.arange(10.0),), must_compile=True)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_integer_arithmetic_wraps(mode, dtype):
    def f(x, y):
        return x * y + x - y, -x, np.abs(x), x * x, np.maximum(x, y), np.minimum(x, y)

    info = np.iinfo(dtype)
    x = np.array([info.max, info.min, 3, -1 if info.min < 0 else 1], dtype=dtype)
    y = np.array([2, 3, info.max, info.min], dtype=dtype)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_extremes_nan_and_signed_zeros(mode, dtype):
    def f(x, y):
        return np.maximum(x, y), np.minimum(x, y), np.where(x > y, x, y), x == y, x != y

    x = np.array([np.nan, 0.0, -0.0, 1.0, np.inf, 2.0], dtype=dtype)
    y = np.array([1.0, -0.0, 0.0, np.nan, -np.inf, 2.0], dtype=dtype)
    expected = f(x, y)
    got = np_compile(f)(x, y)
    for g, e in zip(got, expected):
        assert_same(g, e, signed_zeros=True)


def test_casts(mode):
    def f(i, x, b):
        return (
            i.astype(np.float32),  # one rounding from int64
            x.astype(bool),  # nan is True
            b.astype(np.int16) + i.astype(np.int8),  # int64 -> int8 wraps
            x.astype(np.int32),  # float -> int: libtorch's cast
        )

    i = np.array([2**53 + 1, -(2**40) - 3, 255, 2**31 + 7], dtype=np.int64)
    x = np.array([np.nan, 0.0, -0.0, 2.5])
    b = np.array([True, False, True, False])
    assert_matches(f, lambda: (i.copy(), x.copy(), b.copy()), must_compile=True)


def test_a_failed_check_leaves_the_argument_as_it_was(mode):
    def f(a, x):
        a[0] = 1
        a[1] = x[0] * 1e30  # OverflowError under NumPy
        return a

    with pytest.raises(OverflowError):
        f(np.zeros(3, dtype=np.int64), np.array([5.0]))
    cf = np_compile(f)
    for _ in range(2):
        a = np.zeros(3, dtype=np.int64)
        with pytest.raises(OverflowError):
            cf(a, np.array([5.0]))
        # The failed call is undone: the caller's array is as it was.
        assert_same(a, np.zeros(3, dtype=np.int64))
    a = np.zeros(3, dtype=np.int64)
    assert_same(cf(a, np.array([5e-30])), f(np.zeros(3, dtype=np.int64), np.array([5e-30])))


def test_concatenate_and_where_with_broadcasting(mode):
    def f(x, y):
        z = np.concatenate((x[1:], x[:1], y))
        return np.where(z > 0.5, z, -z[:1]), np.concatenate((x[None], x[None] * 2), axis=0)

    x = np.linspace(0, 1, 7)
    y = np.linspace(1, 2, 3)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)


def test_libtorch_calls_inside_a_native_plan(mode):
    def f(Q, K):
        s = Q @ K.T / 3.0
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        return p / p.sum(axis=1, keepdims=True), np.sort(Q[::-1], axis=0)

    rng = np.random.default_rng(1)
    Q, K = rng.standard_normal((5, 4)), rng.standard_normal((6, 4))
    assert_matches(f, lambda: (Q.copy(), K.copy()), must_compile=True)


def test_repeated_calls_reuse_the_arena_without_stale_values(mode):
    def f(x):
        y = x * 2.0
        z = y + x[::-1]
        return z, y

    cf = np_compile(f)
    for k in range(5):
        x = np.arange(10.0) * (k + 1)
        got, expected = cf(x), f(x)
        for g, e in zip(got, expected):
            assert_same(g, e)
        # Returned arrays are the caller's: a later call does not change them.
        kept = got[0].copy()
        cf(x + 100.0)
        assert_same(got[0], kept)


# ---- regions: elementwise runs over large arrays, tile by tile -------------------------


def chain4(a, b, c, d):
    return a * b + c - 0.5 * d


@pytest.mark.parametrize("n", [4096, 10_001, (1 << 18) + 3])  # one tile, a remainder, threads
def test_a_chain_runs_as_one_region(n, monkeypatch):
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    rng = np.random.default_rng(n)
    args = [rng.standard_normal(n) for _ in range(4)]
    plan = plan_of(chain4, *args)
    assert "region 0:" in plan and "(tile)" in plan and "executor: native" in plan
    assert_matches(chain4, lambda: tuple(a.copy() for a in args), must_compile=True)


def test_values_a_region_passes_on_are_kept_whole(mode):
    def f(x, y):
        t = x * 2.0 + y  # read after the region too: kept whole
        u = t * t - x
        w = u / (y * y + 1.0)
        return w, t.sum(), t[::7] + 1.0

    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(50_000), rng.standard_normal(50_000)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
def test_regions_of_other_dtypes_and_kinds_of_op(mode, dtype):
    def f(x, y, k):
        z = x * y - k
        m = np.where(z > x, z, y) + x.astype(np.float64)
        return np.maximum(z, x) - y, m, (z == y)

    rng = np.random.default_rng(4)
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, 70_000, dtype=dtype, endpoint=True)
        y = rng.integers(info.min, info.max, 70_000, dtype=dtype, endpoint=True)
        k = np.array([7], dtype=dtype)
    else:
        x, y = rng.standard_normal(70_000).astype(dtype), rng.standard_normal(70_000).astype(dtype)
        k = np.array([0.25], dtype=dtype)
    assert_matches(f, lambda: (x.copy(), y.copy(), k.copy()), must_compile=True)


def test_a_long_chain_whose_blocks_are_reused_midway(mode):
    def f(a, b):
        t = a * 2.0
        for k in range(12):
            t = (t + b) * 0.5 - a * (k + 1)
        return t, b * t

    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    assert_matches(f, lambda: (a.copy(), b.copy()), must_compile=True)


def test_a_region_writing_an_argument_in_place(mode):
    def f(a, b):
        a[:] = a * b + 1.0
        a *= 2.0
        return a - b

    rng = np.random.default_rng(6)
    a, b = rng.standard_normal(40_000), rng.standard_normal(40_000)
    assert_matches(f, lambda: (a.copy(), b.copy()), must_compile=True)


def test_a_region_with_a_row_broadcast_and_a_small_operand_computed_midway(mode):
    def f(x, y, b):
        s = np.where(x > 0.0, np.clip(x, -1.0, 1.0), y * 0.5)  # y * 0.5: a row, run first
        return s + b, s * (b - 1.0)  # a bias row down the columns

    rng = np.random.default_rng(7)
    x, y, b = rng.standard_normal((300, 96)), rng.standard_normal(96), rng.standard_normal(96)
    assert_matches(f, lambda: (x.copy(), y.copy(), b.copy()), must_compile=True)


def test_an_instruction_a_region_depends_on_is_not_moved(mode):
    def f(x, y):
        t = x * 2.0
        r = t[0] + y  # reads the region's value: runs after it
        u = t - r  # r broadcast down the rows
        return u * u

    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((200, 64)), rng.standard_normal(64)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)


REDUCE_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]


@pytest.mark.parametrize("dtype", REDUCE_DTYPES)
def test_reductions_of_every_kind_over_any_axes(mode, dtype):
    def f(x):
        out = []
        for axis in (None, 0, 1, (0, 2), -1):
            out += [x.max(axis=axis), x.min(axis=axis, keepdims=True), x.any(axis=axis), x.all(axis=axis)]
            if x.dtype != np.bool_:
                out += [x.sum(axis=axis), np.prod(x[:2, :2], axis=axis)]
        # Operands that are views: transposed, reversed, strided.
        out += [x.T.sum(axis=0), x[::-1, ::2].max(axis=1), x[:, 1].min(), (x.T[1:] != 0).any(axis=1)]
        return out

    rng = np.random.default_rng(3)
    if dtype == "bool":
        x = rng.random((4, 5, 6)) > 0.5
    elif dtype.startswith("float"):
        x = rng.standard_normal((4, 5, 6)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, size=(4, 5, 6), endpoint=True, dtype=dtype)
    assert_matches(f, lambda: (x.copy(),), must_compile=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_and_min_reductions_propagate_nan_wherever_it_is(mode, dtype):
    def f(x):
        return x.max(axis=1), x.min(axis=0), x.max(), np.abs(x).min(axis=1, keepdims=True)

    x = np.arange(60.0, dtype=dtype).reshape(3, 20) - 30
    for at in [(0, 0), (1, 7), (2, 19)]:  # a lane, the middle, the tail
        y = x.copy()
        y[at] = np.nan
        assert_matches(f, lambda: (y.copy(),), must_compile=True)


def test_float_sums_add_in_numpys_order_bit_for_bit(monkeypatch):
    monkeypatch.setenv("NPCOMPILE_NATIVE", "always")

    def f(x, y, k):
        return (
            x.sum(axis=1),
            x.sum(axis=0),
            x.sum(),
            x.mean(axis=1, keepdims=True),
            x[::-2].sum(axis=0),  # NumPy's negative strides decide the order
            y.sum(axis=1),
            y.mean(),
            k.mean(axis=1),  # int64 cast to float64 on the fly (buffered)
        )

    rng = np.random.default_rng(4)
    # Values that cancel: any other order of adding changes the last bits.
    x = rng.standard_normal((9, 300)) * 10.0 ** rng.integers(-8, 9, size=(9, 300))
    y = x[:, :200].astype(np.float32)
    k = rng.integers(-(2**60), 2**60, size=(3, 9000))
    plan = plan_of(f, x, y, k)
    sums = [line for line in plan.splitlines() if "HostSum" in line]
    assert len(sums) == 8 and all("[native]" in line for line in sums)
    got = np_compile(f)(x, y, k)
    for g, e in zip(got, f(x, y, k)):
        assert g.dtype == e.dtype and g.shape == e.shape
        assert np.array_equal(g, e), "a float sum added in another order than NumPy's"


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "int8", "uint8"])
def test_products_with_a_vector_and_of_integer_matrices(mode, dtype):
    def f(A, v, w):
        return A @ v, w @ A, v @ v, A.T @ w, np.dot(A[1:3, :], v), A[:, :0] @ v[:0], A @ A.T

    rng = np.random.default_rng(5)
    if dtype.startswith("float"):
        A = rng.standard_normal((7, 5)).astype(dtype)
        v, w = rng.standard_normal(5).astype(dtype), rng.standard_normal(7).astype(dtype)
    else:
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -100), min(info.max, 100)
        A = rng.integers(lo, hi, size=(7, 5), dtype=dtype)  # int8 products wrap
        v, w = rng.integers(lo, hi, size=5, dtype=dtype), rng.integers(lo, hi, size=7, dtype=dtype)
    assert_matches(f, lambda: (A.copy(), v.copy(), w.copy()), must_compile=True)


def test_reductions_and_vector_products_run_natively(monkeypatch):
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)

    def f(A, v, k):
        r = A @ v
        return r.max(), np.abs(r).sum(), (A > 0).any(axis=0), k.sum(axis=1), A.mean(axis=0)

    rng = np.random.default_rng(6)
    A, v, k = rng.standard_normal((8, 8)), rng.standard_normal(8), rng.integers(0, 9, (3, 4))
    plan = plan_of(f, A, v, k)
    assert "executor: native" in plan and "[libtorch]" not in plan
    assert_matches(f, lambda: (A.copy(), v.copy(), k.copy()), must_compile=True)


def stencil(u, f):
    v = u.copy()
    v[1:-1, 1:-1] = 0.25 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - f[1:-1, 1:-1])
    return v


@pytest.mark.parametrize("side", [40, 130])
def test_a_stencil_over_strided_views_runs_as_a_region(mode, side):
    rng = np.random.default_rng(7)
    u, f = rng.standard_normal((side, side)), rng.standard_normal((side, side))
    if mode == "always" and side == 130:
        plan = plan_of(stencil, u, f)
        assert "region 0:" in plan and "executor: native" in plan
    assert_matches(stencil, lambda: (u.copy(), f.copy()), must_compile=True)


def test_regions_of_row_tiles_with_columns_rows_and_long_rows(mode):
    def f(a, col, row, wide):
        b = a[1:, ::2] * col[1:] + row  # a strided view, a column, a row
        c = wide[:, 1:] * 2.0 - wide[:, :-1]  # rows longer than a tile
        return b - a[:-1, 1::2], c

    rng = np.random.default_rng(8)
    a = rng.standard_normal((101, 160))
    col, row = rng.standard_normal((101, 1)), rng.standard_normal(80)
    wide = rng.standard_normal((3, 5001))
    assert_matches(f, lambda: (a.copy(), col.copy(), row.copy(), wide.copy()), must_compile=True)


def test_a_large_stencil_picks_the_native_executor_by_default(monkeypatch):
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    rng = np.random.default_rng(9)
    u, f = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    plan = plan_of(stencil, u, f)
    # Its copies and the store are memory moves: no reason to leave it to libtorch.
    assert "executor: native" in plan and "region 0:" in plan
    assert_matches(stencil, lambda: (u.copy(), f.copy()), must_compile=True)


@pytest.mark.parametrize("side", [70, 130])
def test_a_stencil_storing_into_the_array_it_reads(mode, side):
    # NumPy computes the whole right-hand side before storing: the store may
    # not run tile by tile with the reads.
    def f(u):
        u[1:-1, 1:-1] = 0.25 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2])
        return u

    u = np.random.default_rng(10).standard_normal((side, side))
    assert_matches(f, lambda: (u.copy(),), must_compile=True)


def test_stores_into_a_new_array_and_a_written_argument_run_with_their_region(mode):
    def f(u, w):
        v = u.copy()  # a new array: u copied in, then its interior stored
        v[1:-1, 2:] = u[2:, 1:-1] * 0.5 + u[:-2, :-2]
        w[::2, 1:] = u[::2, :-1] - v[::2, 1:] * 2.0  # an argument written in place
        return v, w

    rng = np.random.default_rng(11)
    u, w = rng.standard_normal((90, 100)), rng.standard_normal((90, 100))
    if mode == "always":
        lines = plan_of(f, u.copy(), w.copy()).splitlines()
        stores = [line.split()[0] for line in lines if "SliceScatter" in line]
        members = {
            m.split(" (")[0]
            for line in lines
            if line.startswith("region ")
            for m in line.split(": ", 1)[1].split(" over ")[0].split(", ")
        }
        assert len(stores) == 2 and set(stores) <= members, (stores, members)
    assert_matches(f, lambda: (u.copy(), w.copy()), must_compile=True)


@pytest.mark.parametrize("n", [6000, 300_000])  # one thread; tiles shared among threads
def test_a_reduction_closes_a_region(mode, n):
    def f(u, v, k, b):
        return (
            np.abs(v - u).max(),
            (u * v).min(),
            (k * 3 + 1).sum(),  # int64 wraps
            (b & (u > 0)).any(),
            (u < 10).all(),
            u.max(),  # a large reduction alone
        )

    rng = np.random.default_rng(12)
    u, v = rng.standard_normal(n), rng.standard_normal(n)
    k = rng.integers(2**60, 2**62, size=n)
    b = rng.random(n) > 0.99
    for at in [None, 0, n // 2 + 7, n - 1]:  # NaN in the first, a middle and the last tile
        uu = u.copy()
        if at is not None:
            uu[at] = np.nan
        assert_matches(f, lambda: (uu.copy(), v.copy(), k.copy(), b.copy()), must_compile=True)
    if mode == "always":
        lines = plan_of(f, u, v, k, b).splitlines()
        amax = next(line.split()[0] for line in lines if "Amax" in line)
        assert any(line.startswith("region") and f"{amax} over" in line for line in lines)


def test_a_reduction_of_strided_views_closes_a_region(mode):
    def f(u):
        return np.abs(u[1:-1, 2:] - u[1:-1, :-2]).max(), (u[::2, 1:] > 0).sum()

    u = np.random.default_rng(13).standard_normal((300, 200))
    assert_matches(f, lambda: (u.copy(),), must_compile=True)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64"])
def test_bitwise_operators(mode, dtype):
    def f(x, y):
        return x & y, x | y, x ^ y, (x & y) | (x ^ y)

    rng = np.random.default_rng(14)
    if dtype == "bool":
        x, y = rng.random(50) > 0.5, rng.random(50) > 0.5
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, size=50, endpoint=True, dtype=dtype)
        y = rng.integers(info.min, info.max, size=50, endpoint=True, dtype=dtype)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 15, 16, 17, 255, 256, 1000])  # lanes of 16: none, whole, a remainder
def test_vector_max_and_min_runs_with_nan_inf_and_ties(mode, dtype, n):
    # The contiguous-run kernel keeps the extreme and, apart, sum(v * 0):
    # NaN where a NaN or an infinity is; only then is the run searched.
    def f(x):
        return x.max(), x.min(), np.max(x.reshape(1, -1), axis=1), x.min(axis=0)

    rng = np.random.default_rng(n)
    base = rng.standard_normal(n).astype(dtype)
    for edit in ["none", "nan_first", "nan_last", "inf", "-inf", "inf_and_nan", "zeros"]:
        x = base.copy()
        if edit == "nan_first":
            x[0] = np.nan
        elif edit == "nan_last":
            x[-1] = np.nan
        elif edit == "inf":
            x[n // 2] = np.inf
        elif edit == "-inf":
            x[n // 2] = -np.inf
        elif edit == "inf_and_nan":
            x[0], x[-1] = np.inf, np.nan
        elif edit == "zeros":
            x[:] = 0.0
            x[::3] = -0.0
        assert_matches(f, lambda: (x.copy(),), must_compile=True)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_as_numpy_with_nan_and_ties(mode, dtype, side):
    def f(a, v):
        return np.searchsorted(a, v, side=side), np.searchsorted(a[::2], v[:5], side=side)

    rng = np.random.default_rng(3)
    a = np.sort(rng.integers(0, 20, 41)).astype(dtype)
    v = rng.integers(-2, 23, (7, 9)).astype(dtype)
    assert_matches(f, lambda: (a.copy(), v.copy()), must_compile=True)
    if dtype != "int64":
        a2, v2 = a.copy(), v.copy()
        a2[-3:] = np.nan  # NaN sorts last
        v2[0, :3] = np.nan
        assert_matches(f, lambda: (a2.copy(), v2.copy()), must_compile=True)
    empty = np.zeros(0, dtype)
    assert_matches(lambda a, v: np.searchsorted(a, v, side=side), lambda: (empty, v.copy()), must_compile=True)


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "float64", "complex128"])
def test_take_from_a_vector_gathers_and_reports_the_first_bad_position(mode, dtype):
    def f(a, i):
        return np.take(a, i), a[i], np.take(a[::-3], i % 3)

    a = (np.arange(10) * 3).astype(dtype)
    i = np.array([[0, -1, 9], [-10, 4, 4]])
    assert_matches(f, lambda: (a.copy(), i.copy()), must_compile=True)
    bad = np.array([3, 12, -11])
    assert_matches(lambda a, i: np.take(a, i), lambda: (a.copy(), bad.copy()))
    with pytest.raises(IndexError, match="index 12 is out of bounds for axis 0 with size 10"):
        np_compile(lambda a, i: np.take(a, i))(a.copy(), bad.copy())


def test_profile_times_the_instructions_of_the_calls_in_its_block():
    @np_compile
    def f(x):
        return (x * 2.0 + 1.0).max()

    x = np.arange(100.0)
    f(x)
    with npcompile.profile() as p:
        for _ in range(3):
            f(x)
    assert p.rows, "nothing timed"
    labels = [label for label, _, _ in p.rows]
    assert all(label.startswith(("native ", "torch ")) for label in labels), labels
    assert all(calls % 3 == 0 and ns >= 0 for _, calls, ns in p.rows)
    assert "instruction" in str(p) and labels[0] in str(p)
    with npcompile.profile() as q:
        pass
    f(x)
    assert q.rows == []


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_products_fuse_one_product_of_each_part_as_numpy(mode, dtype):
    # A cancelling real part keeps the rounding error of ai*bi (NumPy's SIMD
    # loop fuses ar*br into it); infinities and NaN parts as NumPy's.
    def f(a, b):
        return a * b, a * b[:1], (a * b).sum()

    rng = np.random.default_rng(5)
    a = (rng.standard_normal(37) + 1j * rng.standard_normal(37)).astype(dtype)
    b = (a.imag + 1j * a.real).astype(dtype)  # ar*br == ai*bi up to rounding
    a[3], b[4], a[5] = complex(np.inf, 1.0), complex(np.nan, 2.0), complex(3e38, 3e38)
    assert_matches(f, lambda: (a.copy(), b.copy()), must_compile=True)


def test_regions_share_their_tile_scratch(monkeypatch):
    # One region runs at a time: forty steps of a stencil need no more
    # scratch than ten (each region's tiles used to be bytes of their own).
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)

    def wave(u, u_prev, steps):
        for _ in range(steps):
            u_next = 2.0 * u - u_prev
            u_next[1:-1, 1:-1] += 0.2 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1])
            u_prev, u = u, u_next
        return u

    rng = np.random.default_rng(0)
    u, up = rng.random((128, 128)), rng.random((128, 128))

    def arena(steps):
        plan = plan_of(lambda a, b: wave(a, b, steps), u.copy(), up.copy())
        assert plan.count("region ") >= steps
        return int(plan.split("arena ")[1].split(" bytes")[0])

    assert arena(40) <= arena(10) * 1.2
    assert_matches(lambda a, b: wave(a, b, 12), lambda: (u.copy(), up.copy()), must_compile=True)


def mixed_chain(x, y, steps):
    # float64, bool and float32 tiles in one region, each dead a step later.
    t = x
    for k in range(steps):
        m = t > y
        t = np.where(m, t * 0.5, y - t).astype(np.float32).astype(np.float64) + k
    return t


def test_a_long_region_reuses_the_tiles_of_values_it_no_longer_reads(monkeypatch):
    # A tile is free once the last member reading it has run: sixty steps
    # need the tiles of six (they were 3 MB for a 100-step chain, past L2).
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal(10_001), rng.standard_normal(10_001)

    def arena(steps):
        plan = plan_of(lambda a, b: mixed_chain(a, b, steps), x.copy(), y.copy())
        assert "region 0:" in plan and plan.count("(tile)") >= 4 * steps
        return int(plan.split("arena ")[1].split(" bytes")[0])

    assert arena(60) <= arena(6) * 1.2
    assert_matches(lambda a, b: mixed_chain(a, b, 60), lambda: (x.copy(), y.copy()), must_compile=True)


@pytest.mark.parametrize("cols", [1023, 1025, 3000])
def test_row_tiles_around_the_tile_length(mode, cols):
    def f(a, row):
        t = a[:, 1:] * row - a[:, :-1]
        return np.where(t > 0.0, t, 2.0 * t) + row

    rng = np.random.default_rng(cols)
    a, row = rng.standard_normal((9, cols + 1)), rng.standard_normal(cols)
    assert_matches(f, lambda: (a.copy(), row.copy()), must_compile=True)


def test_take_from_an_empty_vector(mode):
    empty = np.zeros(0)
    assert_matches(lambda a, i: np.take(a, i), lambda: (empty.copy(), np.array([0, 1])))
    assert_matches(lambda a, i: np.take(a, i), lambda: (empty.copy(), np.zeros(0, np.int64)))


def standardize_rows(x):
    d = x - x.mean(axis=1, keepdims=True)
    return d / np.sqrt((d * d).mean(axis=1, keepdims=True) + 1e-5)


def row_stats(x, k):
    s = x.sum(axis=1, keepdims=True)
    scaled = (x - s) * 0.5
    top = scaled.max(axis=1)  # a column without keepdims
    lo = np.minimum(scaled.min(axis=1, keepdims=True), -0.25)
    n = (k > 2).sum(axis=1, keepdims=True)  # int64 counts per row
    low = (x < -1.0).any(axis=1, keepdims=True) & ~(k == 7).all(axis=1, keepdims=True)
    y = np.where(low, (scaled - lo) / (n + 1), scaled)
    return y, top, s  # a column the region computes is also returned


# Tiles of 16 rows; one row a tile, 1023 and 1025 long; rows of 4000; rows
# too long for a tile (4096: no region, the same answers); tiles shared
# among threads (2^18 elements).
ROW_SHAPES = [(64, 64), (9, 1023), (5, 1025), (3, 4000), (2, 5000), (700, 400)]


@pytest.mark.parametrize("shape", ROW_SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reductions_along_rows_run_in_the_region_of_their_rows(mode, shape, dtype):
    rng = np.random.default_rng(shape[1])
    # Values that cancel: a sum added in another order than NumPy's differs.
    x = (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7, size=shape)).astype(dtype)
    x[1, 3] = np.nan  # NaN wins the max and min of its row
    k = rng.integers(0, 8, size=shape)
    got, expected = np_compile(standardize_rows)(x), standardize_rows(x)
    with np.errstate(invalid="ignore"):
        assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)
    assert_matches(row_stats, lambda: (x.copy(), k.copy()), must_compile=True)
    if shape[1] <= 4096 and mode != "never":
        plan = plan_of(standardize_rows, x)
        assert "(tile, per row)" in plan and plan.count("region ") == 1


def test_a_row_reduction_joins_a_region_only_where_its_rows_line_up(mode):
    # A sum over axis 1 of a square matrix, without keepdims, broadcasts
    # down the columns: NumPy adds s[j] to column j, not to row j.
    def f(x):
        s = x.sum(axis=1)
        return x - s, (x * 2.0).max(axis=1, keepdims=True) + s[:, None]

    x = np.random.default_rng(2).standard_normal((100, 100))
    assert_matches(f, lambda: (x.copy(),), must_compile=True)


def test_softmax_rows_is_one_pass_over_each_row(monkeypatch):
    monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)

    def softmax(x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    x = np.random.default_rng(3).standard_normal((300, 1000)) * 30.0
    assert_matches(softmax, lambda: (x.copy(),), must_compile=True)
    plan = plan_of(softmax, x)
    assert "executor: native" in plan and "[libtorch]" not in plan and plan.count("region ") == 1


def test_a_vector_as_long_as_the_rows_stays_a_row_broadcast(mode):
    # In a square region `y * 0.5` of an argument is as long as a column
    # but broadcasts down the rows: it is not taken for the region's column
    # (that ended the region before the `where`).
    def f(x, y):
        return np.where(x > 0.0, np.clip(x, -1.0, 1.0), y * 0.5)

    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((100, 100)), rng.standard_normal(100)
    assert_matches(f, lambda: (x.copy(), y.copy()), must_compile=True)
    if mode != "never":
        plan = plan_of(f, x, y).splitlines()
        where = next(line.split()[0] for line in plan if "= Where(" in line)
        region = [line for line in plan if line.startswith("region ")]
        assert len(region) == 1 and f" {where} over" in region[0], region


def random_row_program(seed):
    """A random chain over a matrix `x` and an int matrix `k`: elementwise
    work, reductions along the rows (with and without keepdims) and their
    columns broadcast back, as regions with row reductions take them."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(int(rng.integers(3, 9))):
        steps.append((int(rng.integers(0, 9)), bool(rng.integers(0, 2)), float(rng.choice([0.5, -1.25, 2.0]))))

    def f(x, k):
        mats, cols = [x], [x.max(axis=-1, keepdims=True)]
        for kind, kd, c in steps:
            m, col = mats[-1], cols[-1]
            if kind == 0:
                mats.append(m * c - col)
            elif kind == 1:
                r = m.max(axis=-1, keepdims=kd) if c > 0 else m.min(axis=-1, keepdims=kd)
                cols.append(r if kd else r[..., None])
            elif kind == 2:
                r = m.sum(axis=-1, keepdims=kd) if c > 0 else m.mean(axis=-1, keepdims=kd)
                cols.append(r if kd else r[..., None])
            elif kind == 3:
                cols.append(np.sqrt(np.abs(col) + 1.0) * c)
            elif kind == 4:
                mats.append(np.where(m > col, m, col * c))
            elif kind == 5:
                n = (k > 3).sum(axis=-1, keepdims=True)
                mats.append(m / (n + 1))
            elif kind == 6:
                flag = (m < 0.0).any(axis=-1, keepdims=True) & (k > 0).all(axis=-1, keepdims=True)
                mats.append(np.where(flag, -m, m))
            elif kind == 7:
                mats.append(np.tanh(m * 0.01) + mats[0])
            else:
                cols.append(cols[0] - col)
        return mats[-1] - cols[-1], cols[-1]

    return f


# Matrices, and arrays of three axes (rows over two axes; planes of 5 rows
# of 300 are tiles of 3 rows, 3 and 2 a plane).
@pytest.mark.parametrize("shape", [(64, 64), (300, 50), (3, 2000), (4, 5, 300), (6, 40, 64)])
@pytest.mark.parametrize("seed", range(12))
def test_random_programs_of_row_reductions(mode, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, size=shape)
    k = rng.integers(0, 6, size=shape)
    assert_matches(random_row_program(seed), lambda: (x.copy(), k.copy()), must_compile=True)


def heat3d(u, a):
    v = u.copy()
    c = u[1:-1, 1:-1, 1:-1]
    v[1:-1, 1:-1, 1:-1] = c + a * (
        u[2:, 1:-1, 1:-1] + u[:-2, 1:-1, 1:-1] + u[1:-1, 2:, 1:-1]
        + u[1:-1, :-2, 1:-1] + u[1:-1, 1:-1, 2:] + u[1:-1, 1:-1, :-2] - 6.0 * c
    )
    return v, np.abs(v - u).max()


def heat3d_in_place(u, a, steps):
    for _ in range(steps):
        lap = u[2:, 1:-1, 1:-1] + u[:-2, 1:-1, 1:-1] - 2.0 * u[1:-1, 1:-1, 1:-1]
        u[1:-1, 1:-1, 1:-1] += a * lap
    return u


# Planes of 7 rows of 300 (tiles of 3 rows: 3, 3, 1 a plane); 66^3 (2^18
# elements and more: tiles shared among threads); four axes.
@pytest.mark.parametrize("shape", [(5, 9, 302), (66, 66, 66), (3, 4, 6, 200)])
def test_stencils_of_three_and_four_axes_run_as_regions(mode, shape):
    rng = np.random.default_rng(len(shape))
    u = rng.standard_normal(shape)
    if len(shape) == 3:
        assert_matches(lambda x: heat3d(x, 0.1), lambda: (u.copy(),), must_compile=True)
        assert_matches(lambda x: heat3d_in_place(x, 0.1, 3), lambda: (u.copy(),), must_compile=True)
        f = heat3d
    else:
        def f(x, a):
            return x[1:, :-1, 1:, 2:] * a + x[:-1, 1:, :-1, :-2] - x[1:, 1:, 1:, 1:-1] ** 2

        assert_matches(lambda x: f(x, 0.5), lambda: (u.copy(),), must_compile=True)
    if mode != "never":
        plan = plan_of(lambda x: f(x, 0.1), u)
        assert "executor: native" in plan and "[libtorch]" not in plan and "region 0" in plan


def test_a_row_reduction_s_column_is_checked_against_what_the_region_reads(mode):
    # The column a row max writes tile by tile is a write like any other:
    # read through a view at other rows, or placed over an array the region
    # has yet to read (an arena block reused), the region is refused.
    def reversed_rows(x):
        m = x.max(axis=1, keepdims=True)
        return x - m[::-1], x - x.min(axis=1)[::-1, None]

    def over_a_dead_block(x):
        v = np.concatenate([x, x], axis=1)
        w = (v * 2.0).astype(np.float32)
        return np.cumsum(w.max(axis=1))

    rng = np.random.default_rng(7)
    for shape in [(64, 64), (600, 1000)]:
        x = rng.standard_normal(shape)
        assert_matches(reversed_rows, lambda: (x.copy(),), must_compile=True)
    x = rng.standard_normal((1024, 64))
    assert_matches(over_a_dead_block, lambda: (x.copy(),), must_compile=True)


def softmax_last(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("shape", [(16, 32, 64), (3, 7, 1000), (2, 3, 4, 500)])
def test_reductions_along_the_last_axis_of_three_axes_and_more(mode, shape):
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-4, 5, size=shape)
    assert_matches(softmax_last, lambda: (x.copy(),), must_compile=True)

    def standardize(x):
        d = x - x.mean(axis=-1, keepdims=True)
        return d / np.sqrt((d * d).mean(axis=-1) + 1e-5)[..., None], d.sum(axis=-1)

    got, expected = np_compile(standardize)(x), standardize(x)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape and np.array_equal(g, e)
    if mode != "never":
        plan = plan_of(softmax_last, x)
        assert "[libtorch]" not in plan and plan.count("region ") == 1 and "per row" in plan


# Lengths around the vector loops' steps (two 64-byte vectors: 16 float64s,
# 32 float32s, 128 int8s) and their scalar remainders.
RUN_LENGTHS = [1, 7, 15, 16, 17, 31, 33, 126, 129, 255, 257]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "int64"])
def test_runs_of_every_length_in_place_and_out_of_place(mode, dtype):
    # `a -= ...` writes each element of `a` after reading it (the in-place
    # loop, `a` read through the result); the others out of place.
    def f(a, b, c):
        a -= b * c
        a += 3
        d = b - a
        e = c * 2 - d
        return a, d, e

    rng = np.random.default_rng(3)
    for n in RUN_LENGTHS:
        a, b, c = (rng.integers(-40, 40, n).astype(dtype) for _ in range(3))
        assert_matches(f, lambda: (a.copy(), b.copy(), c.copy()), must_compile=True)
        # Rows of a strided view: each row a run.
        A, B = (rng.integers(-40, 40, (5, n + 2)).astype(dtype) for _ in range(2))
        assert_matches(
            lambda A, B: (np.subtract(A[:, 1:-1], B[:, 2:], out=A[:, 1:-1]), A)[1],
            lambda: (A.copy(), B.copy()),
            must_compile=True,
        )


def test_a_store_into_a_view_takes_its_value_straight_from_the_region(mode):
    # The last member before a store into a view writes there itself (the
    # store is left nothing to do); a value also read after the store keeps
    # its tile, and the store copies it.
    def f(u, v):
        w = 2.0 * u - v
        w[1:-1, 1:-1] += 0.2 * (u[2:, 1:-1] + u[:-2, 1:-1] - 4.0 * u[1:-1, 1:-1])
        t = u[1:-1, 1:-1] * 3.0 - 1.0
        v[1:-1, 1:-1] = t
        return w, v, t * t

    rng = np.random.default_rng(8)
    u, v = rng.standard_normal((130, 127)), rng.standard_normal((130, 127))
    if mode == "always":
        regions = [line for line in plan_of(f, u.copy(), v.copy()).splitlines() if line.startswith("region ")]
        assert any("'s view)" in line for line in regions), regions
        assert sum(line.count("(into ") for line in regions) == 1, regions
    assert_matches(f, lambda: (u.copy(), v.copy()), must_compile=True)
