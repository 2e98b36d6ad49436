"""Traced integers as indices (`G[k, idx[a, b]]`, `counts[idx[k]] += w`): an
offset known only when the plan runs. Elements read and written compile;
a subarray read is a copy (NumPy views it) that breaks if either side is
written afterwards; an index out of range raises NumPy's IndexError when run,
with the caller's arrays untouched. Each against NumPy, on two calls."""

import numpy as np
import pytest

from conftest import assert_matches


def grid():
    return np.arange(24.0).reshape(4, 6)


def picks():
    return np.array([[1, 2], [0, 3], [-1, 5]])


def read_element(a, idx):
    return a[1, idx[0, 1]] + a[idx[2, 0], idx[1, 1]]


def read_row_and_column(a, idx):
    return a[idx[1, 1], 2:] * 2 + a[:, idx[0, 0]].sum()


def read_chained(a, idx):
    return a[idx[1, 1]][idx[0, 0]]


def read_in_loop(a, idx):
    total = 0.0
    for k in range(idx.shape[0]):
        total = total + a[idx[k, 0], idx[k, 1]]
    return total


def write_elements(a, idx):
    a[idx[0, 1], 3] = -1.0
    a[2, idx[1, 0]] += 5
    a[idx[2, 0], idx[2, 1]] *= 2
    return a.sum()


def write_row(a, idx):
    a[idx[1, 1]] = np.arange(6.0)
    a[idx[0, 0], ::2] = 7.0
    return a


def histogram_loop(w, bins):
    counts = np.zeros(5)
    for k in range(bins.shape[0]):
        counts[bins[k]] += w[k]
    return counts


def int_table(t, idx):
    t[idx[0, 1], idx[0, 0]] = t[idx[1, 1], idx[1, 0]] + 1
    return t


@pytest.mark.parametrize("fn, make", [
    (read_element, lambda: (grid(), picks())),
    (read_row_and_column, lambda: (grid(), picks())),
    (read_chained, lambda: (grid(), picks())),
    (read_in_loop, lambda: (grid(), picks())),
    (write_elements, lambda: (grid(), picks())),
    (write_row, lambda: (grid(), picks())),
    (histogram_loop, lambda: (np.arange(6.0), np.array([0, 4, 4, 1, -1, 0]))),
    (int_table, lambda: (np.arange(20, dtype=np.int32).reshape(4, 5), picks())),
], ids=lambda x: getattr(x, "__name__", ""))
def test_traced_integer_indices_compile(fn, make):
    assert_matches(fn, make, must_compile=True)


def out_of_range_read(a, idx):
    return a[idx[0, 0] + 10, 0]


def out_of_range_write(a, idx):
    a[idx[2, 1] + 1, 0] = 1.0
    return a


def element_gets_a_sequence(a, idx):
    a[idx[0, 0], 1] = np.array([1.0, 2.0])
    return a


def row_gets_wrong_length(a, idx):
    a[idx[0, 0]] = np.ones(4)
    return a


@pytest.mark.parametrize("fn", [out_of_range_read, out_of_range_write, element_gets_a_sequence,
                                row_gets_wrong_length])
def test_errors_are_numpys_and_leave_arguments_untouched(fn):
    assert_matches(fn, lambda: (grid(), picks()))


def row_read_then_source_written(a, idx):
    row = a[idx[0, 0]]  # NumPy: a view, which sees the write below
    a[1, 1] = -100.0
    return row.sum()


def row_read_then_written(a, idx):
    row = a[idx[0, 0]]
    row += 1.0  # NumPy: writes into a
    return a


@pytest.mark.parametrize("fn", [row_read_then_source_written, row_read_then_written])
def test_a_subarray_at_a_traced_index_then_written_runs_numpy(fn):
    assert assert_matches(fn, lambda: (grid(), picks())), "expected a fallback"


def test_a_call_that_raises_leaves_the_arguments_as_they_were():
    """NumPy would have stored 99.0 before raising; a compiled call is all or
    nothing (the caller's arrays untouched when it raises)."""
    from npcompile import np_compile

    def program(a, idx):
        a[0, 0] = 99.0
        a[idx[2, 1] + 1, 0] = 1.0
        return a

    cf = np_compile(program)
    ok = np.array([[0, 0], [0, 0], [0, 2]])
    np.testing.assert_array_equal(cf(grid(), ok), program(grid(), ok))
    a = grid()
    with pytest.raises(IndexError):
        cf(a, picks())
    np.testing.assert_array_equal(a, grid())
