"""Plain Python functions a compiled function calls are traced too, at any
depth: their `np` is the tracing namespace (np.zeros/np.empty make traced
arrays), and builtin max/min compare traced scalars. Each program against
NumPy, on its first and second call (a plan that kept state would differ)."""

import types
import warnings

import numpy as np
import pytest

import npcompile
from conftest import assert_matches
from npcompile import np_compile


def _grid(n):
    return np.empty((n, n))


def _laplacian(u):
    out = _grid(u.shape[0])
    out[:] = 0.0
    out[1:-1, 1:-1] = u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1]
    return out


def _two_deep(u):
    acc = np.zeros_like(u)
    acc += _laplacian(u)
    return acc


def helper_two_levels_down(u):
    return _two_deep(u) * 0.5 + u


def _halve(a, n):
    return a if n == 0 else _halve(a * 0.5, n - 1) + np.zeros(a.shape)


def recursive_helper(a):
    return _halve(a, 3)


def _accumulate_rows(a):
    acc = np.zeros(a.shape[1], dtype=a.dtype)
    for i in range(a.shape[0]):
        acc += a[i]
    return acc


def helper_accumulating_into_zeros(a):
    return _accumulate_rows(a) - a.sum(axis=0)


def _full_of(a, value):
    return np.full(a.shape, value) + np.ones(a.shape, dtype=np.float32)


def helper_with_creation_and_dtype(a):
    return _full_of(a, 2.5) * a


def _closure_program():
    scale = np.float64(3.0)

    def inner(a):
        return np.ones(a.shape) * scale + a

    def program(a):
        return inner(a) - inner(a[::-1])

    return program


closure_helper = _closure_program()

# A helper in another module (its own globals, its own `np`).
_other = types.ModuleType("npcompile_test_other_module")
exec(
    "import numpy as np\n"
    "def pad_zero(a):\n"
    "    out = np.zeros(a.shape[0] + 2, dtype=a.dtype)\n"
    "    out[1:-1] = a\n"
    "    return out\n",
    _other.__dict__,
)


def helper_in_another_module(a):
    p = _other.pad_zero(a)
    return p[2:] - p[:-2]


PROGRAMS = [
    (helper_two_levels_down, lambda: (np.random.default_rng(0).standard_normal((6, 6)),)),
    (recursive_helper, lambda: (np.random.default_rng(1).standard_normal(5),)),
    (helper_accumulating_into_zeros, lambda: (np.arange(12, dtype=np.int32).reshape(3, 4),)),
    (helper_with_creation_and_dtype, lambda: (np.arange(4, dtype=np.float32),)),
    (closure_helper, lambda: (np.random.default_rng(2).standard_normal(7),)),
    (helper_in_another_module, lambda: (np.arange(5.0),)),
]


@pytest.mark.parametrize("fn, make_args", PROGRAMS, ids=[p[0].__name__ for p in PROGRAMS])
def test_helpers_are_traced_without_a_fallback(fn, make_args):
    assert_matches(fn, make_args, must_compile=True)


class _Maker:
    def zeros(self, n):
        return np.zeros(n)


_maker = _Maker()


def method_made_array_written(x):
    acc = _maker.zeros(x.shape[0])  # a method: its np.zeros is NumPy's own
    acc += x
    return acc


def test_an_array_numpy_made_in_untraced_code_and_written_falls_back_every_call_right():
    """NumPy makes a fresh array at each call: a plan holding the one made while
    tracing would accumulate into it from call to call."""
    x = np.arange(3.0)
    cf = np_compile(method_made_array_written)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [cf(x) for _ in range(3)]
    assert any(issubclass(w.category, npcompile.NpCompileWarning) and "not traced" in str(w.message) for w in caught)
    for r in results:
        np.testing.assert_array_equal(r, method_made_array_written(x))


class _Holder:
    def __init__(self):
        self.buf = np.zeros(3)


def test_an_attribute_array_written_is_written_back_each_call():
    """An array someone else holds (an attribute) is the same array at every
    call in NumPy too: the plan writes into it."""
    h_np, h_c = _Holder(), _Holder()

    def program(h, x):
        b = h.buf
        b += x
        return b.sum()

    cf = np_compile(lambda x: program(h_c, x))
    x = np.arange(3.0)
    for _ in range(3):
        assert cf(x) == program(h_np, x)
        np.testing.assert_array_equal(h_c.buf, h_np.buf)


# ---- builtin max and min on traced scalars --------------------------------

def builtin_max_min_of_reductions(x, y):
    s, t = x.sum(), y.sum()
    return max(s, t) - min(s, t, x[0])


def builtin_max_over_a_vector(x):
    return max(x) + min(x)


def builtin_max_of_int_scalars(a):
    return max(a[0], a[1], a[2]) * 2 + min(a[1], a[0])


def builtin_max_of_0d_arrays(x):
    return max(np.asarray(x.sum()), np.asarray(x.max() * 2))


def builtin_max_nan_order(x):
    # CPython keeps the first item unless a later one compares greater:
    # max(nan, 1) is nan, max(1, nan) is 1.
    return max(x[0], x[1]), max(x[1], x[0]), min(x[0], x[2]), min(x[2], x[0])


BUILTIN_PROGRAMS = [
    (builtin_max_min_of_reductions, lambda: (np.arange(4.0), np.arange(3.0) - 5)),
    (builtin_max_over_a_vector, lambda: (np.array([3.0, -1.0, 7.5, 7.5, 2.0]),)),
    (builtin_max_over_a_vector, lambda: (np.array([3.0, np.nan, 7.5, 2.0]),)),
    (builtin_max_of_int_scalars, lambda: (np.array([5, -2, 9], dtype=np.int16),)),
    (builtin_max_of_0d_arrays, lambda: (np.array([1.0, -4.0]),)),
    (builtin_max_nan_order, lambda: (np.array([np.nan, 1.0, -2.0]),)),
]


@pytest.mark.parametrize("fn, make_args", BUILTIN_PROGRAMS,
                         ids=[f"{p[0].__name__}-{i}" for i, p in enumerate(BUILTIN_PROGRAMS)])
def test_builtin_max_min_on_traced_values_compile(fn, make_args):
    assert_matches(fn, make_args, must_compile=True)


def builtin_max_mixed_types(x):
    return max(x.sum(), 0.0)  # np.float64 or a Python float: which one depends on the values


def builtin_max_with_key(x):
    return max(x[0], x[1], key=abs)


def builtin_max_of_vectors(x):
    return max(x, x * 2)  # NumPy: the truth value of an array is ambiguous


@pytest.mark.parametrize("fn, args", [
    (builtin_max_mixed_types, (np.arange(3.0) - 5,)),
    (builtin_max_mixed_types, (np.arange(3.0),)),
    (builtin_max_with_key, (np.array([-3.0, 2.0]),)),
    (builtin_max_of_vectors, (np.arange(3.0),)),
])
def test_builtin_max_min_it_cannot_compile_runs_numpy(fn, args):
    assert assert_matches(fn, lambda: tuple(a.copy() for a in args)), "expected a fallback"
