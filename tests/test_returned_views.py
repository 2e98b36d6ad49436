"""A function that returns a view of an argument returns NumPy's view of the
caller's array (same memory, same strides), made after the plan's writes:
writing into it writes into the argument, as in NumPy. Views NumPy would copy
(a reshape of a layout the tracer does not know) stay copies."""

import numpy as np
import pytest

from npcompile import np_compile


def grid():
    return np.arange(12.0).reshape(4, 3)


def fortran():
    return np.asfortranarray(grid())


def update_then_view(a):
    a += 1.0
    return a[::2]


VIEWS = [
    ("step", lambda a: a[::2]),
    ("transpose", lambda a: a.T),
    ("reversed_new_axis", lambda a: a[1:, None, ::-1]),
    ("row", lambda a: a[1]),
    ("ellipsis", lambda a: a[..., 0]),
    ("reshape_row", lambda a: a.reshape(3, 4)[1]),
    ("real", lambda a: a.real[1:]),
    ("tuple_with_a_computed_result", lambda a: (a[2], a * 2)),
    ("written_then_viewed", update_then_view),
    ("flipped_slice", lambda a: np.transpose(a)[::-1, 1:3]),
]


@pytest.mark.parametrize("make", [grid, fortran], ids=["C", "F"])
@pytest.mark.parametrize("fn", [v[1] for v in VIEWS], ids=[v[0] for v in VIEWS])
def test_returned_views_alias_the_argument_as_numpys(fn, make):
    cf = np_compile(fn)
    cf(make())
    ours, theirs = make(), make()
    got, want = cf(ours), fn(theirs)
    got, want = (got[0], want[0]) if isinstance(want, tuple) else (got, want)
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert np.shares_memory(got, ours) == np.shares_memory(want, theirs)
    if got.ndim:
        got[(0,) * got.ndim] = -5.0
        want[(0,) * want.ndim] = -5.0
    np.testing.assert_array_equal(ours, theirs)


def test_a_view_of_a_read_only_argument_is_read_only():
    a = grid()
    a.flags.writeable = False
    r = np_compile(lambda x: x[1:])(a)
    assert np.shares_memory(r, a) and not r.flags.writeable


def test_a_view_of_a_global_aliases_the_global():
    cf = np_compile(lambda: GLOBAL[::2])
    r = cf()
    r[0] = 42.0
    assert GLOBAL[0] == 42.0


GLOBAL = np.arange(6.0)



class _Holder:
    def __init__(self):
        self.weights = np.arange(5.0)

    def make(self):
        return np.arange(4.0)  # untraced: a method's own NumPy call


HOLDER = _Holder()


@pytest.mark.parametrize("fn, aliases", [
    (lambda x: HOLDER.make(), False),
    (lambda x: HOLDER.make()[1:], False),
    (lambda x: HOLDER.weights, True),
    (lambda x: HOLDER.weights[1:], True),
], ids=["made_array", "view_of_made_array", "attribute", "view_of_attribute"])
def test_arrays_untraced_code_returns_alias_as_numpys(fn, aliases):
    """An array made for the call is each call's own (NumPy makes a new one);
    an object's attribute is the attribute's memory, as in NumPy."""
    cf = np_compile(fn)
    first = cf(np.ones(2))
    first[-1] = 99.0
    second = cf(np.ones(2))
    assert bool(second[-1] == 99.0) is aliases
    assert bool(np.shares_memory(second, HOLDER.weights)) is aliases
    HOLDER.weights[-1] = 4.0
