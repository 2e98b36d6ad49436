"""Issue 3's acceptance table: NumPy's whole numeric dtype system, exactly.

Every pair of the 14 numeric dtypes x every binary ufunc and operator of the
surface, every dtype x every unary ufunc, every reduction x dtype x its `dtype=`
argument, and Python int/float/complex scalars on either side of every dtype: the
result's type and dtype must be NumPy's, its values NumPy's (exact for bools and
ints, within conftest's TOLERANCE for floats and complex, NaN where NumPy has NaN)
or the same exception class. NumPy is the oracle (`check` in conftest.py) and a
fallback to NumPy (NpCompileWarning) is a failure.

The values are deterministic: per dtype 0, +-1, small ints, min and max (and
min+1, max-1) for ints; 0.0, -0.0, +-1, halves, max, min, tiny, nan and +-inf for
floats; zeros of both signs, units, nan, inf and a large value for complex. A
column of one dtype's values against a row of the other's gives every value pair.

Speed: each distinct (function, input signature) traces and compiles a plan, so
the ops of one table row are compiled together as one function returning a tuple
(those NumPy accepts; each op NumPy rejects is checked alone for the exception
class). When a row's group fails, every op of it is checked alone, so the report
names each failing op; each test collects all of its failures and fails once."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest

from npcompile import np_compile
from conftest import Raised, assert_same, check, run_compiled, run_numpy

# Casting complex to real warns under NumPy and compiled alike (tested in
# test_issue3_more.py); here it is noise.
pytestmark = pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")

DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
)

# The surface's ufuncs (python/npcompile/numpy/core.py: UFUNCS), aliases
# that are the same NumPy object (divide, mod, conj, bitwise_not, abs) left out.
BINARY_UFUNCS = (
    "add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "fmod", "divmod", "power", "float_power",
    "maximum", "minimum", "fmax", "fmin", "bitwise_and", "bitwise_or", "bitwise_xor",
    "left_shift", "right_shift", "logical_and", "logical_or", "logical_xor",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2", "heaviside", "gcd", "lcm",
    "matmul",  # a column (n, 1) @ a row (1, m) is the outer product: every pair of values
)
OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "@": operator.matmul,
}
UNARY_UFUNCS = (
    "negative", "positive", "absolute", "invert", "logical_not", "conjugate",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sqrt", "cbrt", "square", "reciprocal", "sign", "rint", "floor", "ceil", "trunc",
    "isnan", "isinf", "isfinite", "signbit", "deg2rad", "rad2deg", "radians", "degrees",
)
# Reductions taking `dtype=`, and those that do not.
DTYPE_REDUCTIONS = ("sum", "prod", "mean", "var", "std", "cumsum", "cumprod")
PLAIN_REDUCTIONS = ("max", "min", "any", "all", "argmax", "argmin")

PY_INTS = (True, 0, 1, -1, 3, 255, 300, -129, 2**40, 2**63)
PY_FLOATS = (0.5, -0.0, -2.5, math.nan, math.inf, 1e300)
PY_COMPLEX = (1 + 2j, -1.5j)
PY_SCALARS = {"int": PY_INTS, "float": PY_FLOATS, "complex": PY_COMPLEX}

# Ops whose zero results have a sign NumPy defines (IEEE arithmetic): checked
# too. Not max/min (which of two equal zeros NumPy returns follows its SIMD
# code) nor reductions (their summation order is NumPy's own).
SIGNED_ZERO_OPS = ("np.add(", "np.subtract(", "np.multiply(", "np.true_divide(", "np.floor_divide(",
                   "np.remainder(", "np.fmod(", "np.divmod(", "np.copysign(", "np.negative(", "-x")
SIGNED_ZERO_OPERATORS = (" + ", " - ", " * ", " / ", " // ", " % ")


def signed_zeros(label):
    return label.startswith(SIGNED_ZERO_OPS) or any(op in label for op in SIGNED_ZERO_OPERATORS)


# ---- values ---------------------------------------------------------------

def _unique(vals):
    out = []
    for v in vals:
        if not any(v == o and type(v) is type(o) for o in out):
            out.append(v)
    return out


def table_values(dtype):
    """Every special value of `dtype`, as a 1-d array."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([False, True])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = int(info.min), int(info.max)
        vals = [0, 1, -1, 2, 3, 7, lo, hi, lo + 1, hi - 1]
        return np.array(_unique(v for v in vals if lo <= v <= hi), dtype)
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return np.array(
            [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.0, float(info.max), float(info.min), float(info.tiny),
             math.nan, math.inf, -math.inf],
            dtype,
        )
    big = float(np.finfo(dtype).max) / 2
    return np.array(
        [0j, 1 + 0j, -1j, 1.5 - 2.5j, complex(math.nan, 0.0), complex(0.0, math.inf), complex(-0.0, 0.0),
         complex(big, -big), -1 + 0j, 3 + 7j],
        dtype,
    )


def moderate_values(dtype, nonneg=False):
    """Small finite values whose sums and products are exact in every dtype (no 0,
    so products are not all 0); `nonneg` keeps casts to unsigned ints defined."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([True, False, True])
    if dtype.kind in "iu":
        vals = [1, 2, 3, 7, 5] if dtype.kind == "u" or nonneg else [1, -1, 2, 3, 7, -5]
    elif dtype.kind == "f":
        vals = [1.0, 0.5, 2.5, 3.0, 7.0, 1.25] if nonneg else [1.0, -1.0, 0.5, -2.5, 3.0, 7.0, 1.25]
    else:
        vals = [1 + 0j, 1.5 - 2.5j, 3 + 1j, 0.5 + 0.5j] if nonneg else [1 + 0j, -1j, 1.5 - 2.5j, 3 + 1j, -0.5 + 0.5j]
    return np.array(vals, dtype)


# ---- the table runner -----------------------------------------------------

def _complex_tol(expected):
    """conftest's TOLERANCE has float keys only: a complex result is compared at the
    precision of its parts (`tol` picks the narrower of the result's dtype and it)."""
    if isinstance(expected, (tuple, list)):
        for e in expected:
            t = _complex_tol(e)
            if t is not None:
                return t
        return None
    dt = getattr(expected, "dtype", None)
    if isinstance(dt, np.dtype) and dt.kind == "c":
        return np.float32 if dt == np.complex64 else np.float64
    return None


def _short(e, limit=400):
    text = " ".join(str(e).split())
    if len(text) > limit:
        text = text[:limit] + " ..."
    return f"{type(e).__name__}: {text}"


_FAILURES = (Exception, pytest.fail.Exception)


def run_table(cases, args, where, scale=None):
    """`cases`: (label, fn) pairs, each fn taking `args`. Compares every case with
    NumPy and returns one line per failing case ("label [where]: error")."""
    expected = {label: run_numpy(fn, *args) for label, fn in cases}
    accepted = [(label, fn) for label, fn in cases if not isinstance(expected[label], Raised)]
    rejected = [(label, fn) for label, fn in cases if isinstance(expected[label], Raised)]
    group_error = None
    if accepted:
        fns = tuple(fn for _, fn in accepted)

        def group(*a):
            return tuple(fn(*a) for fn in fns)

        try:
            actual = run_compiled(np_compile(group), *args)
            assert type(actual) is tuple and len(actual) == len(accepted), f"got {type(actual).__name__}"
            for (label, _), a in zip(accepted, actual):
                e = expected[label]
                assert_same(a, e, scale=scale, tol=_complex_tol(e), signed_zeros=signed_zeros(label), path=label)
        except _FAILURES as e:
            group_error = e
    failures = []
    for label, fn in rejected + (accepted if group_error is not None else []):
        try:
            check(fn, *args, scale=scale, tol=_complex_tol(expected[label]), signed_zeros=signed_zeros(label))
        except _FAILURES as e:
            failures.append(f"{label} [{where}]: {_short(e)}")
    if group_error is not None and not failures:
        failures.append(f"the {len(accepted)} ops compiled together [{where}] (each passes alone): {_short(group_error)}")
    return failures


def report(failures, total):
    if failures:
        pytest.fail(f"{len(failures)} of {total} cases differ from NumPy:\n" + "\n".join(failures), pytrace=False)


def _binary(f):
    return lambda x, y: f(x, y)


def _binary_swapped(f):
    return lambda x, y: f(y, x)


# (how to write it, the function) for every binary ufunc and operator.
BINARY_OPS = [(lambda x, y, n=name: f"np.{n}({x}, {y})", getattr(np, name)) for name in BINARY_UFUNCS]
BINARY_OPS += [(lambda x, y, s=sym: f"{x} {s} {y}", op) for sym, op in OPERATORS.items()]


def binary_cases(x="x", y="y", swapped=False):
    """(label, fn(x, y)) for every binary op; `swapped` puts the second argument
    on the left (fn(x, s) computes s op x)."""
    if swapped:
        return [(spell(y, x), _binary_swapped(f)) for spell, f in BINARY_OPS]
    return [(spell(x, y), _binary(f)) for spell, f in BINARY_OPS]


# ---- binary: every pair of dtypes -----------------------------------------

PAIRS = [(a, b) for a in DTYPES for b in DTYPES]


@pytest.mark.parametrize("dx, dy", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_binary_table(dx, dy):
    """A column of dx's values against a row of dy's: every ufunc and operator."""
    x, y = table_values(dx)[:, None], table_values(dy)[None, :]
    cases = binary_cases(f"{dx}[:,None]", f"{dy}[None,:]")
    failures = run_table(cases, (x, y), f"{dx} x {dy}")
    total = len(cases)
    if np.dtype(dx).kind in "biu" and np.dtype(dy).kind == "i":
        # Integers to negative integer powers raise: the values, with non-negative exponents.
        yy = y[y >= 0][None, :]
        power = [(label, fn) for label, fn in binary_cases(f"{dx}[:,None]", f"{dy}[None,:]>=0")
                 if label.startswith(("np.power", "np.float_power")) or " ** " in label]
        failures += run_table(power, (x, yy), f"{dx} x non-negative {dy}")
        total += len(power)
    report(failures, total)


# ---- binary: Python scalars on either side ----------------------------------

SCALAR_PARAMS = [(d, k) for d in DTYPES for k in PY_SCALARS]


@pytest.mark.parametrize("dtype, kind", SCALAR_PARAMS, ids=[f"{d}-py{k}" for d, k in SCALAR_PARAMS])
def test_python_scalar_table(dtype, kind):
    """Every ufunc and operator between an array of `dtype` and a Python scalar
    (weak, NEP 50), the scalar on the right and on the left."""
    x = table_values(dtype)
    failures, total = [], 0
    for s in PY_SCALARS[kind]:
        right = binary_cases(dtype, repr(s))
        left = binary_cases(dtype, repr(s), swapped=True)
        failures += run_table(right, (x, s), f"{dtype} array, {s!r} on the right")
        failures += run_table(left, (x, s), f"{s!r} on the left, {dtype} array")
        total += len(right) + len(left)
    report(failures, total)


# ---- unary ----------------------------------------------------------------

def _unary(f, **kw):
    return lambda x: f(x, **kw)


def unary_cases():
    cases = [(f"np.{name}(x)", _unary(getattr(np, name))) for name in UNARY_UFUNCS]
    cases += [
        ("np.fix(x)", _unary(np.fix)),
        ("np.round(x)", _unary(np.round)),
        ("np.round(x, 2)", _unary(np.round, decimals=2)),
        ("np.round(x, -1)", _unary(np.round, decimals=-1)),
        ("np.real(x)", _unary(np.real)),
        ("np.imag(x)", _unary(np.imag)),
        ("np.angle(x)", _unary(np.angle)),
        ("np.angle(x, deg=True)", _unary(np.angle, deg=True)),
        ("-x", operator.neg),
        ("+x", operator.pos),
        ("~x", operator.invert),
        ("abs(x)", abs),
        ("x.real", lambda x: x.real),
        ("x.imag", lambda x: x.imag),
        ("x.conj()", lambda x: x.conj()),
        ("x.round()", lambda x: x.round()),
    ]
    return cases


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_table(dtype):
    """Every unary ufunc (and np.fix/round/real/imag/angle, the unary operators) on
    the dtype's values: an array, and a NumPy scalar (a NumPy scalar out)."""
    x = table_values(dtype)
    cases = unary_cases()
    failures = run_table(cases, (x,), f"{dtype} array")
    s = x[min(2, x.size - 1)]
    failures += run_table(cases, (s,), f"the NumPy scalar {s!r}")
    report(failures, 2 * len(cases))


# ---- reductions -------------------------------------------------------------

DTYPE_ARGS = (None,) + DTYPES


def _cast_defined(src, dst):
    """Whether casting every table value of `src` to `dst` is defined: NumPy's (and
    C's) casts of nan, inf and out-of-range floats to ints are not."""
    if dst is None:
        return True
    return not (np.dtype(src).kind in "fc" and np.dtype(dst).kind in "iu")


def _reduction_case(name, method, d):
    kw = {} if d is None else {"dtype": np.dtype(d).type}
    if method:
        label = f"a.{name}({', '.join(f'{k}={np.dtype(v).name}' for k, v in kw.items())})"

        def fn(v, m):
            return getattr(v, name)(**kw), getattr(m, name)(axis=0, **kw)
    else:
        label = f"np.{name}(a{''.join(f', {k}={np.dtype(v).name}' for k, v in kw.items())})"
        f = getattr(np, name)

        def fn(v, m):
            return f(v, **kw), f(m, axis=0, **kw)
    return label, fn


def _reduction_inputs(values):
    """A 1-d array (a full reduction) and a (2, n) one reduced over axis 0."""
    return values, np.stack([values, values[::-1]])


REDUCTION_PARAMS = [(n, d) for n in DTYPE_REDUCTIONS + PLAIN_REDUCTIONS for d in DTYPES]


@pytest.mark.parametrize("name, dtype", REDUCTION_PARAMS, ids=[f"{n}-{d}" for n, d in REDUCTION_PARAMS])
def test_reduction_table(name, dtype):
    """np.<name> and ndarray.<name> of the dtype's values, full and over axis 0,
    with dtype= None and each of the 14 dtypes (for sum, prod, mean, cumsum and
    cumprod); on the special values where the cast to the dtype= is defined, and on
    small exact values (nonnegative for unsigned dtype=) everywhere."""
    dargs = DTYPE_ARGS if name in DTYPE_REDUCTIONS else (None,)
    failures, total = [], 0

    def run(dtype_args, values, what):
        nonlocal failures, total
        cases = [_reduction_case(name, method, d) for d in dtype_args for method in (False, True)]
        if cases:
            failures += run_table(cases, _reduction_inputs(values), f"a = {what} of {dtype}")
            total += len(cases)

    run([d for d in dargs if _cast_defined(dtype, d)], table_values(dtype), "the special values")
    unsigned = [d for d in dargs if d is not None and np.dtype(d).kind == "u"]
    run([d for d in dargs if d not in unsigned], moderate_values(dtype), "small values")
    run(unsigned, moderate_values(dtype, nonneg=True), "small non-negative values")
    report(failures, total)


# ---- ufuncs' dtype= ----------------------------------------------------------

UFUNC_DTYPE_OPS = ("add", "multiply", "true_divide", "power", "less", "sqrt", "negative", "logical_not")
UFUNC_DTYPE_PARAMS = [(d, t) for d in DTYPES for t in DTYPES]


@pytest.mark.parametrize("dtype, to", UFUNC_DTYPE_PARAMS, ids=[f"{d}-dtype={t}" for d, t in UFUNC_DTYPE_PARAMS])
def test_ufunc_dtype_argument(dtype, to):
    """np.<ufunc>(..., dtype=to): NumPy's loop in `to` (operands cast same_kind),
    or its TypeError where there is none."""
    x = moderate_values(dtype, nonneg=True)
    cases = []
    for name in UFUNC_DTYPE_OPS:
        f = getattr(np, name)
        if f.nin == 1:
            cases.append((f"np.{name}(x, dtype={to})", lambda x, f=f: f(x, dtype=to)))
        else:
            cases.append((f"np.{name}(x, x, dtype={to})", lambda x, f=f: f(x, x[::-1], dtype=to)))
            cases.append((f"np.{name}(x, 2, dtype={to})", lambda x, f=f: f(x, 2, dtype=to)))
    report(run_table(cases, (x,), f"{dtype} array"), len(cases))
