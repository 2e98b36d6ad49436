"""Reductions: `_reduce` (sum, prod, mean, any, all, max, min, with
`where=`/`initial=`), var and std, argmax/argmin, the cumulative sums and
products, the NaN-ignoring reductions, median, count_nonzero, the whole-array
comparisons that NumPy returns as a Python bool (allclose, array_equal,
array_equiv), and the ndarray methods of these."""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._trace import GraphBreak
from .core import (FUNCTIONS, UFUNCS, _check_output_writeable, _is_int, _no, _record, _register, _single_out, _store,
                   _tuple, numpy_raises, operand, output_casting_error)


# ---- cumulative reductions ----------------------------------------------

def _accumulator(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind not in "biufc":
        raise GraphBreak(f"a reduction with dtype={dtype} is not compiled yet")
    return dtype


def _in_dtype(r, dtype):
    """NumPy's reduction in `dtype`: integers wrap there, so summing in int64 and
    casting back gives the same bits; a bool sum is a logical or (nonzero)."""
    return r if r.dtype == dtype else astype(r, dtype)


def _cumulative(kind):
    def f(a, axis=None, dtype=None, out=None):
        if out is not None:
            _check_output_writeable(out)
            # NumPy's accumulate casts into out= unsafely.
            return _store(kind, out, f(a, axis=axis, dtype=dtype), "unsafe")
        a = operand(a)
        if axis is None or a.ndim == 0:  # NumPy flattens (a 0-d array becomes 1-d)
            axis = 0 if axis is None else normalize_axis_index(axis, 1)
            a = ravel(a)
        axis = normalize_axis_index(axis, a.ndim)
        if dtype is None:
            return _record(f"{kind}[axis={axis}]", a)
        dtype = _accumulator(dtype)
        return _in_dtype(_record(f"{kind}[axis={axis}]", astype(a, dtype)), dtype)

    f.__name__ = kind
    return f


FUNCTIONS["cumsum"] = _cumulative("cumsum")
FUNCTIONS["cumprod"] = _cumulative("cumprod")


# ---- reductions ---------------------------------------------------------

def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))


def _reduce(kind, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    initial = None if initial is np._NoValue else initial
    where = None if where is np._NoValue or where is True else where
    keepdims = False if keepdims is np._NoValue else keepdims
    if initial is not None or where is not None:
        return _reduce_masked(kind, a, axis, dtype, out, keepdims, initial, where)
    out = _single_out(out, kind)
    a = operand(a)
    if kind != "mean" and a.ndim == 0 and _is_int(axis) and axis in (0, -1):
        axis = ()  # NumPy's ufunc reductions let axis 0 and -1 slip through for 0-d arrays
    axes = _axes(axis, a.ndim)
    if dtype is None and kind == "mean" and a.dtype.kind == "c":
        r = _reduce_in(kind, a, axes, keepdims, a.dtype)  # the sum over a complex count: NumPy's division
    elif dtype is None:
        r = _reduce_op(kind, a, axes, keepdims)
    else:
        r = _reduce_in(kind, a, axes, keepdims, _accumulator(dtype))
    r._scalar = r.ndim == 0
    if out is not None:
        if out.shape != r.shape:
            raise ValueError(f"output parameter for reduction operation {kind} has the wrong number of dimensions")
        return _store(kind, out, r)
    return r


_IDENTITY = {"sum": 0, "prod": 1, "mean": 0, "any": False, "all": True}
_REDUCTION_FUNCTION = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "max": np.max, "min": np.min,
                       "any": np.any, "all": np.all}


def _reduce_masked(kind, a, axis, dtype, out, keepdims, initial, mask):
    """A reduction with `where=` and/or `initial=`: masked-out elements become
    the identity (or `initial`, which max and min need with a mask), and
    `initial` joins the result. NumPy's own errors first, on stand-ins."""
    a = operand(a)
    extra = {} if initial is None else {"initial": initial}
    if mask is not None:
        extra["where"] = mask
    if kind in ("sum", "prod", "mean"):
        extra["dtype"] = dtype
    numpy_raises(_REDUCTION_FUNCTION[kind], a, axis=axis, keepdims=keepdims, **extra)
    if initial is not None and kind in ("any", "all", "mean"):
        raise GraphBreak(f"np.{kind} with initial= is not compiled yet")
    axes = _axes(axis, a.ndim)
    if any(a.shape[i] == 0 for i in axes) or (a.ndim and a.size == 0):
        raise GraphBreak(f"np.{kind} with where= or initial= over an empty axis is not compiled yet")
    count = None
    if mask is not None:
        m = operand(mask)
        if np.broadcast_shapes(m.shape, a.shape) != a.shape:
            raise GraphBreak(f"np.{kind} with a where= mask wider than the array is not compiled yet")
        if m.dtype != np.bool_:
            m = astype(m, np.bool_)
        if kind == "mean":
            count = _reduce("sum", broadcast_to(m, a.shape), axis=axis, dtype=np.intp, keepdims=keepdims)
        fill = _IDENTITY.get(kind, initial)
        a = where(m, a, fill)
        a._scalar = False
    if kind == "mean":
        if dtype is None:
            dtype = {"b": np.float64, "i": np.float64, "u": np.float64}.get(a.dtype.kind, a.dtype)
        total = _reduce("sum", a, axis=axis, dtype=np.float32 if np.dtype(dtype) == np.float16 else dtype,
                        keepdims=keepdims)
        r = _in_dtype(UFUNCS["true_divide"](total, count), np.dtype(dtype))
    else:
        r = _reduce(kind, a, axis=axis, dtype=dtype, keepdims=keepdims)
        if initial is not None:
            join = {"sum": "add", "prod": "multiply", "max": "maximum", "min": "minimum"}[kind]
            r = _in_dtype(UFUNCS[join](r, initial), r.dtype)
    r._scalar = r.ndim == 0
    out = _single_out(out, kind)
    return r if out is None else _store(kind, out, r)


def _reduce_op(kind, a, axes, keepdims):
    return _record(f"{kind}[axes={_tuple(axes)},keepdims={str(bool(keepdims)).lower()}]", a)


def _reduce_in(kind, a, axes, keepdims, dtype):
    """sum, prod or mean with `dtype=`: the operand cast to `dtype` and reduced
    there. NumPy's mean divides the sum in `dtype` by the count (true_divide,
    cast back unsafely: an integer mean truncates)."""
    if dtype.kind == "b" and kind in ("sum", "prod"):
        return _reduce_op("any" if kind == "sum" else "all", astype(a, dtype), axes, keepdims)
    if kind in ("sum", "prod"):
        return _in_dtype(_record(f"{kind}[axes={_tuple(axes)},keepdims={str(bool(keepdims)).lower()}{',buffered=true' if kind == 'sum' and a.dtype != dtype and dtype.kind in 'fc' else ''}]", astype(a, dtype)), dtype)  # buffered: NumPy's on-the-fly cast (its float sum adds 8192 at a time)
    total = _reduce_in("sum", a, axes, keepdims, dtype)
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return _in_dtype(UFUNCS["true_divide"](total, count), dtype)





def _reduction(kind):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return _reduce(kind, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)

    f.__name__ = kind
    return f


def _bool_reduction(kind):
    def f(a, axis=None, out=None, keepdims=False, *, where=None):
        return _reduce(kind, a, axis=axis, out=out, keepdims=keepdims, where=where)

    f.__name__ = kind
    return f


def _minmax(kind):
    def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(kind, a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)

    f.__name__ = kind
    return f


FUNCTIONS["sum"] = _reduction("sum")
FUNCTIONS["prod"] = _reduction("prod")
FUNCTIONS["mean"] = _reduction("mean")
FUNCTIONS["any"] = _bool_reduction("any")
FUNCTIONS["all"] = _bool_reduction("all")
FUNCTIONS["max"] = FUNCTIONS["amax"] = _minmax("max")
FUNCTIONS["min"] = FUNCTIONS["amin"] = _minmax("min")


def _variance(kind):
    """np.var / np.std as NumPy's _var computes them: the mean (float64 for ints
    and bools) kept as a 0-d-per-lane array, the squared deviations (|z|^2 as
    re^2 + im^2 for complex), summed and divided by max(n - ddof, 0)."""

    def f(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue, mean=np._NoValue,
          correction=np._NoValue):
        _no({"out": out, "where": None if where is np._NoValue or where is True else where,
             "mean": None if mean is np._NoValue else mean}, f"np.{kind}")
        if correction is not np._NoValue:
            if ddof != 0:
                raise ValueError("ddof and correction can't be provided simultaneously.")
            ddof = correction
        a = operand(a)
        axes = _axes(axis, a.ndim)
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.float64
        if dtype is not None:
            dtype = _accumulator(dtype)
        count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))

        def total(x, keep):
            return _reduce_op("sum", x, axes, keep) if dtype is None else _reduce_in("sum", x, axes, keep, dtype)

        mean_ = total(a, True)
        mean_ = _in_dtype(UFUNCS["true_divide"](mean_, count), mean_.dtype)
        dev = UFUNCS["subtract"](a, mean_)
        if dev.dtype.kind == "c":
            re, im = real(dev), imag(dev)
            sq = UFUNCS["add"](UFUNCS["multiply"](re, re), UFUNCS["multiply"](im, im))
        else:
            sq = UFUNCS["multiply"](dev, dev)
        r = total(sq, keepdims)
        r = _in_dtype(UFUNCS["true_divide"](r, max(count - ddof, 0)), r.dtype)
        if kind == "std" and r.dtype.kind in "biu":
            # NumPy takes the root into the result: a scalar converts, an array
            # cannot hold the float root (same_kind).
            root = UFUNCS["sqrt"](r)
            if r.ndim > 0:
                raise output_casting_error("sqrt", root.dtype, r.dtype)
            r = astype(root, r.dtype)
        elif kind == "std":
            r = UFUNCS["sqrt"](r)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = kind
    return f


FUNCTIONS["var"] = _variance("var")
FUNCTIONS["std"] = _variance("std")


def _arg_reduction(kind):
    def f(a, axis=None, out=None, *, keepdims=False):
        _no({"out": out}, f"np.{kind}")
        a = operand(a)
        if a.ndim == 0 and _is_int(axis) and axis in (0, -1):
            axis = None  # NumPy views a 0-d array as 1-d here
        ax = "None" if axis is None else str(normalize_axis_index(axis, a.ndim))
        r = _record(f"{kind}[axis={ax},keepdims={str(bool(keepdims)).lower()}]", a)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = kind
    return f


FUNCTIONS["argmax"] = _arg_reduction("argmax")
FUNCTIONS["argmin"] = _arg_reduction("argmin")


# ---- methods ------------------------------------------------------------

def method_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["sum"](a, axis, dtype, out, keepdims, **kw)


def method_prod(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["prod"](a, axis, dtype, out, keepdims, **kw)


def method_mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["mean"](a, axis, dtype, out, keepdims, **kw)


def method_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return FUNCTIONS["var"](a, axis, dtype, out, ddof, keepdims, **kw)


def method_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return FUNCTIONS["std"](a, axis, dtype, out, ddof, keepdims, **kw)


def method_max(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["max"](a, axis, out, keepdims, **kw)


def method_min(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["min"](a, axis, out, keepdims, **kw)


def method_any(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["any"](a, axis, out, keepdims, **kw)


def method_all(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["all"](a, axis, out, keepdims, **kw)


def method_cumsum(a, axis=None, dtype=None, out=None):
    return FUNCTIONS["cumsum"](a, axis, dtype, out)


def method_cumprod(a, axis=None, dtype=None, out=None):
    return FUNCTIONS["cumprod"](a, axis, dtype, out)


def method_argmax(a, axis=None, out=None, *, keepdims=False):
    return FUNCTIONS["argmax"](a, axis, out, keepdims=keepdims)


def method_argmin(a, axis=None, out=None, *, keepdims=False):
    return FUNCTIONS["argmin"](a, axis, out, keepdims=keepdims)


def _python_bool(r):
    """A traced bool that NumPy returns as a Python bool (`bool(...)` of it):
    returned as one; a Python `if` on it is still a graph break."""
    r._scalar = 2
    return r


@_register(FUNCTIONS, "allclose")
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _python_bool(_reduce("all", np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@_register(FUNCTIONS, "array_equal")
def array_equal(a1, a2, equal_nan=False):
    a1, a2 = operand(a1), operand(a2)
    if a1.shape != a2.shape:
        return False
    same = UFUNCS["equal"](a1, a2)
    if equal_nan and a1.dtype.kind in "fc" and a2.dtype.kind in "fc":
        same = UFUNCS["logical_or"](same, UFUNCS["logical_and"](UFUNCS["isnan"](a1), UFUNCS["isnan"](a2)))
    return _python_bool(_reduce("all", same))


@_register(FUNCTIONS, "array_equiv")
def array_equiv(a1, a2):
    a1, a2 = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(a1.shape, a2.shape)
    except ValueError:
        return False
    return _python_bool(_reduce("all", UFUNCS["equal"](a1, a2)))


# ---- NaN-ignoring reductions ---------------------------------------------
# NumPy's nan* functions as NumPy computes them, without their warnings for
# all-NaN slices (a check on the values; the results are NumPy's NaN).

def _nan_args(name, a, out, kwargs):
    _no({"out": out, **{k: v for k, v in kwargs.items() if v is not np._NoValue}}, f"np.{name}")
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak(f"np.{name} of complex values is not compiled yet")
    return a


def _nan_extreme(kind):
    def f(a, axis=None, out=None, keepdims=False, **kwargs):
        a = _nan_args(f"nan{kind}", a, out, kwargs)
        keepdims = False if keepdims is np._NoValue else keepdims
        if a.dtype.kind != "f":
            return _reduce(kind, a, axis=axis, keepdims=keepdims)
        nan = UFUNCS["isnan"](a)
        filled = where(nan, -np.inf if kind == "max" else np.inf, a)
        r = _reduce(kind, filled, axis=axis, keepdims=keepdims)
        r = where(_reduce("all", nan, axis=axis, keepdims=keepdims), np.nan, r)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = f"nan{kind}"
    return f


FUNCTIONS["nanmax"] = _nan_extreme("max")
FUNCTIONS["nanmin"] = _nan_extreme("min")


def _nan_sum_count(a, axis, dtype, keepdims):
    nan = UFUNCS["isnan"](a)
    arr = where(nan, 0, a)
    arr._scalar = False
    count = _reduce("sum", UFUNCS["logical_not"](nan), axis=axis, dtype=np.intp, keepdims=keepdims)
    total = _reduce("sum", arr, axis=axis, dtype=dtype, keepdims=keepdims)
    return arr, nan, total, count


def _divide_by_count(total, count):
    """NumPy's `_divide_by_count`: the division kept in the total's dtype."""
    r = UFUNCS["true_divide"](total, count)
    r = r if r.dtype == total.dtype else astype(r, total.dtype)
    r._scalar = r.ndim == 0
    return r


@_register(FUNCTIONS, "nanmean")
def nanmean(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, *, where=np._NoValue):
    a = _nan_args("nanmean", a, out, {"where": where})
    keepdims = False if keepdims is np._NoValue else keepdims
    if a.dtype.kind != "f":
        return _reduce("mean", a, axis=axis, dtype=dtype, keepdims=keepdims)
    _, _, total, count = _nan_sum_count(a, axis, dtype, keepdims)
    return _divide_by_count(total, count)


@_register(FUNCTIONS, "nanvar")
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
           mean=np._NoValue, correction=np._NoValue):
    a = _nan_args("nanvar", a, out, {"where": where, "mean": mean, "correction": correction})
    keepdims = False if keepdims is np._NoValue else keepdims
    if a.dtype.kind != "f":
        return FUNCTIONS["var"](a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    arr, nan, avg, count = _nan_sum_count(a, axis, dtype, True)
    avg = _divide_by_count(avg, count)
    dev = UFUNCS["subtract"](arr, avg)
    dev = FUNCTIONS["where"](nan, 0, dev if dev.dtype == arr.dtype else astype(dev, arr.dtype))
    var = _reduce("sum", UFUNCS["multiply"](dev, dev), axis=axis, dtype=dtype, keepdims=keepdims)
    if not keepdims:
        count = reshape(count, var.shape)
    dof = UFUNCS["subtract"](count, ddof)
    var = _divide_by_count(var, dof)
    var = FUNCTIONS["where"](UFUNCS["less_equal"](dof, 0), np.nan, var)
    var._scalar = var.ndim == 0
    return var


@_register(FUNCTIONS, "nanstd")
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
           mean=np._NoValue, correction=np._NoValue):
    var = nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                 correction=correction)
    r = UFUNCS["sqrt"](var)
    r._scalar = r.ndim == 0
    return r


@_register(FUNCTIONS, "count_nonzero")
def count_nonzero(a, axis=None, *, keepdims=False):
    a = operand(a)
    return _reduce("sum", UFUNCS["not_equal"](a, 0), axis=axis, dtype=np.intp, keepdims=keepdims)


@_register(FUNCTIONS, "median")
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """NumPy's median: the mean of the middle one or two of the sorted values
    (NaN sorts last: a lane holding NaN is NaN)."""
    _no({"out": out}, "np.median")
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak("np.median of complex values is not compiled yet")
    if isinstance(axis, (tuple, list)):
        raise GraphBreak("np.median over several axes is not compiled yet")
    if a.size == 0 or (axis is not None and a.ndim and a.shape[normalize_axis_index(axis, a.ndim)] == 0):
        raise GraphBreak("np.median of an empty array (NumPy warns and gives NaN)")
    flat = axis is None
    ax = 0 if flat else normalize_axis_index(axis, a.ndim)
    s = sort(ravel(a) if flat else a, axis=ax)
    n = s.shape[ax]
    hi = n // 2 + 1
    lo = hi - 1 - (n % 2 == 0)
    before = (slice(None),) * ax
    m = _reduce("mean", getitem(s, before + (slice(lo, hi),)), axis=ax)
    if a.dtype.kind in "fc":
        last = getitem(s, before + (-1,))
        m = where(UFUNCS["isnan"](last), last, m)
    m._scalar = m.ndim == 0
    if keepdims:
        m = reshape(m, (1,) * a.ndim if flat else tuple(1 if d == ax else n_ for d, n_ in enumerate(a.shape)))
    return m


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .elementwise import imag, real, where  # noqa: E402
from .shapes import broadcast_to, ravel, reshape  # noqa: E402
from .indexing import getitem  # noqa: E402
from .creation import astype  # noqa: E402
from .sorting import sort  # noqa: E402
