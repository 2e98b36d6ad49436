"""The tracer: proxies stand in for the array arguments, the user's function runs
once on them, and every NumPy call on a proxy records a node into the Rust graph
builder (whose type inference raises NumPy's errors at the user's line)."""

from __future__ import annotations

import dis
import gc
import inspect
import itertools
import os
import sys
import threading
import types
import warnings

import numpy as np
import torch

from . import _core


class NpCompileWarning(UserWarning):
    """A function (for one signature) runs under plain NumPy instead of compiled."""


class GraphBreakError(RuntimeError):
    """Raised with `np_compile(fullgraph=True)` where tracing cannot continue."""


class GraphBreak(BaseException):
    """Inside the tracer: this code cannot be compiled; `reason` says why.
    A BaseException, so a user's `except Exception:` cannot swallow it and trace
    the other branch."""

    def __init__(self, reason, where=None):
        super().__init__(reason)
        self.reason = reason
        # The user's (file, line) to name where the traceback cannot (a value
        # made on one line that breaks where it is returned).
        self.where = where


_state = threading.local()

#: What `NPCOMPILE_LOG` (comma-separated: breaks, recompiles, graph, plan) asks to log to stderr.
LOG = frozenset(k.strip() for k in os.environ.get("NPCOMPILE_LOG", "").split(",") if k.strip())


def log(kind, text):
    if kind in LOG:
        print(f"[npcompile {kind}] {text}", file=sys.stderr, flush=True)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def tracing() -> bool:
    return getattr(_state, "tracer", None) is not None


def current_tracer() -> "Tracer":
    tracer = getattr(_state, "tracer", None)
    if tracer is None:
        raise GraphBreak("a traced array escaped its trace")
    return tracer


_RAISING_LINALG = ("cholesky", "inv", "solve", "solve_vector")  # LinAlgError when run


class Tracer:
    def __init__(self, name):
        self.builder = _core.GraphBuilder(name)
        self.captured = []
        self._captured_ids = {}
        self.buffers = []
        self.n_inputs = 0
        self.warnings = []
        self.checks = []
        self.rebinder = _Rebinder(self)
        self._captured_at = {}  # input index -> the captured array
        self.viewable = {}  # input index -> whether views of it can be returned as views
        self.products = {}  # value id of a recorded 2-D matrix product -> its chain of operands
        self._constants = {}  # value id of a constant the trace made -> its array
        self._recorded = {}  # (op, operand ids) -> (id, dtype, shape)
        self._literals = {}

    def _temporary(self, array):
        """Whether nothing but this tracer refers to `array` (an array made and
        dropped while tracing, not a global, an attribute or a cell's)."""
        held = sum(x is array for x in self.captured) + sum(x is array for x in self._captured_at.values())
        return sys.getrefcount(array) - 2 - held <= 0  # the argument and the caller's local

    def record(self, op, args, scalar=False):
        # Ops are pure (writes are new values): the same op of the same values
        # is the same value (so `a[b > 1] *= b[b > 1]` selects by one mask).
        key = (op, tuple([a._id for a in args]))
        known = self._recorded.get(key)
        if known is not None:
            return Proxy(*known, scalar)
        vid, dtype, shape = self.builder.add(op, list(key[1]))
        self._recorded[key] = (vid, dtype, shape)
        r = Proxy(vid, dtype, shape, scalar)
        if len(shape) >= 2 and any(a._layout is not None and a.ndim >= 2 and a.size > 1 for a in args):
            # NumPy may allocate it in that operand's order (order='K'): a
            # reshape or ravel of it copies, and writes into either then break.
            r._contig, r._layout = False, "maybe"
        raising = op.startswith(("take[", "check_int[", "check[", "host[")) or op in _RAISING_LINALG or (
            op == "power" and r.dtype.kind == "i")
        if raising and op.startswith("take[") and self._take_in_range(op, args):
            raising = False  # positions the trace made, all within the axis
        if raising:
            # May raise at run time (an index out of range, a negative integer
            # exponent, a stored scalar that does not fit): computed even where
            # its value is never used. Inside a `try` with an `except` of the
            # traced code, the plan's exception would come after the handler ran
            # its course: such code runs under NumPy.
            if _inside_except_block():
                raise GraphBreak("an operation that may raise when run, inside try/except (the handler "
                                 "would see its exception only under NumPy)")
            self.checks.append(vid)
        return r

    def _take_in_range(self, op, args):
        positions = self._constants.get(args[1]._id)
        if positions is None or positions.dtype.kind not in "iu":
            return False
        size = args[0].shape[int(op[len("take[axis="):-1])]
        return positions.size == 0 or (int(positions.min()) >= -size and int(positions.max()) < size)

    def literal(self, value, dtype=None):
        key = (type(value).__name__, repr(value), str(dtype))  # 1, 1.0 and True differ
        known = self._literals.get(key)
        if known is None:
            known = self._literals[key] = self.builder.literal(value, dtype)
        return Proxy(*known, True)

    def capture(self, array):
        """An array from outside the arguments (a global, a closure, a literal list):
        a graph input read by reference at every call."""
        key = id(array)
        if key not in self._captured_ids:
            self.captured.append(array)
            self._captured_at[self.n_inputs] = array
            self._captured_ids[key] = self.input(f"c{len(self.captured) - 1}", array)
        return self._captured_ids[key]

    def constant(self, array):
        """An array the function creates while tracing (np.zeros(...)): private to
        the plan, passed in by reference, never written back."""
        self.captured.append(array)
        proxy = self.input(f"k{len(self.captured) - 1}", array, private=True)
        self._constants[proxy._vid] = array
        return proxy

    def input(self, name, leaf, private=False):
        if isinstance(leaf, torch.Tensor):
            dtype = str(leaf.dtype).removeprefix("torch.")
            dtype = {"bool": "bool", "half": "float16", "float": "float32", "double": "float64", "int": "int32", "long": "int64"}.get(dtype, dtype)
            shape, scalar = tuple(leaf.shape), False
        else:
            dtype, shape, scalar = leaf.dtype.name, tuple(np.shape(leaf)), isinstance(leaf, np.generic)
        vid, dt, shp = self.builder.input(name, dtype, list(shape))
        proxy = Proxy(vid, dt, shp, scalar)
        proxy._extern = not private
        # NumPy arguments of a layout the signature fixes (C or Fortran): a view
        # of one can be returned as NumPy's view of the caller's array.
        self.viewable[self.n_inputs] = (isinstance(leaf, np.ndarray) and not private and not scalar
                                        and (leaf.flags.c_contiguous or leaf.flags.f_contiguous))
        if isinstance(leaf, np.ndarray) and not scalar and not leaf.flags.c_contiguous:
            # The signature tells C, Fortran and other orders apart: a Fortran
            # argument's layout is known, any other is NumPy's to see at run time.
            proxy._contig = False
            proxy._layout = tuple(c_strides(shape[::-1])[::-1]) if leaf.flags.f_contiguous else "unknown"
        if not scalar:
            writeable = leaf.flags.writeable if isinstance(leaf, np.ndarray) else True
            Buffer(self, proxy, source=None if private else self.n_inputs, writeable=writeable)
        self.n_inputs += 1
        return proxy

    def writebacks(self, outputs):
        """(input index, output index) for each input whose memory was written:
        the final value is an extra output the call copies into the caller's array."""
        pairs = []
        for buf in self.buffers:
            if buf.source is not None and buf.version > 0:
                if buf.source in self._captured_at and self._temporary(self._captured_at[buf.source]):
                    # An array NumPy made while tracing, in code the trace does
                    # not rebind (a method, a function that assigns globals):
                    # NumPy makes a fresh one at every call, the plan would
                    # keep writing into this one.
                    raise GraphBreak("it writes into an array made by NumPy in code that is not traced "
                                     "(a method or a function that assigns globals: np.zeros there is "
                                     "NumPy's own)")
                outputs.append(buf.base)
                pairs.append((buf.source, len(outputs) - 1))
        return pairs

    def __enter__(self):
        self._outer = getattr(_state, "tracer", None)
        _state.tracer = self
        return self

    def __exit__(self, *exc):
        _state.tracer = self._outer


# np.dtype of the names (and dtypes) proxies are made with.
_DTYPES: dict = {}

# Sets a proxy's slot past `Proxy.__setattr__` (which is for the user's writes):
# the tracer's own bookkeeping, a few times per recorded op.
_set = object.__setattr__


class Proxy:
    """A traced array: its value id in the graph, dtype and shape. `_scalar` marks a
    NumPy scalar (what NumPy returns for 0-d results of ufuncs and reductions)."""

    __slots__ = ("_vid", "dtype", "shape", "_scalar", "_buf", "_path", "_ver", "_contig", "_extern", "_layout")
    __array_priority__ = 1000

    def __init__(self, vid, dtype, shape, scalar=False):
        # Every traced operation makes one: set through object.__setattr__
        # (our own __setattr__ is for the user's writes).
        set_ = object.__setattr__
        shape = tuple(shape)
        set_(self, "_vid", vid)
        dt = _DTYPES.get(dtype)
        if dt is None:
            dt = _DTYPES.setdefault(dtype, np.dtype(dtype))
        set_(self, "dtype", dt)
        set_(self, "shape", shape)
        set_(self, "_scalar", bool(scalar) and not shape)
        # Views: the buffer this array shares memory with, the view steps from the
        # buffer's base to it, and the buffer version `_vid` was derived at.
        set_(self, "_buf", None)
        set_(self, "_path", ())
        set_(self, "_ver", 0)
        set_(self, "_contig", True)
        # The caller's own object (an argument or a global): changing its
        # metadata (`a.shape = ...`) would have to reach the caller.
        set_(self, "_extern", False)
        # NumPy's element strides where an array NumPy made is not C-ordered
        # (a[:, idx] is laid out idx-first): None for C order, "unknown" where
        # the tracer cannot tell (then reshape and ravel break).
        set_(self, "_layout", None)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif self._scalar:
            if hasattr(np.generic, name):
                raise AttributeError(f"attribute '{name}' of 'numpy.generic' objects is not writable")
            raise AttributeError(f"'numpy.{self.dtype.type.__name__}' object has no attribute '{name}'")
        elif name in ("real", "imag"):
            object.__setattr__(self, name, value)  # the properties' setters
        elif name == "shape":
            _np().set_shape(self, value)
        else:
            raise GraphBreak(f"setting ndarray.{name} is not compiled")

    def __delattr__(self, name):
        raise GraphBreak(f"deleting ndarray.{name}")

    @property
    def _id(self):
        """The array's current value: re-derived from its buffer where a write
        through another view (or this one) changed the buffer since."""
        buf = self._buf
        if buf is not None and self._ver != buf.version:
            vid = buf.base
            for op in self._path:
                vid = buf.tracer.builder.add(op, [vid])[0]
            _set(self, "_vid", vid)
            _set(self, "_ver", buf.version)
        return self._vid

    @property
    def flags(self):
        return _Flags(self)

    @property
    def flat(self):
        """`a.flat[...]` (read or written) of an array in C order: its ravel view."""
        if self._scalar or not self._contig or self._layout is not None:
            raise GraphBreak("ndarray.flat of a strided view is not compiled yet")
        return _FlatIter(self)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))
    itemsize = property(lambda self: self.dtype.itemsize)
    nbytes = property(lambda self: self.size * self.dtype.itemsize)
    T = property(lambda self: _np().scalar_method_result(self, _np().transpose(self)))
    # `isinstance(x, np.ndarray)` in the user's code must take the branch NumPy
    # takes (NumPy scalars stay scalars). C code checks the real type.
    __class__ = property(lambda self: self.dtype.type if self._scalar else np.ndarray)
    real = property(lambda self: _np().real(self), lambda self, v: _np().set_real(self, v))
    imag = property(lambda self: _np().imag(self), lambda self, v: _np().set_imag(self, v))

    def __repr__(self):
        if _called_from_user(sys._getframe(1)):
            raise GraphBreak("repr() of a traced array's value")
        return f"<traced {self.dtype.name}{list(self.shape)} %{self._id}>"

    def __str__(self):
        raise GraphBreak("str() of a traced array's value")

    def __format__(self, spec):
        raise GraphBreak("formatting a traced array's value")

    def __hash__(self):
        if self._scalar:
            raise GraphBreak("hash() of a NumPy scalar's value")
        raise TypeError("unhashable type: 'numpy.ndarray'")

    def __contains__(self, value):
        raise GraphBreak("`in` on a traced array (a Python bool of its values)")

    def __round__(self, ndigits=None):
        return _np().builtin_round(self, ndigits)

    def __copy__(self):
        return self if self._scalar else _np().copy(self)

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __reduce_ex__(self, protocol):
        raise GraphBreak("pickling a traced array")

    def __sizeof__(self):
        raise GraphBreak("sys.getsizeof of a traced array")

    # NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _np().dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        # A traced array is a base-class ndarray: wrapping leaves a result as it
        # is (a 0-d one becomes a scalar where NumPy asks for one).
        if isinstance(arr, Proxy) and return_scalar and arr.ndim == 0:
            arr._scalar = True
        return arr

    def __array_function__(self, func, types, args, kwargs):
        return _np().dispatch_function(func, args, kwargs)

    def __array__(self, *a, **k):
        raise GraphBreak("a traced array was converted to a NumPy array (np.asarray or a C extension)")

    # Python protocols that need a value
    def __bool__(self):
        raise GraphBreak("bool() of a traced array (a Python `if` or `and`/`or` on array values)")

    def __int__(self):
        raise GraphBreak("int() of a traced array")

    def __float__(self):
        raise GraphBreak("float() of a traced array")

    def __complex__(self):
        raise GraphBreak("complex() of a traced array")

    def __index__(self):
        raise GraphBreak("a traced array used as a Python index")

    def item(self, *args):
        raise GraphBreak(".item() of a traced array")

    def tolist(self):
        raise GraphBreak(".tolist() of a traced array")

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index):
        return _np().getitem(self, index)

    def __getattr__(self, name):
        # Only reached for attributes the proxy lacks: ndarray has them, so this
        # is unsupported NumPy, not an AttributeError NumPy would raise.
        if name.startswith("__"):
            raise AttributeError(name)
        surface = _np()
        method = surface.METHODS.get(name)
        if method is None:
            raise GraphBreak(f"ndarray.{name} is not compiled yet")
        return lambda *a, **k: surface.scalar_method_result(self, surface.call(method, f"ndarray.{name}", (self,) + a, k))

    def __setitem__(self, index, value):
        if self._scalar:
            raise TypeError(f"'numpy.{self.dtype.type.__name__}' object does not support item assignment")
        _np().setitem(self, index, value)


class _FlatIter:
    """`a.flat` of an array in C order: indexing and assignment through its
    ravel view; anything else a flatiter does is a graph break."""

    def __init__(self, proxy):
        self.base = proxy
        self._view = _np().reshape(proxy, (proxy.size,))

    def __getitem__(self, index):
        return self._view[index]

    def __setitem__(self, index, value):
        self._view[index] = value

    def __iter__(self):
        return iter(self._view)

    def __len__(self):
        return self.base.size

    def __array__(self, *a, **k):
        raise GraphBreak("np.asarray of a traced array's .flat")

    def __getattr__(self, name):
        raise GraphBreak(f"ndarray.flat.{name} is not compiled yet")


class _Flags:
    """`ndarray.flags` of a traced array, where the tracer knows the answer:
    C order of fresh arrays and known views, writeability. An unknown layout
    (NumPy chose it) is a graph break."""

    def __init__(self, proxy):
        self._p = proxy

    def _c(self):
        p = self._p
        if p._layout is None and p._contig:
            return True
        if isinstance(p._layout, tuple):
            return all(n == 1 or s == c for n, s, c in zip(p.shape, p._layout, c_strides(p.shape)))
        raise GraphBreak("ndarray.flags of an array whose memory layout NumPy chose")

    @property
    def c_contiguous(self):
        return self._c() if self._p.size > 1 else True

    @property
    def f_contiguous(self):
        p = self._p
        if p.size <= 1 or sum(n > 1 for n in p.shape) <= 1:
            return p.size <= 1 or self._c()
        if self._c():
            return False
        if isinstance(p._layout, tuple):
            return all(n == 1 or s == c for n, s, c in zip(p.shape[::-1], p._layout[::-1], c_strides(p.shape[::-1])))
        raise GraphBreak("ndarray.flags.f_contiguous of a strided view")

    contiguous = c_contiguous
    fnc = property(lambda self: self.f_contiguous and not self.c_contiguous)
    forc = property(lambda self: self.f_contiguous or self.c_contiguous)
    aligned = property(lambda self: True)
    writebackifcopy = property(lambda self: False)

    @property
    def writeable(self):
        buf = self._p._buf
        return buf.writeable if buf is not None else not self._p._scalar

    def __getattr__(self, name):
        raise GraphBreak(f"ndarray.flags.{name} is not compiled yet")

    def __getitem__(self, key):
        names = {"C_CONTIGUOUS": "c_contiguous", "C": "c_contiguous", "F_CONTIGUOUS": "f_contiguous", "F": "f_contiguous",
                 "WRITEABLE": "writeable", "W": "writeable", "ALIGNED": "aligned", "A": "aligned"}
        if key not in names:
            raise GraphBreak(f"ndarray.flags[{key!r}] is not compiled yet")
        return getattr(self, names[key])


def c_strides(shape):
    """C-order strides of `shape`, in elements."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return strides[::-1]


class Buffer:
    """Memory that several traced arrays view. Writes are functionalized: a write
    records a new base value (slice_scatter) and bumps the version; views derive
    their values from the latest base when read. `source` is the graph input
    whose caller memory receives the final value (write-back), if any."""

    __slots__ = ("tracer", "base", "dtype", "shape", "version", "source", "writeable", "frozen")

    def __init__(self, tracer, proxy, source=None, writeable=True):
        self.tracer = tracer
        # Why a write into this memory cannot be compiled (see `freeze`), or None.
        self.frozen = None
        self.base, self.dtype, self.shape = proxy._id, proxy.dtype, proxy.shape
        self.version = 0
        self.source = source
        self.writeable = writeable
        proxy._buf, proxy._path, proxy._ver = self, (), 0
        tracer.buffers.append(self)


def buffer_of(proxy):
    if proxy._buf is None:
        Buffer(current_tracer(), proxy)
    return proxy._buf


def view(proxy, op, result, contiguous=True):
    """Make `result` (recorded as `op` of `proxy`) a view sharing proxy's memory;
    `contiguous` says whether the view keeps C order within proxy."""
    if proxy._scalar:
        # A NumPy scalar is immutable: what NumPy makes from it (np.asarray,
        # reshape, x[...]) is a new array, never a view of the scalar.
        return result
    buf = buffer_of(proxy)
    _set(result, "_buf", buf)
    _set(result, "_path", proxy._path + (op,))
    _set(result, "_ver", buf.version)
    _set(result, "_contig", proxy._contig and contiguous)
    return result


def freeze(source, result, what):
    """`result` is a copy of `source`'s values where NumPy may have made a view
    (a layout the tracer does not know): reads agree either way, a write into
    either would not, so writes into both break."""
    reason = f"a write after {what}, which NumPy copies or views depending on a memory layout not traced"
    buffer_of(source).frozen = reason
    buffer_of(result).frozen = reason
    return result


def write(proxy, steps, value):
    """`proxy[...steps...] = value`, functionalized: record the new base of
    proxy's buffer. `steps` are view ops (text) from proxy to the written region."""
    buf = buffer_of(proxy)
    if not buf.writeable:
        raise ValueError("assignment destination is read-only")
    if buf.frozen:
        raise GraphBreak(buf.frozen)
    tracer = buf.tracer
    path = list(proxy._path) + list(steps)
    buf.base = _write(tracer, buf.base, buf.shape, buf.dtype, path, value)
    buf.version += 1


def _write(tracer, base, shape, dtype, path, value):
    """The new value of an array `base` of `shape` after writing `value` into the
    region `path` (view ops) selects; views are undone on the way back."""
    b = tracer.builder
    if not path:
        if tuple(value.shape) == tuple(shape):
            # A literal (a Python scalar) is cast even to its own dtype: the cast
            # gives it the array's dtype for good (a weak literal has none).
            same = value.dtype == dtype and not value._scalar
            return value._id if same else b.add(f"cast[to={dtype.name}]", [value._id])[0]
        n = len(shape)
        full = f"starts={tuple_text([0] * n)},lens={tuple_text(shape)},steps={tuple_text([1] * n)}"
        return b.add(f"slice_scatter[{full}]", [base, value._id])[0]
    op, rest = path[0], path[1:]
    if op.startswith("slice[") and not rest:
        return b.add("slice_scatter" + op[len("slice"):], [base, value._id])[0]
    inner, _, inner_shape = b.add(op, [base])
    new_inner = _write(tracer, inner, tuple(inner_shape), dtype, rest, value)
    if op.startswith("slice["):
        return b.add("slice_scatter" + op[len("slice"):], [base, new_inner])[0]
    if op.startswith("reshape["):
        return b.add(f"reshape[shape={tuple_text(shape)}]", [new_inner])[0]
    if op.startswith("permute["):
        perm = [int(p) for p in op[len("permute[perm=("):-2].split(",") if p.strip()]
        inverse = [perm.index(i) for i in range(len(perm))]
        return b.add(f"permute[perm={tuple_text(inverse)}]", [new_inner])[0]
    raise GraphBreak(f"writing through a {op} view is not compiled yet")


def tuple_text(xs):
    """A tuple of ints as op attributes spell it: `()`, `(3,)`, `(2,3)`."""
    return "(" + ",".join(str(int(x)) for x in xs) + ("," if len(xs) == 1 else "") + ")"


_SURFACE = None


def _np():
    global _SURFACE
    if _SURFACE is None:
        from . import numpy as surface

        _SURFACE = surface
    return _SURFACE


def _called_from_user(frame):
    return not os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR)


# Python sequences that repeat under `*` (and have no number multiply of their
# own): a NumPy scalar meeting one repeats it by its value as an index.
_REPEATABLE = (list, tuple, str, bytes, bytearray)


def _python_operand(self, other, name):
    """What NumPy does with `self op other` where `other` is not an array or a
    number: NotImplemented (the other object answers), a result, or a break."""
    if getattr(type(other), "__array_ufunc__", True) is None:
        return NotImplemented  # the object opted out of NumPy's operators
    if type(other).__name__ == "Selection" and type(other).__module__ == "npcompile.numpy.masked":
        return NotImplemented  # a[mask]: its reflected operator answers
    if self._scalar and name == "multiply" and isinstance(other, _REPEATABLE):
        # NumPy's gentype_multiply: sequence repeat by operator.index(scalar).
        if self.dtype.kind in "iu":
            raise GraphBreak("a NumPy integer times a Python sequence repeats it (a value-dependent length)")
        raise TypeError(f"can't multiply sequence by non-int of type 'numpy.{self.dtype.type.__name__}'")
    if self._scalar and other is None and name in ("equal", "not_equal"):
        return name == "not_equal"  # a NumPy scalar compares with None as a Python object
    raise GraphBreak(f"an operand of type {type(other).__name__} with `{name}`")


def _binary(name, reflected=False):
    def op(self, other):
        surface = _np()
        if not surface.is_operand(other) or (self._scalar and name == "multiply" and isinstance(other, _REPEATABLE)):
            return _python_operand(self, other, name)
        if name == "matmul" and self._scalar and not _is_array_operand(other):
            # NumPy scalars have no `@`: only an array on the other side answers.
            pair = (other, self) if reflected else (self, other)
            raise TypeError("unsupported operand type(s) for @: " + " and ".join(f"'{_type_name(x)}'" for x in pair))
        if type(other) is complex and self._scalar and self.dtype == np.float64 and (
                reflected or name in ("equal", "not_equal")):
            # np.float64 is a Python float: complex's own operator takes it first
            # (for == and != either way round, which this call cannot tell apart).
            raise GraphBreak("a Python complex with a float64 scalar gives a Python complex or bool")
        args = (other, self) if reflected else (self, other)
        with surface.numpy_errors(name, args):
            if name == "power" and not reflected:
                return surface.array_power(self, other)
            return surface.UFUNCS[name](*args)

    op.__name__ = f"__{'r' if reflected else ''}{name}__"
    return op


def _is_array_operand(x):
    return isinstance(x, (np.ndarray, torch.Tensor)) or (isinstance(x, Proxy) and not x._scalar)


def _type_name(x):
    if isinstance(x, (Proxy, np.generic)):
        return "numpy.ndarray" if isinstance(x, Proxy) and not x._scalar else f"numpy.{x.dtype.type.__name__}"
    return type(x).__name__


def _inplace(name):
    def op(self, other):
        surface = _np()
        if self._scalar:
            # A NumPy scalar is immutable: `a[i] += v` is `a[i] = a[i] + v`
            # (the store casts unsafely), not an in-place ufunc.
            return _binary(name)(self, other)
        if not surface.is_operand(other):
            return _python_operand(self, other, name)
        return surface.inplace(name, self, other)

    op.__name__ = f"__i{name}__"
    return op


for _dunder, _ufunc in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
    "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift",
}.items():
    setattr(Proxy, f"__{_dunder}__", _binary(_ufunc))
    setattr(Proxy, f"__r{_dunder}__", _binary(_ufunc, reflected=True))
    setattr(Proxy, f"__i{_dunder}__", _inplace(_ufunc))
Proxy.__divmod__ = _binary("divmod")
Proxy.__rdivmod__ = _binary("divmod", reflected=True)
for _dunder, _ufunc in {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}.items():
    setattr(Proxy, f"__{_dunder}__", _binary(_ufunc))
for _dunder, _ufunc in {"neg": "negative", "pos": "positive", "abs": "absolute", "invert": "invert"}.items():
    setattr(Proxy, f"__{_dunder}__", (lambda u: lambda self: _np().unary_operator(u, self))(_ufunc))
for _method in ("sum", "mean", "var", "std", "max", "min", "prod", "argmax", "argmin", "any", "all", "reshape", "transpose",
                "astype", "squeeze", "clip", "dot", "ravel", "flatten", "copy", "fill", "sort",
                "cumsum", "cumprod", "round", "conj", "conjugate", "swapaxes", "repeat", "diagonal", "trace", "put", "argsort",
                "searchsorted"):
    setattr(Proxy, _method, (lambda m: lambda self, *a, **k: _np().scalar_method_result(
        self, _np().call(getattr(_np(), "method_" + m), f"ndarray.{m}", (self,) + a, k)))(_method))


def _is_user_file(filename):
    """Code of the user's own: not npcompile's, NumPy's or another installed library's."""
    return not os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def user_line():
    """(file, line) of the innermost frame of the user's code calling now."""
    frame = sys._getframe(1)
    while frame is not None and not _is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


def _user_frame(tb):
    """The innermost traceback frame in the user's code: the user's line (a
    break inside NumPy's own Python implementation names the user's call)."""
    where = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _is_user_file(filename):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _argument_names(fn, args, kwargs):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(len(args)):
        if i < len(params) and params[i].kind in (params[i].POSITIONAL_ONLY, params[i].POSITIONAL_OR_KEYWORD):
            names.append(params[i].name)
        else:
            names.append(f"arg{i}")
    return names


_VIEW_OPS = ("slice[", "reshape[", "permute[")


def _returned_view(result):
    """(input index, path) where `result` is a view of a NumPy argument that
    NumPy's own indexing reproduces on the caller's array (so it is returned
    as NumPy's view, aliasing the caller's memory), else None."""
    buf = result._buf
    if result._scalar or buf is None or buf.source is None or buf.frozen:
        return None
    tracer = current_tracer()
    if not tracer.viewable.get(buf.source) or not result._path:
        return None
    captured = tracer._captured_at.get(buf.source)
    if captured is not None and tracer._temporary(captured):
        return None  # an array untraced code made for this call only: each call's is its own
    if not all(op.startswith(_VIEW_OPS) or op in ("real", "imag") for op in result._path):
        return None
    return buf.source, tuple(result._path)


def replay_view(array, path):
    """NumPy's view of `array` by the tracer's view steps (a returned view)."""
    for op in path:
        if op in ("real", "imag"):
            array = getattr(array, op)
            continue
        name, attrs = op[:-1].split("[", 1)
        values = dict(_split_attrs(attrs))
        if name == "permute":
            array = array.transpose(_parse_tuple(values["perm"]))
        elif name == "reshape":
            shape = _parse_tuple(values["shape"])
            inserted = _unit_insertion(array.shape, shape)
            # New unit axes as NumPy's `None` makes them (stride 0), else NumPy's reshape.
            if inserted is None:
                array = array.reshape(shape, copy=False)
            else:
                array = array[inserted] if inserted else array[...]  # a 0-d view stays an array
        else:
            starts, lens, steps = (_parse_tuple(values[k]) for k in ("starts", "lens", "steps"))
            index = []
            for start, n, step in zip(starts, lens, steps):
                stop = start + n * step
                index.append(slice(start, None if stop < 0 else stop, step))
            array = array[tuple(index)] if index else array[...]  # a 0-d view stays an array
    return array


def _unit_insertion(old, new):
    """The index (`:` and `None`) that makes shape `new` from `old` by inserting
    length-1 axes only, or None."""
    index, i = [], 0
    for n in new:
        if i < len(old) and old[i] == n:
            index.append(slice(None))
            i += 1
        elif n == 1:
            index.append(None)
        else:
            return None
    return tuple(index) if i == len(old) else None


def _split_attrs(text):
    depth, begin, out = 0, 0, []
    for i, c in enumerate(text + ","):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            key, _, value = text[begin:i].partition("=")
            out.append((key.strip(), value.strip()))
            begin = i + 1
    return out


def _parse_tuple(text):
    return tuple(int(x) for x in text.strip("()[]").split(",") if x.strip())


def _made_for_this_call(result):
    """Whether nothing but this trace holds `result` or the array it views
    (references counted: the caller's and this frame's)."""
    root = result
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root is result:
        return sys.getrefcount(root) <= 5  # _out_spec's and trace's locals, ours, root, the argument
    return sys.getrefcount(root) <= 3  # the view's base, root, the argument


def _out_spec(result, outputs):
    if isinstance(result, Proxy):
        returned = _returned_view(result)
        if returned is not None:
            return ("view", returned[0], returned[1])
        outputs.append(result._id)
        return ("leaf", len(outputs) - 1, int(result._scalar))  # 2: a Python scalar (np.allclose's bool)
    if type(result) is tuple:
        return ("tuple", [_out_spec(r, outputs) for r in result])
    if isinstance(result, tuple) and type(result).__bases__ == (tuple,) and hasattr(type(result), "_fields"):
        return ("named", type(result), [_out_spec(r, outputs) for r in result])
    if type(result) is list:
        return ("list", [_out_spec(r, outputs) for r in result])
    if type(result) is dict:
        return ("dict", list(result.keys()), [_out_spec(v, outputs) for v in result.values()])
    if isinstance(result, np.ndarray) and _made_for_this_call(result):
        # Untraced code (a method's np.arange) made it: NumPy makes a new one on
        # every call, so every call gets its own copy.
        return ("fresh", result)
    if result is None or isinstance(result, (bool, int, float, complex, str, np.ndarray, np.generic, np.dtype, torch.Tensor)):
        return ("const", result)
    if type(result).__name__ == "Selection":
        raise GraphBreak("the function returns a[mask], whose shape is known only when run", result.where)
    raise GraphBreak(f"the function returns a {type(result).__name__}")


def trace(fn, args, kwargs, fullgraph):
    """Called by CompiledFunction on a cache miss: ("graph", builder, out_spec,
    captured) or ("fallback",) after warning (or raising, with fullgraph)."""
    # A trace makes objects by the hundred thousand and frees few until it
    # ends: the cyclic collector's passes over them were a quarter of the
    # time of a 100k-op trace. What it leaves in cycles is collected afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _trace(fn, args, kwargs, fullgraph)
    finally:
        if collecting:
            gc.enable()


def _trace(fn, args, kwargs, fullgraph):
    tracer = Tracer(getattr(fn, "__name__", "f"))
    if "recompiles" in LOG:
        sig = _core.map_leaves((args, kwargs), lambda a: f"{np.dtype(a.dtype) if not isinstance(a, torch.Tensor) else a.dtype}{list(a.shape)}")
        log("recompiles", f"tracing {getattr(fn, '__qualname__', fn)} for {sig}")

    def namer(name):
        counter = itertools.count()

        def make(leaf):
            n = next(counter)
            return tracer.input(name if n == 0 else f"{name}_{n}", leaf)

        return make

    try:
        with tracer:
            names = _argument_names(fn, args, kwargs)
            pargs = tuple(_core.map_leaves(a, namer(n)) for a, n in zip(args, names))
            pkwargs = {k: _core.map_leaves(v, namer(k)) for k, v in kwargs.items()}
            for leaf_args in (pargs, tuple(pkwargs.values())):
                _check_static(leaf_args)
            rngs = _random_states(fn, args, kwargs)
            snapshot = _snapshot(fn)
            try:
                result = _with_tracing_numpy(fn)(*pargs, **pkwargs)
            finally:
                _check_random_unused(rngs)
            guards = _guards(snapshot)
            outputs = []
            spec = _out_spec(result, outputs)
            writebacks = tracer.writebacks(outputs)
            outputs += tracer.checks  # results nobody reads: the plan still raises where NumPy does
            tracer.builder.set_outputs(outputs)
    except GraphBreak as e:
        return _graph_break(fn, e.reason, e.__traceback__, fullgraph, e.where)
    except _core.UnsupportedError as e:
        return _graph_break(fn, str(e), e.__traceback__, fullgraph)
    log("graph", tracer.builder.dump())
    return ("graph", tracer.builder, spec, tracer.captured, guards, writebacks, tracer.warnings)


def warn_every_call(category, message):
    """A warning NumPy gives on every call (it depends only on dtypes and shapes):
    recorded at the user's line while tracing, given again after each run."""
    tracer = current_tracer()
    frame = sys._getframe(1)
    while frame is not None and not _is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    where = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("<unknown>", 0)
    tracer.warnings.append((category, message, *where))


def replay_warnings(recorded):
    for category, message, filename, lineno in recorded:
        warnings.warn_explicit(message, category, filename, lineno)


_RNGS = (np.random.Generator, np.random.RandomState)


def _rng_state(rng):
    return np.random.get_state() if rng is None else rng.bit_generator.state if isinstance(rng, np.random.Generator) else rng.get_state()


def _set_rng_state(rng, state):
    if rng is None:
        np.random.set_state(state)
    elif isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    else:
        rng.set_state(state)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _random_states(fn, args, kwargs):
    """The random generators a trace could draw from: NumPy's global one, and
    generators among the arguments, the globals the function names and its closure."""
    code = getattr(fn, "__code__", None)
    seen = list(args) + list(kwargs.values())
    if code is not None:
        seen += [fn.__globals__.get(n) for n in code.co_names]
        seen += [c.cell_contents for c in (fn.__closure__ or ()) if c.cell_contents is not c]
    rngs = [None] + [x for x in seen if isinstance(x, _RNGS)]
    return [(r, _rng_state(r)) for r in rngs]


def _check_random_unused(rngs):
    """Random numbers drawn while tracing would be frozen into the plan: put the
    generators back as they were and run this signature under NumPy."""
    drawn = [(r, s) for r, s in rngs if not _same(_rng_state(r), s)]
    for r, s in drawn:
        _set_rng_state(r, s)
    if drawn:
        raise GraphBreak("it draws random numbers (np.random), which are not compiled yet")


_EMPTY = object()


def _read(ref):
    if ref[0] == "global":
        return ref[1].get(ref[2], _EMPTY)
    try:
        return ref[1].cell_contents
    except ValueError:  # an empty cell
        return _EMPTY


def _referenced(fn):
    """The global names and closure cells a trace reads its constants from: those
    of `fn` and of the plain functions it reaches through them."""
    refs, seen, todo = [], set(), [fn]
    while todo:
        f = todo.pop()
        code = getattr(f, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        for name in code.co_names:
            if name in f.__globals__:
                refs.append(("global", f.__globals__, name))
        refs.extend(("cell", c) for c in f.__closure__ or ())
        for ref in refs[-(len(code.co_names) + len(f.__closure__ or ())):]:
            value = _read(ref)
            if inspect.isfunction(value):
                todo.append(value)
    return refs


def _snapshot(fn):
    return [(ref, _read(ref)) for ref in _referenced(fn)]


def _guards(snapshot):
    """Identity guards on every global and closure value the trace read: a Python
    scalar or an array rebound between calls means a new trace, never a stale
    plan. A value the function itself rebinds while tracing is a side effect the
    plan would skip: a graph break."""
    changed = [(ref, before) for ref, before in snapshot if _read(ref) is not before]
    for ref, before in changed:  # undo the trace's assignment: the fallback makes it
        if ref[0] == "global":
            if before is _EMPTY:
                ref[1].pop(ref[2], None)
            else:
                ref[1][ref[2]] = before
        elif before is not _EMPTY:
            ref[1].cell_contents = before
    if changed:
        ref = changed[0][0]
        what = f"the global {ref[2]!r}" if ref[0] == "global" else "a closure variable"
        raise GraphBreak(f"it assigns {what}, a side effect the compiled plan would skip")
    return [ref + (before,) for ref, before in snapshot if before is not _EMPTY]


class _TracingModule(types.ModuleType):
    """What a NumPy module (`np`, `np.linalg`, NumPy's own `_nx`) means inside a
    traced function: the module, with the functions that make arrays from
    nothing (np.zeros, np.asarray, ...) returning traced arrays."""

    def __init__(self, real, internal=False):
        super().__init__(real.__name__)
        self._real = real
        self._internal = internal

    def __getattr__(self, name):
        value = getattr(self._real, name)
        creation = _creation(name, value, self._internal)
        if creation is not None:
            return creation
        if type(value) is types.BuiltinFunctionType:
            return _guarded(value)
        return _tracing_module(value, self._internal) if _is_numpy_module(value) else value


# In NumPy's own Python, conversions of values that hold no traced array (and
# its aranges of static bounds) stay NumPy's arrays: its checks and
# bookkeeping on them (section sizes, axes, quantiles) stay Python, as when
# NumPy runs.
_STATIC_CONVERSIONS = ("array", "asarray", "asanyarray", "ascontiguousarray", "arange")


def _creation(name, value, internal):
    """The tracing namespace's version of NumPy's `name` (bound to `value`), or None."""
    creation = _np().CREATION.get(name) if isinstance(name, str) else None
    if creation is None or value is not getattr(np, name, None):
        return None
    if internal and name in _STATIC_CONVERSIONS:
        return _static_conversion(creation, value)
    return creation


_STATIC = {}


def _static_conversion(traced, real):
    hit = _STATIC.get(id(real))
    if hit is None:
        def convert(*args, **kwargs):
            holds_traced = any(isinstance(x, Proxy) for x in _core_leaves(list(args) + list(kwargs.values())))
            return traced(*args, **kwargs) if holds_traced else real(*args, **kwargs)

        convert.__name__ = real.__name__
        hit = _STATIC[id(real)] = (real, convert)
    return hit[1]


def _core_leaves(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _core_leaves(x)
        else:
            yield x


_GUARDED = {}


def _guarded(func):
    """A NumPy C function that NumPy's protocols do not dispatch (np.frombuffer,
    np.fromiter, ...): what it makes of traced values is not NumPy's answer,
    so anything it raises while tracing is a graph break (NumPy, run on the
    real values, then gives its own result or error)."""
    hit = _GUARDED.get(id(func))
    if hit is None:
        def guarded(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except GraphBreak:
                raise
            except Exception as e:  # noqa: BLE001 -- NumPy decides, on the real values
                raise GraphBreak(f"np.{func.__name__} of traced values ({type(e).__name__}: {e})") from None

        guarded.__name__ = func.__name__
        hit = _GUARDED[id(func)] = (func, guarded)
    return hit[1]


_TRACING_MODULES = {}


def _is_numpy_module(value):
    return isinstance(value, types.ModuleType) and (value is np or value.__name__.startswith("numpy."))


def _tracing_module(module, internal=False):
    key = (module.__name__, internal)
    tm = _TRACING_MODULES.get(key)
    if tm is None:
        tm = _TRACING_MODULES[key] = _TracingModule(module, internal)
    return tm


_TRACING_NP = _tracing_module(np)
_STORES_GLOBALS = {}


def _code_has(code, cache, found):
    """Whether `found(instructions)` holds for `code` or any code nested in it
    (lambdas, comprehensions, inner functions), cached per code object."""
    hit = cache.get(code)
    if hit is None:
        hit = found(list(dis.get_instructions(code))) or any(
            _code_has(c, cache, found) for c in code.co_consts if isinstance(c, types.CodeType))
        cache[code] = hit
    return hit


def _stores_globals(code):
    return _code_has(code, _STORES_GLOBALS,
                     lambda ins: any(i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL") for i in ins))


_BOOL_SINGLETONS = ("True_", "False_")
_IDENTITY_TESTS = {}


def _tests_bool_identity(code):
    """Whether `code` (or code nested in it) has `x is np.True_` (`is not`,
    either side, `np.False_` too): NumPy's comparisons return those objects,
    so the answer is known only when run, and a proxy is never one of them."""
    return _code_has(code, _IDENTITY_TESTS, lambda ins: any(
        i.opname == "IS_OP" and any(
            p.opname.startswith("LOAD_") and p.argval in _BOOL_SINGLETONS for p in ins[max(0, k - 3):k])
        for k, i in enumerate(ins)))


def _stores_cells(code):
    return any(i.opname in ("STORE_DEREF", "DELETE_DEREF") for i in dis.get_instructions(code))


_BUILTIN_NAMES = vars(__import__("builtins"))


class _TracingGlobals(dict):
    """A function's globals as a trace sees them, filled on first read of each
    name (LOAD_GLOBAL takes the slow path through `__missing__` for a dict
    subclass): NumPy modules and NumPy's creation functions mean the tracing
    ones, plain Python functions are rebound the same way (helpers at any
    depth), global arrays are captured, builtin `max`/`min` compare traced
    scalars and `type` of a traced value is NumPy's type for it. The module's
    own dict is never written."""

    def __init__(self, real, rebinder):
        super().__init__()
        self._real = real
        self._rebinder = rebinder
        name = real.get("__name__") or ""
        self._internal = name == "numpy" or name.startswith("numpy.")

    def __missing__(self, name):
        try:
            value = self._real[name]
        except KeyError:
            # A builtin: kept here, so the next read of `range` or `len` does
            # not raise through this method again (tracing loops read them often).
            # NumPy's own modules keep Python's `type` (their bookkeeping
            # reads a proxy's real type); the user's code sees NumPy's.
            value = None if self._internal and name == "type" else _np().BUILTINS.get(name)
            if value is None:
                value = _BUILTIN_NAMES.get(name, _EMPTY)
                if value is _EMPTY:
                    raise
            self[name] = value
            return value
        value = self._rebinder.translate(value, self._internal)
        self[name] = value
        return value


class _Rebinder:
    """Per trace: the copies of the Python functions the trace reaches, each
    over `_TracingGlobals` of its module. Nothing global is patched, so other
    threads and later calls see NumPy itself."""

    def __init__(self, tracer):
        self.tracer = tracer
        self._functions = {}  # id -> (original, copy): the original keeps the id alive
        self._globals = {}
        self._modules = {}

    def translate(self, value, internal=False):
        if value is np or _is_numpy_module(value):
            return _tracing_module(value, internal)
        if isinstance(value, types.ModuleType):
            return self.module(value) if _is_user_module(value) else value
        if isinstance(value, types.FunctionType):
            return self.function(value)
        if callable(value):
            creation = _creation(getattr(value, "__name__", None), value, internal)
            if creation is not None:
                return creation
            if type(value) is types.BuiltinFunctionType and getattr(value, "__module__", None) == "numpy":
                return _guarded(value)
            return value
        if _is_capturable(value):
            # A global array: traced by reference, so writes into it are written back.
            return self.tracer.capture(value)
        return value

    def module(self, module):
        hit = self._modules.get(id(module))
        if hit is None:
            hit = self._modules[id(module)] = (module, _UserModule(module, self))
        return hit[1]

    def function(self, fn):
        """`fn` over tracing globals (itself where it assigns globals or its
        closure's cells, or is npcompile's own)."""
        hit = self._functions.get(id(fn))
        if hit is not None:
            return hit[1]
        replacement = _np().INTERNALS.get(fn)
        if replacement is not None:
            self._functions[id(fn)] = (fn, replacement)
            return replacement
        if _stores_globals(fn.__code__) or _is_machinery(fn):
            self._functions[id(fn)] = (fn, fn)
            return fn
        g = self._globals.get(id(fn.__globals__))
        if g is None:
            g = _TracingGlobals(fn.__globals__, self)
            self._globals[id(fn.__globals__)] = (fn.__globals__, g)
        else:
            g = g[1]
        if not g._internal and _tests_bool_identity(fn.__code__):
            raise GraphBreak(f"{fn.__qualname__} tests `is np.True_`/`is np.False_` (NumPy's comparisons return "
                             "those objects: which one is known only when run)")
        closure = fn.__closure__
        fill = []
        if closure is not None and not _stores_cells(fn.__code__):
            # Cells holding functions or arrays get translated copies; the
            # others (empty ones too, bound later) stay shared.
            cells = list(closure)
            for k, cell in enumerate(cells):
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if isinstance(value, types.FunctionType) or _is_capturable(value):
                    cells[k] = types.CellType()
                    fill.append((cells[k], value))
            closure = tuple(cells)
        copy = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, closure)
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__qualname__ = fn.__qualname__
        self._functions[id(fn)] = (fn, copy)  # before the cells: a function may hold itself
        for cell, value in fill:
            cell.cell_contents = self.translate(value)
        return copy


class _UserModule(types.ModuleType):
    """A module of the user's own (`import mylib; mylib.helper(x)`) as a trace
    sees it: its functions rebound like globals. Assignments reach the module."""

    def __init__(self, real, rebinder):
        super().__init__(real.__name__)
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_rebinder", rebinder)

    def __getattr__(self, name):
        return self._rebinder.translate(getattr(self._real, name))

    def __setattr__(self, name, value):
        setattr(self._real, name, value)


_LIBRARY_DIRS = tuple({os.path.realpath(p) + os.sep for p in (
    sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, _PACKAGE_DIR)})


def _is_user_module(module):
    """Code of the user's own: not the standard library, an installed package
    or npcompile (their functions are left as they are)."""
    if module.__name__ in sys.builtin_module_names:
        return False
    path = getattr(module, "__file__", None)
    if path is None:
        return not hasattr(module, "__path__")  # a module made at run time, not a namespace package
    return not os.path.realpath(path).startswith(_LIBRARY_DIRS)


def _is_machinery(fn):
    """Functions run as they are: the tracer's own, the surface's, and those
    of installed libraries other than NumPy (only the user's code and NumPy's
    own Python implementations are traced through)."""
    module = fn.__module__ or ""
    if module == "numpy" or module.startswith("numpy."):
        return False
    if module in ("npcompile", __name__) or module.startswith("npcompile."):
        return module != "npcompile.bench" and module != "npcompile.fuzz"  # their programs are user code
    owner = sys.modules.get(module)
    return owner is not None and not _is_user_module(owner)


def _with_tracing_numpy(fn):
    """`fn` over tracing globals, for the current trace."""
    if not isinstance(fn, types.FunctionType):
        return fn
    return current_tracer().rebinder.function(fn)


def _is_capturable(value):
    return type(value) is np.ndarray and value.dtype.kind in "biufc"


_CATCHING = ("CHECK_EXC_MATCH", "CHECK_EG_MATCH")


def _inside_except_block():
    """Whether a frame of the traced code (the user's or NumPy's own Python,
    not npcompile's) is running inside a `try` that has an `except` clause."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code is not trace.__code__:
        if any(start <= frame.f_lasti < end for start, end in _except_ranges(frame.f_code)):
            return True
        frame = frame.f_back
    return False


_EXCEPT_RANGES = {}


def _except_ranges(code):
    """The instruction ranges of `code` that an `except` clause covers (not
    `with` blocks, whose __exit__ does not catch, nor `finally`); none in
    npcompile's own code. Computed once per code object."""
    hit = _EXCEPT_RANGES.get(code)
    if hit is None:
        hit = _EXCEPT_RANGES[code] = []
        if os.path.realpath(code.co_filename).startswith(_PACKAGE_DIR):
            return hit
        ops = [(i.offset, i.opname) for i in dis.get_instructions(code)]
        for entry in getattr(dis.Bytecode(code), "exception_entries", ()):
            handler = [name for at, name in ops if at >= entry.target][:6]
            if "WITH_EXCEPT_START" in handler:
                continue
            if any(op in _CATCHING for op in handler) or handler[1:2] == ["POP_TOP"]:
                hit.append((entry.start, entry.end))  # `except E:` or a bare `except:`
    return hit


def _check_static(args):
    """Arrays the tracer could not make inputs (anywhere in the arguments) are a
    graph break: left static, they would be baked into the plan."""
    for a in args:
        if isinstance(a, Proxy):
            continue
        if type(a) in (tuple, list):
            _check_static(a)
            continue
        if type(a) is dict:
            _check_static(list(a.values()))
            continue
        if type(a) is not np.ndarray and isinstance(a, np.ndarray):
            raise GraphBreak(f"an argument of type {type(a).__name__} (an ndarray subclass) is not compiled")
        if isinstance(a, (np.ndarray, torch.Tensor)):
            # An array left static would be baked into the plan as a constant.
            raise GraphBreak(f"an argument of dtype {a.dtype} is not compiled")


def _graph_break(fn, reason, tb, fullgraph, where=None):
    code = getattr(fn, "__code__", None)
    where = where or _user_frame(tb) or ((code.co_filename, code.co_firstlineno) if code else ("<unknown>", 0))
    name = getattr(fn, "__qualname__", "function")
    message = f"{name} runs under NumPy for this signature: {reason} ({where[0]}:{where[1]})"
    log("breaks", message)
    if fullgraph:
        raise GraphBreakError(message)
    warnings.warn_explicit(message, NpCompileWarning, where[0], where[1])
    return ("fallback", message)


def compile_failed(fn, reason, fullgraph):
    """Called by CompiledFunction when a traced graph did not compile or run."""
    return _graph_break(fn, f"npcompile could not compile it: {reason}", None, fullgraph)


class Config:
    """Process-wide defaults; `np_compile(...)` arguments override them per function."""

    cache_limit = 8


config = Config()


def cache_limit_reached(fn, limit, fullgraph):
    """Called once per function when a new signature finds the cache full."""
    name = getattr(fn, "__qualname__", "function")
    message = (
        f"{name} has {limit} compiled signatures (its cache_limit): new signatures run under NumPy. "
        f"Raise it with np_compile(cache_limit=...) or npcompile.config.cache_limit."
    )
    if fullgraph:
        raise GraphBreakError(message)
    warnings.warn(message, NpCompileWarning, stacklevel=2)


def np_compile(fn=None, *, fullgraph=False, cache_limit=None):
    """Compile a NumPy function: `@np_compile` or `@np_compile(fullgraph=True, cache_limit=8)`."""
    if fn is None:
        return lambda f: np_compile(f, fullgraph=fullgraph, cache_limit=cache_limit)
    limit = config.cache_limit if cache_limit is None else cache_limit
    return _core.CompiledFunction(fn, trace, fullgraph, limit)


def explain(f, *args, **kwargs):
    """The traced graph, the graph after each pass, and the plan, as text."""
    if not isinstance(f, _core.CompiledFunction):
        f = np_compile(f)
    return f.explain(*args, **kwargs)
