"""Differential tests of the first slice: every function runs under plain NumPy
and compiled, and the results (type, dtype, shape, values) or the exceptions
must agree. See conftest.py for `check` and the strategies."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import npcompile
from npcompile import np_compile
from conftest import (
    DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
    Raised,
    abs_scale,
    arrays,
    broadcast_shapes,
    check,
    dtype_pairs,
    dtypes,
    elements,
    remainder_quotient_overflows,
    run_numpy,
    scalars,
    shapes,
)


def ids(table):
    return [row[0] for row in table]


# ---- binary operators and ufuncs ----------------------------------------

BINARY = [
    ("add", lambda x, y: x + y),
    ("sub", lambda x, y: x - y),
    ("mul", lambda x, y: x * y),
    ("truediv", lambda x, y: x / y),
    ("floordiv", lambda x, y: x // y),
    ("mod", lambda x, y: x % y),
    ("pow", lambda x, y: x**y),
    ("eq", lambda x, y: x == y),
    ("ne", lambda x, y: x != y),
    ("lt", lambda x, y: x < y),
    ("le", lambda x, y: x <= y),
    ("gt", lambda x, y: x > y),
    ("ge", lambda x, y: x >= y),
    ("and", lambda x, y: x & y),
    ("or", lambda x, y: x | y),
    ("xor", lambda x, y: x ^ y),
    ("np.add", np.add),
    ("np.subtract", np.subtract),
    ("np.multiply", np.multiply),
    ("np.divide", np.divide),
    ("np.floor_divide", np.floor_divide),
    ("np.remainder", np.remainder),
    ("np.power", np.power),
    ("np.maximum", np.maximum),
    ("np.minimum", np.minimum),
    ("np.less", np.less),
    ("np.bitwise_and", np.bitwise_and),
]

POW = {"pow", "np.power"}


def exponent_kw(name):
    """`**` with int exponents: 0..4 (negative int exponents raise, tested apart)."""
    return {"lo": 0, "hi": 4} if name in POW else {}


@pytest.mark.parametrize("name, fn", BINARY, ids=ids(BINARY))
@given(data=st.data())
def test_binary(name, fn, data):
    dx, dy = data.draw(dtype_pairs, label="dtypes")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(arrays(dx, sx), label="x")
    y = data.draw(arrays(dy, sy, **exponent_kw(name)), label="y")
    check(fn, x, y)


OPERAND_KINDS = ("array", "0-d", "numpy scalar", "python scalar")


@st.composite
def operands(draw, dtype, shape, **kw):
    """One operand of `dtype` as an array of `shape`, a 0-d array, a NumPy scalar
    or a Python scalar (weak, NEP 50)."""
    kind = draw(st.sampled_from(OPERAND_KINDS), label="kind")
    if kind == "array":
        return draw(arrays(dtype, shape, **kw))
    if kind == "0-d":
        return draw(arrays(dtype, (), **kw))
    value = draw(scalars(dtype, **kw))
    return value if kind == "numpy scalar" else value.item()


@pytest.mark.parametrize("name, fn", BINARY, ids=ids(BINARY))
@given(data=st.data())
def test_binary_operand_kinds(name, fn, data):
    """Arrays, 0-d arrays, NumPy scalars and Python scalars as arguments; the
    result of a 0-d computation is a NumPy scalar."""
    dx, dy = data.draw(dtype_pairs, label="dtypes")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(operands(dx, sx), label="x")
    y = data.draw(operands(dy, sy, **exponent_kw(name)), label="y")
    assume(not (isinstance(x, (bool, int, float)) and isinstance(y, (bool, int, float))))
    check(fn, x, y)


def test_broadcast_mismatch_raises_value_error():
    f = lambda x, y: x + y  # noqa: E731
    for a, b in [((3,), (4,)), ((2, 3), (3, 2)), ((0,), (2,)), ((2, 1, 3), (4, 3, 1, 2))]:
        assert isinstance(run_numpy(f, np.ones(a), np.ones(b)), Raised)
        check(f, np.ones(a), np.ones(b))
        check(np.maximum, np.ones(a, np.int32), np.ones(b))
        check(lambda x, y: x < y, np.ones(a, bool), np.ones(b))


# ---- Python scalars: weak operands (NEP 50) -----------------------------

PY_SCALARS = st.one_of(
    st.booleans(),
    st.integers(-20, 20),
    st.floats(-1e3, 1e3),
    st.sampled_from([math.nan, math.inf, -math.inf, 2.5, 1e300, -0.0]),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**40, -(2**40), 2**63 - 1, 2**63, -(2**63), 2**64]),
)

SCALAR_OPS = [
    ("add", lambda x, s: x + s, lambda x, s: s + x),
    ("sub", lambda x, s: x - s, lambda x, s: s - x),
    ("mul", lambda x, s: x * s, lambda x, s: s * x),
    ("truediv", lambda x, s: x / s, lambda x, s: s / x),
    ("floordiv", lambda x, s: x // s, lambda x, s: s // x),
    ("mod", lambda x, s: x % s, lambda x, s: s % x),
    ("pow", lambda x, s: x**s, lambda x, s: s**x),
    ("eq", lambda x, s: x == s, lambda x, s: s == x),
    ("lt", lambda x, s: x < s, lambda x, s: s < x),
    ("ge", lambda x, s: x >= s, lambda x, s: s >= x),
    ("and", lambda x, s: x & s, lambda x, s: s & x),
    ("maximum", np.maximum, lambda x, s: np.maximum(s, x)),
    ("where", lambda x, s: np.where(x > 0, x, s), lambda x, s: np.where(x > 0, s, x)),
]


@pytest.mark.parametrize("name, left, right", SCALAR_OPS, ids=ids(SCALAR_OPS))
@given(data=st.data())
def test_python_scalar_operands(name, left, right, data):
    """int32_array + 3 stays int32, float32_array * 2.5 stays float32, an int out
    of the array's range raises OverflowError: as arguments and as constants."""
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape")), label="x")
    s = data.draw(PY_SCALARS, label="s")
    for fn in (left, right):
        check(fn, x, s)  # the scalar as an argument (a static part of the signature)
        check(lambda x: fn(x, s), x)  # the scalar as a constant in the code


@pytest.mark.parametrize(
    "dtype, s, op, result",
    [
        ("int32", 3, lambda x, s: x + s, "int32"),
        ("int32", 3, lambda x, s: s * x, "int32"),
        ("float32", 2.5, lambda x, s: x * s, "float32"),
        ("float32", 3, lambda x, s: x / s, "float32"),
        ("int32", 2.5, lambda x, s: x * s, "float64"),
        ("int64", 2, lambda x, s: x / s, "float64"),
        ("bool", 1, lambda x, s: x + s, "int64"),
        ("bool", True, lambda x, s: x + s, "bool"),
        ("int32", 2**40, lambda x, s: x + s, OverflowError),
        ("int32", -(2**31) - 1, lambda x, s: x - s, OverflowError),
        ("int64", 2**63, lambda x, s: x * s, OverflowError),
        ("float32", 2**40, lambda x, s: x + s, "float32"),
    ],
)
def test_python_scalar_examples(dtype, s, op, result):
    x = np.arange(-3, 3).astype(dtype)
    expected = check(op, x, s)
    if isinstance(result, str):
        assert expected.dtype == np.dtype(result)
    else:
        assert isinstance(expected, Raised) and type(expected.exc) is result


# ---- division, remainder, power: the edge cases -------------------------


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "bool"])
@pytest.mark.parametrize("op", [lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x / y], ids=["floordiv", "mod", "truediv"])
def test_division_by_zero(dtype, op):
    """NumPy gives 0 for ints and inf/nan for floats (with a RuntimeWarning)."""
    x = np.array([-7, -1, 0, 1, 7, 3], dtype=dtype)
    y = np.array([0, 0, 0, 0, 0, 2], dtype=dtype)
    check(op, x, y)
    check(op, x, y[0])  # a NumPy scalar zero
    check(lambda x: op(x, 0), x)  # a Python zero


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_floordiv_mod_signs(dtype):
    x = np.array([-7, -7, 7, 7, -6, 6, 0, -1], dtype=dtype)
    y = np.array([2, -2, 2, -2, 3, -3, -5, 5], dtype=dtype)
    check(lambda x, y: (x // y, x % y), x, y)
    check(lambda x: (x // 3, x % 3, 3 // x, 3 % x, x % -3), x)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_remainder_with_huge_quotient(dtype):
    """libtorch's vectorized fmod gives nan where |x / y| overflows; the backend
    recomputes those lanes exactly."""
    tiny = np.finfo(dtype).tiny  # the smallest normal: 1e3 / tiny overflows
    x = np.full(16, 1e3, dtype)  # 16 elements: libtorch's vectorized loop
    y = np.full(16, tiny / 4, dtype)  # a subnormal divisor too
    y[:8] = tiny
    assert remainder_quotient_overflows(x, y)
    check(lambda x, y: x % y, x, y)
    check(lambda x, y: np.fmod(x, y), x, y)
    check(lambda x, y: np.fmod(x, y), -x, y)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_negative_int_exponent_raises_value_error(dtype):
    x = np.array([1, 2, 3], dtype=dtype)
    e = np.array([1, -1, 2], dtype=dtype)
    for fn, args in [
        (lambda x, e: x**e, (x, e)),
        (np.power, (x, e)),
        (lambda x: x**-1, (x,)),
        (lambda x, e: x**e, (x, -2)),
        (lambda x, e: x**e, (x, np.int64(-2))),
    ]:
        assert isinstance(run_numpy(fn, *args), Raised)
        check(fn, *args)


def test_negative_int_exponent_on_empty_arrays_is_fine():
    """NumPy checks the exponents it uses: none where the result is empty."""
    check(lambda x: x**-3, np.array([], np.int32))
    check(lambda x, e: x**e, np.zeros((0, 3), np.int64), np.array([1, -1, 2]))
    check(lambda x: (-2) ** x, np.zeros((2, 0), np.int32))


def test_bool_array_squared_is_int8():
    """NumPy's `a ** 2` operator is np.square(a): int8 for a bool array (and 0-d
    array), while np.power(a, 2) and a NumPy bool scalar ** 2 give int64."""
    for x in [np.array([True, False]), np.array(True), np.bool_(True)]:
        check(lambda x: (x**2, np.power(x, 2), x**3, x**2.0, x**True), x)


def test_negative_exponent_on_floats_is_fine():
    check(lambda x, e: x**e, np.array([1.0, 2.0, 4.0]), np.array([-1, -2, 0]))
    check(lambda x: x**-1, np.array([1.0, 2.0, 0.0], np.float32))
    check(lambda x: 2**x, np.array([-1, 0, 3]).astype(np.float32))


def test_int_overflow_wraps_like_numpy():
    x = np.array([2**31 - 1, -(2**31), 7], np.int32)
    check(lambda x: (x + x, x * x, x - 1, -x, abs(x), x**3), x)
    y = np.array([2**63 - 1, -(2**63), 3], np.int64)
    check(lambda y: (y + y, y * 3, -y, abs(y)), y)


# ---- bitwise, bool arithmetic: TypeErrors --------------------------------


@pytest.mark.parametrize("op", [lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y], ids=["and", "or", "xor"])
@pytest.mark.parametrize("dx, dy", [("float64", "float64"), ("float32", "int32"), ("int64", "float32"), ("bool", "float64")])
def test_bitwise_on_floats_raises_type_error(op, dx, dy):
    x, y = np.ones(3, dx), np.ones(3, dy)
    assert isinstance(run_numpy(op, x, y), Raised)
    check(op, x, y)
    check(lambda x: op(x, 1.5), np.ones(3, dy if dy != "float64" else "int32"))
    check(lambda x: ~x, np.ones(3, "float32"))


def test_bitwise_on_bools_and_ints():
    b = np.array([True, False, True, False])
    c = np.array([True, True, False, False])
    i = np.array([-3, 0, 5, 12], np.int32)
    check(lambda b, c, i: (b & c, b | c, b ^ c, ~b, i & b, i | 6, ~i, b ^ True, i ^ np.int64(3)), b, c, i)


def test_bool_subtract_and_negative_raise_type_error():
    b = np.array([True, False])
    for fn in [lambda x, y: x - y, np.subtract, lambda x, y: -x, lambda x, y: np.negative(x), lambda x, y: x - True]:
        assert isinstance(run_numpy(fn, b, b), Raised)
        check(fn, b, b)
    check(lambda x: -x, np.bool_(True))
    check(lambda x: +x, b)
    # but bool + bool, bool * bool and abs(bool) are fine
    check(lambda x, y: (x + y, x * y, abs(x), x / y, x // y, x**y), b, b[::-1].copy())


# ---- unary ---------------------------------------------------------------

UNARY = [
    ("neg", lambda x: -x),
    ("pos", lambda x: +x),
    ("abs", abs),
    ("invert", lambda x: ~x),
    ("np.negative", np.negative),
    ("np.absolute", np.absolute),
    ("np.abs", np.abs),
    ("np.sin", np.sin),
    ("np.cos", np.cos),
    ("np.tan", np.tan),
    ("np.exp", np.exp),
    ("np.log", np.log),
    ("np.sqrt", np.sqrt),
    ("np.tanh", np.tanh),
]


@pytest.mark.parametrize("name, fn", UNARY, ids=ids(UNARY))
@given(data=st.data())
def test_unary(name, fn, data):
    """Includes bool inputs (np.sin(bool) is float16 in NumPy, -bool raises)."""
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(operands(dtype, data.draw(shapes, label="shape")).filter(lambda v: not isinstance(v, (bool, int, float))), label="x")
    check(fn, x)


@pytest.mark.parametrize("name, fn", [r for r in UNARY if r[0].startswith("np.") and r[0] not in ("np.negative", "np.absolute", "np.abs")])
def test_unary_float16_input(name, fn):
    x = np.array([-3.0, -0.5, 0.0, 0.25, 1.0, 2.5, np.nan, np.inf], np.float16)
    check(fn, x)


# ---- where, clip, maximum/minimum ----------------------------------------


@given(data=st.data())
def test_where(data):
    dc, dx, dy = data.draw(st.tuples(dtypes, dtypes, dtypes), label="dtypes")
    sc, sx, sy = data.draw(broadcast_shapes(3), label="shapes")
    c = data.draw(operands(dc, sc), label="c")
    x = data.draw(operands(dx, sx), label="x")
    y = data.draw(operands(dy, sy), label="y")
    assume(not isinstance(c, (bool, int, float)))
    check(np.where, c, x, y)
    check(lambda c, x, y: np.where(c > 0, x, y), c, x, y)


def test_where_with_one_of_x_y_raises():
    check(lambda c, x: np.where(c, x), np.array([True, False]), np.ones(2))
    check(lambda c, y: np.where(c, y=y), np.array([True, False]), np.ones(2))


@pytest.mark.allow_fallback
def test_where_with_none_operand_is_a_graph_break():
    """np.where(c, x, None) is an object array in NumPy: not compiled, but not an error."""
    f = lambda c, x: np.where(c, x, None)  # noqa: E731
    c, x = np.array([True, False]), np.ones(2)
    with pytest.warns(npcompile.NpCompileWarning, match="NoneType"):
        r = np_compile(f)(c, x)
    assert r.dtype == object and r.tolist() == [1.0, None]


CLIP = [
    ("np.clip", lambda x, lo, hi: np.clip(x, lo, hi)),
    ("method", lambda x, lo, hi: x.clip(lo, hi)),
    ("kw", lambda x, lo, hi: np.clip(x, min=lo, max=hi)),
    ("lo only", lambda x, lo, hi: np.clip(x, lo, None)),
    ("hi only", lambda x, lo, hi: x.clip(max=hi)),
]


@pytest.mark.parametrize("name, fn", CLIP, ids=ids(CLIP))
@given(data=st.data())
def test_clip(name, fn, data):
    dx, dlo, dhi = data.draw(st.tuples(dtypes, dtypes, dtypes), label="dtypes")
    sx, slo, shi = data.draw(broadcast_shapes(3), label="shapes")
    x = data.draw(operands(dx, sx), label="x")
    lo = data.draw(operands(dlo, slo), label="lo")
    hi = data.draw(operands(dhi, shi), label="hi")
    assume(not isinstance(x, (bool, int, float)))
    check(fn, x, lo, hi)


def test_clip_python_int_bounds_outside_the_dtype():
    x = np.array([-5, 0, 5], np.int32)
    check(lambda x: np.clip(x, -(2**40), 2**40), x)
    check(lambda x: np.clip(x, 1, 2**40), x)
    check(lambda x: np.clip(x, 2.5, 3), x)


# ---- reductions ----------------------------------------------------------

# (name, fn(x, axis, keepdims), accumulates: rounding grows with the terms)
REDUCTIONS = [
    ("np.sum", lambda x, axis, kd: np.sum(x, axis=axis, keepdims=kd), True),
    ("np.mean", lambda x, axis, kd: np.mean(x, axis=axis, keepdims=kd), True),
    ("np.prod", lambda x, axis, kd: np.prod(x, axis=axis, keepdims=kd), False),
    ("np.max", lambda x, axis, kd: np.max(x, axis=axis, keepdims=kd), False),
    ("np.min", lambda x, axis, kd: np.min(x, axis=axis, keepdims=kd), False),
    ("np.amax", lambda x, axis, kd: np.amax(x, axis=axis, keepdims=kd), False),
    ("np.any", lambda x, axis, kd: np.any(x, axis=axis, keepdims=kd), False),
    ("np.all", lambda x, axis, kd: np.all(x, axis=axis, keepdims=kd), False),
    ("np.argmax", lambda x, axis, kd: np.argmax(x, axis=axis, keepdims=kd), False),
    ("np.argmin", lambda x, axis, kd: np.argmin(x, axis=axis, keepdims=kd), False),
    (".sum", lambda x, axis, kd: x.sum(axis=axis, keepdims=kd), True),
    (".mean", lambda x, axis, kd: x.mean(axis=axis, keepdims=kd), True),
    (".prod", lambda x, axis, kd: x.prod(axis=axis, keepdims=kd), False),
    (".max", lambda x, axis, kd: x.max(axis=axis, keepdims=kd), False),
    (".min", lambda x, axis, kd: x.min(axis=axis, keepdims=kd), False),
    (".any", lambda x, axis, kd: x.any(axis=axis, keepdims=kd), False),
    (".all", lambda x, axis, kd: x.all(axis=axis, keepdims=kd), False),
    (".argmax", lambda x, axis, kd: x.argmax(axis=axis, keepdims=kd), False),
    (".argmin", lambda x, axis, kd: x.argmin(axis=axis, keepdims=kd), False),
    ("np.add.reduce", lambda x, axis, kd: np.add.reduce(x, axis=axis, keepdims=kd), True),
    ("np.maximum.reduce", lambda x, axis, kd: np.maximum.reduce(x, axis=axis, keepdims=kd), False),
]


def axes(ndim):
    """None, an int (negative too), a tuple (empty, unordered, negative), and
    sometimes an axis out of range or a repeated one."""
    valid = st.integers(-ndim, ndim - 1) if ndim else st.nothing()
    return st.one_of(
        st.none(),
        valid,
        st.lists(valid, unique_by=lambda a: a % ndim, max_size=ndim).map(tuple) if ndim else st.just(()),
        st.sampled_from([ndim, -ndim - 1, ndim + 2]),
        st.lists(valid, min_size=2, max_size=2).map(tuple) if ndim else st.just((0,)),
    )


@pytest.mark.parametrize("name, fn, accumulates", REDUCTIONS, ids=ids(REDUCTIONS))
@given(data=st.data())
def test_reduction(name, fn, accumulates, data):
    """Empty inputs too: sum gives 0, max raises ValueError, argmax raises
    ValueError, mean gives nan; axis out of range raises AxisError."""
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape")), label="x")
    axis = data.draw(axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    check(fn, x, axis, keepdims, scale=abs_scale(x) if accumulates else None)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.sum(),
        lambda x: np.sum(x, 0),
        lambda x: x.sum(1),
        lambda x: x.mean(-1),
        lambda x: np.max(x),
        lambda x: x.min(axis=(0, 1)),
        lambda x: np.prod(x, axis=-2),
        lambda x: x.argmax(),
        lambda x: np.argmin(x, 1),
        lambda x: (x > 2).any(),
        lambda x: np.all(x > -1, axis=0),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_reduction_forms(fn, dtype):
    """Positional axes, no axes, and reductions of NumPy scalars and 0-d arrays."""
    x = np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]], dtype=dtype)
    check(fn, x)


@pytest.mark.parametrize(
    "fn",
    [lambda x: x.sum(), lambda x: np.max(x), lambda x: x.argmax(), lambda x: x.mean(axis=()), lambda x: np.all(x), lambda x: x.sum(0)],
)
@pytest.mark.parametrize("x", [np.float32(2.5), np.array(3, np.int32), np.int64(-4), np.bool_(True)], ids=repr)
def test_reduction_of_scalars(fn, x):
    check(fn, x)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.max(x),
        lambda x: x.min(),
        lambda x: x.max(axis=0),
        lambda x: x.argmax(),
        lambda x: np.argmin(x, axis=0),
        lambda x: np.maximum.reduce(x, axis=None),
    ],
)
def test_empty_reductions_without_identity_raise_value_error(fn):
    x = np.zeros((0, 3))
    assert isinstance(run_numpy(fn, x), Raised)
    check(fn, x)
    check(fn, np.zeros(0, np.int32))
    check(lambda x: fn(x.T), x)  # x.T has axis 0 of size 3: only some of these raise


def test_empty_reductions_with_identity():
    x = np.zeros((0, 3))
    check(lambda x: (x.sum(), x.prod(), x.any(), x.all(), x.sum(axis=0), x.max(axis=1), x.argmax(axis=1)), x)
    check(lambda x: (x.mean(), x.mean(axis=0)), x)


@pytest.mark.parametrize(
    "fn",
    [lambda x: x.sum(axis=2), lambda x: np.mean(x, axis=-3), lambda x: x.max(axis=(0, 2)), lambda x: x.argmax(axis=5), lambda x: np.any(x, axis=2)],
)
def test_axis_out_of_range_raises_axis_error(fn):
    x = np.ones((2, 3))
    expected = run_numpy(fn, x)
    assert isinstance(expected, Raised) and type(expected.exc) is np.exceptions.AxisError
    check(fn, x)


def test_reduction_nan_handling():
    x = np.array([[1.0, np.nan, 3.0], [-np.inf, 2.0, np.inf]])
    check(lambda x: (x.max(), x.min(axis=1), x.argmax(axis=1), x.argmin(), x.sum(axis=0), x.prod(axis=1), x.mean(axis=1), x.any(), x.all(axis=0)), x)


# ---- matmul, dot ---------------------------------------------------------

MATMUL = [
    ("@", lambda a, b: a @ b),
    ("np.matmul", np.matmul),
    ("np.dot", np.dot),
    (".dot", lambda a, b: a.dot(b)),
]


@pytest.mark.parametrize("name, fn", MATMUL, ids=ids(MATMUL))
@given(data=st.data())
def test_matmul(name, fn, data):
    """Finite elements: how nan and inf propagate through a product is up to the
    BLAS kernel (NumPy's own np.dot([0.], [[nan, nan]]) is [0, 0], BLAS skips zero
    terms, while np.matmul gives [nan, nan]); see test_matmul_nan_and_inf."""
    da, db = data.draw(dtype_pairs, label="dtypes")
    n, k, m = data.draw(st.tuples(*[st.integers(0, 4)] * 3), label="n, k, m")
    k2 = data.draw(st.one_of(st.just(k), st.just(k), st.just(k), st.integers(0, 4)), label="k of b")
    sa = data.draw(st.sampled_from([(k,), (n, k)]), label="shape a")
    sb = data.draw(st.sampled_from([(k2,), (k2, m)]), label="shape b")
    a = data.draw(arrays(da, sa, specials=False), label="a")
    b = data.draw(arrays(db, sb, specials=False), label="b")
    check(fn, a, b, scale=abs_scale(a) * abs_scale(b))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_matmul_nan_and_inf(dtype):
    """Where NumPy's matmul and dot agree: nan and inf times non-zero terms."""
    a = np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 5.0], [np.inf, 1.0, 1.0]], dtype)
    b = np.array([[1.0, 2.0], [3.0, 4.0], [-np.inf, 6.0]], dtype)
    check(lambda a, b: (a @ b, np.dot(a, b), a[1] @ b, a @ b[:, 0]), a, b, scale=abs_scale(a) * abs_scale(b))


@pytest.mark.parametrize("name, fn", MATMUL, ids=ids(MATMUL))
def test_matmul_errors_and_scalars(name, fn):
    check(fn, np.ones((2, 3)), np.ones((4, 2)))  # ValueError: core dimension mismatch
    check(fn, np.ones(3), np.ones(4))
    check(fn, np.ones((2, 3)), np.ones(2))
    check(fn, np.ones(3), np.ones((2, 3)))
    check(fn, np.ones(()), np.arange(3.0))  # np.dot multiplies, matmul raises ValueError
    check(fn, np.arange(3.0), np.float32(2.0))
    check(fn, np.arange(4, dtype=np.int32), np.arange(4, dtype=np.int32))  # 1-D @ 1-D: a NumPy scalar
    check(fn, np.array([True, False]), np.array([[True, False], [False, False]]))


# ---- shapes --------------------------------------------------------------


@st.composite
def reshape_targets(draw, size):
    """A shape of `size` elements (sometimes with one -1), or sometimes a wrong one."""
    dims = []
    rest = size
    for _ in range(draw(st.integers(0, 3))):
        if size == 0:
            d = draw(st.integers(0, 3))
        else:
            d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
            rest //= d
        dims.append(d)
    if size != 0 and (rest != 1 or not dims or draw(st.booleans())):
        dims.append(rest)
    if size == 0 and 0 not in dims:
        dims.append(0)
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    if draw(st.integers(0, 5)) == 0:
        dims.append(draw(st.sampled_from([2, 3, -1])))  # usually a wrong size or two -1s
    return tuple(dims)


RESHAPE = [
    ("method", lambda x, t: x.reshape(t)),
    ("method *", lambda x, t: x.reshape(*t) if t else x.reshape(())),
    ("np.reshape", lambda x, t: np.reshape(x, t)),
    ("then add", lambda x, t: x.reshape(t) + 1),
]


@pytest.mark.parametrize("name, fn", RESHAPE, ids=ids(RESHAPE))
@given(data=st.data())
def test_reshape(name, fn, data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(operands(dtype, data.draw(shapes, label="shape")).filter(lambda v: not isinstance(v, (bool, int, float))), label="x")
    t = data.draw(reshape_targets(np.size(x)), label="target")
    check(lambda x: fn(x, t), x)


def test_reshape_wrong_size_raises_value_error():
    x = np.arange(6)
    for t in [(4,), (4, -1), (-1, -1), (0, -1), (7,), (2, 2)]:
        assert isinstance(run_numpy(lambda x: x.reshape(t), x), Raised)
        check(lambda x: x.reshape(t), x)
    check(lambda x: x.reshape(0, -1), np.zeros((0, 3)))


@given(data=st.data())
def test_transpose(data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape")), label="x")
    perm = tuple(data.draw(st.permutations(range(x.ndim)), label="perm"))
    neg = tuple(p - x.ndim if i % 2 else p for i, p in enumerate(perm))
    check(lambda x: x.T, x)
    check(lambda x: (np.transpose(x), x.transpose(), x.T * 2), x)
    check(lambda x: (np.transpose(x, perm), x.transpose(neg), x.transpose(*perm) if perm else x.transpose()), x)


def test_transpose_errors():
    x = np.ones((2, 3, 4))
    check(lambda x: x.transpose(0, 1), x)
    check(lambda x: x.transpose(0, 0, 1), x)
    check(lambda x: np.transpose(x, (0, 1, 3)), x)


@given(data=st.data())
def test_expand_dims(data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape")), label="x")
    n = x.ndim + 1
    axis = data.draw(
        st.one_of(
            st.integers(-n, n - 1),
            st.lists(st.integers(-n - 1, n), min_size=1, max_size=2).map(tuple),
            st.sampled_from([n, -n - 1]),
        ),
        label="axis",
    )
    check(lambda x: np.expand_dims(x, axis), x)


@given(data=st.data())
def test_squeeze(data):
    dtype = data.draw(dtypes, label="dtype")
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=2), label="shape")
    x = data.draw(arrays(dtype, shape), label="x")
    axis = data.draw(axes(x.ndim), label="axis")
    check(lambda x: np.squeeze(x), x)
    check(lambda x: x.squeeze(axis), x)
    check(lambda x: np.squeeze(x, axis=axis), x)


@given(data=st.data())
def test_basic_indexing(data):
    """ints, slices (negative steps too), `...` and None."""
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(operands(dtype, data.draw(shapes, label="shape")).filter(lambda v: not isinstance(v, (bool, int, float))), label="x")
    index = data.draw(hnp.basic_indices(np.shape(x), allow_newaxis=True, allow_ellipsis=True), label="index")
    check(lambda x: x[index], x)
    check(lambda x: x[index] * 2, x)


@st.composite
def slices(draw, n):
    bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
    return slice(draw(bound), draw(bound), draw(step))


@given(data=st.data())
def test_slices_with_steps(data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5), label="shape")), label="x")
    index = tuple(data.draw(slices(n), label=f"slice {i}") for i, n in enumerate(x.shape))
    check(lambda x: x[index], x)
    check(lambda x: x[index[0]], x)


def test_indexing_examples():
    x = np.arange(24.0).reshape(2, 3, 4)
    check(
        lambda x: (x[0], x[-1, ::-1], x[..., 1], x[:, None, 1:3], x[None], x[1, 2, 3], x[..., None], x[::-2, ::2, ::-3], x[0, ..., 0], x[...]),
        x,
    )
    check(lambda x: (x[()], x[...], x[None]), np.array(2.5))
    check(lambda x: (x[()], x[...]), np.float32(1.5))


def test_numpy_integer_indices_and_axes():
    x = np.arange(24.0).reshape(2, 3, 4)
    i, j = np.int64(1), np.int32(-1)
    check(lambda x: (x[i], x[j, i:], x[:, ::i], x[..., j]), x)
    check(lambda x: (x.sum(axis=i), np.max(x, axis=(i, j)), x.argmin(axis=j), np.expand_dims(x, i), x.reshape(i, -1)), x)


@pytest.mark.parametrize("x", [np.float32(2.5), np.int64(-3), np.bool_(True), np.array(1.5)], ids=repr)
def test_shape_ops_on_scalars_and_0d(x):
    """A NumPy scalar's methods return NumPy scalars where the result is 0-d."""
    check(
        lambda x: (x.T, x.reshape(()), x.reshape(1), x.reshape(-1), x.transpose(), x.squeeze(), x.ravel(), x.copy(), x.astype(np.float64)),
        x,
    )
    check(lambda x: (np.transpose(x), np.squeeze(x), np.reshape(x, ()), np.expand_dims(x, 0), x[None], np.clip(x, 0, 1)), x)


@pytest.mark.parametrize("index", [5, -4, (0, 7), (slice(None), 3), (1, 1, 1), (0, 0, 0, 0)], ids=repr)
def test_out_of_bounds_index_raises_index_error(index):
    x = np.ones((3, 3))
    assert isinstance(run_numpy(lambda x: x[index], x), Raised)
    check(lambda x: x[index], x)


def test_bad_indices_raise():
    x = np.ones((3, 3))
    check(lambda x: x[..., ...], x)
    check(lambda x: x[1.5], x)
    check(lambda x: x[0], np.array(1.0))


# ---- astype --------------------------------------------------------------


@given(data=st.data())
def test_astype(data):
    """Between the five dtypes; float -> int only from finite in-range values
    (NumPy leaves NaN and out-of-range conversions undefined)."""
    src, dst = data.draw(dtype_pairs, label="src, dst")
    specials = np.dtype(dst).kind not in "iu"
    x = data.draw(operands(src, data.draw(shapes, label="shape"), specials=specials).filter(lambda v: not isinstance(v, (bool, int, float))), label="x")
    check(lambda x: x.astype(dst), x)
    check(lambda x: x.astype(np.dtype(dst)) + 1, x)
    check(lambda x: x.astype(dst, copy=False), x)


def test_astype_spellings():
    x = np.array([-2.5, -0.5, 0.0, 0.5, 3.75])
    check(lambda x: (x.astype(int), x.astype(float), x.astype(bool), x.astype(np.int32), x.astype("float32"), x.astype("i8")), x)
    check(lambda x: x.astype(np.float32) * 2.5, np.arange(4, dtype=np.int64))


# ---- compositions --------------------------------------------------------

PROGRAMS = [
    ("sin*y+1", lambda x, y: np.sin(x) * y + 1.0),
    ("softmax", lambda x, y: np.exp(x - x.max(axis=-1, keepdims=True)) / np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True)),
    ("normalize", lambda x, y: (x - x.mean(axis=0)) / np.sqrt(((x - x.mean(axis=0)) ** 2).mean(axis=0) + 1e-5)),
    ("where+clip", lambda x, y: np.where(x > y, np.clip(x, -1, 1), y * 2)),
    ("chain", lambda x, y: ((x + y) * (x - y) / 2.0).T[::-1] ** 2),
    ("tuple", lambda x, y: (x + y, (x * y).sum(), np.maximum(x, 0.0), abs(y))),
    ("compare", lambda x, y: ((x < y) & (x > -y)) | ~(x == y)),
    ("mixed int", lambda x, y: (x.astype(np.int32) // 3 + 1) % 4 * y),
]


@pytest.mark.parametrize("name, fn", PROGRAMS, ids=ids(PROGRAMS))
@given(data=st.data())
def test_programs(name, fn, data):
    dx, dy = data.draw(st.tuples(st.sampled_from(FLOAT_DTYPES), st.sampled_from(FLOAT_DTYPES)), label="dtypes")
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4), label="shape")
    x = data.draw(arrays(dx, shape, specials=False, flo=-10, fhi=10), label="x")
    y = data.draw(arrays(dy, shape[-1:], specials=False, flo=-10, fhi=10), label="y")
    note(f"x={x!r} y={y!r}")
    # float32 intermediates bound the precision of a float64 result
    check(fn, x, y, scale=abs_scale(x) + abs_scale(y), tol=min(x.dtype, y.dtype, key=lambda d: d.itemsize))


def test_identity_and_constant_returns():
    x = np.arange(3.0)
    check(lambda x: x, x)
    check(lambda x: x, np.float32(2.0))
    check(lambda x: x, np.array(2, np.int32))
    check(lambda x: (x, 1, None, "s", x.shape, x.ndim, [x.size, {"k": x * 2}]), x)
