"""The NumPy surface: each NumPy function is one Python function over primitives.

NumPy reaches it through its protocols (`__array_ufunc__`, `__array_function__`)
and the proxy's operators and methods. Arguments are normalized by `operand`:
Python scalars become weak literals (NEP 50), NumPy scalars strong ones, arrays
from outside the arguments captured inputs."""

from __future__ import annotations

import contextlib
import inspect
import operator
import warnings

import numpy as np
import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._trace import GraphBreak, Proxy, current_tracer, freeze, view, warn_every_call, write
from .._trace import c_strides
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


# ---- ufuncs -------------------------------------------------------------

_COMPARISONS = {
    "equal": operator.eq, "not_equal": operator.ne, "less": operator.lt,
    "less_equal": operator.le, "greater": operator.gt, "greater_equal": operator.ge,
}


def _compare_huge_int(name, x, y):
    """NumPy compares an integer array with a Python int outside its dtype's range
    exactly (the result is the same everywhere), and raises OverflowError for a
    bool array and an int beyond int64."""
    for big, other, big_first in ((y, x, False), (x, y, True)):
        if type(big) is not int or not is_operand(other):
            continue
        o = operand(other)
        if o.dtype.kind == "b" and not -(2**63) <= big < 2**63:
            raise OverflowError("Python int too large to convert to C long")
        if o.dtype.kind in "iu" and not np.iinfo(o.dtype).min <= big <= np.iinfo(o.dtype).max:
            cmp = _COMPARISONS[name]
            always = cmp(big, 0) if big_first else cmp(0, big)
            return UFUNCS["equal" if always else "not_equal"](o, o)
    return None


def _binary_ufunc(name):
    def f(x, y, dtype=None, **kwargs):
        _no(kwargs, f"np.{name}")
        if dtype is not None:
            return _with_dtype(name, (x, y), dtype)
        if name in _COMPARISONS:
            folded = _compare_huge_int(name, x, y)
            if folded is not None:
                return folded
        x, y = operand(x), operand(y)
        r = _record(name, x, y)
        r._scalar = r.ndim == 0
        return _keep_order(r, x, y)

    f.__name__ = name
    return f


def _keep_order(r, *operands):
    """NumPy allocates an elementwise result in its operands' memory order
    (order='K'): where one of them is not C-ordered, the result's order is
    not known here ("maybe": a reshape or ravel of it copies, and writes
    into either then break)."""
    if r.ndim >= 2 and any(isinstance(x, Proxy) and x.ndim >= 2 and x.size > 1
                           and (not x._contig or x._layout is not None) for x in operands):
        r._contig, r._layout = False, "maybe"
    return r


def _unary_ufunc(name):
    def f(x, dtype=None, **kwargs):
        _no(kwargs, f"np.{name}")
        if dtype is not None:
            return _with_dtype(name, (x,), dtype)
        x = operand(x)
        r = _record(name, x)
        r._scalar = r.ndim == 0
        return _keep_order(r, x)

    f.__name__ = name
    return f



def _with_dtype(name, inputs, dtype):
    """A ufunc with `dtype=`: the loop NumPy resolves for these operands with its
    output in `dtype` (`ufunc.resolve_dtypes`: NumPy's own choice, casting rule
    and exceptions), the operands cast to the loop's inputs (a Python scalar
    stays weak: its value is checked where it meets the loop's dtype)."""
    # A DType class (`type(arr.dtype)`, as NumPy's own Python passes) is its instance.
    dtype = dtype() if isinstance(dtype, type) and issubclass(dtype, np.dtype) else np.dtype(dtype)
    if dtype.kind not in "biufc":
        raise GraphBreak(f"np.{name} with dtype={dtype} is not compiled yet")
    ufunc = getattr(np, name)
    weak = {bool: np.dtype(np.bool_), int: int, float: float, complex: complex}
    given = tuple(weak[type(x)] if type(x) in weak else operand(x).dtype for x in inputs)
    def resolve(casting):
        return ufunc.resolve_dtypes(given + (None,) * ufunc.nout,
                                    signature=(None,) * ufunc.nin + (dtype,) * ufunc.nout, casting=casting)

    loop = resolve("unsafe")
    for x, d in zip(inputs, loop):
        # NumPy checks a Python int against the loop's dtype before the casts.
        if type(x) is int and d.kind in "iu" and not np.iinfo(d).min <= x <= np.iinfo(d).max:
            raise OverflowError(f"Python integer {x} out of bounds for {d}")
    resolve("same_kind")  # NumPy's casting error, if any
    cast = [x if type(x) in weak else astype(operand(x), d) if operand(x).dtype != d else operand(x)
            for x, d in zip(inputs, loop)]
    r = UFUNCS[name](*cast)
    if r.dtype != loop[ufunc.nin]:
        raise GraphBreak(f"np.{name} with dtype={dtype}: NumPy's {loop} loop is not compiled")
    return r


for _name in ("add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "fmod", "power",
              "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor",
              "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
              "arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "heaviside", "fmax", "fmin",
              "logical_and", "logical_or", "logical_xor", "left_shift", "right_shift", "float_power",
              "gcd", "lcm", "nextafter"):
    UFUNCS[_name] = _binary_ufunc(_name)
UFUNCS["divide"] = UFUNCS["true_divide"]
_pow = UFUNCS["power"]


def power(x, y, **kwargs):
    """np.power. NumPy's float32/float64 loop takes an exponent that does not move
    along the loop (a scalar, or broadcast from one element) equal to 0.5 as
    np.sqrt: sqrt(-inf) is nan and sqrt(-0.0) is -0.0 where pow gives inf and 0.0."""
    r = _pow(x, y, **kwargs)
    if r.dtype not in (np.float32, np.float64):
        return r
    if type(y) in (int, float):
        if y != 0.5:
            return r
        root = UFUNCS["sqrt"](astype(operand(x), r.dtype))
        root._scalar = r._scalar
        return root
    e = operand(y)
    if e.size != 1 or (e.ndim > 0 and r.size <= 1):
        return r
    root = UFUNCS["sqrt"](astype(operand(x), r.dtype))
    out = where(UFUNCS["equal"](e, 0.5), root, r)
    out._scalar = r._scalar
    return out


UFUNCS["power"] = power


def divmod_(x, y, **kwargs):
    """np.divmod: NumPy's floor_divide and remainder of the same operands."""
    _no(kwargs, "np.divmod")
    return UFUNCS["floor_divide"](x, y), UFUNCS["remainder"](x, y)


UFUNCS["divmod"] = divmod_
UFUNCS["mod"] = UFUNCS["remainder"]
for _name in ("negative", "absolute", "invert", "sin", "cos", "tan", "exp", "log", "sqrt", "tanh",
              "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1",
              "log2", "log10", "log1p", "cbrt", "rint", "deg2rad", "rad2deg", "square", "reciprocal", "sign",
              "floor", "ceil", "trunc", "isnan", "isinf", "isfinite", "signbit", "logical_not", "conjugate"):
    UFUNCS[_name] = _unary_ufunc(_name)
UFUNCS["conj"] = UFUNCS["conjugate"]
UFUNCS["bitwise_not"] = UFUNCS["invert"]
UFUNCS["radians"] = UFUNCS["deg2rad"]
UFUNCS["degrees"] = UFUNCS["rad2deg"]


@_register(UFUNCS, "positive")
def positive(x, **kwargs):
    _no(kwargs, "np.positive")
    x = operand(x)
    if x.dtype == np.bool_:
        raise TypeError("The numpy boolean positive, the `+` operator, is not supported.")
    # A ufunc: a new array (a NumPy scalar where 0-d), not its input.
    r = _record(f"reshape[shape={_tuple(x.shape)}]", x)
    r._scalar = r.ndim == 0
    return r


def array_power(x, y):
    """`x ** y` on an array: NumPy's operator takes `x ** 2` (a Python int) as
    np.square(x). That only differs from np.power for bool arrays: square(bool) is
    int8 (power with a weak int gives int64). NumPy scalars use np.power."""
    if type(y) is int and y == 2 and x.dtype == np.bool_ and not x._scalar:
        r = astype(x, np.int8)  # b * b == b
        r._scalar = r.ndim == 0
        return r
    if x._scalar:
        # NumPy scalars' own power is C's pow, without the ufunc's sqrt path.
        return _pow(x, y)
    # NumPy's fast_scalar_power: an exact Python int -1 or 2, or float 0.5, on a
    # float or complex array is np.reciprocal, np.square or np.sqrt.
    if x.dtype.kind in "fc" and type(y) in (int, float):
        fast = {(int, -1): "reciprocal", (int, 2): "square", (float, 0.5): "sqrt"}.get((type(y), y))
        if fast is not None:
            return UFUNCS[fast](x)
    return UFUNCS["power"](x, y)


@_register(UFUNCS, "matmul")
def matmul(x, y, **kwargs):
    _no(kwargs, "np.matmul")
    r = _record("matmul", operand(x), operand(y))
    r._scalar = r.ndim == 0
    return r


def _loop_dtypes(ufunc, *operands):
    """The dtypes of the loop NumPy picks for `ufunc` on these operands (its
    TypeError where none takes them)."""
    return ufunc.resolve_dtypes(tuple(operand(x).dtype for x in operands) + (None,) * ufunc.nout)


@_register(UFUNCS, "fabs")
def fabs(x, **kwargs):
    """np.fabs: the absolute value in the float loop NumPy picks (ints in float64, bools in float16)."""
    _no(kwargs, "np.fabs")
    dt = _loop_dtypes(np.fabs, x)[0]
    x = operand(x)
    return UFUNCS["absolute"](x if x.dtype == dt else astype(x, dt))


@_register(UFUNCS, "modf")
def modf(x, **kwargs):
    """np.modf: (fraction, integral part), both with x's sign (modf(-2.0) is
    (-0.0, -2.0), modf(inf) is (0.0, inf))."""
    _no(kwargs, "np.modf")
    dt = _loop_dtypes(np.modf, x)[0]
    x = operand(x)
    x = x if x.dtype == dt else astype(x, dt)
    whole = UFUNCS["trunc"](x)
    frac = where(UFUNCS["isinf"](x), 0.0, UFUNCS["subtract"](x, whole))
    frac = UFUNCS["copysign"](frac, x)
    frac._scalar = whole._scalar = x.ndim == 0
    return frac, whole


@_register(UFUNCS, "vecdot")
def vecdot(x, y, **kwargs):
    """np.vecdot: sum(conj(x) * y) over the last axis (a reordered sum, as a dot's)."""
    _no(kwargs, "np.vecdot")
    x, y = operand(x), operand(y)
    loop = _loop_dtypes(np.vecdot, x, y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("vecdot: Input operand 0 does not have enough dimensions")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"vecdot: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n),(n)->() (size {y.shape[-1]} is different from {x.shape[-1]})")
    if x.dtype.kind == "b" or y.dtype.kind == "b":
        raise GraphBreak("np.vecdot of bools is not compiled yet")
    if x.dtype.kind == "c":
        x = UFUNCS["conjugate"](x)
    return _reduce("sum", UFUNCS["multiply"](x, y), axis=-1, dtype=loop[-1])  # no upcast of small ints


@_register(UFUNCS, "matvec")
def matvec(a, v, **kwargs):
    """np.matvec: a @ v over the last axes, stacks broadcast."""
    _no(kwargs, "np.matvec")
    a, v = operand(a), operand(v)
    _loop_dtypes(np.matvec, a, v)
    if a.ndim < 2 or v.ndim < 1:
        raise ValueError("matvec: Input operand does not have enough dimensions")
    r = getitem(matmul(a, getitem(v, (Ellipsis, None))), (Ellipsis, 0))
    r._scalar = False
    return r


@_register(UFUNCS, "vecmat")
def vecmat(v, a, **kwargs):
    """np.vecmat: conj(v) @ a over the last axes, stacks broadcast."""
    _no(kwargs, "np.vecmat")
    v, a = operand(v), operand(a)
    _loop_dtypes(np.vecmat, v, a)
    if a.ndim < 2 or v.ndim < 1:
        raise ValueError("vecmat: Input operand does not have enough dimensions")
    if v.dtype.kind == "c":
        v = UFUNCS["conjugate"](v)
    r = getitem(matmul(getitem(v, (Ellipsis, None, slice(None))), a), (Ellipsis, 0, slice(None)))
    r._scalar = False
    return r


# ---- np.fft's kernels ------------------------------------------------------
# NumPy's np.fft functions (Python) end in these gufuncs of numpy.fft's
# pocketfft module: `kernel(a, fct, axes=[(axis,), (), (axis,)], out=out)`,
# the transform's length read from `out` (NumPy allocates it).

def _fft_kernel(op, parity=None):
    def kernel(a, fct, axes=None, out_shape=None, **kwargs):
        _no(kwargs, f"np.fft ({op})")
        a = operand(a)
        axis = normalize_axis_index(axes[0][0], a.ndim) if axes else a.ndim - 1
        real = np.result_type(a.dtype, 1.0) if a.dtype.kind != "c" else np.dtype(a.dtype.char.lower())
        if real not in (np.float32, np.float64):
            raise GraphBreak(f"np.fft of {a.dtype} is not compiled yet")
        cplx = np.result_type(real, 1j)
        n = out_shape[axis]
        if op == "rfft":
            n = 2 * (n - 1) + parity
        a = a if a.dtype == (real if op == "rfft" else cplx) else astype(a, real if op == "rfft" else cplx)
        r = _record(f"{op}[n={n},axis={axis}]", a)
        if not (isinstance(fct, (int, float)) and fct == 1):
            r = UFUNCS["multiply"](r, fct)
        r._scalar = False
        return r

    kernel.__name__ = op
    return kernel


UFUNCS["fft"] = _fft_kernel("fft")
UFUNCS["ifft"] = _fft_kernel("ifft")
UFUNCS["rfft_n_even"] = _fft_kernel("rfft", 0)
UFUNCS["rfft_n_odd"] = _fft_kernel("rfft", 1)
UFUNCS["irfft"] = _fft_kernel("irfft")
_FFT_KERNELS = ("fft", "ifft", "rfft_n_even", "rfft_n_odd", "irfft")


_REDUCE_UFUNCS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}


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


def unary_operator(name, a):
    with numpy_errors(name, (a,)):
        return UFUNCS[name](a)


def dispatch_ufunc(ufunc, method, inputs, kwargs):
    from .masked import Selection
    for x in inputs:
        if isinstance(x, Selection):
            return x.__array_ufunc__(ufunc, method, *inputs, **kwargs)
    name = ufunc.__name__
    if method == "__call__" and ufunc is getattr(np.linalg._umath_linalg, name, None):
        # NumPy's LAPACK gufuncs, called by its own Python (np.linalg.cond's inv).
        from .host import host_function
        if "out" in kwargs or not all(isinstance(x, Proxy) for x in inputs):
            raise GraphBreak(f"np.linalg._umath_linalg.{name} with these arguments is not compiled yet")
        return host_function(f"np.linalg._umath_linalg.{name}", ufunc, inputs, **kwargs)
    if method == "__call__" and name == "divmod":
        with numpy_errors(name, inputs, kwargs):
            return call(UFUNCS[name], "np.divmod", inputs, kwargs)
    if method == "__call__" and name in UFUNCS:
        given = dict(kwargs)
        out = _single_out(kwargs.pop("out", None), name)
        casting = kwargs.pop("casting", "same_kind")
        mask = kwargs.pop("where", True)
        mask = True if mask is np._NoValue else mask
        if mask is not True and out is None:
            raise GraphBreak(f"np.{name} with where= and no out= (NumPy leaves the other elements uninitialized)")
        if out is not None:
            _check_output_writeable(out)
        if casting != "same_kind":
            # NumPy's rule for the inputs (and an output's dtype), on empty stand-ins.
            probe = dict(kwargs, casting=casting)
            if out is not None:
                probe["out"] = np.empty((0,) * operand(out).ndim, operand(out).dtype)
            try:
                _on_stand_ins(ufunc, inputs, probe, empty=True)
            except TypeError as theirs:
                raise theirs.with_traceback(None) from None
            except Exception:  # noqa: BLE001 -- a shape error: our own checks give it below
                pass
        if name in _FFT_KERNELS:
            from numpy.fft import _pocketfft_umath
            if ufunc is not getattr(_pocketfft_umath, name, None) or out is None:
                raise GraphBreak(f"np.{name} is not compiled yet")
            kwargs["out_shape"] = operand(out).shape  # the transform's length
        with numpy_errors(name, inputs, given):
            result = call(UFUNCS[name], f"np.{name}", inputs, kwargs)
            if mask is not True:
                # Where the mask is False, out keeps its elements.
                numpy_raises(ufunc, *inputs, out=out, where=mask, casting=casting)
                o = operand(out)
                if not isinstance(result, Proxy):
                    raise GraphBreak(f"np.{name} with where= of several outputs is not compiled yet")
                kept = result if result.dtype == o.dtype else astype(result, o.dtype)
                if not np.can_cast(result.dtype, o.dtype, casting=casting):
                    raise output_casting_error(name, result.dtype, o.dtype, casting)
                result = where(operand(mask), kept, o)
            return result if out is None else _store(name, out, result, casting)
    if method == "reduce" and name in _REDUCE_UFUNCS:
        kwargs.setdefault("axis", 0)
        return call(_reduce, f"np.{name}.reduce", (_REDUCE_UFUNCS[name],) + tuple(inputs), kwargs)
    if method == "outer" and name in UFUNCS and len(inputs) == 2:
        return call(_ufunc_outer, f"np.{name}.outer", (name,) + tuple(inputs), kwargs)
    if method == "at":
        from .host import ufunc_at
        return ufunc_at(ufunc, *inputs, **kwargs)
    if method == "accumulate" and name in _ACCUMULATE_UFUNCS:
        return call(_accumulate, f"np.{name}.accumulate", (_ACCUMULATE_UFUNCS[name],) + tuple(inputs), kwargs)
    raise GraphBreak(f"np.{name}.{method} is not compiled yet" if method != "__call__" else f"np.{name} is not compiled yet")


_ACCUMULATE_UFUNCS = {"add": "cumsum", "multiply": "cumprod"}


def _ufunc_outer(name, a, b, out=None, **kwargs):
    """`ufunc.outer(a, b)`: the ufunc of `a` with one new axis per axis of `b`, and `b`."""
    _no({"out": out, **kwargs}, f"np.{name}.outer")
    # NumPy makes arrays of both first: a Python scalar is no longer weak.
    a, b = (x if isinstance(x, Proxy) else _constant(np.asarray(x)) for x in (a, b))
    return UFUNCS[name](getitem(a, (Ellipsis,) + (None,) * b.ndim), b)


def _accumulate(kind, array, axis=0, dtype=None, out=None):
    """`np.add.accumulate` / `np.multiply.accumulate`: NumPy 2 gives them the
    dtypes of `np.cumsum` / `np.cumprod` (small ints and bools upcast)."""
    out = _single_out(out, kind)
    a = operand(array)
    if a.ndim == 0:
        raise TypeError("cannot accumulate on a scalar")
    if axis is None:
        raise GraphBreak("ufunc.accumulate with axis=None is not compiled yet")
    r = FUNCTIONS[kind](a, axis=normalize_axis_index(axis, a.ndim), dtype=dtype)
    if out is not None:
        _check_output_writeable(out)
        return _store(kind, out, r, "unsafe")  # NumPy's accumulate casts into out= unsafely
    return r


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


for _name, _f in UFUNCS.items():
    FUNCTIONS.setdefault(_name, _f)


@_register(FUNCTIONS, "fix")
def fix(x, out=None):
    """np.fix is np.trunc (NumPy 2): ints and bools unchanged, floats toward zero."""
    _no({"out": out}, "np.fix")
    return UFUNCS["trunc"](x)


def _real_only(a, name):
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak(f"np.{name} of complex is not compiled yet")
    return a


def _power_of_ten(n):
    """NumPy's power_of_ten (multiarray/calculation.c): a table to 1e8, then times 10."""
    if n < 9:
        return float(10**n)
    r = 1e9
    for _ in range(n - 9):
        r *= 10.0
    return r


@_register(FUNCTIONS, "round", "around")
def round_(a, decimals=0, out=None):
    """NumPy's PyArray_Round: ints with decimals >= 0 are copied; decimals == 0 is
    rint; otherwise multiply (divide for negative decimals) by 10**|decimals|, rint,
    divide back (in float64 for ints, cast back to the int dtype, wrapping)."""
    _no({"out": out}, "np.round")
    a = operand(a)
    decimals = operator.index(decimals)
    if a.dtype.kind == "c" and decimals != 0:
        # NumPy rounds the real and imaginary parts as float arrays.
        r = _record("complex", round_(real(a), decimals), round_(imag(a), decimals))
    elif a.dtype.kind in "iu" and decimals >= 0:
        r = _copy_of(a)
    elif decimals == 0:
        r = UFUNCS["rint"](a)
    elif a.dtype.kind == "b":
        # NumPy scales into the bool array: multiply (divide for negative decimals) cannot cast back.
        raise output_casting_error("multiply" if decimals > 0 else "divide", np.dtype(np.float64), a.dtype)
    else:
        f = _power_of_ten(abs(decimals))
        mul, div = UFUNCS["multiply"], UFUNCS["true_divide"]
        scale, unscale = (mul, div) if decimals > 0 else (div, mul)
        r = unscale(UFUNCS["rint"](scale(a, f)), f)
        if a.dtype.kind in "iu":
            r = astype(r, a.dtype)
    r._scalar = r.ndim == 0  # ndarray.round of a 0-d array gives a NumPy scalar
    return r


@_register(FUNCTIONS, "real")
def real(val):
    """np.real: of a complex array a view of its real parts (writing through it
    is a graph break); of a real array the array itself."""
    a = operand(val)
    if a.dtype.kind == "c":
        return _part(a, "real")
    return a


@_register(FUNCTIONS, "imag")
def imag(val):
    """np.imag: of a complex array a view of its imaginary parts; of a real array
    read-only zeros of its dtype."""
    a = operand(val)
    if a.dtype.kind == "c":
        return _part(a, "imag")
    r = _constant(np.zeros(a.shape, a.dtype))
    if r._buf is not None:
        r._buf.writeable = False
    r._scalar = a._scalar
    return r


def _part(a, name):
    r = _record(name, a)
    r._scalar = a._scalar
    return view(a, name, r, contiguous=False)


def set_real(a, value):
    """`a.real = v` of a real array is `a[...] = v` (but NumPy wraps a Python int
    out of the dtype's range there instead of raising: left to NumPy)."""
    _real_only(a, "assignment to .real")
    if type(value) is int and a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        if not info.min <= value <= info.max:
            raise GraphBreak("a.real = a Python int out of the dtype's range")
    setitem(a, Ellipsis, value)


def set_imag(a, value):
    _real_only(a, "assignment to .imag")
    raise TypeError("array does not have imaginary part to set")


@_register(FUNCTIONS, "angle")
def angle(z, deg=False):
    """np.angle: arctan2(imag, real); of a real array arctan2(0, z) (pi for
    negatives and -0.0)."""
    z = operand(z)
    r = UFUNCS["arctan2"](imag(z), real(z)) if z.dtype.kind == "c" else UFUNCS["arctan2"](0, z)
    if deg:
        r = UFUNCS["multiply"](r, 180 / np.pi)
    return r


# ---- cumulative reductions ----------------------------------------------

def _accumulator(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind not in "biufc":
        raise GraphBreak(f"a reduction with dtype={dtype} is not compiled yet")
    return dtype


def _in_dtype(r, dtype):
    """NumPy's reduction in `dtype`: integers wrap there, so summing in int64 and
    casting back gives the same bits; a bool sum is a logical or (nonzero)."""
    return r if r.dtype == dtype else astype(r, dtype)


def _cumulative(kind):
    def f(a, axis=None, dtype=None, out=None):
        if out is not None:
            _check_output_writeable(out)
            # NumPy's accumulate casts into out= unsafely.
            return _store(kind, out, f(a, axis=axis, dtype=dtype), "unsafe")
        a = operand(a)
        if axis is None or a.ndim == 0:  # NumPy flattens (a 0-d array becomes 1-d)
            axis = 0 if axis is None else normalize_axis_index(axis, 1)
            a = ravel(a)
        axis = normalize_axis_index(axis, a.ndim)
        if dtype is None:
            return _record(f"{kind}[axis={axis}]", a)
        dtype = _accumulator(dtype)
        return _in_dtype(_record(f"{kind}[axis={axis}]", astype(a, dtype)), dtype)

    f.__name__ = kind
    return f


FUNCTIONS["cumsum"] = _cumulative("cumsum")
FUNCTIONS["cumprod"] = _cumulative("cumprod")


# ---- reductions ---------------------------------------------------------

def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))


def _reduce(kind, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    initial = None if initial is np._NoValue else initial
    where = None if where is np._NoValue or where is True else where
    keepdims = False if keepdims is np._NoValue else keepdims
    if initial is not None or where is not None:
        return _reduce_masked(kind, a, axis, dtype, out, keepdims, initial, where)
    out = _single_out(out, kind)
    a = operand(a)
    if kind != "mean" and a.ndim == 0 and _is_int(axis) and axis in (0, -1):
        axis = ()  # NumPy's ufunc reductions let axis 0 and -1 slip through for 0-d arrays
    axes = _axes(axis, a.ndim)
    if dtype is None and kind == "mean" and a.dtype.kind == "c":
        r = _reduce_in(kind, a, axes, keepdims, a.dtype)  # the sum over a complex count: NumPy's division
    elif dtype is None:
        r = _reduce_op(kind, a, axes, keepdims)
    else:
        r = _reduce_in(kind, a, axes, keepdims, _accumulator(dtype))
    r._scalar = r.ndim == 0
    if out is not None:
        if out.shape != r.shape:
            raise ValueError(f"output parameter for reduction operation {kind} has the wrong number of dimensions")
        return _store(kind, out, r)
    return r


_IDENTITY = {"sum": 0, "prod": 1, "mean": 0, "any": False, "all": True}
_REDUCTION_FUNCTION = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "max": np.max, "min": np.min,
                       "any": np.any, "all": np.all}


def _reduce_masked(kind, a, axis, dtype, out, keepdims, initial, mask):
    """A reduction with `where=` and/or `initial=`: masked-out elements become
    the identity (or `initial`, which max and min need with a mask), and
    `initial` joins the result. NumPy's own errors first, on stand-ins."""
    a = operand(a)
    extra = {} if initial is None else {"initial": initial}
    if mask is not None:
        extra["where"] = mask
    if kind in ("sum", "prod", "mean"):
        extra["dtype"] = dtype
    numpy_raises(_REDUCTION_FUNCTION[kind], a, axis=axis, keepdims=keepdims, **extra)
    if initial is not None and kind in ("any", "all", "mean"):
        raise GraphBreak(f"np.{kind} with initial= is not compiled yet")
    axes = _axes(axis, a.ndim)
    if any(a.shape[i] == 0 for i in axes) or (a.ndim and a.size == 0):
        raise GraphBreak(f"np.{kind} with where= or initial= over an empty axis is not compiled yet")
    count = None
    if mask is not None:
        m = operand(mask)
        if np.broadcast_shapes(m.shape, a.shape) != a.shape:
            raise GraphBreak(f"np.{kind} with a where= mask wider than the array is not compiled yet")
        if m.dtype != np.bool_:
            m = astype(m, np.bool_)
        if kind == "mean":
            count = _reduce("sum", broadcast_to(m, a.shape), axis=axis, dtype=np.intp, keepdims=keepdims)
        fill = _IDENTITY.get(kind, initial)
        a = where(m, a, fill)
        a._scalar = False
    if kind == "mean":
        if dtype is None:
            dtype = {"b": np.float64, "i": np.float64, "u": np.float64}.get(a.dtype.kind, a.dtype)
        total = _reduce("sum", a, axis=axis, dtype=np.float32 if np.dtype(dtype) == np.float16 else dtype,
                        keepdims=keepdims)
        r = _in_dtype(UFUNCS["true_divide"](total, count), np.dtype(dtype))
    else:
        r = _reduce(kind, a, axis=axis, dtype=dtype, keepdims=keepdims)
        if initial is not None:
            join = {"sum": "add", "prod": "multiply", "max": "maximum", "min": "minimum"}[kind]
            r = _in_dtype(UFUNCS[join](r, initial), r.dtype)
    r._scalar = r.ndim == 0
    out = _single_out(out, kind)
    return r if out is None else _store(kind, out, r)


def _reduce_op(kind, a, axes, keepdims):
    return _record(f"{kind}[axes={_tuple(axes)},keepdims={str(bool(keepdims)).lower()}]", a)


def _reduce_in(kind, a, axes, keepdims, dtype):
    """sum, prod or mean with `dtype=`: the operand cast to `dtype` and reduced
    there. NumPy's mean divides the sum in `dtype` by the count (true_divide,
    cast back unsafely: an integer mean truncates)."""
    if dtype.kind == "b" and kind in ("sum", "prod"):
        return _reduce_op("any" if kind == "sum" else "all", astype(a, dtype), axes, keepdims)
    if kind in ("sum", "prod"):
        return _in_dtype(_record(f"{kind}[axes={_tuple(axes)},keepdims={str(bool(keepdims)).lower()}{',buffered=true' if kind == 'sum' and a.dtype != dtype and dtype.kind in 'fc' else ''}]", astype(a, dtype)), dtype)  # buffered: NumPy's on-the-fly cast (its float sum adds 8192 at a time)
    total = _reduce_in("sum", a, axes, keepdims, dtype)
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return _in_dtype(UFUNCS["true_divide"](total, count), dtype)


def _single_out(out, name):
    if isinstance(out, tuple):
        if len(out) != 1:
            raise GraphBreak(f"np.{name} with several outputs is not compiled yet")
        out = out[0]
    if out is not None and (not isinstance(out, (Proxy, np.ndarray)) or (isinstance(out, Proxy) and out._scalar)):
        raise TypeError("return arrays must be of ArrayType")
    return out


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _reduction(kind):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return _reduce(kind, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kwargs)

    f.__name__ = kind
    return f


def _bool_reduction(kind):
    def f(a, axis=None, out=None, keepdims=False, *, where=None):
        return _reduce(kind, a, axis=axis, out=out, keepdims=keepdims, where=where)

    f.__name__ = kind
    return f


def _minmax(kind):
    def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        return _reduce(kind, a, axis=axis, out=out, keepdims=keepdims, initial=initial, where=where)

    f.__name__ = kind
    return f


FUNCTIONS["sum"] = _reduction("sum")
FUNCTIONS["prod"] = _reduction("prod")
FUNCTIONS["mean"] = _reduction("mean")
FUNCTIONS["any"] = _bool_reduction("any")
FUNCTIONS["all"] = _bool_reduction("all")
FUNCTIONS["max"] = FUNCTIONS["amax"] = _minmax("max")
FUNCTIONS["min"] = FUNCTIONS["amin"] = _minmax("min")


def _variance(kind):
    """np.var / np.std as NumPy's _var computes them: the mean (float64 for ints
    and bools) kept as a 0-d-per-lane array, the squared deviations (|z|^2 as
    re^2 + im^2 for complex), summed and divided by max(n - ddof, 0)."""

    def f(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue, mean=np._NoValue,
          correction=np._NoValue):
        _no({"out": out, "where": None if where is np._NoValue or where is True else where,
             "mean": None if mean is np._NoValue else mean}, f"np.{kind}")
        if correction is not np._NoValue:
            if ddof != 0:
                raise ValueError("ddof and correction can't be provided simultaneously.")
            ddof = correction
        a = operand(a)
        axes = _axes(axis, a.ndim)
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.float64
        if dtype is not None:
            dtype = _accumulator(dtype)
        count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))

        def total(x, keep):
            return _reduce_op("sum", x, axes, keep) if dtype is None else _reduce_in("sum", x, axes, keep, dtype)

        mean_ = total(a, True)
        mean_ = _in_dtype(UFUNCS["true_divide"](mean_, count), mean_.dtype)
        dev = UFUNCS["subtract"](a, mean_)
        if dev.dtype.kind == "c":
            re, im = real(dev), imag(dev)
            sq = UFUNCS["add"](UFUNCS["multiply"](re, re), UFUNCS["multiply"](im, im))
        else:
            sq = UFUNCS["multiply"](dev, dev)
        r = total(sq, keepdims)
        r = _in_dtype(UFUNCS["true_divide"](r, max(count - ddof, 0)), r.dtype)
        if kind == "std" and r.dtype.kind in "biu":
            # NumPy takes the root into the result: a scalar converts, an array
            # cannot hold the float root (same_kind).
            root = UFUNCS["sqrt"](r)
            if r.ndim > 0:
                raise output_casting_error("sqrt", root.dtype, r.dtype)
            r = astype(root, r.dtype)
        elif kind == "std":
            r = UFUNCS["sqrt"](r)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = kind
    return f


FUNCTIONS["var"] = _variance("var")
FUNCTIONS["std"] = _variance("std")


def _arg_reduction(kind):
    def f(a, axis=None, out=None, *, keepdims=False):
        _no({"out": out}, f"np.{kind}")
        a = operand(a)
        if a.ndim == 0 and _is_int(axis) and axis in (0, -1):
            axis = None  # NumPy views a 0-d array as 1-d here
        ax = "None" if axis is None else str(normalize_axis_index(axis, a.ndim))
        r = _record(f"{kind}[axis={ax},keepdims={str(bool(keepdims)).lower()}]", a)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = kind
    return f


FUNCTIONS["argmax"] = _arg_reduction("argmax")
FUNCTIONS["argmin"] = _arg_reduction("argmin")


# ---- selection ----------------------------------------------------------

@_register(FUNCTIONS, "where")
def where(condition, x=np._NoValue, y=np._NoValue):
    if x is np._NoValue and y is np._NoValue:
        raise GraphBreak("np.where(condition) has a data-dependent shape")
    if x is np._NoValue or y is np._NoValue:
        raise ValueError("either both or neither of x and y should be given")
    c = operand(condition)
    if c.dtype != np.bool_:
        c = astype(c, np.bool_)
    x, y = _where_int(x, y), _where_int(y, x)
    return _record("where", c, operand(x), operand(y))


def _where_int(v, other):
    """np.where converts a Python int to an array and casts it to the result dtype
    unsafely (no NEP 50 OverflowError): where the result is an integer dtype, an int
    in [-2**63, 2**64) wraps into it, a larger one raises OverflowError."""
    if type(v) is not int:
        return v
    if type(other) in (bool, int):
        target = np.dtype(np.int64)
    else:
        target = operand(other).dtype
        if target.kind == "b":
            target = np.dtype(np.int64)
    if target.kind not in "iu":
        return v
    if not -(2**63) <= v < 2**64:
        raise OverflowError("Python int too large to convert to C long")
    bits = 8 * target.itemsize
    half = 2 ** (bits - 1) if target.kind == "i" else 0
    return (v + half) % 2**bits - half


@_register(FUNCTIONS, "clip")
def clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue, max=np._NoValue, **kwargs):
    if out is not None:
        _check_output_writeable(out)
        return _store("clip", out, clip(a, a_min, a_max, min=min, max=max, **kwargs))
    _no(kwargs, "np.clip")
    lo = None if a_min is np._NoValue else a_min
    hi = None if a_max is np._NoValue else a_max
    lo = lo if min is np._NoValue else min
    hi = hi if max is np._NoValue else max
    a = operand(a)
    if a.dtype.kind in "iu":
        # NumPy's _clip drops a Python int bound beyond the dtype's range on its
        # own side (the others are NEP 50's OverflowError, raised below).
        info = np.iinfo(a.dtype)
        lo = None if type(lo) is int and lo <= info.min else lo
        hi = None if type(hi) is int and hi >= info.max else hi
    if lo is None and hi is None:
        return positive(a)  # NumPy's _clip
    # np.clip is one ufunc: its dtype comes from all three operands at once (NEP 50
    # for Python scalars), not from maximum and then minimum.
    bounds = [b if isinstance(b, (bool, int, float)) else operand(b) for b in (lo, hi) if b is not None]
    dtype = np.result_type(a.dtype, *(b.dtype if isinstance(b, Proxy) else type(b)(0) for b in bounds))
    for b in (lo, hi):
        if type(b) is int and dtype.kind in "iu" and not np.iinfo(dtype).min <= b <= np.iinfo(dtype).max:
            raise OverflowError(f"Python integer {b} out of bounds for {dtype}")  # NEP 50, in the loop's dtype
    r = a if a.dtype == dtype else astype(a, dtype)
    # One bound is np.maximum or np.minimum (NumPy's _clip); both are the clip
    # ufunc, which returns x or the bound where they compare equal (zeros of
    # both signs) depending on its inner loop's strides, not on values: which,
    # for each element, NumPy says on zeros of these shapes.
    if lo is not None and hi is not None:
        if dtype.kind == "f":
            takes_bound = _clip_takes_bound(r, lo, hi)
            # np.maximum/np.minimum return their second operand on ties
            # (float16: the first).
            first = dtype == np.float16
            x_side = lambda x, b: (x, b) if first else (b, x)
            b_side = lambda x, b: (b, x) if first else (x, b)
            keep = UFUNCS["minimum"](*x_side(UFUNCS["maximum"](*x_side(r, lo)), hi))
            bound = UFUNCS["minimum"](*b_side(UFUNCS["maximum"](*b_side(r, lo)), hi))
            r = bound if takes_bound.all() else keep if not takes_bound.any() else where(_constant(takes_bound), bound, keep)
        elif dtype.kind == "c":
            r = _complex_clip_pick(_complex_clip_pick(r, lo, "greater"), hi, "less")
        else:
            r = UFUNCS["minimum"](UFUNCS["maximum"](r, lo), hi)
    elif lo is not None:
        r = UFUNCS["maximum"](r, lo)
    elif hi is not None:
        r = UFUNCS["minimum"](r, hi)
    if r is a:
        r = _record("reshape[shape=" + _tuple(a.shape) + "]", a)
    r._scalar = r.ndim == 0  # a ufunc: a NumPy scalar where 0-d
    return r


def _complex_clip_pick(a, b, order):
    """One step of NumPy's complex clip loop: `a` where it has a NaN part or
    orders after (before) `b` lexicographically, else `b`; a NaN bound does
    not spread as it does in np.maximum/np.minimum."""
    b = astype(operand(b), a.dtype)
    ar, ai, br, bi = real(a), imag(a), real(b), imag(b)
    cmp = UFUNCS[order]
    after = where(UFUNCS["equal"](ar, br), cmp(ai, bi), cmp(ar, br))
    nan = UFUNCS["logical_or"](UFUNCS["isnan"](ar), UFUNCS["isnan"](ai))
    return where(UFUNCS["logical_or"](nan, after), a, b)


def _clip_takes_bound(x, lo, hi):
    """Where np.clip of arrays of these shapes returns the bound, not x, when
    they compare equal: NumPy run on +0.0 between bounds of -0.0."""
    zeros = lambda v, fill: np.full(v.shape if isinstance(v, Proxy) else (), fill, x.dtype)
    t = np.clip(zeros(x, 0.0), zeros(lo, -0.0), zeros(hi, -0.0))
    return np.broadcast_to(np.signbit(t), t.shape)


# ---- linear algebra -----------------------------------------------------

@_register(FUNCTIONS, "dot")
def dot(a, b, out=None):
    _no({"out": out}, "np.dot")
    a, b = operand(a), operand(b)
    if a.ndim == 0 or b.ndim == 0:
        return UFUNCS["multiply"](a, b)
    if a.ndim > 2 or b.ndim > 2:
        raise GraphBreak("np.dot of arrays with more than 2 dimensions is not compiled yet")
    if a.shape[-1] != b.shape[0]:
        raise ValueError(
            f"shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} (dim {a.ndim - 1}) != {b.shape[0]} (dim 0)"
        )
    return matmul(a, b)


# ---- shapes -------------------------------------------------------------

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


def builtin_round(a, ndigits=None):
    """Python's round() of a traced value: NumPy scalars round (to a Python int
    without ndigits, a value we do not have); arrays have no __round__."""
    if not a._scalar or a.dtype.kind in "bc":
        what = "numpy.ndarray" if not a._scalar else f"numpy.{a.dtype.type.__name__}"
        raise TypeError(f"type {what} doesn't define __round__ method")
    if ndigits is None:
        raise GraphBreak("round() of a NumPy scalar gives a Python int")
    return round_(a, ndigits)


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
        # NumPy's ravel views only a C-contiguous array (even where reshape could).
        return _copy_of(a).reshape(-1)
    return _reshape_view(a, (a.size,))


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


# ---- indexing -----------------------------------------------------------

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
            k = int(i)
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
            starts.append(k % n)
            lens.append(1)
            steps.append(1)
        axis += 1
    slice_op = None
    if any(s != 0 or st != 1 or ln != d for s, ln, st, d in zip(starts, lens, steps, a.shape)):
        slice_op = f"slice[starts={_tuple(starts)},lens={_tuple(lens)},steps={_tuple(steps)}]"
    reshape_op = None if tuple(out_shape) == tuple(lens) else f"reshape[shape={_tuple(out_shape)}]"
    contiguous = _region_is_c_contiguous(a.shape, lens, steps)
    scalar = len(out_shape) == 0 and not n_ellipsis
    return slice_op, reshape_op, tuple(out_shape), scalar, contiguous


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


_INPLACE_NAMES = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "true_divide": "divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "power": "power",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor", "matmul": "matmul",
}


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


def inplace(name, a, other):
    """`a op= other`: the result written into a's memory (views included);
    `**=` takes the operator's fast paths (sqrt, square, reciprocal) too."""
    _check_output_writeable(a)
    with numpy_errors(name, (a, other), {"out": (a,)}):
        value = array_power(a, other) if name == "power" else UFUNCS[name](a, other)
        return _store(_INPLACE_NAMES.get(name, name), a, value)


# ---- methods ------------------------------------------------------------

def method_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["sum"](a, axis, dtype, out, keepdims, **kw)


def method_prod(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["prod"](a, axis, dtype, out, keepdims, **kw)


def method_mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["mean"](a, axis, dtype, out, keepdims, **kw)


def method_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return FUNCTIONS["var"](a, axis, dtype, out, ddof, keepdims, **kw)


def method_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return FUNCTIONS["std"](a, axis, dtype, out, ddof, keepdims, **kw)


def method_max(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["max"](a, axis, out, keepdims, **kw)


def method_min(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["min"](a, axis, out, keepdims, **kw)


def method_any(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["any"](a, axis, out, keepdims, **kw)


def method_all(a, axis=None, out=None, keepdims=False, **kw):
    return FUNCTIONS["all"](a, axis, out, keepdims, **kw)


def method_cumsum(a, axis=None, dtype=None, out=None):
    return FUNCTIONS["cumsum"](a, axis, dtype, out)


def method_cumprod(a, axis=None, dtype=None, out=None):
    return FUNCTIONS["cumprod"](a, axis, dtype, out)


def method_round(a, decimals=0, out=None):
    return round_(a, decimals, out)


def method_conj(a):
    """ndarray.conj(): np.conjugate of a complex array; of a real array the array
    itself (bool stays bool, unlike np.conjugate's int8)."""
    a = operand(a)
    return UFUNCS["conjugate"](a) if a.dtype.kind == "c" else a


method_conjugate = method_conj


def method_argmax(a, axis=None, out=None, *, keepdims=False):
    return FUNCTIONS["argmax"](a, axis, out, keepdims=keepdims)


def method_argmin(a, axis=None, out=None, *, keepdims=False):
    return FUNCTIONS["argmin"](a, axis, out, keepdims=keepdims)


def method_reshape(a, *shape, order="C", copy=None):
    return reshape(a, _shape_arg(shape), order=order)


def method_transpose(a, *axes):
    axes = _shape_arg(axes)
    return transpose(a, axes if axes else None)


def method_astype(a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    r = astype(a, dtype, copy=copy)
    if r is a:
        return r
    r._scalar = a._scalar
    return r


def method_squeeze(a, axis=None):
    return squeeze(a, axis)


def method_clip(a, min=None, max=None, out=None, **kw):
    return clip(a, min, max, out, **kw)


def method_dot(a, b, out=None):
    return dot(a, b, out)


def method_ravel(a, order="C"):
    return ravel(a, order)


def method_flatten(a, order="C"):
    if order != "C":
        raise GraphBreak(f"flatten with order={order!r} is not compiled yet")
    return copy(a).reshape(-1)


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
    if src is dst:
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


def _copyto_where(dst, src, casting, mask):
    """`np.copyto(dst, src, where=mask)`: dst keeps its elements where the mask is False."""
    if not isinstance(dst, (Proxy, np.ndarray)) or (isinstance(dst, Proxy) and dst._scalar):
        return copyto(dst, src, casting)  # NumPy's TypeError
    dst = operand(dst)
    _check_destination_writeable(dst)
    numpy_raises(np.copyto, dst, src, casting=casting, where=mask)
    src, mask = operand(src), operand(mask)
    if src.dtype.kind == "c" and dst.dtype.kind != "c":
        warn_every_call(np.exceptions.ComplexWarning, "Casting complex values to real discards the imaginary part")
    value = astype(src, dst.dtype) if src.dtype != dst.dtype else src
    write(dst, (), where(mask, value, dst))


def method_copy(a, order="C"):
    return copy(a)


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


@_register(FUNCTIONS, "einsum")
def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """np.einsum of one or more operands in the subscript form: each operand's
    repeated letters as a diagonal and its own summed letters summed first,
    then pairs as one batched matmul (left to right); NumPy's dtype (no
    upcast of small ints). A reordered sum of the same products."""
    _no({"out": out, "dtype": dtype}, "np.einsum")
    if not operands or not isinstance(operands[0], str):
        raise GraphBreak("np.einsum in the sublist form is not compiled yet")
    subscripts, arrays = operands[0].replace(" ", ""), [operand(x) for x in operands[1:]]
    if "." in subscripts:
        raise GraphBreak("np.einsum with '...' is not compiled yet")
    if sum(a.size for a in arrays) <= 1 << 20:
        numpy_raises(np.einsum, subscripts, *arrays)  # NumPy's errors for subscripts and shapes
    inputs, arrow, output = subscripts.partition("->")
    subs = inputs.split(",")
    if len(subs) != len(arrays) or any(len(s) != a.ndim for s, a in zip(subs, arrays)):
        raise ValueError("einstein sum subscripts string does not match the operands")
    if not arrow:
        letters = "".join(subs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    result_dtype = np.result_type(*(_stand_in(a, empty=True) for a in arrays))
    arrays = [a if a.dtype == result_dtype else astype(a, result_dtype) for a in arrays]
    later = [set("".join(subs[k + 1:]) + output) for k in range(len(subs))]
    a, sa = _einsum_reduce(arrays[0], subs[0], later[0])
    for k in range(1, len(arrays)):
        b, sb = _einsum_reduce(arrays[k], subs[k], later[k] | set(sa))
        a, sa = _einsum_pair(a, sa, b, sb, later[k])
    a, sa = _einsum_reduce(a, sa, set(output))
    r = transpose(a, [sa.index(c) for c in output]) if sa != output else a
    r._scalar = r.ndim == 0
    if len(arrays) == 1 and len(set(subs[0])) < len(subs[0]) and len(set(subs[0])) == len(output) and r.ndim:
        # NumPy returns a writeable view of the diagonal: a copy here, and a
        # write into either side breaks.
        r._buf.writeable = True
        freeze(arrays[0], r, "np.einsum's view of a diagonal")
    return r


def _einsum_reduce(a, sub, keep):
    """`a` with its repeated letters made diagonals and the letters not in
    `keep` summed (in a's dtype); its new subscripts."""
    while len(set(sub)) < len(sub):
        c = next(c for c in sub if sub.count(c) > 1)
        i, j = sub.index(c), sub.index(c, sub.index(c) + 1)
        a = diagonal(a, 0, i, j)
        sub = "".join(x for k, x in enumerate(sub) if k not in (i, j)) + c
    summed = tuple(k for k, c in enumerate(sub) if c not in keep)
    if summed:
        a = _reduce("sum", a, axis=summed, dtype=a.dtype)
        sub = "".join(c for c in sub if c in keep)
    return a, sub


def _einsum_pair(a, sa, b, sb, keep):
    """The product of two operands summed over their shared letters not in
    `keep`: one batched matmul."""
    batch = [c for c in sa if c in sb and c in keep]
    contract = [c for c in sa if c in sb and c not in keep]
    only_a = [c for c in sa if c not in sb]
    only_b = [c for c in sb if c not in sa]
    size = {c: n for s, x in ((sa, a), (sb, b)) for c, n in zip(s, x.shape)}
    n = lambda cs: int(np.prod([size[c] for c in cs], dtype=np.int64))  # noqa: E731
    def arranged(x, s, order, shape):
        x = transpose(x, [s.index(c) for c in order]) if list(s) != order else x
        return reshape(_copy_of(x), shape)
    left = arranged(a, sa, batch + only_a + contract, (n(batch), n(only_a), n(contract)))
    right = arranged(b, sb, batch + contract + only_b, (n(batch), n(contract), n(only_b)))
    r = matmul(left, right)
    r = reshape(r, tuple(size[c] for c in batch + only_a + only_b))
    return r, "".join(batch + only_a + only_b)


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


def _python_bool(r):
    """A traced bool that NumPy returns as a Python bool (`bool(...)` of it):
    returned as one; a Python `if` on it is still a graph break."""
    r._scalar = 2
    return r


@_register(FUNCTIONS, "allclose")
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _python_bool(_reduce("all", np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@_register(FUNCTIONS, "array_equal")
def array_equal(a1, a2, equal_nan=False):
    a1, a2 = operand(a1), operand(a2)
    if a1.shape != a2.shape:
        return False
    same = UFUNCS["equal"](a1, a2)
    if equal_nan and a1.dtype.kind in "fc" and a2.dtype.kind in "fc":
        same = UFUNCS["logical_or"](same, UFUNCS["logical_and"](UFUNCS["isnan"](a1), UFUNCS["isnan"](a2)))
    return _python_bool(_reduce("all", same))


@_register(FUNCTIONS, "array_equiv")
def array_equiv(a1, a2):
    a1, a2 = operand(a1), operand(a2)
    try:
        np.broadcast_shapes(a1.shape, a2.shape)
    except ValueError:
        return False
    return _python_bool(_reduce("all", UFUNCS["equal"](a1, a2)))


# ---- NaN-ignoring reductions ---------------------------------------------
# NumPy's nan* functions as NumPy computes them, without their warnings for
# all-NaN slices (a check on the values; the results are NumPy's NaN).

def _nan_args(name, a, out, kwargs):
    _no({"out": out, **{k: v for k, v in kwargs.items() if v is not np._NoValue}}, f"np.{name}")
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak(f"np.{name} of complex values is not compiled yet")
    return a


def _nan_extreme(kind):
    def f(a, axis=None, out=None, keepdims=False, **kwargs):
        a = _nan_args(f"nan{kind}", a, out, kwargs)
        keepdims = False if keepdims is np._NoValue else keepdims
        if a.dtype.kind != "f":
            return _reduce(kind, a, axis=axis, keepdims=keepdims)
        nan = UFUNCS["isnan"](a)
        filled = where(nan, -np.inf if kind == "max" else np.inf, a)
        r = _reduce(kind, filled, axis=axis, keepdims=keepdims)
        r = where(_reduce("all", nan, axis=axis, keepdims=keepdims), np.nan, r)
        r._scalar = r.ndim == 0
        return r

    f.__name__ = f"nan{kind}"
    return f


FUNCTIONS["nanmax"] = _nan_extreme("max")
FUNCTIONS["nanmin"] = _nan_extreme("min")


def _nan_sum_count(a, axis, dtype, keepdims):
    nan = UFUNCS["isnan"](a)
    arr = where(nan, 0, a)
    arr._scalar = False
    count = _reduce("sum", UFUNCS["logical_not"](nan), axis=axis, dtype=np.intp, keepdims=keepdims)
    total = _reduce("sum", arr, axis=axis, dtype=dtype, keepdims=keepdims)
    return arr, nan, total, count


def _divide_by_count(total, count):
    """NumPy's `_divide_by_count`: the division kept in the total's dtype."""
    r = UFUNCS["true_divide"](total, count)
    r = r if r.dtype == total.dtype else astype(r, total.dtype)
    r._scalar = r.ndim == 0
    return r


@_register(FUNCTIONS, "nanmean")
def nanmean(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, *, where=np._NoValue):
    a = _nan_args("nanmean", a, out, {"where": where})
    keepdims = False if keepdims is np._NoValue else keepdims
    if a.dtype.kind != "f":
        return _reduce("mean", a, axis=axis, dtype=dtype, keepdims=keepdims)
    _, _, total, count = _nan_sum_count(a, axis, dtype, keepdims)
    return _divide_by_count(total, count)


@_register(FUNCTIONS, "nanvar")
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
           mean=np._NoValue, correction=np._NoValue):
    a = _nan_args("nanvar", a, out, {"where": where, "mean": mean, "correction": correction})
    keepdims = False if keepdims is np._NoValue else keepdims
    if a.dtype.kind != "f":
        return FUNCTIONS["var"](a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    arr, nan, avg, count = _nan_sum_count(a, axis, dtype, True)
    avg = _divide_by_count(avg, count)
    dev = UFUNCS["subtract"](arr, avg)
    dev = FUNCTIONS["where"](nan, 0, dev if dev.dtype == arr.dtype else astype(dev, arr.dtype))
    var = _reduce("sum", UFUNCS["multiply"](dev, dev), axis=axis, dtype=dtype, keepdims=keepdims)
    if not keepdims:
        count = reshape(count, var.shape)
    dof = UFUNCS["subtract"](count, ddof)
    var = _divide_by_count(var, dof)
    var = FUNCTIONS["where"](UFUNCS["less_equal"](dof, 0), np.nan, var)
    var._scalar = var.ndim == 0
    return var


@_register(FUNCTIONS, "nanstd")
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
           mean=np._NoValue, correction=np._NoValue):
    var = nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                 correction=correction)
    r = UFUNCS["sqrt"](var)
    r._scalar = r.ndim == 0
    return r


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


@_register(FUNCTIONS, "count_nonzero")
def count_nonzero(a, axis=None, *, keepdims=False):
    a = operand(a)
    return _reduce("sum", UFUNCS["not_equal"](a, 0), axis=axis, dtype=np.intp, keepdims=keepdims)


@_register(FUNCTIONS, "vdot")
def vdot(a, b, /):
    a, b = operand(a), operand(b)
    if a.size != b.size:
        raise ValueError("vector inner product requires arrays of the same size")  # NumPy's words differ
    a = ravel(a)
    if a.dtype.kind == "c":
        a = UFUNCS["conjugate"](a)
    return dot(a, ravel(b))


@_register(FUNCTIONS, "inner")
def inner(a, b, /):
    a, b = operand(a), operand(b)
    if a.ndim == 0 or b.ndim == 0:
        return UFUNCS["multiply"](a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError("shapes %s and %s not aligned: %d (dim %d) != %d (dim %d)"
                         % (a.shape, b.shape, a.shape[-1], a.ndim - 1, b.shape[-1], b.ndim - 1))
    r = np.tensordot(a, b, axes=([-1], [-1]))
    r._scalar = r.ndim == 0
    return r


@_register(FUNCTIONS, "median")
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """NumPy's median: the mean of the middle one or two of the sorted values
    (NaN sorts last: a lane holding NaN is NaN)."""
    _no({"out": out}, "np.median")
    a = operand(a)
    if a.dtype.kind == "c":
        raise GraphBreak("np.median of complex values is not compiled yet")
    if isinstance(axis, (tuple, list)):
        raise GraphBreak("np.median over several axes is not compiled yet")
    if a.size == 0 or (axis is not None and a.ndim and a.shape[normalize_axis_index(axis, a.ndim)] == 0):
        raise GraphBreak("np.median of an empty array (NumPy warns and gives NaN)")
    flat = axis is None
    ax = 0 if flat else normalize_axis_index(axis, a.ndim)
    s = sort(ravel(a) if flat else a, axis=ax)
    n = s.shape[ax]
    hi = n // 2 + 1
    lo = hi - 1 - (n % 2 == 0)
    before = (slice(None),) * ax
    m = _reduce("mean", getitem(s, before + (slice(lo, hi),)), axis=ax)
    if a.dtype.kind in "fc":
        last = getitem(s, before + (-1,))
        m = where(UFUNCS["isnan"](last), last, m)
    m._scalar = m.ndim == 0
    if keepdims:
        m = reshape(m, (1,) * a.ndim if flat else tuple(1 if d == ax else n_ for d, n_ in enumerate(a.shape)))
    return m


# ---- creation -----------------------------------------------------------
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
        return out

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


# ---- sorting ------------------------------------------------------------

@_register(FUNCTIONS, "sort")
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted values (NaN last); every sort kind gives the same values."""
    if order is not None:
        raise GraphBreak("np.sort with order= is not compiled yet")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    if a.dtype.kind == "c" and a.ndim:
        # No complex sort in libtorch: NumPy's order by three stable passes.
        r = take_along_axis(a, _complex_order(a, axis), axis)
        r._scalar = False
        return r
    r = _record(f"sort[axis={axis}]", a)
    r._scalar = False
    if not a._contig or a._layout is not None:
        # NumPy sorts a copy in the input's own order (`copy(order="K")`):
        # what views of the result see depends on strides the tracer does
        # not model, so reshaping it breaks.
        r._contig, r._layout = False, "unknown"
    return r


_STABLE_KINDS = ("stable", "mergesort")


def _argsort_stable(a, axis):
    r = _record(f"argsort[axis={axis}]", a)
    r._scalar = False
    return r


def _complex_order(a, axis):
    """The positions that sort complex `a` along `axis` as NumPy's CLT orders it:
    finite-part values, then R+nanj, then nan+Rj, then nan+nanj, each by real
    then imaginary part (three stable passes, least significant key first)."""
    re, im = FUNCTIONS["real"](a), FUNCTIONS["imag"](a)
    nre, nim = UFUNCS["isnan"](re), UFUNCS["isnan"](im)
    category = UFUNCS["add"](UFUNCS["multiply"](astype(nre, np.int8), 2), astype(UFUNCS["logical_and"](nim, UFUNCS["logical_not"](nre)), np.int8))
    category = where(UFUNCS["logical_and"](nre, nim), 3, category)
    perm = None
    for key in (im, re, category):
        k = key if perm is None else FUNCTIONS["take_along_axis"](key, perm, axis)
        step = _argsort_stable(k, axis)
        perm = step if perm is None else FUNCTIONS["take_along_axis"](perm, step, axis)
    return perm


@_register(FUNCTIONS, "argsort")
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Stable sorting positions (kind='stable', stable=True). NumPy's default
    sort orders ties as its algorithm happens to (introsort, or SIMD sorts on
    some CPUs): not reproducible, so the default kind is a graph break."""
    if order is not None:
        raise GraphBreak("np.argsort with order= is not compiled yet")
    if not (stable or kind in _STABLE_KINDS):
        raise GraphBreak("np.argsort with NumPy's default kind orders ties as its algorithm does: "
                         "kind='stable' compiles")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    if a.ndim == 0:
        raise GraphBreak("np.argsort of a 0-d array is not compiled yet")
    axis = normalize_axis_index(axis, a.ndim)
    return _complex_order(a, axis) if a.dtype.kind == "c" else _argsort_stable(a, axis)


def method_argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    return argsort(a, axis, kind, order, stable=stable)


@_register(FUNCTIONS, "take_along_axis")
def take_along_axis(arr, indices, axis=-1):
    """NumPy's take_along_axis: one flat take over the array's elements."""
    arr, indices = operand(arr), operand(indices)
    if axis is None:
        arr, axis = ravel(arr), 0
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if arr.ndim != indices.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(axis, arr.ndim)
    shape = tuple(n if d == axis else max(n, m) for d, (n, m) in enumerate(zip(indices.shape, arr.shape)))
    try:
        np.broadcast_shapes(*(tuple(x for d, x in enumerate(s) if d != axis) for s in (arr.shape, indices.shape)))
    except ValueError:
        raise ValueError("shape mismatch: indexing arrays could not be broadcast together") from None
    n = arr.shape[axis]
    pos = _take(_constant(np.arange(n)), indices, 0) if n else indices  # checked and wrapped
    strides = c_strides(arr.shape)
    flat = UFUNCS["multiply"](pos, strides[axis])
    for d in range(arr.ndim):
        if d != axis and shape[d] > 1:
            coord = np.arange(arr.shape[d] if arr.shape[d] > 1 else 1).reshape([-1 if k == d else 1 for k in range(arr.ndim)])
            flat = UFUNCS["add"](flat, _constant(coord * (strides[d] if arr.shape[d] > 1 else 0)))
    r = _take(ravel(arr) if arr._contig and arr._layout is None else ravel(_copy_of(arr)), flat, 0)
    return r


@_register(FUNCTIONS, "searchsorted")
def searchsorted(a, v, side="left", sorter=None):
    """NumPy's searchsorted (NaN greatest: a NaN value goes after every number;
    a number never passes a NaN of the sequence)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    a, v = operand(a), operand(v)
    if a.ndim != 1:
        raise ValueError("object too deep for desired array")
    if sorter is not None:
        a = _take(a, operand(sorter), 0)
    dt = np.result_type(*(_stand_in(x, empty=True) for x in (a, v)))
    if dt.kind == "c":
        raise GraphBreak("np.searchsorted of complex values is not compiled yet")
    a = a if a.dtype == dt else astype(a, dt)
    v = v if v.dtype == dt else astype(v, dt)
    scalar = v.ndim == 0
    vv = reshape(v, (1,)) if scalar else v
    if dt.kind == "f":
        # libtorch's search assumes an order NaN breaks: NaN as +inf there,
        # NumPy's placements of and around NaN settled below.
        a_inf = where(UFUNCS["isnan"](a), np.inf, a)
        a_inf._scalar = False
        r = _record(f"searchsorted[right={str(side == 'right').lower()}]", a_inf, vv)
    else:
        r = _record(f"searchsorted[right={str(side == 'right').lower()}]", a, vv)
    if dt.kind == "f":
        numbers = _reduce("sum", UFUNCS["logical_not"](UFUNCS["isnan"](a)), dtype=np.int64)
        nan_v = UFUNCS["isnan"](vv)
        if side == "right":
            r = UFUNCS["minimum"](r, numbers)
            r = where(nan_v, a.shape[0], r)
        else:
            r = where(nan_v, numbers, r)
    if scalar:
        r = reshape(r, ())
    r._scalar = scalar
    return r


def method_searchsorted(a, v, side="left", sorter=None):
    return searchsorted(a, v, side, sorter)


@_register(FUNCTIONS, "interp")
def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's interp (its C loop): the interval by a binary search, the slope
    form NumPy evaluates, its fallbacks where that gives NaN, NaN in NaN out."""
    if period is not None:
        raise GraphBreak("np.interp with period= is not compiled yet")
    fpo = operand(fp)
    if fpo.dtype.kind == "c":
        raise GraphBreak("np.interp of complex values is not compiled yet")
    xpo = operand(xp)
    if sum(o.size for o in (operand(x), xpo, fpo)) <= 1 << 20:
        numpy_raises(np.interp, x, xp, fp)
    x = astype(operand(x), np.float64) if operand(x).dtype != np.float64 else operand(x)
    xp = xpo if xpo.dtype == np.float64 else astype(xpo, np.float64)
    fp = fpo if fpo.dtype == np.float64 else astype(fpo, np.float64)
    n = xp.shape[0]
    lval = getitem(fp, 0) if left is None else left
    rval = getitem(fp, n - 1) if right is None else right
    j = UFUNCS["subtract"](searchsorted(xp, x, side="right"), 1)
    if n >= 2:
        jc = FUNCTIONS["clip"](j, 0, n - 2)
        x0, x1 = _take(xp, jc, 0), _take(xp, UFUNCS["add"](jc, 1), 0)
        y0, y1 = _take(fp, jc, 0), _take(fp, UFUNCS["add"](jc, 1), 0)
        slope = UFUNCS["true_divide"](UFUNCS["subtract"](y1, y0), UFUNCS["subtract"](x1, x0))
        r = UFUNCS["add"](UFUNCS["multiply"](slope, UFUNCS["subtract"](x, x0)), y0)
        r2 = UFUNCS["add"](UFUNCS["multiply"](slope, UFUNCS["subtract"](x, x1)), y1)
        r2 = where(UFUNCS["logical_and"](UFUNCS["isnan"](r2), UFUNCS["equal"](y0, y1)), y0, r2)
        r = where(UFUNCS["isnan"](r), r2, r)
        r = where(UFUNCS["equal"](x, x0), y0, r)
    else:
        r = UFUNCS["multiply"](x, 0.0)
    r = where(UFUNCS["equal"](j, n - 1), getitem(fp, n - 1), r)
    r = where(UFUNCS["less"](j, 0), lval, r)
    r = where(UFUNCS["greater"](x, getitem(xp, n - 1)), rval, r)
    r = where(UFUNCS["isnan"](x), x, r)
    r = r if r.dtype == np.float64 else astype(r, np.float64)
    r._scalar = r.ndim == 0
    return r


def method_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """In place, as NumPy's ndarray.sort."""
    if a._scalar:
        normalize_axis_index(axis, 0)  # NumPy's AxisError
    if a._buf is not None and not a._buf.writeable:
        raise ValueError("sort array is read-only")
    write(a, (), sort(a, axis=axis, kind=kind, order=order, stable=stable))


# Families in their own modules register into the tables above on import.
from . import bits, histograms, host, index_functions, signal_poly, statistics  # noqa: E402,F401

method_argsort = host.method_argsort
method_put = index_functions.method_put
