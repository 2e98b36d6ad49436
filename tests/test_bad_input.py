"""The bad-input table of docs/reliability.md, one test per row: each gets
NumPy's answer or NumPy's exception class, and a call that fails leaves the
caller's arrays as they were."""

import numpy as np
import pytest
import torch

from conftest import assert_matches
from npcompile import np_compile


def scale_add(a, b):
    return np.sin(a) * 2 + b


def write_first(a, b):
    a[...] = a + b
    return a.sum()


def aligned(n=8):
    return np.arange(n, dtype=np.float64) + 0.5


def misaligned():
    raw = np.zeros(8 * 8 + 1, np.uint8)
    a = np.frombuffer(raw.data, dtype=np.float64, count=8, offset=1).copy()  # values, then a misaligned view
    view = np.ndarray((8,), np.float64, buffer=raw, offset=1)
    view[:] = a + np.arange(8)
    assert not view.flags.aligned
    return view


def odd_strides():
    raw = np.arange(40, dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(raw.view(np.int8), shape=(5,), strides=(7,))  # 7-byte steps


def big_shape(a, b):
    return np.zeros((2**40, 2**40)) + a[0]


def memory_hog(a, b):
    return np.ones((2**20, 2**20), np.int8).sum() + a[0]


def raises_half_way(a, b):
    a[0] = 100.0
    b[0] = 7.0
    return a[np.int64(a.size)]  # IndexError after both writes


ROWS = [
    ("object_array", scale_add, lambda: (np.array([1.0, 2, 3], dtype=object), aligned(3))),
    ("string_array", lambda a, b: np.char.upper(a), lambda: (np.array(["ab", "c"]), aligned(2))),
    ("structured_array", lambda a, b: a["x"] * 2 + b, lambda: (np.zeros(3, [("x", "f8"), ("y", "i4")]), aligned(3))),
    ("nan_inf_everywhere", lambda a, b: (np.sin(a) + b, a.max(), np.argmin(b), a.sum()),
     lambda: (np.array([np.nan, np.inf, -np.inf, 0.0]), np.array([np.inf, np.nan, 1.0, -np.inf]))),
    ("zero_size", lambda a, b: (a.sum(), a * b, a.reshape(0, 3).max(axis=0)), lambda: (np.zeros(0), np.zeros(0))),
    ("zero_size_max_raises", lambda a, b: a.max() + b.sum(), lambda: (np.zeros(0), aligned())),
    ("zero_d", scale_add, lambda: (np.array(1.5), np.array(2.0))),
    ("shape_product_overflows", big_shape, lambda: (aligned(), aligned())),
    ("shape_does_not_fit_memory", memory_hog, lambda: (aligned(), aligned())),
    ("read_only_written", write_first, lambda: (_read_only(aligned()), aligned())),
    ("read_only_as_out", lambda a, b: np.add(b, 1, out=a), lambda: (_read_only(aligned()), aligned())),
    ("aliased_arguments", write_first, lambda: (lambda x: (x, x))(aligned())),
    ("overlapping_views", lambda a, b: np.add(a, b, out=a), lambda: (lambda x: (x[1:], x[:-1]))(aligned(9))),
    ("negative_strides", write_first, lambda: (aligned(16)[::-2], aligned(8))),
    ("zero_strides_read", scale_add, lambda: (np.broadcast_to(aligned(1), (8,)), aligned())),
    ("zero_strides_written", write_first, lambda: (np.broadcast_to(aligned(1), (8,)), aligned())),
    ("strides_not_a_multiple_of_itemsize", lambda a, b: a * 2 + 1, lambda: (odd_strides(), aligned(5))),
    ("misaligned_buffer", write_first, lambda: (misaligned(), aligned())),
    ("non_native_byte_order", scale_add, lambda: (aligned().astype(">f8"), aligned())),
    ("non_native_byte_order_written", write_first, lambda: (aligned().astype(">f8"), aligned())),
    ("fortran_order", lambda a, b: write_first(a, b.reshape(4, 2).T) + a.T.ravel()[0],
     lambda: (np.asfortranarray(aligned().reshape(4, 2).T.copy()), aligned())),
]


def _read_only(a):
    a.flags.writeable = False
    return a


@pytest.mark.allow_fallback
@pytest.mark.parametrize("fn, make", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_gets_numpys_answer_or_exception(fn, make):
    assert_matches(fn, make)


def test_a_leaf_tensor_requiring_grad_written_raises_torchs_error_before_running():
    t = torch.ones(3, requires_grad=True)

    def update(a):
        a += 1
        return a * 2

    with pytest.raises(RuntimeError, match="requires grad"):
        np_compile(update)(t)
    assert torch.equal(t.detach(), torch.ones(3))


def test_a_call_that_raises_half_way_raises_numpys_exception_and_writes_nothing():
    """NumPy would have stored the writes before the failing line; a compiled
    call that fails leaves the caller's arrays as they were (the known limit
    in the README: no partial updates)."""
    a, b = aligned(), aligned()
    with pytest.raises(IndexError):
        raises_half_way(a.copy(), b.copy())
    with pytest.raises(IndexError):
        np_compile(raises_half_way)(a, b)
    assert np.array_equal(a, aligned()) and np.array_equal(b, aligned())
