"""NumPy's advanced indexing by several index arrays (traced or static),
integers among them, slices and `...` between them, static boolean masks,
np.ix_ / tril_indices / diag_indices: values, shapes (where NumPy puts the
broadcast dimensions) and IndexError, against NumPy on two calls."""

import numpy as np
import pytest

from conftest import assert_matches


def cube():
    return np.random.default_rng(0).standard_normal((4, 5, 3))


I = np.array([0, 2, -1])
J = np.array([[1], [4]])
STATIC_MASK = np.random.default_rng(1).random((4, 5)) > 0.5

INDEXES = {
    "two arrays": lambda a, i, j: a[i, j],
    "two arrays then slice": lambda a, i, j: a[i, j, 1:],
    "slice then two arrays": lambda a, i, j: a[:, j[0], i[:1]],
    "arrays split by a slice": lambda a, i, j: a[i[:2], :, j[0, :1]],
    "arrays split by an empty ellipsis": lambda a, i, j: a[:, i[:2], ..., i[1:]],
    "int and array": lambda a, i, j: a[1, i],
    "int, slice, array": lambda a, i, j: a[0, :, i[:2]],
    "three scalars as arrays": lambda a, i, j: a[i[0], j[1, 0], 2],
    "static lists": lambda a, i, j: a[[0, 1], [2, 3]],
    "ix_": lambda a, i, j: a[np.ix_(i, [0, 3])],
    "tril_indices": lambda a, i, j: a[..., 0][np.tril_indices(4, 0, 5)],
    "diag_indices": lambda a, i, j: a[:, :4, 0][np.diag_indices(4)],
    "broadcast index shapes": lambda a, i, j: a[i[:, None], j[:, 0]],
}


@pytest.mark.parametrize("name", list(INDEXES))
def test_several_index_arrays_compile(name):
    fn = INDEXES[name]
    assert_matches(fn, lambda: (cube(), I.copy(), J.copy()), must_compile=True)


@pytest.mark.parametrize("fn", [
    lambda a, i, j: a[i, j + 10],
    lambda a, i, j: a[i, i[:2]],
    lambda a, i, j: a[i.astype(np.float64), j],
    lambda a, i, j: a[i, j, 0, 1],
], ids=["out of range", "shapes do not broadcast", "float index", "too many indices"])
def test_indexing_errors_are_numpys(fn):
    assert_matches(fn, lambda: (cube(), I.copy(), J.copy()))


@pytest.mark.parametrize("fn", [
    lambda a, i, j: a[STATIC_MASK],
    lambda a, i, j: a[STATIC_MASK, 1],
], ids=["global mask", "global mask and int"])
def test_a_global_mask_is_read_when_run_so_numpy_runs_it(fn):
    """A global array is read at every call (its values may change): as a
    mask of fewer axes its selection's length is data-dependent."""
    assert assert_matches(fn, lambda: (cube(), I.copy(), J.copy())), "expected a fallback"
