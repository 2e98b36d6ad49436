"""np.histogram / np.histogram_bin_edges with a count of bins: NumPy's edges,
counts, weights and density, for float, integer and unsigned data, given and
autodetected ranges (an empty range widened by ±0.5), elements outside the
range left out; NumPy's ValueError for bad ranges (while tracing for a given
one, when run for an autodetected one that is not finite)."""

import numpy as np
import pytest

from conftest import assert_matches


def normal(n=500, dtype="float64"):
    return lambda: (np.random.default_rng(n).standard_normal(n).astype(dtype),)


def ints(dtype="int64"):
    return lambda: (np.random.default_rng(7).integers(0, 60, 300).astype(dtype),)


CASES = [
    ("default", lambda a: np.histogram(a), normal()),
    ("bins_range", lambda a: np.histogram(a, bins=7, range=(-1, 1.5)), normal()),
    ("range_int_bounds", lambda a: np.histogram(a, 4, range=(0, 2)), normal()),
    ("density", lambda a: np.histogram(a, bins=5, density=True), normal(100)),
    ("weights", lambda a: np.histogram(a, bins=4, weights=a * 2), normal(100)),
    ("int_weights", lambda a: np.histogram(a, 4, weights=np.ones(a.shape, np.int32)), normal(80)),
    ("weights_density", lambda a: np.histogram(a, 3, weights=abs(a), density=True), normal(90)),
    ("ints", lambda a: np.histogram(a), ints()),
    ("uint8_range", lambda a: np.histogram(a, 6, range=(0, 50)), ints("uint8")),
    ("int16_autodetect", lambda a: np.histogram(a, 9), ints("int16")),
    ("constant", lambda a: np.histogram(a * 0 + 2.0, 3), normal(10)),
    ("constant_int", lambda a: np.histogram(a * 0 + 3, 4), ints()),
    ("float32", lambda a: np.histogram(a, 6), normal(50, "float32")),
    ("2d_input", lambda a: np.histogram(a.reshape(10, -1), 5), normal(100)),
    ("nan_outside_given_range", lambda a: np.histogram(np.where(a > 1.5, np.nan, a), 5, range=(-2, 2)), normal()),
    ("empty", lambda a: np.histogram(a[:0], 4), normal()),
    ("bin_edges", lambda a: np.histogram_bin_edges(a, 6), normal()),
    ("bin_edges_range", lambda a: np.histogram_bin_edges(a, 3, range=(1, 4)), ints()),
    ("then_compiled", lambda a: np.histogram(a, 8)[0].cumsum() / a.size, normal()),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_histogram_compiles(fn, make):
    assert_matches(fn, make, must_compile=True)


def with_inf():
    a = normal(20)()[0]
    a[3] = np.inf
    return (a,)


def test_autodetected_range_not_finite_raises_when_run():
    assert not assert_matches(lambda a: np.histogram(a, 4), with_inf), "expected the plan to raise"


@pytest.mark.parametrize("fn", [
    lambda a: np.histogram(a, 0),
    lambda a: np.histogram(a, 3, range=(2, 1)),
    lambda a: np.histogram(a, 3, range=(0, np.inf)),
    lambda a: np.histogram(a, 3, weights=a[:5]),
    lambda a: np.histogram(a.reshape(4, 5), 3, weights=a),
], ids=["zero_bins", "range_order", "range_inf", "weights_shape", "weights_same_size"])
def test_bad_arguments_raise_numpys_exception(fn):
    assert_matches(fn, normal(20))


@pytest.mark.parametrize("x, bins, rng", [
    (np.array([1, np.nextafter(np.float32(1), np.float32(2)), 1], np.float32), 10, None),
    (np.array([1.0, 1.0000000001]), 10, (1.0, 1.0000000000000002)),
    (np.array([-40000, 0, 40000], np.float16), 4, None),
    (np.array([-1.7e308, 1.7e308]), 1, None),
], ids=["too_many_bins_autodetected", "too_many_bins_given", "float16_overflow", "range_too_wide"])
def test_numpys_errors_for_bins_the_data_cannot_hold(x, bins, rng):
    """NumPy's ValueError where the edges are not increasing ("Too many bins"),
    and its IndexError where positions are not finite (a review found results)."""
    with np.errstate(all="ignore"):
        assert_matches(lambda a: np.histogram(a, bins, range=rng), lambda: (x.copy(),))
