"""Every kind of graph break: the fallback gives NumPy's answer, the one warning
names the line that broke, a second call does not trace, fullgraph raises."""

import inspect
import operator
import re
import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_same

# Each case: (function, arguments). The line that breaks carries `# breaks`.


def k_bool(x):
    return x if x.sum() > 0 else -x  # breaks


def k_int(x):
    return x * int(x[0])  # breaks


def k_float(x):
    return x + float(x.max())  # breaks


def k_complex(x):
    return complex(x[0]) + 0 * x.sum()  # breaks


def k_index(x):
    return x[: operator.index(x.argmax())]  # breaks


def k_item(x):
    return x * x.sum().item()  # breaks


def k_tolist(x):
    return x.tolist()  # breaks


_REAL_ASARRAY = (np.asarray,)  # kept in a container: not rebound by the trace


def _through_numpy(a):
    # NumPy's own np.asarray (a helper's `np` is traced, but not a function
    # kept in a container) reaches the traced array's __array__.
    return _REAL_ASARRAY[0](a)  # breaks


def k_asarray(x):
    return _through_numpy(x).sum()


def k_mask_read(x):
    return x[x > 0]  # breaks


def k_nonzero(x):
    return np.nonzero(x > 0)  # breaks


def k_unique(x):
    return np.unique(x)  # breaks


def k_flatnonzero(x):
    return np.flatnonzero(x)  # breaks


def k_unsupported_function(x):
    return np.bincount(x.astype(np.int64))  # breaks


def k_unsupported_argument(x):
    return np.take(x, [0, 1, 7], mode="wrap")  # breaks


def k_first_arg(x, y):
    return x + 1  # breaks


D = np.arange(4.0)
CASES = [
    (k_bool, (D,)),
    (k_int, (D + 1,)),
    (k_float, (D,)),
    (k_complex, (D,)),
    (k_index, (D,)),
    (k_item, (D,)),
    (k_tolist, (D,)),
    (k_asarray, (D,)),
    (k_mask_read, (D - 1,)),
    (k_nonzero, (D - 1,)),
    (k_unique, (np.array([3.0, 1.0, 3.0]),)),
    (k_flatnonzero, (D - 1,)),
    (k_unsupported_function, (D,)),
    (k_unsupported_argument, (D - 1,)),
]
DTYPE_CASES = {
    "object": np.array([1, "a"], dtype=object),
    "str": np.array(["a", "b"]),
    "datetime": np.array(["2026-01-01"], dtype="datetime64[D]"),
    "structured": np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
}


BREAKS_IN = {k_asarray: _through_numpy}


def breaking_line(fn):
    lines, first = inspect.getsourcelines(BREAKS_IN.get(fn, fn))
    return first + next(i for i, line in enumerate(lines) if "# breaks" in line)


def same(a, b):
    if isinstance(b, list):
        assert a == b
    elif isinstance(b, tuple):
        assert type(a) is tuple and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert_same(a, b)


@pytest.mark.allow_fallback
@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_break_falls_back_once_naming_the_line(fn, args):
    cf = np_compile(fn)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", npcompile.NpCompileWarning)
        out = cf(*args)
        again = cf(*args)
    ours = [w for w in record if issubclass(w.category, npcompile.NpCompileWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]
    assert ours[0].lineno == breaking_line(fn), str(ours[0].message)
    assert ours[0].filename == __file__
    same(out, fn(*args))
    same(again, fn(*args))
    info = cf.cache_info()
    assert info["traces"] == 1 and info["fallbacks"] == 1 and info["hits"] == 1


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_break_with_fullgraph_raises(fn, args):
    with pytest.raises(npcompile.GraphBreakError, match=f":{breaking_line(fn)}"):
        np_compile(fullgraph=True)(fn)(*args)


@pytest.mark.allow_fallback
@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_unsupported_dtypes_fall_back(name):
    arr = DTYPE_CASES[name]
    cf = np_compile(k_first_arg)
    args = (np.ones(2), arr)
    with pytest.warns(npcompile.NpCompileWarning, match=re.escape(f"dtype {arr.dtype}")):
        out = cf(*args)
    same(out, k_first_arg(*args))
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        same(cf(*args), k_first_arg(*args))
    assert cf.cache_info()["traces"] == 1
    with pytest.raises(npcompile.GraphBreakError):
        np_compile(fullgraph=True)(k_first_arg)(*args)
