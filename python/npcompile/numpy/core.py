"""The surface's shared machinery: the tables NumPy's protocols are routed
through (`UFUNCS`, `FUNCTIONS`, `METHODS`, `INTERNALS`), `operand` (Python
scalars become weak literals, NEP 50; NumPy scalars strong ones; arrays from
outside the arguments captured inputs), `_record` and `check`, `_register`,
NumPy's own exceptions from stand-ins (`numpy_errors`, `numpy_raises`,
`output_casting_error`), `out=` handling (`_single_out`, `_store`), and the
dispatch of NumPy functions (`dispatch_function`, `numpy_implementation` for
the functions without an entry, `call`, `scalar_method_result`)."""

from __future__ import annotations

import contextlib
import inspect
import warnings

import numpy as np
import torch

from .._trace import GraphBreak, Proxy, current_tracer, write
from .._trace import tuple_text as _tuple  # op attribute spelling, shared with the tracer

UFUNCS = {}
FUNCTIONS = {}
# ndarray methods registered by name (`@_register(METHODS, "partition")`); the
# proxy looks them up when it has no attribute of that name.
METHODS = {}
# NumPy's private Python functions replaced while tracing (original -> ours),
# where one value-dependent step of theirs has an exact select instead.
INTERNALS = {}


def is_operand(x):
    return isinstance(x, (Proxy, bool, int, float, complex, np.ndarray, np.generic, list, tuple, torch.Tensor))


def operand(x) -> Proxy:
    if isinstance(x, Proxy):
        return x
    tracer = current_tracer()
    # Before Python scalars: np.float64 is a float subclass, but strong (NEP 50).
    if isinstance(x, np.generic):
        if x.dtype.kind not in "biufc":
            raise GraphBreak(f"a NumPy scalar of dtype {x.dtype}")
        return tracer.literal(x.item(), x.dtype.name)
    if isinstance(x, (bool, int, float, complex)):
        return tracer.literal(x)
    if isinstance(x, (list, tuple)):
        if any(isinstance(i, Proxy) for i in _flatten(x)):
            return array(x)  # as NumPy converts it: its Python scalars are not weak
        try:
            x = np.asarray(x)
        except ValueError:
            # A ragged sequence: NumPy's answer depends on who meets it (an
            # array raises ValueError, a NumPy scalar defers to Python).
            raise GraphBreak("a ragged Python sequence as an operand") from None
    if isinstance(x, (np.ndarray, torch.Tensor)):
        if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
            raise GraphBreak(f"an operand of type {type(x).__name__} (an ndarray subclass)")
        if isinstance(x, np.ndarray) and x.dtype.kind not in "biufc":
            raise GraphBreak(f"an array of dtype {x.dtype}")
        return tracer.capture(x)
    raise GraphBreak(f"an operand of type {type(x).__name__}")


def _break(reason):
    raise GraphBreak(reason)


def _flatten(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _record(op, *args, scalar=False):
    return current_tracer().record(op, args, scalar)


def check(kind, bad):
    """NumPy's ValueError `kind` (an `ir::CheckKind`: all_nan, not_finite, ...)
    when the plan runs, where any element of the bool `bad` is true."""
    _record(f"check[kind={kind}]", bad)


def _no(kwargs, what):
    for k, v in kwargs.items():
        if v is not None and not (k == "casting" and v == "same_kind") and not (k == "order" and v in ("K", "C")) \
                and k != "subok":  # a traced array is a base-class ndarray: subok changes nothing
            raise GraphBreak(f"{what} with {k}= is not compiled yet")


def _register(table, *names):
    def deco(f):
        for n in names:
            table[n] = f
        return f

    return deco


# ---- NumPy's own exceptions, from NumPy run on stand-ins ----------------

def _stand_in(x, empty=False):
    """x as NumPy sees it, for a call whose outcome depends only on dtypes,
    shapes and Python scalars' values: zeros of x's dtype and shape (with
    `empty`, of as many dimensions, each of length 0)."""
    if isinstance(x, (tuple, list)):
        return type(x)(_stand_in(i, empty) for i in x)
    if isinstance(x, Proxy):
        return x.dtype.type(0) if x._scalar else np.zeros((0,) * x.ndim if empty else x.shape, x.dtype)
    return x


def _on_stand_ins(fn, args, kwargs, empty=False):
    """NumPy's `fn` on stand-ins of the arguments, its warnings silenced."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(*(_stand_in(a, empty) for a in args), **{k: _stand_in(v, empty) for k, v in kwargs.items()})


@contextlib.contextmanager
def numpy_errors(name, inputs, kwargs=None):
    """A TypeError of ufunc `name` (no loop for these dtypes, a cast its rule
    forbids) becomes the one NumPy raises, with NumPy's class (`_UFuncNoLoopError`,
    `_UFuncOutputCastingError`, ...) and words: NumPy itself is run on empty
    operands of the same dtypes. A shape error (ValueError) gives way to it."""
    try:
        yield
    except (TypeError, ValueError) as ours:
        # NumPy resolves dtypes (and output casts) before it broadcasts, so a
        # TypeError it raises on empty operands comes first.
        ufunc = getattr(np, name, None)
        if not isinstance(ufunc, np.ufunc):
            raise
        try:
            _on_stand_ins(ufunc, inputs, kwargs or {}, empty=True)
        except TypeError as theirs:
            raise theirs.with_traceback(None) from None
        except Exception:  # noqa: BLE001 -- the probe only decides which TypeError to raise
            pass
        raise


def numpy_raises(fn, *args, **kwargs):
    """Raise what NumPy raises for `fn(*args, **kwargs)` on stand-ins of the
    traced values (its casting rules, range checks and words), if anything."""
    if sum(a.size for a in args if isinstance(a, Proxy)) > 1 << 20:
        return  # not worth the memory while tracing: our own checks decide
    try:
        _on_stand_ins(fn, args, kwargs)
    except Exception as theirs:  # noqa: BLE001 -- NumPy's own error is the answer
        raise theirs.with_traceback(None) from None


def _check_output_writeable(out):
    """NumPy refuses a read-only output before it resolves dtypes."""
    if isinstance(out, Proxy):
        if out._buf is not None and not out._buf.writeable:
            raise ValueError("output array is read-only")
    elif type(out) is np.ndarray and not out.flags.writeable:
        raise ValueError("output array is read-only")


def output_casting_error(name, from_, to, casting="same_kind"):
    """NumPy's own exception (its class, `_UFuncOutputCastingError`, and words)
    for a ufunc output that the same_kind rule cannot cast."""
    ufunc = getattr(np, {"sum": "add", "prod": "multiply", "max": "maximum", "min": "minimum", "cumsum": "add",
                         "cumprod": "multiply"}.get(name, name), None)
    if name == "clip":
        ufunc = getattr(getattr(getattr(np, "_core", None), "umath", None), "clip", None)  # np.clip's ufunc
    try:
        from numpy._core._exceptions import _UFuncOutputCastingError
    except ImportError:  # another NumPy's private layout
        ufunc = None
    if not isinstance(ufunc, np.ufunc):
        return TypeError(f"Cannot cast ufunc '{name}' output from {from_!r} to {to!r} with casting rule {casting!r}")
    return _UFuncOutputCastingError(ufunc, casting, np.dtype(from_), np.dtype(to), 0)


def _check_destination_writeable(a):
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("assignment destination is read-only")


# ---- outputs (out=) -----------------------------------------------------

def _single_out(out, name):
    if isinstance(out, tuple):
        if len(out) != 1:
            raise GraphBreak(f"np.{name} with several outputs is not compiled yet")
        out = out[0]
    if type(out).__name__ == "Selection":
        raise GraphBreak(f"np.{name} with out= a[mask] (a copy whose shape is known only when run)", out.where)
    if out is not None and (not isinstance(out, (Proxy, np.ndarray)) or (isinstance(out, Proxy) and out._scalar)):
        raise TypeError("return arrays must be of ArrayType")
    return out


def _store(name, out, result, casting="same_kind"):
    """Write a ufunc's result into `out` with NumPy's casting rule (same_kind unless given)."""
    out = operand(out)
    if not np.can_cast(result.dtype, out.dtype, casting=casting):
        raise output_casting_error(name, result.dtype, out.dtype, casting)
    if result.shape != out.shape:
        try:
            if np.broadcast_shapes(result.shape, out.shape) != out.shape:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"non-broadcastable output operand with shape {out.shape} doesn't match the broadcast shape {result.shape}"
            ) from None
    write(out, (), result)
    return out


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


# ---- NumPy functions (`__array_function__`) -----------------------------

# NumPy implements these by calling the array method (`_wrapfunc`): a NumPy scalar
# in gives a NumPy scalar out where the result is 0-d, as the scalar's method does.
_WRAPFUNCS = {"reshape", "transpose", "squeeze", "argmax", "argmin", "clip", "round", "around"}


def dispatch_function(func, args, kwargs):
    module = getattr(func, "__module__", None)
    if module == "numpy.linalg":
        from .linalg import dispatch
        return dispatch(func, args, kwargs)
    f = FUNCTIONS.get(func.__name__) if module == "numpy" else None
    if f is None:
        return numpy_implementation(func, args, kwargs)
    r = call(f, f"np.{func.__name__}", args, kwargs)
    if func.__name__ in _WRAPFUNCS and args:
        r = scalar_method_result(args[0], r)
    return r


def _public_name(func):
    module = getattr(func, "__module__", None) or "numpy"
    return module.replace("numpy", "np", 1) + "." + func.__name__


def numpy_implementation(func, args, kwargs):
    """A NumPy function the surface has no entry for, written in Python over
    NumPy's own functions (np.outer, np.flip, np.cov, np.linalg.norm, ...): its
    implementation is traced, its names bound as in a traced function. What it
    reaches that is not compiled is a graph break; an exception it raises is
    NumPy's only where NumPy raises the same class on stand-ins of the same
    dtypes and shapes (else NumPy runs it)."""
    name = _public_name(func)
    impl = getattr(func, "_implementation", None)
    if not inspect.isfunction(impl):
        raise GraphBreak(f"{name} is not compiled yet")
    traced = current_tracer().rebinder.function(impl)
    try:
        return traced(*args, **kwargs)
    except GraphBreak as e:
        if e.reason.startswith(name + ": "):
            raise
        raise GraphBreak(f"{name}: {e.reason}").with_traceback(e.__traceback__) from None
    except Exception as ours:  # noqa: BLE001 -- NumPy's own outcome decides below
        if sum(a.size for a in _flatten(list(args) + list(kwargs.values())) if isinstance(a, Proxy)) <= 1 << 20:
            try:
                _on_stand_ins(func, args, kwargs)
            except Exception as theirs:  # noqa: BLE001
                if type(theirs) is type(ours):
                    raise theirs.with_traceback(None) from None
        raise GraphBreak(f"{name} raised {type(ours).__name__} while traced ({ours})") from None


_SIGNATURES = {}


def call(f, name, args, kwargs):
    """Call a surface function; arguments it does not take (NumPy accepts more
    than the surface compiles) are a graph break, never a TypeError NumPy would
    not raise."""
    sig = _SIGNATURES.get(f)
    if sig is None:
        sig = _SIGNATURES[f] = inspect.signature(f)
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        raise GraphBreak(f"{name} with these arguments is not compiled yet ({e})") from None
    return f(*args, **kwargs)


def scalar_method_result(a, r):
    """A method of a NumPy scalar returns a NumPy scalar for a 0-d result."""
    if isinstance(a, Proxy) and a._scalar and isinstance(r, Proxy) and r.ndim == 0:
        r._scalar = True
    return r


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .creation import array  # noqa: E402
