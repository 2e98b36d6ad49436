"""Native loops for small elementwise instructions (backends/src/cpu/host.rs):
the same NumPy bits as libtorch's kernels on both sides of the size threshold,
for every dtype and operand shape they take."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_matches

SIZES = [1, 3, 4096, 4097]
DTYPES = ["float64", "float32", "int64", "int32"]


def chain(a, b):
    c = a * b + a  # addcmul
    d = c - b * 3
    e = -d * d
    return e + 1, (a + b) / (b * b + 1), np.abs(e - a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_chains_of_small_elementwise_ops(n, dtype):
    rng = np.random.default_rng(n)
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)  # wraps as NumPy does
        b = rng.integers(-50, 50, n, dtype=dtype)
    else:
        a = rng.standard_normal(n).astype(dtype)
        b = rng.standard_normal(n).astype(dtype)
        a[0] = np.nan if n > 2 else a[0]
        b[-1] = -0.0
    assert_matches(chain, lambda: (a, b), must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scalars_and_zero_d_operands(dtype):
    def f(a, s):
        return a * s + 2, s - a, a[0] * a[1]

    a = np.arange(1, 7, dtype=dtype).reshape(2, 3)
    assert_matches(f, lambda: (a, a.dtype.type(3)), must_compile=True)


def test_non_contiguous_and_broadcast_operands_take_libtorch():
    def f(a, row):
        return a.T * 2.0 + row, a[:, ::2] - 1.0

    a = np.arange(24.0).reshape(4, 6)
    assert_matches(f, lambda: (a, np.arange(4.0)), must_compile=True)


def test_special_floats_keep_their_bits():
    def f(a, b):
        return a * b + a, a / b, -a

    a = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, 5e-324, 1.0])
    b = np.array([-0.0, 0.0, 0.0, np.inf, 1.0, 10.0, 0.5, -0.0])
    assert_matches(f, lambda: (a, b), must_compile=True)


LAYOUTS = {
    "stencil": lambda u: u[1:-1, 1:-1] + u[2:, 1:-1] * 2.0 - u[:-2, 1:-1],
    "row-broadcast": lambda u: u[1:, 2:] * u[0, 2:] + u[1:, 2:],
    "three-d": lambda u: u.reshape(4, 4, 6)[1:3, :, 1:5] - u.reshape(4, 4, 6)[2:, :, :4] * 3.0,
    "every-other-row": lambda u: u[::2, 1:] + u[1::2, :-1],
    "column-strided": lambda u: u[:, ::2] + 1.0,  # the last axis not unit-stride: libtorch
    "column-broadcast": lambda u: u[:, :5] * u[:, :1],  # broadcast along rows' elements: libtorch
    "transposed": lambda u: u.T[1:, 2:] - u.T[:-1, :-2],
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_strided_rows(layout, dtype):
    u = (np.arange(96) * 7 % 23 - 11).astype(dtype).reshape(16, 6)
    assert_matches(LAYOUTS[layout], lambda: (u,), must_compile=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 5, 4096, 4097])
def test_comparisons_and_where(n, dtype):
    def f(a, b):
        picked = np.where(a > b, a, b * 2)
        return (a == b, a != b, a < b, a <= b, a >= b, picked,
                np.where(a[:1] < 0, a, -a), np.where(b > 0, 1, b))

    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 4).astype(dtype)
    b = (rng.standard_normal(n) * 4).astype(dtype)
    b[: n // 3] = a[: n // 3]  # ties
    if dtype.startswith("float") and n > 2:
        a[1], b[2] = np.nan, np.nan
    assert_matches(f, lambda: (a, b), must_compile=True)


def test_where_over_rows_and_broadcast_conditions():
    def f(x, y):
        return np.where(x > 0.0, np.clip(x, -1.0, 1.0), y * 0.5), np.where(y > 0, x, 0.0)

    x = np.linspace(-3, 3, 64 * 64).reshape(64, 64)
    y = np.linspace(1, -1, 64)
    assert_matches(f, lambda: (x, y), must_compile=True)
