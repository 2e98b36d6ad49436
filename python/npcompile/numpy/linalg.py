"""`np.linalg` on traced arrays: NumPy's checks and dtypes (`_commonType`:
computed in float64 or complex128, returned in float32/complex64 where every
input is), libtorch's LAPACK for the factorizations, `LinAlgError` where
NumPy raises it (a singular or non-positive-definite matrix: when run).
Functions NumPy writes in Python over these (norm, matrix_power, ...) run
NumPy's own implementation (`numpy_implementation`)."""

from __future__ import annotations

import numpy as np

from .._trace import GraphBreak, Proxy
from . import UFUNCS, _record, _register, astype, check, operand, swapaxes

LINALG = {}


def _common_type(*arrays):
    """NumPy's `_commonType`: (compute dtype, result dtype)."""
    result, is_complex = np.float32, False
    for a in arrays:
        kind = a.dtype.kind
        if kind in "fc":
            is_complex |= kind == "c"
            real = {np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64,
                    np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}.get(a.dtype)
            if real is None:
                raise TypeError(f"array type {a.dtype.name} is unsupported in linalg")
            if real is np.float64:
                result = np.float64
        else:
            result = np.float64
    if is_complex:
        return np.dtype(np.complex128), np.dtype(np.complex64 if result is np.float32 else np.complex128)
    return np.dtype(np.float64), np.dtype(result)


def _stacked_square(*arrays):
    for a in arrays:
        if a.ndim < 2:
            raise np.linalg.LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
        if a.shape[-1] != a.shape[-2]:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")


def _in(a, dtype):
    return a if a.dtype == dtype else astype(a, dtype)


def _real(dtype):
    """The real dtype of a linalg result dtype (complex64 -> float32)."""
    return np.dtype(np.dtype(dtype).char.lower())


def _result(r, dtype):
    r = _in(r, dtype)
    r._scalar = r.ndim == 0
    return r


def _unary(op, a):
    a = operand(a)
    _stacked_square(a)
    t, rt = _common_type(a)
    return _record(op, _in(a, t)), rt


@_register(LINALG, "cholesky")
def cholesky(a, /, *, upper=False):
    r, rt = _unary("cholesky", a)
    if upper:  # NumPy 2: the conjugate transpose of the lower factor
        r = swapaxes(r, -1, -2)
        if r.dtype.kind == "c":
            r = UFUNCS["conjugate"](r)
    return _result(r, rt)


@_register(LINALG, "inv")
def inv(a):
    r, rt = _unary("inv", a)
    return _result(r, rt)


@_register(LINALG, "det")
def det(a):
    r, rt = _unary("det", a)
    return _result(r, rt)


@_register(LINALG, "slogdet")
def slogdet(a):
    a = operand(a)
    _stacked_square(a)
    t, rt = _common_type(a)
    a = _in(a, t)
    return np.linalg._linalg.SlogdetResult(_result(_record("slogdet_sign", a), rt),
                                           _result(_record("slogdet_log", a), _real(rt)))


@_register(LINALG, "eigvalsh")
def eigvalsh(a, UPLO="L"):
    """Eigenvalues of Hermitian matrices (ascending, real): unique, unlike the
    vectors, whose signs are LAPACK's choice (eigh is not compiled)."""
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    r, rt = _unary("eigvalsh_lower" if UPLO == "L" else "eigvalsh_upper", a)
    return _result(r, _real(rt))


def _singular_values(a):
    a = operand(a)
    if a.ndim < 2:
        raise np.linalg.LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least two-dimensional")
    t, rt = _common_type(a)
    return _result(_record("svdvals", _in(a, t)), _real(rt))


@_register(LINALG, "svd")
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """The values alone compile to libtorch's LAPACK; U and V's signs are
    LAPACK's choice, so with them NumPy's own svd runs in the plan."""
    if not compute_uv and not hermitian:
        return _singular_values(a)
    return _vectors("svd", np.linalg.svd, a, full_matrices=full_matrices, compute_uv=compute_uv,
                    hermitian=hermitian)


@_register(LINALG, "eigh")
def eigh(a, UPLO="L"):
    """The eigenvectors' signs (phases) are LAPACK's choice: NumPy's own eigh in the plan."""
    return _vectors("eigh", np.linalg.eigh, a, UPLO=UPLO)


@_register(LINALG, "qr")
def qr(a, mode="reduced"):
    """Householder reflections' signs are LAPACK's choice: NumPy's own qr in the plan."""
    return _vectors("qr", np.linalg.qr, a, mode=mode)


def _vectors(name, fn, a, **static):
    from .host import host_function

    a = operand(a)
    if a.dtype.kind not in "biufc" or a.dtype == np.float16:
        raise TypeError(f"array type {a.dtype.name} is unsupported in linalg")
    return host_function(f"np.linalg.{name}", fn, [a], **static)


@_register(LINALG, "svdvals")
def svdvals(x, /):
    return _singular_values(x)


@_register(LINALG, "solve")
def solve(a, b):
    a, b = operand(a), operand(b)
    _stacked_square(a)
    t, rt = _common_type(a, b)
    m = a.shape[-1]
    if b.ndim == 1:
        if b.shape[0] != m:
            raise ValueError(f"solve1: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                             f"(m,m),(m)->(m) (size {b.shape[0]} is different from {m})")
        return _result(_record("solve_vector", _in(a, t), _in(b, t)), rt)
    if b.shape[-2] != m:
        raise ValueError(f"solve: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(m,m),(m,n)->(m,n) (size {b.shape[-2]} is different from {m})")
    np.broadcast_shapes(a.shape[:-2], b.shape[:-2])  # NumPy's ValueError where the stacks do not broadcast
    return _result(_record("solve", _in(a, t), _in(b, t)), rt)


def dispatch(func, args, kwargs):
    """A `numpy.linalg` function: ours, or NumPy's own Python over them."""
    from . import call, numpy_implementation

    f = LINALG.get(func.__name__)
    if f is None:
        return numpy_implementation(func, args, kwargs)
    if any(isinstance(x, Proxy) and x.dtype.kind not in "biufc" for x in args):
        raise GraphBreak(f"np.linalg.{func.__name__} of this dtype is not compiled")
    return call(f, f"np.linalg.{func.__name__}", args, kwargs)


def _lstsq_full_rank_shapes(a, b, rcond=None):
    """np.linalg.lstsq with the residuals' shape of a full rank (zeros where the
    rank is less) and whether the rank is full: where m > n, NumPy's residuals
    are empty unless it is."""
    x, resids, rank, s = np.linalg.lstsq(a, b, rcond=rcond)
    rows, cols = a.shape
    holds = not (rows > cols > 0) or rank == cols
    if not holds:
        resids = np.zeros(1 if b.ndim == 1 else b.shape[1], resids.dtype)
    return x, resids, rank, s, np.bool_(holds)


@_register(LINALG, "lstsq")
def lstsq(a, b, rcond=None):
    """NumPy's own lstsq in the plan (LAPACK's gelsd). Where m > n the plan
    assumes full rank (the residuals' shape depends on it) and a call that
    finds less runs under NumPy."""
    from .host import host_function

    a, b = operand(a), operand(b)
    if isinstance(rcond, Proxy):
        raise GraphBreak("np.linalg.lstsq with a traced rcond is not compiled yet")
    if a.ndim != 2 or b.ndim not in (1, 2) or a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
        np.linalg.lstsq(np.zeros(a.shape, a.dtype), np.zeros(b.shape, b.dtype), rcond=rcond)  # NumPy's error
        raise GraphBreak("np.linalg.lstsq of these operands is not compiled yet")
    # (NumPy's lstsq sets its own errstate: the caller's does not matter.)
    x, resids, rank, s, holds = host_function("np.linalg.lstsq", _lstsq_full_rank_shapes, [a, b], rcond=rcond)
    if a.shape[0] > a.shape[1] > 0:
        check("speculation", UFUNCS["logical_not"](holds))
    return x, resids, rank, s
