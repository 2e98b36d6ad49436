"""Signs of zeros and infinities as NumPy's loops give them: floor_divide,
remainder, fmod, divmod and true_divide over every pair of special values, and
the operand maximum/minimum/clip return where the two compare equal. Compared
bit for bit (signbit included, NaN signs aside) with NumPy in the same process,
at array lengths that take NumPy's scalar and SIMD paths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from npcompile import np_compile

SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 1e300, -1e300, 5e-324, -5e-324]
FLOATS = [np.float16, np.float32, np.float64]


def same_bits(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(actual), nan)
    np.testing.assert_array_equal(actual[~nan], expected[~nan])
    np.testing.assert_array_equal(np.signbit(actual[~nan]), np.signbit(expected[~nan]), err_msg="sign of zero")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "divmod", "true_divide"])
def test_division_family_over_special_pairs(name, dtype):
    with np.errstate(all="ignore"):
        x, y = np.array(list(itertools.product(SPECIALS, SPECIALS)), dtype=dtype).T.copy()
    f = getattr(np, name)
    cf = np_compile(lambda a, b: f(a, b))
    for n in (1, 7, len(x)):
        with np.errstate(all="ignore"):
            expected = f(x[:n], y[:n])
        got = cf(x[:n], y[:n])
        for e, g in zip(expected if isinstance(expected, tuple) else (expected,), got if isinstance(got, tuple) else (got,)):
            same_bits(g, e)
    for a, b in zip(x[::17], y[::17]):  # NumPy scalars take the scalar path
        with np.errstate(all="ignore"):
            expected = f(a, b)
        got = np_compile(lambda p, q: f(p, q))(a, b)
        for e, g in zip(expected if isinstance(expected, tuple) else (expected,), got if isinstance(got, tuple) else (got,)):
            same_bits(g, e)


ZEROS = [0.0, -0.0, np.nan, 1.0, -1.0, np.inf]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties(name, dtype):
    f = getattr(np, name)
    x, y = np.array(list(itertools.product(ZEROS, ZEROS)), dtype=dtype).T.copy()
    cf = np_compile(lambda a, b: f(a, b))
    for n in (1, 3, 8, 17, len(x)):
        same_bits(cf(x[:n], y[:n]), f(x[:n], y[:n]))
    for k in range(len(x)):  # against one value, either side
        same_bits(cf(x, y[k]), f(x, y[k]))
        same_bits(cf(x[k], y), f(x[k], y))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((7,), (), ()), ((3, 4), (3, 1), (3, 1)), ((3, 4), (1, 4), ()), ((3, 4), (3, 1), ()),
                                    ((1, 4), (3, 1), (3, 1)), ((4,), (1,), (4,)), ((2, 3), (2, 3), (2, 3))])
def test_clip_ties_follow_numpys_loop(shapes, dtype):
    rng = np.random.default_rng(0)
    xs, ls, hs = shapes
    for _ in range(10):
        x = rng.choice([0.0, -0.0, 1.0, -1.0, np.nan], xs).astype(dtype)
        lo = rng.choice([0.0, -0.0], ls).astype(dtype)
        hi = rng.choice([0.0, -0.0], hs).astype(dtype)
        same_bits(np_compile(lambda a, b, c: np.clip(a, b, c))(x, lo, hi), np.clip(x, lo, hi))
        same_bits(np_compile(lambda a, b: np.clip(a, None, b))(x, hi), np.clip(x, None, hi))
        same_bits(np_compile(lambda a, b: np.clip(a, b, None))(x, lo), np.clip(x, lo, None))
    for lo, hi in [(-0.0, 0.0), (0.0, -0.0), (0, None), (None, 0)]:
        x = rng.choice([0.0, -0.0, np.inf, -np.inf], 9).astype(dtype)
        same_bits(np_compile(lambda a: np.clip(a, lo, hi))(x), np.clip(x, lo, hi))


@pytest.mark.parametrize("n", [(1 << 19) - 1, (1 << 19) + 1])
def test_large_maximum_minimum(n):
    """Large arrays take the host pass end to end: the ties, NaNs and broadcast
    single values stay NumPy's."""
    rng = np.random.default_rng(3)
    a = rng.choice(ZEROS, n)
    b = rng.choice(ZEROS, n)
    for f in (np.maximum, np.minimum):
        cf = np_compile(lambda x, y: f(x, y))
        same_bits(cf(a, b), f(a, b))
        same_bits(cf(a, np.float64(-0.0)), f(a, np.float64(-0.0)))
        same_bits(cf(np.float64(0.0), b), f(np.float64(0.0), b))
