"""np.linalg on traced arrays (cholesky, inv, det, slogdet, solve, eigvalsh,
singular values; norm, matrix_rank and matrix_power through NumPy's own
Python; eigen and singular vectors are not compiled: their signs are
LAPACK's choice): NumPy's dtypes (computed in
float64/complex128, float32 in gives float32 out), result types (a NumPy
scalar for one matrix's det), named results, and its errors: LinAlgError for
shapes when traced and for singular or non-positive-definite matrices when
run, with the caller's arrays untouched."""

import numpy as np
import pytest

from conftest import assert_matches
from npcompile import np_compile


def _rng(seed):
    return np.random.default_rng(seed)


def spd(*shape, dtype=np.float64, seed=0):
    """Symmetric positive definite matrices (a stack where shape has more than two axes)."""
    def make():
        s = _rng(seed).standard_normal(shape)
        m = s @ np.swapaxes(s, -1, -2) + shape[-1] * np.eye(shape[-1])
        return m.astype(dtype)
    return make


def hpd(n, seed=0):
    def make():
        r = _rng(seed)
        s = r.standard_normal((n, n)) + 1j * r.standard_normal((n, n))
        return s @ s.conj().T + n * np.eye(n)
    return make


def general(*shape, dtype=np.float64, seed=1):
    def make():
        m = _rng(seed).standard_normal(shape) + 3 * np.eye(shape[-1])
        return m.astype(dtype)
    return make


def vec(*shape, dtype=np.float64, seed=2):
    return lambda: _rng(seed).standard_normal(shape).astype(dtype)


def ints(*shape, seed=3):
    def make():
        return _rng(seed).integers(-3, 4, shape) + 8 * np.eye(shape[-1], dtype=np.int64)
    return make


def args_of(*makers):
    return lambda: tuple(m() for m in makers)


CASES = [
    ("cholesky", lambda a: np.linalg.cholesky(a), (spd(4, 4),)),
    ("cholesky_upper", lambda a: np.linalg.cholesky(a, upper=True), (spd(4, 4),)),
    ("cholesky_float32", lambda a: np.linalg.cholesky(a), (spd(3, 3, dtype=np.float32),)),
    ("cholesky_stack", lambda a: np.linalg.cholesky(a), (spd(2, 3, 3),)),
    ("cholesky_complex", lambda a: np.linalg.cholesky(a), (hpd(3),)),
    ("inv", lambda a: np.linalg.inv(a), (general(4, 4),)),
    ("inv_int", lambda a: np.linalg.inv(a), (ints(3, 3),)),
    ("det", lambda a: np.linalg.det(a), (general(4, 4),)),
    ("det_float32", lambda a: np.linalg.det(a), (general(3, 3, dtype=np.float32),)),
    ("det_stack", lambda a: np.linalg.det(a), (general(2, 3, 3),)),
    ("slogdet", lambda a: np.linalg.slogdet(a), (general(4, 4),)),
    ("slogdet_fields", lambda a: np.linalg.slogdet(-a).logabsdet * np.linalg.slogdet(-a).sign, (general(3, 3),)),
    ("solve_vector", lambda a, b: np.linalg.solve(a, b), (general(4, 4), vec(4))),
    ("solve_matrix", lambda a, b: np.linalg.solve(a, b), (general(4, 4), vec(4, 2))),
    ("solve_stack_broadcast", lambda a, b: np.linalg.solve(a, b), (general(2, 3, 3), vec(3, 1))),
    ("solve_stack_vector", lambda a, b: np.linalg.solve(a, b), (general(2, 3, 3), vec(3))),
    ("solve_mixed_dtypes", lambda a, b: np.linalg.solve(a, b), (general(3, 3, dtype=np.float32), vec(3))),
    ("solve_float32", lambda a, b: np.linalg.solve(a, b), (general(3, 3, dtype=np.float32), vec(3, dtype=np.float32))),
    ("norm", lambda a: np.linalg.norm(a), (vec(4, 5),)),
    ("norm_fro_axis", lambda a: np.linalg.norm(a, axis=(0, 1)), (vec(3, 4),)),
    ("matrix_power_negative", lambda a: np.linalg.matrix_power(a, -2), (general(3, 3),)),
    ("eigvalsh", lambda a: np.linalg.eigvalsh(a), (spd(5, 5),)),
    ("eigvalsh_upper_float32", lambda a: np.linalg.eigvalsh(a, UPLO="U"), (spd(4, 4, dtype=np.float32),)),
    ("eigvalsh_complex", lambda a: np.linalg.eigvalsh(a), (hpd(3),)),
    ("svdvals", lambda a: np.linalg.svdvals(a), (vec(4, 6),)),
    ("svd_values_only_stack", lambda a: np.linalg.svd(a, compute_uv=False), (vec(2, 5, 3),)),
    ("matrix_rank", lambda a: np.linalg.matrix_rank(a), (vec(4, 6),)),
    ("norm_2_and_nuclear", lambda a: (np.linalg.norm(a, 2), np.linalg.matrix_norm(a, ord="nuc")), (vec(4, 6),)),
    ("cholesky_solve_program", lambda a, b: np.linalg.solve(np.linalg.cholesky(a).T, np.linalg.solve(np.linalg.cholesky(a), b)),
     (spd(5, 5), vec(5))),
]


@pytest.mark.parametrize("fn, makers", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_linalg_compiles(fn, makers):
    assert_matches(fn, args_of(*makers), must_compile=True)


def singular(n):
    return lambda: np.ones((n, n))


def not_positive_definite(n):
    return lambda: -np.eye(n)


@pytest.mark.parametrize("fn, makers", [
    (lambda a: np.linalg.cholesky(a), (not_positive_definite(3),)),
    (lambda a: np.linalg.inv(a), (singular(3),)),
    (lambda a, b: np.linalg.solve(a, b), (singular(3), vec(3))),
    (lambda a, b: np.linalg.solve(a, b), (singular(3), vec(3, 2))),
    (lambda a: np.linalg.cholesky(a), (vec(3),)),
    (lambda a: np.linalg.inv(a), (vec(3, 4),)),
    (lambda a: np.linalg.det(a), (vec(2, 3),)),
    (lambda a, b: np.linalg.solve(a, b), (general(3, 3), vec(4))),
    (lambda a, b: np.linalg.solve(a, b), (general(3, 3), vec(2, 2))),
    (lambda a, b: np.linalg.solve(a, b), (general(2, 3, 3), vec(3, 3, 1))),
    (lambda a: np.linalg.inv(a), (lambda: np.eye(3, dtype=np.float16),)),
], ids=["cholesky_not_positive_definite", "inv_singular", "solve_singular", "solve_singular_matrix",
        "cholesky_1d", "inv_not_square", "det_not_square", "solve_vector_length", "solve_rows",
        "solve_stacks_do_not_broadcast", "inv_float16"])
def test_linalg_errors_are_numpys(fn, makers):
    assert_matches(fn, args_of(*makers))


def test_a_singular_matrix_raises_before_the_callers_arrays_are_written():
    def program(a, out):
        out += 1.0
        out[...] = np.linalg.inv(a)
        return out

    cf = np_compile(program)
    good = np.eye(2) * 2
    out = np.zeros((2, 2))
    np.testing.assert_array_equal(cf(good, out), program(good, np.zeros((2, 2))))
    before = out.copy()
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        cf(np.ones((2, 2)), out)
    np.testing.assert_array_equal(out, before)


def test_an_unused_singular_inverse_still_raises():
    """NumPy computes it, and raises, even where nothing reads it."""
    def program(a):
        np.linalg.inv(a)
        return a * 2

    cf = np_compile(program)
    cf(np.eye(2))
    with pytest.raises(np.linalg.LinAlgError):
        cf(np.zeros((2, 2)))
