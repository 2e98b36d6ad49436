"""`np.histogram` and `np.histogram_bin_edges` with a count of equal bins:
NumPy's own arithmetic step for step (edges by `linspace`, positions by
`(x - first) / width * n`, the two corrections against the edges), with
its value-dependent steps as selects (the ±0.5 widening of an empty range,
the elements outside the range left out) and its ValueError for a range that
is not finite raised when the plan runs. Counting is one `bincount` op."""

from __future__ import annotations

import numpy as np

from .._trace import GraphBreak, Proxy
from . import FUNCTIONS, UFUNCS, _record, _reduce, _register, _take, astype, check, concatenate, getitem, operand
from . import ravel, reshape, where

add, subtract, multiply, divide = UFUNCS["add"], UFUNCS["subtract"], UFUNCS["multiply"], UFUNCS["true_divide"]


def _bins(bins):
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)):
        raise GraphBreak("np.histogram with bins other than a count is not compiled yet")
    if bins < 1:
        raise ValueError("`bins` must be positive, when an integer")
    return int(bins)


def _linspace(first, last, num, dtype):
    """NumPy's linspace of 0-d `first`/`last` (endpoint=True) in `dtype`."""
    delta = subtract(last, first, dtype=dtype)
    y = operand(np.arange(0, num, dtype=dtype))
    div = num - 1
    if div > 0:
        step = divide(delta, div)
        y = where(UFUNCS["equal"](step, 0), multiply(divide(y, div), delta), multiply(y, step))
    else:
        y = multiply(y, delta)
    y = add(y, first)
    y = y if y.dtype == dtype else astype(y, dtype)
    if num > 1:
        stop = last if last.dtype == dtype else astype(last, dtype)
        y = concatenate([getitem(y, slice(0, num - 1)), reshape(stop, (1,))])
    return y


def _edges(a, bins, range):
    """(edges, first, last, widened): NumPy's `_get_bin_edges` for a count."""
    if range is not None:
        if any(isinstance(x, Proxy) for x in range):
            raise GraphBreak("np.histogram with a traced range is not compiled yet")
        first, last = range
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
        if first == last:
            first, last = first - 0.5, last + 0.5
        bin_type = np.result_type(first, last, np.empty(0, a.dtype))
        bin_type = bin_type if bin_type.kind in "fc" else np.dtype(np.float64)
        static = np.linspace(first, last, bins + 1, endpoint=True, dtype=bin_type)
        if np.any(static[:-1] >= static[1:]):
            raise ValueError(f"Too many bins for data range. Cannot create {bins} finite-sized bins.")
        return operand(static), first, last, None
    if a.size == 0:
        edges = operand(np.linspace(0, 1, bins + 1, endpoint=True, dtype=np.result_type(0, 1, np.empty(0, a.dtype), 0.0)))
        return edges, 0, 1, None
    first, last = _reduce("min", a), _reduce("max", a)
    if a.dtype.kind == "f":
        check("range_not_finite", UFUNCS["logical_not"](UFUNCS["logical_and"](UFUNCS["isfinite"](first), UFUNCS["isfinite"](last))))
    bin_type = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    equal = UFUNCS["equal"](first, last)
    firstf, lastf = (x if x.dtype == bin_type else astype(x, bin_type) for x in (first, last))
    firstf = where(equal, subtract(firstf, 0.5), firstf)
    lastf = where(equal, add(lastf, 0.5), lastf)
    for x in (firstf, lastf):
        x._scalar = True
    edges = _linspace(firstf, lastf, bins + 1, bin_type)
    check("too_many_bins", _reduce("any", UFUNCS["greater_equal"](getitem(edges, slice(0, -1)), getitem(edges, slice(1, None)))))
    return edges, firstf, lastf, (equal, first, last)


def _width(first, last, widened):
    """NumPy's `_unsigned_subtract(last, first)`: integer edges subtract as unsigned."""
    if widened is None or widened[1].dtype.kind == "f":
        return subtract(last, first)
    equal, lo, hi = widened
    exact = astype(subtract(astype(hi, np.uint64), astype(lo, np.uint64)), np.float64)
    return where(equal, subtract(last, first), exact)


@_register(FUNCTIONS, "histogram_bin_edges")
def histogram_bin_edges(a, bins=10, range=None, weights=None):
    a = ravel(operand(a))
    if a.dtype.kind not in "iuf":
        raise GraphBreak(f"np.histogram of {a.dtype} is not compiled yet")
    edges = _edges(a, _bins(bins), range)[0]
    edges._scalar = False
    return edges


@_register(FUNCTIONS, "histogram")
def histogram(a, bins=10, range=None, density=None, weights=None):
    shape = operand(a).shape
    a = ravel(operand(a))
    if a.dtype.kind not in "iuf":
        raise GraphBreak(f"np.histogram of {a.dtype} is not compiled yet")
    if weights is not None:
        weights = operand(weights)
        if weights.shape != shape:
            raise ValueError("weights should have the same shape as a.")
        weights = ravel(weights)
        if weights.dtype.kind not in "biuf":
            raise GraphBreak(f"np.histogram with weights of {weights.dtype} is not compiled yet")
    n_bins = _bins(bins)
    edges, first, last, widened = _edges(a, n_bins, range)
    keep = UFUNCS["logical_and"](UFUNCS["greater_equal"](a, first), UFUNCS["less_equal"](a, last))
    x = a if a.dtype == edges.dtype else astype(a, edges.dtype)
    f = multiply(divide(subtract(x, first), _width(first, last, widened)), n_bins)
    # A position that is not finite (a range too wide for the dtype) is NumPy's
    # IndexError from its edges; no take may fail first.
    finite = UFUNCS["isfinite"](f)
    if widened is not None:
        check("bin_index", _reduce("any", UFUNCS["logical_and"](keep, UFUNCS["logical_not"](finite))))
    pos = astype(where(UFUNCS["logical_and"](keep, finite), f, 0), np.int64)
    pos = where(UFUNCS["equal"](pos, n_bins), n_bins - 1, pos)
    pos = where(UFUNCS["less"](x, _take(edges, pos, 0)), subtract(pos, 1), pos)
    up = UFUNCS["logical_and"](UFUNCS["greater_equal"](x, _take(edges, add(pos, 1), 0)), UFUNCS["not_equal"](pos, n_bins - 1))
    pos = where(up, add(pos, 1), pos)
    pos = where(keep, pos, n_bins)  # one extra bin for what the range leaves out
    if weights is None:
        counts = _record(f"bincount[length={n_bins + 1},weighted=false]", pos)
    else:
        w = weights if weights.dtype == np.float64 else astype(weights, np.float64)
        counts = _record(f"bincount[length={n_bins + 1},weighted=true]", pos, w)
    counts = getitem(counts, slice(0, n_bins))
    if weights is not None and counts.dtype != weights.dtype:
        counts = astype(counts, weights.dtype)
    if density:
        widths = astype(subtract(getitem(edges, slice(1, None)), getitem(edges, slice(0, -1))), np.float64)
        counts = divide(divide(counts, widths), _reduce("sum", counts))
    counts._scalar = edges._scalar = False
    return counts, edges
