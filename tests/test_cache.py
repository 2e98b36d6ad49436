"""The plan cache and the call boundary: what makes a new signature (and a new
trace), pytrees in and out, numpy vs torch in and out, graph breaks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import npcompile
from npcompile import np_compile
from conftest import assert_same, check, run_numpy


def info(f):
    d = f.cache_info()
    assert set(d) == {"hits", "misses", "entries", "traces", "fallbacks", "deopts", "compile_seconds", "cache_limit"}
    return d


def test_same_signature_does_not_trace_again():
    @np_compile
    def f(x, y):
        return np.sin(x) * y + 1.0

    x, y = np.ones((3, 4)), np.arange(4.0)
    assert_same(f(x, y), f.__wrapped__(x, y))
    assert_same(f(x, y), f.__wrapped__(x, y))
    d = info(f)
    assert d["traces"] == 1 and d["hits"] == 1 and d["misses"] == 1 and d["entries"] == 1
    assert d["fallbacks"] == 0 and d["compile_seconds"] > 0
    # new arrays with the same dtypes and shapes: still the same plan, new values
    x2, y2 = np.full((3, 4), 2.0), np.arange(4.0) - 1
    assert_same(f(x2, y2), f.__wrapped__(x2, y2))
    assert info(f)["traces"] == 1 and info(f)["hits"] == 2


def test_new_shape_traces_again():
    f = np_compile(lambda x: x.sum(axis=0) * 2)
    for shape in [(3, 4), (3, 4), (2, 4), (3, 5), (3, 4, 1), (0, 4)]:
        x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
        assert_same(f(x), f.__wrapped__(x))
    d = info(f)
    assert d["traces"] == 5 and d["entries"] == 5 and d["hits"] == 1


def test_new_dtype_traces_again():
    f = np_compile(lambda x: x // 2 + x)
    for dtype in ["int32", "int64", "float32", "float64", "int32"]:
        x = np.arange(-3, 5).astype(dtype)
        out = f(x)
        assert out.dtype == np.dtype(dtype)
        assert_same(out, f.__wrapped__(x))
    d = info(f)
    assert d["traces"] == 4 and d["hits"] == 1


def test_static_python_scalar_value_traces_again():
    f = np_compile(lambda x, k: x * k + k)
    x = np.arange(4, dtype=np.int32)
    assert_same(f(x, 2), f.__wrapped__(x, 2))
    assert_same(f(x, 3), f.__wrapped__(x, 3))
    assert_same(f(x, 2), f.__wrapped__(x, 2))
    d = info(f)
    assert d["traces"] == 2 and d["hits"] == 1
    # 2, 2.0 and True are different keys (and different NumPy results)
    for k in (2.0, True, 2**40, -0.0):
        check(f.__wrapped__, x, k, cfn=f)
    assert f(x, 2.0).dtype == np.float64 and f(x, 2).dtype == np.int32
    assert info(f)["traces"] == 6


def test_python_scalar_keyword_arguments():
    @np_compile
    def f(x, *, scale=1.0, shift=0):
        return x * scale + shift

    x = np.arange(3, dtype=np.float32)
    for kw in [{}, {"scale": 2.0}, {"shift": 3}, {"scale": 2.0, "shift": 3}, {"shift": 3, "scale": 2.0}]:
        assert_same(f(x, **kw), f.__wrapped__(x, **kw))
    assert info(f)["traces"] == 5


def test_nested_arguments_are_part_of_the_key():
    @np_compile
    def f(xs, d):
        (x, ys), z = xs, d["k"]
        return x + sum(ys) * z

    x, y, z = np.ones(3), np.arange(3.0), np.full(3, 2.0)
    assert_same(f((x, [y]), {"k": z}), f.__wrapped__((x, [y]), {"k": z}))
    assert_same(f((x, [y]), {"k": z}), f.__wrapped__((x, [y]), {"k": z}))
    assert info(f)["traces"] == 1
    # one more list element: a new structure
    assert_same(f((x, [y, y]), {"k": z}), f.__wrapped__((x, [y, y]), {"k": z}))
    assert info(f)["traces"] == 2
    # a list in place of the tuple
    assert_same(f([x, [y]], {"k": z}), f.__wrapped__([x, [y]], {"k": z}))
    assert info(f)["traces"] == 3
    # another dict key (and value dtype)
    g = np_compile(lambda d: d.get("a", 0) + d["k"])
    check(g.__wrapped__, {"k": z}, cfn=g)
    check(g.__wrapped__, {"k": z, "a": np.ones(3, np.float32)}, cfn=g)
    check(g.__wrapped__, {"k": z.astype(np.int32)}, cfn=g)
    assert info(g)["traces"] == 3


def test_dict_argument_with_static_values():
    f = np_compile(lambda x, cfg: np.clip(x, cfg["lo"], cfg["hi"]) * cfg["scale"])
    x = np.linspace(-2, 2, 9)
    check(f.__wrapped__, x, {"lo": -1, "hi": 1, "scale": 2.0}, cfn=f)
    check(f.__wrapped__, x, {"lo": 0, "hi": 1, "scale": 2.0}, cfn=f)
    assert info(f)["traces"] == 2


def test_numpy_in_numpy_out():
    f = np_compile(lambda x, y: (x @ y, (x * 2).sum(), x.T))
    x, y = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    out = f(x, y)
    assert all(isinstance(o, (np.ndarray, np.generic)) for o in out)
    assert_same(out, f.__wrapped__(x, y))


@pytest.mark.parametrize("dtype", [torch.bool, torch.int32, torch.int64, torch.float32, torch.float64])
def test_torch_in_torch_out(dtype):
    f = np_compile(lambda x, y: (x * 2 + y, (x > y), (x + y).sum(axis=0), x.max(), x[::-1].T))
    x = torch.arange(12).reshape(3, 4).to(dtype)
    y = torch.arange(4).to(dtype)
    out = f(x, y)
    with np.errstate(all="ignore"):
        expected = run_numpy(f.__wrapped__, x.numpy(), y.numpy())
    if not isinstance(expected, tuple):  # bool - ... raises: the same in torch
        with pytest.raises(type(expected.exc)):
            f(x, y)
        return
    for o, e in zip(out, expected):
        assert isinstance(o, torch.Tensor), f"got {type(o).__name__}, expected a torch.Tensor"
        assert o.device == x.device
        assert_same(np.asarray(o.numpy()), np.asarray(e))
    assert out[3].shape == ()  # a 0-d tensor where NumPy gives a NumPy scalar


def test_torch_and_numpy_mixed_gives_torch():
    f = np_compile(lambda x, y: x + y)
    out = f(torch.ones(3, dtype=torch.float32), np.arange(3.0))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    np.testing.assert_array_equal(out.numpy(), np.ones(3, np.float32) + np.arange(3.0))


def test_torch_inputs_are_a_different_key_from_numpy():
    f = np_compile(lambda x: x * 2)
    f(np.ones(3))
    f(torch.ones(3, dtype=torch.float64))
    assert info(f)["traces"] == 2


def test_outputs_alias_the_inputs_as_numpys_do():
    """A returned view (x.T) is NumPy's view of the caller's array: writing into
    it writes into x, as in NumPy; computed outputs own their memory."""
    f = np_compile(lambda x, y: (np.exp(x) - y, x.T, x[::-1] * 2))
    for _ in range(2):
        x, x_numpy = (np.linspace(-1, 1, 12).reshape(3, 4) for _ in range(2))
        y = np.arange(4.0)
        out, want = f(x, y), f.__wrapped__(x_numpy, y)
        assert_same(out, want)
        for o, w in ((out, x), (want, x_numpy)):
            o[1][0, 0] = 7.0
            o[0][...] = 5.0
            o[2][...] = 6.0
        np.testing.assert_array_equal(x, x_numpy)
        np.testing.assert_array_equal(y, np.arange(4.0))


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a,
        lambda a: a.T,
        lambda a: a[::-1],
        lambda a: a[:, ::-2],
        lambda a: a[1:, 1:3],
        lambda a: np.asfortranarray(a),
        lambda a: a[None, :, 1],
        lambda a: np.broadcast_to(a[:1], (3, 4)),
    ],
    ids=["contiguous", "T", "reversed", "neg-step", "slice", "fortran", "newaxis", "broadcast"],
)
def test_non_contiguous_inputs(view):
    """Strided, negative-stride, Fortran-order and 0-stride inputs give NumPy's answers."""
    f = np_compile(lambda x: (x * 2 + 1, x.sum(axis=0), x[::-1]))
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    v = view(a)
    assert_same(f(v), f.__wrapped__(v))
    assert_same(f(v), f.__wrapped__(v))
    np.testing.assert_array_equal(a, np.arange(12, dtype=np.float64).reshape(3, 4))


def test_numpy_scalar_arguments():
    f = np_compile(lambda x, s: (x * s, s * 2, s + 1.5, np.sin(s)))
    x = np.arange(3, dtype=np.float32)
    for s in [np.float32(2.0), np.float64(2.0), np.int32(3), np.int64(-3), np.bool_(True)]:
        check(f.__wrapped__, x, s, cfn=f)
    # the value of a NumPy scalar is not part of the key
    check(f.__wrapped__, x, np.float32(5.0), cfn=f)
    assert info(f)["traces"] == 5


def test_zero_d_array_arguments():
    f = np_compile(lambda x, s: (x * s, s * 2, s[()], s[...], s.sum(), s + s))
    check(f.__wrapped__, np.arange(3.0), np.array(2.0), cfn=f)
    check(f.__wrapped__, np.arange(3, dtype=np.int32), np.array(2, np.int32), cfn=f)


def test_returns_containers_and_constants():
    @np_compile
    def f(x):
        return {"double": x * 2, "pair": (x.sum(), [x.max(), "label"]), "n": 3, "none": None, "pi": 3.14}

    x = np.arange(4.0)
    out = f(x)
    assert list(out) == ["double", "pair", "n", "none", "pi"]
    assert_same(out, f.__wrapped__(x))
    assert_same(f(x), f.__wrapped__(x))


def test_returns_the_same_array_twice():
    f = np_compile(lambda x: (x + 1, x + 1, x))
    x = np.arange(3.0)
    out = f(x)
    assert_same(out, f.__wrapped__(x))
    out[0][0] = 99  # two outputs are two arrays
    assert out[1][0] == 1


def test_captured_arrays_are_read_at_every_call():
    w = np.ones(3)
    f = np_compile(lambda x: x * w)
    x = np.arange(3.0)
    assert_same(f(x), x * w)
    w[:] = 5.0  # mutate in place: the compiled function sees it, like NumPy
    assert_same(f(x), x * w)
    assert info(f)["traces"] == 1


def test_cache_clear():
    f = np_compile(lambda x: x + 1)
    x = np.ones(3)
    f(x)
    f.cache_clear()
    assert info(f)["entries"] == 0
    assert_same(f(x), x + 1)
    assert info(f)["traces"] == 2


# ---- graph breaks --------------------------------------------------------


def branchy(x):
    if x.sum() > 0:  # a data-dependent branch: a graph break
        return x * 2
    return -x


BRANCH_LINE = branchy.__code__.co_firstlineno + 1


@pytest.mark.allow_fallback
def test_graph_break_falls_back_with_a_warning_naming_the_line():
    f = np_compile(branchy)
    x = np.arange(3.0)
    with pytest.warns(npcompile.NpCompileWarning) as record:
        out = f(x)
    assert len(record) == 1
    w = record[0]
    assert f":{BRANCH_LINE}" in str(w.message), str(w.message)
    assert w.lineno == BRANCH_LINE and w.filename == __file__
    assert_same(out, branchy(x))
    # the fallback is cached: no second warning, NumPy's answers every time
    with warnings.catch_warnings():
        warnings.simplefilter("error", npcompile.NpCompileWarning)
        assert_same(f(-x), branchy(-x))
    d = info(f)
    assert d["fallbacks"] == 1 and d["traces"] == 1 and d["hits"] == 1


def test_graph_break_with_fullgraph_raises():
    f = np_compile(fullgraph=True)(branchy)
    with pytest.raises(npcompile.GraphBreakError, match=f":{BRANCH_LINE}"):
        f(np.arange(3.0))
    assert issubclass(npcompile.GraphBreakError, RuntimeError)


@pytest.mark.allow_fallback
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.unique(x),
        lambda x: float(x.sum()) + x,
        lambda x: x[x > 0],
        lambda x: x.tolist(),
    ],
    ids=["unsupported function", "float()", "boolean index", "tolist"],
)
def test_other_graph_breaks_fall_back_to_numpy(fn):
    x = np.array([-1.0, 2.0, 3.0])
    with pytest.warns(npcompile.NpCompileWarning):
        out = np_compile(fn)(x)
    expected = fn(x)
    if isinstance(expected, list):
        assert out == expected
    else:
        assert_same(out, expected)


def test_in_place_update_writes_back_into_the_callers_array():
    def f(x):
        x += 1
        return x

    x = np.arange(3.0)
    ptr = x.ctypes.data
    out = np_compile(f, fullgraph=True)(x)
    assert_same(x, np.arange(3.0) + 1)
    assert x.ctypes.data == ptr  # in place: the same memory
    assert_same(out, np.arange(3.0) + 1)


@pytest.mark.allow_fallback
def test_twenty_shapes_keep_eight_plans_and_warn_once():
    def f(x):
        return np.sin(x) * 2 + x.sum()

    cf = np_compile(f)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", npcompile.NpCompileWarning)
        for n in range(1, 21):
            x = np.linspace(-1, 1, n)
            assert_same(cf(x), f(x))
    ours = [w for w in record if issubclass(w.category, npcompile.NpCompileWarning)]
    assert len(ours) == 1 and "cache_limit" in str(ours[0].message)
    assert ours[0].filename == __file__  # points at the caller's line
    d = info(cf)
    assert d["entries"] == 8 and d["traces"] == 8 and d["fallbacks"] == 12


def test_cache_limit_is_configurable_per_function_and_globally():
    cf = np_compile(cache_limit=2)(lambda x: x + 1)
    assert info(cf)["cache_limit"] == 2
    old = npcompile.config.cache_limit
    npcompile.config.cache_limit = 3
    try:
        assert info(np_compile(lambda x: x))["cache_limit"] == 3
    finally:
        npcompile.config.cache_limit = old
    with pytest.raises(npcompile.GraphBreakError, match="cache_limit"):
        g = np_compile(fullgraph=True, cache_limit=1)(lambda x: x + 1)
        g(np.ones(1))
        g(np.ones(2))
