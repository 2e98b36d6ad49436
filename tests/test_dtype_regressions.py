"""Mismatches a random-program fuzzer found over the 14 dtypes (each reduced to
its smallest form), checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npcompile
from npcompile import np_compile
from conftest import check

INF, MAX = np.inf, np.finfo(np.float64).max


def _copy(f):
    def g(a, *rest):
        a = a.copy()
        f(a, *rest)
        return a

    return g


@pytest.mark.parametrize(
    "fn, a",
    [
        (_copy(lambda a: a.__setitem__(0, a[0] + 1.5)), np.array([1, 2], np.uint8)),
        (lambda a: _inc(a.copy()), np.array([1, 2], np.uint8)),
        (lambda a: _div(a.copy()), np.array([5, 2], np.int32)),
        (lambda a: _pow(a.copy()), np.array([5, 2], np.uint32)),
    ],
    ids=["setitem", "+=", "/=", "**="],
)
def test_augmented_assignment_to_an_element_stores_through_setitem(fn, a):
    """`a[0] += 1.5` is `a[0] = a[0] + 1.5`: a NumPy scalar is computed and
    stored with an unsafe cast, not an in-place same_kind ufunc."""
    check(fn, a)


def _inc(a):
    a[0] += 1.5
    return a


def _div(a):
    a[0] /= 2
    return a


def _pow(a):
    a[0] **= 2
    return a


@pytest.mark.parametrize("dtype", ["int8", "int32", "float64", "bool", "complex128"])
def test_a_sequence_into_one_element(dtype):
    def f(a, b):
        a = a.copy()
        a[0] = b
        return a

    check(f, np.zeros(2, dtype), np.array([1], dtype))
    check(f, np.zeros(2, dtype), np.array([1, 1], dtype))


@pytest.mark.parametrize(
    "dtype, value",
    [("int64", np.uint64(2**64 - 1)), ("int16", np.uint16(65535)), ("int8", 300.0), ("int8", np.float64(300.0)),
     ("uint8", np.int16(-1)), ("uint8", np.float64(300.0)), ("uint8", -1.5), ("int8", 3.7), ("int8", float("nan")),
     ("int8", float("inf")), ("bool", 2 + 1j), ("float64", 2 + 1j)],
)
def test_scalars_stored_into_integer_arrays(dtype, value):
    """NumPy stores a float (or a NumPy scalar into a signed array) through a
    Python int, checked against the dtype."""

    def f(a):
        a = a.copy()
        a[1:] = value
        return a

    check(f, np.zeros(3, dtype))


def test_asarray_of_a_numpy_scalar_is_a_0d_array():
    check(lambda a: np.asarray(a.sum()), np.array([3.0]))
    check(lambda a: np.array(a.sum(), dtype=np.float32), np.array([3.0]))


def test_std_of_a_0d_array_with_an_integer_dtype():
    check(lambda a: np.std(a, keepdims=True, dtype=np.int64), np.array(4.0))
    check(lambda a: np.std(a, dtype=np.int64), np.array([4.0, 1.0]))
    check(lambda a: np.std(a, axis=0, dtype=np.int64), np.array([4.0, 1.0]))


def test_complex_products_with_an_infinite_part():
    check(lambda a: a * 2, np.array([complex(MAX, INF), complex(INF, MAX), complex(-MAX, 1.0)]))
    check(lambda a, b: a * b, np.array([complex(MAX, INF)]), np.array([2 + 0j, 0.5 + 0j]))


def test_sign_of_complex_whose_magnitude_overflows():
    z = np.array([complex(-MAX, MAX), complex(MAX, 1.0), complex(INF, np.nan), complex(np.nan, INF)])
    check(np.sign, z)
    check(np.sign, np.array([complex(3e38, 3e38), complex(-3e38, 1.0)], np.complex64))


def test_mean_of_complex_divides_by_a_complex_count():
    check(np.mean, np.array(complex(INF, -263.0)))
    check(lambda a: a.mean(axis=0), np.array([[complex(INF, 1.0)], [complex(2.0, -1.0)]]))


def test_copysign_float16_keeps_the_sign_of_nan():
    nan16 = np.float16(np.float32(np.inf) - np.float32(np.inf))  # nan with the sign bit set on x86
    check(np.copysign, np.array([267.0, -1.0], np.float16), np.array([nan16, np.float16(np.nan)]))


def test_float16_product_accumulates_in_float32():
    check(np.prod, np.array([300, 300, 0], np.float16))
    check(lambda a: np.prod(a, dtype=np.float16), np.array([300, 300, 0], np.int16))


@pytest.mark.parametrize("exponent", [0.5, -1, 2])
@pytest.mark.parametrize("dtype", ["float16", "float64", "complex128"])
def test_inplace_power_takes_the_operators_fast_paths(dtype, exponent):
    def f(a):
        a = a.copy()
        a **= exponent
        return a

    values = [-INF, -0.0, 4.0] if dtype != "complex128" else [complex(INF, -140.0), complex(-INF, 3.0), complex(INF, 1.0)]
    check(f, np.array(values, dtype))


def test_an_unused_integer_power_still_raises():
    def f(a, b):
        c = a ** b  # noqa: F841 -- NumPy raises here though c is never used
        return None

    check(f, np.array([2, 3], np.int16), np.array([1, -1], np.int16))
    check(f, np.array([2, 3], np.int16), np.array([1, 2], np.int16))


def test_ufunc_dtype_checks_python_ints_first():
    check(lambda a: np.add(-3, a, dtype=np.uint64), np.array([1.5]))
    check(lambda a: np.subtract(a, 300, dtype=np.int8), np.array([1.5]))


# ---- found by review ----------------------------------------------------------


@pytest.mark.parametrize("pair", [("uint64", "int64"), ("int32", "uint32"), ("uint16", "int16")])
def test_same_width_astype_is_a_copy(pair):
    """int64 <-> uint64 (and narrower) keep the bits: the cast must still not
    hand back (or later see writes to) the input's memory."""
    src, dst = pair

    def f(x):
        y = x.astype(dst)
        x += 1
        return y

    x = np.arange(3, dtype=src)
    y = np_compile(f)(x)
    np.testing.assert_array_equal(y, np.arange(3, dtype=dst))
    np.testing.assert_array_equal(x, np.arange(1, 4, dtype=src))
    z = np_compile(lambda x: x.astype(dst))(x)
    assert not np.shares_memory(x, z)


def test_complex_multiply_add_is_not_fused():
    vals = np.array([0j, 1 + 1j, INF + 0j, complex(0, INF), complex(np.nan, 0), 2 + 0j, 1e300 + 0j])
    check(lambda x, y, z: x * y + z, vals[:, None, None], vals[None, :, None], vals[None, None, :])
    check(lambda x, y, z: z + x * y, vals[:, None, None], vals[None, :, None], vals[None, None, :])


def test_float16_multiply_add_rounds_the_product():
    x = np.array([1.0009765625, 3.0, 0.1], np.float16)
    check(lambda a, b, c: a * b + c, x, x[::-1], np.array([-1.0, 1e-3, 2048.0], np.float16))


@pytest.mark.allow_fallback
@pytest.mark.parametrize("make", [lambda: torch.arange(3).to(torch.uint16), lambda: torch.arange(3).to(torch.bfloat16)])
def test_tensors_of_dtypes_tch_lacks_fall_back_and_are_never_baked_in(make):
    """A tensor argument the tracer cannot take as an input is a graph break, at
    any depth of the arguments (left static it would be a stale constant)."""
    t = make()
    for fn, arg in [(lambda x: x * 2, t), (lambda xs: [xs[0] * 2], [t])]:
        cf = np_compile(fn)
        with pytest.warns(npcompile.NpCompileWarning, match="not compiled"):
            first = cf(arg)
        t3 = t * 3
        second = cf([t3] if isinstance(arg, list) else t3)
        assert torch.equal(second[0] if isinstance(second, list) else second, t3 * 2)
        assert torch.equal(first[0] if isinstance(first, list) else first, t * 2)


def test_floats_into_uint64_use_the_unsigned_range():
    def f(x, v):
        x = x.copy()
        x[0] = v
        return x

    for v in (1.5e19, 2.0**63, 2.0**64, -1.0, 3.7):
        check(lambda x: f(x, v), np.zeros(2, np.uint64))
        check(lambda x: f(x, v), np.zeros(2, np.uint32))


def test_complex_log1p_and_arccos():
    z = np.array([1e-310 + 1e-310j, 0j, -1 + 0j, complex(0, -0.0), 2 + 0j, complex(2, -0.0), 1j, complex(INF, 1),
                  complex(np.nan, 0), 0.5 - 0.5j])
    check(np.log1p, z, signed_zeros=True)
    check(np.arccos, z, signed_zeros=True)
    check(np.log1p, np.array([1e-40 + 1e-40j, 0.5 + 2j], np.complex64))


@pytest.mark.parametrize(
    "dtype, value",
    [("int8", np.uint32(690)), ("int16", np.uint16(65535)), ("int32", np.int64(2**40)), ("int8", np.float64(300.0)),
     ("int8", np.float64(np.nan)), ("int8", np.float16(np.inf)), ("int64", np.uint64(2**64 - 1)), ("int8", np.float64(-12.7)),
     ("uint8", np.float64(300.0)), ("int8", np.float32(5.5))],
)
def test_traced_scalars_stored_into_integer_arrays_are_checked_when_run(dtype, value):
    """A NumPy scalar argument is traced (its value is not known while tracing):
    the conversion NumPy's setitem does is checked when the plan runs, even where
    a later store overwrites it."""

    def store(a, b):
        a = a.copy()
        a[1:] = b
        return a

    def overwritten(a, b):
        a = a.copy()
        a[0] = b
        a[0] = 1
        return a

    check(store, np.zeros(3, dtype), value)
    check(overwritten, np.zeros(3, dtype), value)


def test_element_updates_with_values_known_only_when_run():
    def sub(a):
        a = a.copy()
        a[0] -= 1e300
        return a

    def add(a, b):
        a = a.copy()
        a[0] += b
        return a

    def shift(a, b):
        a = a.copy()
        a[0] <<= b
        return a

    check(sub, np.array([15, -13], np.int16))
    check(add, np.array([-15], np.int32), np.float64(np.nan))
    check(add, np.array([19, -7], np.int8), np.float64(120.67))
    check(shift, np.array([32766, -7], np.int16), np.int64(1))
    check(shift, np.array([3, -7], np.int16), np.int64(1))


@pytest.mark.allow_fallback
def test_python_complex_compared_with_a_float64_scalar_is_a_python_bool():
    def f(a):
        return (2 + 0j) == a.sum(), a.sum() != 1j  # a Python bool, then np.True_

    with pytest.warns(npcompile.NpCompileWarning):
        r = np_compile(f)(np.array([2.0]))
    expected = f(np.array([2.0]))
    assert r == expected and [type(x) for x in r] == [type(x) for x in expected] == [bool, np.bool_]
