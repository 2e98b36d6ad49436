"""Ufuncs: the elementwise factories for NumPy's binary and unary ufuncs,
`dtype=` (`_with_dtype`), power and the `**` operator, divmod, positive,
matmul and the gufuncs (vecdot, matvec, vecmat), fabs, modf, np.fft's
pocketfft kernels, the operators (`unary_operator`, `inplace`), and
`dispatch_ufunc` with the ufunc methods (reduce, outer, accumulate, at)."""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._trace import GraphBreak, Proxy, current_tracer
from .core import (FUNCTIONS, UFUNCS, _check_output_writeable, check, _no, _on_stand_ins, _record, _register, _single_out,
                   _store, _tuple, call, is_operand, numpy_errors, numpy_raises, operand, output_casting_error)


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
        spelled = _FLOAT_CLASSES.get(name) if x.dtype in (np.float32, np.float64) else None
        r = spelled(x) if spelled is not None else _record(name, x)
        r._scalar = r.ndim == 0
        return _keep_order(r, x)

    f.__name__ = name
    return f


# isnan/isinf/isfinite of float32/float64 as the comparisons they are (the
# same bits): comparisons run as native loops, the classifications do not.
_FLOAT_CLASSES = {
    "isnan": lambda x: _record("not_equal", x, x),
    "isinf": lambda x: _record("equal", _record("absolute", x), operand(np.inf)),
    "isfinite": lambda x: _record("equal", _record("subtract", x, x), operand(0.0)),
}



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
    x, y = operand(x), operand(y)
    chain = _matrix_chain(x, y)
    if chain is not None:
        return chain
    r = _record("matmul", x, y)
    r._scalar = r.ndim == 0
    if x.ndim == y.ndim == 2 and x.dtype == y.dtype:
        # The factors as the values they are now (a later write into one, or
        # into the product, is another value: no chain through it).
        tracer = current_tracer()
        tracer.products[r._id] = _factors(tracer, x) + _factors(tracer, y)
    return r


def _empty_like_loop(x, shape):
    """An operand seen over an empty loop shape, where it broadcasts to it."""
    if not isinstance(x, Proxy) or x.size == 0:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        return x  # NumPy's broadcast error, from the call below
    from .shapes import broadcast_to
    return broadcast_to(x, np.broadcast_shapes(x.shape, shape))


def _factors(tracer, x):
    return tracer.products.get(x._id) or (Proxy(x._id, x.dtype, x.shape),)


# A matrix chain is multiplied in the order of fewest operations (as
# np.linalg.multi_dot does) where that saves at least half of NumPy's left to
# right work, and enough of it to pay: `A @ B @ v` as `A @ (B @ v)`. Exact for
# integers; for floats within rounding, where a bound on the factors shows
# that no order can overflow (else the call runs under NumPy: an inf, nan or
# overflow would propagate differently).
# Multiply-adds saved below which the reordering (and its finiteness check) does
# not pay: small chains run as NumPy writes them.
_CHAIN_MIN_SAVING = 1 << 21
_CHAIN_DTYPES = frozenset(np.dtype(t) for t in ("int32", "int64", "float32", "float64", "complex64", "complex128"))


def _matrix_chain(x, y):
    tracer = current_tracer()
    factors = tracer.products.get(x._id)
    if factors is None or y.ndim not in (1, 2) or y.dtype != x.dtype or x.dtype not in _CHAIN_DTYPES:
        return None
    if factors[-1].shape[1] != y.shape[0]:
        return None  # NumPy's shape error comes from the plain product
    factors = factors + _factors(tracer, y)
    dims = [f.shape[0] for f in factors] + [factors[-1].shape[1] if factors[-1].ndim == 2 else 1]
    if 0 in dims:
        return None  # an empty inner product makes zeros of what NumPy's order would not
    cost, split = _chain_order(dims)
    left = sum(dims[0] * dims[k] * dims[k + 1] for k in range(1, len(factors)))
    best = cost[0][len(factors) - 1]
    if 2 * best > left or left - best < _CHAIN_MIN_SAVING:
        return None
    r = _multiply_chain(factors, split, 0, len(factors) - 1)
    if x.dtype.kind in "fc":
        # |any partial product| <= prod(max(1, max |factor|)) * prod(inner dims): below
        # the dtype's largest value, no order overflows, and every factor is
        # finite; the orders then differ by rounding only. Else: NumPy's run.
        from .reductions import _reduce
        bound = np.log(float(np.prod([float(d) for d in dims[1:-1]])))
        for f in factors:
            top = _reduce("max", UFUNCS["absolute"](f))
            # Clamped at 0: the bound then holds for every run of consecutive factors.
            top = UFUNCS["maximum"](UFUNCS["log"](top if top.dtype == np.float64 else astype(top, np.float64)), 0.0)
            bound = UFUNCS["add"](bound, top) if isinstance(bound, Proxy) else UFUNCS["add"](top, bound)
        limit = float(np.log(np.finfo(x.dtype).max)) - 1.0
        check("speculation", UFUNCS["logical_not"](UFUNCS["less"](bound, limit)))
    r._scalar = r.ndim == 0
    return r


def _chain_order(dims):
    """Matrix-chain order by dynamic programming over the factors' dimensions."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k) for k in range(i, j))
    return cost, split


def _multiply_chain(factors, split, i, j):
    if i == j:
        return factors[i]
    k = split[i][j]
    return _record("matmul", _multiply_chain(factors, split, i, k), _multiply_chain(factors, split, k + 1, j))


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


def _matrix_vector(name, vector_first):
    """np.matvec (a @ v) and np.vecmat (conj(v) @ a) over the last axes, stacks broadcast."""
    ufunc = getattr(np, name)

    def f(x, y, **kwargs):
        _no(kwargs, f"np.{name}")
        x, y = operand(x), operand(y)
        _loop_dtypes(ufunc, x, y)
        a, v = (y, x) if vector_first else (x, y)
        if a.ndim < 2 or v.ndim < 1:
            raise ValueError(f"{name}: Input operand does not have enough dimensions")
        if not vector_first:
            r = getitem(matmul(a, getitem(v, (Ellipsis, None))), (Ellipsis, 0))
        else:
            v = UFUNCS["conjugate"](v) if v.dtype.kind == "c" else v
            r = getitem(matmul(getitem(v, (Ellipsis, None, slice(None))), a), (Ellipsis, 0, slice(None)))
        r._scalar = False
        return r

    f.__name__ = name
    return f


matvec = _register(UFUNCS, "matvec")(_matrix_vector("matvec", vector_first=False))
vecmat = _register(UFUNCS, "vecmat")(_matrix_vector("vecmat", vector_first=True))


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


# ---- the proxy's operators ----------------------------------------------

def unary_operator(name, a):
    with numpy_errors(name, (a,)):
        return UFUNCS[name](a)


_INPLACE_NAMES = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "true_divide": "divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "power": "power",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor", "matmul": "matmul",
}


def inplace(name, a, other):
    """`a op= other`: the result written into a's memory (views included);
    `**=` takes the operator's fast paths (sqrt, square, reciprocal) too."""
    _check_output_writeable(a)
    with numpy_errors(name, (a, other), {"out": (a,)}):
        value = array_power(a, other) if name == "power" else UFUNCS[name](a, other)
        return _store(_INPLACE_NAMES.get(name, name), a, value)


# ---- ufunc calls and methods (`__array_ufunc__`) ------------------------

_REDUCE_UFUNCS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}


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
        if out is not None and operand(out).size == 0 and name not in _FFT_KERNELS:
            # NumPy's loop runs over out's (empty) shape: nothing is computed, so
            # nothing raises (an integer power's negative exponent).
            inputs = tuple(_empty_like_loop(x, operand(out).shape) for x in inputs)
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


for _name, _f in UFUNCS.items():
    FUNCTIONS.setdefault(_name, _f)


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .elementwise import where  # noqa: E402
from .reductions import _reduce  # noqa: E402
from .indexing import getitem  # noqa: E402
from .creation import _constant, astype  # noqa: E402
