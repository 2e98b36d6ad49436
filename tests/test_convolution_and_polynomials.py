"""np.convolve and np.correlate (modes, NumPy's swap, conjugation, dtypes,
only the overlap multiplied), np.array of lists holding traced values
(NumPy's promotion: Python scalars not weak), np.kron, np.average with
weights, np.ediff1d, np.diagflat and NumPy's polynomial helpers over them,
against NumPy on two calls."""

import numpy as np
import pytest

from conftest import assert_matches

MODES = ("full", "same", "valid")


def rng(seed=0):
    return np.random.default_rng(seed)


def floats(n, seed=0, dtype=np.float64):
    return (rng(seed).random(n) + 0.25).astype(dtype)


def small_ints(n, dtype, seed=0):
    info = np.iinfo(dtype)
    return rng(seed).integers(max(info.min, -50), min(info.max, 120), n).astype(dtype)


def pair(n, m, kind="f", seed=0):
    """Fresh 1-d operands of lengths n and m: floats, ints of several widths, bools, complex."""
    def make():
        if kind == "f":
            return floats(n, seed), floats(m, seed + 1)
        if kind == "f32":
            return floats(n, seed, np.float32), floats(m, seed + 1, np.float32)
        if kind == "f16":
            return floats(n, seed, np.float16), floats(m, seed + 1, np.float16)
        if kind == "c":
            return (floats(n, seed) + 1j * floats(n, seed + 2), floats(m, seed + 1) - 1j * floats(m, seed + 3))
        if kind == "b":
            return rng(seed).random(n) > 0.5, rng(seed + 1).random(m) > 0.6
        if kind == "i8":
            return small_ints(n, np.int8, seed), small_ints(m, np.int8, seed + 1)  # products wrap
        if kind == "u8":
            return small_ints(n, np.uint8, seed), small_ints(m, np.uint8, seed + 1)
        if kind == "i64":
            return small_ints(n, np.int64, seed), small_ints(m, np.int64, seed + 1)
        if kind == "i8f":
            return small_ints(n, np.int8, seed), floats(m, seed + 1, np.float32)
        if kind == "bc":
            return rng(seed).random(n) > 0.5, floats(m, seed + 1) + 2j
        raise ValueError(kind)
    return make


def nonfinite():
    x = np.array([1.0, np.inf, 2.0, -3.0, np.nan, 0.5, -np.inf, 4.0])
    return x.copy(), floats(5, 3)


CONV_CASES = []
for _mode in MODES:
    for _n, _m in ((9, 4), (4, 9), (7, 7), (6, 1), (1, 6), (1, 1), (8, 5)):
        CONV_CASES.append((f"convolve_{_mode}_{_n}x{_m}", lambda a, v, _mode=_mode: np.convolve(a, v, _mode),
                           pair(_n, _m)))
        CONV_CASES.append((f"correlate_{_mode}_{_n}x{_m}", lambda a, v, _mode=_mode: np.correlate(a, v, _mode),
                           pair(_n, _m)))
    for _kind in ("f32", "f16", "c", "b", "i8", "u8", "i64", "i8f", "bc"):
        CONV_CASES.append((f"convolve_{_mode}_{_kind}", lambda a, v, _mode=_mode: np.convolve(a, v, _mode),
                           pair(11, 4, _kind)))
        CONV_CASES.append((f"correlate_{_mode}_{_kind}_swapped", lambda a, v, _mode=_mode: np.correlate(a, v, _mode),
                           pair(4, 11, _kind)))
    # Kernels past the shifted-slice limit: the windows' matmul or product-sum.
    for _kind in ("f", "c", "i64", "b"):
        CONV_CASES.append((f"correlate_{_mode}_long_kernel_{_kind}",
                           lambda a, v, _mode=_mode: np.correlate(a, v, _mode), pair(300, 140, _kind)))
        CONV_CASES.append((f"convolve_{_mode}_long_kernel_swapped_{_kind}",
                           lambda a, v, _mode=_mode: np.convolve(a, v, _mode), pair(140, 300, _kind)))
    CONV_CASES += [
        (f"convolve_{_mode}_nonfinite_kernel", lambda a, v, _mode=_mode: np.convolve(v, a, _mode), nonfinite),
        (f"correlate_{_mode}_nonfinite_kernel", lambda a, v, _mode=_mode: np.correlate(v, a, _mode), nonfinite),
        (f"correlate_{_mode}_nonfinite_signal", lambda a, v, _mode=_mode: np.correlate(a, v, _mode), nonfinite),
    ]
CONV_CASES += [
    ("convolve_int_modes", lambda a, v: (np.convolve(a, v, 0), np.convolve(a, v, 1), np.convolve(a, v, 2)),
     pair(6, 3)),
    ("correlate_default_mode_is_valid", lambda a, v: np.correlate(a, v), pair(6, 3)),
    ("convolve_list_kernel", lambda a, v: np.convolve(a, [1, 2, 3]), pair(6, 3, "i8")),  # int64, not int8
    ("convolve_python_scalar", lambda a, v: np.convolve(a, 2.5), pair(6, 3, "i8")),
    ("convolve_numpy_scalar", lambda a, v: np.convolve(a[0], v), pair(6, 3, "f32")),
    ("convolve_0d", lambda a, v: np.convolve(a, np.asarray(v[1])), pair(6, 3)),
    ("correlate_complex_both_swapped", lambda a, v: np.correlate(v, a, "full"), pair(7, 3, "c")),
    ("convolve_views", lambda a, v: np.convolve(a[::2], v[::-1]), pair(9, 4)),
    ("convolve_result_written", lambda a, v: _written(np.convolve(a, v)), pair(5, 3)),
]


def _written(r):
    r[0] = -1
    return r


@pytest.mark.parametrize("fn, make", [c[1:] for c in CONV_CASES], ids=[c[0] for c in CONV_CASES])
def test_convolve_and_correlate(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a, v: np.convolve(a[:0], v),
    lambda a, v: np.convolve(a, v[:0]),
    lambda a, v: np.convolve(a[:0], v, mode=None),  # emptiness first, as NumPy's Python
    lambda a, v: np.correlate(a[:0], v),
    lambda a, v: np.correlate(a, v[:0]),
    lambda a, v: np.convolve(a.reshape(2, 3), v),
    lambda a, v: np.correlate(a.reshape(2, 3), v),
    lambda a, v: np.correlate(a, 2.0),
    lambda a, v: np.correlate(a[0], v),
    lambda a, v: np.convolve(a, v, "middle"),
    lambda a, v: np.correlate(a, v, 3),
    lambda a, v: np.correlate(a, v, None),
    lambda a, v: np.convolve(a, v, "Full"),
], ids=["convolve_empty_a", "convolve_empty_v", "convolve_empty_bad_mode", "correlate_empty_a", "correlate_empty_v",
        "convolve_2d", "correlate_2d", "correlate_python_scalar", "correlate_numpy_scalar", "mode_name", "mode_int",
        "mode_none", "mode_case"])
def test_convolve_errors_are_numpys(fn):
    assert_matches(fn, pair(6, 3), must_compile=True)


# ---- np.array of lists holding traced values -------------------------------

def vals():
    return (np.array([1.5, -2.0, 3.25]), np.array([3, 200, -7], dtype=np.int16), np.float32(2.5),
            np.array([True, False]))


ARRAY_CASES = [
    ("int_and_float32_scalar", lambda f, i, s, b: np.array([1, s])),  # float64: 1 is not weak here
    ("float_and_float32_scalar", lambda f, i, s, b: np.array([s, 1.0])),
    ("bool_and_int16", lambda f, i, s, b: np.array([True, i[0]])),
    ("int_and_int16", lambda f, i, s, b: np.array([1, i[1]])),
    ("big_int_and_int16", lambda f, i, s, b: np.array([i[0], 2**40])),
    ("uint64_range_int", lambda f, i, s, b: np.array([i[0], 2**63])),
    ("complex_python", lambda f, i, s, b: np.array([f[0], 1j])),
    ("scalars_and_0d", lambda f, i, s, b: np.array([f[0], np.asarray(f[1]), s * 2])),
    ("nested", lambda f, i, s, b: np.array([[f[0], 1], (2, f[1])])),
    ("rows", lambda f, i, s, b: np.array([f, f * 2, [1, 2, 3]])),
    ("rows_mixed_dtypes", lambda f, i, s, b: np.array([i, f])),
    ("tuple", lambda f, i, s, b: np.array((b, b))),
    ("empty_rows", lambda f, i, s, b: np.array([f[:0], []])),
    ("one_empty_row", lambda f, i, s, b: np.array([i[:0]])),
    ("iterated", lambda f, i, s, b: np.array([v for v in i])),
    ("dtype_float32", lambda f, i, s, b: np.array([[f[0], 1], [2, s]], dtype=np.float32)),
    ("dtype_int8_arrays_wrap", lambda f, i, s, b: np.array([i, i], dtype=np.int8)),
    ("dtype_int8_scalar_fits", lambda f, i, s, b: np.array([i[0], 1], dtype=np.int8)),
    ("dtype_int8_scalar_overflows", lambda f, i, s, b: np.array([i[1], 1], dtype=np.int8)),  # OverflowError, run
    ("dtype_int8_float_scalar", lambda f, i, s, b: np.array([f[2], 1], dtype=np.int8)),
    ("dtype_uint8_scalar_wraps", lambda f, i, s, b: np.array([i[2]], dtype=np.uint8)),
    ("dtype_python_int_overflows", lambda f, i, s, b: np.array([i[0], 300], dtype=np.int8)),
    ("dtype_bool", lambda f, i, s, b: np.array([f[0], 0], dtype=bool)),
    ("ndmin", lambda f, i, s, b: np.array([f, f], ndmin=4)),
    ("ndmin_too_many", lambda f, i, s, b: np.array([f, f], ndmin=65)),
    ("order_bad", lambda f, i, s, b: np.array([f, f], order="X")),
    ("order_f_1d", lambda f, i, s, b: np.array([s, f[0]], order="F")),
    ("asarray", lambda f, i, s, b: np.asarray([s, f[1]], dtype=np.float64)),
    ("asanyarray", lambda f, i, s, b: np.asanyarray([[s], [f[1]]])),
    ("ragged", lambda f, i, s, b: np.array([f, 1])),
    ("ragged_rows", lambda f, i, s, b: np.array([f, [1, 2]])),
    ("copy_false", lambda f, i, s, b: np.array([f[0], 1], copy=False)),
    ("asarray_copy_false", lambda f, i, s, b: np.asarray([f[0], 1], copy=False)),
    ("in_ufunc_operand", lambda f, i, s, b: f + [s, 1, i[0]]),
    ("in_concatenate", lambda f, i, s, b: np.concatenate([f, [s, i[1]]])),
    ("copies", lambda f, i, s, b: _write_after(f)),
]


def _write_after(f):
    r = np.array([f, f])
    f[0] = 100.0
    r[1, 1] = -5.0
    return r, f


@pytest.mark.parametrize("fn", [c[1] for c in ARRAY_CASES], ids=[c[0] for c in ARRAY_CASES])
def test_array_of_lists_holding_traced_values(fn):
    assert_matches(fn, vals, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda f, i, s, b: np.asarray(f, copy=True),
    lambda f, i, s, b: np.asarray(s, copy=False),
    lambda f, i, s, b: np.asarray(f, dtype=np.int32, copy=False),
    lambda f, i, s, b: np.array(f, dtype=np.float32, copy=False),
], ids=["asarray_copy_true", "asarray_scalar_copy_false", "asarray_dtype_copy_false", "array_dtype_copy_false"])
def test_asarray_copy_of_traced_arrays(fn):
    def write(f, i, s, b):
        r = fn(f, i, s, b)
        r[...] = 0
        return r, f

    assert_matches(write, vals, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda f, i, s, b: np.array([f[0], None]),
    lambda f, i, s, b: np.array([f, f], order="F"),  # a Fortran-ordered result: its layout is not traced
], ids=["object", "order_f"])
def test_array_of_lists_that_runs_numpy(fn):
    assert assert_matches(fn, vals), "expected a fallback"


# ---- kron ---------------------------------------------------------------------

def kron_args():
    r = rng(4)
    return r.random((2, 3)), r.integers(-5, 5, (3, 2)), r.random(4) > 0.5, np.float32(1.5)


KRON_CASES = [
    ("2d_2d", lambda a, b, c, s: np.kron(a, b)),
    ("2d_1d", lambda a, b, c, s: np.kron(a, c)),
    ("1d_2d", lambda a, b, c, s: np.kron(c, b)),
    ("bools", lambda a, b, c, s: np.kron(c, c)),
    ("3d_2d", lambda a, b, c, s: np.kron(a.reshape(1, 2, 3), b)),
    ("transposed", lambda a, b, c, s: np.kron(a.T, b[::-1])),
    ("with_scalar", lambda a, b, c, s: np.kron(a, s)),
    ("scalar_first", lambda a, b, c, s: np.kron(3, b)),
    ("scalars", lambda a, b, c, s: np.kron(s, a[0, 0])),
    ("0d_arrays", lambda a, b, c, s: np.kron(np.asarray(s), np.asarray(b[0, 0]))),
    ("list", lambda a, b, c, s: np.kron([1, 2], b)),
    ("empty", lambda a, b, c, s: np.kron(a[:0], b)),
]


@pytest.mark.parametrize("fn", [c[1] for c in KRON_CASES], ids=[c[0] for c in KRON_CASES])
def test_kron(fn):
    assert_matches(fn, kron_args, must_compile=True)


# ---- average ------------------------------------------------------------------

def average_args():
    r = rng(5)
    return r.random((4, 5)), r.integers(-9, 9, (4, 5)), r.random((4, 5)) + 1j


AVERAGE_CASES = [
    ("axis1_returned", lambda a, i, c: np.average(a, axis=1, weights=[1, 2, 3, 4, 5], returned=True)),
    ("axis0", lambda a, i, c: np.average(a, axis=0, weights=[1, 2, 3, 4.5])),
    ("axis0_returned", lambda a, i, c: np.average(a, axis=-2, weights=(1, 2, 3, 4), returned=True)),
    ("same_shape", lambda a, i, c: np.average(a, weights=[[1.0, 2, 0.5, 1, 1]] * 4)),
    ("same_shape_axis", lambda a, i, c: np.average(a, axis=1, weights=[[1, 2, 3, 4, 5]] * 4, returned=True)),
    ("axes_reversed", lambda a, i, c: np.average(a, axis=(1, 0), weights=[[1, 2, 3, 4]] * 5, returned=True)),
    ("keepdims", lambda a, i, c: np.average(a, axis=1, weights=[1, 2, 3, 4, 5], keepdims=True, returned=True)),
    ("ints", lambda a, i, c: np.average(i, axis=1, weights=[1, 2, 3, 4, 5], returned=True)),
    ("int_weights_int", lambda a, i, c: np.average(i, weights=[[1, 2, 3, 1, 1]] * 4)),
    ("bools", lambda a, i, c: np.average(a > 0.5, axis=0, weights=[True, False, True, True])),
    ("complex", lambda a, i, c: np.average(c, axis=1, weights=[1, 2, 3, 4, 5], returned=True)),
    ("complex_weights", lambda a, i, c: np.average(a, axis=1, weights=[1j, 2, 3, 4, 5])),
    ("float32", lambda a, i, c: np.average(a.astype(np.float32), axis=1, weights=[1, 2, 3, 4, 5])),
    ("no_weights_returned", lambda a, i, c: np.average(a, axis=1, returned=True)),
    ("no_weights", lambda a, i, c: np.average(i)),
    ("zero_sum", lambda a, i, c: np.average(a, axis=0, weights=[1, -1, 2, -2])),
    ("zero_sum_one_row", lambda a, i, c: np.average(a, axis=1, weights=[[1, -1, 0, 0, 0]] + [[1] * 5] * 3)),
    ("no_axis_shapes_differ", lambda a, i, c: np.average(a, weights=[1, 2, 3, 4, 5])),
    ("weights_shape", lambda a, i, c: np.average(a, axis=1, weights=[1, 2, 3])),
    ("bad_axis", lambda a, i, c: np.average(a, axis=2, weights=[1, 2, 3])),
]


@pytest.mark.parametrize("fn", [c[1] for c in AVERAGE_CASES], ids=[c[0] for c in AVERAGE_CASES])
def test_average_with_weights(fn):
    assert_matches(fn, average_args, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a, i, c: np.average(a, axis=1, weights=np.arange(1, 6), returned=True),
    lambda a, i, c: np.average(a, axis=1, weights=a[0]),
    lambda a, i, c: np.average(a.T, axis=0, weights=a[:, 0] * 0, returned=True),
    lambda a, i, c: np.average(a, weights=a - a.mean()),
], ids=["arange", "argument", "zero_sum", "zero_sum_all"])
def test_average_with_traced_weights(fn):
    """NumPy's ZeroDivisionError where traced weights sum to zero: raised when run."""
    assert not assert_matches(fn, average_args), "expected no fallback"


# ---- ediff1d, diagflat ------------------------------------------------------------

def seq():
    return np.array([1.5, 4.0, -2.0, 7.25, 0.0]), np.array([[3, 1, 4], [1, 5, 9]], dtype=np.int8)


EDIFF_DIAG_CASES = [
    ("ediff1d", lambda f, i: np.ediff1d(f)),
    ("ediff1d_2d_int8", lambda f, i: np.ediff1d(i)),
    ("ediff1d_to_begin", lambda f, i: np.ediff1d(f, to_begin=0.0)),
    ("ediff1d_both", lambda f, i: np.ediff1d(f, to_end=f[:2], to_begin=[[-1, -2]])),
    ("ediff1d_int_ends", lambda f, i: np.ediff1d(i, to_begin=np.int8(5), to_end=[100, 200])),
    ("ediff1d_begin_incompatible", lambda f, i: np.ediff1d(i, to_begin=0.5)),
    ("ediff1d_end_incompatible", lambda f, i: np.ediff1d(i, to_end=f)),
    ("ediff1d_float32_begin_cast", lambda f, i: np.ediff1d(f.astype(np.float32), to_begin=1e300)),
    ("ediff1d_one", lambda f, i: np.ediff1d(f[:1], to_end=1)),
    ("ediff1d_empty", lambda f, i: np.ediff1d(f[:0], to_begin=[1, 2])),
    ("ediff1d_scalar", lambda f, i: np.ediff1d(f[0], to_begin=f[1])),
    ("ediff1d_bool", lambda f, i: np.ediff1d(f > 1)),
    ("diagflat", lambda f, i: np.diagflat(f)),
    ("diagflat_k", lambda f, i: np.diagflat(f[:4], 1)),
    ("diagflat_negative_k", lambda f, i: np.diagflat(i, k=-2)),
    ("diagflat_bool", lambda f, i: np.diagflat(i > 2, 3)),
    ("diagflat_scalar", lambda f, i: np.diagflat(f[0])),
    ("diagflat_empty", lambda f, i: np.diagflat(f[:0], -2)),
    ("diagflat_empty_k0", lambda f, i: np.diagflat(f[:0])),
    ("diagflat_numpy_int_k", lambda f, i: np.diagflat(f[:2], np.int64(2))),
    ("diagflat_complex", lambda f, i: np.diagflat(f[:3] * (1 - 1j), -1)),
    ("diagflat_of_array_of_list", lambda f, i: np.diagflat(np.array([f[0], 1]), 1)),
]


@pytest.mark.parametrize("fn", [c[1] for c in EDIFF_DIAG_CASES], ids=[c[0] for c in EDIFF_DIAG_CASES])
def test_ediff1d_and_diagflat(fn):
    assert_matches(fn, seq, must_compile=True)


# ---- polynomials ------------------------------------------------------------------

def polys():
    return np.array([0.5, -1.25, 2.0, 3.0]), np.array([3, -1, 2]), np.array([1.0, 2.0], dtype=np.float32)


POLY_CASES = [
    ("poly_roots", lambda p, q, r: np.poly(p)),
    ("poly_int_roots", lambda p, q, r: np.poly(q)),
    ("poly_float32_roots", lambda p, q, r: np.poly(r)),
    ("poly_no_roots", lambda p, q, r: np.poly(p[:0])),
    ("poly_scalar", lambda p, q, r: np.poly(p[1])),
    ("polyint", lambda p, q, r: np.polyint(p)),
    ("polyint_int", lambda p, q, r: np.polyint(q, 2)),
    ("polyint_constants", lambda p, q, r: np.polyint(r, 3, k=[1, 2, 3])),
    ("polyint_traced_constant", lambda p, q, r: np.polyint(p, 2, k=p[0])),
    ("polyint_zero_order", lambda p, q, r: np.polyint(q, 0)),
    ("polyint_negative_order", lambda p, q, r: np.polyint(q, -1)),
    ("polyint_short_k", lambda p, q, r: np.polyint(q, 3, k=[1, 2])),
    ("polyder", lambda p, q, r: np.polyder(p, 2)),
    ("polyval", lambda p, q, r: np.polyval(q, p)),
    ("polyadd", lambda p, q, r: np.polyadd(p, q)),
    ("polysub", lambda p, q, r: np.polysub(r, q)),
]


@pytest.mark.parametrize("fn", [c[1] for c in POLY_CASES], ids=[c[0] for c in POLY_CASES])
def test_polynomials(fn):
    assert_matches(fn, polys, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda p, q, r: np.polymul(p, q),  # poly1d trims leading zeros: a data-dependent length
    lambda p, q, r: np.poly(p + 1j),  # real where the roots pair up: a data-dependent dtype
], ids=["polymul", "poly_complex"])
def test_polynomials_that_run_numpy(fn):
    assert assert_matches(fn, polys), "expected a fallback"
