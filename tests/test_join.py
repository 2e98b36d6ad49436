"""np.concatenate, np.stack and np.array of traced arrays, against NumPy."""

import numpy as np
import pytest

from conftest import check

rng = np.random.default_rng(3)
A = rng.random((2, 3))
B = (rng.random((4, 3)) * 10).astype(np.int32)
C = rng.random((2, 3)).astype(np.float32)


@pytest.mark.parametrize(
    "fn,args",
    [
        (lambda a, b: np.concatenate([a, b]), (A, B)),
        (lambda a, c: np.concatenate((a, c), axis=1), (A, C)),
        (lambda a, c: np.concatenate((a, c), axis=-1), (A, C)),
        (lambda a, b: np.concatenate([a, b], axis=None), (A, B)),
        (lambda a, c: np.stack([a, c, a]), (A, C)),
        (lambda a, c: np.stack([a, c], axis=-1), (A, C)),
        (lambda a, c: np.array([a, c]), (A, C)),
        (lambda a, c: np.array([[a[0, 0], c[1, 1]], [a.sum(), 1.0]]), (A, C)),
        (lambda a, c: np.array([a.sum(), c.max()], dtype=np.float32), (A, C)),
        (lambda a, b: np.concatenate([a, b], axis=1), (A, B)),  # NumPy's ValueError
        (lambda a, c: np.stack([a, c[:1]]), (A, C)),  # NumPy's ValueError
        (lambda a: np.concatenate([a.sum(), a.sum()]), (A,)),  # 0-d: ValueError
    ],
)
def test_joining_matches_numpy(fn, args):
    check(fn, *args)
