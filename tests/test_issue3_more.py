"""Differential tests of issue 3's remaining ops: np.cumsum/np.cumprod (a new
`cumsum[axis=k]`/`cumprod[axis=k]` primitive), np.round/np.around/ndarray.round,
gcd, lcm, nextafter, conj/conjugate, real, imag and angle (with the `.real`,
`.imag` properties) on bool, int8, int16, int32, int64, uint8, float16, float32
and float64. NumPy is the oracle (`check` in conftest.py); complex operands and
uint64 results fall back to NumPy with the warning, tested as such."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import npcompile
from npcompile import np_compile
from conftest import arrays, assert_matches, assert_same, broadcast_shapes, check, operands, scalars, shapes

DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8")
CUM_DTYPES = DTYPES


def special_values(dtype):
    """0, +-1, small ints (with halves of tens for rounding), min and max; for
    floats nan, +-inf, -0.0, halves, tiny, max and values that round badly."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([False, True, True, False, True])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        vals = {0, 1, 2, 3, 7, 8, 15, 25, 35, 45, 50, 64, 96, 105, int(info.max), int(info.max) - 1, int(info.min)}
        if dtype.kind == "i":
            vals |= {-1, -2, -6, -15, -25, -64, -105, int(info.min) + 1, int(info.min) // 2}
        return np.array(sorted(vals), dtype)
    info = np.finfo(dtype)
    return np.array(
        [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 3.5, 1.25, -1.35, 2.675, 0.125, 1234.5, -1250.0,
         1e-3, float(info.max), float(info.min), float(info.tiny), math.nan, math.inf, -math.inf],
        dtype,
    )


# ---- cumsum / cumprod ----------------------------------------------------

CUMULATIVE = {
    "np.cumsum": lambda a, axis: np.cumsum(a, axis=axis),
    "np.cumprod": lambda a, axis: np.cumprod(a, axis),
    "ndarray.cumsum": lambda a, axis: a.cumsum(axis),
    "ndarray.cumprod": lambda a, axis: a.cumprod(axis=axis),
}


@pytest.mark.parametrize("dtype", CUM_DTYPES)
@pytest.mark.parametrize("name", CUMULATIVE)
def test_cumulative_special_values(name, dtype):
    f = CUMULATIVE[name]
    x = special_values(dtype)
    n = x.size - x.size % 3
    m = x[:n].reshape(3, -1)
    for axis in (None, 0, 1, -1, -2):
        check(lambda a: f(a, axis), m)
    check(lambda a: f(a, None), x)
    check(lambda a: f(a, 0), x[::-2])  # a strided view
    check(lambda a: f(a.T, 1), m)  # a permuted view


@pytest.mark.parametrize("name", CUMULATIVE)
def test_cumulative_0d_empty_and_axis_errors(name):
    f = CUMULATIVE[name]
    for axis in (None, 0, -1, 1):  # a 0-d array is viewed as 1-d; axis 1 is an AxisError
        check(lambda a: f(a, axis), np.array(3, np.int16))
        check(lambda a: f(a, axis), np.float32(2.5))  # a NumPy scalar gives an array
    check(lambda a: f(a, 2), np.ones((2, 3)))
    check(lambda a: f(a, -3), np.ones((2, 3)))
    for axis in (None, 0, 1):
        check(lambda a: f(a, axis), np.ones((0, 3), np.int8))


def test_cumsum_of_int8_accumulates_without_overflow():
    """torch._numpy's known divergence: NumPy's cumsum of int8 is int64."""
    r = check(np.cumsum, np.full(10, 100, np.int8))
    assert r.dtype == np.int64 and r[-1] == 1000
    r = check(lambda a: a.cumprod(), np.array([100, 100, 100, -100], np.int8))
    assert r.dtype == np.int64 and r[-1] == -(10**8)
    assert check(np.cumsum, np.array([True, True, False, True])).dtype == np.int64
    assert check(np.cumsum, np.array([30000, 30000], np.int16))[-1] == 60000


def test_cumulative_int64_wraps():
    big = np.iinfo(np.int64).max
    check(np.cumsum, np.array([big, 1, 1], np.int64))
    check(np.cumprod, np.array([2**40, 2**40, 3], np.int64))


def test_float_cumsum_rounds_each_step():
    """NumPy's add.accumulate rounds every step in the array's dtype: a float16 or
    float32 running sum that overflows stays inf (libtorch's CPU kernel carries a
    wider accumulator and would come back to finite values)."""
    check(np.cumsum, np.array([6e4, 6e4, -6e4, -6e4], np.float16))
    check(np.cumsum, np.array([3e38, 3e38, -3e38], np.float32))
    check(np.cumprod, np.array([300, 300, 1 / 300], np.float16))
    check(np.cumprod, np.array([1e30, 1e30, 1e-30], np.float32))
    x = np.full(4096, 0.1, np.float16)  # the float16 sum stalls (256 + 0.1 == 256)
    r = check(np.cumsum, x)
    assert r[-1] == 256
    check(lambda a: np.cumsum(a, axis=1), np.full((3, 700), 0.01, np.float32))
    # Same steps, same rounding: the bits are NumPy's.
    rng = np.random.default_rng(0)
    for dtype in ("float16", "float32"):
        x = rng.standard_normal((5, 300)).astype(dtype)
        for fn in (lambda a: np.cumsum(a, axis=1), lambda a: np.cumsum(a, axis=0), lambda a: (a * 0.999).cumprod(1)):
            np.testing.assert_array_equal(np_compile(fn)(x), fn(x), strict=True)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_uint8_cumulative_accumulates_in_uint64(name):
    """np.cumsum(uint8) is uint64, wrapping as NumPy's does (uint64 is computed on
    its int64 bits)."""
    check(lambda a: getattr(np, name)(a), np.array([200, 100, 255, 0, 7], np.uint8))
    check(lambda a: getattr(np, name)(a), np.array([2**64 - 1, 2**63, 3, 2**40], np.uint64))


@pytest.mark.parametrize(
    "fn",
    [lambda a: np.cumsum(a, dtype=np.float32), lambda a: a.cumprod(dtype=np.int64), lambda a: np.cumsum(a, dtype=np.int8)],
    ids=["cumsum-dtype", "cumprod-dtype", "cumsum-int8"],
)
def test_cumulative_dtype(fn):
    check(fn, np.array([1, 2, 3, 120, 100], np.int16))


def test_cumulative_out_compiles():
    """cumsum/cumprod with out= store into it, cast unsafely as NumPy's accumulate does."""
    fn = lambda a: np.cumsum(a, out=np.empty(3))  # noqa: E731
    x = np.array([1, 2, 3], np.int16)
    assert_matches(fn, lambda: (x.copy(),), must_compile=True)
    bad = lambda a: np.cumprod(a, out=np.empty(3, np.int16))  # noqa: E731
    assert_matches(bad, lambda: (np.array([1.5, 2.0, 3.0]),))


# ---- round ----------------------------------------------------------------

DECIMALS = (0, 1, 2, 3, -1, -2, -3, 5, -5, 10, -20)
ROUNDS = {
    "np.round": lambda a, d: np.round(a, d),
    "np.around": lambda a, d: np.around(a, decimals=d),
    "ndarray.round": lambda a, d: a.round(d),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ROUNDS)
def test_round_special_values(name, dtype):
    """Half to even; decimals scale by 10**|decimals| (in the float dtype: float16
    overflows for decimals >= 5 and gives nan/inf as NumPy does), ints with
    decimals >= 0 are unchanged, with negative decimals they round in float64 and
    wrap back (int8 127 rounds to 130, which is -126)."""
    f = ROUNDS[name]
    x = special_values(dtype)
    for d in DECIMALS if dtype != "bool" else (0,):
        check(lambda a: f(a, d), x)
        check(lambda a: f(a, d), x[3])  # a NumPy scalar in, a NumPy scalar out
    check(lambda a: f(a, 0), x.reshape(1, -1)[:, ::-3])
    check(lambda a: f(a, 0), np.asarray(x[1]))  # 0-d


def test_round_results():
    r = check(np.round, np.array([0.5, 1.5, 2.5, -0.5, -1.5], np.float32))
    np.testing.assert_array_equal(r, [0.0, 2.0, 2.0, -0.0, -2.0])
    assert np.signbit(r[3])
    r = check(lambda a: np.round(a, -1), np.array([15, 25, -15, 127], np.int8))
    np.testing.assert_array_equal(r, np.array([20, 20, -20, -126], np.int8))
    check(lambda a: np.round(a, 2), np.array([2.675, 1.005, 0.125], np.float64))
    check(lambda a: np.round(a, -2), np.array([1250.0, 1350.0, -150.0], np.float16))
    assert check(np.round, np.array([True, False])).dtype == np.float16
    check(lambda a: np.round(a, np.int64(1)), np.array([1.25]))  # NumPy integer decimals
    check(lambda a: np.round(a, 1.5), np.array([1.25]))  # TypeError in both


def test_round_of_bool_with_decimals_raises():
    """NumPy raises (float64 cannot be cast back into bool)."""
    check(lambda a: np.round(a, 1), np.array([True, False]))
    check(lambda a: np.round(a, -1), np.array([True, False]))


# ---- gcd / lcm / nextafter ----------------------------------------------------


@pytest.mark.parametrize("dx", DTYPES)
@pytest.mark.parametrize("name", ["gcd", "lcm", "nextafter"])
def test_binary_special_values(name, dx):
    """Every pair of special values for every pair of dtypes: gcd and lcm have
    integer loops only (TypeError for bool pairs and floats), gcd is never
    negative except where |min| wraps (gcd(int8 -128, 0) is -128), lcm wraps
    |a / gcd * b|; nextafter steps in the operands' float (int8 -> float16)."""
    f = getattr(np, name)
    for dy in DTYPES:
        x, y = special_values(dx), special_values(dy)
        check(lambda a, b: f(a, b), x[:, None], y[None, :])


def test_gcd_lcm_results():
    m = np.iinfo(np.int32)
    r = check(np.gcd, np.array([-4, 0, -128, 6, -128], np.int8), np.array([6, 0, -128, -4, 0], np.int8))
    np.testing.assert_array_equal(r, np.array([2, 0, -128, 2, -128], np.int8))
    r = check(np.lcm, np.array([127, -4, 0, 100], np.int8), np.array([2, 6, 5, 100], np.int8))
    np.testing.assert_array_equal(r, np.array([-2, 12, 0, 100], np.int8))
    # libtorch's own lcm divides by -1 here (SIGFPE) and its gcd gives -1.
    check(np.gcd, np.array([m.min, m.max]), np.array([m.max, m.min]))
    check(np.lcm, np.array([m.min, m.max], np.int32), np.array([m.max, m.min], np.int32))
    check(np.gcd, np.array([-(2**63), -(2**63), 12]), np.array([2**63 - 1, 0, -(2**63)]))
    check(np.lcm, np.array([-(2**63), -(2**63) + 1, 0]), np.array([2**63 - 1, 2**63 - 2, -(2**63)]))
    for s in (0, 12, -18, 300, 2**40):
        check(lambda a: np.gcd(a, s), np.array([4, -6, 0], np.int16))
        check(lambda a: np.lcm(s, a), np.array([4, -6, 0], np.int16))


def test_nextafter_results():
    for dtype in ("float16", "float32", "float64"):
        x = np.array([0.0, -0.0, 1.0, 1.0, math.inf, math.nan, 1.0], dtype)
        y = np.array([1.0, -1.0, 2.0, 0.0, 0.0, 1.0, math.nan], dtype)
        r = check(np.nextafter, x, y)
        assert r[2] > 1 and r[3] < 1
    check(lambda a: np.nextafter(a, 2), np.array([1, 0], np.int8))
    check(lambda a: np.nextafter(a, 0.5), np.array([True, False]))


# ---- conj / real / imag / angle ----------------------------------------------

PARTS = {
    "np.conj": np.conj,
    "np.conjugate": np.conjugate,
    "ndarray.conj": lambda a: a.conj(),
    "ndarray.conjugate": lambda a: a.conjugate(),
    "np.real": np.real,
    "np.imag": np.imag,
    ".real": lambda a: a.real,
    ".imag": lambda a: a.imag,
    "np.angle": np.angle,
    "np.angle-deg": lambda a: np.angle(a, deg=True),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", PARTS)
def test_parts_special_values(name, dtype):
    """On real dtypes: np.conj is a copy (bool -> int8: no bool loop) but
    ndarray.conj() the array itself (bool stays bool), real the array, imag zeros, angle arctan2(0, x) (pi for negatives and -0.0; int8 ->
    float16, bool -> float64)."""
    f = PARTS[name]
    x = special_values(dtype)
    check(f, x)
    check(f, x[2])
    check(f, x.reshape(1, -1)[:, ::2])
    check(lambda a: f(a) + 1, x[4:7])  # used in arithmetic


def test_imag_of_real_is_read_only():
    def f(a):
        a.imag[0] = 1
        return a

    check(f, np.array([1.0, 2.0]))

    def g(a):
        b = np.real(a)
        b[0] = 7  # np.real of a real array is the array itself
        return a

    check(g, np.array([1, 2], np.int16))

    def h(a, v):
        a.real = v  # a[...] = v, cast unsafely
        return a

    check(h, np.array([1, 2], np.int16), np.array([3.7, -4.2]))
    check(h, np.array([1.5, 2.5], np.float32), 7)

    def k(a):
        a.imag = 0  # TypeError: no imaginary part to set
        return a

    check(k, np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "fn",
    [lambda a: np.cumsum(a), lambda a: np.cumprod(a, axis=0), lambda a: np.round(a), lambda a: np.round(a, 1),
     lambda a: np.conj(a), lambda a: np.real(a), lambda a: np.imag(a), lambda a: np.angle(a), lambda a: a.real, lambda a: a.imag, lambda a: a.conj()],
    ids=["cumsum", "cumprod", "round", "round1", "conj", "real", "imag", "angle", ".real", ".imag", ".conj"],
)
def test_complex_compiled(fn):
    x = np.array([1 + 2j, -3.5 - 0.5j, 0j])
    check(fn, x)
    check(fn, x.astype(np.complex64))


def test_writing_through_real_of_complex_falls_back():
    """`z.real` is a view of z's memory: a write through it is a graph break
    (never a silent copy)."""

    def f(z):
        z.real[0] = 5.0
        return z

    with pytest.warns(npcompile.NpCompileWarning, match="real"):
        out = np_compile(f)(np.array([1 + 2j, 3j]))
    np.testing.assert_array_equal(out, np.array([5 + 2j, 3j]))


def test_complex_type_errors_match_numpy():
    x = np.array([1 + 2j, 0j])
    check(np.gcd, x, x)
    check(np.nextafter, x, x)


# ---- hypothesis: shapes, axes, operand kinds ------------------------------------

dtypes = st.sampled_from(DTYPES)


@settings(max_examples=25)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@given(data=st.data())
def test_cumulative_random(name, data):
    dtype = data.draw(st.sampled_from(CUM_DTYPES), label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape"), lo=-5, hi=5, flo=-4, fhi=4), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, max(x.ndim - 1, 0))), label="axis")
    method = data.draw(st.booleans(), label="method")
    f = (lambda a: getattr(a, name)(axis)) if method else (lambda a: getattr(np, name)(a, axis=axis))
    check(f, x)


@settings(max_examples=25)
@given(data=st.data())
def test_round_random(data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape"), lo=-200, hi=200), label="x")
    decimals = 0 if dtype == "bool" else data.draw(st.integers(-4, 4), label="decimals")
    check(lambda a: np.round(a, decimals), x)


@settings(max_examples=20)
@pytest.mark.parametrize("name", ["gcd", "lcm", "nextafter"])
@given(data=st.data())
def test_binary_random(name, data):
    """Broadcasting shapes; arrays, 0-d arrays, NumPy scalars and Python scalars."""
    pool = st.sampled_from(INTS + ("bool",)) if name != "nextafter" else dtypes
    dx, dy = data.draw(pool, label="dx"), data.draw(pool, label="dy")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(operands(dx, sx), label="x")
    y = data.draw(operands(dy, sy), label="y")
    if isinstance(x, (bool, int, float)) and isinstance(y, (bool, int, float)):
        y = np.asarray(y)
    check(getattr(np, name), x, y)


@settings(max_examples=20)
@pytest.mark.parametrize("name", ["np.conj", ".real", ".imag", "np.angle"])
@given(data=st.data())
def test_parts_random(name, data):
    dtype = data.draw(dtypes, label="dtype")
    x = data.draw(arrays(dtype, data.draw(shapes, label="shape")), label="x")
    check(PARTS[name], x)


@pytest.mark.allow_fallback
def test_real_assignment_of_out_of_range_int_falls_back():
    """`a.real = 300` on int8 wraps in NumPy (where `a[...] = 300` raises): left to NumPy."""

    def f(a):
        a.real = 300
        return a

    with pytest.warns(npcompile.NpCompileWarning, match="out of the dtype's range"):
        r = np_compile(f)(np.array([1, 2], np.int8))
    np.testing.assert_array_equal(r, f(np.array([1, 2], np.int8)), strict=True)


def test_complex_to_real_cast_warns_on_every_call_at_the_users_line():
    """NumPy's ComplexWarning on every call that casts complex to real, pointing
    at the line of the cast (not only while tracing)."""

    def f(z):
        return z.astype(np.float64) + 1  # the cast

    line = f.__code__.co_firstlineno + 1
    cf = np_compile(f)
    z = np.array([1 + 2j, -3j])
    for _ in range(3):
        with pytest.warns(np.exceptions.ComplexWarning) as record:
            assert_same(cf(z), np.array([2.0, 1.0]))
        assert [(w.filename, w.lineno) for w in record] == [(__file__, line)]
    assert cf.cache_info()["traces"] == 1


def test_complex_written_into_a_real_array():
    """NumPy keeps the real part (with ComplexWarning) of a complex array written
    into a real one, raises TypeError for a Python complex, and refuses `+=`
    (same_kind)."""

    def whole(a, z):
        a[:] = z
        return a

    def one(a, z):
        a[0] = z[1]
        return a

    def python_complex(a):
        a[:] = 1j
        return a

    def inplace(a, z):
        a += z
        return a

    z = np.array([1 + 2j, 3j])
    for fn in (whole, one):
        with pytest.warns(np.exceptions.ComplexWarning):
            expected = fn(np.zeros(2), z)
        cf = np_compile(fn)
        for _ in range(2):  # tracing, then a cached plan: both warn
            with pytest.warns(np.exceptions.ComplexWarning):
                assert_same(cf(np.zeros(2), z), expected)
    check(python_complex, np.zeros(2))
    check(python_complex, np.zeros(2, np.int32))
    check(inplace, np.zeros(2), z)
