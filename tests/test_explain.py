"""`explain`: the traced graph, the graph after each pass, and the plan."""

from __future__ import annotations

import re

import numpy as np
import pytest

import npcompile
from npcompile import np_compile


@np_compile
def sin_mul_add(x, y):
    return np.sin(x) * y + 1.0


ARGS = (np.ones((3, 4)), np.arange(4.0))


def sections(text):
    """The dump's sections by header: {'traced': body, 'after promote': body, ...}."""
    parts = re.split(r"^== (.+?) ==$", text, flags=re.M)
    return {re.sub(r" \(.*\)$", "", head): body for head, body in zip(parts[1::2], parts[2::2])}


def without_cache_line(text):
    return re.sub(r"== cache ==\n.*", "", text, flags=re.S)


def test_explain_has_every_stage():
    text = sin_mul_add.explain(*ARGS)
    for header in ("== traced ==", "after dce", "after promote", "after fuse", "== plan", "== cache =="):
        assert header in text, f"{header!r} missing from:\n{text}"
    s = sections(text)
    headers = re.findall(r"^== (\w+(?: \w+)?)", text, flags=re.M)
    assert headers == ["traced", "after dce", "after promote", "after normalize", "after fuse", "after dce", "plan", "cache"], headers
    # the header line names inputs with types, and the pipeline says how egg stopped
    assert "graph sin_mul_add(%x: f64[3,4], %y: f64[4]) -> (f64[3,4])" in s["traced"]
    assert re.search(r"== after promote \(stopped: \w+", text)


def test_explain_traced_graph():
    traced = sections(sin_mul_add.explain(*ARGS))["traced"]
    assert "sin %x" in traced
    assert "multiply" in traced
    assert "1.0:float" in traced  # a weak Python float before promotion


def test_explain_fuses_addcmul():
    s = sections(sin_mul_add.explain(*ARGS))
    assert "addcmul" not in s["traced"]
    fused = s["after fuse"]
    assert "addcmul" in fused, fused
    assert "multiply" not in fused and " add " not in fused
    assert "1.0:f64" in s["after promote"]  # promoted to a typed literal
    assert "AddCMul" in s["plan"]


def test_explain_shows_promotion_casts():
    f = np_compile(lambda x, y: x + y)
    s = sections(f.explain(np.ones(3, np.int32), np.ones(3, np.float32)))
    assert "cast[to=f64]" in s["after promote"]
    assert "-> (f64[3])" in s["traced"]


def test_explain_is_deterministic():
    a = sin_mul_add.explain(*ARGS)
    b = sin_mul_add.explain(*ARGS)
    assert without_cache_line(a) == without_cache_line(b)
    c = np_compile(sin_mul_add.__wrapped__).explain(*ARGS)
    assert without_cache_line(a) == without_cache_line(c)


def test_explain_does_not_run_or_count_as_a_call():
    f = np_compile(lambda x: x * 2)
    f.explain(np.ones(3))
    d = f.cache_info()
    assert d["hits"] == 0 and d["entries"] == 0


def test_explain_module_function():
    text = npcompile.explain(sin_mul_add.__wrapped__, *ARGS)
    assert "addcmul" in sections(text)["after fuse"]


@pytest.mark.allow_fallback
def test_explain_of_a_graph_break():
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    with pytest.warns(npcompile.NpCompileWarning):
        text = np_compile(f).explain(np.ones(3))
    assert "graph break" in text


def test_explain_raises_numpy_errors():
    f = np_compile(lambda x, y: x + y)
    with pytest.raises(ValueError):
        f.explain(np.ones(3), np.ones(4))


def test_explain_lists_write_backs():
    def step(a, b):
        b[1:-1] = 0.5 * (a[:-2] + a[2:])
        a += b

    text = np_compile(step).explain(np.ones(6), np.zeros(6))
    assert "== write-back (after the plan has run) ==" in text
    assert "%a <- output" in text and "%b <- output" in text
    assert "slice_scatter[starts=(1,),lens=(4,),steps=(1,)] %b" in text
