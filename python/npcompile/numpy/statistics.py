"""Order statistics and NaN-aware arg-reductions over traced arrays.

`np.percentile`/`np.quantile` run NumPy's own Python except its private
`_quantile`, whose last step is a value-dependent `if` (slices holding NaN
take the partition's last element): here that step is a select. The partition
itself is NumPy's kernel in the plan (`host.py`), so every method gives
NumPy's values. `nanargmax`/`nanargmin` raise NumPy's "All-NaN slice" when the
plan runs; `asarray_chkfinite` its "must not contain infs or NaNs"."""

from __future__ import annotations

import numpy as np
from numpy.lib import _function_base_impl as _impl

from .._trace import GraphBreak, Proxy
from . import CREATION, FUNCTIONS, INTERNALS, UFUNCS, _reduce, _register, asarray, check, operand, where


def _quantile(arr, quantiles, axis=-1, method="linear", out=None, weights=None, weak_q=False):
    """NumPy's `_quantile` (unweighted), its NaN step as a select."""
    if weights is not None:
        raise GraphBreak("np.quantile with weights= is not compiled yet")
    if out is not None:
        raise GraphBreak("np.quantile with out= is not compiled yet")
    arr = operand(arr)
    values_count = arr.shape[axis]
    if axis != 0:
        arr = np.moveaxis(arr, axis, destination=0)
    supports_nans = arr.dtype.kind in "fc"
    try:
        method_props = _impl._QuantileMethods[method]
    except KeyError:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {_impl._QuantileMethods.keys()}") from None
    virtual_indexes = np.asanyarray(method_props["get_virtual_index"](values_count, quantiles))
    if isinstance(virtual_indexes, np.ndarray) is False or virtual_indexes.dtype.kind not in "iuf":
        raise GraphBreak("np.quantile at traced quantiles is not compiled yet")
    if method_props["fix_gamma"] is None:
        supports_integers = True
    else:
        supports_integers = method == "linear" and virtual_indexes.dtype.kind in "iu"
    if supports_integers:
        kth = np.concatenate((virtual_indexes.ravel(), [-1])) if supports_nans else virtual_indexes.ravel()
        arr.partition(kth, axis=0)
        result = FUNCTIONS["take"](arr, virtual_indexes, axis=0)
    else:
        previous_indexes, next_indexes = _impl._get_indexes(arr, virtual_indexes, values_count)
        arr.partition(np.unique(np.concatenate(([0, -1], previous_indexes.ravel(), next_indexes.ravel()))), axis=0)
        previous, next_ = arr[previous_indexes], arr[next_indexes]
        gamma = _impl._get_gamma(virtual_indexes, previous_indexes, method_props)
        if weak_q:
            gamma = float(gamma)
        else:
            gamma = gamma.reshape(virtual_indexes.shape + (1,) * (arr.ndim - 1))
        result = _lerp(previous, next_, gamma)
    if supports_nans:
        # NaN sorts last: a slice holding one gives NaN (its last element).
        last = arr[-1, ...]
        if result.ndim == 0 and last.dtype != result.dtype:
            # NumPy returns that element itself (its dtype) for a 0-d result: the
            # result's dtype would depend on the values.
            raise GraphBreak("np.quantile of one slice in another dtype than the data's (NaN decides it)")
        result = where(UFUNCS["isnan"](last), last, result)
    result._scalar = result.ndim == 0  # NumPy's take and _lerp unpack 0-d results
    return result


INTERNALS[_impl._quantile] = _quantile


def _lerp(a, b, t):
    """NumPy's `_lerp`: a + (b - a) t, and b - (b - a)(1 - t) where t >= 0.5
    (computed in the first's dtype). Spelled out: NumPy strips its `out=...`
    before a traced array sees the call."""
    add, subtract, multiply = UFUNCS["add"], UFUNCS["subtract"], UFUNCS["multiply"]
    diff = subtract(b, a)
    low = add(a, multiply(diff, t))
    high = subtract(b, multiply(diff, subtract(1, t)), dtype=low.dtype)
    r = where(UFUNCS["greater_equal"](t, 0.5), high, low)
    r._scalar = False
    return r


def _nan_arg(kind, fill, a, axis, out, keepdims):
    a = operand(a)
    if a.dtype.kind in "fc":
        mask = UFUNCS["isnan"](a)
        if a.size:
            check("all_nan", _reduce("any", _reduce("all", mask, axis=axis)))
        a = where(mask, fill, a)
    kwargs = {} if keepdims is np._NoValue else {"keepdims": keepdims}
    return FUNCTIONS[kind](a, axis=axis, out=out, **kwargs)


@_register(FUNCTIONS, "nanargmax")
def nanargmax(a, axis=None, out=None, *, keepdims=np._NoValue):
    """NumPy's: NaN replaced by -inf, then argmax (so [nan, -inf] gives 0)."""
    return _nan_arg("argmax", -np.inf, a, axis, out, keepdims)


@_register(FUNCTIONS, "nanargmin")
def nanargmin(a, axis=None, out=None, *, keepdims=np._NoValue):
    return _nan_arg("argmin", np.inf, a, axis, out, keepdims)


@_register(CREATION, "asarray_chkfinite")  # NumPy does not dispatch it: the tracing namespace's
def asarray_chkfinite(a, dtype=None, order=None):
    if not isinstance(a, Proxy):
        return np.asarray_chkfinite(a, dtype=dtype, order=order)
    a = asarray(a, dtype=dtype, order=order)
    if a.dtype.kind in "fc":
        check("not_finite", UFUNCS["logical_not"](_reduce("all", UFUNCS["isfinite"](a))))
    return a
