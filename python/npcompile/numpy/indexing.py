"""Indexing: `getitem`/`setitem` (basic indexing as views, integer and boolean
index arrays, traced integer indices read and written by select), take, the
layout NumPy gives fancy-indexing results, ndarray.fill, copyto, putmask and
place."""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._trace import GraphBreak, Proxy, freeze, view, warn_every_call, write
from .core import (FUNCTIONS, UFUNCS, _check_destination_writeable, _flatten, _no, _record, _register, _tuple,
                   is_operand, numpy_raises, operand)


def _basic_index(a, index):
    """NumPy's basic indexing of `a`: (slice op or None, reshape op or None,
    result shape, whether the result is a NumPy scalar, whether the region is
    C-contiguous in `a`)."""
    if not isinstance(index, tuple):
        index = (index,)
    for i in index:
        if i is None or i is Ellipsis or isinstance(i, slice):
            continue
        if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            continue
        if isinstance(i, (float, complex, str, bytes, np.floating, np.complexfloating)):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices"
            )
        # Arrays, sequences, booleans, several index arrays, objects with
        # __index__: NumPy's advanced indexing and conversions, not compiled.
        raise GraphBreak(f"indexing with {_index_kinds(index)} is not compiled yet")
    n_ellipsis = sum(i is Ellipsis for i in index)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for i in index if i is not None and i is not Ellipsis)
    if used > a.ndim:
        raise IndexError(f"too many indices for array: array is {a.ndim}-dimensional, but {used} were indexed")
    if n_ellipsis:
        at = next(k for k, i in enumerate(index) if i is Ellipsis)
        index = index[:at] + (slice(None),) * (a.ndim - used) + index[at + 1:]
    else:
        index = index + (slice(None),) * (a.ndim - used)
    starts, lens, steps, out_shape = [], [], [], []
    axis = 0
    for i in index:
        if i is None:
            out_shape.append(1)
            continue
        n = a.shape[axis]
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            length = len(range(start, stop, step))
            starts.append(start if length else 0)
            lens.append(length)
            steps.append(step)
            out_shape.append(length)
        else:
            starts.append(_position(int(i), n, axis))
            lens.append(1)
            steps.append(1)
        axis += 1
    slice_op = None
    if any(s != 0 or st != 1 or ln != d for s, ln, st, d in zip(starts, lens, steps, a.shape)):
        slice_op = _slice_op(starts, lens, steps)
    reshape_op = None if tuple(out_shape) == tuple(lens) else f"reshape[shape={_tuple(out_shape)}]"
    contiguous = _region_is_c_contiguous(a.shape, lens, steps)
    scalar = len(out_shape) == 0 and not n_ellipsis
    return slice_op, reshape_op, tuple(out_shape), scalar, contiguous


def _position(k, n, axis):
    """An integer index `k` into an axis of `n`, as a position (NumPy's
    IndexError where it is out of range)."""
    if not -n <= k < n:
        raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
    return k % n


def _slice_op(starts, lens, steps):
    return f"slice[starts={_tuple(starts)},lens={_tuple(lens)},steps={_tuple(steps)}]"


def _index_kinds(index):
    items = index if isinstance(index, tuple) else (index,)
    return "(" + ", ".join(type(i).__name__ for i in items) + ")"


def _integer_array_index(a, index):
    """(position, indices) where `index` is one integer array among slices and
    `...` (NumPy puts the array's dimensions in its place); None otherwise.
    Inside an index tuple a list or a tuple is an index array, as in NumPy."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, i in enumerate(items) if isinstance(i, (Proxy, np.ndarray, list, tuple))]
    if len(arrays) != 1:
        return None
    k = arrays[0]
    others = items[:k] + items[k + 1:]
    if not all(isinstance(i, slice) or i is Ellipsis for i in others):
        return None
    idx = items[k]
    if isinstance(idx, (list, tuple)):
        if any(isinstance(i, Proxy) for i in _flatten(idx)):
            return None
        try:
            idx = np.asarray(idx)
        except ValueError:
            return None  # a ragged sequence: NumPy's error, left to NumPy
        if idx.dtype.kind == "O":
            return None
        if idx.dtype.kind == "f" and idx.size == 0:
            idx = idx.astype(np.intp)
    if idx.dtype.kind == "b":
        return None
    if idx.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    ellipsis_dims = a.ndim - sum(1 for i in items if i is not Ellipsis)
    axis = sum(ellipsis_dims if i is Ellipsis else 1 for i in items[:k])
    return axis, items[:k] + (slice(None),) + items[k + 1:], idx


def take(a, indices, axis=None, out=None, mode="raise"):
    _no({"out": out}, "np.take")
    if mode != "raise":
        raise GraphBreak(f"np.take with mode={mode!r} is not compiled yet")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    if isinstance(indices, (list, tuple)):
        indices = np.asarray(indices)
    if isinstance(indices, (int, np.integer)) and not isinstance(indices, Proxy):
        return getitem(a, (slice(None),) * axis + (int(indices),))
    indices = operand(indices)
    if a.shape[axis] == 0 and indices.size > 0:
        raise IndexError("cannot do a non-empty take from an empty axes.")
    if int(np.prod(a.shape[:axis], dtype=np.int64)) == 0 and indices.dtype.kind in "iu":
        # NumPy checks each index as it copies: with nothing before the axis
        # nothing is copied and nothing checked.
        shape = a.shape[:axis] + indices.shape + a.shape[axis + 1:]
        return _constant(np.zeros(shape, a.dtype))
    return _take(a, indices, axis)


def _take(a, indices, axis):
    """Integer-array indexing along `axis`, every index checked (IndexError)."""
    r = _record(f"take[axis={axis}]", a, operand(indices))
    r._scalar = False
    return r


FUNCTIONS["take"] = take


def _fancy_layout(src, axis, r, idx_shape):
    """Mark `r = src[..., idx, ...]` with NumPy's layout: idx's dimensions
    first in memory when anything precedes them (asked of NumPy on a stand-in
    of src's shape; exact for a C-ordered src)."""
    if not src._contig or src._layout is not None:
        r._contig, r._layout = False, "unknown"
        return
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1), src.shape, (0,) * src.ndim)
    try:
        got = stand_in[(slice(None),) * axis + (np.zeros(idx_shape, np.intp),)]
    except IndexError:
        return  # an empty axis: the take raises when the plan runs
    if not got.flags.c_contiguous:
        r._contig, r._layout = False, tuple(s // got.itemsize for s in got.strides)


def _traced_integers(a, index):
    """Where `index` holds traced integer scalars (each an integer to NumPy)
    among integers, slices, None and `...`: the index with a full slice in
    their place, and (axis of that slice's result, the traced integer) for
    each. None where there are none."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(i, Proxy) and i.ndim == 0 and i.dtype.kind in "iu" for i in items):
        return None
    if not all(i is None or i is Ellipsis or isinstance(i, slice)
               or (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))
               or (isinstance(i, Proxy) and i.ndim == 0 and i.dtype.kind in "iu") for i in items):
        return None
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    if used > a.ndim:
        raise IndexError(f"too many indices for array: array is {a.ndim}-dimensional, but {used} were indexed")
    basic, picks, out = [], [], 0
    for i in items:
        if i is Ellipsis:
            out += a.ndim - used
        elif isinstance(i, Proxy):
            picks.append((out, i))
            i = slice(None)
            out += 1
        elif i is None or isinstance(i, slice):
            out += 1
        basic.append(i)
    return tuple(basic), picks


def _dynamic_read(a, index, basic, picks):
    """`a[..., i, ...]` with traced integers: the element (or, for a subarray,
    a copy, frozen: NumPy views it at an offset known only when run)."""
    r = getitem(a, basic)
    for axis, i in sorted(picks, key=lambda p: -p[0]):
        r = _take(r, i, axis)
    items = index if isinstance(index, tuple) else (index,)
    r._scalar = r.ndim == 0 and not any(i is Ellipsis for i in items)
    if r.ndim > 0:
        r._contig, r._layout = False, "maybe"
        freeze(a, r, "reading a subarray at a traced index")
    return r


def _dynamic_write(a, basic, picks, value):
    """`a[..., i, ...] = value` with traced integers: the region selected by the
    rest of the index, with `value` selected in where each traced integer's
    position matches (NumPy's IndexError, when run, where one is out of range)."""
    region = getitem(a, basic)
    shape = tuple(n for ax, n in enumerate(region.shape) if ax not in {p for p, _ in picks})
    if not shape and Ellipsis not in basic:
        _check_element_value(a, value)
    for axis, i in picks:
        _take(region, i, axis)  # the bounds check, run even though unused
    v = _assigned(a, value, shape)
    try:
        if np.broadcast_shapes(v.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {v.shape} into shape {shape}") from None
    if v.dtype != a.dtype:
        v = astype(v, a.dtype)
    if v.shape != shape:
        v = broadcast_to(v, shape)
    picked = {p for p, _ in picks}
    v = getitem(v, tuple(None if ax in picked else slice(None) for ax in range(region.ndim)))
    mask = None
    for axis, i in picks:
        n = region.shape[axis]
        positions = _constant(np.arange(n).reshape([n if d == axis else 1 for d in range(region.ndim)]))
        hit = UFUNCS["equal"](positions, UFUNCS["remainder"](i, n))
        mask = hit if mask is None else UFUNCS["logical_and"](mask, hit)
    new = where(mask, v, region)
    new._scalar = False
    write(region, (), new)


def _index_arrays(a, index):
    """NumPy's advanced indexing by several integer arrays (or a static
    boolean array, which is its `nonzero()`), with integers and slices among
    them: None where `index` is not of that form. The result as a take of
    one flat index over the indexed axes (each index checked and wrapped by
    a take of its axis' positions), the broadcast dimensions placed as NumPy
    places them (where the indexed axes are, if adjacent; else first)."""
    items = list(index) if isinstance(index, tuple) else [index]
    expanded = []
    for i in items:
        if isinstance(i, (list, tuple)):
            if any(isinstance(x, Proxy) for x in _flatten(i)):
                return None
            try:
                i = np.asarray(i)
            except ValueError:
                return None
            if i.dtype.kind == "O" or (i.dtype.kind == "f" and i.size):
                return None
            if i.dtype.kind == "f":
                i = i.astype(np.intp)
        if type(i) is np.ndarray and i.dtype == np.bool_:
            expanded.extend(i.nonzero())  # a static mask: its positions
            continue
        expanded.append(i)
    arrays = [k for k, i in enumerate(expanded) if _is_index_array(i)]
    if not arrays:
        return None
    if any(i is None for i in expanded) or sum(i is Ellipsis for i in expanded) > 1:
        return None
    for i in expanded:
        if isinstance(i, (Proxy, np.ndarray)) and i.dtype.kind not in "iu":
            if i.dtype.kind == "b":
                return None  # a traced mask among other indices: a data-dependent shape
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        if not (i is Ellipsis or isinstance(i, (slice, Proxy, np.ndarray))
                or (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))):
            return None
    used = sum(1 for i in expanded if i is not Ellipsis)
    if used > a.ndim:
        raise IndexError(f"too many indices for array: array is {a.ndim}-dimensional, but {used} were indexed")
    # NumPy: advanced indices next to each other in the index (no slice or
    # `...` between, even one that spans no axis) keep their place.
    written = [k for k, i in enumerate(expanded) if not (isinstance(i, slice) or i is Ellipsis)]
    adjacent = written == list(range(written[0], written[0] + len(written)))
    if any(i is Ellipsis for i in expanded):
        at = next(k for k, i in enumerate(expanded) if i is Ellipsis)
        expanded = expanded[:at] + [slice(None)] * (a.ndim - used) + expanded[at + 1:]
    expanded += [slice(None)] * (a.ndim - len(expanded))
    adv = [k for k, i in enumerate(expanded) if not isinstance(i, slice)]
    src = getitem(a, tuple(i if isinstance(i, slice) else slice(None) for i in expanded))
    sizes = [src.shape[k] for k in adv]
    positions = []
    for k, n in zip(adv, sizes):
        i = expanded[k]
        i = i if isinstance(i, Proxy) else _constant(np.asarray(i))
        # The take checks each index (IndexError) and wraps negative ones.
        positions.append(_take(_constant(np.arange(n)), i, 0) if i.ndim else _take(_constant(np.arange(n)), reshape(i, (1,)), 0))
    try:
        shape = np.broadcast_shapes(*(tuple(np.shape(expanded[k])) for k in adv))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         + " ".join(str(tuple(np.shape(expanded[k]))) for k in adv)) from None
    flat = None
    for j, p in enumerate(positions):
        wanted = tuple(np.shape(expanded[adv[j]]))
        p = reshape(p, wanted) if p.shape != wanted else p
        n_after = int(np.prod(sizes[j + 1:], dtype=np.int64))
        term = UFUNCS["multiply"](p, n_after) if n_after != 1 else p
        flat = term if flat is None else UFUNCS["add"](flat, term)
    rest = [k for k in range(src.ndim) if k not in adv]
    moved = transpose(src, adv + rest) if adv + rest != list(range(src.ndim)) else src
    stacked = reshape(_copy_of(moved), (int(np.prod(sizes, dtype=np.int64)),) + tuple(src.shape[k] for k in rest))
    r = _take(stacked, flat if flat.ndim else reshape(flat, ()), 0)
    if adjacent and adv[0] > 0:
        before = adv[0]
        nb = len(shape)
        perm = list(range(nb, nb + before)) + list(range(nb)) + list(range(nb + before, r.ndim))
        r = transpose(r, perm)
        r._contig, r._layout = False, "maybe"  # NumPy's own layout for it is not C order
    r._scalar = r.ndim == 0 and not any(i is Ellipsis for i in items)
    return r


def getitem(a, index):
    if type(index) is tuple and a.ndim and len(index) == a.ndim and all(type(i) is int for i in index):
        return _element(a, index)
    if _is_mask(a, index) and isinstance(index, Proxy):
        from .masked import select
        return select(a, index)
    index = _static_integers(index)
    several = _index_arrays(a, index) if _several_index_arrays(index) else None
    if several is not None:
        return several
    dynamic = _traced_integers(a, index)
    if dynamic is not None:
        return _dynamic_read(a, index, *dynamic)
    advanced = _integer_array_index(a, index)
    if advanced is not None:
        axis, basic, idx = advanced
        src = getitem(a, basic)
        r = _take(src, idx, axis)
        if axis > 0 or not src._contig:
            _fancy_layout(src, axis, r, idx.shape)
        if idx.ndim == 0:
            # A 0-d integer array is an integer to NumPy: a view of `a`, or an
            # element. Its value is known only when the plan runs, so only the
            # element (a copy) is compiled.
            if r.ndim > 0:
                raise GraphBreak("a traced integer used as an index (a view at an offset known only at run time)")
            r._scalar = not any(i is Ellipsis for i in (index if isinstance(index, tuple) else (index,)))
        return r
    slice_op, reshape_op, shape, scalar, contiguous = _basic_index(a, index)
    r = a
    for op in (slice_op, reshape_op):
        if op is not None:
            r = view(r, op, _record(op, r), contiguous=contiguous)
    if r is a:  # a[...] or a[:]: a new view of the same memory
        op = f"reshape[shape={_tuple(a.shape)}]"
        r = view(a, op, _record(op, a))
    r._scalar = scalar
    if scalar or a._scalar:  # an element, or a new array from an immutable NumPy scalar: not a view
        r._buf, r._path = None, ()
    return r


def _element(a, index):
    """`a[i, j, ...]`, a Python int per axis: what the general path below
    records (a slice of ones and a reshape to a NumPy scalar, not a view), in
    a fraction of its time (a scalar loop's trace is mostly these)."""
    starts = [_position(k, n, axis) for axis, (k, n) in enumerate(zip(index, a.shape))]
    r = a
    if any(starts) or any(n != 1 for n in a.shape):
        ones = [1] * len(starts)
        r = _record(_slice_op(starts, ones, ones), r)
    r = _record("reshape[shape=()]", r)
    r._scalar, r._contig = True, a._contig
    return r


def _region_is_c_contiguous(shape, lens, steps):
    """NumPy's C-contiguity of the region `lens`/`steps` select of a C-ordered
    array of `shape`: ignoring length-1 axes, each axis steps over exactly the
    elements of the axes after it (an element, or any empty region, is)."""
    if 0 in lens:
        return True
    strides, size = [], 1
    for n in reversed(shape):
        strides.append(size)
        size *= n
    strides.reverse()
    expected = 1
    for d in reversed(range(len(lens))):
        if lens[d] != 1:
            if strides[d] * steps[d] != expected:
                return False
            expected *= lens[d]
    return True


def _static_integers(index):
    """0-d integer arrays known while tracing are the integers they hold (NumPy
    indexes with them as with ints)."""
    def one(i):
        if type(i) is np.ndarray and i.ndim == 0 and i.dtype.kind in "iu":
            return int(i)
        return i

    return tuple(one(i) for i in index) if isinstance(index, tuple) else one(index)


def _is_index_array(i):
    return (isinstance(i, Proxy) and i.ndim > 0) or type(i) is np.ndarray


def _several_index_arrays(index):
    """Whether NumPy's advanced indexing here has more than one index array, or
    a static boolean mask, or integers combined with an array."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [i for i in items if _is_index_array(i) or isinstance(i, (list, tuple))]
    static_mask = any(type(i) is np.ndarray and i.dtype == np.bool_ for i in items)
    mixed = arrays and any(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in items)
    traced_int = arrays and any(isinstance(i, Proxy) and i.ndim == 0 for i in items)
    return len(arrays) > 1 or static_mask or bool(mixed) or bool(traced_int)


def _is_mask(a, index):
    return isinstance(index, (Proxy, np.ndarray)) and index.dtype == np.bool_ and index.shape == a.shape and a.ndim > 0


def _assigned(a, value, shape):
    """The value of `a[...] = value`, as NumPy converts it."""
    if type(value) is int and a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        if not info.min <= value <= info.max:
            raise OverflowError(f"Python integer {value} out of bounds for {a.dtype}")
    static_number = type(value) is float or (type(value) is not Proxy and isinstance(value, (np.integer, np.floating)))
    if a.dtype.kind in "iu" and static_number and (type(value) is float or a.dtype.kind == "i"):
        # NumPy stores these through a Python int: checked against the dtype
        # (a NumPy scalar into an unsigned array wraps instead).
        iv = int(value)  # NaN: ValueError, inf: OverflowError, in NumPy's words
        # uint32/uint64 go through C's unsigned long, the others through long.
        if not -(2**63) <= iv < (2**64 if a.dtype in (np.uint32, np.uint64) else 2**63):
            raise OverflowError("Python int too large to convert to C long")
        info = np.iinfo(a.dtype)
        if not info.min <= iv <= info.max:
            raise OverflowError(f"Python integer {iv} out of bounds for {a.dtype}")
    if type(value) is complex and a.dtype.kind in "iuf":
        raise TypeError(f"{'float' if a.dtype.kind == 'f' else 'int'}() argument must be a real number, not 'complex'")
    v = operand(value)
    if isinstance(value, Proxy) and value._scalar and a.dtype.kind == "i" and v.dtype.kind in "iuf":
        # A traced NumPy scalar: the same conversion, checked when the plan runs.
        v = _record(f"check_int[to={a.dtype.name}]", v)
    if v.dtype.kind == "c" and a.dtype.kind in "iuf":
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    while v.ndim > len(shape) and v.shape[0] == 1:  # NumPy drops leading unit dims
        v = _record(f"reshape[shape={_tuple(v.shape[1:])}]", v)
    return v


def setitem(a, index, value):
    _check_destination_writeable(a)  # before NumPy looks at the index or the value
    index = _static_integers(index)
    if _is_mask(a, index) and type(value).__name__ == "Selection":
        from .masked import store
        return store(a, index, value)
    if _is_mask(a, index):
        # Advanced indexing converts a NumPy scalar with a C cast (wrapping);
        # Python scalars are checked as in any store.
        numpy_scalar = isinstance(value, np.generic) or (isinstance(value, Proxy) and value._scalar)
        v = operand(value) if numpy_scalar else _assigned(a, value, ())
        if numpy_scalar and v.dtype.kind == "c" and a.dtype.kind != "c":
            warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
        if v.ndim != 0:
            raise GraphBreak("a[mask] = array assigns a data-dependent number of elements")
        mask = operand(index)
        new = _record("where", mask, _record(f"cast[to={a.dtype.name}]", v), a)
        write(a, (), new)
        return
    dynamic = _traced_integers(a, index)
    if dynamic is not None:
        if a._scalar:
            raise TypeError(f"'numpy.{a.dtype.type.__name__}' object does not support item assignment")
        return _dynamic_write(a, *dynamic, value)
    positions = _static_positions(a, index)
    if positions is not None:
        return _scatter_static(a, positions, value)
    slice_op, reshape_op, shape, element, _ = _basic_index(a, index)
    if element:
        _check_element_value(a, value)
    steps = tuple(op for op in (slice_op, reshape_op) if op is not None)
    if _is_view_of_region(value, a, steps):
        # `a[i] += v` stores the updated view back into its own region (Python
        # calls __setitem__ after __iadd__): NumPy copies the region onto itself.
        return
    v = _assigned(a, value, shape)
    write(a, steps, v)


def _static_positions(a, index):
    """The flat positions a static advanced index (index arrays or lists known
    while tracing, with anything else NumPy takes beside them) selects, as
    NumPy's own indexing of the positions gives them (its errors too); None
    where the index is not of that form."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(type(i) is np.ndarray or isinstance(i, (list, tuple)) for i in items):
        return None
    if any(isinstance(i, Proxy) for i in _flatten(items)) or a.size > 1 << 22 or a._scalar:
        return None
    return np.arange(a.size, dtype=np.int64).reshape(a.shape)[index]


def _scatter_static(a, positions, value):
    """`a[index] = value` at static positions: each position takes the value
    NumPy's own assignment leaves there (the last of repeated ones)."""
    v = _assigned(a, value, positions.shape)
    try:
        if np.broadcast_shapes(v.shape, positions.shape) != positions.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"shape mismatch: value array of shape {v.shape} could not be broadcast to indexing "
                         f"result of shape {positions.shape}") from None
    if positions.size == 0:
        return  # nothing selected: nothing written
    v = v if v.dtype == a.dtype else astype(v, a.dtype)
    if v.shape != positions.shape:
        v = broadcast_to(v, positions.shape)
    source = np.full(a.size, -1, dtype=np.int64)
    source[positions.ravel()] = np.arange(positions.size)  # NumPy's own order decides repeats
    hit = source >= 0
    picked = _take(reshape(_copy_of(v), (positions.size,)), _constant(np.where(hit, source, 0)), 0)
    new = where(_constant(hit.reshape(a.shape)), reshape(picked, a.shape), a)
    new._scalar = False
    write(a, (), new)


def _check_element_value(a, value):
    """NumPy converts a value stored into one element to one Python scalar; a
    bool array takes the truth of a one-element array."""
    if is_operand(value) and operand(value).ndim > 0:
        if a.dtype.kind == "c":
            raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
        if a.dtype.kind != "b" or operand(value).size != 1:
            raise ValueError("setting an array element with a sequence.")


def _is_view_of_region(value, a, steps):
    """Whether `value` is a view of exactly the region `a[steps]` selects: it
    shows that region's current contents whatever was written since."""
    return (
        isinstance(value, Proxy)
        and not value._scalar
        and a._buf is not None
        and value._buf is a._buf
        and value._path == a._path + steps
        and value.dtype == a.dtype
    )


# ---- writes -------------------------------------------------------------

def method_fill(a, value):
    if a._scalar:
        return  # NumPy scalars are immutable: their fill does nothing
    _check_destination_writeable(a)  # before the value's conversion, as NumPy
    write(a, (), _assigned(a, value, a.shape))


@_register(FUNCTIONS, "copyto")
def copyto(dst, src, casting="same_kind", where=True):
    if where is not True:
        return _copyto_where(dst, src, casting, where)
    if not isinstance(dst, (Proxy, np.ndarray)) or (isinstance(dst, Proxy) and dst._scalar):
        name = f"numpy.{dst.dtype.type.__name__}" if isinstance(dst, Proxy) else type(dst).__name__
        raise TypeError(f"copyto() argument 1 must be numpy.ndarray, not {name}")
    if _same_memory(src, dst):
        return  # NumPy copies nothing (and checks nothing)
    dst = operand(dst)
    _check_destination_writeable(dst)
    # NumPy's casting rule, with NEP 50 for Python scalars (a Python int is
    # range-checked even under casting='unsafe').
    numpy_raises(np.copyto, dst, src, casting=casting)
    src = operand(src)
    if src.dtype.kind == "c" and dst.dtype.kind != "c":
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    write(dst, (), src)


def _same_memory(src, dst):
    """Whether `src` is `dst`'s own memory as laid out (NumPy's copyto then does nothing)."""
    if src is dst:
        return True
    if not (isinstance(src, Proxy) and isinstance(dst, Proxy) and src._buf is not None and src._buf is dst._buf
            and src.dtype == dst.dtype and src.shape == dst.shape and not src._scalar and not dst._scalar):
        return False
    if src._path == dst._path:
        return True
    # Both views' steps replayed on a stand-in of their buffer: the same first
    # element and strides are the same memory (`v[...]` is `v`'s).
    from .._trace import replay_view
    base = np.empty(src._buf.shape, src._buf.dtype)
    try:
        a, b = replay_view(base, src._path), replay_view(base, dst._path)
    except (ValueError, TypeError):
        return False
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.strides == b.strides


def _copyto_where(dst, src, casting, mask):
    """`np.copyto(dst, src, where=mask)`: dst keeps its elements where the mask is False."""
    if not isinstance(dst, (Proxy, np.ndarray)) or (isinstance(dst, Proxy) and dst._scalar):
        return copyto(dst, src, casting)  # NumPy's TypeError
    dst = operand(dst)
    numpy_raises(np.copyto, dst, src, casting=casting, where=mask)
    if _same_memory(src, dst):
        return  # NumPy copies nothing (the mask's errors are raised above)
    _check_destination_writeable(dst)
    src, mask = operand(src), operand(mask)
    if src.dtype.kind == "c" and dst.dtype.kind != "c":
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    value = astype(src, dst.dtype) if src.dtype != dst.dtype else src
    write(dst, (), where(mask, value, dst))


@_register(FUNCTIONS, "putmask")
def putmask(a, mask, values):
    """np.putmask: where the mask holds, the value at the same flat position of
    `values` repeated over `a` (NumPy's cycling)."""
    if not isinstance(a, Proxy) or a._scalar:
        raise TypeError("putmask: first argument must be an array")
    v = operand(values)
    m = operand(mask)
    if m.shape != a.shape:
        raise ValueError("putmask: mask and data must be the same size")
    if v.size == 0:
        return
    if v.size != a.size:
        v = _take(ravel(v), _constant(np.arange(a.size) % v.size), 0)
    v = reshape(v if v.ndim else reshape(v, (1,)), a.shape) if v.shape != a.shape else v
    v = v if v.dtype == a.dtype else astype(v, a.dtype)
    write(a, (), where(astype(m, np.bool_) if m.dtype != np.bool_ else m, v, a))


@_register(FUNCTIONS, "place")
def place(arr, mask, vals):
    """np.place: the k-th position where the mask holds takes vals[k % len(vals)]."""
    if not isinstance(arr, Proxy) or arr._scalar:
        raise TypeError(f"argument 1 must be numpy.ndarray, not {type(arr).__name__}")
    v = ravel(operand(vals))
    m = operand(mask)
    if m.size != arr.size:
        raise ValueError("place: mask and data must be the same size")
    if v.size == 0:
        raise GraphBreak("np.place with no values raises only where the mask holds somewhere")
    m = reshape(m if m.dtype == np.bool_ else astype(m, np.bool_), arr.shape)
    k = UFUNCS["subtract"](FUNCTIONS["cumsum"](m, dtype=np.int64), 1)
    picked = _take(v, UFUNCS["remainder"](UFUNCS["maximum"](k, 0), v.size), 0)
    picked = reshape(picked, arr.shape)
    write(arr, (), where(m, picked if picked.dtype == arr.dtype else astype(picked, arr.dtype), arr))


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .elementwise import where  # noqa: E402
from .shapes import broadcast_to, ravel, reshape, transpose  # noqa: E402
from .creation import _constant, _copy_of, astype  # noqa: E402
