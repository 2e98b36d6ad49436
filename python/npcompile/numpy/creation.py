"""Creation: the `CREATION` table of np.zeros/ones/empty/full/array/asarray/
ascontiguousarray/... reached through the tracing namespace (static arguments
make constants), `_constant`, np.array of lists holding traced values
(`_stack_nested`), the np.broadcast shim, np.result_type/can_cast on
stand-ins, copy and astype, and Python's builtin max/min over traced values
(`BUILTINS`)."""

from __future__ import annotations

import warnings

import numpy as np

from .._trace import GraphBreak, Proxy, current_tracer, warn_every_call
from .core import FUNCTIONS, UFUNCS, _break, _flatten, _record, _register, _stand_in, _tuple, numpy_raises, operand


# Reached through the tracing namespace (`np` inside a traced function). Arrays
# made from static arguments are made by NumPy at trace time and enter the plan
# as private constants; they are values like any other (writes are functional).

CREATION = {}


def _constant(array):
    if np.asarray(array).dtype.kind not in "biufc":
        raise GraphBreak(f"an array of dtype {np.asarray(array).dtype}")
    # ascontiguousarray makes a 0-d array 1-d: keep the shape.
    return current_tracer().constant(np.ascontiguousarray(array).reshape(np.shape(array)))


def _static(name, *args, **kwargs):
    if any(isinstance(a, Proxy) for a in list(args) + list(kwargs.values())):
        raise GraphBreak(f"np.{name} with a traced argument is not compiled yet")


def _maker(name):
    real = getattr(np, name)

    def make(*args, **kwargs):
        _static(name, *args, **kwargs)
        if kwargs.get("like") is not None:
            raise GraphBreak(f"np.{name} with like= is not compiled yet")
        return _constant(real(*args, **kwargs))

    make.__name__ = name
    return make


for _name in ("zeros", "ones", "empty", "arange", "linspace", "eye", "identity"):
    CREATION[_name] = _maker(_name)


def _like(name, fill):
    def make(a, dtype=None, order="K", subok=True, shape=None, **kwargs):
        if kwargs.get("device") not in (None, "cpu"):
            raise GraphBreak(f"np.{name} with device= is not compiled yet")
        if not isinstance(a, Proxy):
            return _constant(getattr(np, name)(a, dtype=dtype, order=order, subok=subok, shape=shape))
        out = _constant(np.zeros(a.shape if shape is None else shape, dtype=a.dtype if dtype is None else dtype))
        if fill is not None:
            copyto(out, fill, casting="unsafe")
        return _prototype_order(out, a, order, shape)

    make.__name__ = name
    return make


CREATION["zeros_like"] = _like("zeros_like", None)
CREATION["empty_like"] = _like("empty_like", None)
CREATION["ones_like"] = _like("ones_like", 1)


def full(shape, fill_value, dtype=None, order="C", **kwargs):
    _static("full", shape)
    if not isinstance(fill_value, Proxy):
        return _constant(np.full(shape, fill_value, dtype=dtype, order=order, **kwargs))
    out = _constant(np.zeros(shape, dtype=fill_value.dtype if dtype is None else dtype))
    copyto(out, fill_value, casting="unsafe")  # as NumPy's np.full
    return out


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kwargs):
    if not isinstance(a, Proxy) and not isinstance(fill_value, Proxy):
        return _constant(np.full_like(a, fill_value, dtype=dtype, order=order, subok=subok, shape=shape))
    a = operand(a)
    out = _constant(np.zeros(a.shape if shape is None else shape, dtype=a.dtype if dtype is None else dtype))
    copyto(out, fill_value, casting="unsafe")  # as NumPy's np.full_like
    return _prototype_order(out, a, order, shape)


def _prototype_order(out, a, order, shape):
    """`out` (made C-ordered) where NumPy makes it in `a`'s order or Fortran
    order: its layout is not known here ("maybe")."""
    if out.ndim >= 2 and out.size > 1 and (order == "F" or (
            order in ("K", "A") and shape is None and (not a._contig or a._layout is not None))):
        out._contig, out._layout = False, "maybe"
    return out


CREATION["full"] = full
CREATION["full_like"] = full_like


def array(obj, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None):
    if isinstance(obj, Proxy):
        if copy is False and (obj._scalar or (dtype is not None and np.dtype(dtype) != obj.dtype)):
            numpy_raises(np.array, obj, dtype=dtype, copy=False)  # NumPy's ValueError: a copy is needed
        if dtype is not None and np.dtype(dtype) != obj.dtype:
            r = astype(obj, dtype)
        else:
            r = _copy_of(obj) if copy or obj._scalar else obj
        r._scalar = False
        if ndmin > r.ndim:  # leading axes of length 1, as NumPy's
            r = getitem(r, (None,) * (ndmin - r.ndim) + (Ellipsis,))
        return r
    if isinstance(obj, (list, tuple)) and any(isinstance(i, Proxy) for i in _flatten(obj)):
        if like is not None:
            raise GraphBreak("np.array with like= is not compiled yet")
        r = _stack_nested(obj, dtype, copy, order)
        if ndmin > r.ndim:
            numpy_raises(np.array, 0, ndmin=ndmin)  # NumPy's ValueError beyond its dimensions
            r = reshape(r, (1,) * (ndmin - r.ndim) + r.shape)
        return r
    return _constant(np.array(obj, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin))


def asarray(obj, dtype=None, order=None, *, device=None, copy=None, like=None):
    if device not in (None, "cpu"):
        raise GraphBreak("np.asarray with device= is not compiled yet")
    if isinstance(obj, Proxy):
        if dtype is not None and np.dtype(dtype) != obj.dtype:
            if copy is False:
                numpy_raises(np.asarray, obj, dtype=dtype, copy=False)  # NumPy's ValueError
            return astype(obj, dtype)
        if copy is False and obj._scalar:
            numpy_raises(np.asarray, obj, copy=False)
        return _copy_of(obj) if copy or obj._scalar else obj  # a NumPy scalar becomes a 0-d array
    return array(obj, dtype=dtype, copy=copy, order="K" if order is None else order, like=like)


def _copy_of(a):
    return _record(f"reshape[shape={_tuple(a.shape)}]", a)


def ascontiguousarray(a, dtype=None, *, like=None):
    if like is not None:
        raise GraphBreak("np.ascontiguousarray with like= is not compiled yet")
    r = asarray(a, dtype=dtype)
    return reshape(r, (1,)) if r.ndim == 0 else r  # at least 1-d, as NumPy's


class _Broadcast:
    """`np.broadcast(...)` of traced arrays: the shape NumPy would broadcast to
    (its ValueError where none), for code that only asks for shape/ndim/size."""

    def __init__(self, *args):
        self.shape = np.broadcast_shapes(*(np.shape(a) if not isinstance(a, Proxy) else a.shape for a in args))
        self.ndim = self.nd = len(self.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.numiter = len(args)

    def __iter__(self):
        raise GraphBreak("iterating np.broadcast of traced arrays")


def broadcast(*args):
    if any(isinstance(a, Proxy) for a in args):
        return _Broadcast(*args)
    return np.broadcast(*args)


CREATION["broadcast"] = broadcast
CREATION["array"] = array
CREATION["asarray"] = asarray
FUNCTIONS["result_type"] = lambda *arrays_and_dtypes: np.result_type(*(_stand_in(x, empty=True) for x in arrays_and_dtypes))
FUNCTIONS["can_cast"] = lambda from_, to, casting="safe": np.can_cast(_stand_in(from_, empty=True), to, casting)
FUNCTIONS["min_scalar_type"] = lambda a: _break("np.min_scalar_type of a traced array depends on its values")
CREATION["asanyarray"] = asarray  # a traced array is a base-class ndarray
CREATION["ascontiguousarray"] = ascontiguousarray
for _name in ("zeros_like", "ones_like", "empty_like", "full_like"):
    FUNCTIONS[_name] = CREATION[_name]


def _stack_nested(obj, dtype=None, copy=True, order="K"):
    """np.array of a (nested) list holding traced values. NumPy's dtype is the
    promotion of the elements as arrays (a Python scalar is not weak there:
    np.array([1, np.float32(2)]) is float64); it, the shape and NumPy's errors
    (a ragged list, a Python int out of range for dtype=, copy=False) come
    from NumPy run on stand-ins of the traced values; elements are stored
    as NumPy stores them (setitem's rules for a NumPy scalar)."""
    leaves = list(_flatten(obj))
    for leaf in leaves:
        if not isinstance(leaf, (Proxy, bool, int, float, complex, np.generic, np.ndarray)):
            raise GraphBreak(f"np.array of a list holding traced arrays and a {type(leaf).__name__}")

    def stand_in(x):
        if isinstance(x, (list, tuple)):
            return type(x)(stand_in(i) for i in x)
        if isinstance(x, Proxy):
            return x.dtype.type(0) if x._scalar else np.broadcast_to(np.zeros((), x.dtype), x.shape)
        return x

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            probe = np.array(stand_in(obj), dtype=dtype, copy=copy, order=order)
        except Exception as theirs:  # noqa: BLE001 -- NumPy's own error is the answer
            raise theirs.with_traceback(None) from None
    target = probe.dtype
    if target.kind not in "biufc":
        raise GraphBreak(f"np.array of a list holding traced arrays, of dtype {target}")
    if order == "F" and probe.ndim > 1:
        raise GraphBreak("np.array of a list holding traced arrays, with order='F', is not compiled yet")

    def build(x, shape):
        if isinstance(x, Proxy):
            if x._scalar and target.kind == "i" and x.dtype.kind in "iuf" and not np.can_cast(x.dtype, target):
                # NumPy stores a NumPy scalar as setitem does, through a Python
                # int: its OverflowError (ValueError for NaN) when the plan runs.
                x = _record(f"check_int[to={target.name}]", x)
            r = x if x.dtype == target else astype(x, target)
        elif isinstance(x, (list, tuple)) and any(isinstance(i, Proxy) for i in _flatten(x)):
            r = stack([build(i, shape[1:]) for i in x])
        else:
            # As NumPy stores a list's element (np.array(x, dtype) may convert differently).
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                static = np.array([x], dtype=target)
            r = _constant(static.reshape(static.shape[1:]))
        if r.shape != shape:
            raise GraphBreak("np.array of a list holding traced arrays: shapes not as NumPy's")  # not expected
        return r

    r = build(obj, probe.shape)
    r._scalar = False
    return r


# ---- copies and casts ---------------------------------------------------

@_register(FUNCTIONS, "copy")
def copy(a, order="K", subok=False):
    a = operand(a)
    r = _record(f"reshape[shape={_tuple(a.shape)}]", a)
    return _keep_order(r, a) if order in ("K", "A") else r


@_register(FUNCTIONS, "astype")
def astype(a, dtype, /, *, copy=True, device=None):
    a = operand(a)
    dtype = np.dtype(dtype)
    if not copy and dtype == a.dtype and not a._scalar:
        return a  # NumPy returns the array itself
    if dtype.kind not in "biufc":
        raise GraphBreak(f"astype to {dtype} is not compiled yet")
    if a.dtype.kind == "c" and dtype.kind != "c":
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    return _keep_order(_record(f"cast[to={dtype.name}]", a), a)


def method_astype(a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    r = astype(a, dtype, copy=copy)
    if r is a:
        return r
    r._scalar = a._scalar
    return r


def method_copy(a, order="C"):
    return copy(a)


# ---- Python builtins on traced values -----------------------------------
# Reached through the tracing globals: a name a traced function reads from
# builtins is looked up here first.

BUILTINS = {}


def _builtin_extreme(real, pick):
    """Python's `max`/`min` over traced values: the first item, replaced by each
    later one that compares greater (less), as CPython's loop does; so NaN keeps
    what it meets, exactly as there. A select per item, where every item has
    the same type, dtype and shape (else which one wins decides the result's
    type: NumPy runs it)."""

    def extreme(*args, **kwargs):
        items = args[0] if len(args) == 1 else args
        if isinstance(items, Proxy):
            items = list(items)
        elif isinstance(items, (list, tuple)):
            items = list(items)
        else:
            return real(*args, **kwargs)
        if not any(isinstance(i, Proxy) for i in items):
            return real(*args, **kwargs)
        name = real.__name__
        if kwargs:
            raise GraphBreak(f"builtin {name}() with {', '.join(kwargs)}= on traced values is not compiled yet")
        first = items[0]
        same = all(isinstance(i, Proxy) and i.dtype == first.dtype and i._scalar == first._scalar
                   and i.shape == first.shape for i in items)
        if not same:
            raise GraphBreak(f"builtin {name}() of values of different types (the winner's type would depend on the values)")
        if first.size != 1:
            raise GraphBreak(f"builtin {name}() of arrays of more than one element")
        acc = first
        for item in items[1:]:
            r = where(UFUNCS[pick](item, acc), item, acc)
            r._scalar = first._scalar
            acc = r
        return acc

    extreme.__name__ = real.__name__
    return extreme


BUILTINS["max"] = _builtin_extreme(max, "greater")
BUILTINS["min"] = _builtin_extreme(min, "less")


def _builtin_type(*args, **kwargs):
    """Python's `type()` in the user's traced code: of a traced value, the type
    NumPy's value has (`np.ndarray`, or its NumPy scalar type), as `isinstance`
    already answers; `type(x) is np.float64` took the other branch before.
    Anything else (and `type(name, bases, dict)`) is Python's own."""
    if len(args) == 1 and not kwargs and isinstance(args[0], Proxy):
        return args[0].__class__
    return type(*args, **kwargs)


BUILTINS["type"] = _builtin_type


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .ufuncs import _keep_order  # noqa: E402
from .elementwise import where  # noqa: E402
from .shapes import reshape, stack  # noqa: E402
from .indexing import copyto, getitem  # noqa: E402
