"""Reshapes NumPy answers with a view or a copy depending on memory layout:
a strided view (`a[:, ::2].reshape(-1)`), or an elementwise result of a
transposed operand (NumPy allocates it in the operand's order, so its
reshape or ravel copies). The values agree either way and compile; a write
into either side afterwards would tell a view from a copy, so it runs under
NumPy. Each against NumPy, arguments included, on two calls."""

import numpy as np
import pytest

from conftest import assert_matches


def grid():
    return np.arange(24.0).reshape(4, 6)


def reshape_strided_view(a):
    return a[:, ::2].reshape(-1) * 2 + a[1:3, 1:4].reshape(3, 2).sum()


def reshape_of_transposed_result(a):
    return (a.T * 2).reshape(-1) + np.exp(a.T).ravel()


def reshape_unit_axes_of_transposed_result(a):
    return (a.T + 1).reshape(6, 1, 4)[:, 0, :]


@pytest.mark.parametrize("fn", [reshape_strided_view, reshape_of_transposed_result,
                                reshape_unit_axes_of_transposed_result])
def test_reshapes_of_unknown_layout_compile(fn):
    assert_matches(fn, lambda: (grid(),), must_compile=True)


def write_through_reshape_of_strided_view(a):
    v = a[:, ::2].reshape(-1)  # NumPy: a copy
    v[0] = -1.0
    return a


def write_through_reshape_of_transposed_result(a):
    b = a.T * 2
    r = b.reshape(-1)  # NumPy: a copy (b is in Fortran order)
    r[0] = 100.0
    return b


def write_through_ravel_of_transposed_cast(a):
    b = a.T.astype(np.float32)
    b.ravel()[:3] = 0.0
    return b


def write_source_after_reshape(a):
    b = a.T * 2
    r = b.reshape(-1)
    b[0, 0] = 7.0
    return r


def write_through_contiguous_reshape(a):
    v = a.reshape(-1)  # a view: the write reaches a, compiled too
    v[0] = -5.0
    return a


@pytest.mark.parametrize("fn", [write_through_reshape_of_strided_view, write_through_reshape_of_transposed_result,
                                write_through_ravel_of_transposed_cast, write_source_after_reshape])
def test_writes_after_such_a_reshape_run_numpy(fn):
    assert assert_matches(fn, lambda: (grid(),)), "expected a fallback"


def test_writes_through_a_known_view_still_compile():
    assert_matches(write_through_contiguous_reshape, lambda: (grid(),), must_compile=True)


def fortran_grid():
    return np.asfortranarray(grid())


def strided_grid():
    return np.ascontiguousarray(np.repeat(grid(), 2, axis=1))[:, ::2]


@pytest.mark.parametrize("make", [fortran_grid, strided_grid], ids=["fortran", "strided"])
def test_writes_through_reshape_of_non_c_arguments_never_reach_the_caller_wrongly(make):
    """NumPy copies where an argument's memory is not C-ordered: the caller's
    array keeps its values (a hidden-order bug once wrote into it)."""
    assert_matches(write_through_contiguous_reshape, lambda: (make(),))


def test_fortran_arguments_know_their_flags():
    assert_matches(lambda a: (a.flags.c_contiguous, a.flags.f_contiguous, np.isfortran(a), a.T.reshape(-1) * 2),
                   lambda: (fortran_grid(),), must_compile=True)


def _write_through_ravel(make):
    def program(a):
        b = make(a)
        b.ravel()[1] = 77.0
        return b
    return program


@pytest.mark.parametrize("make", [
    np.zeros_like, np.ones_like, lambda a: np.full_like(a, 2.0), lambda a: np.where(a > 3, a, 0.0),
    lambda a: np.cumsum(a, axis=0), lambda a: +a, lambda a: np.roll(a, 1), lambda a: np.zeros_like(a.T.T, order="F"),
], ids=["zeros_like", "ones_like", "full_like", "where", "cumsum", "positive", "roll", "order_F"])
def test_results_in_a_fortran_arguments_order_are_not_taken_for_c_order(make):
    """NumPy allocates these in the argument's (Fortran) order, so its ravel
    copies: a write through it must not reach the result (a review found it did)."""
    assert_matches(_write_through_ravel(make), lambda: (fortran_grid(),))


def test_ravel_of_the_transpose_of_a_fortran_argument_is_numpys():
    def program(a):
        np.ravel(a.T)[0] = 5.0
        return a
    assert_matches(program, lambda: (fortran_grid(),))


@pytest.mark.parametrize("view", [
    lambda a: a.T.T, lambda a: a.T, lambda a: a[:, ::2], lambda a: a[::-1], lambda a: a[1:], lambda a: a.T[::2].T,
], ids=["transpose_twice", "transpose", "column_step", "reversed_rows", "rows", "transposed_step"])
def test_ravel_of_a_view_views_or_copies_as_numpys(view):
    """NumPy's ravel views a C-contiguous view (`a.T.T` is one again) and copies
    any other: a write through the result reaches the argument exactly then."""
    def program(a):
        r = np.ravel(view(a))
        r[0] = -7.0
        return r
    assert_matches(program, lambda: (grid(),), must_compile=True)
