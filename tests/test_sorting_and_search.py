"""Stable argsort (kind='stable'), complex sort in NumPy's order (NaN
categories included), take_along_axis, searchsorted (NaN greatest, both
sides, sorter=), interp (NumPy's C loop: edges, exact hits, NaN) and digitize,
against NumPy on two calls. NumPy's default argsort (ties in its
algorithm's order) is NumPy's own kernel in the plan: tests/test_host_kernels.py."""

import numpy as np
import pytest

from conftest import assert_matches

SEQ = np.array([-1.0, 0.0, 0.0, 2.5, np.inf, np.nan, np.nan])
VALS = np.array([-2, 0.0, 1.0, np.inf, np.nan, 3.0, -np.inf, 2.5])
Z = np.array([1 + 2j, np.nan + 1j, 1 + np.nan * 1j, 0.5 + 3j, np.nan + np.nan * 1j, 1 + 1j, -2 + 0j, 1 + 2j,
              3 + np.nan * 1j, np.nan - 1j])


def ints():
    return np.random.default_rng(0).integers(0, 4, 12)


def interp_args():
    r = np.random.default_rng(1)
    xp = np.sort(r.random(6))
    x = np.concatenate([r.random(8) * 1.4 - 0.2, xp[:3], [np.nan, xp[-1], xp[0]]])
    return x, xp, r.standard_normal(6)


CASES = [
    ("searchsorted_left_nan", lambda s, v: np.searchsorted(s, v), lambda: (SEQ.copy(), VALS.copy())),
    ("searchsorted_right_nan", lambda s, v: np.searchsorted(s, v, side="right"), lambda: (SEQ.copy(), VALS.copy())),
    ("searchsorted_scalar", lambda s, v: np.searchsorted(s[:4], 0.5), lambda: (SEQ.copy(), VALS.copy())),
    ("searchsorted_int_method", lambda s, v: np.sort(s).searchsorted(v[:5], side="right"), lambda: (ints(), ints())),
    ("searchsorted_sorter", lambda s, v: np.searchsorted(s, v, sorter=np.argsort(s, kind="stable")),
     lambda: (ints(), ints())),
    ("searchsorted_mixed_dtypes", lambda s, v: np.searchsorted(np.sort(s), v * 0.5), lambda: (ints(), ints())),
    ("argsort_stable", lambda a: np.argsort(a, kind="stable"), lambda: (ints(),)),
    ("argsort_stable_axis0", lambda a: np.argsort(a.reshape(3, 4), axis=0, stable=True), lambda: (ints(),)),
    ("argsort_method_nan", lambda a: a.argsort(kind="mergesort"), lambda: (VALS.copy(),)),
    ("argsort_bool", lambda a: np.argsort(a > 1, kind="stable"), lambda: (ints(),)),
    ("sort_complex_nan", lambda a: np.sort(a), lambda: (Z.copy(),)),
    ("argsort_complex", lambda a: np.argsort(a, kind="stable"), lambda: (Z.copy(),)),
    ("sort_complex_2d", lambda a: np.sort(a[:8].reshape(2, 4), axis=0), lambda: (Z.copy(),)),
    ("np_sort_complex", lambda a: np.sort_complex(a), lambda: (Z.copy(),)),
    ("take_along_axis", lambda a: np.take_along_axis(a.reshape(3, 4), np.argsort(a.reshape(3, 4), axis=1, kind="stable"), 1),
     lambda: (ints(),)),
    ("take_along_axis_none", lambda a: np.take_along_axis(a, np.array([3, -1, 0]), None), lambda: (ints(),)),
    ("interp", lambda x, xp, fp: np.interp(x, xp, fp), interp_args),
    ("interp_left_right", lambda x, xp, fp: np.interp(x, xp, fp, left=-9, right=9.5), interp_args),
    ("interp_scalar", lambda x, xp, fp: np.interp(0.3, xp, fp), interp_args),
    ("digitize", lambda x, xp, fp: np.digitize(x, [0.2, 0.5, 0.9]), interp_args),
    ("digitize_decreasing_right", lambda x, xp, fp: np.digitize(x, [0.9, 0.5, 0.2], right=True), interp_args),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sorting_and_searching_compile(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("fn, make", [
    (lambda a: np.searchsorted(a.reshape(3, 4), 1), lambda: (ints(),)),
    (lambda a: np.searchsorted(a, 1, side="middle"), lambda: (ints(),)),
    (lambda a: np.take_along_axis(a, np.array([[0]]), 0), lambda: (ints(),)),
    (lambda a: np.take_along_axis(a, np.array([20]), 0), lambda: (ints(),)),
    (lambda x, xp, fp: np.interp(x, xp, fp[:3]), interp_args),
], ids=["searchsorted_2d", "searchsorted_side", "take_along_axis_ndim", "take_along_axis_range", "interp_lengths"])
def test_errors_are_numpys(fn, make):
    assert_matches(fn, make)

