"""np.frexp, np.ldexp, np.spacing, np.bitwise_count (bit for bit: specials,
subnormals, every float and integer dtype, random bit patterns), np.packbits /
np.unpackbits (axes, bit orders, counts), np.lexsort (several keys, NaN last,
complex, axis=), np.isfortran / np.asfortranarray (layouts the tracer knows)
and np.i0 (NumPy's piecewise series), against NumPy on two calls."""

import numpy as np
import pytest

from conftest import assert_matches, run_numpy
from npcompile import np_compile

FLOATS = (np.float16, np.float32, np.float64)
INTS = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)


def floats(dtype, n=4000, seed=0):
    """Specials, boundaries and random bit patterns (subnormals, huge values, NaNs) of a float dtype."""
    fi = np.finfo(dtype)
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, fi.max, -fi.max, fi.tiny, -fi.tiny, fi.smallest_subnormal,
             -fi.smallest_subnormal, 2 * fi.smallest_subnormal, fi.tiny * (1 - fi.eps), 1.0, -1.0, 0.5, -2.0,
             3.0, -1.5, fi.eps, 1 + fi.eps]
    width = np.dtype(dtype).itemsize
    raw = np.random.default_rng(seed).integers(0, 2 ** (8 * width), n, dtype=np.uint64, endpoint=False)
    return np.concatenate([np.array(edges, dtype), raw.astype(f"u{width}").view(dtype)])


def integers(dtype, n=500, seed=1):
    if dtype is np.bool_:
        return np.random.default_rng(seed).random(n) > 0.5
    info = np.iinfo(dtype)
    x = np.random.default_rng(seed).integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    x[:3] = [info.min, info.max, 0]
    return x


def assert_bits(actual, expected):
    """The same type, dtype, shape and bits (NaN payloads aside)."""
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_bits(a, e)
        return
    assert type(actual) is type(expected), (type(actual), type(expected))
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.dtype == e.dtype and a.shape == e.shape, (a.dtype, e.dtype, a.shape, e.shape)
    if e.dtype.kind == "f":
        unsigned = f"u{e.itemsize}"
        same = (a.view(unsigned) == e.view(unsigned)) | (np.isnan(a) & np.isnan(e))
    else:
        same = a == e
    assert same.all(), f"{np.count_nonzero(~same)} differ: got {a[~same][:5]}, NumPy {e[~same][:5]}"


def exact(fn, *args):
    expected = run_numpy(fn, *args)
    assert_bits(np_compile(fn)(*args), expected)


# ---- frexp, ldexp, spacing, bitwise_count: bit for bit -------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_frexp_bits(dtype):
    exact(lambda x: np.frexp(x), floats(dtype))


@pytest.mark.parametrize("dtype", INTS + (np.bool_,), ids=lambda d: d.__name__)
def test_frexp_of_integers_takes_numpys_float_loop(dtype):
    exact(lambda x: np.frexp(x), integers(dtype))


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("exponent", (np.int32, np.int64), ids=lambda d: d.__name__)
def test_ldexp_bits(dtype, exponent):
    x = floats(dtype)
    rng = np.random.default_rng(2)
    i = rng.integers(-70, 70, x.size)
    i[:60] = rng.integers(-3000, 3000, 60)
    exact(lambda x, i: np.ldexp(x, i), x, i.astype(exponent))


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_ldexp_rounds_once_into_subnormals(dtype):
    x = floats(dtype)
    depth = {np.float16: (5, 20), np.float32: (120, 160), np.float64: (1015, 1080)}[dtype]
    with np.errstate(all="ignore"):
        i = -np.frexp(x)[1] - np.random.default_rng(3).integers(*depth, x.size)
    exact(lambda x, i: np.ldexp(x, i), x, i.astype(np.int64))


@pytest.mark.parametrize("dtype", INTS[:-1] + (np.bool_,), ids=lambda d: d.__name__)
def test_ldexp_of_integers_takes_numpys_float_loop(dtype):
    exact(lambda x: np.ldexp(x, np.int8(3)), integers(dtype))


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_spacing_bits(dtype):
    # float16's loop steps toward +inf (positive everywhere), the others away from zero.
    exact(lambda x: np.spacing(x), floats(dtype))


@pytest.mark.parametrize("dtype", INTS + (np.bool_,), ids=lambda d: d.__name__)
def test_spacing_of_integers(dtype):
    exact(lambda x: np.spacing(x), integers(dtype))


@pytest.mark.parametrize("dtype", INTS + (np.bool_,), ids=lambda d: d.__name__)
def test_bitwise_count_bits(dtype):
    exact(lambda x: np.bitwise_count(x), integers(dtype))


# ---- the ufuncs' surface: scalars, shapes, out=, dtype=, errors -------------------

X = np.array([1.5, -3.0, 0.0, 7e-310, -np.inf, np.nan])


def x():
    return (X.copy(),)


def with_out(ufunc, dtype, *extra, **kw):
    def f(x):
        out = np.full(x.shape, 9, dtype)
        r = ufunc(x, *extra, out=out, **kw)
        return r, out
    return f


UFUNC_CASES = [
    ("frexp_scalar", lambda x: np.frexp(x[0]), x),
    ("frexp_python_int", lambda x: np.frexp(3), x),
    ("frexp_0d", lambda x: np.frexp(x[1:2].reshape(())), x),
    ("frexp_empty", lambda x: np.frexp(x[:0].reshape(0, 3)), x),
    ("frexp_transposed", lambda x: np.frexp(x.reshape(2, 3).T), x),
    ("ldexp_transposed_then_write", lambda x: (np.ldexp(x.reshape(2, 3).T, 2), x.__setitem__(0, 1.0), x)[::2], x),
    ("frexp_complex", lambda x: np.frexp(x + 1j), x),
    ("ldexp_python_int", lambda x: np.ldexp(x, 3), x),
    ("ldexp_python_int_too_big", lambda x: np.ldexp(x, 2**40), x),
    ("ldexp_float_exponent", lambda x: np.ldexp(x, 2.0), x),
    ("ldexp_float_array_exponent", lambda x: np.ldexp(x, x), x),
    ("ldexp_uint64_exponent", lambda x: np.ldexp(x, np.ones(6, np.uint64)), x),
    ("ldexp_python_mantissa", lambda x: np.ldexp(3, x.astype(np.int8)), x),
    ("ldexp_float32_int64_scalar", lambda x: np.ldexp(x.astype(np.float32), np.int64(-3)), x),
    ("ldexp_list_exponent", lambda x: np.ldexp(x, [1, 2, 3, 4, 5, -6]), x),
    ("ldexp_broadcast", lambda x: np.ldexp(x[:, None], np.arange(-2, 2)), x),
    ("ldexp_scalars", lambda x: np.ldexp(np.float16(1.5), 3) + x, x),
    ("ldexp_complex", lambda x: np.ldexp(x + 1j, 2), x),
    ("ldexp_out", with_out(np.ldexp, np.float32, 2), x),
    ("ldexp_dtype", lambda x: np.ldexp(x.astype(np.int8), 3, dtype=np.float32), x),
    ("ldexp_dtype_int", lambda x: np.ldexp(x, 3, dtype=np.int32), x),
    ("spacing_python_float", lambda x: np.spacing(1.0), x),
    ("spacing_float16_scalar", lambda x: np.spacing(np.float16(-2.0)) + x, x),
    ("spacing_0d", lambda x: np.spacing(x[0:1].reshape(())), x),
    ("spacing_empty", lambda x: np.spacing(x[:0]), x),
    ("spacing_complex", lambda x: np.spacing(x + 1j), x),
    ("spacing_out_float32", with_out(np.spacing, np.float32), x),
    ("spacing_out_int", with_out(np.spacing, np.int64), x),
    ("spacing_out_where", lambda x: with_out(np.spacing, np.float64, where=x > 0)(x), x),
    ("spacing_dtype", lambda x: np.spacing(x, dtype=np.float16), x),
    ("bitwise_count_python_int", lambda x: np.bitwise_count(-7), x),
    ("bitwise_count_scalar", lambda x: np.bitwise_count(np.int16(-32768)), x),
    ("bitwise_count_bool", lambda x: np.bitwise_count(x > 0), x),
    ("bitwise_count_float", lambda x: np.bitwise_count(x), x),
    ("bitwise_count_out", lambda x: with_out(np.bitwise_count, np.int64)(x.astype(np.int64)), x),
    ("bitwise_count_out_too_small", lambda x: with_out(np.bitwise_count, np.int8)(x.astype(np.int64)), x),
    ("bitwise_count_dtype", lambda x: np.bitwise_count(x.astype(np.int16), dtype=np.int8), x),
    ("bitwise_count_empty_2d", lambda x: np.bitwise_count(x[:0].astype(np.uint32).reshape(0, 4)), x),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in UFUNC_CASES], ids=[c[0] for c in UFUNC_CASES])
def test_ufuncs_compile(fn, make):
    assert_matches(fn, make, must_compile=True)


# ---- packbits / unpackbits -------------------------------------------------------

def bools():
    return (np.random.default_rng(4).random((3, 5, 11)) > 0.5,)


def bytes_():
    return (np.random.default_rng(5).integers(0, 256, (3, 4, 2), dtype=np.uint8),)


def ints():
    return (np.random.default_rng(6).integers(-3, 3, (3, 10)),)


@pytest.mark.parametrize("axis", (None, 0, 1, 2, -1))
@pytest.mark.parametrize("bitorder", ("big", "little"))
def test_packbits_axes(axis, bitorder):
    assert_matches(lambda b: np.packbits(b, axis=axis, bitorder=bitorder), bools, must_compile=True)


@pytest.mark.parametrize("axis", (None, 0, 2, -2))
@pytest.mark.parametrize("bitorder", ("big", "little"))
@pytest.mark.parametrize("count", (None, 0, 3, 16, 17, 40, -1, -5, -16, -17, -100))
def test_unpackbits_axes_and_counts(axis, bitorder, count):
    assert_matches(lambda u: np.unpackbits(u, axis=axis, count=count, bitorder=bitorder), bytes_, must_compile=True)


def write_into_unpacked(u):
    r = np.unpackbits(u)
    r[0] = 7
    return r, u


def write_after_unpacking_a_transpose(u):
    r = np.unpackbits(u.T, axis=0, count=-3)
    p = np.packbits(u.T > 9, axis=1)
    u[0] = 0
    return r, p, u


PACK_CASES = [
    ("pack_int64", lambda i: np.packbits(i), ints),
    ("pack_int8_axis", lambda i: np.packbits(i.astype(np.int8), axis=1), ints),
    ("pack_uint64", lambda i: np.packbits(i.astype(np.uint64), bitorder="little"), ints),
    ("pack_0d", lambda i: np.packbits(i[0, 0]), ints),
    ("pack_0d_axis", lambda i: np.packbits(i[0, 0], axis=-1), ints),
    ("pack_one_element", lambda i: np.packbits(i[:1, :1] != 0, axis=0), ints),
    ("pack_empty_axis", lambda i: np.packbits(i[:, :0], axis=1), ints),
    ("pack_empty_other_axis", lambda i: np.packbits(i[:, :0], axis=0), ints),
    ("pack_empty_flat", lambda i: np.packbits(i[:0]), ints),
    ("pack_multiple_of_8", lambda i: np.packbits(i[:, :8], axis=1), ints),
    ("pack_numpy_int_axis", lambda i: np.packbits(i, axis=np.int64(1)), ints),
    ("pack_float", lambda i: np.packbits(i * 1.0), ints),
    ("pack_complex", lambda i: np.packbits(i * 1j), ints),
    ("pack_bad_order", lambda i: np.packbits(i, bitorder="LITTLE"), ints),
    ("pack_order_none", lambda i: np.packbits(i, bitorder=None), ints),
    ("pack_axis_out_of_range", lambda i: np.packbits(i, axis=2), ints),
    ("pack_0d_axis_out_of_range", lambda i: np.packbits(i[0, 0], axis=1), ints),
    ("pack_axis_bool", lambda i: np.packbits(i, axis=True), ints),
    ("pack_axis_float", lambda i: np.packbits(i, axis=1.0), ints),
    ("unpack_int8", lambda u: np.unpackbits(u.astype(np.int8)), bytes_),
    ("unpack_bool", lambda u: np.unpackbits(u > 3), bytes_),
    ("unpack_order_prefix", lambda u: np.unpackbits(u, bitorder="lol"), bytes_),
    ("unpack_bad_order", lambda u: np.unpackbits(u, bitorder="x"), bytes_),
    ("unpack_empty_order", lambda u: np.unpackbits(u, bitorder=""), bytes_),
    ("unpack_count_bool", lambda u: np.unpackbits(u, count=True), bytes_),
    ("unpack_count_float", lambda u: np.unpackbits(u, count=2.0), bytes_),
    ("unpack_count_numpy_int", lambda u: np.unpackbits(u, count=np.int64(5)), bytes_),
    ("unpack_count_too_big", lambda u: np.unpackbits(u, count=2**63), bytes_),
    ("unpack_0d", lambda u: np.unpackbits(u[0, 0, 0]), bytes_),
    ("unpack_0d_axis", lambda u: np.unpackbits(u[0, 0, 0], axis=0, count=-3), bytes_),
    ("unpack_empty", lambda u: np.unpackbits(u[:0], axis=1, count=2), bytes_),
    ("unpack_empty_negative_count", lambda u: np.unpackbits(u[:0], axis=0, count=-2), bytes_),
    ("unpack_axis_out_of_range", lambda u: np.unpackbits(u, axis=3), bytes_),
    ("unpack_write", write_into_unpacked, bytes_),
    ("transposed_inputs_then_write", write_after_unpacking_a_transpose, bytes_),
    ("roundtrip", lambda u: np.packbits(np.unpackbits(u, axis=1), axis=1), bytes_),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in PACK_CASES], ids=[c[0] for c in PACK_CASES])
def test_packbits_unpackbits(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.allow_fallback
def test_unpackbits_of_nothing_into_something_runs_numpy():
    # NumPy leaves the padding uninitialized there: nothing to reproduce.
    import warnings

    import npcompile
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = np_compile(lambda u: np.unpackbits(u[:0], axis=0, count=2))(bytes_()[0])
    assert r.shape == (2, 4, 2) and r.dtype == np.uint8
    assert any(issubclass(w.category, npcompile.NpCompileWarning) for w in caught)


# ---- lexsort ---------------------------------------------------------------------

def keys():
    r = np.random.default_rng(7)
    a, b = r.integers(0, 3, 12), r.integers(0, 3, 12).astype(float)
    b[[1, 5, 9]] = np.nan
    return a, b


LEXSORT_CASES = [
    ("tuple", lambda a, b: np.lexsort((a, b))),
    ("list", lambda a, b: np.lexsort([b, a])),
    ("list_with_python_key", lambda a, b: np.lexsort((a, [3, 1, 2, 0, 5, 5, 5, 5, 1, 1, 1, 1]))),
    ("2d_keys", lambda a, b: np.lexsort(np.stack([a, a[::-1]]))),
    ("one_key", lambda a, b: np.lexsort((b,))),
    ("three_keys_mixed_dtypes",
     lambda a, b: np.lexsort((a.astype(np.uint8), b.astype(np.float32), a.astype(np.int16)))),
    ("uint64_key", lambda a, b: np.lexsort((b, a.astype(np.uint64) * np.uint64(2**62) + np.uint64(1)))),
    ("uint64_keys_only",
     lambda a, b: np.lexsort((a[::-1].astype(np.uint64), np.uint64(2**64 - 1) - a.astype(np.uint64)))),
    ("float16_key", lambda a, b: np.lexsort((a, b.astype(np.float16)))),
    ("bool_key", lambda a, b: np.lexsort((a, a > 1))),
    ("complex_key", lambda a, b: np.lexsort((a, b + 1j * a))),
    ("axis0", lambda a, b: np.lexsort((a.reshape(3, 4), b.reshape(3, 4)), axis=0)),
    ("last_axis", lambda a, b: np.lexsort((a.reshape(3, 4), b.reshape(3, 4)))),
    ("one_element", lambda a, b: np.lexsort((a[:1], b[:1]))),
    ("empty", lambda a, b: np.lexsort((a[:0], b[:0]))),
    ("0d_keys", lambda a, b: np.lexsort((a[0], b[0]))),
    ("1d_array_of_0d_keys", lambda a, b: np.lexsort(a)),
    ("no_keys", lambda a, b: np.lexsort(())),
    ("0d_array", lambda a, b: np.lexsort(a[0])),
    ("shapes_differ", lambda a, b: np.lexsort((a, b[:3]))),
    ("axis_out_of_range", lambda a, b: np.lexsort((a, b), axis=1)),
    ("0d_axis_out_of_range", lambda a, b: np.lexsort((a[0], b[0]), axis=5)),
    ("axis_none", lambda a, b: np.lexsort((a, b), axis=None)),
]


@pytest.mark.parametrize("fn", [c[1] for c in LEXSORT_CASES], ids=[c[0] for c in LEXSORT_CASES])
def test_lexsort(fn):
    assert_matches(fn, keys, must_compile=True)


# ---- isfortran / asfortranarray ------------------------------------------------

def matrix():
    return (np.arange(12.0).reshape(3, 4),)


def write_through_asfortranarray(x):
    y = np.asfortranarray(x.T)  # x.T itself: F-contiguous already
    y[0, 0] = 5
    return x


def write_into_asfortranarray_copy(x):
    y = np.asfortranarray(x)
    y[0, 0] = 5
    return x, y


LAYOUT_CASES = [
    ("c_order", lambda x: np.isfortran(x)),
    ("transpose", lambda x: np.isfortran(x.T)),
    ("strided", lambda x: np.isfortran(x[:, ::2])),
    ("transpose_strided", lambda x: np.isfortran(x.T[::2])),
    ("transpose_column", lambda x: np.isfortran(x.T[:, 1:2])),
    ("row_transposed", lambda x: np.isfortran(x[:1].T)),
    ("1d", lambda x: np.isfortran(x[0])),
    ("0d", lambda x: np.isfortran(x[0, 0])),
    ("3d_transpose", lambda x: np.isfortran(x.reshape(2, 3, 2).T)),
    ("3d_swapaxes", lambda x: np.isfortran(x.reshape(2, 3, 2).swapaxes(0, 1))),
    ("transpose_reshaped", lambda x: np.isfortran(x.T.reshape(4, 3, 1))),
    ("asfortranarray", lambda x: np.isfortran(np.asfortranarray(x))),
    ("asfortranarray_1d", lambda x: np.isfortran(np.asfortranarray(x[0]))),
    ("asfortranarray_0d", lambda x: np.asfortranarray(x[0, 0])),
    ("asfortranarray_values", lambda x: np.asfortranarray(x * 2)),
    ("asfortranarray_dtype", lambda x: np.asfortranarray(x, dtype=np.float32)),
    ("asfortranarray_ravel", lambda x: np.asfortranarray(x * 2).ravel()),
    ("asfortranarray_reshape", lambda x: np.asfortranarray(x * 2).reshape(4, 3)),
    ("asfortranarray_list", lambda x: (np.isfortran(np.asfortranarray([[1, 2], [3, 4]])), x)),
    ("asfortranarray_returns_its_argument", lambda x: [np.asfortranarray(v) is v for v in (x.T, x[0], x)]),
    ("asfortranarray_write_through", write_through_asfortranarray),
    ("asfortranarray_write_into_copy", write_into_asfortranarray_copy),
]


@pytest.mark.parametrize("fn", [c[1] for c in LAYOUT_CASES], ids=[c[0] for c in LAYOUT_CASES])
def test_isfortran_and_asfortranarray(fn):
    assert_matches(fn, matrix, must_compile=True)


@pytest.mark.allow_fallback
def test_layout_of_a_view_of_computed_memory_runs_numpy():
    # (x + 1) may be laid out otherwise than C order: its views' layout is not traced.
    assert assert_matches(lambda x: np.isfortran((x + 1).T), matrix), "expected a fallback"


# ---- i0 -------------------------------------------------------------------------

I0_VALUES = [0, 1, -1, 7.9, 8, 8.5, -9, 30, 700, 800, np.inf, -np.inf, np.nan, 1e-300]


@pytest.mark.parametrize("dtype", (np.float16, np.float32, np.float64, np.int64, np.int8), ids=lambda d: d.__name__)
def test_i0(dtype):
    values = np.array(I0_VALUES if np.dtype(dtype).kind == "f" else I0_VALUES[:10])
    assert_matches(lambda v: np.i0(v), lambda: (values.astype(dtype),), must_compile=True)


def test_i0_is_numpys_series_bit_for_bit():
    exact(lambda v: np.i0(v), np.concatenate([np.linspace(-30, 30, 20001), [8, -8, np.nextafter(8, 9), 709, 711]]))


I0_CASES = [
    ("bool", lambda v: np.i0(v > 2)),
    ("0d", lambda v: np.i0(v[0])),
    ("numpy_scalar", lambda v: np.i0(np.float32(9.5)) + v),
    ("python_list", lambda v: np.i0([1.0, 9.0]) + v[:2]),
    ("empty", lambda v: np.i0(v[:0].reshape(0, 2))),
    ("2d", lambda v: np.i0(v.reshape(2, 3))),
    ("complex", lambda v: np.i0(v + 1j)),
]


@pytest.mark.parametrize("fn", [c[1] for c in I0_CASES], ids=[c[0] for c in I0_CASES])
def test_i0_cases(fn):
    assert_matches(fn, lambda: (np.array([3.0, -8.0, 10.0, 0.0, 1.5, 40.0]),), must_compile=True)
