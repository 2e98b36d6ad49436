"""Convolution, correlation and the functions NumPy builds on them or on small
array bookkeeping that its own Python cannot run on traced arrays (its C
`correlate`, `_array_converter`, `reshape` by an index array): np.convolve,
np.correlate, np.kron, np.average with weights, np.ediff1d, np.diagflat.
np.poly, np.polyint and the other polynomial helpers run NumPy's own Python
over these."""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .._trace import GraphBreak, Proxy
from . import (FUNCTIONS, UFUNCS, _constant, check, _flatten, _reduce, _register, array, asarray, astype, broadcast_to,
               concatenate, getitem, numpy_errors, numpy_implementation, ravel, reshape, transpose, where)

# ---- convolve / correlate ------------------------------------------------

_MODES = {"valid": 0, "same": 1, "full": 2}

# Up to this kernel length the fully overlapping outputs are a sum of shifted
# slices (no window copy; on CPU it beat the windows up to a few hundred
# taps); longer kernels copy the windows out once (up to _WINDOWS_UP_TO
# elements) for one matmul or product-sum, a graph of constant size.
_SHIFTED_SLICES_UP_TO = 128
_WINDOWS_UP_TO = 1 << 24


def _mode(mode):
    """NumPy's mode: 'valid', 'same', 'full' or 0, 1, 2 (its errors for others)."""
    if isinstance(mode, str) and mode in _MODES:
        return _MODES[mode]
    try:
        np.correlate([0.0], [0.0], mode)
    except Exception as theirs:  # noqa: BLE001 -- NumPy's own error is the answer
        raise theirs.with_traceback(None) from None
    return operator.index(mode)


def _windows(xp, n, count):
    """(n, count) windows of xp: row m is xp[m:m + count] (n + count - 1 == len(xp)).
    Copies, no gather: xp tiled n + 1 times, read in rows one longer than xp."""
    length = xp.shape[0]
    row = getitem(xp, (None, slice(None)))
    tiled = ravel(where(_constant(np.ones((n + 1, 1), bool)), row, row))  # broadcast: values as they are
    rows = reshape(getitem(tiled, slice(0, n * (length + 1))), (n, length + 1))
    return getitem(rows, (slice(None), slice(0, count)))


def _window_dot(xp, y, count, inside=None):
    """out[c] = sum over m of xp[c + m] * y[m]; only where `inside` (static,
    (n, count)) is true, where given."""
    n = y.shape[0]
    w = _windows(xp, n, count)
    if inside is None and xp.dtype.kind in "fc":
        return UFUNCS["matmul"](y, w)
    terms = UFUNCS["multiply"](w, getitem(y, (slice(None), None)))
    if inside is not None:
        terms = where(_constant(inside), terms, _constant(np.zeros((), xp.dtype)))
    return _reduce("sum", terms, axis=0, dtype=xp.dtype)  # bools: any


def _sliding_dot(x, y, n_left, length):
    """out[j] = sum over m of x[j - n_left + m] * y[m] where that element of x
    exists, j < length (len(y) <= len(x)). Where y hangs over an end of x only
    the overlap is multiplied (a zero of padding times an inf would be nan).
    Bools are and-ed and or-ed, as NumPy's bool dot does."""
    n1, n = x.shape[0], y.shape[0]
    lo, hi = n_left, n_left + n1 - n + 1  # the outputs where y lies wholly over x
    if n * n > _WINDOWS_UP_TO:
        raise GraphBreak(f"np.convolve/np.correlate with a kernel of {n} elements is not compiled yet")
    if n <= _SHIFTED_SLICES_UP_TO or n * (hi - lo) > _WINDOWS_UP_TO:
        middle = None
        for m in range(n):
            # Added in m's order, as NumPy's dot loop adds them.
            term = UFUNCS["multiply"](getitem(x, slice(m, m + hi - lo)), getitem(y, m))
            middle = term if middle is None else UFUNCS["add"](middle, term)
        middle._scalar = False
    else:
        middle = _window_dot(x, y, hi - lo)
    parts = [middle]
    m = np.arange(n, dtype=np.intp)[:, None]
    if lo > 0:
        # x[:n - 1] after n_left zeros: outputs 0..lo-1.
        xp = concatenate([_constant(np.zeros(n_left, x.dtype)), getitem(x, slice(0, n - 1))])
        parts.insert(0, _window_dot(xp, y, lo, inside=m + np.arange(lo) >= n_left))
    if hi < length:
        # x[hi - n_left:] before the zeros: outputs hi..length-1.
        n_right = length + n - 1 - n_left - n1
        xp = concatenate([getitem(x, slice(hi - n_left, None)), _constant(np.zeros(n_right, x.dtype))])
        parts.append(_window_dot(xp, y, length - hi, inside=m + np.arange(length - hi) < n1 - (hi - n_left)))
    return parts[0] if len(parts) == 1 else concatenate(parts)


def _correlate(x, y, mode):
    """NumPy's C correlate of two 1-d arrays of one dtype: the longer one
    slides under the shorter (swapped where x is shorter: returns whether it
    was), 'same' centred at n // 2 of the shorter. NumPy's half dot adds in
    float32."""
    inverted = x.shape[0] < y.shape[0]
    if inverted:
        x, y = y, x
    n1, n = x.shape[0], y.shape[0]
    n_left, length = ((0, n1 - n + 1), (n // 2, n1), (n - 1, n1 + n - 1))[mode]
    dtype = x.dtype
    if dtype == np.float16:
        x, y = astype(x, np.float32), astype(y, np.float32)
    r = _sliding_dot(x, y, n_left, length)
    return (r if r.dtype == dtype else astype(r, dtype)), inverted


def _one_dimensional(a, v):
    """Both as 1-d arrays of their promoted dtype (NumPy's PyArray_ObjectType:
    a Python scalar or list is an array here, not weak)."""
    dtype = np.promote_types(a.dtype, v.dtype)
    if dtype.kind not in "biufc":
        raise GraphBreak(f"np.convolve/np.correlate of {dtype} is not compiled yet")
    return tuple(x if x.dtype == dtype else astype(x, dtype) for x in (a, v))


@_register(FUNCTIONS, "convolve")
def convolve(a, v, mode="full"):
    """np.convolve: NumPy's Python (1-d arrays, the longer first, the shorter
    reversed) over its C correlate; no conjugation."""
    a, v = array(a, copy=None, ndmin=1), array(v, copy=None, ndmin=1)
    if a.shape[0] == 0:
        raise ValueError("a cannot be empty")
    if v.shape[0] == 0:
        raise ValueError("v cannot be empty")
    mode = _mode(mode)
    if a.ndim > 1 or v.ndim > 1:
        raise ValueError("object too deep for desired array")
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    a, v = _one_dimensional(a, v)
    return _correlate(a, getitem(v, slice(None, None, -1)), mode)[0]


@_register(FUNCTIONS, "correlate")
def correlate(a, v, mode="valid"):
    """np.correlate (NumPy's correlate2): v conjugated where the dtype is
    complex; where v is the longer, NumPy slides a under it and reverses the
    result in place (a new C-ordered array)."""
    mode = _mode(mode)
    a, v = asarray(a), asarray(v)
    for x in (a, v):
        if x.ndim == 0:
            raise ValueError("object of too small depth for desired array")
        if x.ndim > 1:
            raise ValueError("setting an array element with a sequence. The requested array would exceed the "
                             "maximum number of dimension of 1.")
    a, v = _one_dimensional(a, v)
    if a.shape[0] == 0:
        raise ValueError("first array argument cannot be empty")
    if v.shape[0] == 0:
        raise ValueError("second array argument cannot be empty")
    if v.dtype.kind == "c":
        v = UFUNCS["conjugate"](v)
    r, inverted = _correlate(a, v, mode)
    return FUNCTIONS["copy"](getitem(r, slice(None, None, -1)), order="C") if inverted else r


# ---- kron ----------------------------------------------------------------

@_register(FUNCTIONS, "kron")
def kron(a, b):
    """np.kron: NumPy's Python (both as arrays, the shorter shape led by ones,
    the product over interleaved axes reshaped). NumPy's own reshapes by an
    index array, which the traced method does not take."""
    b = asarray(b)
    a = array(a, copy=None, ndmin=b.ndim)
    nda, ndb = a.ndim, b.ndim
    if nda == 0 or ndb == 0:
        return UFUNCS["multiply"](a, b)
    as_ = (1,) * max(0, ndb - nda) + a.shape
    bs = (1,) * max(0, nda - ndb) + b.shape
    a = reshape(a, as_)
    b = reshape(b, bs)
    a = reshape(a, tuple(d for s in as_ for d in (s, 1)))
    b = reshape(b, tuple(d for s in bs for d in (1, s)))
    r = UFUNCS["multiply"](a, b)
    return reshape(r, tuple(int(s * t) for s, t in zip(as_, bs)))


# ---- average -------------------------------------------------------------

@_register(FUNCTIONS, "average")
def average(a, axis=None, weights=None, returned=False, *, keepdims=np._NoValue):
    """np.average with weights: sum(a * w) / sum(w) in NumPy's result dtype
    (float64 at least for integer a). NumPy raises ZeroDivisionError where
    the weights sum to zero: while tracing for weights known then, when the
    plan runs for traced ones. Without weights, NumPy's Python."""
    if weights is None:
        return numpy_implementation(np.average, (a,), {"axis": axis, "returned": returned, "keepdims": keepdims})
    a = asarray(a)
    if axis is not None:
        axis = normalize_axis_tuple(axis, a.ndim, argname="axis")
    keep = {} if keepdims is np._NoValue else {"keepdims": keepdims}
    static = not any(isinstance(w, Proxy) for w in _flatten([weights]))
    wgt = asarray(weights)
    if a.shape != wgt.shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if wgt.shape != tuple(a.shape[ax] for ax in axis):
            raise ValueError("Shape of weights must be consistent with shape of a along specified axis.")
        order = tuple(int(i) for i in np.argsort(axis))
        shape = tuple((s if ax in axis else 1) for ax, s in enumerate(a.shape))
        wgt = reshape(transpose(wgt, order), shape)
    if a.dtype.kind in "biu":
        result_dtype = np.result_type(a.dtype, wgt.dtype, "f8")
    else:
        result_dtype = np.result_type(a.dtype, wgt.dtype)
    if static:
        w = np.asarray(weights)
        if a.shape != w.shape:
            w = w.transpose(order).reshape(shape)
        if np.any(w.sum(axis=axis, dtype=result_dtype, **keep) == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    scl = _reduce("sum", wgt, axis=axis, dtype=result_dtype, **keep)
    if not static:
        check("weights_sum_zero", _reduce("any", UFUNCS["equal"](scl, 0.0)))
    avg = UFUNCS["true_divide"](_reduce("sum", UFUNCS["multiply"](a, wgt, dtype=result_dtype), axis=axis, **keep),
                                scl)
    if returned:
        if scl.shape != avg.shape:
            scl = FUNCTIONS["copy"](broadcast_to(scl, avg.shape))
        return avg, scl
    return avg


# ---- ediff1d, diagflat ---------------------------------------------------

@_register(FUNCTIONS, "ediff1d")
def ediff1d(ary, to_end=None, to_begin=None):
    """np.ediff1d: the flat differences in ary's dtype, to_begin and to_end
    (raveled, cast to it where the same_kind rule allows) around them."""
    ary = ravel(asarray(ary))
    with numpy_errors("subtract", (ary, ary)):
        diff = UFUNCS["subtract"](getitem(ary, slice(1, None)), getitem(ary, slice(None, -1)))
    diff._scalar = False
    if to_begin is None and to_end is None:
        return diff
    ends = {}
    for name, x in (("to_begin", to_begin), ("to_end", to_end)):
        if x is None:
            continue
        x = asarray(x)
        if not np.can_cast(x.dtype, ary.dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule.")
        x = ravel(x)
        ends[name] = x if x.dtype == ary.dtype else astype(x, ary.dtype)
    parts = [ends.get("to_begin"), diff, ends.get("to_end")]
    return concatenate([p for p in parts if p is not None])


@_register(FUNCTIONS, "diagflat")
def diagflat(v, k=0):
    """np.diagflat: the raveled values on the k-th diagonal of an n x n array of
    zeros (n = size + |k|): a select of a static diagonal mask."""
    v = ravel(asarray(v))
    try:
        k = operator.index(k)
    except TypeError:
        raise GraphBreak(f"np.diagflat with k of type {type(k).__name__}") from None
    n = v.shape[0] + abs(k)
    # Row r of the result holds column[r] at r + k, where it has a column.
    column = concatenate(([_constant(np.zeros(-k, v.dtype))] if k < 0 else []) + [v]
                         + ([_constant(np.zeros(k, v.dtype))] if k > 0 else []))
    return where(_constant(np.eye(n, k=k, dtype=bool)), getitem(column, (slice(None), None)),
                 _constant(np.zeros((), v.dtype)))
