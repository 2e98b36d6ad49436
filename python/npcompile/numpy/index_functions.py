"""Index-driven functions over traced arrays: np.insert, np.delete, np.block,
np.choose, np.compress, np.put, np.put_along_axis, np.ravel_multi_index,
np.unravel_index, np.isin (and ndarray.choose, .compress, .put).

Positions known while tracing (Python ints, lists, slices: an array in the
traced code is traced) are worked out by NumPy itself on small stand-ins (its
arithmetic on them, its errors); the traced values then move by one take.
Writes at traced positions are a select over a "last writer" per position,
found by a stable sort of the positions (NumPy's last write wins).

NumPy raises ValueError for an out-of-range entry of np.choose and
np.ravel_multi_index in mode 'raise', and of np.unravel_index; no plan op
raises those when run, so those compile only where the dtype keeps every
value in range (bools, narrow unsigned ints) or the entries are static."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._trace import GraphBreak, Proxy, c_strides, warn_every_call, write
from . import (CREATION, FUNCTIONS, METHODS, UFUNCS, _assigned, _constant, _copy_of, _flatten, _is_int, _record, _reduce,
               _register, _take, _tuple, _argsort_stable, astype, broadcast_to, check, concatenate, getitem,
               operand, searchsorted, sort, transpose, where)



# ---- helpers -------------------------------------------------------------

_HELD = "held in an array (traced, global, or made by np.array in the function: not known while tracing)"


def _holds_traced(x):
    return isinstance(x, Proxy) or (isinstance(x, (list, tuple)) and any(isinstance(i, Proxy) for i in _flatten(x)))


def _shadow(x):
    """`x` as NumPy sees it for an outcome that depends only on dtypes, the
    number of dimensions and static values: a traced array as zeros of its
    dtype with every side 1 (it broadcasts with anything: the caller checks
    the shapes) unless it is empty, a NumPy scalar as a zero one. Static
    values stay."""
    if isinstance(x, (list, tuple)):
        return type(x)(_shadow(i) for i in x)
    if isinstance(x, Proxy):
        return x.dtype.type(0) if x._scalar else np.zeros(x.shape if x.size == 0 else (1,) * x.ndim, x.dtype)
    return x


def _broadcast_shape(shapes, error=None):
    """The shapes broadcast together, else `error` (np.broadcast_shapes's own
    ValueError where None)."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        if error is None:
            raise
        raise error from None


def _flat(a):
    """a's values in C order, one axis (a value, not a view of a)."""
    return _record(f"reshape[shape={_tuple((a.size,))}]", a)


def _c_ordered(a):
    return a._contig and a._layout is None


def _fresh_order(r, a):
    """NumPy allocates these results in the input's order ('F' for a Fortran
    array): not known here unless the input is C-ordered."""
    if r.ndim >= 2 and not _c_ordered(a):
        r._contig, r._layout = False, "maybe"
    return r


def _axis_positions(a, axis):
    """(the array the positions index, the axis, positions 0..n-1 along the
    axis in an array of that many dimensions) for NumPy's own index functions
    to work on; axis=None is a's ravel."""
    if axis is None:
        src = a if a.ndim == 1 else _flat(a)
        return src, 0, np.arange(src.size)
    axis = normalize_axis_index(axis, a.ndim)
    n = a.shape[axis]
    return a, axis, np.arange(n).reshape([n if d == axis else 1 for d in range(a.ndim)])


def _pick(a, positions, axis):
    """`a` at static positions along `axis` (a new C-ordered array)."""
    positions = np.asarray(positions, dtype=np.intp)
    steps = np.diff(positions)
    if positions.size and (steps == 1).all():
        start = int(positions[0])
        return _copy_of(getitem(a, (slice(None),) * axis + (slice(start, start + positions.size),)))
    return _take(a, _constant(positions), axis)


def _clipmode(mode):
    """NumPy's clip mode converter (its errors: run on an empty put)."""
    np.put(np.zeros(1), np.zeros(0, np.intp), [], mode=mode)
    if mode is None:
        return "raise"
    if isinstance(mode, str) and mode in ("raise", "wrap", "clip"):
        return mode
    if _is_int(mode) and 0 <= int(mode) <= 2:
        return ("clip", "wrap", "raise")[int(mode)]
    raise GraphBreak(f"mode={mode!r} is not compiled yet")


def _within(x, n):
    """Whether every value of integer index `x` is in [0, n) whatever it holds:
    no entries, or a dtype that cannot hold a negative or an n (bool, narrow
    unsigned ints)."""
    if not isinstance(x, Proxy) or x.size == 0:
        return True
    if x.dtype.kind == "b":
        return n >= 2
    return x.dtype.kind == "u" and np.iinfo(x.dtype).max < n


def _check_range(kind, k, n):
    """NumPy's ValueError `kind` when the plan runs, where an index of `k` is outside 0..n-1."""
    k = operand(k)
    check(kind, _reduce("any", UFUNCS["logical_or"](UFUNCS["less"](k, 0), UFUNCS["greater_equal"](k, n))))


def _text(shape):
    """A shape as NumPy's C messages spell it: (2,3)."""
    return str(tuple(shape)).replace(" ", "")


def _stored(a, value, shape, fancy):
    """`value` as NumPy stores it into `shape` elements of `a` (its conversion
    and broadcast): of a's dtype and of `shape`."""
    v = _assigned(a, value, shape)
    try:
        fits = np.broadcast_shapes(v.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        if fancy:
            raise ValueError(f"shape mismatch: value array of shape {_text(v.shape)} could not be broadcast to "
                             f"indexing result of shape {_text(shape)}")
        raise ValueError(f"could not broadcast input array from shape {_text(v.shape)} into shape {_text(shape)}")
    v = v if v.dtype == a.dtype else astype(v, a.dtype)
    return v if v.shape == shape else broadcast_to(v, shape)


def _scatter_last(a, positions, values):
    """a's new value after `a.flat[positions[k]] = values[k]` for each k in
    order (1-D, traced; positions in range): where positions repeat the last
    write wins, as in NumPy. The last writer of each position is the last of
    its run in a stable sort of the positions."""
    order = _argsort_stable(positions, 0)
    ordered = _take(positions, order, 0)
    targets = _constant(np.arange(a.size))
    last = UFUNCS["subtract"](searchsorted(ordered, targets, side="right"), 1)
    at = UFUNCS["maximum"](last, 0)
    hit = UFUNCS["logical_and"](UFUNCS["greater_equal"](last, 0), UFUNCS["equal"](_take(ordered, at, 0), targets))
    picked = _take(values, _take(order, at, 0), 0)
    new = where(FUNCTIONS["reshape"](hit, a.shape), FUNCTIONS["reshape"](picked, a.shape), a)
    new._scalar = False
    return new


# ---- np.delete, np.insert ------------------------------------------------

@_register(FUNCTIONS, "delete")
def delete(arr, obj, axis=None):
    """np.delete at static positions (an int, a slice, a list of ints or bools):
    the kept positions are NumPy's own np.delete of the positions along the
    axis (its IndexError and ValueError included), taken from `arr`."""
    if _holds_traced(obj):
        raise GraphBreak(f"np.delete at positions {_HELD}: they decide the result's shape")
    a = operand(arr)
    src, axis, positions = _axis_positions(a, axis)
    kept = np.delete(positions, obj, axis=axis).ravel()
    if isinstance(obj, slice) or (isinstance(obj, (int, np.integer)) and not isinstance(obj, bool)):
        fancy = False
    else:
        o = np.asarray(obj)
        fancy = not (o.size == 1 and o.dtype.kind in "ui")
    if fancy:
        # NumPy indexes with the boolean mask of kept positions: its layout.
        return getitem(src, (slice(None),) * axis + (kept,))
    return _fresh_order(_pick(src, kept, axis), a)


@_register(FUNCTIONS, "insert")
def insert(arr, obj, values, axis=None):
    """np.insert at static positions (an int, a slice, a list of ints or bools):
    NumPy's own arithmetic on the positions and its conversions of `values`
    (an int position takes `values` as np.array(values, dtype=arr.dtype),
    several take them as a store does), then one take from `arr` and the
    values side by side."""
    if _holds_traced(obj):
        raise GraphBreak(f"np.insert at positions {_HELD}: they decide the result's shape")
    a = operand(arr)
    src = a
    if axis is None:
        src, axis = (a if a.ndim == 1 else _flat(a)), 0
    else:
        axis = normalize_axis_index(axis, a.ndim)
    n = src.shape[axis]
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(n), dtype=np.intp)
    else:
        indices = np.array(obj)
        if indices.dtype == bool:
            if obj.ndim != 1:  # NumPy asks the object itself (a list raises AttributeError)
                raise ValueError("boolean array argument obj to insert must be one dimensional")
            indices = np.flatnonzero(obj)
        elif indices.ndim > 1:
            raise ValueError("index array argument obj to insert must be one dimensional or scalar")
    if indices.size == 1:
        index = indices.item()
        if index < -n or index > n:
            raise IndexError(f"index {obj} is out of bounds for axis {axis} with size {n}")
        if index < 0:
            index += n
        v = CREATION["array"](values, copy=None, ndmin=src.ndim, dtype=src.dtype)
        if indices.ndim == 0:
            # NumPy's np.moveaxis(values, 0, axis): a[:, 0:1] = values, not a[:, 0] = values.
            perm = list(range(1, v.ndim))
            perm.insert(axis, 0)
            v = transpose(v, perm)
        numnew = v.shape[axis]
        slice(None, index).indices(n)  # NumPy slices at the position: a float one is its TypeError
        shape = src.shape[:axis] + (numnew,) + src.shape[axis + 1:]
        v = _stored(src, v, shape, fancy=False)
        pick = np.concatenate([np.arange(index), n + np.arange(numnew), np.arange(index, n)])
    else:
        if indices.size == 0 and not isinstance(obj, np.ndarray):
            indices = indices.astype(np.intp)
        indices[indices < 0] += n
        numnew = len(indices)
        order = indices.argsort(kind="mergesort")
        indices[order] += np.arange(numnew)
        old_mask = np.ones(n + numnew, dtype=bool)
        old_mask[indices] = False  # NumPy's IndexError for positions out of range
        shape = src.shape[:axis] + (numnew,) + src.shape[axis + 1:]
        v = _stored(src, values, shape, fancy=True)
        pick = np.empty(n + numnew, np.intp)
        pick[old_mask] = np.arange(n)
        pick[indices] = n + np.arange(numnew)
    both = concatenate([src, v], axis=axis)
    return _fresh_order(_pick(both, pick, axis), a)


# ---- np.block ------------------------------------------------------------

@_register(FUNCTIONS, "block")
def block(arrays):
    """np.block: NumPy's own check of the nesting (its ValueError and
    TypeError words), then concatenations from the innermost lists out. A
    Python scalar is a block of its default dtype (np.array of it), as in NumPy."""
    from numpy._core import shape_base

    arrays, list_ndim, result_ndim, _ = shape_base._block_setup(arrays)
    leaves = []

    def build(x, depth):
        if depth < list_ndim:
            return concatenate([build(i, depth + 1) for i in x], axis=-(list_ndim - depth))
        if isinstance(x, Proxy):
            leaves.append(x)
            return CREATION["array"](x, copy=None, ndmin=result_ndim)
        return _constant(np.array(x, ndmin=result_ndim))

    r = build(arrays, 0)
    if list_ndim and r.ndim >= 2 and not all(_c_ordered(x) for x in leaves):
        r._contig, r._layout = False, "maybe"  # NumPy lays it out as its inputs are
    return r


# ---- np.choose -----------------------------------------------------------

@_register(FUNCTIONS, "choose")
def choose(a, choices, out=None, mode="raise"):
    """np.choose: a select per choice. NumPy's own outcome on zero stand-ins
    gives the dtype (Python scalars weak, cast as C casts), the result's type
    and its errors; mode 'raise' needs every traced index provably in range."""
    if out is not None:
        raise GraphBreak("np.choose with out= is not compiled yet")
    if isinstance(choices, Proxy):
        if choices.ndim == 0:
            raise GraphBreak("np.choose of 0-d choices is not compiled yet")
        choices = [getitem(choices, k) for k in range(choices.shape[0])]
    elif not isinstance(choices, (list, tuple)):
        raise GraphBreak(f"np.choose with choices of type {type(choices).__name__} is not compiled yet")
    mode = _clipmode(mode)
    # Static indices are checked by NumPy itself here (its ValueError).
    probe = np.choose(_shadow(a), _shadow(list(choices)), mode=mode)
    shape = _broadcast_shape([np.shape(c) for c in choices] + [np.shape(a)])
    n = len(choices)
    dtype = probe.dtype
    if mode == "raise" and not _within(a, n):
        _check_range("invalid_choice", a, n)
    k = astype(a, np.intp) if isinstance(a, Proxy) else _constant(np.asarray(a).astype(np.intp))
    if mode == "wrap":
        k = UFUNCS["remainder"](k, n)
    elif mode == "clip":
        k = UFUNCS["minimum"](UFUNCS["maximum"](k, 0), n - 1)
    cs = [(c if c.dtype == dtype else astype(c, dtype)) if isinstance(c, Proxy)
          else _constant(np.asarray(c).astype(dtype)) for c in choices]
    r = cs[-1]
    for j in reversed(range(n - 1)):
        r = where(UFUNCS["equal"](k, j), cs[j], r)
    if r is cs[-1] or r.shape != shape:
        r = _copy_of(broadcast_to(r, shape))
    r._scalar = isinstance(probe, np.generic)
    return r


def method_choose(a, choices, out=None, mode="raise"):
    return choose(a, choices, out=out, mode=mode)


# ---- np.compress ---------------------------------------------------------

@_register(FUNCTIONS, "compress")
def compress(condition, a, axis=None, out=None):
    """np.compress with a condition known while tracing (a list): a take of
    its nonzero positions (NumPy's own compress of the positions gives its
    errors). A condition in an array decides the length when run: a break."""
    if out is not None:
        raise GraphBreak("np.compress with out= is not compiled yet")
    if _holds_traced(condition):
        raise GraphBreak(f"np.compress with a condition {_HELD}: it decides the result's length")
    a = operand(a)
    if a.ndim == 0 and axis is not None:
        a = FUNCTIONS["reshape"](a, (1,))  # NumPy's compress views a 0-d array as 1-d
    src, axis, positions = _axis_positions(a, axis)
    kept = np.compress(condition, positions, axis=axis).ravel()
    return _take(src, _constant(kept.astype(np.intp)), axis)


def method_compress(a, condition, axis=None, out=None):
    return compress(condition, a, axis=axis, out=out)


# ---- np.put, np.put_along_axis ------------------------------------------

@_register(FUNCTIONS, "put")
def put(a, ind, v, mode="raise"):
    """np.put: `a.flat[ind] = v`, `v` repeated over `ind`, the last write
    winning where indices repeat. In mode 'raise' NumPy writes the indices
    before an out-of-range one, then raises IndexError: static indices that
    do so run under NumPy; traced ones raise when run with `a` untouched (a
    compiled call that raises writes nothing, as everywhere)."""
    if not isinstance(a, (Proxy, np.ndarray)):
        if hasattr(a, "put"):
            raise GraphBreak(f"np.put into a {type(a).__name__}")
        raise TypeError(f"argument 1 must be numpy.ndarray, not {type(a)}")
    mode = _clipmode(mode)
    a = operand(a)
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("put: output array is read-only")
    size = a.size
    if _holds_traced(ind):
        ind = operand(ind)
        if not np.can_cast(ind.dtype, np.intp, "safe"):
            raise TypeError(f"Cannot cast array data from {ind.dtype!r} to {np.dtype(np.intp)!r} "
                            "according to the rule 'safe'")
        count = ind.size
        if size == 0 and count:
            raise IndexError("cannot replace elements of an empty array")
    else:
        np.put(np.zeros(min(size, 1)), ind, [], mode=mode)  # NumPy's conversion of the indices
        count = np.size(ind)
    if isinstance(v, Proxy):
        values = v if v.dtype == a.dtype else astype(v, a.dtype)
    else:
        # NumPy's forced cast into a's dtype, its warnings given at every call.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = _constant(np.array(v, dtype=a.dtype))
        for w in caught:
            warn_every_call(w.category, str(w.message))
    if values.size == 0 or count == 0:
        return None
    values = _flat(values)
    if values.size != count:
        values = _take(values, _constant(np.arange(count) % values.size), 0)
    if isinstance(ind, Proxy):
        k = _flat(astype(ind, np.intp))
        if mode == "wrap":
            k = UFUNCS["remainder"](k, size)
        elif mode == "clip":
            k = UFUNCS["minimum"](UFUNCS["maximum"](k, 0), size - 1)
        else:
            k = _take(_constant(np.arange(size)), k, 0)  # checked when run, negatives wrapped
        new = _scatter_last(a, k, values)
    else:
        last = np.full(size, -1, np.intp)
        try:
            np.put(last, ind, np.arange(count), mode=mode)
        except Exception:  # noqa: BLE001 -- NumPy's own error, where nothing was written first
            if (last >= 0).any():
                raise GraphBreak("np.put raises after writing the indices before an out-of-range one") from None
            raise
        hit = last >= 0
        picked = FUNCTIONS["reshape"](_take(values, _constant(np.where(hit, last, 0)), 0), a.shape)
        new = where(_constant(hit.reshape(a.shape)), picked, a)
        new._scalar = False
    if not a._scalar:  # a NumPy scalar's put writes into a temporary copy
        write(a, (), new)
    return None


def method_put(a, indices, values, mode="raise"):
    return put(a, indices, values, mode)


@_register(FUNCTIONS, "put_along_axis")
def put_along_axis(arr, indices, values, axis):
    """np.put_along_axis: NumPy's `arr[aranges..., indices, ...] = values`,
    its checks in its order; an index out of range raises IndexError when
    run, before anything is written, as NumPy checks first. Repeated positions
    keep the last write. With axis=None NumPy writes into np.array(arr.flat):
    a view of a C-contiguous `arr`, else a read-only copy."""
    if not isinstance(arr, (Proxy, np.ndarray)) or not isinstance(indices, (Proxy, np.ndarray)):
        raise GraphBreak("np.put_along_axis of a non-array is not compiled yet")
    a, idx = operand(arr), operand(indices)
    writeable = a._buf is None or a._buf.writeable
    if axis is None:
        if idx.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        if a._layout in ("maybe", "unknown") and a.size > 1:
            raise GraphBreak("np.put_along_axis(axis=None) of an array whose memory layout NumPy chose")
        flat_view = a.size <= 1 or _c_ordered(a) or (isinstance(a._layout, tuple) and a.flags.c_contiguous)
        writeable = writeable and flat_view
        target, axis = FUNCTIONS["ravel"](a), 0
    else:
        target, axis = a, normalize_axis_index(axis, a.ndim)
    if not np.issubdtype(idx.dtype, np.integer):
        raise IndexError("`indices` must be an integer array")
    if target.ndim != idx.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    if not writeable:
        raise ValueError("assignment destination is read-only")
    nd, n = target.ndim, target.shape[axis]
    index_shapes = [idx.shape if d == axis else (1,) * d + (target.shape[d],) + (1,) * (nd - d - 1)
                    for d in range(nd)]
    shape = _broadcast_shape(index_shapes, IndexError(
        "shape mismatch: indexing arrays could not be broadcast together with shapes "
        + "".join(_text(s) + " " for s in index_shapes)))
    # Each index checked when run (NumPy's IndexError names the axis) and wrapped.
    pos = FUNCTIONS["reshape"](_take(_constant(np.arange(n).reshape((1,) * axis + (n,))), idx, axis), idx.shape) \
        if n else idx
    v = _stored(target, values, shape, fancy=True)
    if 0 in shape:
        return None
    if shape[axis] == 1 and all(shape[d] == target.shape[d] for d in range(nd) if d != axis):
        # One write per lane: a select along the axis.
        along = _constant(np.arange(n).reshape([n if d == axis else 1 for d in range(nd)]))
        new = where(UFUNCS["equal"](along, pos), v, target)
        new._scalar = False
    else:
        strides = c_strides(target.shape)
        flat = UFUNCS["multiply"](pos, strides[axis])
        for d in range(nd):
            if d != axis and shape[d] > 1:
                coord = np.arange(target.shape[d]).reshape([-1 if k == d else 1 for k in range(nd)])
                flat = UFUNCS["add"](flat, _constant(coord * strides[d]))
        if flat.shape != shape:
            flat = broadcast_to(flat, shape)
        new = _scatter_last(target, _flat(flat), _flat(v))
    write(target, (), new)
    return None


# ---- np.ravel_multi_index, np.unravel_index ----------------------------

def _index_rows(x):
    if isinstance(x, Proxy):
        if x.ndim == 0:
            raise GraphBreak("np.ravel_multi_index of a 0-d array is not compiled yet")
        return [getitem(x, k) for k in range(x.shape[0])]
    if isinstance(x, (list, tuple)):
        return list(x)
    raise GraphBreak(f"np.ravel_multi_index of a {type(x).__name__} is not compiled yet")


def _strides(dims, order):
    if order in ("C", "c"):
        return c_strides(dims)
    if order in ("F", "f"):
        return c_strides(dims[::-1])[::-1]
    raise GraphBreak(f"order={order!r} is not compiled yet")


@_register(FUNCTIONS, "ravel_multi_index")
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """np.ravel_multi_index: the flat index sum(coord * stride) in intp, each
    coordinate wrapped or clipped by its mode. NumPy on zero stand-ins gives
    its errors (dtypes, dims, modes, static coordinates) and the result's type."""
    if _holds_traced(dims):
        raise GraphBreak("np.ravel_multi_index with traced dims is not compiled yet")
    coords = _index_rows(multi_index)
    probe = np.ravel_multi_index(tuple(_shadow(c) for c in coords), dims, mode=mode, order=order)
    dims = tuple(int(d) for d in np.ravel(dims))
    modes = mode if isinstance(mode, (tuple, list)) else (mode,) * len(dims)
    modes = [_clipmode(m) for m in modes]
    shapes = [np.shape(c) for c in coords]
    shape = _broadcast_shape(shapes, ValueError(
        "operands could not be broadcast together with shapes " + "".join(_text(s) + " " for s in shapes)))
    if 0 in shape:
        return _constant(np.zeros(shape, np.intp))
    if min(dims) <= 0:
        raise GraphBreak("np.ravel_multi_index with a dimension of size 0 or less is not compiled yet")
    strides = _strides(dims, order)
    total = None
    for c, d, m, stride in zip(coords, dims, modes, strides):
        if m == "raise" and not _within(c, d):
            _check_range("invalid_coordinates", c, d)
        x = operand(c)
        x = x if x.dtype == np.intp else astype(x, np.intp)
        if m == "wrap":
            x = UFUNCS["remainder"](x, d)
        elif m == "clip":
            x = UFUNCS["minimum"](UFUNCS["maximum"](x, 0), d - 1)
        term = x if stride == 1 else UFUNCS["multiply"](x, stride)
        total = term if total is None else UFUNCS["add"](total, term)
    if total is None:
        total = _constant(np.zeros((), np.intp))
    if total.shape != shape or any(total is c for c in coords):
        total = _copy_of(broadcast_to(total, shape))
    total._scalar = isinstance(probe, np.generic)
    return total


@_register(FUNCTIONS, "unravel_index")
def unravel_index(indices, shape, order="C"):
    """np.unravel_index: (index // stride) % dim per dimension, in intp, where
    the indices' dtype keeps them in range (bools, narrow unsigned ints);
    otherwise NumPy's own unravel_index in the plan (its ValueError names the
    index out of range)."""
    if _holds_traced(shape):
        raise GraphBreak("np.unravel_index with a traced shape is not compiled yet")
    probe = np.unravel_index(_shadow(indices), shape, order=order)
    dims = tuple(int(d) for d in np.ravel(shape))
    size = int(np.prod(dims, dtype=np.int64))
    x = operand(indices)
    if not _within(x, size):
        from .host import host_function
        out = host_function("np.unravel_index", np.unravel_index, [x], shape=dims, order=order)
        for c, p in zip(out, probe):
            c._scalar = isinstance(p, np.generic)
        return out
    x = x if x.dtype == np.intp else astype(x, np.intp)
    out = []
    for d, stride, p in zip(dims, _strides(dims, order), probe):
        c = x if stride == 1 else UFUNCS["floor_divide"](x, stride)
        c = UFUNCS["remainder"](c, d) if stride * d < size else c
        if c is x:
            c = _copy_of(c)
        c._scalar = isinstance(p, np.generic)
        out.append(c)
    return tuple(out)


# ---- np.isin -------------------------------------------------------------

_ISIN_TABLE_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8), np.dtype(np.uint16))


@_register(FUNCTIONS, "isin")
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """np.isin: whether each element equals some test element (in their common
    dtype; NaN equals nothing). NumPy picks a table, a loop of comparisons or a
    sort by sizes and values, all with this answer, except that the sort trusts
    `assume_unique` (a repeated element then reads as found): that case, and
    kind='table' where its range error or allocation depends on the values,
    are graph breaks."""
    e = operand(element) if isinstance(element, Proxy) else _constant(np.asarray(element))
    t = operand(test_elements) if isinstance(test_elements, Proxy) else _constant(np.asarray(test_elements))
    if kind not in {None, "sort", "table"}:
        raise ValueError(f"Invalid kind: '{kind}'. Please use None, 'sort' or 'table'.")
    ints = e.dtype.kind in "uib" and t.dtype.kind in "uib"
    if kind == "table" and not ints:
        raise ValueError("The 'table' method is only supported for boolean or integer arrays. "
                         "Please select 'sort' or None for kind.")
    if kind == "table" and t.size and t.dtype not in _ISIN_TABLE_DTYPES:
        raise GraphBreak("np.isin(kind='table'): NumPy's RuntimeError or allocation depends on the range of values")
    if t.size == 0 or e.size == 0:
        return _constant(np.full(e.shape, bool(invert)))
    dtype = np.result_type(e.dtype, t.dtype)
    if ints and dtype.kind == "f":
        raise GraphBreak("np.isin of signed and uint64 integers: NumPy compares exactly or in float64 "
                         "depending on the values")
    loop = t.size < 10 * e.size ** 0.145  # NumPy's choice of its comparison loop
    if assume_unique and not loop and not (ints and kind == "table"):
        raise GraphBreak("np.isin(assume_unique=True): NumPy's sort gives another answer where the "
                         "elements repeat")
    flat_t = _flat(t)
    if dtype.kind == "c" or t.size <= 32 or e.size * t.size <= 1 << 16:
        found = _reduce("any", UFUNCS["equal"](getitem(e, (Ellipsis, None)), flat_t), axis=-1)
    else:
        work = np.dtype(np.uint8) if dtype.kind == "b" else dtype
        ec = e if e.dtype == work else astype(e, work)
        ts = sort(flat_t if flat_t.dtype == work else astype(flat_t, work))
        at = UFUNCS["minimum"](searchsorted(ts, ec), t.size - 1)
        found = UFUNCS["equal"](_take(ts, at, 0), ec)
    r = UFUNCS["logical_not"](found) if invert else found
    r._scalar = False
    return r


# ---- ndarray methods -----------------------------------------------------
# The surface's method table lives in the tracer; these join it.

METHODS["choose"] = method_choose
METHODS["compress"] = method_compress
