"""Integer-array indexing (one index array among slices), np.take and sorting, against NumPy."""

import numpy as np
import pytest

from npcompile import np_compile

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


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int32, np.float32, np.float64])
def test_sort_matches_numpy(dtype):
    a = np.array([[3, -1, 2, 0], [1, 1, -2, 5], [0, 7, 7, -3]]).astype(dtype)
    if dtype in (np.float32, np.float64):
        a[0, 1], a[2, 0] = np.nan, -0.0
    check(lambda x: np.sort(x), a)
    check(lambda x: np.sort(x, axis=0), a)
    check(lambda x: np.sort(x, axis=None), a)
    check(lambda x: np.sort(x.sum()), a)  # 0-d: NumPy's AxisError


def test_in_place_sort_writes_back():
    def f(x):
        x.sort()
        x[:, 0].sort()  # sorts a view: writes through to x
        return x.sum()

    a = np.array([[3.0, 1.0, 2.0], [0.5, 9.0, -1.0]])
    b = a.copy()
    expected = f(b)
    got = np_compile(f)(a)
    np.testing.assert_array_equal(a, b)
    assert got == expected
