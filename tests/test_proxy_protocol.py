"""Every Python-level operation on a traced value, against NumPy: operators
with every kind of Python and NumPy object on either side, builtins, indexing
with every index form, attribute reads and writes. Each cell of the table
either matches NumPy (result, or exception class) or is a graph break, whose
fallback then gives NumPy's answer; a curated part of it must compile.

The traced value (the "left" kinds) is a function argument: an array, a 0-d
array or a NumPy scalar. The other operand is baked into the function."""

from __future__ import annotations

import copy
import math
import operator
import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import Raised, assert_matches, run_numpy

pytestmark = pytest.mark.allow_fallback

LEFT = {
    "f64 array": lambda: np.arange(1.0, 7.0).reshape(2, 3),
    "i32 array": lambda: np.arange(-3, 3, dtype=np.int32).reshape(2, 3),
    "bool array": lambda: np.array([True, False, True]),
    "0-d f64": lambda: np.array(2.5),
    "0-d i64": lambda: np.array(3),
    "int32 scalar": lambda: np.int32(2),
    "uint8 scalar": lambda: np.uint8(3),
    "float64 scalar": lambda: np.float64(2.5),
    "float32 scalar": lambda: np.float32(0.5),
    "bool scalar": lambda: np.bool_(True),
    "complex scalar": lambda: np.complex128(1 + 2j),
}

OTHER = {
    "int": 2,
    "negative int": -1,
    "big int": 2**70,
    "float": 1.5,
    "complex": 1j,
    "bool": True,
    "list": [1, 2, 3],
    "nested list": [[1, 2, 3], [4, 5, 6]],
    "float list": [0.5, 1.5, 2.5],
    "tuple": (1, 2, 3),
    "empty list": [],
    "ragged list": [[1], [2, 3]],
    "str": "ab",
    "bytes": b"ab",
    "None": None,
    "dict": {},
    "set": {1},
    "object": object(),
    "range": range(3),
    "numpy int": np.int64(3),
    "numpy float": np.float32(0.5),
    "numpy bool": np.bool_(False),
    "0-d array": np.array(3),
    "array": np.array([1.0, 2.0, 3.0]),
    "int array": np.array([1, 2, 3], np.int16),
}

BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul,
    "&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift,
    ">>": operator.rshift, "divmod": divmod, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}

INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "@=": operator.imatmul,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift,
    ">>=": operator.irshift,
}


def _numeric(kind):
    return kind in ("int", "negative int", "float", "bool", "list", "float list", "tuple", "numpy int",
                    "numpy float", "numpy bool", "0-d array", "array", "int array")


def _must_compile(op, left, other, expected):
    """The cells that compile: numbers, NumPy scalars and arrays (or lists of
    numbers) where NumPy gives an array or a NumPy scalar."""
    if isinstance(expected, Raised) or not _numeric(other):
        return False
    if not isinstance(expected, (np.ndarray, np.generic, tuple)):
        return False
    if "scalar" in left and other in ("list", "float list", "tuple") and op in ("*", "*="):
        return False  # a NumPy integer repeats the sequence
    return True


@pytest.mark.parametrize("other", list(OTHER))
@pytest.mark.parametrize("left", list(LEFT))
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_operator_table(op, left, other):
    f, value = BINARY[op], OTHER[other]
    for fn in (lambda x: f(x, value), lambda x: f(value, x)):
        expected = run_numpy(fn, LEFT[left]())
        assert_matches(fn, lambda: (LEFT[left](),), must_compile=_must_compile(op, left, other, expected))


@pytest.mark.parametrize("other", list(OTHER))
@pytest.mark.parametrize("left", list(LEFT))
@pytest.mark.parametrize("op", list(INPLACE))
def test_inplace_operator_table(op, left, other):
    f, value = INPLACE[op], OTHER[other]

    def fn(x):
        y = f(x, value)
        return y, x

    expected = run_numpy(fn, LEFT[left]())
    assert_matches(fn, lambda: (LEFT[left](),), must_compile=_must_compile(op, left, other, expected))


UNARY = {
    "-x": operator.neg, "+x": operator.pos, "abs": abs, "~x": operator.invert,
    "len": len, "list": list, "iter-next": lambda x: next(iter(x)), "reversed": lambda x: list(reversed(x)),
    "bool": bool, "not": operator.not_, "int": int, "float": float, "complex": complex,
    "index": operator.index, "str": lambda x: str(x), "repr": lambda x: repr(x), "format": lambda x: format(x), "f-string": lambda x: f"{x:.2f}",
    "%-format": lambda x: "%s" % (x,), "hash": hash, "in": lambda x: 2 in x, "not in": lambda x: 2.5 not in x,
    "round": round, "round 1": lambda x: round(x, 1), "round -1": lambda x: round(x, -1),
    "copy": copy.copy, "deepcopy": copy.deepcopy, "math.floor": math.floor, "math.isnan": math.isnan,
    "sorted": sorted, "max builtin": max, "sum builtin": sum, "isinstance ndarray": lambda x: isinstance(x, np.ndarray),
    "isinstance generic": lambda x: isinstance(x, np.generic),
}


def _unary_compiles(name, left, expected):
    if isinstance(expected, Raised):
        return False
    if name in ("-x", "abs", "copy", "deepcopy", "isinstance ndarray", "isinstance generic"):
        return True
    if name in ("round 1", "round -1") and "scalar" in left:
        return True
    return name in ("+x", "~x", "list", "iter-next", "reversed", "len") and isinstance(expected, (np.ndarray, np.generic, list, int))


@pytest.mark.parametrize("left", list(LEFT))
@pytest.mark.parametrize("name", list(UNARY))
def test_builtin_table(name, left):
    fn = UNARY[name]
    expected = run_numpy(fn, LEFT[left]())
    assert_matches(fn, lambda: (LEFT[left](),), must_compile=_unary_compiles(name, left, expected))


INDEX = {
    "int": 1, "negative int": -1, "out of range": 5, "numpy int": np.int64(1), "0-d int array": np.array(1),
    "slice": slice(1, None), "step": slice(None, None, 2), "negative step": slice(None, None, -1),
    "empty slice": slice(3, 1), "None": None, "ellipsis": Ellipsis, "empty tuple": (),
    "int, int": (1, 2), "int, slice": (0, slice(1, 3)), "ellipsis, int": (Ellipsis, 0),
    "None, ellipsis, None": (None, Ellipsis, None), "two ellipses": (Ellipsis, Ellipsis),
    "too many": (0, 0, 0, 0), "list": [0, 1], "negative list": [-1, 0], "empty list": [],
    "list out of range": [0, 7], "tuple in tuple": (slice(None), (0, 1)), "list in tuple": (slice(None), [1, 0]),
    "two lists": ([0, 1], [1, 2]), "tuple, ellipsis, tuple": (slice(None), (0, 1), Ellipsis, (0, 1)),
    "nested list": [[0, 1], [1, 0]], "int array": np.array([1, 0]), "bool": True, "bool array": np.array([True, False]),
    "full mask": np.array([[True, False, True], [False, True, True]]), "float": 1.0, "float list": [0.0, 1.0],
    "str": "a", "list with slice": [0, slice(None)],
}

INDEX_LEFT = {
    "2-D": lambda: np.arange(6.0).reshape(2, 3),
    "1-D": lambda: np.arange(4, dtype=np.int32),
    "3-D": lambda: np.arange(24.0).reshape(3, 2, 4),
    "4-D": lambda: np.arange(24.0).reshape(3, 2, 2, 2),
    "0-d": lambda: np.array(7.0),
    "scalar": lambda: np.float64(7.0),
}

_BASIC = ("int", "negative int", "numpy int", "0-d int array", "slice", "step", "negative step", "empty slice", "None",
          "ellipsis", "empty tuple", "int, int", "int, slice", "ellipsis, int", "None, ellipsis, None", "list",
          "negative list", "empty list", "int array", "list in tuple", "tuple in tuple")


@pytest.mark.parametrize("left", list(INDEX_LEFT))
@pytest.mark.parametrize("index", list(INDEX))
def test_getitem_table(index, left):
    idx = INDEX[index]

    def fn(x):
        return x[idx]

    expected = run_numpy(fn, INDEX_LEFT[left]())
    compiles = index in _BASIC and not isinstance(expected, Raised) and left not in ("scalar",)
    if index == "0-d int array" and left != "1-D":
        compiles = False  # an array from a closure is read when the plan runs: a view at a run-time offset
    assert_matches(fn, lambda: (INDEX_LEFT[left](),), must_compile=compiles)


@pytest.mark.parametrize("left", list(INDEX_LEFT))
@pytest.mark.parametrize("index", list(INDEX))
@pytest.mark.parametrize("value", ["scalar", "row"])
def test_setitem_table(value, index, left):
    idx = INDEX[index]
    v = 9.0 if value == "scalar" else np.array([5.0])

    def fn(x):
        x[idx] = v
        return x.sum()

    expected = run_numpy(fn, INDEX_LEFT[left]())
    compiles = (index in _BASIC and index not in ("list", "negative list", "empty list", "int array", "list in tuple",
                                                  "tuple in tuple", "0-d int array") and not isinstance(expected, Raised)
                and left not in ("scalar",))
    assert_matches(fn, lambda: (INDEX_LEFT[left](),), must_compile=compiles)


ATTRIBUTES = ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "T", "real", "imag", "flags", "strides",
              "base", "data", "flat", "ctypes", "mT", "device", "no_such_attribute")


@pytest.mark.parametrize("left", list(LEFT))
@pytest.mark.parametrize("name", ATTRIBUTES)
def test_getattr_table(name, left):
    def fn(x):
        r = getattr(x, name)
        return r if name in ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "T", "real", "imag") else 0

    expected = run_numpy(fn, LEFT[left]())
    compiles = name in ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "T", "real", "imag") and not (
        name == "T" and "scalar" in left and False)
    assert_matches(fn, lambda: (LEFT[left](),), must_compile=compiles and not isinstance(expected, Raised))


SETS = {
    "shape tuple": ("shape", (3, 2)), "shape int": ("shape", 6), "shape -1": ("shape", (-1,)),
    "shape bad": ("shape", (4, 2)), "shape float": ("shape", 2.0), "dtype": ("dtype", np.int64),
    "strides": ("strides", (8, 8)), "real": ("real", 1.0), "imag": ("imag", 1.0), "ndim": ("ndim", 1),
    "T": ("T", 1), "flags": ("flags", None), "new attribute": ("foo", 1),
}


@pytest.mark.parametrize("where", ["argument", "local", "view"])
@pytest.mark.parametrize("left", ["f64 array", "i32 array", "0-d f64", "float64 scalar", "complex scalar"])
@pytest.mark.parametrize("case", list(SETS))
def test_setattr_table(case, left, where):
    name, value = SETS[case]

    def fn(x):
        y = x if where == "argument" else x * 1 if where == "local" else x[...]
        setattr(y, name, value)
        return y + 1, x

    assert_matches(fn, lambda: (LEFT[left](),))


def test_delattr_is_a_break():
    def fn(x):
        del x.shape
        return x

    assert_matches(fn, lambda: (np.ones(3),))


# ---- the classes named in issue 11 ------------------------------------------


def test_numpy_integer_times_a_list_repeats_it():
    # np.int32(2) * [1, 2, 3] is [1, 2, 3, 1, 2, 3]: the scalar is an index.
    for f in (lambda s: s * [1, 2, 3], lambda s: [1, 2, 3] * s, lambda s: (1, 2) * s, lambda s: s * "ab"):
        for s in (np.int32(2), np.uint8(0), np.int64(-1)):
            broke = assert_matches(f, lambda: (s,))
            assert broke  # the length depends on the value: a graph break
    # Non-integers raise NumPy's TypeError; a 0-d array multiplies.
    for s in (np.float64(2.0), np.bool_(True), np.complex64(1)):
        assert_matches(lambda x: x * [1, 2, 3], lambda: (s,), must_compile=False)
    assert_matches(lambda x: x * [1, 2, 3], lambda: (np.array(2),), must_compile=True)
    assert_matches(lambda x: x + [1, 2, 3], lambda: (np.int32(2),), must_compile=True)


def test_tuples_as_index_arrays_split_by_an_ellipsis():
    a = np.arange(24.0).reshape(3, 2, 2, 2)
    assert_matches(lambda x: x[:, (0, 1), ..., (0, 1)], lambda: (a.copy(),))
    assert_matches(lambda x: x[:, (1, 0)], lambda: (a.copy(),), must_compile=True)


def test_shape_assignment_is_an_in_place_reshape():
    def f(X, n):
        Y = X * 2
        Y.shape = n
        return Y + np.ones(n)

    assert_matches(f, lambda: (np.arange(6.0).reshape(2, 3), 6), must_compile=True)

    def g(X):
        Y = X.T.copy()
        Y.shape = (3, -1)
        Y[0] = 0
        return Y

    assert_matches(g, lambda: (np.arange(6.0).reshape(2, 3),), must_compile=True)

    def h(X):  # changes the caller's array: runs under NumPy
        X.shape = (6,)
        return X

    assert assert_matches(h, lambda: (np.arange(6.0).reshape(2, 3),))

    def k(X):  # a transposed view cannot be reshaped in place: NumPy's AttributeError
        Y = (X * 1).T
        Y.shape = (6,)
        return Y

    assert_matches(k, lambda: (np.arange(6.0).reshape(2, 3),))


def test_sign_of_bool_raises_numpys_class():
    # NumPy's class is private (numpy._core._exceptions._UFuncNoLoopError);
    # assert_matches compares the classes themselves.
    assert_matches(lambda x: np.sign(x), lambda: (np.array([True, False]),))
    # and the casting errors of out= and in-place operators
    assert_matches(lambda x: np.add(x, 1.5, out=x), lambda: (np.arange(3),))
    assert_matches(lambda x: operator.iadd(x, 1.5), lambda: (np.arange(3),))
    assert_matches(lambda x: np.add(x, 1.5, dtype=np.int32), lambda: (np.arange(3),))


def test_more_than_256_operands_keep_their_order():
    x = np.arange(600.0).reshape(300, 2)
    assert_matches(lambda x: np.stack([x[i] * 1.0 for i in range(300)]), lambda: (x.copy(),), must_compile=True)
    assert_matches(lambda x: np.concatenate([x[i] + i for i in range(260)]), lambda: (x.copy(),), must_compile=True)
