"""NumPy's own kernels inside a plan (`host` instructions), where NumPy's
answer is its implementation's choice: the default argsort's order of ties,
what partition leaves between its kth positions. Against NumPy on two calls,
with the compiled code around them; bad static arguments raise NumPy's
exception while tracing; a kernel's exception when run is NumPy's own."""

import numpy as np
import pytest

from conftest import assert_matches


def ties():
    return (np.random.default_rng(0).integers(0, 3, (6, 9)),)


def floats():
    a = np.random.default_rng(1).integers(0, 4, (5, 8)).astype(np.float64)
    a[1, 2] = a[3, 3] = np.nan
    a[0, 0] = -0.0
    return (a,)


DTYPES = ["bool", "int8", "uint8", "uint16", "int32", "uint64", "float16", "float32", "complex128"]

CASES = [
    ("argsort_ties", lambda a: np.argsort(a), ties),
    ("argsort_axis0_scaled", lambda a: np.argsort(a * 2, axis=0) + 1, ties),
    ("argsort_none", lambda a: np.argsort(a, axis=None), ties),
    ("argsort_quicksort_nan", lambda a: np.argsort(a, kind="quicksort"), floats),
    ("argsort_heapsort", lambda a: a.argsort(kind="heapsort"), floats),
    ("argsort_method_default", lambda a: a.argsort(axis=0), floats),
    ("argsort_stable_false", lambda a: np.argsort(a, stable=False), ties),
    ("take_along_axis_default_argsort", lambda a: np.take_along_axis(a, np.argsort(a, axis=1), 1), floats),
    ("partition_int", lambda a: np.partition(a, 3), ties),
    ("partition_kth_list_axis0", lambda a: np.partition(a, [0, -1], axis=0), floats),
    ("partition_none", lambda a: np.partition(a, 5, axis=None), floats),
    ("argpartition", lambda a: np.argpartition(a, 2), ties),
    ("argpartition_method", lambda a: a.argpartition((1, 4), axis=1), floats),
    ("partition_method_in_place", lambda a: a.partition(2), floats),
    ("partition_of_view_in_place", lambda a: a[:, ::2].partition(1, axis=0), floats),
    ("partition_then_compiled", lambda a: np.partition(a + 1, 4)[:, 4] * 2, floats),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_host_kernels_compile(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_argsort_and_partition_of_each_dtype(dtype):
    def make():
        return (np.random.default_rng(2).integers(0, 3, (4, 7)).astype(dtype),)
    assert_matches(lambda a: (np.argsort(a), np.argpartition(a, 2, axis=0)), make, must_compile=True)
    if dtype != "complex128":
        assert_matches(lambda a: np.partition(a, (1, 5)), make, must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a: np.partition(a, 9),
    lambda a: np.partition(a, -10),
    lambda a: np.argpartition(a, 1, axis=2),
    lambda a: np.argsort(a, axis=3),
    lambda a: np.partition(a, 1.5),
], ids=["kth_high", "kth_low", "axis", "argsort_axis", "kth_float"])
def test_bad_static_arguments_raise_numpys_exception(fn):
    assert_matches(fn, ties)


def test_read_only_partition_raises_numpys_error():
    def make():
        a = ties()[0]
        a.flags.writeable = False
        return (a,)
    assert_matches(lambda a: a.partition(1), make)


def sym(dtype="float64"):
    r = np.random.default_rng(3)
    a = r.standard_normal((4, 4))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * r.standard_normal((4, 4))
    return ((a + a.conj().T).astype(dtype),)


def rect():
    return (np.random.default_rng(4).standard_normal((2, 5, 3)),)


LINALG = [
    ("eigh", lambda a: np.linalg.eigh(a), sym),
    ("eigh_upper_vectors_used", lambda a: np.linalg.eigh(a, UPLO="U").eigenvectors @ np.diag([1.0, 2, 3, 4]), sym),
    ("eigh_float32", lambda a: np.linalg.eigh(a), lambda: sym("float32")),
    ("eigh_complex", lambda a: np.linalg.eigh(a), lambda: sym("complex128")),
    ("eigh_int", lambda a: np.linalg.eigh(a.astype(np.int64)), sym),
    ("svd", lambda a: np.linalg.svd(a), rect),
    ("svd_reduced", lambda a: np.linalg.svd(a, full_matrices=False), rect),
    ("svd_hermitian", lambda a: np.linalg.svd(a, hermitian=True), sym),
    ("qr", lambda a: np.linalg.qr(a), rect),
    ("qr_complete", lambda a: np.linalg.qr(a[0], mode="complete"), rect),
    ("qr_r", lambda a: np.linalg.qr(a[0].T, mode="r"), rect),
    ("qr_raw", lambda a: np.linalg.qr(a[0], mode="raw"), rect),
    ("pinv", lambda a: np.linalg.pinv(a), rect),
    ("pinv_hermitian", lambda a: np.linalg.pinv(a, hermitian=True), sym),
    ("matrix_rank", lambda a: np.linalg.matrix_rank(a), rect),
    ("tensorsolve", lambda a: np.linalg.tensorsolve(a.reshape(2, 2, 4), a[:, 0]), sym),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in LINALG], ids=[c[0] for c in LINALG])
def test_linalg_vectors_are_numpys(fn, make):
    assert_matches(fn, make, must_compile=True)


@pytest.mark.parametrize("fn", [lambda a: np.linalg.eigh(a), lambda a: np.linalg.svd(a)], ids=["eigh", "svd"])
def test_a_kernels_exception_when_run_is_numpys(fn):
    """LAPACK's non-convergence on NaN: NumPy's LinAlgError, from the plan."""
    def make():
        a = sym()[0]
        a[1, 1] = np.nan
        return (a,)
    assert_matches(lambda a: fn(a * 2.0), make)


@pytest.mark.parametrize("fn", [
    lambda a: np.linalg.eigh(a, UPLO="X"),
    lambda a: np.linalg.eigh(a[0]),
    lambda a: np.linalg.qr(a, mode="bad"),
    lambda a: np.linalg.svd(a[0, 0]),
], ids=["uplo", "not_square", "qr_mode", "svd_1d"])
def test_linalg_bad_arguments_raise_numpys_exception(fn):
    assert_matches(fn, rect)


def at_args():
    r = np.random.default_rng(8)
    return r.standard_normal(6), r.integers(0, 6, 10), r.standard_normal(10)


def ufunc_at(fn):
    def program(a, i, b):
        fn(a, i, b)
        return a
    return program


AT = [
    ("add_repeated", ufunc_at(lambda a, i, b: np.add.at(a, i, b))),
    ("subtract_scalar", ufunc_at(lambda a, i, b: np.subtract.at(a, i, 2))),
    ("multiply_list_index", ufunc_at(lambda a, i, b: np.multiply.at(a, [0, 0, 3], b[:3]))),
    ("maximum_traced_values", ufunc_at(lambda a, i, b: np.maximum.at(a, i, b * 3))),
    ("minimum_view", ufunc_at(lambda a, i, b: np.minimum.at(a[1:], i % 5, b))),
    ("negative_unary", ufunc_at(lambda a, i, b: np.negative.at(a, i))),
    ("float32_weak", lambda a, i, b: (np.add.at(x := a.astype(np.float32), i, 0.1), x)[1]),
    ("int_counts", lambda a, i, b: (np.add.at(c := np.zeros(6, np.int64), i, 1), c)[1]),
    ("rows", lambda a, i, b: (np.add.at(m := np.zeros((6, 3)), i, b[:, None] * [1, 2, 3]), m)[1]),
    ("bitwise_or", lambda a, i, b: (np.bitwise_or.at(c := np.zeros(6, np.uint8), i, 3), c)[1]),
    ("then_compiled", lambda a, i, b: (np.add.at(a, i, b), a * 2 + 1)[1]),
]


@pytest.mark.parametrize("fn", [c[1] for c in AT], ids=[c[0] for c in AT])
def test_ufunc_at_is_unbuffered_as_numpys(fn):
    assert_matches(fn, at_args, must_compile=True)


@pytest.mark.parametrize("fn", [
    ufunc_at(lambda a, i, b: np.add.at(a, i + 4, b)),  # out of range when run: IndexError, a untouched
    lambda a, i, b: np.add.at(i, i, 0.5),  # float into int: NumPy's casting TypeError
    ufunc_at(lambda a, i, b: np.add.at(a, i, b[:3])),  # shapes: ValueError
], ids=["index_out_of_range", "casting", "shape"])
def test_ufunc_at_errors_are_numpys(fn):
    assert_matches(fn, at_args)


def lstsq_args(m=6, n=3, k=None, dtype="float64"):
    def make():
        r = np.random.default_rng(9)
        b = r.standard_normal(m if k is None else (m, k))
        return r.standard_normal((m, n)).astype(dtype), b
    return make


LSTSQ = [
    ("tall_vector", lambda a, b: np.linalg.lstsq(a, b), lstsq_args()),
    ("tall_matrix", lambda a, b: np.linalg.lstsq(a, b), lstsq_args(k=2)),
    ("wide", lambda a, b: np.linalg.lstsq(a, b), lstsq_args(3, 5)),
    ("square_rcond", lambda a, b: np.linalg.lstsq(a, b, rcond=1e-3), lstsq_args(4, 4)),
    ("float32", lambda a, b: np.linalg.lstsq(a, b)[0] * 2, lstsq_args(dtype="float32")),
    ("complex", lambda a, b: np.linalg.lstsq(a * 1j + 1, b), lstsq_args()),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in LSTSQ], ids=[c[0] for c in LSTSQ])
def test_lstsq_is_numpys(fn, make):
    assert_matches(fn, make, must_compile=True)


def test_lstsq_of_a_rank_deficient_matrix_runs_under_numpy():
    """Full rank is assumed where m > n (the residuals' shape depends on it):
    a call that finds less runs under NumPy, with NumPy's answer."""
    from npcompile import np_compile

    def fit(a, b):
        return np.linalg.lstsq(a, b)

    cf = np_compile(fit)
    a, b = lstsq_args()()
    cf(a, b)
    a[:, 2] = a[:, 1]
    got, want = cf(a, b), fit(a, b)
    assert got[1].shape == want[1].shape == (0,) and got[2] == want[2] == 2
    assert np.allclose(got[0], want[0])
    assert cf.cache_info()["deopts"] == 1


def test_one_host_kernel_serves_signatures_of_other_shapes():
    """A kernel is registered once per key (the call's spelling): it must not
    keep the shapes of the signature that registered it."""
    from npcompile import np_compile

    cf = np_compile(lambda a, b: (np.linalg.lstsq(a, b), np.argsort(a, axis=0), np.partition(b, 1)))
    r = np.random.default_rng(10)
    for m, n in [(6, 3), (3, 5), (8, 2), (6, 3)]:
        a, b = r.standard_normal((m, n)), r.standard_normal(m)
        got, want = cf(a, b), cf.__wrapped__(a, b)
        for g, w in zip(got[0], want[0]):
            assert np.shape(g) == np.shape(w) and np.allclose(g, w)
        assert np.array_equal(got[1], want[1]) and np.array_equal(got[2], want[2])


@pytest.mark.allow_fallback
def test_at_of_a_ufunc_not_numpys_own_runs_under_numpy():
    """np.frompyfunc ufuncs share one name: their `at` is not a kernel of ours."""
    from npcompile import np_compile
    add = np.frompyfunc(lambda x, y: x + y, 2, 1)
    mul = np.frompyfunc(lambda x, y: x * y, 2, 1)
    for u in (add, mul):
        def f(a, u=u):
            u.at(a, [0, 1], 10.0)
            return a
        assert_matches(f, lambda: (np.arange(1.0, 5.0),))
