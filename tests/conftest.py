"""Shared pieces of the differential suite: NumPy is the oracle.

`check(fn, *args)` runs `fn` under plain NumPy and compiled with `np_compile`, and
asserts the same result (type, dtype, shape, values) or the same exception class.
A graph break would make the compiled function silently run NumPy and pass
trivially, so `check` turns `NpCompileWarning` into an error.

The hypothesis strategies draw the five dtypes of the first slice, shapes that
broadcast (0 to 3 dimensions, sides 0..4) and small elements (ints in -20..20,
floats in -1e3..1e3 plus nan, inf, -0.0)."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import npcompile
from npcompile import np_compile

settings.register_profile(
    "npcompile",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("npcompile-quick", parent=settings.get_profile("npcompile"), max_examples=8)
settings.register_profile("npcompile-thorough", parent=settings.get_profile("npcompile"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "npcompile"))

# ---- dtypes and strategies ----------------------------------------------

DTYPES = ("bool", "int32", "int64", "float32", "float64")
INT_DTYPES = ("int32", "int64")
FLOAT_DTYPES = ("float32", "float64")
NUMERIC_DTYPES = INT_DTYPES + FLOAT_DTYPES

# Tolerances for floats: (rtol, atol).
TOLERANCE = {
    np.dtype("float16"): (1e-3, 1e-3),
    np.dtype("float32"): (1e-5, 1e-6),
    np.dtype("float64"): (1e-12, 1e-12),
    np.dtype("complex64"): (1e-5, 1e-6),
    np.dtype("complex128"): (1e-12, 1e-12),
}
EPS = {np.dtype("float16"): 2.0**-10, np.dtype("float32"): 2.0**-23, np.dtype("float64"): 2.0**-52,
       np.dtype("complex64"): 2.0**-23, np.dtype("complex128"): 2.0**-52}

SPECIAL_FLOATS = (math.nan, math.inf, -math.inf, 0.0, -0.0)

dtypes = st.sampled_from(DTYPES)
dtype_pairs = st.tuples(dtypes, dtypes)


def elements(dtype, *, lo=-20, hi=20, specials=True, flo=-1e3, fhi=1e3):
    """Elements of one dtype: ints in [lo, hi], floats in [flo, fhi] (plus nan, +-inf,
    +-0 with `specials`)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(lo, int(info.min)), min(hi, int(info.max)))
    width = dtype.itemsize * 8
    finite = st.floats(flo, fhi, width=width)
    if not specials:
        return finite
    return st.one_of(finite, st.sampled_from(SPECIAL_FLOATS))


shapes = st.one_of(
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)


def broadcast_shapes(n=2):
    """n shapes that broadcast together, 0-size sides sometimes."""
    return st.one_of(
        hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, min_side=1, max_side=4),
        hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, min_side=0, max_side=4),
    ).map(lambda s: s.input_shapes)


def arrays(dtype, shape, **kw):
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, **kw))


def scalars(dtype, **kw):
    """A NumPy scalar (np.float32(2.0), ...) of `dtype`."""
    dtype = np.dtype(dtype)
    return elements(dtype, **kw).map(dtype.type)


@st.composite
def operands(draw, dtype, shape):
    """An array of `shape`, a 0-d array, a NumPy scalar or a Python scalar (weak)."""
    kind = draw(st.sampled_from(("array", "0-d", "numpy scalar", "python scalar")), label="kind")
    if kind == "array":
        return draw(arrays(dtype, shape))
    if kind == "0-d":
        return draw(arrays(dtype, ()))
    value = draw(scalars(dtype))
    return value if kind == "numpy scalar" else value.item()


# ---- the oracle ---------------------------------------------------------


class Raised:
    """What NumPy raised, in place of a result."""

    def __init__(self, exc):
        self.exc = exc

    def __repr__(self):
        return f"Raised({type(self.exc).__name__}: {self.exc})"


def run_numpy(fn, *args, **kwargs):
    """The reference: `fn` under plain NumPy, its RuntimeWarnings silenced."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 -- the oracle's exception is the expected outcome
            return Raised(e)


def run_compiled(cfn, *args, **kwargs):
    """The compiled function, with a graph break (a fallback to NumPy) an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        return cfn(*args, **kwargs)


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x


def assert_same(actual, expected, *, scale=None, tol=None, signed_zeros=False, path="result"):
    """Same structure, same type (ndarray vs NumPy scalar), same dtype, same shape,
    values exact for bools/ints and within TOLERANCE for floats.

    `scale`, where given, widens the absolute tolerance to `eps * scale` (rounding
    of a reduction or matmul over terms whose magnitudes add up to `scale`); `tol`,
    a float dtype, sets the precision where a result went through a lower one
    (float32 intermediates of a float64 result). `signed_zeros` also compares the
    sign of zero results, where NumPy defines it (IEEE arithmetic; not max/min,
    whose choice between equal zeros follows NumPy's SIMD code, nor reductions)."""
    if isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected), f"{path}: type mismatch: got {type(actual).__name__}, NumPy gives {type(expected).__name__}"
        assert len(actual) == len(expected), f"{path}: length mismatch: got {len(actual)}, NumPy gives {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, scale=scale, tol=tol, signed_zeros=signed_zeros, path=f"{path}[{i}]")
        return
    if isinstance(expected, dict):
        assert type(actual) is dict, f"{path}: type mismatch: got {type(actual).__name__}, NumPy gives dict"
        assert list(actual) == list(expected), f"{path}: keys mismatch: got {list(actual)}, NumPy gives {list(expected)}"
        for k in expected:
            assert_same(actual[k], expected[k], scale=scale, tol=tol, signed_zeros=signed_zeros, path=f"{path}[{k!r}]")
        return
    if not isinstance(expected, (np.ndarray, np.generic)):
        # A Python constant (or None) the function returns as is.
        assert type(actual) is type(expected), f"{path}: type mismatch: got {type(actual).__name__}, NumPy gives {type(expected).__name__}"
        assert actual == expected or (actual != actual and expected != expected), f"{path}: value mismatch: got {actual!r}, NumPy gives {expected!r}"
        return

    if isinstance(expected, np.generic):
        assert isinstance(actual, np.generic), (
            f"{path}: type mismatch: NumPy gives a NumPy scalar {type(expected).__name__}, got {type(actual).__name__}"
            + (f" of shape {actual.shape}" if hasattr(actual, "shape") else "")
        )
    else:
        assert type(actual) is np.ndarray, f"{path}: type mismatch: NumPy gives an ndarray, got {type(actual).__name__}"
    assert actual.dtype == expected.dtype, f"{path}: dtype mismatch: got {actual.dtype}, NumPy gives {expected.dtype}"
    assert actual.shape == expected.shape, f"{path}: shape mismatch: got {actual.shape}, NumPy gives {expected.shape}"
    assert_values(actual, expected, scale=scale, tol=tol, signed_zeros=signed_zeros, path=path)


def assert_values(actual, expected, *, scale=None, tol=None, signed_zeros=False, path="result"):
    actual, expected = np.asarray(actual), np.asarray(expected)
    msg = f"{path}: value mismatch ({expected.dtype}{list(expected.shape)})"
    if expected.dtype.kind in "fc":
        precision = expected.dtype if tol is None else min(expected.dtype, np.dtype(tol), key=lambda d: d.itemsize)
        rtol, atol = TOLERANCE[np.dtype(precision).newbyteorder("=")]
        if scale is not None and np.isfinite(scale):
            atol = max(atol, 8 * EPS[precision] * float(scale))
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=msg)
        if not signed_zeros:
            return
        # Zeros keep NumPy's sign (-0.0), part by part for complex.
        parts = (np.real, np.imag) if expected.dtype.kind == "c" else (np.real,)
        for part in parts:
            e, a = part(expected), part(actual)
            zero = (e == 0) & (a == 0)
            np.testing.assert_array_equal(np.signbit(a[zero]), np.signbit(e[zero]), err_msg=msg + " (sign of zero)")
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=msg, strict=True)


def public_type(exc):
    """The exception's class, or the first public one it derives from: NumPy
    raises private subclasses such as `numpy._core._exceptions._UFuncNoLoopError`
    (a TypeError)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins" or not any(part.startswith("_") for part in cls.__module__.split(".")):
            return cls
    return type(exc)


def check(fn, *args, cfn=None, scale=None, tol=None, signed_zeros=False, **kwargs):
    """Run `fn` under NumPy and compiled (`cfn`, default `np_compile(fn)`), and
    compare. Returns NumPy's result (or its `Raised`)."""
    cfn = np_compile(fn) if cfn is None else cfn
    expected = run_numpy(fn, *args, **kwargs)
    if isinstance(expected, Raised):
        cls = public_type(expected.exc)
        with pytest.raises(cls) as info:
            run_compiled(cfn, *args, **kwargs)
        assert type(info.value) is type(expected.exc), (
            f"exception mismatch: got {type(info.value).__module__}.{type(info.value).__qualname__}: {info.value}, "
            f"NumPy raises {type(expected.exc).__module__}.{type(expected.exc).__qualname__}: {expected.exc}")
        return expected
    actual = run_compiled(cfn, *args, **kwargs)
    assert_same(actual, expected, scale=scale, tol=tol, signed_zeros=signed_zeros)
    return expected


def outcome(fn, make_args):
    """`fn` on fresh arguments from `make_args()`: NumPy's outcome and the compiled one (twice: the trace, then the plan or
    the cached fallback), with the arguments after each call, and whether the
    compiled function fell back."""
    args = make_args()
    expected = run_numpy(fn, *args)
    expected_args = args
    cfn = np_compile(fn)
    results = []
    broke = False
    for _ in range(2):
        args = make_args()
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            try:
                got = cfn(*args)
            except Exception as e:  # noqa: BLE001 -- compared with NumPy's exception below
                got = Raised(e)
        broke |= any(issubclass(w.category, npcompile.NpCompileWarning) for w in caught)
        results.append((got, args))
    return expected, expected_args, results, broke


def assert_matches(fn, make_args, *, must_compile=False):
    """Compiled `fn` gives NumPy's result (or exception class, exactly) and
    leaves the arguments as NumPy does, on its first and second call; a graph
    break is allowed unless `must_compile`. Returns whether it broke."""
    expected, expected_args, results, broke = outcome(fn, make_args)
    for got, args in results:
        if isinstance(expected, Raised):
            assert isinstance(got, Raised), f"NumPy raises {expected!r}, compiled gave {got!r}"
            assert type(got.exc) is type(expected.exc), f"NumPy raises {expected!r}, compiled raised {got!r}"
        else:
            assert not isinstance(got, Raised), f"NumPy gives {expected!r}, compiled raised {got!r}"
            assert_same(got, expected)
        for a, e in zip(args, expected_args):
            assert_same(a, e, path="argument after the call")
    if must_compile:
        assert not broke, "fell back to NumPy"
    return broke


def abs_scale(*arrays):
    """The sum of |x| over all (finite) elements: a bound on rounding in reductions."""
    total = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            with np.errstate(all="ignore"):
                f = np.abs(a.astype(np.float64))
            total += float(np.sum(np.where(np.isfinite(f), f, 0.0)))
    return total


def remainder_quotient_overflows(x, y):
    """True where a float `x % y` has |x / y| beyond the dtype's range for some
    element: libtorch's vectorized fmod gives nan there, and the backend must
    recompute those lanes (test_float_remainder_with_huge_quotient)."""
    try:
        dtype = np.result_type(x, y)
        if dtype.kind != "f":
            return False
        with np.errstate(all="ignore"):
            xa, ya = np.abs(np.asarray(x, dtype)), np.abs(np.asarray(y, dtype))
            q = xa / ya
            return bool(np.any(np.isfinite(xa) & np.isfinite(ya) & (ya != 0) & np.isinf(q)))
    except (OverflowError, TypeError, ValueError):
        return False


@pytest.fixture(autouse=True)
def _no_fallbacks(request):
    """Differential tests fail on a silent fallback to NumPy."""
    if request.node.get_closest_marker("allow_fallback"):
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        yield


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_fallback: the test expects an NpCompileWarning (a graph break)")


@pytest.fixture(params=["auto", "always", "never"])
def mode(request, monkeypatch):
    """The native executor's choice (NPCOMPILE_NATIVE, read when a plan is
    built): automatic, forced on, forced off."""
    if request.param == "auto":
        monkeypatch.delenv("NPCOMPILE_NATIVE", raising=False)
    else:
        monkeypatch.setenv("NPCOMPILE_NATIVE", request.param)
    return request.param
