"""Products of arrays: dot, vdot, inner and einsum (matmul and the vecdot
gufuncs are ufuncs, in ufuncs.py)."""

from __future__ import annotations

import numpy as np

from .._trace import GraphBreak, freeze
from .core import FUNCTIONS, UFUNCS, _no, _register, _stand_in, numpy_raises, operand


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


def method_dot(a, b, out=None):
    return dot(a, b, out)


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


# The other families' functions, called when tracing (imported last: they import
# this module too).
from .ufuncs import matmul  # noqa: E402
from .reductions import _reduce  # noqa: E402
from .shapes import diagonal, ravel, reshape, transpose  # noqa: E402
from .creation import _copy_of, astype  # noqa: E402
