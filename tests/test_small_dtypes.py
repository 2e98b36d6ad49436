"""The first slice's ops on the dtypes it did not test: int8, int16, uint8 and
float16 beside bool, int32, int64, float32 and float64 (issue 3). NumPy is the
oracle (`check` in conftest.py). Results NumPy gives as uint16/32/64 cannot be
held by tch yet: those calls fall back to NumPy with a warning, tested as such."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npcompile
from npcompile import np_compile
from conftest import abs_scale, arrays, broadcast_shapes, check
from test_ufuncs_more import DTYPES, special_values

OPERATORS = [
    ("add", operator.add),
    ("sub", operator.sub),
    ("mul", operator.mul),
    ("truediv", operator.truediv),
    ("floordiv", operator.floordiv),
    ("mod", operator.mod),
    ("pow", operator.pow),
    ("eq", operator.eq),
    ("ne", operator.ne),
    ("lt", operator.lt),
    ("ge", operator.ge),
    ("and", operator.and_),
    ("or", operator.or_),
    ("xor", operator.xor),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
]


def ids(table):
    return [row[0] for row in table]


def exponents(dtype):
    """`**` exponents: 0..9 for ints (negative int exponents raise, tested in
    test_differential), the special values for floats."""
    v = special_values(dtype)
    return v[(v >= 0) & (v < 10)] if v.dtype.kind in "iu" else v


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("name, fn", OPERATORS, ids=ids(OPERATORS))
def test_operators_on_special_values(name, fn, dx):
    for dy in DTYPES:
        x = special_values(dx)[:, None]
        y = (exponents(dy) if name == "pow" else special_values(dy))[None, :]
        check(fn, x, y)


UNARY = [
    ("neg", operator.neg),
    ("abs", abs),
    ("invert", operator.invert),
    ("sin", np.sin),
    ("cos", np.cos),
    ("tan", np.tan),
    ("exp", np.exp),
    ("log", np.log),
    ("sqrt", np.sqrt),
    ("tanh", np.tanh),
    ("positive", np.positive),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, fn", UNARY, ids=ids(UNARY))
def test_unary_on_special_values(name, fn, dtype):
    check(fn, special_values(dtype))


REDUCTIONS = ["sum", "prod", "mean", "max", "min", "any", "all", "argmax", "argmin"]
# NumPy accumulates sum and prod of uint8 in uint64, which tch 0.24 cannot hold.
UINT64_RESULTS = {("sum", "uint8"), ("prod", "uint8")}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name, dtype):
    if (name, dtype) in UINT64_RESULTS:
        pytest.skip("uint64 result: see test_uint64_reductions_fall_back")
    x = special_values(dtype)
    x2 = np.resize(x, (3, 5))
    f = getattr(np, name)
    # Float sums round in an order of their own: bound the difference by the terms' magnitudes.
    with np.errstate(over="ignore"):
        scale = abs_scale(x.astype(np.float64)) if name in ("sum", "mean") else None
    check(f, x, scale=scale)
    check(lambda a: f(a, axis=1, keepdims=True), x2, scale=scale)
    check(lambda a: getattr(a, name)(axis=0), x2, scale=scale)


def test_int8_sum_and_prod_accumulate_in_int64():
    x = np.array([127, 127, 127, -128, 100], np.int8)
    assert check(np.sum, x).dtype == np.int64
    assert check(np.prod, x).dtype == np.int64
    assert check(np.sum, np.ones(300, bool)) == 300
    check(lambda a: a.sum(axis=0), np.full((4, 3), 30000, np.int16))


@pytest.mark.parametrize("name", ["sum", "prod"])
def test_uint64_reductions(name):
    """np.sum(uint8) is uint64; uint64 sums wrap as NumPy's do."""
    check(lambda a: getattr(np, name)(a), np.array([200, 100, 255], np.uint8))
    check(lambda a: getattr(np, name)(a, axis=0), np.array([[2**64 - 1, 5], [2**63, 2**62]], np.uint64))


@pytest.mark.parametrize("dx", DTYPES)
def test_matmul_where_clip_astype(dx):
    x = special_values(dx)
    a = np.resize(x, (3, 4))
    for dy in DTYPES:
        y = special_values(dy)
        finite = lambda v: v[np.isfinite(v.astype(np.float64))] if v.dtype.kind == "f" else v  # noqa: E731
        check(lambda p, q: p @ q, np.resize(finite(x), (3, 4)), np.resize(finite(y), (4, 2)))
        check(lambda c, p, q: np.where(c, p, q), x > 1, x, np.resize(y, x.shape))
        check(lambda p: p.astype(dy), x)
    check(lambda p: np.clip(p, 1, 5), x)
    check(lambda p: p[::-1, 1:3].T, a)


@pytest.mark.parametrize("s", [1, -1, 2.5, 300, True])
def test_python_scalars(s):
    for dtype in DTYPES:
        x = special_values(dtype)
        for fn in (lambda x: x + s, lambda x: s * x, lambda x: x < s, lambda x: np.maximum(x, s)):
            check(fn, x)


@settings(max_examples=20)
@pytest.mark.parametrize("name, fn", OPERATORS, ids=ids(OPERATORS))
@given(data=st.data())
def test_operators_random(name, fn, data):
    dx = data.draw(st.sampled_from(DTYPES), label="dx")
    dy = data.draw(st.sampled_from(DTYPES), label="dy")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(arrays(dx, sx), label="x")
    y = data.draw(arrays(dy, sy, **({"lo": 0, "hi": 4} if name == "pow" else {})), label="y")
    check(fn, x, y)
