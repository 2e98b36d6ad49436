"""Nothing silently wrong: what npcompile cannot compile runs under NumPy, with one
warning, and a user's `except Exception` cannot hide a graph break."""

import warnings

import numpy as np
import pytest

import npcompile
from npcompile import np_compile

from conftest import assert_same


def guarded(x):
    try:
        y = float(x.sum())  # needs the value: a graph break
    except Exception:
        y = -1.0  # the branch a swallowed break would trace
    return x * y


@pytest.mark.allow_fallback
def test_a_users_except_exception_does_not_swallow_a_graph_break():
    x = np.arange(4.0)
    with pytest.warns(npcompile.NpCompileWarning, match="float"):
        out = np_compile(guarded)(x)
    assert_same(out, guarded(x))


@pytest.fixture
def raw_complex_sort(monkeypatch):
    """np.sort recorded as one sort op even for complex values (the surface
    spells complex sorts otherwise): libtorch has no complex sort, so the graph
    records but cannot be lowered."""
    from npcompile import numpy as surface

    def raw(a, axis=-1, kind=None, order=None, *, stable=None):
        a = surface.operand(a)
        return surface._record(f"sort[axis={a.ndim - 1}]", a)

    monkeypatch.setitem(surface.FUNCTIONS, "sort", raw)


@pytest.mark.allow_fallback
def test_an_op_the_backend_lacks_falls_back_once_with_numpys_answer(raw_complex_sort):
    def f(x):
        return np.sort(x) + x

    cf = np_compile(f)
    x = np.array([1 + 2j, 1 - 1j, -3j], dtype=np.complex128)
    with pytest.warns(npcompile.NpCompileWarning, match="could not compile"):
        out = cf(x)
    assert_same(out, f(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(cf(x), f(x))
    info = cf.cache_info()
    assert info["fallbacks"] == 1 and info["traces"] == 1


def test_an_op_the_backend_lacks_raises_with_fullgraph(raw_complex_sort):
    cf = np_compile(fullgraph=True)(lambda x: np.sort(x))
    with pytest.raises(npcompile.GraphBreakError, match="could not compile"):
        cf(np.array([1j, 2], dtype=np.complex64))


RNG = np.random.default_rng(0)


def noisy(x):
    return x + RNG.standard_normal(x.shape)


def noisy_legacy(x):
    return x * np.random.rand(*x.shape)


@pytest.mark.allow_fallback
def test_random_draws_are_not_frozen_into_a_plan():
    cf = np_compile(noisy)
    x = np.zeros(3)
    with pytest.warns(npcompile.NpCompileWarning, match="random"):
        a = cf(x)
    b = cf(x)
    assert not np.array_equal(a, b)  # fresh draws every call, as under NumPy
    # and the generator advanced exactly as NumPy alone would have advanced it
    state = RNG.bit_generator.state
    expected = np.random.default_rng(0)
    expected.standard_normal(3)
    expected.standard_normal(3)
    assert state == expected.bit_generator.state


@pytest.mark.allow_fallback
def test_legacy_global_random_state_is_restored_before_the_fallback():
    np.random.seed(5)
    with pytest.warns(npcompile.NpCompileWarning, match="random"):
        got = np_compile(noisy_legacy)(np.ones(4))
    np.random.seed(5)
    assert_same(got, noisy_legacy(np.ones(4)))


def test_a_compiled_function_called_inside_another_is_traced_through():
    inner = np_compile(lambda a: a * 2 + 1)

    def outer(x):
        return inner(x).sum() + inner(x[:2]).max()

    cf = np_compile(outer)
    x = np.arange(5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(cf(x), outer(x))
    assert cf.cache_info()["traces"] == 1


@pytest.mark.allow_fallback
def test_numpy_attributes_the_tracer_lacks_fall_back_instead_of_raising():
    def f(x):
        return x.setfield(1.0, np.float64)

    cf = np_compile(f)
    with pytest.warns(npcompile.NpCompileWarning, match="setfield"):
        assert_same(cf(np.arange(4.0)), f(np.arange(4.0)))


@pytest.mark.allow_fallback
def test_numpy_arguments_the_surface_does_not_take_fall_back():
    def f(x):
        return np.take(x, [0, 1, 7], mode="wrap")

    with pytest.warns(npcompile.NpCompileWarning):
        assert_same(np_compile(f)(np.arange(4.0)), f(np.arange(4.0)))


@pytest.mark.allow_fallback
def test_ndarray_subclasses_run_under_numpy():
    def f(a, b):
        return a * b  # for np.matrix, * is a matrix product

    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    with pytest.warns(npcompile.NpCompileWarning, match="matrix"):
        out = np_compile(f)(m, m)
    assert type(out) is np.matrix
    assert np.array_equal(out, m * m)
    G = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.warns(npcompile.NpCompileWarning, match="subclass"):
        out = np_compile(lambda x: x + G)(np.ones(2))
    assert np.ma.isMaskedArray(out)


def test_isinstance_checks_in_user_code_take_numpys_branch():
    def f(x):
        s = x.sum()
        if isinstance(x, np.ndarray) and not isinstance(s, np.ndarray) and isinstance(s, np.floating):
            return x * 2
        return x - 1

    x = np.arange(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(np_compile(f)(x), f(x))


def test_a_compiled_helper_called_on_a_traced_numpy_scalar_is_traced_through():
    inner = np_compile(lambda s, v: v * s)

    def outer(x):
        return inner(x.sum(), x) + 1

    x = np.arange(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(np_compile(outer)(x), outer(x))


@pytest.mark.allow_fallback
def test_compiling_a_numpy_function_itself_works_or_falls_back():
    x = np.arange(6.0).reshape(2, 3)
    assert_same(np_compile(np.sum)(x), np.sum(x))
    with pytest.warns(npcompile.NpCompileWarning):
        assert_same(np_compile(np.bincount)(x.astype(np.int64).ravel()), np.bincount(x.astype(np.int64).ravel()))


def _guarded_chkfinite(a):
    try:
        return np.asarray_chkfinite(a)
    except ValueError:
        return np.zeros_like(a)


def _guarded_take(a, i):
    try:
        return a[i]
    except IndexError:
        return a[:1]


def _with_block_take(a, i):
    with np.errstate(all="ignore"):
        return a[i] * 2


@pytest.mark.allow_fallback
@pytest.mark.parametrize("fn, args", [
    (_guarded_chkfinite, (np.array([1.0, np.inf]),)),
    (_guarded_take, (np.arange(3.0), np.array([5]))),
])
def test_an_op_that_raises_when_run_inside_try_except_runs_under_numpy(fn, args):
    """The handler would see the plan's exception only under NumPy (it comes
    when the plan runs, after the trace left the try)."""
    cf = np_compile(fn)
    with pytest.warns(npcompile.NpCompileWarning, match="inside try/except"):
        assert_same(cf(*args), fn(*args))


def test_with_blocks_do_not_count_as_catching():
    cf = np_compile(_with_block_take)
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(cf(np.arange(3.0), np.array([1])), _with_block_take(np.arange(3.0), np.array([1])))
