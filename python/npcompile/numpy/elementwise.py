"""Elementwise functions NumPy writes over its ufuncs: fix, round/around
(and Python's round() of a NumPy scalar), the complex parts (real, imag,
angle, assignment to .real/.imag, ndarray.conj), where and clip."""

from __future__ import annotations

import operator

import numpy as np

from .._trace import GraphBreak, Proxy, view
from .core import (FUNCTIONS, UFUNCS, _check_output_writeable, _no, _record, _register, _store, _tuple, operand,
                   output_casting_error)


@_register(FUNCTIONS, "fix")
def fix(x, out=None):
    """np.fix is np.trunc (NumPy 2): ints and bools unchanged, floats toward zero."""
    _no({"out": out}, "np.fix")
    return UFUNCS["trunc"](x)


def _real_only(a, name):
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak(f"np.{name} of complex is not compiled yet")
    return a


def _power_of_ten(n):
    """NumPy's power_of_ten (multiarray/calculation.c): a table to 1e8, then times 10."""
    if n < 9:
        return float(10**n)
    r = 1e9
    for _ in range(n - 9):
        r *= 10.0
    return r


@_register(FUNCTIONS, "round", "around")
def round_(a, decimals=0, out=None):
    """NumPy's PyArray_Round: ints with decimals >= 0 are copied; decimals == 0 is
    rint; otherwise multiply (divide for negative decimals) by 10**|decimals|, rint,
    divide back (in float64 for ints, cast back to the int dtype, wrapping)."""
    _no({"out": out}, "np.round")
    a = operand(a)
    decimals = operator.index(decimals)
    if a.dtype.kind == "c" and decimals != 0:
        # NumPy rounds the real and imaginary parts as float arrays.
        r = _record("complex", round_(real(a), decimals), round_(imag(a), decimals))
    elif a.dtype.kind in "iu" and decimals >= 0:
        r = _copy_of(a)
    elif decimals == 0:
        r = UFUNCS["rint"](a)
    elif a.dtype.kind == "b":
        # NumPy scales into the bool array: multiply (divide for negative decimals) cannot cast back.
        raise output_casting_error("multiply" if decimals > 0 else "divide", np.dtype(np.float64), a.dtype)
    else:
        f = _power_of_ten(abs(decimals))
        mul, div = UFUNCS["multiply"], UFUNCS["true_divide"]
        scale, unscale = (mul, div) if decimals > 0 else (div, mul)
        r = unscale(UFUNCS["rint"](scale(a, f)), f)
        if a.dtype.kind in "iu":
            r = astype(r, a.dtype)
    r._scalar = r.ndim == 0  # ndarray.round of a 0-d array gives a NumPy scalar
    return r


@_register(FUNCTIONS, "real")
def real(val):
    """np.real: of a complex array a view of its real parts (writing through it
    is a graph break); of a real array the array itself."""
    a = operand(val)
    if a.dtype.kind == "c":
        return _part(a, "real")
    return a


@_register(FUNCTIONS, "imag")
def imag(val):
    """np.imag: of a complex array a view of its imaginary parts; of a real array
    read-only zeros of its dtype."""
    a = operand(val)
    if a.dtype.kind == "c":
        return _part(a, "imag")
    r = _constant(np.zeros(a.shape, a.dtype))
    if r._buf is not None:
        r._buf.writeable = False
    r._scalar = a._scalar
    return r


def _part(a, name):
    r = _record(name, a)
    r._scalar = a._scalar
    return view(a, name, r, contiguous=False)


def set_real(a, value):
    """`a.real = v` of a real array is `a[...] = v` (but NumPy wraps a Python int
    out of the dtype's range there instead of raising: left to NumPy)."""
    _real_only(a, "assignment to .real")
    if type(value) is int and a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        if not info.min <= value <= info.max:
            raise GraphBreak("a.real = a Python int out of the dtype's range")
    setitem(a, Ellipsis, value)


def set_imag(a, value):
    _real_only(a, "assignment to .imag")
    raise TypeError("array does not have imaginary part to set")


@_register(FUNCTIONS, "angle")
def angle(z, deg=False):
    """np.angle: arctan2(imag, real); of a real array arctan2(0, z) (pi for
    negatives and -0.0)."""
    z = operand(z)
    r = UFUNCS["arctan2"](imag(z), real(z)) if z.dtype.kind == "c" else UFUNCS["arctan2"](0, z)
    if deg:
        r = UFUNCS["multiply"](r, 180 / np.pi)
    return r


def builtin_round(a, ndigits=None):
    """Python's round() of a traced value: NumPy scalars round (to a Python int
    without ndigits, a value we do not have); arrays have no __round__."""
    if not a._scalar or a.dtype.kind in "bc":
        what = "numpy.ndarray" if not a._scalar else f"numpy.{a.dtype.type.__name__}"
        raise TypeError(f"type {what} doesn't define __round__ method")
    if ndigits is None:
        raise GraphBreak("round() of a NumPy scalar gives a Python int")
    return round_(a, ndigits)


def method_round(a, decimals=0, out=None):
    return round_(a, decimals, out)


def method_conj(a):
    """ndarray.conj(): np.conjugate of a complex array; of a real array the array
    itself (bool stays bool, unlike np.conjugate's int8)."""
    a = operand(a)
    return UFUNCS["conjugate"](a) if a.dtype.kind == "c" else a


method_conjugate = method_conj


# ---- selection ----------------------------------------------------------

@_register(FUNCTIONS, "where")
def where(condition, x=np._NoValue, y=np._NoValue):
    if x is np._NoValue and y is np._NoValue:
        raise GraphBreak("np.where(condition) has a data-dependent shape")
    if x is np._NoValue or y is np._NoValue:
        raise ValueError("either both or neither of x and y should be given")
    c = operand(condition)
    if c.dtype != np.bool_:
        c = astype(c, np.bool_)
    x, y = _where_int(x, y), _where_int(y, x)
    return _record("where", c, operand(x), operand(y))


def _where_int(v, other):
    """np.where converts a Python int to an array and casts it to the result dtype
    unsafely (no NEP 50 OverflowError): where the result is an integer dtype, an int
    in [-2**63, 2**64) wraps into it, a larger one raises OverflowError."""
    if type(v) is not int:
        return v
    if type(other) in (bool, int):
        target = np.dtype(np.int64)
    else:
        target = operand(other).dtype
        if target.kind == "b":
            target = np.dtype(np.int64)
    if target.kind not in "iu":
        return v
    if not -(2**63) <= v < 2**64:
        raise OverflowError("Python int too large to convert to C long")
    bits = 8 * target.itemsize
    half = 2 ** (bits - 1) if target.kind == "i" else 0
    return (v + half) % 2**bits - half


@_register(FUNCTIONS, "clip")
def clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue, max=np._NoValue, **kwargs):
    if out is not None:
        _check_output_writeable(out)
        return _store("clip", out, clip(a, a_min, a_max, min=min, max=max, **kwargs))
    _no(kwargs, "np.clip")
    lo = None if a_min is np._NoValue else a_min
    hi = None if a_max is np._NoValue else a_max
    lo = lo if min is np._NoValue else min
    hi = hi if max is np._NoValue else max
    a = operand(a)
    if a.dtype.kind in "iu":
        # NumPy's _clip drops a Python int bound beyond the dtype's range on its
        # own side (the others are NEP 50's OverflowError, raised below).
        info = np.iinfo(a.dtype)
        lo = None if type(lo) is int and lo <= info.min else lo
        hi = None if type(hi) is int and hi >= info.max else hi
    if lo is None and hi is None:
        return positive(a)  # NumPy's _clip
    # np.clip is one ufunc: its dtype comes from all three operands at once (NEP 50
    # for Python scalars), not from maximum and then minimum.
    bounds = [b if isinstance(b, (bool, int, float)) else operand(b) for b in (lo, hi) if b is not None]
    dtype = np.result_type(a.dtype, *(b.dtype if isinstance(b, Proxy) else type(b)(0) for b in bounds))
    for b in (lo, hi):
        if type(b) is int and dtype.kind in "iu" and not np.iinfo(dtype).min <= b <= np.iinfo(dtype).max:
            raise OverflowError(f"Python integer {b} out of bounds for {dtype}")  # NEP 50, in the loop's dtype
    r = a if a.dtype == dtype else astype(a, dtype)
    # One bound is np.maximum or np.minimum (NumPy's _clip); both are the clip
    # ufunc, which returns x or the bound where they compare equal (zeros of
    # both signs) depending on its inner loop's strides, not on values: which,
    # for each element, NumPy says on zeros of these shapes.
    if lo is not None and hi is not None:
        if dtype.kind == "f":
            takes_bound = _clip_takes_bound(r, lo, hi)
            # np.maximum/np.minimum return their second operand on ties
            # (float16: the first).
            first = dtype == np.float16
            x_side = lambda x, b: (x, b) if first else (b, x)
            b_side = lambda x, b: (b, x) if first else (x, b)
            keep = UFUNCS["minimum"](*x_side(UFUNCS["maximum"](*x_side(r, lo)), hi))
            bound = UFUNCS["minimum"](*b_side(UFUNCS["maximum"](*b_side(r, lo)), hi))
            r = bound if takes_bound.all() else keep if not takes_bound.any() else where(_constant(takes_bound), bound, keep)
        elif dtype.kind == "c":
            r = _complex_clip_pick(_complex_clip_pick(r, lo, "greater"), hi, "less")
        else:
            r = UFUNCS["minimum"](UFUNCS["maximum"](r, lo), hi)
    elif lo is not None:
        r = UFUNCS["maximum"](r, lo)
    elif hi is not None:
        r = UFUNCS["minimum"](r, hi)
    if r is a:
        r = _record("reshape[shape=" + _tuple(a.shape) + "]", a)
    r._scalar = r.ndim == 0  # a ufunc: a NumPy scalar where 0-d
    return r


def _complex_clip_pick(a, b, order):
    """One step of NumPy's complex clip loop: `a` where it has a NaN part or
    orders after (before) `b` lexicographically, else `b`; a NaN bound does
    not spread as it does in np.maximum/np.minimum."""
    b = astype(operand(b), a.dtype)
    ar, ai, br, bi = real(a), imag(a), real(b), imag(b)
    cmp = UFUNCS[order]
    after = where(UFUNCS["equal"](ar, br), cmp(ai, bi), cmp(ar, br))
    nan = UFUNCS["logical_or"](UFUNCS["isnan"](ar), UFUNCS["isnan"](ai))
    return where(UFUNCS["logical_or"](nan, after), a, b)


def _clip_takes_bound(x, lo, hi):
    """Where np.clip of arrays of these shapes returns the bound, not x, when
    they compare equal: NumPy run on +0.0 between bounds of -0.0."""
    zeros = lambda v, fill: np.full(v.shape if isinstance(v, Proxy) else (), fill, x.dtype)
    t = np.clip(zeros(x, 0.0), zeros(lo, -0.0), zeros(hi, -0.0))
    return np.broadcast_to(np.signbit(t), t.shape)


def method_clip(a, min=None, max=None, out=None, **kw):
    return clip(a, min, max, out, **kw)


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .ufuncs import positive  # noqa: E402
from .indexing import setitem  # noqa: E402
from .creation import _constant, _copy_of, astype  # noqa: E402
