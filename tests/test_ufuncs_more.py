"""Differential tests of the elementwise ufuncs beyond the first slice (issue 3):
every op on every dtype up to 64 bits (bar uint16/32/64, which tch cannot hold
yet), on each dtype's special values (0, +-1, min, max, nan, +-inf, -0.0) and on
hypothesis-drawn arrays, Python scalars and NumPy scalars. NumPy is the oracle
(`check` in conftest.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npcompile
from npcompile import np_compile
from conftest import arrays, broadcast_shapes, check, operands, elements, scalars, shapes

DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")

UNARY = [
    "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1",
    "log2", "log10", "log1p", "cbrt", "square", "reciprocal", "sign", "floor", "ceil", "trunc", "rint",
    "fix", "isnan", "isinf", "isfinite", "signbit", "deg2rad", "rad2deg", "radians", "degrees", "logical_not",
]
BINARY = [
    "arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "fmin", "fmax", "heaviside",
    "logical_and", "logical_or", "logical_xor", "left_shift", "right_shift", "float_power",
]


def special_values(dtype):
    """0, +-1, small ints, min and max, and for floats nan, +-inf, -0.0 and a few
    values inside and outside the inverse functions' domains."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([False, True])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        vals = {0, 1, 2, 3, 7, 8, 9, int(info.max), int(info.max) - 1, int(info.min)}
        if dtype.kind == "i":
            vals |= {-1, -2, -8, -9, int(info.min) + 1}
        return np.array(sorted(vals), dtype)
    info = np.finfo(dtype)
    return np.array(
        [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 8.0, -8.0, 27.0, 1e-3, 0.9999,
         float(info.max), float(info.min), float(info.tiny), math.nan, math.inf, -math.inf],
        dtype,
    )


def ufunc(name):
    f = getattr(np, name)
    return lambda *xs: f(*xs)


# ---- every op x every dtype, on the special values ----------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_special_values(name, dtype):
    x = special_values(dtype)
    check(ufunc(name), x)
    check(ufunc(name), x[-1])  # a NumPy scalar in, a NumPy scalar out
    check(ufunc(name), x.reshape(-1, 1)[::-2])


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_special_values(name, dx):
    """Every pair of special values (an outer product) for every pair of dtypes."""
    f = ufunc(name)
    for dy in DTYPES:
        x, y = special_values(dx), special_values(dy)
        check(f, x[:, None], y[None, :])


# ---- hypothesis: shapes, broadcasting, operand kinds --------------------

dtypes = st.sampled_from(DTYPES)


@settings(max_examples=15)
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_random(name, data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape"), flo=-30, fhi=30), label="x")
    check(ufunc(name), x)


@settings(max_examples=15)
@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_random(name, data):
    """Broadcasting shapes; arrays, 0-d arrays, NumPy scalars and Python scalars
    (NEP 50: `arctan2(int8, 300)` is float16, `logical_and(int8, 300)` is fine,
    `fmax(int8, 300)` raises OverflowError)."""
    dx, dy = data.draw(dtypes, label="dx"), data.draw(dtypes, label="dy")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(operands(dx, sx), label="x")
    y = data.draw(operands(dy, sy), label="y")
    if isinstance(x, (bool, int, float)) and isinstance(y, (bool, int, float)):
        y = np.asarray(y)
    check(ufunc(name), x, y)


PY_INTS = [0, 1, -1, 2, 127, 128, 255, 256, 300, -129, 2**31, 2**40, 2**63 - 1, 2**63, 2**70, -(2**70)]
PY_FLOATS = [0.5, -0.0, math.nan, math.inf, 1e300]


@pytest.mark.parametrize("name", BINARY)
def test_binary_python_scalars(name):
    """Python scalars on either side of every dtype, including ints no dtype holds."""
    for dtype, s in itertools.product(DTYPES, PY_INTS + PY_FLOATS + [True, False]):
        x = special_values(dtype)
        check(lambda x: getattr(np, name)(x, s), x)
        check(lambda x: getattr(np, name)(s, x), x)


@pytest.mark.parametrize("name", UNARY)
def test_unary_of_python_scalars_is_strong(name):
    """np.sin(3) runs eagerly in NumPy while tracing; its result is a NumPy scalar,
    strong in what follows (np.float64 is a float subclass, not a weak Python float)."""
    f = getattr(np, name)
    for s in [True, 0, 3, -8, 2**40, 0.5, -8.0, math.nan, -0.0]:
        with np.errstate(all="ignore"):
            check(lambda x: f(s) + x, np.zeros(2, np.float32))
            check(lambda x: x * f(s), np.ones(2, np.int8))


# ---- the per-op rules, spelled out --------------------------------------

@pytest.mark.parametrize(
    "fn, x, dtype",
    [
        (np.square, np.array([100, -128], np.int8), "int8"),  # wraps, stays int8
        (np.square, np.array([True, False]), "int8"),
        (np.reciprocal, np.array([True, False]), "int8"),
        (np.floor, np.array([3, -3], np.int32), "int32"),  # NumPy 2 keeps ints
        (np.ceil, np.array([True]), "bool"),
        (np.trunc, np.array([200], np.uint8), "uint8"),
        (np.rint, np.array([3], np.int16), "float32"),  # but rint of an int is a float
        (np.sin, np.array([3], np.uint8), "float16"),
        (np.exp2, np.array([3], np.int16), "float32"),
        (np.isnan, np.array([3], np.int8), "bool"),
        (np.logical_not, np.array([0.0, np.nan], np.float16), "bool"),
    ],
)
def test_unary_result_dtypes(fn, x, dtype):
    assert check(fn, x).dtype == np.dtype(dtype)


@pytest.mark.parametrize(
    "fn, x, y, result",
    [
        (np.arctan2, np.array([1], np.int8), np.array([1], np.uint8), "float16"),  # not int16's float32
        (np.arctan2, np.array([1], np.int8), 300, "float16"),  # no OverflowError: 300 becomes float16
        (np.arctan2, np.array([True]), 2, "float64"),  # a Python int beside bool is int64
        (np.hypot, np.array([1], np.int16), np.array([1], np.float16), "float32"),
        (np.copysign, np.array([True]), -1, "float64"),
        (np.heaviside, np.array([1], np.int8), 0.5, "float64"),
        (np.float_power, np.array([2], np.int8), -1, "float64"),
        (np.float_power, np.array([2], np.float16), np.array([2], np.float16), "float64"),
        (np.fmax, np.array([True]), 2, "int64"),
        (np.fmax, np.array([1], np.int8), 300, OverflowError),
        (np.logical_and, np.array([1], np.int8), 300, "bool"),
        (np.logical_or, np.array([1], np.int8), 2**70, OverflowError),
        (np.left_shift, np.array([True]), np.array([True]), "int8"),
        (np.left_shift, 1.0, np.array([1], np.int8), TypeError),
        (np.right_shift, np.array([1], np.int8), 1.0, TypeError),
        (np.left_shift, np.array([1], np.int8), 300, OverflowError),
    ],
)
def test_binary_result_dtypes(fn, x, y, result):
    expected = check(fn, x, y)
    if isinstance(result, str):
        assert expected.dtype == np.dtype(result)
    else:
        assert type(expected.exc) is result or issubclass(type(expected.exc), result)


def test_nan_rules():
    """fmax/fmin ignore NaN, maximum/minimum propagate it; sign and heaviside keep it."""
    x = np.array([np.nan, 1.0, np.nan, -0.0])
    y = np.array([0.0, np.nan, np.nan, 0.0])
    for f in (np.fmax, np.fmin, np.maximum, np.minimum, np.heaviside, np.copysign):
        check(f, x, y)
    assert np.isnan(np_compile(np.sign)(np.array([np.nan]))[0])
    assert list(np_compile(np.fmax)(x, y)[:2]) == [0.0, 1.0]


def test_shift_counts_out_of_range():
    """NumPy defines shifts by the bit width or more (0, or -1 for negative right
    shifts) and by negative counts (as out of range)."""
    for dtype in ("int8", "int16", "int32", "int64", "uint8"):
        x = np.array([1, 3, 100, 127], dtype)
        if dtype != "uint8":
            x = np.concatenate([x, np.array([-1, -100], dtype)])
        counts = np.array([0, 1, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100] + ([-1, -100] if dtype != "uint8" else []), dtype)
        check(np.left_shift, x[:, None], counts[None, :])
        check(np.right_shift, x[:, None], counts[None, :])


def test_integer_reciprocal():
    """NumPy's integer reciprocal is 1.0 / x converted back (x86-64: 0 for 1/0 in
    narrow types, the type's minimum for int32 and int64)."""
    for dtype in ("int8", "int16", "int32", "int64", "uint8"):
        info = np.iinfo(dtype)
        x = np.array(sorted({0, 1, 2, int(info.max), int(info.min)} | ({-1, -2} if info.min else set())), dtype)
        check(np.reciprocal, x)


# ---- torch._numpy's known divergences (issue 3) -------------------------

def test_square_of_int8_stays_int8():
    r = check(np.square, np.array([100, -12, 3], np.int8))
    assert r.dtype == np.int8 and list(r) == [16, -112, 9]


def test_int8_true_divide_is_float64():
    r = check(lambda x, y: x / y, np.array([1, -3], np.int8), np.array([2, 0], np.int8))
    assert r.dtype == np.float64


def test_any_of_uint8_is_bool():
    r = check(np.any, np.array([0, 2], np.uint8))
    assert r.dtype == np.bool_
    check(lambda x: x.any(axis=0), np.array([[0, 2], [0, 0]], np.uint8))


def test_fix_truncates_toward_zero():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, np.nan, -np.inf], np.float32)
    r = check(np.fix, x)
    assert list(r[:6]) == [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0]
    check(np.fix, np.array([-7, 7], np.int16))
    check(np.fix, 3)
    check(np.fix, -3.5)


def test_cbrt_of_negative_is_real():
    # check() compares with NumPy's cbrt on this machine; the asserts below hold
    # for any correct libm (cbrt is not correctly rounded everywhere: one gives
    # cbrt(27.0) == 3.0000000000000004), so none pins a last bit.
    r = check(np.cbrt, -8.0)
    assert r < 0 and abs(r + 2.0) <= 4 * np.finfo(np.float64).eps
    r = check(np.cbrt, np.array([-8.0, 27.0, -0.0, 1e-300, -1e300, np.inf, -np.inf, np.nan]))
    assert r[0] < 0 and r[1] > 0 and r[4] < 0 and math.copysign(1.0, r[2]) == -1.0
    assert r[5] == np.inf and r[6] == -np.inf and np.isnan(r[7])
    check(np.cbrt, np.array([-8, 27, 64, -125], np.float32))


def test_sign_of_nan_is_nan():
    r = check(np.sign, np.array([np.nan, -np.inf, -0.0, 0.0, 2.0], np.float16))
    assert np.isnan(r[0])
    assert np.isnan(check(np.sign, np.float64(np.nan)))


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "int32"])
def test_clip_with_python_bounds_outside_the_dtype(dtype):
    x = np.array([-5, 0, 5, 100], dtype) if dtype != "uint8" else np.array([0, 5, 100, 255], dtype)
    check(lambda x: np.clip(x, -1000, 1000), x)
    check(lambda x: np.clip(x, -1000, 3), x)
    check(lambda x: np.clip(x, 2, 10**6), x)
    check(lambda x: np.clip(x, 2.5, 300), x)


# ---- dtypes NumPy has no loop for, and complex --------------------------

@pytest.mark.parametrize("fn", [np.floor, np.signbit, np.cbrt, np.deg2rad])
def test_real_only_ufuncs_reject_complex(fn):
    check(fn, np.array([1 + 2j]))


@pytest.mark.parametrize("fn", [np.arctan2, np.hypot, np.copysign, np.left_shift])
def test_real_only_binary_ufuncs_reject_complex(fn):
    check(fn, np.array([1 + 2j]), np.array([1.0]))


COMPLEX_VALUES = [0j, 1 + 0j, -0.0 - 0.0j, 2j, complex(np.nan, 0), complex(0, np.inf), complex(np.inf, np.nan)]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("fn", [np.isnan, np.isinf, np.isfinite, np.logical_not])
def test_complex_predicates(fn, dtype):
    check(fn, np.array(COMPLEX_VALUES, dtype))


@pytest.mark.parametrize("fn", [np.logical_and, np.logical_or, np.logical_xor])
def test_complex_logical(fn):
    c = np.array(COMPLEX_VALUES)
    check(fn, c[:, None], c[None, :])
    check(fn, c.astype(np.complex64), np.array([0.0, 1.0, np.nan, 0.0, -0.0, 3.0, 0.0], np.float16))


@pytest.mark.parametrize("fn", [np.sign, np.square, np.arcsin, np.reciprocal, np.fmax])
def test_complex_loops(fn):
    x = np.array([1 + 2j, -3j, 0j, complex(np.inf, 1), complex(np.nan, 0)])
    args = (x,) if fn.nin == 1 else (x[:, None], x[None, :])
    check(lambda *a: fn(*a), *args)

