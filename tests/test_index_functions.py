"""np.insert, np.delete, np.block, np.choose, np.compress, np.put,
np.put_along_axis, np.ravel_multi_index, np.unravel_index and np.isin
against NumPy on two calls: dtypes, edge shapes, keywords, NumPy's
exceptions, and the cases that stay graph breaks (positions or a condition
held in an array, ValueError checks no plan op makes when run, np.isin's
value-dependent algorithms).

Positions and conditions are Python lists here: an array in a traced
function (a global, or np.array(...) inside it) is traced, its values not
known while tracing."""

import numpy as np
import pytest

from npcompile import np_compile

from conftest import assert_matches

DTYPES = (np.bool_, np.int8, np.uint8, np.int64, np.float32, np.float64, np.complex128)


def arr(shape=(4, 5), dtype=np.float64, seed=0):
    r = np.random.default_rng(seed)
    a = r.integers(-9, 10, shape) if np.dtype(dtype).kind in "iub" else r.standard_normal(shape) * 5
    if np.dtype(dtype).kind == "c":
        a = a + 1j * r.standard_normal(shape)
    if np.dtype(dtype).kind == "b":
        a = a > 0
    if np.dtype(dtype).kind == "u":
        a = np.abs(a)
    return np.asarray(a).astype(dtype)


def ints(shape, lo, hi, seed=1, dtype=np.int64):
    return np.random.default_rng(seed).integers(lo, hi, shape).astype(dtype)


MASK6 = np.array([True, False, True, False, False, False])  # a global: traced


def compiles(cases):
    return pytest.mark.parametrize("fn, make", [c[1:] for c in cases], ids=[c[0] for c in cases])


# ---- np.delete -----------------------------------------------------------

DELETE = [
    ("int_axis0", lambda a: np.delete(a, 1, axis=0), lambda: (arr(),)),
    ("negative_int", lambda a: np.delete(a, -1, axis=1), lambda: (arr(),)),
    ("numpy_int", lambda a: np.delete(a, np.int32(2), axis=1), lambda: (arr(),)),
    ("flat", lambda a: np.delete(a, 7), lambda: (arr(),)),
    ("flat_list", lambda a: np.delete(a, [0, 19, 3, 3, -2]), lambda: (arr(),)),
    ("cols_list", lambda a: np.delete(a, [0, 2], axis=1), lambda: (arr(),)),
    ("rows_tuple", lambda a: np.delete(a, (3, 0), axis=0), lambda: (arr(),)),
    ("one_element_list", lambda a: np.delete(a, [4], axis=-1), lambda: (arr(),)),
    ("empty_list", lambda a: np.delete(a, [], axis=1), lambda: (arr(),)),
    ("bool_mask", lambda a: np.delete(a, [True, False, False, True], axis=0), lambda: (arr(),)),
    ("bool_list", lambda a: np.delete(a, [False, True, True, False, True], axis=1), lambda: (arr(),)),
    ("slice", lambda a: np.delete(a, slice(1, 3), axis=1), lambda: (arr(),)),
    ("slice_step", lambda a: np.delete(a, np.s_[::2], axis=1), lambda: (arr(),)),
    ("slice_negative_step", lambda a: np.delete(a, np.s_[::-2], axis=0), lambda: (arr(),)),
    ("slice_empty", lambda a: np.delete(a, np.s_[3:1], axis=1), lambda: (arr(),)),
    ("3d_middle", lambda a: np.delete(a.reshape(2, 2, 5), [1, 3], axis=2), lambda: (arr(),)),
    ("transposed", lambda a: np.delete(a.T, 1, axis=0) * 1, lambda: (arr(),)),
    ("fortran_argument", lambda a: np.delete(a, [1], axis=1).reshape(-1), lambda: (np.asfortranarray(arr()),)),
    ("fortran_slice", lambda a: np.delete(a, np.s_[:2], axis=0).reshape(-1), lambda: (np.asfortranarray(arr()),)),
    ("strided_view", lambda a: np.delete(a[:, ::2], [0], axis=1), lambda: (arr(),)),
    ("0d", lambda a: np.delete(a.sum(), 0), lambda: (arr(),)),
    ("0d_array", lambda a: np.delete(a[0, 0, ...], []), lambda: (arr(),)),
    ("one_element", lambda a: np.delete(a[:1, 0], 0), lambda: (arr(),)),
    ("empty_axis", lambda a: np.delete(a[:, :0], [], axis=1), lambda: (arr(),)),
    ("then_written", lambda a: (lambda r: (r.__setitem__(0, 7.0), r)[1])(np.delete(a, 0, axis=0)), lambda: (arr(),)),
    # NumPy's errors
    ("out_of_range", lambda a: np.delete(a, 4, axis=0), lambda: (arr(),)),
    ("out_of_range_negative", lambda a: np.delete(a, -6, axis=1), lambda: (arr(),)),
    ("list_out_of_range", lambda a: np.delete(a, [0, 9], axis=1), lambda: (arr(),)),
    ("mask_length", lambda a: np.delete(a, [True, False], axis=0), lambda: (arr(),)),
    ("float_list", lambda a: np.delete(a, [1.0, 2.0], axis=0), lambda: (arr(),)),
    ("axis_error", lambda a: np.delete(a, 0, axis=2), lambda: (arr(),)),
    ("0d_axis", lambda a: np.delete(a.sum(), 0, axis=0), lambda: (arr(),)),
]


@compiles(DELETE)
def test_delete(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_delete_dtypes(dtype):
    assert_matches(lambda a: np.delete(a, [1, -1], axis=1), lambda: (arr(dtype=dtype),), must_compile=True)
    assert_matches(lambda a: np.delete(a, np.s_[1::2]), lambda: (arr(dtype=dtype),), must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a, i: np.delete(a, i),
    lambda a, i: np.delete(a, np.array([1, 2])),  # an array made in the function is traced too
    lambda a, i: np.delete(a, MASK6, axis=1),  # a global array: read at each call
    lambda a, i: np.insert(a, i, 0.0),
    lambda a, i: np.insert(a, np.array([1]), 0.0),
    lambda a, i: np.compress(MASK6, a, axis=1),
], ids=["delete_traced", "delete_array_made_here", "delete_global_array", "insert_traced", "insert_array_made_here",
        "compress_global_array"])
def test_positions_held_in_arrays_run_numpy(fn):
    assert assert_matches(fn, lambda: (arr((4, 6)), np.array([1, 2]))), "expected a fallback"


# ---- np.insert -----------------------------------------------------------

INSERT = [
    ("flat_scalar", lambda a: np.insert(a, 2, 9.0), lambda: (arr((6,)),)),
    ("flat_2d", lambda a: np.insert(a, 7, -1.5), lambda: (arr(),)),
    ("row", lambda a, r: np.insert(a, 1, r, axis=0), lambda: (arr(), arr((5,), seed=3))),
    ("row_scalar_broadcast", lambda a: np.insert(a, 1, 5, axis=0), lambda: (arr(),)),
    ("column", lambda a, c: np.insert(a, 3, c, axis=1), lambda: (arr(), arr((4,), seed=3))),
    ("column_2d_values", lambda a: np.insert(a, 1, [[1], [2], [3], [4]], axis=1), lambda: (arr(),)),
    ("column_list_index_2d_values", lambda a: np.insert(a, [1], [[1], [2], [3], [4]], axis=1), lambda: (arr(),)),
    ("several_rows_at_int", lambda a, r: np.insert(a, 0, np.stack([r, r * 2]), axis=0),
     lambda: (arr(), arr((5,), seed=3))),
    ("append_at_end", lambda a: np.insert(a, 5, 0.5, axis=1), lambda: (arr(),)),
    ("negative", lambda a: np.insert(a, -1, 0.5, axis=1), lambda: (arr(),)),
    ("most_negative", lambda a: np.insert(a, -4, 0.5, axis=0), lambda: (arr(),)),
    ("list", lambda a: np.insert(a, [1, 1, 0, 5, -2], 3.25, axis=1), lambda: (arr(),)),
    ("list_values", lambda a, v: np.insert(a, [4, 0, 2], v), lambda: (arr((6,)), arr((3,), seed=4))),
    ("list_values_broadcast", lambda a, v: np.insert(a, [0, 2], v[:, None], axis=1),
     lambda: (arr(), arr((4,), seed=4))),
    ("repeated_index", lambda a: np.insert(a, (2, 2), -7.0), lambda: (arr((6,)),)),
    ("one_element_list", lambda a, v: np.insert(a, [2], v, axis=0), lambda: (arr(), arr((5,), seed=3))),
    ("slice", lambda a: np.insert(a, slice(0, 4, 2), 8.0, axis=1), lambda: (arr(),)),
    ("bool_mask", lambda a: np.insert(a, [True, False, True, False, False, False], 1.0), lambda: (arr((6,)),)),
    ("empty_list", lambda a: np.insert(a, [], 1.0, axis=0), lambda: (arr(),)),
    ("traced_values_cast", lambda a, v: np.insert(a, [1, 3], v, axis=1),
     lambda: (arr(dtype=np.int64), arr((2,), seed=5))),
    ("scalar_index_cast", lambda a, v: np.insert(a, 1, v, axis=1), lambda: (arr(dtype=np.int8), arr((4,), seed=5))),
    ("python_float_into_int", lambda a: np.insert(a, 1, 2.75), lambda: (arr((5,), np.int64),)),
    ("traced_scalar_value", lambda a: np.insert(a, [0, 3], a.max()), lambda: (arr((5,)),)),
    ("into_0d", lambda a: np.insert(a.sum(), 0, 1.0), lambda: (arr(),)),
    ("into_empty", lambda a: np.insert(a[:0], 0, 1.0), lambda: (arr((5,)),)),
    ("3d", lambda a: np.insert(a.reshape(2, 2, 5), [1], 0.0, axis=1), lambda: (arr(),)),
    ("transposed", lambda a: np.insert(a.T, 1, 0.0, axis=0) + 0, lambda: (arr(),)),
    ("fortran_argument", lambda a: np.insert(a, [1, 2], 0.5, axis=0).reshape(-1), lambda: (np.asfortranarray(arr()),)),
    # NumPy's errors
    ("out_of_range", lambda a: np.insert(a, 6, 1.0, axis=1), lambda: (arr(),)),
    ("out_of_range_negative", lambda a: np.insert(a, -5, 1.0, axis=0), lambda: (arr(),)),
    ("list_out_of_range", lambda a: np.insert(a, [0, 9], 1.0, axis=1), lambda: (arr(),)),
    ("float_index", lambda a: np.insert(a, 1.0, 1.0), lambda: (arr((5,)),)),
    ("float_indices", lambda a: np.insert(a, [1.0, 2.0], 1.0), lambda: (arr((5,)),)),
    ("2d_index", lambda a: np.insert(a, [[1]], 1.0), lambda: (arr((5,)),)),
    ("bool_list", lambda a: np.insert(a, [True, False, True, False, True], 1.0), lambda: (arr((5,)),)),
    ("values_shape", lambda a, v: np.insert(a, 1, v, axis=0), lambda: (arr(), arr((3,), seed=3))),
    ("values_shape_list", lambda a, v: np.insert(a, [1, 2], v, axis=0), lambda: (arr(), arr((3,), seed=3))),
    ("overflow", lambda a: np.insert(a, 1, 300), lambda: (arr((5,), np.int8),)),
    ("overflow_list", lambda a: np.insert(a, [1, 2], 300), lambda: (arr((5,), np.int8),)),
    ("axis_error", lambda a: np.insert(a, 0, 1.0, axis=-3), lambda: (arr(),)),
]


@compiles(INSERT)
def test_insert(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_insert_dtypes(dtype):
    assert_matches(lambda a, v: np.insert(a, [0, 3, 3], v[:3], axis=1),
                   lambda: (arr(dtype=dtype), arr((5,), dtype, seed=2)), must_compile=True)
    assert_matches(lambda a, v: np.insert(a, 2, v, axis=0), lambda: (arr(dtype=dtype), arr((5,), dtype, seed=2)),
                   must_compile=True)


# ---- np.block ------------------------------------------------------------

BLOCK = [
    ("1d", lambda x, y: np.block([x, y]), lambda: (arr((3,)), arr((2,), seed=2))),
    ("2d", lambda a, b: np.block([[a, b], [b, a]]), lambda: (arr((2, 2)), arr((2, 2), seed=2))),
    ("2d_with_constant", lambda a: np.block([[a, np.zeros((4, 2))], [np.ones((1, 5)), np.eye(1, 2)]]),
     lambda: (arr((4, 5)),)),
    ("1d_under_2d", lambda a, v: np.block([[a], [v]]), lambda: (arr((2, 3)), arr((3,), seed=2))),
    ("scalars", lambda x: np.block([x, 1.5, 2]), lambda: (arr((3,), np.float32),)),
    ("int_scalar", lambda x: np.block([x, 7]), lambda: (arr((3,), np.int8),)),
    ("numpy_scalars", lambda x: np.block([x.max(), x.min()]), lambda: (arr((3,), np.float32),)),
    ("promotion", lambda x, y: np.block([[x], [y]]), lambda: (arr((2,), np.int8), arr((2,), np.uint8, seed=2))),
    ("3_levels", lambda a: np.block([[[a, a]], [[a, a]]]), lambda: (arr((1, 2, 2)),)),
    ("lifts_dims", lambda a: np.block([[[a]]]), lambda: (arr((3,)),)),
    ("single", lambda a: np.block(a) * 1, lambda: (arr((3,)),)),
    ("single_list", lambda a: np.block([a]), lambda: (arr((3,)),)),
    ("0d", lambda a: np.block([a.sum(), a.sum()]), lambda: (arr((3,)),)),
    ("empty_block", lambda a: np.block([a[:0], a]), lambda: (arr((3,)),)),
    ("transposed", lambda a: np.block([[a.T, a.T]]) + 0, lambda: (arr((2, 3)),)),
    ("fortran_arguments", lambda a: np.block([[a, a]]).reshape(-1), lambda: (np.asfortranarray(arr((2, 3))),)),
    ("large", lambda a, b: np.block([[a, b], [b, a]]), lambda: (arr((300, 300)), arr((300, 300), seed=2))),
    # NumPy's errors
    ("depths", lambda a, b: np.block([[a], b]), lambda: (arr((2,)), arr((2,), seed=2))),
    ("tuple", lambda a: np.block((a, a)), lambda: (arr((2,)),)),
    ("empty_list", lambda a: np.block([[a], []]), lambda: (arr((2,)),)),
    ("shapes", lambda a, b: np.block([[a], [b]]), lambda: (arr((2,)), arr((3,), seed=2))),
    ("shapes_2d", lambda a, b: np.block([[a, b]]), lambda: (arr((2, 2)), arr((3, 2), seed=2))),
]


@compiles(BLOCK)
def test_block(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_block_dtypes(dtype):
    assert_matches(lambda a, b: np.block([[a, b], [b, a]]), lambda: (arr((2, 3), dtype), arr((2, 3), dtype, seed=2)),
                   must_compile=True)


# ---- np.choose -----------------------------------------------------------

def choose_args(dtype=np.float64):
    return ints((4, 5), -4, 7), arr(dtype=dtype), arr(dtype=dtype, seed=2), arr(dtype=dtype, seed=3)


CHOOSE = [
    ("wrap", lambda i, a, b, c: np.choose(i, [a, b, c], mode="wrap"), choose_args),
    ("clip", lambda i, a, b, c: np.choose(i, [a, b, c], mode="clip"), choose_args),
    ("mode_int", lambda i, a, b, c: np.choose(i, (a, b, c), mode=1), choose_args),
    ("bool_index_raise", lambda i, a, b, c: np.choose(i > 0, [a, b]), choose_args),
    ("uint8_index_raise", lambda i, a, b, c: np.choose(i.astype(np.uint8), [a + k for k in range(256)]),
     choose_args),
    ("static_index", lambda i, a, b, c: np.choose([0, 2, 1, 1, 0], [a, b, c]), choose_args),
    ("static_index_list", lambda i, a, b, c: np.choose([[0], [2], [1], [1]], [a, b, c]), choose_args),
    ("broadcast", lambda i, a, b, c: np.choose(i[:, :1], [a[0], b, 2.5], mode="clip"), choose_args),
    ("python_int_wraps", lambda i, a, b, c: np.choose(i, [a.astype(np.int8), 300], mode="wrap"), choose_args),
    ("python_float", lambda i, a, b, c: np.choose(i, [a.astype(np.int8), 2.5], mode="clip"), choose_args),
    ("mixed_dtypes", lambda i, a, b, c: np.choose(i, [a.astype(np.float32), b.astype(np.int16)], mode="wrap"),
     choose_args),
    ("array_choices", lambda i, a, b, c: np.choose(i, np.stack([a, b]), mode="wrap"), choose_args),
    ("method", lambda i, a, b, c: i.choose([a, b, c], mode="clip"), choose_args),
    ("0d_index", lambda i, a, b, c: np.choose(i[0, 0], [a[0, 0], b[0, 0]], mode="wrap"), choose_args),
    ("0d_method", lambda i, a, b, c: i[1, 1].choose([1.5, a[0, 0]], mode="clip"), choose_args),
    ("one_choice", lambda i, a, b, c: np.choose(i, [a], mode="clip"), choose_args),
    ("empty", lambda i, a, b, c: np.choose(i[:0], [a[:0], b[:0]], mode="wrap"), choose_args),
    ("empty_raise", lambda i, a, b, c: np.choose(i[:0], [a[:0], b[:0]]), choose_args),
    # NumPy's errors
    ("static_out_of_range", lambda i, a, b, c: np.choose([0, 3, 1, 1, 0], [a, b, c]), choose_args),
    ("float_index", lambda i, a, b, c: np.choose(i * 1.0, [a, b, c], mode="wrap"), choose_args),
    ("uint64_index", lambda i, a, b, c: np.choose(i.astype(np.uint64), [a, b, c], mode="wrap"), choose_args),
    ("shapes", lambda i, a, b, c: np.choose(i, [a, b[:2]], mode="wrap"), choose_args),
    ("no_choices", lambda i, a, b, c: np.choose(i, [], mode="wrap"), choose_args),
    ("bad_mode", lambda i, a, b, c: np.choose(i, [a, b], mode="x"), choose_args),
]


@compiles(CHOOSE)
def test_choose(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_choose_dtypes(dtype):
    assert_matches(lambda i, a, b, c: np.choose(i, [a, b, c], mode="wrap"), lambda: choose_args(dtype),
                   must_compile=True)


def test_choose_raise_at_traced_int_indices_compiles():
    assert_matches(lambda i, a, b, c: np.choose(i, [a, b, c]), choose_args, must_compile=True)
    assert_matches(lambda i, a, b, c: np.choose(i % 3, [a, b, c]), choose_args, must_compile=True)


def test_choose_raise_out_of_range_when_run_is_numpys_value_error():
    assert not assert_matches(lambda i, a, b, c: np.choose(i + 1, [a, b, c]), choose_args), "expected the plan to raise"


# ---- np.compress ---------------------------------------------------------

COMPRESS = [
    ("list_axis1", lambda a: np.compress([True, False, True, False, True], a, axis=1), lambda: (arr(),)),
    ("flat", lambda a: np.compress([0, 1, 1, 0, 0, 0, 1], a), lambda: (arr(),)),
    ("axis0_tuple", lambda a: np.compress((False, True, True, False), a, axis=0), lambda: (arr(),)),
    ("negative_axis", lambda a: np.compress([1, 0, 2.5], a, axis=-1), lambda: (arr(),)),
    ("shorter", lambda a: np.compress([True], a, axis=0), lambda: (arr(),)),
    ("longer_false", lambda a: np.compress([True, False, True, False, False, False], a, axis=0), lambda: (arr(),)),
    ("none_selected", lambda a: np.compress([False, False], a, axis=1), lambda: (arr(),)),
    ("empty_condition", lambda a: np.compress([], a, axis=1), lambda: (arr(),)),
    ("method", lambda a: a.compress([True, False, True], axis=1), lambda: (arr(),)),
    ("method_flat", lambda a: (a * 2).compress([1, 0, 0] * 7), lambda: (arr(),)),
    ("0d", lambda a: np.compress([True], a.sum()), lambda: (arr(),)),
    ("0d_axis", lambda a: np.compress([True], a.sum(), axis=0), lambda: (arr(),)),
    ("strided", lambda a: np.compress([1, 0, 1], a[::-1, ::2], axis=1), lambda: (arr(),)),
    ("then_written", lambda a: (lambda r: (r.__setitem__(0, 0.0), r, a)[1:])(np.compress([0, 1], a, axis=0)),
     lambda: (arr(),)),
    # NumPy's errors
    ("longer_true", lambda a: np.compress([True, False, True, False, True], a, axis=0), lambda: (arr(),)),
    ("2d_condition", lambda a: np.compress([[True]], a), lambda: (arr(),)),
    ("scalar_condition", lambda a: np.compress(True, a), lambda: (arr(),)),
    ("axis_error", lambda a: np.compress([True], a, axis=2), lambda: (arr(),)),
]


@compiles(COMPRESS)
def test_compress(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compress_dtypes(dtype):
    assert_matches(lambda a: np.compress([1, 0, 0, 1], a, axis=0), lambda: (arr(dtype=dtype),), must_compile=True)


def test_compress_with_a_traced_condition_runs_numpy():
    assert assert_matches(lambda a: np.compress(a[:, 0] > 0, a, axis=0), lambda: (arr(),)), "expected a fallback"


# ---- np.put --------------------------------------------------------------

def put_args(dtype=np.float64):
    return arr(dtype=dtype), ints((7,), -25, 25), arr((7,), dtype, seed=5)


def put(mode, ind=lambda i: i, val=lambda v: v, target=lambda a: a):
    def f(a, i, v):
        np.put(target(a), ind(i), val(v), mode=mode)
        return a
    return f


PUT = [
    ("wrap", put("wrap"), put_args),
    ("clip", put("clip"), put_args),
    ("mode_int", put(0), put_args),
    ("repeated_last_wins", put("clip", ind=lambda i: i % 3), put_args),
    ("fewer_values", put("wrap", val=lambda v: v[:3]), put_args),
    ("one_value", put("wrap", val=lambda v: v[2]), put_args),
    ("python_value", put("wrap", val=lambda v: -2.5), put_args),
    ("more_values", put("wrap", ind=lambda i: i[:4]), put_args),
    ("2d_indices", put("clip", ind=lambda i: i[:6].reshape(2, 3)), put_args),
    ("cast_values", put("wrap", target=lambda a: a), lambda: (arr(dtype=np.int16), ints((7,), -25, 25),
                                                             arr((7,), seed=5) * 100)),
    ("strided_view", put("wrap", target=lambda a: a[:, ::2]), put_args),
    ("transposed_view", put("clip", target=lambda a: a.T), put_args),
    ("fortran_argument", put("wrap"), lambda: (np.asfortranarray(arr()), ints((7,), -25, 25), arr((7,), seed=5))),
    ("raise_in_range", put("raise", ind=lambda i: i % 20), put_args),
    ("raise_negative", put("raise", ind=lambda i: i % 20 - 20), put_args),
    ("raise_uint8", put("raise", ind=lambda i: (i % 20).astype(np.uint8)), put_args),
    ("raise_bool", put("raise", ind=lambda i: i > 0), put_args),
    ("static", put("raise", ind=lambda i: [0, 7, 13, 7, -1]), put_args),
    ("static_wrap", put("wrap", ind=lambda i: np.array([[0, 27], [-41, 3]])), put_args),
    ("static_float_list", put("raise", ind=lambda i: [1.5, 2.0]), put_args),
    ("static_cast", put("raise", ind=lambda i: [0, 1], val=lambda v: [1.7, -2.5]),
     lambda: (arr(dtype=np.int8), ints((7,), -25, 25), arr((7,), seed=5))),
    ("empty_values", put("raise", ind=lambda i: i + 100, val=lambda v: v[:0]), put_args),
    ("empty_indices", put("raise", ind=lambda i: i[:0]), put_args),
    ("0d_target", put("wrap", target=lambda a: a[0, 0, ...]), put_args),
    ("method", lambda a, i, v: (a.put(i, v, mode="clip"), a)[1], put_args),
    ("method_static", lambda a, i, v: (a.put([2], 9.0), a)[1], put_args),
    # NumPy's errors
    ("static_out_of_range_first", put("raise", ind=lambda i: [40, 0]), put_args),
    ("float_indices", put("wrap", ind=lambda i: i * 1.0), put_args),
    ("uint64_indices", put("wrap", ind=lambda i: i.astype(np.uint64)), put_args),
    ("empty_target", put("wrap", target=lambda a: a[:0]), put_args),
    ("overflow", put("wrap", val=lambda v: [1, 300]), lambda: (arr(dtype=np.int8), ints((7,), -25, 25),
                                                              arr((7,), seed=5))),
    ("bad_mode", put("w"), put_args),
    ("not_an_array", lambda a, i, v: np.put([1.0, 2.0], i, v), put_args),
]


@compiles(PUT)
def test_put(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_put_dtypes(dtype):
    assert_matches(put("wrap"), lambda: put_args(dtype), must_compile=True)
    assert_matches(put("raise", ind=lambda i: i % 20), lambda: put_args(dtype), must_compile=True)


def test_put_raise_at_a_traced_index_out_of_range_leaves_the_array():
    """NumPy writes the indices before the bad one, then raises IndexError; a
    compiled call raises the same class and writes nothing (as any compiled
    call that raises)."""
    f = put("raise")
    cf = np_compile(f)
    a, i, v = put_args()
    np.testing.assert_array_equal(cf(a.copy(), i % 20, v), f(a.copy(), i % 20, v))
    before = a.copy()
    with pytest.raises(IndexError):
        cf(a, i, v)
    np.testing.assert_array_equal(a, before)


def test_put_of_static_indices_that_raise_after_writing_runs_numpy():
    assert assert_matches(put("raise", ind=lambda i: [0, 40]), put_args), "expected a fallback"


def test_put_into_a_read_only_array():
    assert_matches(lambda a, i, v: np.put(np.broadcast_to(a, (2, 4, 5)), i, v, mode="wrap"), put_args,
                   must_compile=True)


# ---- np.put_along_axis ---------------------------------------------------

def pa(axis, ind=lambda a, i: i, val=lambda a, v: v):
    def f(a, i, v):
        np.put_along_axis(a, ind(a, i), val(a, v), axis=axis)
        return a
    return f


def pa_args(dtype=np.float64):
    return arr(dtype=dtype), ints((4, 3), -5, 5), arr((4, 3), dtype, seed=7)


PUT_ALONG = [
    ("argmax", lambda a: (np.put_along_axis(a, np.argmax(a, axis=1, keepdims=True), 0.0, axis=1), a)[1],
     lambda: (arr(),)),
    ("argmin_axis0", lambda a: (np.put_along_axis(a, np.argmin(a, axis=0, keepdims=True), -1.0, axis=0), a)[1],
     lambda: (arr(),)),
    ("repeated_positions", pa(1), pa_args),
    ("values_broadcast", pa(1, val=lambda a, v: v[:, :1]), pa_args),
    ("scalar_value", pa(-1, val=lambda a, v: 2.5), pa_args),
    ("indices_broadcast_rows", pa(1, ind=lambda a, i: i[:1]), pa_args),
    ("axis0", pa(0, ind=lambda a, i: i[:2, :] % 4, val=lambda a, v: v[:2, :]),
     lambda: (arr(), ints((2, 5), -4, 4), arr((2, 5), seed=7))),
    ("unit_axis_repeats", lambda a, i, v: (np.put_along_axis(a[:1], i[:, :1], v[:, :1], axis=1), a)[1], pa_args),
    ("3d", lambda a, i, v: (np.put_along_axis(a.reshape(2, 2, 5), i.reshape(2, 2, 3), v.reshape(2, 2, 3), axis=2),
                            a)[1], pa_args),
    ("strided_view", lambda a, i, v: (np.put_along_axis(a[:, ::2], i % 3, v, axis=1), a)[1], pa_args),
    ("cast_values", pa(1, val=lambda a, v: v * 10), lambda: (arr(dtype=np.int16), ints((4, 3), -5, 5),
                                                            arr((4, 3), seed=7))),
    ("static_indices", pa(1, ind=lambda a, i: np.array([[0, 4, 4]] * 4)), pa_args),
    ("axis_none", lambda a, i, v: (np.put_along_axis(a, i.ravel(), v.ravel(), axis=None), a)[1], pa_args),
    ("axis_none_view", lambda a, i, v: (np.put_along_axis(a[1:], i.ravel(), 7.0, axis=None), a)[1], pa_args),
    ("fortran_argument", pa(1), lambda: (np.asfortranarray(arr()), ints((4, 3), -5, 5), arr((4, 3), seed=7))),
    ("list_values", pa(0, ind=lambda a, i: i[:1, :] % 4, val=lambda a, v: [1.0, 2.0, 3.0, 4.0, 5.0]),
     lambda: (arr(), ints((2, 5), -4, 4), None)),
    ("empty", pa(1, ind=lambda a, i: i[:, :0], val=lambda a, v: v[:, :0]), pa_args),
    # NumPy's errors
    ("out_of_range", pa(1, ind=lambda a, i: i + 3), pa_args),
    ("axis_none_2d", lambda a, i, v: np.put_along_axis(a, i, v, axis=None), pa_args),
    ("axis_none_strided", lambda a, i, v: np.put_along_axis(a[:, ::2], i.ravel(), 1.0, axis=None), pa_args),
    ("axis_none_fortran", lambda a, i, v: np.put_along_axis(a, i.ravel(), 1.0, axis=None),
     lambda: (np.asfortranarray(arr()), ints((4, 3), -5, 5), None)),
    ("read_only", lambda a, i, v: np.put_along_axis(np.broadcast_to(a, (2, 4, 5)), i[None].repeat(2, 0), 1.0,
                                                   axis=2), pa_args),
    ("float_indices", pa(1, ind=lambda a, i: i * 1.0), pa_args),
    ("bool_indices", pa(1, ind=lambda a, i: i > 0), pa_args),
    ("ndim", pa(1, ind=lambda a, i: i[0]), pa_args),
    ("index_shapes", pa(1, ind=lambda a, i: i[:3]), pa_args),
    ("value_shapes", pa(1, val=lambda a, v: v[:, :2]), pa_args),
    ("overflow", pa(1, val=lambda a, v: 300), lambda: (arr(dtype=np.int8), ints((4, 3), -5, 5), None)),
    ("axis_error", pa(2), pa_args),
]


@compiles(PUT_ALONG)
def test_put_along_axis(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_put_along_axis_dtypes(dtype):
    assert_matches(pa(1), lambda: pa_args(dtype), must_compile=True)


# ---- np.ravel_multi_index, np.unravel_index ----------------------------

def coords(dtype=np.int64):
    return ints((6,), -6, 9, seed=3, dtype=dtype), ints((6,), -7, 12, seed=4, dtype=dtype)


RAVEL = [
    ("wrap", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode="wrap"), coords),
    ("clip", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode="clip"), coords),
    ("per_dim_modes", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode=("clip", "wrap")), coords),
    ("order_f", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode="wrap", order="F"), coords),
    ("3_dims", lambda i, j: np.ravel_multi_index((i, j, i), (3, 4, 5), mode="clip"), coords),
    ("broadcast", lambda i, j: np.ravel_multi_index((i[:, None], j), (4, 5), mode="wrap"), coords),
    ("0d", lambda i, j: np.ravel_multi_index((i[0], j[1]), (4, 5), mode="clip"), coords),
    ("python_int", lambda i, j: np.ravel_multi_index((2, j), (4, 5), mode="clip"), coords),
    ("2d_array", lambda i, j: np.ravel_multi_index(np.stack([i, j]), (4, 5), mode="wrap"), coords),
    ("uint8_raise", lambda i, j: np.ravel_multi_index(((i % 4).astype(np.uint8), (j % 5).astype(np.uint8)),
                                                      (300, 256)), coords),
    ("bool_raise", lambda i, j: np.ravel_multi_index((i > 0, j > 0), (2, 3)), coords),
    ("static_raise", lambda i, j: np.ravel_multi_index(([1, 2], (j[:2] > 0)), (4, 5)), coords),
    ("uint_wrap", lambda i, j: np.ravel_multi_index((i.astype(np.uint16), j), (4, 5), mode="wrap"), coords),
    ("int_dims", lambda i, j: np.ravel_multi_index((i,), 4, mode="wrap"), coords),
    ("empty", lambda i, j: np.ravel_multi_index((i[:0], j[:0]), (4, 5)), coords),
    ("empty_zero_dim", lambda i, j: np.ravel_multi_index((i[:0], j[:0]), (4, 0)), coords),
    # NumPy's errors
    ("static_out_of_range", lambda i, j: np.ravel_multi_index(([1, 4], j[:2] > 0), (4, 5)), coords),
    ("float", lambda i, j: np.ravel_multi_index((i * 1.0, j), (4, 5), mode="wrap"), coords),
    ("length", lambda i, j: np.ravel_multi_index((i,), (4, 5), mode="wrap"), coords),
    ("shapes", lambda i, j: np.ravel_multi_index((i, j[:2]), (4, 5), mode="wrap"), coords),
    ("modes_length", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode=("wrap",)), coords),
    ("order", lambda i, j: np.ravel_multi_index((i, j), (4, 5), mode="wrap", order="X"), coords),
    ("zero_dim", lambda i, j: np.ravel_multi_index((i, j), (4, 0), mode="wrap"), coords),
    ("huge_dims", lambda i, j: np.ravel_multi_index((i, j), (2**40, 2**40), mode="wrap"), coords),
]


@compiles(RAVEL)
def test_ravel_multi_index(fn, make):
    assert_matches(fn, make, must_compile=True)


def test_ravel_multi_index_raise_at_traced_int_coordinates_compiles():
    assert_matches(lambda i, j: np.ravel_multi_index((i % 4, j % 5), (4, 5)), coords, must_compile=True)
    assert not assert_matches(lambda i, j: np.ravel_multi_index((i % 4 + 1, j % 5), (4, 5)), coords), \
        "expected the plan to raise NumPy's ValueError"


UNRAVEL = [
    ("uint8", lambda i: np.unravel_index(i.astype(np.uint8), (16, 20)), lambda: (ints((2, 3), 0, 256),)),
    ("uint8_order_f", lambda i: np.unravel_index(i.astype(np.uint8), (16, 20), order="F"),
     lambda: (ints((7,), 0, 256),)),
    ("bool", lambda i: np.unravel_index(i > 3, (2, 3)), lambda: (ints((7,), 0, 9),)),
    ("0d", lambda i: np.unravel_index(i[0].astype(np.uint8), (4, 8, 9)), lambda: (ints((7,), 0, 256),)),
    ("empty", lambda i: np.unravel_index(i[:0], (4, 5)), lambda: (ints((7,), 0, 20),)),
    ("empty_zero_dim", lambda i: np.unravel_index(i[:0], (4, 0)), lambda: (ints((7,), 0, 20),)),
    ("int_shape", lambda i: np.unravel_index(i.astype(np.uint8), 300), lambda: (ints((7,), 0, 256),)),
    # NumPy's errors
    ("float", lambda i: np.unravel_index(i * 1.0, (4, 5)), lambda: (ints((7,), 0, 20),)),
    ("0d_shape", lambda i: np.unravel_index(i.astype(np.uint8), ()), lambda: (ints((7,), 0, 20),)),
    ("order", lambda i: np.unravel_index(i > 0, (4, 5), order="X"), lambda: (ints((7,), 0, 20),)),
]


@compiles(UNRAVEL)
def test_unravel_index(fn, make):
    assert_matches(fn, make, must_compile=True)


def test_unravel_index_of_int_indices_is_numpys_kernel():
    assert_matches(lambda a: np.unravel_index(np.argmax(a), a.shape), lambda: (arr(),), must_compile=True)
    assert_matches(lambda a: np.unravel_index(np.argsort(a, axis=None, kind="stable"), a.shape, order="F"),
                   lambda: (arr(),), must_compile=True)
    assert not assert_matches(lambda a: np.unravel_index(np.argmax(a) + a.size, a.shape), lambda: (arr(),)), \
        "expected the plan to raise NumPy's ValueError"


# ---- np.isin -------------------------------------------------------------

def isin_floats():
    e = np.array([[0.0, -0.0, np.nan, 1.5], [2.0, np.inf, -1.0, 3.0]])
    return e, np.array([np.nan, 0.0, 3.0, np.inf, 7.0])


ISIN = [
    ("ints", lambda a, b: np.isin(a, b), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12, seed=2))),
    ("invert", lambda a, b: np.isin(a, b, invert=True), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12, seed=2))),
    ("static_test", lambda a, b: np.isin(a, np.array([1, 3, 5, 7])), lambda: (ints((4, 5), 0, 9), None)),
    ("list_test", lambda a, b: np.isin(a, [1, 300, 5]), lambda: (ints((4, 5), 0, 9).astype(np.int8), None)),
    ("scalar_test", lambda a, b: np.isin(a, 3), lambda: (ints((4, 5), 0, 9), None)),
    ("static_element", lambda a, b: np.isin([1, 2, 3], b), lambda: (None, ints((4,), 0, 4))),
    ("floats_nan_zero", lambda a, b: np.isin(a, b), isin_floats),
    ("float_vs_int", lambda a, b: np.isin(a, b.astype(np.int8)), lambda: (arr((3, 4)).round(), ints((6,), -5, 5))),
    ("float32_vs_float64", lambda a, b: np.isin(a.astype(np.float32), b),
     lambda: (np.array([0.1, 0.5, 1.0]), np.array([0.1, 0.5]))),
    ("bools", lambda a, b: np.isin(a > 0, b > 0), lambda: (ints((4, 5), -3, 3), ints((3,), -3, 0))),
    ("int_vs_bool", lambda a, b: np.isin(a, b > 0), lambda: (ints((4, 5), -3, 3), ints((3,), -3, 3))),
    ("complex", lambda a, b: np.isin(a, b), lambda: (arr((5,), np.complex128).round(),
                                                     np.array([arr((5,), np.complex128).round()[2], 1j]))),
    ("large_sorted", lambda a, b: np.isin(a, b), lambda: (ints((300, 40), 0, 5000), ints((400,), 0, 5000))),
    ("large_sorted_floats", lambda a, b: np.isin(a, b, invert=True),
     lambda: (np.concatenate([arr((3000,)).round(1), [np.nan, -0.0]]), np.concatenate([arr((200,)).round(1),
                                                                                     [np.nan, 0.0]]))),
    ("large_bools", lambda a, b: np.isin(a, b), lambda: (ints((3000,), 0, 2) > 0, ints((100,), 0, 1) > 0)),
    ("kind_sort", lambda a, b: np.isin(a, b, kind="sort"), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("kind_table_uint8", lambda a, b: np.isin(a, b.astype(np.uint8), kind="table"),
     lambda: (ints((4, 5), -3, 300), ints((4,), 0, 255))),
    ("assume_unique_loop", lambda a, b: np.isin(a, b, assume_unique=True),
     lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("empty_test", lambda a, b: np.isin(a, b[:0], invert=True), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("empty_element", lambda a, b: np.isin(a[:0], b), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("empty_assume_unique", lambda a, b: np.isin(a[:0], b, assume_unique=True),
     lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("empty_test_uint64", lambda a, b: np.isin(a, b[:0].astype(np.uint64)),
     lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("0d", lambda a, b: np.isin(a[0, 0], b), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("uint8_vs_int8", lambda a, b: np.isin(a.astype(np.uint8), b.astype(np.int8)),
     lambda: (ints((4, 5), 0, 256), ints((5,), -128, 128))),
    # NumPy's errors
    ("bad_kind", lambda a, b: np.isin(a, b, kind="hash"), lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
    ("table_of_floats", lambda a, b: np.isin(a * 1.0, b, kind="table"),
     lambda: (ints((4, 5), 0, 12), ints((4,), 0, 12))),
]


@compiles(ISIN)
def test_isin(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_isin_dtypes(dtype):
    assert_matches(lambda a, b: np.isin(a, b), lambda: (arr(dtype=dtype), arr(dtype=dtype)[1:3, 1]),
                   must_compile=True)
    assert_matches(lambda a, b: np.isin(a, b, invert=True), lambda: (arr((50, 40), dtype), arr((60,), dtype, seed=3)),
                   must_compile=True)


@pytest.mark.parametrize("fn, make", [
    (lambda a, b: np.isin(a, b, assume_unique=True), lambda: (ints((300,), 0, 50), ints((400,), 0, 50))),
    (lambda a, b: np.isin(a, b.astype(np.uint64)), lambda: (ints((4,), 0, 9), ints((4,), 0, 9))),
    (lambda a, b: np.isin(a, b, kind="table"), lambda: (ints((4,), 0, 9), ints((4,), 0, 9, dtype=np.int8))),
    (lambda a, b: a[np.isin(a, b, invert=True)], lambda: (ints((20,), 0, 9), ints((6,), 0, 9))),
], ids=["assume_unique_sorting", "int64_vs_uint64", "kind_table_int8", "returns_a_selection"])
def test_isin_runs_numpy(fn, make):
    assert assert_matches(fn, make), "expected a fallback"


@pytest.mark.parametrize("fn, make", [
    (lambda a: np.delete(a, 4, axis=0), lambda: (arr(),)),
    (lambda a, r: np.insert(a, 1, r[:3], axis=0), lambda: (arr(), arr((5,)))),
    (lambda a, r: np.insert(a, [1, 2], r[:3], axis=0), lambda: (arr(), arr((5,)))),
    (PUT_ALONG[-1][1], pa_args),
    (pa(1, ind=lambda a, i: i + 3), pa_args),
    (pa(1, ind=lambda a, i: i[:3]), pa_args),
    (pa(1, val=lambda a, v: v[:, :2]), pa_args),
    (lambda a, i, v: np.put([1.0], i, v), put_args),
    (put("wrap", ind=lambda i: i * 1.0), put_args),
    (put("raise"), put_args),
    (lambda i, j: np.ravel_multi_index((i, j[:2], i[:, None]), (4, 5, 6), mode="wrap"), coords),
    (lambda i, a, b, c: np.choose(i, [a, b[:2]], mode="wrap"), choose_args),
], ids=["delete", "insert_int", "insert_list", "put_along_axis_axis", "put_along_axis_range",
        "put_along_axis_index_shapes", "put_along_axis_value_shapes", "put_not_an_array", "put_float_indices",
        "put_range", "ravel_multi_index_shapes", "choose_shapes"])
def test_error_words_are_numpys(fn, make):
    with pytest.raises(Exception) as theirs:
        fn(*make())
    with pytest.raises(type(theirs.value)) as ours:
        np_compile(fn, fullgraph=True)(*make())
    assert str(ours.value) == str(theirs.value)
