"""Bit-level and float-decomposition functions over traced arrays: np.frexp,
np.ldexp, np.spacing, np.bitwise_count, np.packbits / np.unpackbits, np.lexsort,
np.isfortran (with np.asfortranarray) and np.i0.

There is no bit reinterpretation among the primitives, so the float
decompositions are exact arithmetic instead: a float64's binary exponent is
its position in a table of the 2098 powers of two float64 holds, and scaling
by a power of two is a multiplication by table entries, each exact but the
last (one rounding, as the C library's ldexp)."""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._trace import GraphBreak, Proxy, replay_view
from . import (CREATION, FUNCTIONS, UFUNCS, _argsort_stable, _complex_order, _constant, _copy_of, _flatten,
               _keep_order, _no, _record, _reduce, _register, _take, _tuple, _with_dtype, asarray, astype, concatenate,
               getitem, operand, reshape, where)

_add, _sub, _mul = UFUNCS["add"], UFUNCS["subtract"], UFUNCS["multiply"]

_MIN_EXP = -1074  # float64's smallest subnormal is 2**-1074, its largest power of two 2**1023
_POW2 = np.ldexp(1.0, np.arange(_MIN_EXP, 1024))


def _ufunc_loop(ufunc, *inputs):
    """The dtypes of the loop NumPy picks for these inputs, Python scalars
    weak (NEP 50): np.ldexp(x, 3) takes the int32 exponent loop."""
    weak = {bool: np.dtype(np.bool_), int: int, float: float, complex: complex}
    given = tuple(weak[type(x)] if type(x) in weak else operand(x).dtype for x in inputs)
    return ufunc.resolve_dtypes(given + (None,) * ufunc.nout)


def _to(x, dtype):
    x = operand(x)
    return x if x.dtype == dtype else astype(x, dtype)


def _ufunc_result(r, *inputs):
    """A ufunc's result: a NumPy scalar where 0-d, in its inputs' memory order (order='K')."""
    r._scalar = r.ndim == 0
    return _keep_order(r, *inputs)


def _pow2(table, k):
    """2.0**k (float64, exact) for int64 k in [-1074, 1023], from the table of `_POW2`."""
    return _take(table, _sub(k, _MIN_EXP), 0)


def _frexp64(table, x):
    """(mantissa, exponent) of finite nonzero float64 `x`, the exponent int64:
    |mantissa| in [0.5, 1). Elsewhere the values are junk (but computed
    without error): the callers select."""
    ok = _normal_operand(x)
    a = where(ok, UFUNCS["absolute"](x), 1.0)
    # The count of powers of two <= |x|: floor(log2|x|) + 1 + 1074, exactly.
    e = _add(_record("searchsorted[right=true]", table, a), _MIN_EXP)
    m = _mul(UFUNCS["true_divide"](x, _pow2(table, _sub(e, 1))), 0.5)  # x / 2**(e-1) is in [1, 2): exact
    return m, e


def _normal_operand(x):
    return UFUNCS["logical_and"](UFUNCS["isfinite"](x), UFUNCS["not_equal"](x, 0))


@_register(UFUNCS, "frexp")
def frexp(x, **kwargs):
    """np.frexp: (mantissa, int32 exponent), x = mantissa * 2**exponent with
    |mantissa| in [0.5, 1); 0, inf and nan give (x, 0). Ints and bools in the
    float loop NumPy picks (float16 for bool and 8-bit ints)."""
    _no(kwargs, "np.frexp")
    dt = _ufunc_loop(np.frexp, x)[0]
    x = _to(x, dt)
    x64 = _to(x, np.float64)  # exact; float16/32 subnormals are normal there
    m, e = _frexp64(_constant(_POW2), x64)
    ok = _normal_operand(x64)
    mantissa = where(ok, m, x64)
    mantissa = mantissa if dt == np.float64 else astype(mantissa, dt)  # exact: as many bits as x
    exponent = astype(where(ok, e, 0), np.int32)
    return _ufunc_result(mantissa, x), _ufunc_result(exponent, x)


@_register(UFUNCS, "ldexp")
def ldexp(x, i, dtype=None, **kwargs):
    """np.ldexp: x * 2**i rounded once (subnormal results included), in the
    loop NumPy picks: float16 for bools and 8-bit ints, the int32 exponent
    loop for a Python int (NumPy's OverflowError beyond it)."""
    _no(kwargs, "np.ldexp")
    if dtype is not None:
        return _with_dtype("ldexp", (x, i), dtype)
    dx, di, dt = _ufunc_loop(np.ldexp, x, i)
    if type(i) is int and not np.iinfo(di).min <= i <= np.iinfo(di).max:
        raise OverflowError(f"Python integer {i} out of bounds for {di}")
    x64 = _to(_to(x, dx), np.float64)
    k = _to(_to(i, di), np.int64)
    k = UFUNCS["minimum"](UFUNCS["maximum"](k, -2200), 2200)  # beyond, every result is 0 or inf
    table = _constant(_POW2)
    m, e = _frexp64(table, x64)
    # x * 2**i = (2m) * 2**d with 2m in [1, 2): (2m * 2**c) is exact and
    # normal, the multiplication by 2**(d - c), in range, rounds once.
    d = UFUNCS["minimum"](UFUNCS["maximum"](_sub(_add(e, k), 1), -1134), 1100)
    c = _sub(d, UFUNCS["minimum"](UFUNCS["maximum"](d, _MIN_EXP), 1023))
    r = _mul(_mul(_mul(m, 2.0), _pow2(table, c)), _pow2(table, _sub(d, c)))
    r = where(_normal_operand(x64), r, x64)
    r = r if dt == np.float64 else astype(r, dt)  # exact in float64 for float16/32 results: one rounding
    return _ufunc_result(r, x, i)


@_register(UFUNCS, "spacing")
def spacing(x, dtype=None, **kwargs):
    """np.spacing: the distance to the next float away from zero, with x's
    sign (spacing(±0) is the smallest subnormal, inf and nan give nan, the
    largest finite value inf). NumPy's float16 loop steps toward +inf
    instead: always positive, half as large at a negative power of two."""
    _no(kwargs, "np.spacing")
    if dtype is not None:
        return _with_dtype("spacing", (x,), dtype)
    dt = _ufunc_loop(np.spacing, x)[0]
    x = _to(x, dt)
    if dt == np.float16:
        toward = np.inf
    else:
        toward = where(UFUNCS["equal"](x, 0), np.inf, UFUNCS["copysign"](np.inf, x))
    r = _sub(UFUNCS["nextafter"](x, _to(toward, dt)), x)
    r = where(UFUNCS["isinf"](x), np.nan, r)
    return _ufunc_result(r, x)


_M1, _M2, _M4, _H01 = 0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101


@_register(UFUNCS, "bitwise_count")
def bitwise_count(x, dtype=None, **kwargs):
    """np.bitwise_count: the set bits of |x| (uint8); bools in the int8 loop."""
    _no(kwargs, "np.bitwise_count")
    if dtype is not None:
        return _with_dtype("bitwise_count", (x,), dtype)
    dt = _ufunc_loop(np.bitwise_count, x)[0]
    v = _to(_to(x, dt), np.int64)  # uint64 keeps its bits
    if dt.kind == "i":
        v = UFUNCS["absolute"](v)  # int64's minimum stays 2**63's bits: one
    rs, band = UFUNCS["right_shift"], UFUNCS["bitwise_and"]
    # The population count of 64 bits (SWAR): pairs, nibbles, bytes, summed into the top byte.
    v = _sub(v, band(rs(v, 1), _M1))
    v = _add(band(v, _M2), band(rs(v, 2), _M2))
    v = band(_add(v, rs(v, 4)), _M4)
    v = rs(_mul(v, _H01), 56)
    return _ufunc_result(astype(v, np.uint8), x)


# ---- packbits / unpackbits ---------------------------------------------------

def _axis_argument(axis):
    """NumPy's C conversion of an axis argument (None: the flattened array)."""
    if axis is None:
        return None
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError("an integer is required for the axis")
    try:
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer") from None


def _bit_axis(a, axis):
    """The array and axis NumPy's pack/unpack work on: the flattened array for
    axis=None, a 0-d array as 1-d (NumPy's PyArray_CheckAxis)."""
    axis = _axis_argument(axis)
    if axis is None or a.ndim == 0:
        return _reshaped(a, (a.size,)), normalize_axis_index(axis or 0, 1)
    return a, normalize_axis_index(axis, a.ndim)


def _reshaped(a, shape):
    """`a`'s values in another shape: a new array (never a view, whatever a's layout)."""
    return _record(f"reshape[shape={_tuple(shape)}]", a)


def _along(ndim, axis, values):
    """`values` (1-D) laid along `axis` of an array of `ndim` dimensions."""
    return np.asarray(values).reshape((-1,) + (1,) * (ndim - axis - 1))


@_register(FUNCTIONS, "packbits")
def packbits(a, /, axis=None, bitorder="big"):
    """np.packbits: each run of 8 elements along the axis (zero-padded) as
    one uint8, an element's bit set where it is nonzero."""
    a = operand(a)
    if a.dtype.kind not in "biu":
        raise TypeError("Expected an input array of integer or boolean data type")
    if not isinstance(bitorder, str):
        raise TypeError(f"pack() argument 3 must be str, not {type(bitorder).__name__}")
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    a, axis = _bit_axis(a, axis)
    bits = astype(a if a.dtype == np.bool_ else UFUNCS["not_equal"](a, 0), np.uint8)
    n = a.shape[axis]
    m = -(-n // 8)
    if 8 * m != n:
        pad = a.shape[:axis] + (8 * m - n,) + a.shape[axis + 1:]
        bits = concatenate([bits, _constant(np.zeros(pad, np.uint8))], axis=axis)
    bits = _reshaped(bits, a.shape[:axis] + (m, 8) + a.shape[axis + 1:])
    weights = 1 << np.arange(8, dtype=np.uint8)
    weights = weights[::-1] if bitorder == "big" else weights
    r = _reduce("sum", _mul(bits, _constant(_along(bits.ndim, axis + 1, weights))), axis=axis + 1, dtype=np.uint8)
    r._scalar = False
    return r


@_register(FUNCTIONS, "unpackbits")
def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    """np.unpackbits: each uint8 as 8 elements (0 or 1) along the axis;
    `count` keeps that many (zero-padded beyond), a negative one drops as many
    from the end."""
    a = operand(a)
    if a.dtype != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if count is not None:
        if isinstance(count, (bool, np.bool_)):
            raise TypeError("an integer is required")
        count = operator.index(count)
        if not -(2**63) <= count < 2**63:
            raise OverflowError("Python int too large to convert to C long")
    if not isinstance(bitorder, str):
        raise TypeError(f"unpack() argument 4 must be str, not {type(bitorder).__name__}")
    if bitorder[:1] not in ("b", "l"):
        raise ValueError("'order' must begin with 'l' or 'b'")
    a, axis = _bit_axis(a, axis)
    nbits = 8 * a.shape[axis]
    keep = nbits if count is None else count if count >= 0 else nbits + count
    if keep < 0:
        raise ValueError("-count larger than number of elements")
    shape = a.shape[:axis] + (keep,) + a.shape[axis + 1:]
    if a.size == 0 and int(np.prod(shape, dtype=np.int64)) > 0:
        raise GraphBreak("np.unpackbits of an empty array to a nonempty one (NumPy leaves it uninitialized)")
    if int(np.prod(shape, dtype=np.int64)) > 1 << 31:
        raise GraphBreak("np.unpackbits to more than 2**31 elements")
    shifts = np.arange(8, dtype=np.uint8)
    shifts = shifts[::-1] if bitorder[0] == "b" else shifts
    spread = _reshaped(a, a.shape[:axis + 1] + (1,) + a.shape[axis + 1:])
    bits = UFUNCS["bitwise_and"](UFUNCS["right_shift"](spread, _constant(_along(a.ndim + 1, axis + 1, shifts))), 1)
    bits = _reshaped(bits, a.shape[:axis] + (nbits,) + a.shape[axis + 1:])
    if keep < nbits:
        bits = _copy_of(getitem(bits, (slice(None),) * axis + (slice(0, keep),)))
    elif keep > nbits:
        pad = a.shape[:axis] + (keep - nbits,) + a.shape[axis + 1:]
        bits = concatenate([bits, _constant(np.zeros(pad, np.uint8))], axis=axis)
    bits._scalar = False
    return bits


# ---- lexsort -----------------------------------------------------------------

@_register(FUNCTIONS, "lexsort")
@_register(CREATION, "lexsort")  # NumPy dispatches a tuple of keys only: a list of traced keys comes here by name
def lexsort(keys, axis=-1):
    """np.lexsort: the stable order by the last key, ties broken by the key
    before it, and so on (NaN last, complex in NumPy's order): one stable
    argsort per key, least significant first."""
    if isinstance(keys, Proxy) or isinstance(keys, np.ndarray):
        keys = operand(keys)
        if keys.ndim == 0:
            raise TypeError("need sequence of keys with len > 0 in lexsort")
        keys = [getitem(keys, i) for i in range(keys.shape[0])]
    elif isinstance(keys, (list, tuple)):
        keys = [operand(k) for k in keys]
    else:
        raise GraphBreak(f"np.lexsort of keys of type {type(keys).__name__}")
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if any(k.shape != keys[0].shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    if axis is None or isinstance(axis, (float, np.floating)):
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer")
    ndim = keys[0].ndim
    axis = normalize_axis_index(axis, max(ndim, 1))  # NumPy lets axis 0 and -1 through for 0-d keys
    if ndim == 0:
        return operand(np.intp(0))
    perm = None
    for key in keys:
        if key.dtype == np.uint64:
            # The backend moves no uint64 elements: int64 with the sign bit flipped sorts alike.
            key = UFUNCS["bitwise_xor"](astype(key, np.int64), -(2**63))
        k = key if perm is None else FUNCTIONS["take_along_axis"](key, perm, axis)
        step = _complex_order(k, axis) if k.dtype.kind == "c" else _argsort_stable(k, axis)
        perm = step if perm is None else FUNCTIONS["take_along_axis"](perm, step, axis)
    perm._scalar = False
    return perm


# ---- memory order ---------------------------------------------------------------

def _stand_in_strides(a):
    """A zero-filled uint8 stand-in laid out as `a` (element strides = byte
    strides), or None where the tracer does not know a's layout."""
    if a._layout == "maybe" or a._layout == "unknown":
        return None
    if isinstance(a._layout, tuple):
        base = np.zeros(max(a.size, 1), np.uint8)
        return np.lib.stride_tricks.as_strided(base, a.shape, a._layout)
    if a._contig:
        return np.zeros(a.shape, np.uint8)
    buf = a._buf
    # A view: its strides follow from its steps within the caller's array (an
    # argument or a global, in C order to the tracer). Other memory may be
    # laid out otherwise, which its views do not record.
    if buf is None or buf.source is None or int(np.prod(buf.shape, dtype=np.int64)) > 1 << 26:
        return None
    if not all(op.startswith(("permute[", "slice[", "reshape[")) for op in a._path):
        return None
    try:
        s = replay_view(np.zeros(buf.shape, np.uint8), a._path)  # the tracer's replay of view steps
    except ValueError:
        return None  # a reshape NumPy would copy
    return s if s.shape == a.shape else None


def _flags(a):
    s = _stand_in_strides(a)
    if s is None:
        raise GraphBreak("the memory layout of an array NumPy laid out (a view of a computed array)")
    return s.flags


@_register(CREATION, "isfortran")  # a Python function NumPy does not dispatch: reached by name
def isfortran(a):
    """np.isfortran: F-contiguous and not C-contiguous (a Python bool known
    from the traced layout; 1-d and 0-d arrays are C-contiguous)."""
    if not isinstance(a, Proxy):
        return np.isfortran(a)
    if a._scalar:
        return False
    f = _flags(a)
    return bool(f.f_contiguous and not f.c_contiguous)


def asfortranarray(a, dtype=None, *, like=None):
    """np.asfortranarray: `a` itself where it is F-contiguous already (and of
    `dtype`), else a copy laid out in Fortran order; at least 1-d."""
    if like is not None:
        raise GraphBreak("np.asfortranarray with like= is not compiled yet")
    if not isinstance(a, Proxy):
        if isinstance(a, (list, tuple)) and any(isinstance(x, Proxy) for x in _flatten(a)):
            raise GraphBreak("np.asfortranarray of a list holding traced arrays")
        array = np.asfortranarray(a, dtype=dtype)
        if array is a:
            # The caller's own array: captured by reference, in C order to the tracer.
            if not array.flags.c_contiguous:
                raise GraphBreak("np.asfortranarray of a Fortran-ordered NumPy array (the array itself)")
            return operand(array)
        r = _constant(array)
        if not array.flags.c_contiguous:
            r._contig, r._layout = False, tuple(s // array.itemsize for s in array.strides)
        return r
    r = asarray(a, dtype=dtype)
    if r.ndim == 0:
        return reshape(r, (1,))
    if r is a and _flags(a).f_contiguous:
        return a
    r = _copy_of(r)
    f = np.asfortranarray(np.zeros(r.shape, np.uint8))
    if not f.flags.c_contiguous:
        r._contig, r._layout = False, f.strides
    return r


CREATION["asfortranarray"] = asfortranarray


# ---- i0 ------------------------------------------------------------------------

def _chbevl(x, vals):
    """NumPy's `_chbevl`: the Chebyshev series, op for op."""
    b0, b1, b2 = vals[0], 0.0, 0.0
    for v in vals[1:]:
        b2, b1 = b1, b0
        b0 = _add(_sub(_mul(x, b1), b2), v)
    return _mul(_sub(b0, b2), 0.5)


@_register(FUNCTIONS, "i0")
def i0(x):
    """np.i0: NumPy's piecewise Chebyshev series (x <= 8, else the series in
    32/x) of |x|; both are evaluated everywhere and the one NumPy takes is
    selected (piecewise's masking changes no element's value). A 0-d input
    gives a 0-d array, as NumPy's piecewise."""
    from numpy.lib._function_base_impl import _i0A, _i0B

    x = operand(x)
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    if x.dtype.kind != "f":
        x = astype(x, np.float64)
    x = UFUNCS["absolute"](x)
    exp = UFUNCS["exp"](x)
    small = _mul(exp, _chbevl(_sub(UFUNCS["true_divide"](x, 2.0), 2), _i0A))
    large = UFUNCS["true_divide"](
        _mul(exp, _chbevl(_sub(UFUNCS["true_divide"](32.0, x), 2.0), _i0B)), UFUNCS["sqrt"](x))
    r = where(UFUNCS["less_equal"](x, 8.0), small, large)
    r._scalar = False
    return r
