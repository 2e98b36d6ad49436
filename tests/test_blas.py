"""Matrix products through NumPy's own BLAS: every operand layout BLAS reads
directly (transposed, row-strided, length-1 axes) and those it cannot (copied
first), against NumPy's matmul."""

from __future__ import annotations

import numpy as np
import pytest

from npcompile import _core

from conftest import assert_matches


def test_numpy_blas_is_found():
    import numpy

    if "openblas" not in str(numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]).lower():
        pytest.skip("this NumPy is not built with OpenBLAS")
    assert "openblas" in (_core.blas_library() or "")


RNG = np.random.default_rng(7)


def _m(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


LAYOUTS = {
    "c@c": lambda d: (_m(5, 7, dtype=d), _m(7, 3, dtype=d)),
    "t@c": lambda d: (_m(7, 5, dtype=d).T, _m(7, 3, dtype=d)),
    "c@t": lambda d: (_m(5, 7, dtype=d), _m(3, 7, dtype=d).T),
    "t@t": lambda d: (_m(7, 5, dtype=d).T, _m(3, 7, dtype=d).T),
    "row-strided": lambda d: (_m(10, 9, dtype=d)[::2, :7], _m(7, 6, dtype=d)[:, :3]),
    "column-strided": lambda d: (_m(5, 14, dtype=d)[:, ::2], _m(7, 3, dtype=d)),
    "vector@matrix": lambda d: (_m(7, dtype=d), _m(7, 3, dtype=d)),
    "matrix@vector": lambda d: (_m(5, 7, dtype=d), _m(7, dtype=d)),
    "row@column": lambda d: (_m(1, 7, dtype=d), _m(7, 1, dtype=d)),
    "column@row": lambda d: (_m(5, 1, dtype=d), _m(1, 3, dtype=d)),
    "fortran": lambda d: (np.asfortranarray(_m(5, 7, dtype=d)), np.asfortranarray(_m(7, 3, dtype=d))),
    "empty-k": lambda d: (_m(5, 0, dtype=d), _m(0, 3, dtype=d)),
    "empty-m": lambda d: (_m(0, 7, dtype=d), _m(7, 3, dtype=d)),
    "batched": lambda d: (_m(2, 5, 7, dtype=d), _m(7, 3, dtype=d)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_matmul_layouts(layout, dtype):
    a, b = LAYOUTS[layout](dtype)
    assert_matches(lambda x, y: x @ y, lambda: (a, b), must_compile=True)


def test_products_inside_a_plan():
    def f(alpha, beta, C, A, B):
        C[:] = alpha * A @ B + beta * C
        return (A.T @ C).sum(axis=0) @ B.T[:, :4]

    A, B, C = _m(6, 5), _m(5, 4), _m(6, 4)
    assert_matches(f, lambda: (1.5, 0.5, C.copy(), A, B), must_compile=True)


def _plan(fn, *args):
    import npcompile

    return npcompile.explain(fn, *args).split("== plan")[1]


GEMM_FORMS = {
    "alpha*A@B+beta*C": lambda A, B, C: 1.5 * A @ B + 0.5 * C,
    "A@B+C": lambda A, B, C: A @ B + C,
    "C+A@B": lambda A, B, C: C + A @ B,
    "A@B+bias": lambda A, B, C: A @ B + C[0],
    "A@B+column": lambda A, B, C: A @ B + C[:, :1],
    "A@B+element": lambda A, B, C: A @ B + C[1, 2],
    "A@B*beta": lambda A, B, C: A @ B + C * 2.0,
    "transposed": lambda A, B, C: 2.0 * A.T.T @ B.T.T + C.T.T,
    "scaled-second": lambda A, B, C: A @ (2.0 * B) + C,
    "scaled-product": lambda A, B, C: C + (A @ B) * 3.0,  # not folded (see below)
    "product-scaled": lambda A, B, C: 3.0 * (A @ B) + C,  # not folded
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("form", sorted(GEMM_FORMS))
def test_gemm_forms_fold_into_one_blas_call(form, dtype):
    fn = GEMM_FORMS[form]
    A, B, C = _m(6, 5, dtype=dtype), _m(5, 4, dtype=dtype), _m(6, 4, dtype=dtype)
    assert_matches(fn, lambda: (A, B, C), must_compile=True)
    if _core.blas_library() and form not in ("scaled-product", "product-scaled"):
        assert "Gemm" in _plan(fn, A, B, C)


@pytest.mark.parametrize("coefficient", [0.0, -0.0, np.inf, np.nan])
def test_coefficients_blas_would_skip_do_not_fold(coefficient):
    def f(A, B, C, k):
        return k * A @ B + k * C

    A, B, C = _m(4, 3), _m(3, 2), _m(4, 2)
    A[0, 0], C[1, 1] = np.inf, np.nan
    assert_matches(f, lambda: (A, B, C, coefficient), must_compile=True)
    assert "alpha: 0" not in _plan(f, A, B, C, coefficient)


def test_non_finite_operands_propagate_as_numpy():
    def f(A, B, C):
        return 2.0 * A @ B + 3.0 * C

    A, B, C = _m(4, 3), _m(3, 2), _m(4, 2)
    A[1, 2], B[0, 1], C[3, 0] = np.inf, np.nan, -np.inf
    assert_matches(f, lambda: (A, B, C), must_compile=True)


def test_a_product_used_twice_is_not_folded():
    def f(A, B, C):
        P = A @ B
        return P + C, P.sum()

    A, B, C = _m(4, 3), _m(3, 2), _m(4, 2)
    assert_matches(f, lambda: (A, B, C), must_compile=True)
    assert "Gemm" not in _plan(f, A, B, C)


def test_accumulating_products_in_a_loop():
    def cov(X, block):
        n, d = X.shape
        acc = np.zeros((d, d))
        for s in range(0, n, block):
            Xk = X[s:s + block]
            acc += Xk.T @ Xk
        return acc / n

    X = _m(24, 5)
    assert_matches(cov, lambda: (X, 8), must_compile=True)


def test_broadcast_addend_larger_than_the_product_is_not_folded():
    def f(a, b, C):
        return a @ b + C  # (1, 3) product broadcast against (4, 3)

    a, b, C = _m(1, 5), _m(5, 3), _m(4, 3)
    assert_matches(f, lambda: (a, b, C), must_compile=True)
    assert "Gemm" not in _plan(f, a, b, C)


def test_scaled_operands_are_not_folded_into_the_product():
    # NumPy rounds alpha * A (or k * (A @ B)) first; BLAS's alpha scales
    # partial sums: they part where one overflows or underflows.
    cases = [
        (lambda A, B, C: (1e300 * A) @ B + C, np.array([[1e10]]), np.array([[1e-10]])),
        (lambda A, B, C: (1e300 * A) @ B + C, np.array([[1e10, 1.0]]), np.array([[0.0], [1.0]])),
        (lambda A, B, C: (A * 1e-300) @ B + C, np.array([[1e-300]]), np.array([[1e300]])),
        (lambda A, B, C: C + (A @ B) * 1e-300, np.array([[1e300, 1e300]]), np.array([[1e300], [1e300]])),
    ]
    for fn, A, B in cases:
        C = np.zeros((A.shape[0], B.shape[1]))
        assert_matches(fn, lambda: (A, B, C), must_compile=True)


MATVEC = [
    ("matrix_vector", lambda a, x: a @ x[: a.shape[1]]),
    ("vector_matrix", lambda a, x: x[: a.shape[0]] @ a),
    ("transposed_matrix", lambda a, x: a.T @ x[: a.shape[0]]),
    ("strided_vector", lambda a, x: a @ x[::2][: a.shape[1]]),
    ("reversed_vector", lambda a, x: a[:, ::-1] @ x[::-1][: a.shape[1]]),
    ("row_strided_matrix", lambda a, x: a[::2] @ x[: a.shape[1]]),
    ("vector_transposed", lambda a, x: x[: a.shape[1]] @ a.T),
    ("dot", lambda a, x: np.dot(a, x[: a.shape[1]])),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [m[1] for m in MATVEC], ids=[m[0] for m in MATVEC])
def test_matrix_vector_products_through_gemv(fn, dtype):
    def make(order):
        r = np.random.default_rng(8)
        return np.asarray(r.standard_normal((90, 70)), dtype, order=order), r.standard_normal(200).astype(dtype)
    assert_matches(fn, lambda: make("C"), must_compile=True)
    assert_matches(fn, lambda: make("F"), must_compile=True)
