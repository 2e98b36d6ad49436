"""Integer-array indexing (one index array among slices) and np.take, against NumPy."""

import numpy as np
import pytest

from conftest import check

rng = np.random.default_rng(11)
A = rng.random((4, 5))
I = np.array([3, 0, -1, 2], dtype=np.int32)


@pytest.mark.parametrize(
    "fn,args",
    [
        (lambda a, i: a[i], (A, I)),
        (lambda a, i: a[:, i], (A, I)),
        (lambda a, i: a[1:, i] * 2, (A, I)),
        (lambda a, i: a[..., i], (A, I)),
        (lambda a, i: a[i, ::-1], (A, I)),
        (lambda a, i: a[i.reshape(2, 2)], (A, I)),
        (lambda a: a[[0, 2, 2]], (A,)),
        (lambda a, i: np.take(a, i), (A, I)),
        (lambda a, i: np.take(a, i, axis=1), (A, I)),
        (lambda a, i: a[np.argmax(a, axis=0)], (A, I[:1])),
        (lambda a, i: a[i + 10], (A, I)),  # NumPy's IndexError, raised when run
        (lambda a, i: a[i.astype(np.float64)], (A, I)),  # NumPy's IndexError at the index
        (lambda a: a[np.array([], dtype=np.int64)], (A,)),
    ],
)
def test_integer_array_indexing_matches_numpy(fn, args):
    check(fn, *args)
