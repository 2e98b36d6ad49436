"""Sorting and searching: sort (complex values in NumPy's order), stable
argsort, take_along_axis, searchsorted, interp, and their ndarray methods."""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._trace import GraphBreak, c_strides, write
from .core import FUNCTIONS, UFUNCS, _record, _register, _stand_in, numpy_raises, operand


@_register(FUNCTIONS, "sort")
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted values (NaN last); every sort kind gives the same values."""
    if order is not None:
        raise GraphBreak("np.sort with order= is not compiled yet")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    if a.dtype.kind == "c" and a.ndim:
        # No complex sort in libtorch: NumPy's order by three stable passes.
        r = take_along_axis(a, _complex_order(a, axis), axis)
        r._scalar = False
        return r
    r = _record(f"sort[axis={axis}]", a)
    r._scalar = False
    if not a._contig or a._layout is not None:
        # NumPy sorts a copy in the input's own order (`copy(order="K")`):
        # what views of the result see depends on strides the tracer does
        # not model, so reshaping it breaks.
        r._contig, r._layout = False, "unknown"
    return r


_STABLE_KINDS = ("stable", "mergesort")


def _argsort_stable(a, axis):
    r = _record(f"argsort[axis={axis}]", a)
    r._scalar = False
    return r


def _complex_order(a, axis):
    """The positions that sort complex `a` along `axis` as NumPy's CLT orders it:
    finite-part values, then R+nanj, then nan+Rj, then nan+nanj, each by real
    then imaginary part (three stable passes, least significant key first)."""
    re, im = FUNCTIONS["real"](a), FUNCTIONS["imag"](a)
    nre, nim = UFUNCS["isnan"](re), UFUNCS["isnan"](im)
    category = UFUNCS["add"](UFUNCS["multiply"](astype(nre, np.int8), 2), astype(UFUNCS["logical_and"](nim, UFUNCS["logical_not"](nre)), np.int8))
    category = where(UFUNCS["logical_and"](nre, nim), 3, category)
    perm = None
    for key in (im, re, category):
        k = key if perm is None else FUNCTIONS["take_along_axis"](key, perm, axis)
        step = _argsort_stable(k, axis)
        perm = step if perm is None else FUNCTIONS["take_along_axis"](perm, step, axis)
    return perm


@_register(FUNCTIONS, "argsort")
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Stable sorting positions (kind='stable', stable=True). NumPy's default
    sort orders ties as its algorithm happens to (introsort, or SIMD sorts on
    some CPUs): not reproducible, so the default kind is a graph break."""
    if order is not None:
        raise GraphBreak("np.argsort with order= is not compiled yet")
    if not (stable or kind in _STABLE_KINDS):
        raise GraphBreak("np.argsort with NumPy's default kind orders ties as its algorithm does: "
                         "kind='stable' compiles")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    if a.ndim == 0:
        raise GraphBreak("np.argsort of a 0-d array is not compiled yet")
    axis = normalize_axis_index(axis, a.ndim)
    return _complex_order(a, axis) if a.dtype.kind == "c" else _argsort_stable(a, axis)


def method_argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    return argsort(a, axis, kind, order, stable=stable)


@_register(FUNCTIONS, "take_along_axis")
def take_along_axis(arr, indices, axis=-1):
    """NumPy's take_along_axis: one flat take over the array's elements."""
    arr, indices = operand(arr), operand(indices)
    if axis is None:
        arr, axis = ravel(arr), 0
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if arr.ndim != indices.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(axis, arr.ndim)
    shape = tuple(n if d == axis else max(n, m) for d, (n, m) in enumerate(zip(indices.shape, arr.shape)))
    try:
        np.broadcast_shapes(*(tuple(x for d, x in enumerate(s) if d != axis) for s in (arr.shape, indices.shape)))
    except ValueError:
        raise ValueError("shape mismatch: indexing arrays could not be broadcast together") from None
    n = arr.shape[axis]
    pos = _take(_constant(np.arange(n)), indices, 0) if n else indices  # checked and wrapped
    strides = c_strides(arr.shape)
    flat = UFUNCS["multiply"](pos, strides[axis])
    for d in range(arr.ndim):
        if d != axis and shape[d] > 1:
            coord = np.arange(arr.shape[d] if arr.shape[d] > 1 else 1).reshape([-1 if k == d else 1 for k in range(arr.ndim)])
            flat = UFUNCS["add"](flat, _constant(coord * (strides[d] if arr.shape[d] > 1 else 0)))
    r = _take(ravel(arr) if arr._contig and arr._layout is None else ravel(_copy_of(arr)), flat, 0)
    return r


@_register(FUNCTIONS, "searchsorted")
def searchsorted(a, v, side="left", sorter=None):
    """NumPy's searchsorted (NaN greatest: a NaN value goes after every number;
    a number never passes a NaN of the sequence)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    a, v = operand(a), operand(v)
    if a.ndim != 1:
        raise ValueError("object too deep for desired array")
    if sorter is not None:
        a = _take(a, operand(sorter), 0)
    dt = np.result_type(*(_stand_in(x, empty=True) for x in (a, v)))
    if dt.kind == "c":
        raise GraphBreak("np.searchsorted of complex values is not compiled yet")
    a = a if a.dtype == dt else astype(a, dt)
    v = v if v.dtype == dt else astype(v, dt)
    scalar = v.ndim == 0
    vv = reshape(v, (1,)) if scalar else v
    if dt.kind == "f":
        # libtorch's search assumes an order NaN breaks: NaN as +inf there,
        # NumPy's placements of and around NaN settled below.
        a_inf = where(UFUNCS["isnan"](a), np.inf, a)
        a_inf._scalar = False
        r = _record(f"searchsorted[right={str(side == 'right').lower()}]", a_inf, vv)
    else:
        r = _record(f"searchsorted[right={str(side == 'right').lower()}]", a, vv)
    if dt.kind == "f":
        numbers = _reduce("sum", UFUNCS["logical_not"](UFUNCS["isnan"](a)), dtype=np.int64)
        nan_v = UFUNCS["isnan"](vv)
        if side == "right":
            r = UFUNCS["minimum"](r, numbers)
            r = where(nan_v, a.shape[0], r)
        else:
            r = where(nan_v, numbers, r)
    if scalar:
        r = reshape(r, ())
    r._scalar = scalar
    return r


def method_searchsorted(a, v, side="left", sorter=None):
    return searchsorted(a, v, side, sorter)


@_register(FUNCTIONS, "interp")
def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's interp (its C loop): the interval by a binary search, the slope
    form NumPy evaluates, its fallbacks where that gives NaN, NaN in NaN out."""
    if period is not None:
        raise GraphBreak("np.interp with period= is not compiled yet")
    fpo = operand(fp)
    if fpo.dtype.kind == "c":
        raise GraphBreak("np.interp of complex values is not compiled yet")
    xpo = operand(xp)
    if sum(o.size for o in (operand(x), xpo, fpo)) <= 1 << 20:
        numpy_raises(np.interp, x, xp, fp)
    x = astype(operand(x), np.float64) if operand(x).dtype != np.float64 else operand(x)
    xp = xpo if xpo.dtype == np.float64 else astype(xpo, np.float64)
    fp = fpo if fpo.dtype == np.float64 else astype(fpo, np.float64)
    n = xp.shape[0]
    lval = getitem(fp, 0) if left is None else left
    rval = getitem(fp, n - 1) if right is None else right
    j = UFUNCS["subtract"](searchsorted(xp, x, side="right"), 1)
    if n >= 2:
        jc = FUNCTIONS["clip"](j, 0, n - 2)
        x0, x1 = _take(xp, jc, 0), _take(xp, UFUNCS["add"](jc, 1), 0)
        y0, y1 = _take(fp, jc, 0), _take(fp, UFUNCS["add"](jc, 1), 0)
        slope = UFUNCS["true_divide"](UFUNCS["subtract"](y1, y0), UFUNCS["subtract"](x1, x0))
        r = UFUNCS["add"](UFUNCS["multiply"](slope, UFUNCS["subtract"](x, x0)), y0)
        r2 = UFUNCS["add"](UFUNCS["multiply"](slope, UFUNCS["subtract"](x, x1)), y1)
        r2 = where(UFUNCS["logical_and"](UFUNCS["isnan"](r2), UFUNCS["equal"](y0, y1)), y0, r2)
        r = where(UFUNCS["isnan"](r), r2, r)
        r = where(UFUNCS["equal"](x, x0), y0, r)
    else:
        r = UFUNCS["multiply"](x, 0.0)
    r = where(UFUNCS["equal"](j, n - 1), getitem(fp, n - 1), r)
    r = where(UFUNCS["less"](j, 0), lval, r)
    r = where(UFUNCS["greater"](x, getitem(xp, n - 1)), rval, r)
    r = where(UFUNCS["isnan"](x), x, r)
    r = r if r.dtype == np.float64 else astype(r, np.float64)
    r._scalar = r.ndim == 0
    return r


def method_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """In place, as NumPy's ndarray.sort."""
    if a._scalar:
        normalize_axis_index(axis, 0)  # NumPy's AxisError
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("sort array is read-only")
    write(a, (), sort(a, axis=axis, kind=kind, order=order, stable=stable))


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .elementwise import where  # noqa: E402
from .reductions import _reduce  # noqa: E402
from .shapes import ravel, reshape  # noqa: E402
from .indexing import _take, getitem  # noqa: E402
from .creation import _constant, _copy_of, astype  # noqa: E402
