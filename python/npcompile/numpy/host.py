"""NumPy's own kernels in a plan, where NumPy's answer is its implementation's
choice and no other kernel reproduces it: the default sort's order of ties
(`argsort`), what `partition` leaves between its kth positions, the signs and
phases of LAPACK's vectors (`eigh`, `svd`, `qr`). The plan calls NumPy on the
host (`npcompile._host`); everything around the call stays compiled.

`host_function` serves functions whose result dtypes and shapes follow from
the operands' dtypes and shapes: they are learned by running NumPy on zeros
while tracing, which also raises NumPy's exception for bad static arguments.
(`linalg.lstsq`, whose residuals' shape depends on the rank, wraps NumPy's
lstsq to give them the full-rank shape, and speculates on it.)"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import _host
from .._trace import GraphBreak, Proxy, write
from . import FUNCTIONS, METHODS, _record, _register, _STABLE_KINDS, _tuple, astype, getitem, operand, reshape
from . import argsort as _argsort_compiled


_DEFAULT_ERRSTATE = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


def _spell(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return "(" + ",".join(_spell(x) for x in np.asarray(v).ravel().tolist()) + ")" if np.ndim(v) else _spell(np.asarray(v).item())
    if isinstance(v, (bool, int, float, str, type(None), np.generic)):
        return repr(v.item() if isinstance(v, np.generic) else v).replace("'", "")
    raise GraphBreak(f"a host kernel's static argument of type {type(v).__name__}")


def host_function(name, fn, arrays, **static):
    """`fn(*arrays, **static)` run by NumPy when the plan runs: its results as
    traced values (a tuple or named tuple where NumPy returns one). Python
    scalars belong in `static` (weak there, as NumPy sees them)."""
    if any(isinstance(a, (bool, int, float, complex)) for a in arrays):
        raise GraphBreak(f"{name} of a Python scalar operand is not compiled yet")
    arrays = [operand(a) for a in arrays]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = fn(*(np.zeros(a.shape, a.dtype) for a in arrays), **static)
    several = isinstance(sample, tuple)
    items = sample if several else (sample,)
    results = [np.asarray(r) for r in items]
    # The kernel runs under the error state of the traced code around it (np.errstate
    # blocks in NumPy's own Python decide whether LAPACK's failures raise).
    errstate, errcall = np.geterr(), np.geterrcall()
    key = name + "(" + ",".join(f"{k}={_spell(v)}" for k, v in sorted(static.items())) + ")"
    if errstate != _DEFAULT_ERRSTATE or errcall is not None:
        # An error callback is named by its identity (callbacks may share a qualname).
        key += "[" + ",".join(f"{k}={v}" for k, v in sorted(errstate.items())) + \
               (f",call={getattr(errcall, '__qualname__', 'callback')}@{id(errcall):x}" if errcall is not None else "") + "]"

    def kernel(*xs):
        with np.errstate(call=errcall, **errstate):
            out = fn(*xs, **static)
        return np.concatenate([np.ravel(r) for r in out]) if several else out

    _host.register(key, kernel)
    dtype = np.result_type(*results) if several else results[0].dtype
    shape = (sum(r.size for r in results),) if several else results[0].shape
    flat = _record(f"host[kernel={key},n={len(arrays)},dtype={np.dtype(dtype).name},shape={_tuple(shape)}]", *arrays)
    if not several:
        flat._scalar = False
        return flat
    parts, at = [], 0
    for item, r in zip(items, results):
        p = reshape(getitem(flat, slice(at, at + r.size)), r.shape)
        p = p if p.dtype == r.dtype else astype(p, r.dtype)
        p._scalar = isinstance(item, np.generic)  # lstsq's rank is a NumPy scalar
        parts.append(p)
        at += r.size
    return type(sample)(*parts) if hasattr(sample, "_fields") else tuple(parts)


def _no_order(name, order):
    if order is not None:
        raise GraphBreak(f"{name} with order= is not compiled yet")


@_register(FUNCTIONS, "argsort")
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Stable kinds compile to a sort in the plan; NumPy's default kinds order
    ties as its algorithm happens to (introsort, or SIMD sorts on some CPUs),
    so they run NumPy's own argsort."""
    _no_order("np.argsort", order)
    if stable or kind in _STABLE_KINDS:
        return _argsort_compiled(a, axis, kind, order, stable=stable)
    a = operand(a)
    if a.ndim == 0 and axis is not None:
        normalize_axis_index(axis, 0)  # NumPy's AxisError
    return host_function("np.argsort", np.argsort, [a], axis=axis, kind=kind, stable=stable)


def method_argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    return argsort(a, axis, kind, order, stable=stable)


def _partition(fn):
    """np.partition / np.argpartition at static kth: NumPy's own selection
    (what lies between the kth positions is its algorithm's choice)."""
    name = f"np.{fn.__name__}"

    def select(a, kth, axis=-1, kind="introselect", order=None):
        _no_order(name, order)
        if isinstance(kth, Proxy):
            raise GraphBreak(f"{name} at traced kth is not compiled yet")
        return host_function(name, fn, [a], kth=kth, axis=axis, kind=kind)

    select.__name__ = fn.__name__
    return select


partition = _register(FUNCTIONS, "partition")(_partition(np.partition))
argpartition = _register(FUNCTIONS, "argpartition")(_partition(np.argpartition))


@_register(METHODS, "partition")
def method_partition(a, kth, axis=-1, kind="introselect", order=None):
    """In place, as NumPy's ndarray.partition."""
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("partition array is read-only")
    if a._scalar or a.ndim == 0:
        raise GraphBreak("ndarray.partition of a 0-d array is not compiled yet")
    write(a, (), partition(a, kth, axis, kind, order))


@_register(METHODS, "argpartition")
def method_argpartition(a, kth, axis=-1, kind="introselect", order=None):
    return argpartition(a, kth, axis, kind, order)


def ufunc_at(ufunc, a, indices, b=None):
    """`ufunc.at(a, indices, b)`: unbuffered, so a repeated index applies once
    per occurrence, in order. NumPy's own `at` runs on a copy of `a` in the
    plan (indices and operand traced or not); the copy is `a`'s new value."""
    name = ufunc.__name__
    if getattr(np, name, None) is not ufunc:
        raise GraphBreak(f"{name}.at of a ufunc not NumPy's own is not compiled")
    if not isinstance(a, Proxy):
        raise GraphBreak(f"np.{name}.at into an array that is not traced")
    if isinstance(indices, tuple) or isinstance(indices, slice) or indices is Ellipsis:
        raise GraphBreak(f"np.{name}.at with a tuple or slice index is not compiled yet")
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("output array is read-only")
    # A Python scalar stays one (weak, NEP 50): it is part of the kernel, not an operand.
    weak = isinstance(b, (bool, int, float, complex))
    arrays = [a, indices] if b is None or weak else [a, indices, b]

    def at(target, idx, *operand_, **fixed):
        r = target.copy()
        ufunc.at(r, idx, *operand_, *fixed.values())
        return r

    at.__name__ = f"{name}.at"
    write(a, (), host_function(f"np.{name}.at", at, arrays, **({"b": b} if weak else {})))
