"""`a[mask]` (a length known only when run) compiles where the length never
shows: elementwise work on selections by one mask, stores back through that
mask, and reductions of a selection. Where the length would show (returned,
indexed, len, mixed masks) NumPy runs it. Each against NumPy, on two calls,
dtypes and empty selections included."""

import numpy as np
import pytest

from conftest import assert_matches


def data(dtype=np.float64, seed=0):
    def make():
        r = np.random.default_rng(seed)
        a = r.standard_normal((5, 6)) * 4
        b = r.standard_normal((5, 6)) * 4
        if dtype == np.bool_:
            return a > 0, b > 0
        return a.astype(dtype), b.astype(dtype)
    return make


def reductions(a, b):
    m = a > 0
    return (a[m].sum(), a[m].mean(), np.sum(b[m]), np.mean(b[m]), a[m].prod(), a[m].max(), np.min(b[m]),
            (a[m] > 1).any(), np.all(b[m] < 3), np.count_nonzero(a[m] > 1))


def bool_reductions(a, b):
    m = a | b
    return a[m].sum(), b[m].any(), np.all(a[m]), a[m].max(), b[m].min(), a[m].mean()


def update_through_mask(a, b):
    m = a > 0
    a[m] = a[m] * 2 + b[m]
    a[m] += 1
    a[b > 1] *= -b[b > 1]
    return a


def selection_with_scalars(a, b):
    m = a < b
    s = a.sum()
    return ((a[m] - s) ** 2).sum() + (2.0 * b[m] / 3).mean() + abs(-a[m]).sum()


def store_other_dtype(a, b):
    m = a > 0
    a[m] = (b[m] * 1.7).astype(np.float64)
    return a


def empty_selection(a, b):
    m = a > 1e9
    return a[m].sum(), a[m].prod(), a[m].any(), a[m].all(), np.count_nonzero(a[m])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64])
@pytest.mark.parametrize("fn", [reductions, update_through_mask, selection_with_scalars, store_other_dtype,
                                empty_selection])
def test_selections_compile(fn, dtype):
    assert_matches(fn, data(dtype), must_compile=True)


def test_bool_selections_compile():
    assert_matches(bool_reductions, data(np.bool_), must_compile=True)


def empty_mean(a, b):
    return a[a > 1e9].mean()


def empty_max(a, b):
    return a[a > 1e9].max()


def empty_min_after_update(a, b):
    c = a.copy()
    c[c > 0] = 0.0
    return c[c > 0].min()


@pytest.mark.parametrize("fn", [empty_mean, empty_max, empty_min_after_update])
def test_empty_selections_give_numpys_answer_or_error(fn):
    with np.errstate(all="ignore"):
        assert_matches(fn, data(), must_compile=True)


def returned(a, b):
    return a[a > 0]


def its_length(a, b):
    return len(a[a > 0]) + a.sum()


def indexed(a, b):
    return a[a > 0][0]


def two_masks(a, b):
    return (a[a > 0] + b[b > 0]).sum()


def with_an_array(a, b):
    return (a[a > 0] + b).sum()


def int_power(a, b):
    return (a[a > 0] ** b[a > 0]).sum()


def matmul_of_selections(a, b):
    v = a[a > 0]  # found by the fuzzer: a gufunc of selections is not elementwise
    return np.matmul(v, v)


@pytest.mark.parametrize("fn", [returned, its_length, indexed, two_masks, with_an_array, matmul_of_selections])
def test_where_the_length_shows_numpy_runs_it(fn):
    assert assert_matches(fn, data()), "expected a fallback"


def test_an_integer_power_of_a_selection_runs_numpy():
    assert assert_matches(int_power, data(np.int64)), "expected a fallback"


def python_operators(a, b):
    s = a[a > 0]
    t = +s - (s << 1 if s.dtype.kind == "i" else s * 2) + (s // 1.5) + (s % 2)
    return t.sum()


def divmod_of_selections(a, b):
    q, r = divmod(a[a > 0], a[a > 0])  # found by the fuzzer: an operator the selection lacked
    return q


def matmul_operator(a, b):
    s = a[a > 0]
    return s @ s


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_python_operators_on_selections(dtype):
    assert_matches(python_operators, data(dtype), must_compile=True)


@pytest.mark.parametrize("fn", [divmod_of_selections, matmul_operator])
def test_other_operators_on_selections_run_numpy(fn):
    assert assert_matches(fn, data()), "expected a fallback"


def inplace_on_selection(a, b):
    v = a[a > 0]
    w = v
    v *= 2  # NumPy: in place on the selection (a copy of a's elements): w sees it, a does not
    return w.sum() + a.sum()


def inplace_cast_error(a, b):
    v = a[a > 0]
    v /= 2  # NumPy: an int selection cannot hold the float quotient (same_kind)
    return v.sum()


def test_in_place_operators_on_selections():
    assert_matches(inplace_on_selection, data(), must_compile=True)
    assert_matches(inplace_cast_error, data(np.int8))  # found by the fuzzer
