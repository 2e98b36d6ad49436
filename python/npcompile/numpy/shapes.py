"""Shapes: reshape (a view of the array's memory where NumPy's is), transpose,
expand_dims, squeeze, ravel, `a.shape = ...`, swapaxes, repeat, diagonal,
trace, broadcast_to/broadcast_arrays, concatenate and stack, shape/ndim/size,
and the ndarray methods of these."""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._trace import GraphBreak, Proxy, current_tracer, freeze, view
from .core import (FUNCTIONS, _check_output_writeable, _flatten, _is_int, _no, _record, _register, _store, _tuple,
                   numpy_raises, operand, scalar_method_result)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


@_register(FUNCTIONS, "reshape")
def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise GraphBreak(f"reshape with order={order!r} is not compiled yet")
    shape = newshape if shape is None else shape
    a = operand(a)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension")
    if unknown:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or a.size % known != 0:
            raise ValueError(f"cannot reshape array of size {a.size} into shape {shape}")
        shape = tuple(a.size // known if s == -1 else s for s in shape)
    return _reshape_view(a, shape)


def _reshape_view(a, shape, copy_if_needed=False):
    """NumPy's reshape: a view of `a`'s memory where its layout allows."""
    op = f"reshape[shape={_tuple(shape)}]"
    r = _record(op, a)
    if a._layout == "maybe":
        unit_only = [d for d in a.shape if d != 1] == [d for d in shape if d != 1]
        return freeze(a, r, "a reshape") if not unit_only else view(a, op, r, contiguous=False)
    if a._layout == "unknown":
        raise GraphBreak("reshape of an array whose memory layout NumPy chose (fancy indexing of a strided view)")
    if a._layout is not None:
        # Whether NumPy views it: NumPy's own reshape of a stand-in with a's strides.
        strides = _numpy_reshape_strides(a, shape)
        if strides is False:
            return r  # NumPy copies into a new C-ordered array
        r = view(a, op, r)
        r._contig, r._layout = strides is None, strides
        return r
    unit_only = [d for d in a.shape if d != 1] == [d for d in shape if d != 1]
    if a._contig or unit_only:
        return view(a, op, r, contiguous=True)
    if copy_if_needed:
        return r
    # Whether NumPy views a strided array in a new shape depends on its
    # strides: the values are the same, a write would reach (or miss) the original.
    return freeze(a, r, "a reshape of a strided view")


def _numpy_reshape_strides(a, shape):
    """False where NumPy's reshape of an array laid out as `a` copies; else the
    view's element strides (None where it is C-contiguous)."""
    base = np.empty(max(a.size, 1), np.float64)
    stand_in = np.lib.stride_tricks.as_strided(base, a.shape, tuple(8 * s for s in a._layout))
    r = stand_in.reshape(shape)
    if not np.shares_memory(r, base):
        return False
    return None if r.flags.c_contiguous else tuple(s // 8 for s in r.strides)


def set_shape(a, shape):
    """`a.shape = shape`: an in-place reshape, compiled where it is a view of
    a's memory (NumPy raises AttributeError where it would need a copy)."""
    if a._scalar:
        raise GraphBreak("setting the shape of a NumPy scalar")
    if a._extern:
        raise GraphBreak("setting the shape of an argument or a global array changes the caller's array")
    if not isinstance(shape, (int, np.integer, tuple, list)):
        raise GraphBreak(f"setting ndarray.shape to a {type(shape).__name__}")
    r = reshape(a, shape)
    if r._buf is None or r._buf is not a._buf:
        raise AttributeError("Incompatible shape for in-place modification. Use `.reshape()` to make a copy with the desired shape.")
    for name in ("_vid", "shape", "_buf", "_path", "_ver", "_contig", "_layout"):
        object.__setattr__(a, name, getattr(r, name))


@_register(FUNCTIONS, "transpose")
def transpose(a, axes=None):
    a = operand(a)
    if axes is None:
        perm = tuple(reversed(range(a.ndim)))
    else:
        if len(axes) != a.ndim:
            raise ValueError("axes don't match array")
        perm = tuple(normalize_axis_index(ax, a.ndim) for ax in axes)
        if len(set(perm)) != len(perm):
            raise ValueError("repeated axis in transpose")
    if a.ndim < 2:
        return _reshape_view(a, a.shape)
    op = f"permute[perm={_tuple(perm)}]"
    moved = [p for p in perm if a.shape[p] != 1]
    return view(a, op, _record(op, a), contiguous=moved == sorted(moved))


@_register(FUNCTIONS, "expand_dims")
def expand_dims(a, axis):
    a = operand(a)
    axes = normalize_axis_tuple(axis, a.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1))
    it = iter(a.shape)
    shape = tuple(1 if i in axes else next(it) for i in range(a.ndim + len(axes)))
    return _reshape_view(a, shape)


@_register(FUNCTIONS, "squeeze")
def squeeze(a, axis=None):
    a = operand(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
    elif a.ndim == 0 and _is_int(axis) and axis in (0, -1):
        axes = ()  # as in reductions, NumPy lets axis 0 and -1 through for 0-d arrays
    else:
        axes = normalize_axis_tuple(axis, a.ndim)
        if any(a.shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    shape = tuple(d for i, d in enumerate(a.shape) if i not in axes)
    return _reshape_view(a, shape)


@_register(FUNCTIONS, "ravel")
def ravel(a, order="C"):
    a = operand(a)
    if order in ("K", "A") and a._contig and a._layout is None:
        order = "C"  # memory order is C order here
    if order != "C":
        raise GraphBreak(f"ravel with order={order!r} is not compiled yet")
    if a._layout == "maybe":
        return freeze(a, _copy_of(a).reshape(-1), "a ravel")
    if a._layout == "unknown":
        raise GraphBreak("ravel of an array whose memory layout NumPy chose (fancy indexing of a strided view)")
    if not a._contig:
        # NumPy's ravel views only a C-contiguous array (even where reshape
        # could). The tracer's flag does not compose views (`a.T.T` is C order
        # again): a stand-in with the view's strides says which it is.
        from .bits import _stand_in_strides
        stand_in = _stand_in_strides(a)
        if stand_in is None:
            return freeze(a, _copy_of(a).reshape(-1), "a ravel of a strided view")
        if not stand_in.flags.c_contiguous:
            return _copy_of(a).reshape(-1)
        op = f"reshape[shape={_tuple((a.size,))}]"
        return view(a, op, _record(op, a), contiguous=True)
    return _reshape_view(a, (a.size,))


@_register(FUNCTIONS, "shape")
def shape(a):
    return operand(a).shape


@_register(FUNCTIONS, "ndim")
def ndim(a):
    return operand(a).ndim


@_register(FUNCTIONS, "size")
def size(a, axis=None):
    a = operand(a)
    return a.size if axis is None else a.shape[axis]


def method_reshape(a, *shape, order="C", copy=None):
    return reshape(a, _shape_arg(shape), order=order)


def method_transpose(a, *axes):
    axes = _shape_arg(axes)
    return transpose(a, axes if axes else None)


def method_squeeze(a, axis=None):
    return squeeze(a, axis)


def method_ravel(a, order="C"):
    return ravel(a, order)


def method_flatten(a, order="C"):
    if order != "C":
        raise GraphBreak(f"flatten with order={order!r} is not compiled yet")
    return copy(a).reshape(-1)


# ---- shapes and diagonals -------------------------------------------------

def _read_only(r):
    """NumPy returns a read-only view here: a write through it raises, as there."""
    from .._trace import Buffer
    if r._buf is None:
        Buffer(current_tracer(), r, writeable=False)
    else:
        r._buf.writeable = False
    return r


@_register(FUNCTIONS, "swapaxes")
def swapaxes(a, axis1, axis2):
    a = operand(a)
    axis1, axis2 = normalize_axis_index(axis1, a.ndim), normalize_axis_index(axis2, a.ndim)
    perm = list(range(a.ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return scalar_method_result(a, transpose(a, perm))


@_register(FUNCTIONS, "repeat")
def repeat(a, repeats, axis=None):
    """Each element `repeats` times: an index of static positions, made by
    NumPy from the repeat counts (its errors for negative or mismatched counts)."""
    if isinstance(repeats, Proxy) or (isinstance(repeats, (list, tuple)) and any(isinstance(r, Proxy) for r in _flatten(repeats))):
        raise GraphBreak("np.repeat with traced repeat counts has a data-dependent shape")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    positions = np.repeat(np.arange(a.shape[axis]), repeats)
    return _take(a, _constant(positions), axis)


def _diagonal_positions(shape, offset, axis1, axis2):
    ndim = len(shape)
    axis1, axis2 = normalize_axis_index(axis1, ndim), normalize_axis_index(axis2, ndim)
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    n1, n2 = shape[axis1], shape[axis2]
    i0, j0 = max(-offset, 0), max(offset, 0)
    n = max(min(n1 - i0, n2 - j0), 0)
    return axis1, axis2, (np.arange(n) + i0) * n2 + np.arange(n) + j0


@_register(FUNCTIONS, "diagonal")
def diagonal(a, offset=0, axis1=0, axis2=1):
    """NumPy's diagonal: the two axes removed, the diagonal appended last (a
    read-only view there; a copy here, read-only too)."""
    a = operand(a)
    if a.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    axis1, axis2, flat = _diagonal_positions(a.shape, int(offset), axis1, axis2)
    rest = [d for d in range(a.ndim) if d not in (axis1, axis2)]
    moved = _copy_of(transpose(a, rest + [axis1, axis2]))
    pairs = reshape(moved, tuple(a.shape[d] for d in rest) + (a.shape[axis1] * a.shape[axis2],))
    return _read_only(_take(pairs, _constant(flat), pairs.ndim - 1))


@_register(FUNCTIONS, "trace")
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no({"out": out}, "np.trace")
    return _reduce("sum", diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def method_swapaxes(a, axis1, axis2):
    return swapaxes(a, axis1, axis2)


def method_repeat(a, repeats, axis=None):
    return repeat(a, repeats, axis)


def method_diagonal(a, offset=0, axis1=0, axis2=1):
    return diagonal(a, offset, axis1, axis2)


def method_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return trace(a, offset, axis1, axis2, dtype, out)


@_register(FUNCTIONS, "broadcast_to")
def broadcast_to(array, shape, subok=False):
    """A read-only view in NumPy; here the values broadcast (a select over a
    mask of the result's shape moves no arithmetic through them)."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    a = operand(array)
    numpy_raises(np.broadcast_to, a, shape)
    if a.shape == shape:
        return _read_only(_reshape_view(a, shape))
    every = _constant(np.ones(shape, dtype=bool))
    r = where(every, a, a)
    r._scalar = False
    return _read_only(r)


@_register(FUNCTIONS, "broadcast_arrays")
def broadcast_arrays(*args, subok=False):
    arrays = [operand(a) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return tuple(a if a.shape == shape else broadcast_to(a, shape) for a in arrays)


# ---- joining ------------------------------------------------------------

@_register(FUNCTIONS, "concatenate")
def concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    arrays = [operand(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if dtype is not None or out is not None or casting != "same_kind":
        # NumPy's casting rule for the inputs (to dtype= or out's dtype), on stand-ins.
        if out is not None:
            _check_output_writeable(out)
        probe = {"out": np.empty(operand(out).shape, operand(out).dtype)} if out is not None else {}
        if sum(a.size for a in arrays) <= 1 << 20:
            numpy_raises(np.concatenate, arrays, axis=axis, dtype=dtype, casting=casting, **probe)
        else:
            raise GraphBreak("np.concatenate with dtype=, out= or casting= of large arrays is not compiled yet")
        target = np.dtype(dtype) if dtype is not None else (operand(out).dtype if out is not None else None)
        if target is not None:
            arrays = [a if a.dtype == target else astype(a, target) for a in arrays]
        r = concatenate(arrays, axis=axis)
        return r if out is None else _store("concatenate", out, r, "unsafe")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if arrays[0].ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, arrays[0].ndim)
    return current_tracer().record(f"concat[axis={axis},n={len(arrays)}]", arrays)


@_register(FUNCTIONS, "stack")
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    arrays = [operand(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(axis, arrays[0].ndim + 1)
    return concatenate([_copy_of(expand_dims(a, axis)) for a in arrays], axis=axis, out=out, dtype=dtype,
                       casting=casting)


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .elementwise import where  # noqa: E402
from .reductions import _reduce  # noqa: E402
from .indexing import _take  # noqa: E402
from .creation import _constant, _copy_of, astype, copy  # noqa: E402
