"""`a[mask]` while tracing: a selection whose length is known only when the
plan runs. It is kept as the whole array and its mask, so what the program
does with it compiles where the length never shows:

- elementwise ufuncs and operators of selections by the same mask (and
  scalars) are selections of the elementwise result;
- `a[mask] = selection` (same mask) and `a[mask] op= ...` are a select;
- `sum`, `prod`, `mean`, `any`, `all` and `np.count_nonzero` of a selection
  are reductions with the unselected elements left out (`where=`).

Anything that would show the length (returning it, its shape, indexing it,
`len`, `max` of a possibly empty selection) is a graph break: NumPy runs it."""

from __future__ import annotations

import numpy as np

from .._trace import GraphBreak, Proxy, user_line

_SHAPE_BREAK = "a[mask] has a data-dependent shape"


def _snapshot(p):
    """The array's value now (a selection is a copy: later writes do not reach it)."""
    return Proxy(p._id, p.dtype, p.shape, p._scalar)


class Selection:
    """`values[mask]`: `values` and `mask` of one shape, both traced."""

    __slots__ = ("values", "mask", "key", "where")
    __array_priority__ = 2000

    def __init__(self, values, mask):
        object.__setattr__(self, "values", _snapshot(values))
        object.__setattr__(self, "mask", _snapshot(mask))
        object.__setattr__(self, "key", self.mask._vid)
        object.__setattr__(self, "where", user_line())  # the line that selected

    dtype = property(lambda self: self.values.dtype)
    ndim = property(lambda self: 1)

    def __repr__(self):
        raise GraphBreak(f"{_SHAPE_BREAK} (its repr)")

    __str__ = __repr__

    def __format__(self, spec):
        raise GraphBreak(f"{_SHAPE_BREAK} (formatting it)")

    # ---- what shows the length: NumPy runs it -----------------------------
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise GraphBreak(f"{_SHAPE_BREAK} (its .{name})")

    def __setattr__(self, name, value):
        raise GraphBreak(f"{_SHAPE_BREAK} (setting its .{name})")

    def _break(self, *args, **kwargs):
        raise GraphBreak(_SHAPE_BREAK)

    __len__ = __iter__ = __getitem__ = __setitem__ = __array__ = _break
    __bool__ = __int__ = __float__ = __complex__ = __index__ = _break
    shape = property(_break)
    size = property(_break)

    # ---- reductions ---------------------------------------------------------
    @staticmethod
    def _whole(kind, axis, out, keepdims, kwargs):
        """A reduction of a selection compiles over all of it, as a scalar."""
        if axis not in (None, 0, -1, (0,), (-1,)) or keepdims or kwargs or out is not None:
            raise GraphBreak(f"{_SHAPE_BREAK} ({kind} with these arguments)")

    def _reduce(self, kind, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        from . import _reduce

        self._whole(kind, axis, out, keepdims, kwargs)
        return _reduce(kind, self.values, axis=None, dtype=dtype, where=self.mask)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return self._reduce("sum", axis, dtype, out, keepdims, **kwargs)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return self._reduce("prod", axis, dtype, out, keepdims, **kwargs)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return self._reduce("mean", axis, dtype, out, keepdims, **kwargs)

    def any(self, axis=None, out=None, keepdims=False, **kwargs):
        return self._reduce("any", axis, None, out, keepdims, **kwargs)

    def all(self, axis=None, out=None, keepdims=False, **kwargs):
        return self._reduce("all", axis, None, out, keepdims, **kwargs)

    def _extreme(self, kind, axis=None, out=None, keepdims=False, **kwargs):
        """max/min over the selected elements; NumPy's ValueError, when run,
        where nothing is selected."""
        from . import UFUNCS, _reduce, check, where

        self._whole(kind, axis, out, keepdims, kwargs)
        kind_ = self.dtype.kind
        if kind_ == "c":
            raise GraphBreak(f"{_SHAPE_BREAK} ({kind} of complex values)")
        check("empty_maximum" if kind == "max" else "empty_minimum",
              UFUNCS["logical_not"](_reduce("any", self.mask)))
        if kind_ == "f":
            fill = -np.inf if kind == "max" else np.inf
        elif kind_ == "b":
            fill = kind != "max"
        else:
            info = np.iinfo(self.dtype)
            fill = int(info.min if kind == "max" else info.max)
        filled = where(self.mask, self.values, fill)
        filled._scalar = False
        return _reduce(kind, filled)

    def max(self, axis=None, out=None, keepdims=False, **kwargs):
        return self._extreme("max", axis, out, keepdims, **kwargs)

    def min(self, axis=None, out=None, keepdims=False, **kwargs):
        return self._extreme("min", axis, out, keepdims, **kwargs)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        from . import astype

        if casting != "unsafe":
            raise GraphBreak(f"{_SHAPE_BREAK} (astype with casting={casting!r})")
        return Selection(astype(self.values, dtype), self.mask)

    def copy(self, order="C"):
        return self

    # ---- NumPy's protocols --------------------------------------------------
    def __array_function__(self, func, types, args, kwargs):
        name = func.__name__
        if getattr(func, "__module__", None) == "numpy" and args and args[0] is self:
            if name in ("sum", "prod", "mean", "any", "all", "max", "min", "amax", "amin"):
                name = {"amax": "max", "amin": "min"}.get(name, name)
                return getattr(self, name)(*args[1:], **kwargs)
            if name == "count_nonzero" and len(args) == 1 and not kwargs:
                from . import UFUNCS, _reduce
                return _reduce("sum", UFUNCS["not_equal"](self.values, 0), dtype=np.intp, where=self.mask)
        raise GraphBreak(f"{_SHAPE_BREAK} (np.{name} of it)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from . import UFUNCS, numpy_errors

        name = ufunc.__name__
        if method != "__call__" or kwargs or name not in UFUNCS or ufunc.nout != 1 or ufunc.signature:
            raise GraphBreak(f"{_SHAPE_BREAK} (np.{name}.{method} of it)" if method != "__call__"
                             else f"{_SHAPE_BREAK} (np.{name} with these arguments)")
        operands = []
        for x in inputs:
            if isinstance(x, Selection):
                if x.key != self.key:
                    raise GraphBreak(f"{_SHAPE_BREAK} (selections by different masks)")
                operands.append(x.values)
            elif isinstance(x, (bool, int, float, complex, np.generic)) or (isinstance(x, Proxy) and x.ndim == 0):
                operands.append(x)
            else:
                raise GraphBreak(f"{_SHAPE_BREAK} (combined with an array)")
        with numpy_errors(name, tuple(operands)):
            r = UFUNCS[name](*operands)
        exponent = inputs[1] if len(inputs) == 2 else None
        if name == "power" and r.dtype.kind in "iu" and not (
                isinstance(exponent, (int, np.integer)) and not isinstance(exponent, bool) and exponent >= 0):
            # An unselected negative exponent would raise where NumPy does not.
            raise GraphBreak(f"{_SHAPE_BREAK} (an integer power of it)")
        return Selection(r, self.mask)


def _operator(name, reflected=False):
    ufunc = getattr(np, name)

    def op(self, other):
        return ufunc(other, self) if reflected else ufunc(self, other)

    return op


for _dunder, _name in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "power", "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift", "divmod": "divmod", "matmul": "matmul",
}.items():
    setattr(Selection, f"__{_dunder}__", _operator(_name))
    setattr(Selection, f"__r{_dunder}__", _operator(_name, reflected=True))
def _inplace(name):
    ufunc = getattr(np, name)

    def op(self, other):
        """`sel op= x`: the ufunc into the selection itself (NumPy's same_kind
        rule for its dtype); the selection is a copy of a's elements, so `a`
        is not written, but every name bound to it sees the change."""
        from . import astype, output_casting_error

        r = ufunc(self, other)
        if not np.can_cast(r.dtype, self.dtype, casting="same_kind"):
            raise output_casting_error(name, r.dtype, self.dtype)
        values = r.values if r.dtype == self.dtype else astype(r.values, self.dtype)
        object.__setattr__(self, "values", _snapshot(values))
        return self

    return op


for _dunder, _name in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "power", "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift",
}.items():
    setattr(Selection, f"__i{_dunder}__", _inplace(_name))
for _dunder, _name in {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
                       "ge": "greater_equal"}.items():
    setattr(Selection, f"__{_dunder}__", _operator(_name))
Selection.__neg__ = lambda self: np.negative(self)
Selection.__pos__ = lambda self: np.positive(self)
Selection.__round__ = Selection._break
Selection.__contains__ = Selection._break
Selection.__reversed__ = Selection._break
Selection.__abs__ = lambda self: np.absolute(self)
Selection.__invert__ = lambda self: np.invert(self)
Selection.__hash__ = None


def select(a, mask):
    """`a[mask]` of a boolean mask of `a`'s shape."""
    from . import operand

    return Selection(operand(a), operand(mask))


def store(a, mask, value):
    """`a[mask] = value` where `value` is a selection: the selected elements
    (by the same mask) replace a's, as NumPy's boolean-index assignment."""
    from . import _record, astype, operand, write

    m = operand(mask)
    if value.key != m._id:
        raise GraphBreak(f"{_SHAPE_BREAK} (stored through a different mask)")
    v = value.values
    if v.dtype.kind == "c" and a.dtype.kind != "c":
        from .._trace import warn_every_call
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    v = v if v.dtype == a.dtype else astype(v, a.dtype)
    write(a, (), _record("where", value.mask, v, operand(a)))
