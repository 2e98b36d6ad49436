"""Random programs shaped for the native executor's regions: elementwise
chains over shifted windows of matrices (stencils), columns, rows and
scalars, ending in a returned value, a store into a new array or into an
argument (`=` and `+=`), and reductions of the chain. Sizes are large enough
for regions (at least 4096 elements) and some for their threads (2^18).
Each program is checked against NumPy under the executor's automatic
choice and with it forced on and off."""

from __future__ import annotations

import linecache

import numpy as np
import pytest

from conftest import assert_matches

def program(seed: int):
    """A random region-shaped program: (source, arguments)."""
    rng = np.random.default_rng(seed)
    dtype = rng.choice(["float64", "float32", "int64"])
    big = rng.random() < 0.25
    rows, cols = (int(rng.integers(520, 600)), int(rng.integers(500, 560))) if big else (
        int(rng.integers(70, 140)), int(rng.integers(70, 140)))
    integer = dtype == "int64"

    def window():
        # A (rows-2, cols-2) window of `a` or `b` shifted by up to one.
        arr = rng.choice(["a", "b"])
        i, j = rng.integers(0, 3, size=2)
        return f"{arr}[{i}:{rows - 2 + i}, {j}:{cols - 2 + j}]"

    def leaf():
        r = rng.random()
        if r < 0.6:
            return window()
        if r < 0.7:
            return "col[1:-1]"
        if r < 0.8:
            return "row"
        return str(int(rng.integers(1, 4))) if integer else f"{rng.uniform(0.1, 2.0):.3f}"

    expr = leaf()
    for _ in range(int(rng.integers(2, 7))):
        ops = ["+", "-", "*"] + ([] if integer else ["/"])
        r = rng.random()
        if r < 0.7:
            expr = f"({expr} {rng.choice(ops)} {leaf()})"
        elif r < 0.8:
            expr = f"np.{rng.choice(['maximum', 'minimum'])}({expr}, {leaf()})"
        elif r < 0.9:
            expr = f"np.abs({expr})" if integer else f"np.sqrt(np.abs({expr}))"
        else:
            expr = f"np.where({leaf()} > {leaf()}, {expr}, {leaf()})"
    ending = rng.choice(["return", "new", "store", "add"])
    body = [f"v = {expr}"]
    if ending == "new":
        body += ["out = a.copy()", "out[1:-1, 1:-1] = v", "res = out"]
    elif ending == "store":
        body += ["a[1:-1, 1:-1] = v", "res = a"]
    elif ending == "add":
        body += ["a[1:-1, 1:-1] += v", "res = a"]
    else:
        body += ["res = v"]
    reductions = ["np.abs(v).max()", "v.min()", "(v > 0).sum()", "(v != 0).all()", "(v < 0).any()"]
    body.append("return res, " + ", ".join(rng.choice(reductions, size=2, replace=False)))
    src = "def f(a, b, col, row):\n" + "".join(f"    {line}\n" for line in body)

    def arr(shape):
        if integer:
            return rng.integers(-50, 50, size=shape)
        return rng.standard_normal(shape).astype(dtype)

    args = (arr((rows, cols)), arr((rows, cols)), arr((rows, 1)), arr(cols - 2))
    return src, args


def compiled(src: str, seed: int):
    name = f"<regions-random-{seed}>"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    ns = {"np": np}
    exec(compile(src, name, "exec"), ns)
    return ns["f"]


@pytest.mark.parametrize("seed", range(24))
def test_random_region_programs(mode, seed):
    src, args = program(seed)
    f = compiled(src, seed)
    with np.errstate(all="ignore"):
        assert_matches(f, lambda: tuple(a.copy() for a in args), must_compile=True)
