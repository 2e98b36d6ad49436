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
