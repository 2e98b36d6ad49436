"""float32/float64 `sum` and `mean` add in NumPy's order, so their bits are
NumPy's (backends/src/cpu/sum.rs): pairwise runs, elementwise accumulation
along kept inner axes, chunks of 8192 where NumPy casts on the fly (`np.mean`
of ints, `dtype=`), and the order of transposed, strided and reversed views.

Every case goes through the oracle (`check`) and then compares the bits
(values, NaN positions, signs of zeros, dtype, shape) with NumPy's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import check, run_compiled
from npcompile import np_compile

LENGTHS = list(range(0, 301)) + [1000, 8192, 8193, 20000]


def assert_exact(actual, expected, path="result"):
    if isinstance(expected, tuple):
        assert type(actual) is tuple and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_exact(a, e, f"{path}[{i}]")
        return
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} vs NumPy's {type(expected).__name__}"
    assert actual.dtype == expected.dtype, f"{path}: dtype {actual.dtype} vs NumPy's {expected.dtype}"
    assert actual.shape == expected.shape, f"{path}: shape {actual.shape} vs NumPy's {expected.shape}"
    a, e = np.asarray(actual), np.asarray(expected)
    np.testing.assert_array_equal(a, e, err_msg=f"{path}: not NumPy's bits", strict=True)
    real = ~np.isnan(e)
    np.testing.assert_array_equal(np.signbit(a[real]), np.signbit(e[real]), err_msg=f"{path}: sign of zero")


def exact(fn, *args):
    """`check` (the oracle), then the same call compared bit for bit."""
    cfn = np_compile(fn)
    expected = check(fn, *args, cfn=cfn)
    assert_exact(run_compiled(cfn, *args), expected)
    return expected


def cancelling(rng, shape, dtype=np.float64):
    """Values over 40 binades of both signs: sums lose bits, so any other order
    of additions shows."""
    x = rng.standard_normal(shape) * 2.0 ** rng.integers(0, 40, shape)
    return x.astype(dtype)


@pytest.mark.parametrize("n", LENGTHS)
def test_1d_lengths(n):
    rng = np.random.default_rng(n)
    x64, x32 = cancelling(rng, n), cancelling(rng, n, np.float32)

    def f(a, b):
        return np.sum(a), np.mean(a), np.sum(b), np.mean(b), a.sum(keepdims=True), np.mean(b, axis=0)

    exact(f, x64, x32)


SHAPES = [(1,), (3, 4), (5, 1, 7), (4, 3, 5), (2, 3, 4, 5), (130, 9), (9, 130), (1, 300), (3, 9000), (20, 20, 20)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_axis_subset(shape):
    rng = np.random.default_rng(len(shape) * 1000 + shape[-1])
    x64, x32 = cancelling(rng, shape), cancelling(rng, shape, np.float32)
    for r in range(len(shape) + 1):
        for axes in itertools.combinations(range(len(shape)), r):
            for keepdims in (False, True):

                def f(a, b, axes=axes, keepdims=keepdims):
                    return (np.sum(a, axis=axes, keepdims=keepdims), np.mean(a, axis=axes, keepdims=keepdims),
                            np.sum(b, axis=axes, keepdims=keepdims), np.mean(b, axis=axes, keepdims=keepdims))

                exact(f, x64, x32)

    def g(a, b):
        return np.sum(a, axis=None), np.mean(b, axis=None), np.sum(a, axis=-1), np.mean(b, axis=0)

    exact(g, x64, x32)


@pytest.mark.parametrize("shape, axis", [((5,), None), ((1000,), None), ((8193,), None), ((20000,), None),
                                         ((3, 10000), 1), ((10000, 3), 0), ((3, 5000), None), ((5, 3000), 1),
                                         ((3, 3000, 2), 1), ((2, 9000), 0)], ids=str)
def test_mean_of_int64_near_2_62(shape, axis):
    # np.mean of ints sums in float64, cast on the fly: 8192 elements at a time.
    rng = np.random.default_rng(shape[0] * 7 + (axis or 0))
    x = rng.integers(-2**62, 2**62, shape)

    def f(a):
        return np.mean(a, axis=axis), np.mean(a, axis=axis, keepdims=True)

    exact(f, x)


def test_mean_of_int64_differs_from_libtorch_order():
    # The case that started it: a mean of int64 values near 1e18 (libtorch's
    # order is off by far more than an ulp here).
    rng = np.random.default_rng(1)
    x = rng.integers(10**18 - 10**6, 10**18 + 10**6, 20000) * rng.choice([-1, 1], 20000)
    exact(lambda a: np.mean(a), x)
    exact(lambda a: np.mean(a.reshape(4, 5000), axis=1), x)


def test_buffered_dtype_sum_differs_from_materialized_cast():
    # np.sum(x, dtype=float64) casts on the fly (chunks of 8192); x.astype(float64)
    # then .sum() sums the float64 array whole. NumPy's two results differ.
    rng = np.random.default_rng(2)
    x = rng.integers(-2**62, 2**62, 20000)

    def f(a):
        return np.sum(a, dtype=np.float64), a.astype(np.float64).sum(), np.mean(a, dtype=np.float64)

    buffered, materialized, _ = exact(f, x)
    assert buffered != materialized


@pytest.mark.parametrize("case", ["f32->f64", "f64->f32", "int32-mean", "bool-mean", "uint8-sum", "int16-2d"])
def test_on_the_fly_casts(case):
    rng = np.random.default_rng(3)
    if case == "f32->f64":
        x = cancelling(rng, (3, 10000), np.float32)
        fs = [lambda a: np.sum(a, dtype=np.float64), lambda a: np.mean(a, axis=1, dtype=np.float64),
              lambda a: np.sum(a.T, axis=0, dtype=np.float64)]
    elif case == "f64->f32":
        x = cancelling(rng, (20000,))
        fs = [lambda a: np.sum(a, dtype=np.float32), lambda a: np.mean(a, dtype=np.float32)]
    elif case == "int32-mean":
        x = rng.integers(-2**31, 2**31, (9000, 3), dtype=np.int32)
        fs = [lambda a: np.mean(a), lambda a: np.mean(a, axis=0), lambda a: np.mean(a[::2], axis=None)]
    elif case == "bool-mean":
        x = rng.random(30000) < 0.3
        fs = [lambda a: np.mean(a), lambda a: np.mean(a.reshape(3, 10000), axis=1)]
    elif case == "uint8-sum":
        x = rng.integers(0, 256, 20000, dtype=np.uint8)
        fs = [lambda a: np.sum(a, dtype=np.float32), lambda a: np.mean(a)]
    else:
        x = rng.integers(-2**15, 2**15, (200, 300), dtype=np.int16)
        fs = [lambda a: np.mean(a, axis=0), lambda a: np.mean(a[::-1]), lambda a: np.sum(a.T, dtype=np.float64)]
    for f in fs:
        exact(f, x)


VIEWS = {
    "T-axis0": lambda a: np.sum(a.T, axis=0),
    "T-axis1": lambda a: np.sum(a.T, axis=1),
    "T-all": lambda a: np.sum(a.T),
    "T-mean": lambda a: np.mean(a.T, axis=0),
    "neg2-axis1": lambda a: a[:, ::-2].sum(axis=1),
    "neg2-all": lambda a: a[:, ::-2].sum(),
    "rev-rows-all": lambda a: a[::-1].sum(),
    "rev-rows-axis0": lambda a: a[::-1].mean(axis=0),
    "rev-cols-all": lambda a: a[:, ::-1].mean(),
    "rev-both-all": lambda a: a[::-1, ::-1].sum(),
    "step-rows-all": lambda a: a[::2].sum(),
    "step-cols-all": lambda a: a[:, ::3].mean(),
    "T-rev": lambda a: a.T[::-1].sum(axis=1),
    "rev-T": lambda a: a[::-1].T.sum(),
    "sub": lambda a: a[1:, 2:].sum(axis=0),
    "int-mean-rev": lambda a: np.mean(a[::-1].astype(np.int64)),
    "dtype-rev": lambda a: np.sum(a[:, ::-1], dtype=np.float32),
    "rev-expand": lambda a: np.sum(a[::-1][:, None]),
    "rev-expand-axes": lambda a: a[:, ::-1][None].mean(axis=(0, 2)),
}


@pytest.mark.parametrize("name", list(VIEWS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_views_in_the_function(name, dtype):
    rng = np.random.default_rng(4)
    for shape in [(50, 300), (300, 50), (7, 20)]:
        exact(VIEWS[name], cancelling(rng, shape, dtype))


def test_views_of_3d_arrays():
    rng = np.random.default_rng(5)
    x = cancelling(rng, (30, 40, 50))
    for f in [lambda a: np.sum(a.transpose(2, 1, 0), axis=(0, 1)), lambda a: np.transpose(a, (1, 2, 0)).sum(axis=0),
              lambda a: a[:, ::-1, ::2].sum(axis=(0, 2)), lambda a: a[::-1].transpose(2, 0, 1).mean(axis=(1, 2)),
              lambda a: a[..., ::-3].sum(), lambda a: np.mean(a.T)]:
        exact(f, x)


@pytest.mark.parametrize("view", ["T", "step", "F-order", "broadcast"])
def test_views_as_arguments(view):
    # The array handed in keeps its strides (NumPy iterates it in memory order).
    rng = np.random.default_rng(6)
    x = cancelling(rng, (60, 400))
    arg = {"T": x.T, "step": x[::2, 1::3], "F-order": np.asfortranarray(x),
           "broadcast": np.broadcast_to(x[:1], (60, 400))}[view]
    for f in [lambda a: np.sum(a), lambda a: np.sum(a, axis=0), lambda a: np.mean(a, axis=1)]:
        exact(f, arg)


def test_heavy_cancellation_and_specials():
    big = np.array([1e16, 1.0, -1e16, 1.0, 3.0, -3.0, 2.0**-40, 1e16] * 40)
    exact(lambda a: (np.sum(a), np.mean(a), np.sum(a.reshape(20, 16), axis=0), np.sum(a.reshape(20, 16), axis=1)), big)
    x = np.array([1.0, np.inf, -np.inf, 2.0, np.nan, -0.0] * 3)
    exact(lambda a: (np.sum(a), np.sum(a.reshape(3, 6), axis=0), np.sum(a.reshape(3, 6), axis=1)), x)
    # Zeros: NumPy's reduction starts from +0.0, so a sum of -0.0 is +0.0.
    z = np.full((3, 4), -0.0, np.float32)
    exact(lambda a: (np.sum(a), np.sum(a, axis=0), np.sum(a, axis=()), np.mean(a, axis=1)), z)
    exact(lambda a: (np.sum(a), np.mean(a, axis=0)), np.zeros((0, 3)))


def test_var_and_std_of_ints_and_floats():
    # np.var of ints: the mean is a buffered float64 sum, the squares sum unbuffered.
    rng = np.random.default_rng(7)
    xi = rng.integers(-2**40, 2**40, (3, 10000))
    exact(lambda a: (np.var(a), np.std(a, axis=1), np.var(a, axis=0)), xi)
    # (float32 std is not compared: libtorch's float32 sqrt is off by an ulp on
    # some values, e.g. sqrt(1.1381803e+22), whatever the sum.)
    exact(lambda a: (np.var(a), np.var(a, axis=0), np.var(a, axis=1)), cancelling(rng, (300, 50), np.float32))


@pytest.mark.xfail(strict=True, reason="an argument with negative strides is copied to C order on the way "
                   "in (libtorch has no negative strides); NumPy reduces it in its own layout")
def test_negative_stride_arguments():
    rng = np.random.default_rng(8)
    x = cancelling(rng, (50, 300))
    exact(lambda a: np.sum(a), x[::-1])


@pytest.mark.parametrize("shape, axis", [((1100, 1000), 1), ((1100, 1000), -1), ((5, 420, 500), (1, 2)),
                                         ((5, 420, 500), 2), ((3, 2, 200000), 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_reductions(shape, axis, dtype):
    """A million elements and more, every output added in NumPy's order."""
    x = cancelling(np.random.default_rng(11), shape, dtype)
    exact(lambda a: np.sum(a, axis=axis), x)
    exact(lambda a: np.mean(a, axis=axis, keepdims=True), x)


def test_sums_of_elementwise_results_on_transposed_and_fortran_arrays():
    # A summed intermediate keeps libtorch's layout (NumPy's K order), not a
    # C-ordered plan buffer, so the host sum adds in NumPy's order.
    B0 = np.random.default_rng(5).standard_normal((40, 50))
    F = np.asfortranarray(B0)
    cases = [
        (lambda a: (a.T * 1.5).sum(), B0),
        (lambda a: (a * a).sum(), F),
        (lambda a: (a * 2.0).sum(axis=0), F),
        (lambda a: np.mean(a - 1.0), F),
    ]
    for fn, x in cases:
        expected = fn(x)
        got = np_compile(fn)(x)
        assert np.array_equal(np.asarray(got), np.asarray(expected)), (got, expected)
