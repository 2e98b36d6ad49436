"""CUDA tensors in, CUDA tensors out, with NumPy's answers on CPU copies."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from npcompile import np_compile
from conftest import Raised, abs_scale, arrays, assert_same, broadcast_shapes, dtype_pairs, public_type, run_numpy

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def cuda(x):
    return torch.from_numpy(np.array(x, copy=True)).cuda()  # a contiguous copy that keeps 0-d


def check_cuda(fn, *arrays_, scale=None):
    """Run `fn` under NumPy on the arrays and compiled on CUDA copies of them."""
    expected = run_numpy(fn, *arrays_)
    cfn = np_compile(fn)
    args = [cuda(a) for a in arrays_]
    if isinstance(expected, Raised):
        cls = public_type(expected.exc)
        with pytest.raises(cls):
            cfn(*args)
        return
    out = cfn(*args)
    outs, exps = (out, expected) if isinstance(expected, tuple) else ((out,), (expected,))
    assert type(outs) is tuple and len(outs) == len(exps)
    for o, e in zip(outs, exps):
        assert isinstance(o, torch.Tensor), f"got {type(o).__name__}, expected a torch.Tensor"
        assert o.is_cuda, f"output on {o.device}, expected CUDA"
        got = o.cpu().numpy()
        if isinstance(e, np.generic):
            assert got.shape == (), f"shape mismatch: got {got.shape}, NumPy gives a scalar"
            got = got[()]
        assert_same(got, e, scale=scale)


FUNCTIONS = [
    ("sin*y+1", lambda x, y: np.sin(x) * y + 1.0),
    ("arith", lambda x, y: (x + y, x - y, x * y, x / y)),
    ("floordiv mod", lambda x, y: (x // y, x % y)),
    ("compare", lambda x, y: ((x < y) | (x == y), np.maximum(x, y), np.where(x > 0, x, y))),
    ("reductions", lambda x, y: (x.sum(), x.max(axis=-1), np.mean(y, keepdims=True), x.argmax(axis=0), np.all(x > -5))),
    ("shapes", lambda x, y: (x.T[::-1], x[..., None, 1:], np.expand_dims(y, 0).squeeze(), x.reshape(-1))),
    ("matmul", lambda x, y: (x @ y, np.dot(y, y))),
]


@pytest.mark.parametrize("name, fn", FUNCTIONS, ids=[r[0] for r in FUNCTIONS])
@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_cuda_examples(name, fn, dtype):
    x = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    y = np.array([3, -2, 0, 1]).astype(dtype)
    check_cuda(fn, x, y, scale=abs_scale(x) * abs_scale(y) + abs_scale(x))


@given(data=st.data())
def test_cuda_binary(data):
    dx, dy = data.draw(dtype_pairs, label="dtypes")
    sx, sy = data.draw(broadcast_shapes(2), label="shapes")
    x = data.draw(arrays(dx, sx), label="x")
    y = data.draw(arrays(dy, sy), label="y")
    check_cuda(lambda x, y: (x + y, x * y, x < y, np.maximum(x, y)), x, y)


def test_cuda_and_cpu_are_different_signatures():
    f = np_compile(lambda x: x * 2)
    x = torch.arange(3.0)
    assert not f(x).is_cuda
    assert f(x.cuda()).is_cuda
    assert f.cache_info()["traces"] == 2


def test_cuda_with_a_numpy_argument_runs_on_cuda():
    f = np_compile(lambda x, y: x + y)
    out = f(torch.ones(3, device="cuda"), np.arange(3.0))
    assert isinstance(out, torch.Tensor) and out.is_cuda and out.dtype == torch.float64
    np.testing.assert_array_equal(out.cpu().numpy(), np.ones(3, np.float32) + np.arange(3.0))


def test_cuda_errors_like_numpy():
    check_cuda(lambda x, e: x**e, np.array([1, 2, 3]), np.array([1, -1, 2]))  # ValueError
    check_cuda(lambda x: x.max(axis=0), np.zeros((0, 3)))  # ValueError
    check_cuda(lambda x, y: x + y, np.ones(3), np.ones(4))  # ValueError
