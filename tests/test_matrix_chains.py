"""Matrix chains multiplied in the cheapest order (np.linalg.multi_dot's
rule) where that saves at least half of NumPy's left-to-right work: exact for
integers, within rounding for floats; a product that is not finite (an inf or
nan in a factor, an overflow) makes the call run under NumPy, NumPy's answer."""

import numpy as np
import pytest

from conftest import assert_matches
from npcompile import np_compile


def factors(dtype="float64", n=160, k=3):
    def make():
        r = np.random.default_rng(11)
        mats = [r.standard_normal((n, n)) for _ in range(3)]
        thin = r.standard_normal((n, k))
        vec = r.standard_normal(n)
        if np.dtype(dtype).kind in "iu":
            mats, thin, vec = [(m * 4).astype(dtype) for m in mats], (thin * 4).astype(dtype), (vec * 4).astype(dtype)
        elif np.dtype(dtype).kind == "c":
            mats, thin, vec = [m + 1j for m in mats], thin - 1j, vec + 0.5j
        return (*mats, thin, vec)
    return make


CHAINS = [
    ("matrix_matrix_vector", lambda a, b, c, t, v: a @ b @ v),
    ("four_to_thin", lambda a, b, c, t, v: a @ b @ c @ t),
    ("np_dot_then_matmul", lambda a, b, c, t, v: np.dot(a, b) @ v),
    ("matmul_function", lambda a, b, c, t, v: np.matmul(np.matmul(a, b), t)),
    ("intermediate_also_returned", lambda a, b, c, t, v: (a @ b @ v, a @ b)),
    ("vector_first_stays", lambda a, b, c, t, v: v @ a @ b),
    ("then_elementwise", lambda a, b, c, t, v: np.tanh(a @ b @ c @ v) * 2),
    ("transposed_factors", lambda a, b, c, t, v: a.T @ b[:, ::-1] @ t),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int64"])
@pytest.mark.parametrize("fn", [c[1] for c in CHAINS], ids=[c[0] for c in CHAINS])
def test_matrix_chains_are_numpys(fn, dtype):
    assert_matches(fn, factors(dtype), must_compile=True)


def test_the_cheap_order_is_chosen():
    """The plan has two matrix-vector products for `a @ b @ v`, no matrix product."""
    cf = np_compile(lambda a, b, v: a @ b @ v)
    a, b, c, t, v = factors(n=160)()
    cf(a, b, v)
    plan = cf.explain(a, b, v).split("== plan")[-1]
    # Inputs s0, s1, s2 are a, b, v: b @ v first, then a @ (b @ v); never a @ b.
    assert plan.count("MatMul") == 2 and "MatMul(s1, s2)" in plan and "MatMul(s0, s1)" not in plan


@pytest.mark.allow_fallback
@pytest.mark.parametrize("where, value", [("a", np.inf), ("b", np.nan), ("a", -np.inf)])
def test_a_factor_that_is_not_finite_gives_numpys_answer(where, value):
    cf = np_compile(lambda a, b, v: a @ b @ v)
    a, b, c, t, v = factors()()
    cf(a, b, v)
    (a if where == "a" else b)[3, 5] = value
    v[5] = 0.0
    with np.errstate(all="ignore"):
        want = a @ b @ v
        got = cf(a, b, v)
    np.testing.assert_array_equal(got, want)
    assert cf.cache_info()["deopts"] == 1


def test_small_chains_run_as_written():
    """Below the saving that pays for it, NumPy's order (no check, no deopt)."""
    cf = np_compile(lambda a, b, v: a @ b @ v)
    a, b, c, t, v = factors(n=24)()
    cf(a, b, v)
    assert "Speculation" not in cf.explain(a, b, v)


def ones(n=256):
    return np.ones((n, n)), np.ones((n, n)), np.ones(n)


@pytest.mark.parametrize("fn", [
    lambda a, b, v: (p := a @ b, p.__iadd__(1), p @ v)[-1],
    lambda a, b, v: (p := a @ b, a.__imul__(0), p @ v)[-1],
    lambda a, b, v: (p := a @ b, p.__setitem__((0, slice(None)), 0), p @ v)[-1],
], ids=["product_written", "factor_written_after", "product_row_written"])
def test_writes_between_the_products_are_kept(fn):
    """A write into the product, or into a factor after the product, is a new
    value: the chain is the values as they were (a review found them lost)."""
    assert_matches(fn, ones, must_compile=True)


@pytest.mark.allow_fallback
def test_an_overflow_in_numpys_order_gives_numpys_inf():
    cf = np_compile(lambda a, b, v: a @ b @ v)
    a, b, v = ones()
    cf(a, b, v)
    big, tiny = np.full((256, 256), 1e200), np.full(256, 1e-300)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(cf(big, big, tiny), big @ big @ tiny)
    assert cf.cache_info()["deopts"] == 1


def test_an_empty_inner_dimension_keeps_numpys_order():
    def make():
        c = np.ones((160, 160))
        c[0, 0] = np.nan
        return np.ones((160, 0)), np.ones((0, 160)), c
    assert_matches(lambda a, b, c: a @ b @ c, make, must_compile=True)
