"""percentile/quantile (every method, NaN slices, q shapes, dtypes), nanargmax
and nanargmin (All-NaN slices raise when run), asarray_chkfinite: against
NumPy on two calls."""

import numpy as np
import pytest

from conftest import assert_matches

METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf", "averaged_inverted_cdf",
           "closest_observation", "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
           "normal_unbiased"]


def data(dtype="float64", nan=True):
    def make():
        a = np.random.default_rng(5).integers(0, 9, (5, 6)).astype(dtype)
        if nan and a.dtype.kind == "f":
            a[2, 3] = np.nan
        return (a,)
    return make


@pytest.mark.parametrize("method", METHODS)
def test_quantile_methods(method):
    assert_matches(lambda a: (np.quantile(a, [0.1, 0.5, 0.93], axis=0, method=method),
                              np.percentile(a, 37.5, method=method)), data(), must_compile=True)


CASES = [
    ("percentile_scalar", lambda a: np.percentile(a, 30), data(nan=False)),
    ("percentile_axis1_nan_slice", lambda a: np.percentile(a, [25, 75], axis=1), data()),
    ("quantile_keepdims", lambda a: np.quantile(a, 0.5, axis=1, keepdims=True), data()),
    ("quantile_axis_tuple", lambda a: np.quantile(a.reshape(5, 2, 3), 0.3, axis=(0, 2)), data(nan=False)),
    ("quantile_q_2d", lambda a: np.quantile(a, [[0.2, 0.4], [0.6, 0.8]], axis=1), data(nan=False)),
    ("quantile_float32", lambda a: np.quantile(a, 0.25, axis=0), data("float32")),
    ("quantile_int", lambda a: np.quantile(a, 0.4), data("int16")),
    ("quantile_uint8_lower", lambda a: np.quantile(a, [0.4, 1.0], method="lower"), data("uint8")),
    ("quantile_bool_q", lambda a: np.quantile(a, 0.5, axis=1) * 2, data("int64")),
    ("quantile_then_compiled", lambda a: a - np.percentile(a, 50, axis=0), data()),
    ("median_still", lambda a: np.median(a, axis=1), data()),
    ("nanargmax", lambda a: np.nanargmax(a), data()),
    ("nanargmin_axis", lambda a: np.nanargmin(a, axis=1), data()),
    ("nanargmax_keepdims", lambda a: np.nanargmax(a, axis=0, keepdims=True), data()),
    ("nanargmax_int", lambda a: np.nanargmax(a, axis=0), data("int32")),
    ("nanargmax_nan_and_minus_inf", lambda a: np.nanargmax(np.where(a > 4, -np.inf, np.nan), axis=None),
     lambda: (np.array([[1.0, 5.0]]),)),
    ("nanargmin_complex", lambda a: np.nanargmin(a + 1j * a[::-1]), data()),
    ("asarray_chkfinite", lambda a: np.asarray_chkfinite(a).sum(axis=0), data(nan=False)),
    ("asarray_chkfinite_int_dtype", lambda a: np.asarray_chkfinite(a, dtype=np.float32), data("int8")),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_statistics_compile(fn, make):
    assert_matches(fn, make, must_compile=True)


def all_nan_row():
    a = np.random.default_rng(6).random((3, 4))
    a[1] = np.nan
    return (a,)


@pytest.mark.parametrize("fn", [
    lambda a: np.nanargmax(a, axis=1),
    lambda a: np.nanargmin(a * 2, axis=1),
    lambda a: np.asarray_chkfinite(a),
    lambda a: np.asarray_chkfinite(a[0] / 0.0),
], ids=["nanargmax", "nanargmin", "chkfinite_nan", "chkfinite_inf"])
def test_value_errors_when_run_are_numpys(fn):
    assert not assert_matches(fn, all_nan_row), "expected the compiled plan to raise, not a fallback"


@pytest.mark.parametrize("fn", [
    lambda a: np.quantile(a, 0.5, method="bogus"),
    lambda a: np.quantile(a, 1.5),
    lambda a: np.percentile(a, -1),
    lambda a: np.quantile(a, 0.5, axis=2),
    lambda a: np.nanargmax(a[:0]),
], ids=["method", "q_high", "q_low", "axis", "empty"])
def test_bad_arguments_raise_numpys_exception(fn):
    assert_matches(fn, data())


@pytest.mark.allow_fallback
def test_a_0d_quantile_of_another_dtype_than_the_data_gives_numpys_dtype():
    """NumPy returns the NaN element itself (float32) for a 0-d result, else the
    float64 interpolation: a dtype that depends on the values runs under NumPy."""
    def make():
        return (np.array([1.0, np.nan, 3.0], np.float32),)
    assert_matches(lambda a: np.quantile(a, np.float64(0.4)), make)
    assert_matches(lambda a: np.quantile(a, np.float64(0.4)), lambda: (np.array([1.0, 2.0, 3.0], np.float32),))
