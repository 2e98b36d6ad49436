"""The benchmark suite: plain NumPy programs, compiled with ``np_compile`` and timed
against NumPy itself.

``python -m npcompile bench`` (or ``make bench``) runs the suite: 25 programs in
four kinds, each at a "small" and a "large" size --

``elementwise``   elementwise chains and stencils on large arrays (heat and Jacobi
                  stencil steps, a long ufunc chain, softmax, GELU, row
                  normalization, where/clip);
``blas``          matrix products with a little elementwise work around them (GEMM,
                  chained products, a two-layer MLP, a blocked covariance, a dense
                  layer, attention);
``small_ops``     many small array ops: time-stepped stencils on small grids, row
                  sweeps, batched tridiagonal solves, RK4 steps;
``scalar_loops``  element reads and writes in Python loops (LU, Cholesky, a
                  triangular solve, Gauss-Seidel, edit distance, a recurrence).

For every program and size it checks the compiled result (and the arguments the
program writes into) against NumPy once, times the first call (trace + compile +
run on a fresh ``np_compile`` object), then times NumPy and the compiled function
``--repeats`` times each, interleaved (NumPy's call, then the compiled one) unless
``--apart``; it prints a table per kind with the geometric-mean ratio
``numpy/compiled`` (> 1: compiled is faster) and writes JSON and a PNG plot. See
benches/README.md.

Three more measurements go into the text output and the JSON:

``call_path``     a cache hit of ``a * b + a`` on two 4-element float64 arrays,
                  compiled against NumPy: median and min per-call time over 20
                  batches (``measure_call_path``; bar: compiled <= 2 us);
``fused_chain``   ``a * b + c - 0.5 * d`` on four 4M float64 vectors: compiled, NumPy
                  and ``np.copyto`` of one vector (issue 13's copy floor), with the
                  plan's regions (``measure_fused_chain``; with the large chain).
``large_chain``   a 1e7-element elementwise chain, compiled: 20 calls after the
                  first, timed, with their minor page faults (``measure_large_chain``;
                  bars: max/min <= 1.3, no page faults after the first call);
``interference``  with ``--interference``, every row's compiled calls timed both
                  interleaved with NumPy's and alone, and ``interleaved/alone`` per
                  row and the worst (bar: <= 1.15 for every row).

``python -m npcompile demo`` runs a few of the older, single-expression cases
(``CASES``) once, checks them against NumPy and prints a table.

The programs are written as a scientist writes NumPy, within what npcompile
compiles today: no ``np.linalg``, no boolean-mask reads, no ``np.roll``.
"""

from __future__ import annotations

import datetime
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

# --------------------------------------------------------------------------------------
# The programs. Module-level functions, so the tracer can name their source lines.
# --------------------------------------------------------------------------------------

# ---- elementwise: chains and stencils on large arrays (and the demo's cases) --------


def fused_multiply_add(a, b, c):
    """``a * b + c`` with ``c`` broadcast over rows: one fused ``addcmul``."""
    return a * b + c


def normalize_rows(x):
    """Zero-mean, unit-variance rows (variance spelled out: no ``np.var``)."""
    d = x - x.mean(axis=1, keepdims=True)
    var = (d * d).mean(axis=1, keepdims=True)
    return d / np.sqrt(var + 1e-5)


def softmax_rows(x):
    """Numerically stable softmax over the last axis."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gelu_tanh(x):
    """The tanh approximation of GELU: a long elementwise chain."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


def dense_relu(x, w, b):
    """One dense layer with a ReLU: ``max(x @ w + b, 0)``."""
    return np.maximum(x @ w + b, 0.0)


def clipped_select(x, y):
    """``where`` over a comparison, with ``clip`` and a broadcast row."""
    return np.where(x > 0.0, np.clip(x, -1.0, 1.0), y * 0.5)


def mixed_dtype_poly(x, k):
    """int32 times float32 is float64 in NumPy: the promote pass inserts the casts."""
    return (x * k + 3) / 2


def heat2d_step(u, alpha=0.1):
    """One explicit step of the 2-D heat equation: a 5-point stencil on slices."""
    un = u.copy()
    un[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (
        u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1]
    )
    return un


def jacobi_step(u, f, h2):
    """One Jacobi iteration for the Poisson equation, and the largest change."""
    v = u.copy()
    v[1:-1, 1:-1] = 0.25 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - h2 * f[1:-1, 1:-1])
    change = np.abs(v - u).max()
    return v, change


def long_chain(x, y):
    """A dozen elementwise ops and ufuncs on two vectors."""
    z = x * y + 1.0
    z = z * z - 0.5 * x
    z = np.sqrt(np.abs(z) + 1.0)
    z = np.exp(-z) * np.sin(x) + np.cos(y) / (1.0 + x * x)
    return np.tanh(z) * 2.0 - y


# ---- blas: matrix products with a little elementwise work ----------------------------


def gemm(alpha, A, B, beta, C):
    """BLAS's GEMM: ``alpha * A @ B + beta * C``."""
    return alpha * A @ B + beta * C


def chained_products(A, B, C, x):
    """Two products of square matrices, and one with a thin block of vectors."""
    return (A @ B) @ (C @ x)


def mlp2(x, W1, b1, W2, b2):
    """A two-layer perceptron: tanh, then ReLU."""
    h = np.tanh(x @ W1 + b1)
    return np.maximum(h @ W2 + b2, 0.0)


def covariance_blocks(X, block):
    """The covariance of X's columns, accumulated over blocks of rows in a Python loop."""
    n, m = X.shape
    mean = X.mean(axis=0)
    cov = np.zeros((m, m))
    for k in range(0, n, block):
        Xk = X[k:k + block] - mean
        cov += Xk.T @ Xk
    return cov / (n - 1)


def attention(Q, K, V):
    """Scaled dot-product attention: ``softmax(Q @ K.T / sqrt(d)) @ V``."""
    s = Q @ K.T / np.sqrt(Q.shape[1])
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    return p @ V


# ---- small_ops: many small array ops ---------------------------------------------------


def heat1d_steps(u, r, steps):
    """The 1-D heat equation stepped in a Python loop, in place (ends held fixed)."""
    for _ in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return u


def adi_sweep(u, r):
    """An ADI-like smoothing sweep in place: row by row, then column by column."""
    n = u.shape[0]
    for i in range(1, n - 1):
        u[i, 1:-1] = u[i, 1:-1] + r * (u[i - 1, 1:-1] - 2.0 * u[i, 1:-1] + u[i + 1, 1:-1])
    for j in range(1, n - 1):
        u[1:-1, j] = u[1:-1, j] + r * (u[1:-1, j - 1] - 2.0 * u[1:-1, j] + u[1:-1, j + 1])
    return u


def row_recurrence(x, b, a):
    """A first-order linear recurrence down the rows, in place: ``x[i] = a*x[i-1] + b[i]``."""
    for i in range(1, x.shape[0]):
        x[i] = a * x[i - 1] + b[i]
    return x


def thomas_batched(a, b, c, d):
    """The Thomas algorithm for many tridiagonal systems at once, one per column.
    The forward sweep overwrites b and d; then back substitution."""
    n = d.shape[0]
    for i in range(1, n):
        w = a[i] / b[i - 1]
        b[i] = b[i] - w * c[i - 1]
        d[i] = d[i] - w * d[i - 1]
    x = np.zeros_like(d)
    x[n - 1] = d[n - 1] / b[n - 1]
    for i in range(n - 2, -1, -1):
        x[i] = (d[i] - c[i] * x[i + 1]) / b[i]
    return x


def wave2d_steps(u, u_prev, c2, steps):
    """The 2-D wave equation, leapfrog in time, on a small grid."""
    for _ in range(steps):
        u_next = 2.0 * u - u_prev
        u_next[1:-1, 1:-1] += c2 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1])
        u_prev, u = u, u_next
    return u


def lorenz96(x, forcing=8.0):
    """The Lorenz-96 right-hand side (the cyclic shifts spelled with concatenate)."""
    x_next = np.concatenate((x[1:], x[:1]))
    x_prev = np.concatenate((x[-1:], x[:-1]))
    x_prev2 = np.concatenate((x[-2:], x[:-2]))
    return (x_next - x_prev2) * x_prev - x + forcing


def rk4_lorenz96(x, dt, steps):
    """Classic fourth-order Runge-Kutta steps of the Lorenz-96 system."""
    for _ in range(steps):
        k1 = lorenz96(x)
        k2 = lorenz96(x + 0.5 * dt * k1)
        k3 = lorenz96(x + 0.5 * dt * k2)
        k4 = lorenz96(x + dt * k3)
        x = x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return x


# ---- scalar_loops: element writes in Python loops --------------------------------------


def lu_doolittle(A):
    """LU decomposition without pivoting, in place: L's multipliers below the diagonal."""
    n = A.shape[0]
    for k in range(n - 1):
        for i in range(k + 1, n):
            A[i, k] = A[i, k] / A[k, k]
            A[i, k + 1:] -= A[i, k] * A[k, k + 1:]
    return A


def cholesky(A):
    """The Cholesky-Banachiewicz factor, one element at a time."""
    n = A.shape[0]
    L = np.zeros_like(A)
    for i in range(n):
        for j in range(i + 1):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            if i == j:
                L[i, j] = np.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
    return L


def forward_substitution(L, b):
    """Solve ``L x = b`` for lower-triangular L, element by element."""
    n = b.shape[0]
    x = np.zeros_like(b)
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= L[i, j] * x[j]
        x[i] = s / L[i, i]
    return x


def gauss_seidel(A, sweeps):
    """Gauss-Seidel sweeps for Laplace's equation, in place, one element at a time."""
    n = A.shape[0]
    for _ in range(sweeps):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                A[i, j] = (A[i - 1, j] + A[i + 1, j] + A[i, j - 1] + A[i, j + 1]) / 4
    return A


def edit_distance(a, b):
    """Levenshtein distance between two int sequences: a dynamic program over a table."""
    n, m = a.shape[0], b.shape[0]
    D = np.zeros((n + 1, m + 1), dtype=np.int64)
    for i in range(n + 1):
        D[i, 0] = i
    for j in range(m + 1):
        D[0, j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = a[i - 1] != b[j - 1]
            D[i, j] = np.minimum(np.minimum(D[i - 1, j] + 1, D[i, j - 1] + 1), D[i - 1, j - 1] + cost)
    return D[n, m]


def ema(x, alpha):
    """An exponential moving average, one element at a time."""
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, x.shape[0]):
        y[i] = alpha * x[i] + (1.0 - alpha) * y[i - 1]
    return y


# --------------------------------------------------------------------------------------
# Inputs: the demo's cases take about n elements; the suite's programs take one
# parameter per size (a side, a length, or a tuple of them).
# --------------------------------------------------------------------------------------


def _grid(n: int) -> tuple[int, int]:
    """A (rows, cols) shape of about n elements: square-ish, at most 1024 wide."""
    cols = min(1024, max(8, math.isqrt(max(n, 1))))
    return max(1, n // cols), cols


def _args_fma(n, rng):
    r, c = _grid(n)
    return rng.standard_normal((r, c)), rng.standard_normal((r, c)), rng.standard_normal(c)


def _args_matrix(n, rng):
    return (rng.standard_normal(_grid(n)),)


def _args_vector(n, rng):
    return (rng.standard_normal(max(1, n)),)


def _args_dense(n, rng):
    k = 128
    return (
        rng.standard_normal((max(1, n // k), k)),
        rng.standard_normal((k, k)) / math.sqrt(k),
        rng.standard_normal(k),
    )


def _args_select(n, rng):
    r, c = _grid(n)
    return rng.standard_normal((r, c)), rng.standard_normal(c)


def _args_mixed(n, rng):
    n = max(1, n)
    return rng.integers(-1000, 1000, n, dtype=np.int32), rng.standard_normal(n).astype(np.float32)


def _args_heat2d(n, rng):
    return (rng.random((n, n)),)


def _args_jacobi(n, rng):
    return rng.random((n, n)), rng.standard_normal((n, n)), 1.0 / (n - 1) ** 2


def _args_chain(n, rng):
    return rng.standard_normal(n), rng.standard_normal(n)


def _args_gemm(n, rng):
    s = 1.0 / math.sqrt(n)
    return 1.5, rng.standard_normal((n, n)) * s, rng.standard_normal((n, n)), 0.5, rng.standard_normal((n, n))


def _args_chained(n, rng):
    s = 1.0 / math.sqrt(n)
    return (rng.standard_normal((n, n)) * s, rng.standard_normal((n, n)) * s, rng.standard_normal((n, n)) * s,
            rng.standard_normal((n, 16)))


def _args_mlp(batch, rng):
    d_in, hidden, d_out = 256, 512, 128
    return (rng.standard_normal((batch, d_in)), rng.standard_normal((d_in, hidden)) / math.sqrt(d_in),
            rng.standard_normal(hidden), rng.standard_normal((hidden, d_out)) / math.sqrt(hidden),
            rng.standard_normal(d_out))


def _args_covariance(p, rng):
    rows, block = p
    return rng.standard_normal((rows, 64)) + np.arange(64.0), block


def _args_attention(p, rng):
    tokens, d = p
    return tuple(rng.standard_normal((tokens, d)) for _ in range(3))


def _args_heat1d(p, rng):
    points, steps = p
    return rng.random(points), 0.25, steps


def _args_adi(n, rng):
    return rng.random((n, n)), 0.2


def _args_rows(p, rng):
    return rng.standard_normal(p), rng.standard_normal(p), 0.9


def _args_thomas(p, rng):
    return (rng.uniform(-1, 1, p), 4.0 + rng.random(p), rng.uniform(-1, 1, p), rng.standard_normal(p))


def _args_wave(p, rng):
    n, steps = p
    t = np.linspace(-1.0, 1.0, n)
    u = np.exp(-20.0 * (t[:, None] ** 2 + t[None, :] ** 2)) * (1.0 + 0.01 * rng.random((n, n)))
    u[0], u[-1], u[:, 0], u[:, -1] = 0.0, 0.0, 0.0, 0.0
    return u, u.copy(), 0.2, steps


def _args_lorenz(p, rng):
    n, steps = p
    return 8.0 + 0.01 * rng.standard_normal(n), 0.01, steps


def _args_lu(n, rng):
    return (rng.standard_normal((n, n)) + n * np.eye(n),)


def _args_spd(n, rng):
    m = rng.standard_normal((n, n))
    return (m @ m.T + n * np.eye(n),)


def _args_lower(n, rng):
    return np.tril(rng.standard_normal((n, n))) + n * np.eye(n), rng.standard_normal(n)


def _args_gauss_seidel(p, rng):
    n, sweeps = p
    return rng.random((n, n)), sweeps


def _args_edit(n, rng):
    return rng.integers(0, 4, n), rng.integers(0, 4, n)


def _args_ema(n, rng):
    return rng.standard_normal(n), 0.1


# --------------------------------------------------------------------------------------
# The demo's cases (single expressions at about n elements) and the suite's programs.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]
    make_args: Callable[[int, np.random.Generator], tuple]
    rtol: float = 1e-7
    atol: float = 1e-9


SUITE: list[Case] = [
    Case("fused_multiply_add", fused_multiply_add, _args_fma),
    Case("normalize_rows", normalize_rows, _args_matrix),
    Case("softmax_rows", softmax_rows, _args_matrix),
    Case("gelu_tanh", gelu_tanh, _args_vector),
    Case("dense_relu", dense_relu, _args_dense),
    Case("clipped_select", clipped_select, _args_select),
    Case("mixed_dtype_poly", mixed_dtype_poly, _args_mixed),
]

CASES: dict[str, Case] = {c.name: c for c in SUITE}

#: The cases ``python -m npcompile demo`` runs.
DEMO_CASES = ["fused_multiply_add", "normalize_rows", "softmax_rows", "mixed_dtype_poly"]

#: The suite's kinds of program, in the order they run and print.
KINDS = ("elementwise", "blas", "small_ops", "scalar_loops")

#: The size labels every program has.
SIZES = ("small", "large")


@dataclass(frozen=True)
class Program:
    """One program of the suite: ``make_args(sizes[label], rng)`` gives its inputs.

    ``mutates`` marks a program that writes into its arguments: every call, NumPy's
    and the compiled one, then gets fresh copies (made outside the timed region)."""

    name: str
    kind: str
    fn: Callable[..., Any]
    make_args: Callable[[Any, np.random.Generator], tuple]
    sizes: dict[str, Any]
    mutates: bool = False
    rtol: float = 1e-7
    atol: float = 1e-9

    def args(self, size: str, seed: int = 0) -> tuple:
        return self.make_args(self.sizes[size], np.random.default_rng(seed))


def _p(name, kind, make_args, small, large, **kw) -> Program:
    return Program(name, kind, globals()[name], make_args, {"small": small, "large": large}, **kw)


# Sizes: NumPy takes roughly 10 us to 50 ms a call; the scalar loops stay small,
# since the tracer unrolls every iteration (their large first call is a few seconds).
PROGRAMS: list[Program] = [
    # elementwise: sizes are grid sides or element counts
    _p("heat2d_step", "elementwise", _args_heat2d, 64, 1024),
    _p("jacobi_step", "elementwise", _args_jacobi, 64, 1024),
    _p("long_chain", "elementwise", _args_chain, 4096, 500_000),
    _p("softmax_rows", "elementwise", _args_matrix, 4096, 1 << 20),
    _p("gelu_tanh", "elementwise", _args_vector, 4096, 1 << 18),
    _p("normalize_rows", "elementwise", _args_matrix, 4096, 1 << 20),
    _p("clipped_select", "elementwise", _args_select, 4096, 1 << 20),
    # blas
    _p("gemm", "blas", _args_gemm, 64, 512),
    _p("chained_products", "blas", _args_chained, 64, 512),
    _p("mlp2", "blas", _args_mlp, 16, 1024),  # batch rows; 256 -> 512 -> 128
    _p("covariance_blocks", "blas", _args_covariance, (256, 64), (8192, 512)),  # (rows, block) of a (rows, 64) X
    _p("dense_relu", "blas", _args_dense, 4096, 1 << 20),  # elements of x, 128 wide
    _p("attention", "blas", _args_attention, (64, 32), (1024, 64)),  # (tokens, d)
    # small_ops
    _p("heat1d_steps", "small_ops", _args_heat1d, (64, 50), (512, 200), mutates=True),  # (points, steps)
    _p("adi_sweep", "small_ops", _args_adi, 32, 128, mutates=True),
    _p("row_recurrence", "small_ops", _args_rows, (64, 32), (512, 128), mutates=True),
    _p("thomas_batched", "small_ops", _args_thomas, (64, 8), (512, 64), mutates=True),  # (n, systems)
    _p("wave2d_steps", "small_ops", _args_wave, (32, 20), (128, 50)),  # (side, steps)
    _p("rk4_lorenz96", "small_ops", _args_lorenz, (40, 10), (1000, 50)),  # (variables, steps)
    # scalar_loops
    _p("lu_doolittle", "scalar_loops", _args_lu, 16, 40, mutates=True),
    _p("cholesky", "scalar_loops", _args_spd, 16, 40),
    _p("forward_substitution", "scalar_loops", _args_lower, 16, 64),
    _p("gauss_seidel", "scalar_loops", _args_gauss_seidel, (16, 2), (40, 2), mutates=True),  # (side, sweeps)
    _p("edit_distance", "scalar_loops", _args_edit, 16, 40),
    _p("ema", "scalar_loops", _args_ema, 64, 1024),
]

PROGRAMS_BY_NAME: dict[str, Program] = {p.name: p for p in PROGRAMS}


def select(kinds: Sequence[str] | None = None, names: Sequence[str] | None = None) -> list[Program]:
    """The suite's programs of `kinds` (all where None) named in `names` (all where None),
    in the suite's order."""
    for k in kinds or ():
        if k not in KINDS:
            raise ValueError(f"unknown kind {k!r}; the kinds are {', '.join(KINDS)}")
    for n in names or ():
        if n not in PROGRAMS_BY_NAME:
            raise ValueError(f"unknown program {n!r}; see `python -m npcompile bench --list`")
    return [p for p in PROGRAMS if (not kinds or p.kind in kinds) and (not names or p.name in names)]


# --------------------------------------------------------------------------------------
# Measuring.
# --------------------------------------------------------------------------------------


def _noop() -> None:
    pass


def time_call(call: Callable[[], Any], repeats: int = 5, min_time: float = 2e-3, sync: Callable[[], None] = _noop) -> float:
    """Seconds per call: warm up once, batch calls until a batch takes ``min_time``,
    then the best batch mean over ``repeats`` batches."""
    call()
    sync()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        sync()
        dt = time.perf_counter() - t0
        if dt >= min_time or number >= 1 << 16:
            break
        number = min(1 << 16, max(number * 2, int(number * min_time / max(dt, 1e-9) * 1.2)))
    best = dt / number
    for _ in range(max(0, repeats - 1)):
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        sync()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def fmt_time(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_shapes(args: Sequence[Any]) -> str:
    parts = []
    for a in args:
        shape = tuple(getattr(a, "shape", ()))
        dtype = str(getattr(a, "dtype", type(a).__name__)).replace("torch.", "")
        parts.append(f"{dtype}{list(shape)}".replace(" ", ""))
    return " ".join(parts)


def numel(args: Sequence[Any]) -> int:
    """Elements of the first (data) input: the size a case is run at."""
    return int(np.prod(getattr(args[0], "shape", ()))) if args else 0


def compile_warning_class():
    """npcompile's fallback warning class, or None where the package lacks it."""
    import npcompile

    return getattr(npcompile, "NpCompileWarning", None)


def is_fallback_warning(w: warnings.WarningMessage) -> bool:
    cls = compile_warning_class()
    if cls is not None:
        return issubclass(w.category, cls)
    return w.category.__name__ == "NpCompileWarning"


def to_numpy(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x)
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        return x.detach().cpu().numpy()
    return x


def compare(got: Any, expected: Any, rtol: float = 1e-7, atol: float = 1e-9, path: str = "result") -> str | None:
    """None where ``got`` is NumPy's ``expected`` (structure, ndarray or NumPy scalar,
    dtype, shape, values within rtol/atol for floats, exact otherwise), else why not."""
    got = to_numpy(got)
    if isinstance(expected, (tuple, list)):
        if type(got) is not type(expected) or len(got) != len(expected):
            return f"{path}: got {type(got).__name__}, NumPy gives a {type(expected).__name__} of {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            why = compare(g, e, rtol, atol, f"{path}[{i}]")
            if why:
                return why
        return None
    if isinstance(expected, np.ndarray) and not isinstance(got, np.ndarray):
        return f"{path}: got {type(got).__name__}, NumPy gives an ndarray"
    if isinstance(expected, np.generic) and not isinstance(got, np.generic):
        return f"{path}: got {type(got).__name__}, NumPy gives a NumPy scalar"
    g, e = np.asarray(got), np.asarray(expected)
    if g.dtype != e.dtype:
        return f"{path}: dtype {g.dtype}, NumPy gives {e.dtype}"
    if g.shape != e.shape:
        return f"{path}: shape {g.shape}, NumPy gives {e.shape}"
    try:
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, e)
    except AssertionError as err:
        lines = [ln.strip() for ln in str(err).strip().splitlines() if ln.strip()]
        detail = "; ".join(ln for ln in lines if ln.startswith(("Mismatched", "Max abs", "Max rel"))) or "values differ"
        return f"{path}: {detail}"
    return None


def check(case: Case | Program, got: Any, expected: Any) -> str | None:
    """None where ``got`` matches NumPy's result (values, dtype, shape), else why not."""
    return compare(got, expected, case.rtol, case.atol)


def first_call(case: Case, args: tuple, sync: Callable[[], None] = _noop):
    """Compile ``case.fn`` afresh and call it once: (object, result, seconds, fallback reasons)."""
    from npcompile import np_compile

    compiled = np_compile(case.fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        result = compiled(*args)
        sync()
        dt = time.perf_counter() - t0
    reasons = [str(w.message) for w in caught if is_fallback_warning(w)]
    for w in caught:
        if not is_fallback_warning(w):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return compiled, result, dt, reasons


def warm_library() -> None:
    """Compile and run a throwaway program, so that one-time start-up (loading
    libtorch, its thread pools) is not charged to the first case's first call."""
    from npcompile import np_compile

    def _warm(x, y):
        return x * y + 1.0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np_compile(_warm)(np.ones(4), np.ones(4))


@dataclass
class Row:
    name: str
    n: int
    shapes: str
    numpy_s: float
    compiled_s: float
    first_call_s: float | None = None
    torch_s: float | None = None
    error: str | None = None
    fallback: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.numpy_s / self.compiled_s if self.compiled_s > 0 else float("nan")

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "elements": self.n,
            "inputs": self.shapes,
            "numpy_s": self.numpy_s,
            "compiled_s": self.compiled_s,
            "speedup_vs_numpy": self.ratio,
            "first_call_s": self.first_call_s,
            "torch_eager_s": self.torch_s,
            "correct": self.error is None,
            "error": self.error,
            "fallback": self.fallback,
        }


def print_table(rows: Sequence[Row], *, show_first: bool = False, torch_col: bool = False, file=None) -> None:
    file = file or sys.stdout
    head = ["function", "elements", "inputs", "numpy", "compiled", "numpy/compiled"]
    if show_first:
        head.append("first call")
    if torch_col:
        head += ["torch eager", "torch/compiled"]
    head.append("status")
    body = []
    for r in rows:
        line = [r.name, f"{r.n:,}", r.shapes, fmt_time(r.numpy_s), fmt_time(r.compiled_s), f"{r.ratio:.2f}x"]
        if show_first:
            line.append(fmt_time(r.first_call_s))
        if torch_col:
            line.append(fmt_time(r.torch_s))
            line.append(f"{r.torch_s / r.compiled_s:.2f}x" if r.torch_s and r.compiled_s > 0 else "-")
        line.append("MISMATCH" if r.error else ("fallback" if r.fallback else "ok"))
        body.append(line)
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    left = {0, 2, len(head) - 1}

    def fmt(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(fmt(head), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for b in body:
        print(fmt(b), file=file)


# --------------------------------------------------------------------------------------
# The suite: check once, time the first call, then interleaved (or apart) repetitions.
# --------------------------------------------------------------------------------------

#: A repetition times one call where a call takes at least this long ...
SINGLE_CALL_S = 50e-6
#: ... and otherwise a batch of calls that takes about this long (per-call time reported).
BATCH_S = 200e-6
MAX_BATCH = 4096

STATUSES = ("ok", "fallback", "mismatch", "error")


def copy_args(args: tuple) -> tuple:
    """Fresh copies of the array arguments (Python scalars as they are)."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def short_shapes(args: Sequence[Any]) -> str:
    """Inputs in a table cell: ``64x64`` for float64 arrays, ``int64:40`` otherwise,
    Python scalars by value."""
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            shape = "x".join(map(str, a.shape)) or "()"
            parts.append(shape if a.dtype == np.float64 else f"{a.dtype}:{shape}")
        elif isinstance(a, float):
            parts.append(f"{a:.3g}")
        else:
            parts.append(repr(a))
    return " ".join(parts)


@dataclass
class Result:
    """One program at one size."""

    name: str
    kind: str
    size: str
    param: Any
    shapes: str
    inputs: str
    status: str  # one of STATUSES
    reason: str | None = None  # the fallback warning, the mismatch or the exception
    interleaved: bool = True
    repeats: int = 0
    mutates: bool = False
    numpy_median: float | None = None
    numpy_min: float | None = None
    compiled_median: float | None = None
    compiled_min: float | None = None
    first_call_s: float | None = None
    numpy_batch: int = 1
    compiled_batch: int = 1
    numpy_times: list[float] = field(default_factory=list)
    compiled_times: list[float] = field(default_factory=list)
    # With --interference: the compiled repetitions interleaved with NumPy's and
    # apart from them (blocks of compiled calls, no NumPy call between).
    interference: bool = False
    compiled_interleaved_times: list[float] = field(default_factory=list)
    compiled_alone_times: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """NumPy's median over the compiled median: > 1 where compiled is faster."""
        if self.numpy_median is None or not self.compiled_median:
            return None
        return self.numpy_median / self.compiled_median

    @property
    def compiled_interleaved_median(self) -> float | None:
        return statistics.median(self.compiled_interleaved_times) if self.compiled_interleaved_times else None

    @property
    def compiled_alone_median(self) -> float | None:
        return statistics.median(self.compiled_alone_times) if self.compiled_alone_times else None

    @property
    def interleaved_over_alone(self) -> float | None:
        """The compiled median interleaved with NumPy over the compiled median alone:
        how much NumPy's work slows the compiled calls (1.0: not at all)."""
        inter, alone = self.compiled_interleaved_median, self.compiled_alone_median
        if inter is None or not alone:
            return None
        return inter / alone

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "size": self.size,
            "param": self.param,
            "inputs": self.shapes,
            "status": self.status,
            "reason": self.reason,
            "interleaved": self.interleaved,
            "repeats": self.repeats,
            "mutates_inputs": self.mutates,
            "numpy_median_s": self.numpy_median,
            "numpy_min_s": self.numpy_min,
            "compiled_median_s": self.compiled_median,
            "compiled_min_s": self.compiled_min,
            "first_call_s": self.first_call_s,
            "ratio_numpy_over_compiled": self.ratio,
            "numpy_calls_per_repeat": self.numpy_batch,
            "compiled_calls_per_repeat": self.compiled_batch,
            "numpy_times_s": self.numpy_times,
            "compiled_times_s": self.compiled_times,
            **({
                "compiled_interleaved_median_s": self.compiled_interleaved_median,
                "compiled_alone_median_s": self.compiled_alone_median,
                "interleaved_over_alone": self.interleaved_over_alone,
                "compiled_interleaved_times_s": self.compiled_interleaved_times,
                "compiled_alone_times_s": self.compiled_alone_times,
            } if self.interference else {}),
        }


def _timer(fn: Callable[..., Any], args: tuple, fresh: bool) -> Callable[[int], float]:
    """A function of `number` that times `number` calls of fn (on fresh copies of
    the arguments where `fresh`, made before the clock starts) and returns seconds
    per call. The garbage collector is off while the clock runs, as in timeit."""

    def run(number: int) -> float:
        argsets = [copy_args(args) for _ in range(number)] if fresh else [args] * number
        enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            for a in argsets:
                fn(*a)
            dt = time.perf_counter() - t0
        finally:
            if enabled:
                gc.enable()
        return dt / number

    return run


def _batch(run: Callable[[int], float]) -> int:
    """Calls per repetition: one where a call takes SINGLE_CALL_S or more, else
    enough for a batch of about BATCH_S. Warms the function up on the way."""
    run(1)
    t = min(run(1) for _ in range(3))
    if t >= SINGLE_CALL_S:
        return 1
    return max(1, min(MAX_BATCH, math.ceil(BATCH_S / max(t, 1e-7))))


def _same_args(a: tuple, b: tuple) -> bool:
    return all(
        not isinstance(x, np.ndarray) or (x.shape == y.shape and np.array_equal(x, y, equal_nan=True))
        for x, y in zip(a, b)
    )


def measure_program(program: Program, size: str, *, repeats: int = 7, interleaved: bool = True, seed: int = 0,
                    interference: bool = False) -> Result:
    """Check `program` at `size` against NumPy, time its first call, then time NumPy
    and the compiled function `repeats` times each (see the module's docstring).

    With `interference`, the compiled function is also timed the other way in the
    same run, `repeats` repetitions split into a half before the main timing and a
    half after: interleaved (the main timing) between blocks of compiled repetitions
    alone (each block after one untimed compiled batch, so that no NumPy call
    precedes it); or, with `interleaved` False, apart (the main timing) between
    runs of interleaved pairs. The row then has ``interleaved_over_alone``, the
    compiled median interleaved over the compiled median alone."""
    args = program.args(size, seed)
    res = Result(program.name, program.kind, size, program.sizes[size], fmt_shapes(args), short_shapes(args),
                 status="ok", interleaved=interleaved, repeats=repeats, mutates=program.mutates,
                 interference=interference)

    numpy_args = copy_args(args)
    with np.errstate(all="ignore"):
        expected = program.fn(*numpy_args)
    # A program that writes into its arguments gets fresh copies at every call.
    res.mutates = program.mutates or not _same_args(args, numpy_args)

    compiled_args = copy_args(args)
    try:
        compiled, got, res.first_call_s, reasons = first_call(program, compiled_args)
    except Exception as err:  # noqa: BLE001 -- reported as an error row
        res.status, res.reason = "error", f"{type(err).__name__}: {err}"
        return res
    why = compare(got, expected, program.rtol, program.atol)
    for i, (g, e) in enumerate(zip(compiled_args, numpy_args)):
        if why is None and isinstance(e, np.ndarray):
            why = compare(g, e, program.rtol, program.atol, path=f"argument {i} after the call")
    if why is not None:
        res.status, res.reason = "mismatch", why
        return res
    if reasons:
        res.status, res.reason = "fallback", "; ".join(reasons)

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        run_numpy = _timer(program.fn, args, res.mutates)
        run_compiled = _timer(compiled, args, res.mutates)
        res.numpy_batch = _batch(run_numpy)
        res.compiled_batch = _batch(run_compiled)
        # With `interference`, the other way's `repeats` repetitions are split in
        # two halves, one before the main timing and one after, so that a drift
        # over the run (the compiled side still warming up, the machine's load
        # changing) does not favour one way.
        before, after = repeats - repeats // 2, repeats // 2

        def alone(n: int) -> list[float]:
            run_compiled(res.compiled_batch)  # untimed: the block starts after a compiled call, not NumPy's
            return [run_compiled(res.compiled_batch) for _ in range(n)]

        def pairs(n: int) -> list[float]:
            times = []
            for _ in range(n):
                run_numpy(res.numpy_batch)
                times.append(run_compiled(res.compiled_batch))
            return times

        if interleaved:
            if interference:
                res.compiled_alone_times = alone(before)
            for _ in range(repeats):
                res.numpy_times.append(run_numpy(res.numpy_batch))
                res.compiled_times.append(run_compiled(res.compiled_batch))
            if interference:
                res.compiled_interleaved_times = list(res.compiled_times)
                res.compiled_alone_times += alone(after) if after else []
        else:
            if interference:
                res.compiled_interleaved_times = pairs(before)
            res.numpy_times = [run_numpy(res.numpy_batch) for _ in range(repeats)]
            res.compiled_times = [run_compiled(res.compiled_batch) for _ in range(repeats)]
            if interference:
                res.compiled_alone_times = list(res.compiled_times)
                res.compiled_interleaved_times += pairs(after)
    res.numpy_median, res.numpy_min = statistics.median(res.numpy_times), min(res.numpy_times)
    res.compiled_median, res.compiled_min = statistics.median(res.compiled_times), min(res.compiled_times)
    return res


def geomean(values: Sequence[float]) -> float | None:
    """The geometric mean of positive values; None for none."""
    values = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def geomeans(results: Sequence[Result]) -> dict[str, float | None]:
    """The geometric-mean ratio numpy/compiled per kind (over the rows that compiled
    and matched: status "ok") and "overall"; kinds without such rows give None."""
    ok = [r for r in results if r.status == "ok" and r.ratio]
    kinds = [k for k in KINDS if any(r.kind == k for r in results)]
    out = {k: geomean([r.ratio for r in ok if r.kind == k]) for k in kinds}
    out["overall"] = geomean([r.ratio for r in ok])
    return out


def summary(results: Sequence[Result]) -> dict:
    """Geomeans per kind and overall, also per size, and the rows they count."""
    sizes = [s for s in SIZES if any(r.size == s for r in results)]
    return {
        "geomean_ratio": geomeans(results),
        "geomean_ratio_by_size": {s: geomeans([r for r in results if r.size == s]) for s in sizes},
        "counted": {k: sum(1 for r in results if r.kind == k and r.status == "ok") for k in KINDS},
        "not_counted": [f"{r.name}@{r.size}: {r.status}" for r in results if r.status != "ok"],
    }


def _fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


#: The acceptance bar: the compiled median interleaved with NumPy calls is at most
#: this many times the compiled median alone, for every program and size.
INTERFERENCE_BAR = 1.15


def interference_summary(results: Sequence[Result]) -> dict | None:
    """``interleaved/alone`` per row (rows with status "ok" and both medians) and
    the worst of them; None where no row was measured both ways."""
    rows = [r for r in results if r.status == "ok" and r.interleaved_over_alone is not None]
    if not any(r.interference for r in results):
        return None
    per_row = [{"name": r.name, "size": r.size, "interleaved_over_alone": r.interleaved_over_alone,
                "compiled_interleaved_median_s": r.compiled_interleaved_median,
                "compiled_alone_median_s": r.compiled_alone_median} for r in rows]
    worst = max(rows, key=lambda r: r.interleaved_over_alone, default=None)
    over = [f"{r.name}@{r.size}" for r in rows if r.interleaved_over_alone > INTERFERENCE_BAR]
    return {
        "what": "per row: compiled median interleaved with NumPy calls / compiled median alone "
                "(blocks of compiled calls, no NumPy call between, half before and half after the "
                "interleaved ones), both from the same run",
        "bar": INTERFERENCE_BAR,
        "worst": None if worst is None else {"name": worst.name, "size": worst.size,
                                             "interleaved_over_alone": worst.interleaved_over_alone},
        "over_bar": over,
        "within_bar": bool(rows) and not over,
        "rows": per_row,
    }


def print_interference(summary_: dict | None, *, file=None) -> None:
    file = file or sys.stdout
    if summary_ is None:
        return
    w = summary_["worst"]
    if w is None:
        print("\ninterference: no row compiled and was timed both ways", file=file)
        return
    print(f"\ninterference: worst interleaved/alone = {w['interleaved_over_alone']:.2f} ({w['name']}, {w['size']})",
          file=file)
    verdict = "met" if summary_["within_bar"] else "NOT met: " + ", ".join(summary_["over_bar"])
    print(f"  bar: every row <= {summary_['bar']:.2f}: {verdict}", file=file)


def print_results(results: Sequence[Result], *, file=None) -> None:
    """A table of rows (one kind's, say): medians and minima, first call, ratio, status."""
    file = file or sys.stdout
    inter = any(r.interference for r in results)
    head = ["program", "size", "inputs", "numpy med", "numpy min", "compiled med", "compiled min",
            "first call", "numpy/compiled"] + (["compiled alone", "interleaved/alone"] if inter else []) + ["status"]
    body = [
        [r.name, r.size, r.inputs, fmt_time(r.numpy_median), fmt_time(r.numpy_min), fmt_time(r.compiled_median),
         fmt_time(r.compiled_min), fmt_time(r.first_call_s), _fmt_ratio(r.ratio)]
        + ([fmt_time(r.compiled_alone_median), _fmt_ratio(r.interleaved_over_alone)] if inter else [])
        + [r.status if r.status in ("ok", "fallback") else r.status.upper()]
        for r in results
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    left = {0, 1, 2, len(head) - 1}

    def fmt(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(fmt(head), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for b in body:
        print(fmt(b), file=file)
    for r in results:
        if r.status != "ok":
            print(f"  {r.name} ({r.size}): {r.status}: {r.reason}", file=file)


def _git_commit() -> str | None:
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5)
        commit = out.stdout.strip()
        return (commit + ("+dirty" if dirty.stdout.strip() else "")) or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(repeats: int, interleaved: bool, interference: bool = False) -> dict:
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "numpy": np.__version__,
        "git_commit": _git_commit(),
        "repeats": repeats,
        "interleaved": interleaved,
        "interference": interference,
        "timing": (
            "each repetition times one call, or a batch of calls taking about "
            f"{BATCH_S * 1e6:.0f} us where a call is under {SINGLE_CALL_S * 1e6:.0f} us (per-call seconds); "
            + ("NumPy's repetition then the compiled one, alternating" if interleaved
               else "all NumPy repetitions, then all compiled ones")
            + "; median and min over the repetitions; first call = trace + compile + run on a fresh "
            "np_compile object; programs that write into their inputs get fresh copies, made "
            "outside the timed region, at every call"
            + ("; --interference: the compiled side is also timed the other way, half of the repetitions "
               "before the main timing and half after (blocks of compiled repetitions alone around the "
               "interleaved ones; or interleaved pairs around the apart ones), and interleaved/alone reported"
               if interference else "")
        ),
    }
    # Thread pools: NumPy's BLAS and libtorch each start one per core; on a loaded
    # machine they contend (see benches/README.md).
    info["thread_env"] = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                          if k in os.environ}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    try:
        import npcompile

        info["npcompile"] = getattr(npcompile, "__version__", None)
    except ImportError:
        pass
    return info


def write_json(path: str, results: Sequence[Result], env: dict, sections: dict | None = None) -> str:
    """The run as JSON: environment, every row, the geomeans per kind, and the
    extra `sections` (call_path, large_chain, interference) where given."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    doc = {"environment": env, **summary(results), **(sections or {}), "results": [r.to_json() for r in results]}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return path


def write_plot(results: Sequence[Result], path: str) -> str | None:
    """Bars of numpy/compiled by program (small and large side by side), grouped by
    kind, on a log scale with a line at 1.0; None where matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(dict.fromkeys(r.name for r in results))
    sizes = [s for s in SIZES if any(r.size == s for r in results)]
    by = {(r.name, r.size): r for r in results}
    kind_of = {r.name: r.kind for r in results}
    colors = {"small": "#4c72b0", "large": "#dd8452"}
    width = 0.8 / max(1, len(sizes))

    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(names) + 2), 5.0))
    xs, x = [], 0.0
    prev_kind = None
    group_start: dict[str, float] = {}
    for name in names:
        if prev_kind is not None and kind_of[name] != prev_kind:
            x += 0.6  # a gap between kinds
            ax.axvline(x - 0.8, color="lightgrey", linewidth=0.8)
        group_start.setdefault(kind_of[name], x)
        prev_kind = kind_of[name]
        xs.append(x)
        x += 1.0
    ratios = [r.ratio for r in results if r.status == "ok" and r.ratio]
    labelled: set[str] = set()
    for j, s in enumerate(sizes):
        for name, x0 in zip(names, xs):
            r = by.get((name, s))
            if r is None:
                continue
            pos = x0 - 0.4 + width * (j + 0.5)
            if r.status == "ok" and r.ratio:
                ax.bar(pos, r.ratio, width, color=colors.get(s, "grey"), label=None if s in labelled else s)
                labelled.add(s)
            else:
                ax.text(pos, 1.0, r.status, rotation=90, ha="center", va="bottom", fontsize=7, color="crimson")
    ax.set_yscale("log")
    # Room below the smallest bar and above the tallest, for the kinds' labels.
    ax.set_ylim(min(ratios + [1.0]) / 1.5, max(ratios + [1.0]) * 8)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("NumPy time / compiled time")
    ax.set_title("npcompile bench: median NumPy time over median compiled time (> 1: compiled is faster)", fontsize=10)
    g = geomeans(results)
    top = ax.get_ylim()[1]
    for kind, x0 in group_start.items():
        ax.text(x0 - 0.4, top / 1.3, f"{kind}\ngeomean {_fmt_ratio(g.get(kind))}", va="top", fontsize=8)
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


class SuiteResults(list):
    """The rows `run_suite` returns (a list of Result), with the run's extra
    sections as attributes: ``call_path``, ``large_chain``, ``fused_chain`` and ``interference``
    (dicts, None where not measured)."""

    call_path: dict | None = None
    large_chain: dict | None = None
    fused_chain: dict | None = None
    interference: dict | None = None


def run_suite(
    kinds: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    sizes: Sequence[str] = SIZES,
    *,
    repeats: int = 7,
    interleaved: bool = True,
    interference: bool = False,
    call_path_calls: int | None = None,
    large_chain_n: int | None = None,
    out: str | None = "bench-results/bench.json",
    plot: bool = True,
    file=None,
) -> SuiteResults:
    """Run the chosen programs at the chosen sizes, print a table and the geomean
    per kind, then the geomeans; with `interference`, also interleaved/alone per
    row and the worst; then the call path (`call_path_calls` calls per side; None:
    skipped) and the large chain (`large_chain_n` elements; None: skipped); write
    JSON to `out` (and a PNG next to it)."""
    file = file or sys.stdout
    for s in sizes:
        if s not in SIZES:
            raise ValueError(f"unknown size {s!r}; the sizes are {', '.join(SIZES)}")
    programs = select(kinds, names)
    mode = "interleaved" if interleaved else "apart"
    extra = ", compiled also timed " + ("apart" if interleaved else "interleaved") if interference else ""
    print(f"npcompile bench: {len(programs)} programs x {len(sizes)} sizes, {repeats} repetitions, {mode}{extra}",
          file=file)
    warm_library()
    results = SuiteResults()
    for kind in KINDS:
        chosen = [p for p in programs if p.kind == kind]
        if not chosen:
            continue
        rows = [measure_program(p, s, repeats=repeats, interleaved=interleaved, interference=interference)
                for p in chosen for s in sizes]
        results.extend(rows)
        print(f"\n== {kind} ==", file=file)
        print_results(rows, file=file)
        print(f"geomean numpy/compiled ({kind}): {_fmt_ratio(geomeans(rows)[kind])}", file=file)

    g = geomeans(results)
    print("\nGeometric-mean ratio numpy/compiled (> 1: compiled is faster; rows that compiled):", file=file)
    for key, value in g.items():
        print(f"  {key:<13} {_fmt_ratio(value)}", file=file)
    if interference:
        results.interference = interference_summary(results)
        print_interference(results.interference, file=file)
    if call_path_calls is not None:
        results.call_path = measure_call_path(call_path_calls)
        print_call_path(results.call_path, file=file)
    if large_chain_n is not None:
        results.large_chain = measure_large_chain(large_chain_n)
        print_large_chain(results.large_chain, file=file)
        # 4M elements, fewer where the large chain was asked smaller (tests).
        results.fused_chain = measure_fused_chain(min(FUSED_CHAIN_N, large_chain_n))
        print_fused_chain(results.fused_chain, file=file)
    if out:
        sections = {"call_path": results.call_path, "large_chain": results.large_chain,
                    "fused_chain": results.fused_chain}
        if interference:
            sections["interference"] = results.interference
        write_json(out, results, environment(repeats, interleaved, interference), sections)
        print(f"\nwrote {out}", file=file)
        if plot:
            png = write_plot(results, os.path.splitext(out)[0] + ".png")
            if png:
                print(f"wrote {png}", file=file)
            else:
                print("no plot: matplotlib is not importable (pip install 'npcompile[bench]')", file=file)
    return results


# ---- the call path: a cache hit on tiny arrays ---------------------------------------


def call_path_fma(a, b):
    """The call-path probe: ``a * b + a`` on two 4-element float64 arrays."""
    return a * b + a


#: Batches per side for the call path; the calls are split evenly among them.
CALL_PATH_BATCHES = 20
#: The acceptance bar: a cache hit of the probe costs at most this (median per call).
CALL_PATH_BAR_S = 2e-6


def measure_call_path(calls: int = 1_000_000, batches: int = CALL_PATH_BATCHES, seed: int = 0) -> dict:
    """The compiled call path on a cache hit: ``call_path_fma`` on two 4-element
    float64 NumPy arrays (NumPy in and out) against the undecorated function,
    `calls` calls per side in `batches` batches, NumPy's batch and the compiled
    one alternating; per-call median and min over the batches."""
    from npcompile import np_compile

    batches = max(1, min(batches, calls))
    per_batch = max(1, calls // batches)
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    compiled = np_compile(call_path_fma)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = compiled(a, b)
    reasons = [str(w.message) for w in caught if is_fallback_warning(w)]
    why = compare(got, call_path_fma(a, b))
    status = "mismatch" if why else ("fallback" if reasons else "ok")

    run_numpy, run_compiled = _timer(call_path_fma, (a, b), False), _timer(compiled, (a, b), False)
    warm = min(per_batch, 10_000)
    run_numpy(warm)
    run_compiled(warm)
    before = compiled.cache_info()
    numpy_times, compiled_times = [], []
    for _ in range(batches):
        numpy_times.append(run_numpy(per_batch))
        compiled_times.append(run_compiled(per_batch))
    after = compiled.cache_info()
    hits = after["hits"] - before["hits"]
    if status == "ok" and (hits != batches * per_batch or after["misses"] != before["misses"]):
        status, why = "not a cache hit", f"{hits} hits and {after['misses'] - before['misses']} misses " \
                                        f"over {batches * per_batch} timed calls"
    compiled_median = statistics.median(compiled_times)
    return {
        "program": "a * b + a",
        "inputs": "two float64 NumPy arrays of 4 elements; the result is a NumPy array",
        "what": "per-call seconds of back-to-back calls on the same arrays: the compiled function (a cache "
                "hit) and the undecorated Python function (NumPy's own a * b + a); batches of NumPy and "
                "compiled calls alternating, GC off while the clock runs",
        "status": status,
        "reason": why or ("; ".join(reasons) if reasons else None),
        "output": f"{type(got).__name__} {getattr(got, 'dtype', '')}{list(getattr(got, 'shape', ()))}",
        "batches": batches,
        "calls_per_batch": per_batch,
        "calls_per_side": batches * per_batch,
        "compiled_median_s": compiled_median,
        "compiled_min_s": min(compiled_times),
        "numpy_median_s": statistics.median(numpy_times),
        "numpy_min_s": min(numpy_times),
        "compiled_over_numpy": compiled_median / statistics.median(numpy_times),
        "compiled_batch_times_s": compiled_times,
        "numpy_batch_times_s": numpy_times,
        "cache_hits": hits,
        "cache_info": after,
        "bar_s": CALL_PATH_BAR_S,
        "within_bar": status == "ok" and compiled_median <= CALL_PATH_BAR_S,
    }


def _us(s: float) -> str:
    return f"{s * 1e6:.2f} us"


def print_call_path(cp: dict, *, file=None) -> None:
    file = file or sys.stdout
    print("\n== call path: a cache hit of a * b + a on two float64[4] arrays (NumPy in and out) ==", file=file)
    print(f"compiled {_us(cp['compiled_median_s'])}, NumPy {_us(cp['numpy_median_s'])} "
          f"(median of {cp['batches']} batches of {cp['calls_per_batch']:,} calls)", file=file)
    verdict = "met" if cp["within_bar"] else "NOT met"
    print(f"  min: compiled {_us(cp['compiled_min_s'])}, NumPy {_us(cp['numpy_min_s'])}; "
          f"compiled/NumPy {cp['compiled_over_numpy']:.2f}x; bar: compiled <= {_us(cp['bar_s'])}: {verdict}",
          file=file)
    if cp["status"] != "ok":
        print(f"  {cp['status'].upper()}: {cp['reason']}", file=file)


# ---- a large elementwise chain: steadiness and page faults ---------------------------


def large_chain(x, y):
    """The large-chain probe: an elementwise chain on two large float64 vectors."""
    return np.sqrt(np.abs(x * y + 1.0)) * 0.5 - y / (x * x + 1.0)


#: Timed compiled calls after the first; NumPy's repetitions.
LARGE_CHAIN_CALLS = 20
LARGE_CHAIN_NUMPY_REPEATS = 5
#: The acceptance bars: slowest over fastest steady call, and page faults after the first call.
LARGE_CHAIN_BAR_MAX_OVER_MIN = 1.3
LARGE_CHAIN_BAR_FAULTS = 0


def _minflt() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _timed_faulting_call(fn: Callable[..., Any], *args) -> tuple[Any, float, int]:
    """(result, seconds, minor page faults) of one call, GC off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        f0 = _minflt()
        t0 = time.perf_counter()
        out = fn(*args)
        dt = time.perf_counter() - t0
        faults = _minflt() - f0
    finally:
        if enabled:
            gc.enable()
    return out, dt, faults


def measure_large_chain(n: int = 10_000_000, calls: int = LARGE_CHAIN_CALLS,
                        numpy_repeats: int = LARGE_CHAIN_NUMPY_REPEATS, seed: int = 0) -> dict:
    """``large_chain`` on two float64 vectors of `n` elements, compiled: the first
    call (trace + compile + run), then `calls` calls, each timed with its minor page
    faults (``ru_minflt``), the result deleted before the next call; and NumPy's
    median over `numpy_repeats` calls."""
    from npcompile import np_compile

    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    compiled = np_compile(large_chain)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = large_chain(x, y)
        got, first_s, first_faults = _timed_faulting_call(compiled, x, y)
        why = compare(got, expected)
        del got, expected
        times, faults = [], []
        for _ in range(calls):
            out, dt, nf = _timed_faulting_call(compiled, x, y)
            del out  # as a loop that reuses the name drops it, before the next call
            times.append(dt)
            faults.append(nf)
        numpy_times, numpy_faults = [], []
        for _ in range(numpy_repeats):
            out, dt, nf = _timed_faulting_call(large_chain, x, y)
            del out
            numpy_times.append(dt)
            numpy_faults.append(nf)
    info = compiled.cache_info()
    status = "mismatch" if why else ("fallback" if info.get("fallbacks") else "ok")
    lo, hi = min(times), max(times)
    steady_max_faults = max(faults) if faults else 0
    return {
        "program": "np.sqrt(np.abs(x * y + 1.0)) * 0.5 - y / (x * x + 1.0)",
        "elements": n,
        "inputs": f"two float64 vectors of {n:,} elements",
        "what": f"the compiled function: a first call (trace + compile + run), then {calls} calls, each timed "
                "with its minor page faults (getrusage ru_minflt before and after), the result deleted "
                f"before the next call; NumPy: median of {numpy_repeats} calls",
        "status": status,
        "reason": why,
        "first_call_s": first_s,
        "first_call_minor_faults": first_faults,
        "calls": calls,
        "compiled_min_s": lo,
        "compiled_median_s": statistics.median(times),
        "compiled_max_s": hi,
        "max_over_min": hi / lo if lo > 0 else None,
        "compiled_times_s": times,
        "steady_minor_faults": faults,
        "steady_max_minor_faults": steady_max_faults,
        "numpy_median_s": statistics.median(numpy_times),
        "numpy_min_s": min(numpy_times),
        "numpy_times_s": numpy_times,
        "numpy_minor_faults": numpy_faults,
        "ratio_numpy_over_compiled": statistics.median(numpy_times) / statistics.median(times),
        "bar_max_over_min": LARGE_CHAIN_BAR_MAX_OVER_MIN,
        "bar_steady_faults": LARGE_CHAIN_BAR_FAULTS,
        "within_bar": status == "ok" and lo > 0 and hi / lo <= LARGE_CHAIN_BAR_MAX_OVER_MIN
        and steady_max_faults <= LARGE_CHAIN_BAR_FAULTS,
    }


def print_large_chain(lc: dict, *, file=None) -> None:
    file = file or sys.stdout
    print(f"\n== large chain: {lc['program']} on two float64[{lc['elements']:,}], compiled ==", file=file)
    steady = lc["max_over_min"] is not None and lc["max_over_min"] <= lc["bar_max_over_min"]
    print(f"{lc['calls']} calls after the first: min {fmt_time(lc['compiled_min_s'])}, "
          f"median {fmt_time(lc['compiled_median_s'])}, max {fmt_time(lc['compiled_max_s'])}, "
          f"max/min {lc['max_over_min']:.2f} (bar <= {lc['bar_max_over_min']}: {'met' if steady else 'NOT met'})",
          file=file)
    quiet = lc["steady_max_minor_faults"] <= lc["bar_steady_faults"]
    print(f"minor page faults: first call {lc['first_call_minor_faults']:,}, max over the {lc['calls']} steady "
          f"calls {lc['steady_max_minor_faults']:,} (bar: none after the first call: {'met' if quiet else 'NOT met'})",
          file=file)
    numpy_faults = max(lc["numpy_minor_faults"], default=0)
    print(f"first call {fmt_time(lc['first_call_s'])}; NumPy {fmt_time(lc['numpy_median_s'])} "
          f"(median of {len(lc['numpy_times_s'])}, {numpy_faults:,} page faults a call at most); "
          f"numpy/compiled {_fmt_ratio(lc['ratio_numpy_over_compiled'])}", file=file)
    if lc["status"] != "ok":
        print(f"  {lc['status'].upper()}: {lc['reason']}", file=file)


# ---- a fused chain against the copy floor (issue 13) ------------------------

FUSED_CHAIN_N = 4_000_000
FUSED_CHAIN_REPEATS = 7


def fused_chain(a, b, c, d):
    """The fused-chain probe: four float64 vectors in, one out (160 MB of traffic at 4M)."""
    return a * b + c - 0.5 * d


def measure_fused_chain(n: int = FUSED_CHAIN_N, repeats: int = FUSED_CHAIN_REPEATS, seed: int = 0) -> dict:
    """``fused_chain`` on four float64 vectors of `n` elements: compiled, NumPy, and
    ``np.copyto`` of one such vector (the copy floor), each the median of `repeats`
    calls, interleaved; plus the plan's regions (from ``explain``)."""
    from npcompile import explain, np_compile

    rng = np.random.default_rng(seed)
    args = tuple(rng.standard_normal(n) for _ in range(4))
    dst = np.empty(n)
    compiled = np_compile(fused_chain)
    why = compare(compiled(*args), fused_chain(*args))
    plan = explain(fused_chain, *args).split("== plan")[-1]
    regions = [line.strip() for line in plan.splitlines() if line.strip().startswith("region ")]
    t_c, t_n, t_copy = [], [], []
    for _ in range(repeats):
        for store, call in ((t_c, lambda: compiled(*args)), (t_n, lambda: fused_chain(*args)),
                            (t_copy, lambda: np.copyto(dst, args[0]))):
            t0 = time.perf_counter()
            call()
            store.append(time.perf_counter() - t0)
    med = statistics.median
    return {
        "program": "a * b + c - 0.5 * d",
        "elements": n,
        "status": "mismatch" if why else "ok",
        "reason": why,
        "regions": regions,
        "compiled_median_s": med(t_c),
        "numpy_median_s": med(t_n),
        "copyto_median_s": med(t_copy),
        "compiled_over_copyto": med(t_c) / med(t_copy),
        "ratio_numpy_over_compiled": med(t_n) / med(t_c),
        "within_bar": not why and med(t_c) <= med(t_copy),
    }


def print_fused_chain(fc: dict, *, file=None) -> None:
    file = file or sys.stdout
    print(f"\n== fused chain: {fc['program']} on four float64[{fc['elements']:,}] ==", file=file)
    print(f"compiled {fmt_time(fc['compiled_median_s'])}, NumPy {fmt_time(fc['numpy_median_s'])}, "
          f"np.copyto of one vector {fmt_time(fc['copyto_median_s'])} (medians, interleaved); "
          f"compiled/copyto {fc['compiled_over_copyto']:.2f} (bar <= 1: {'met' if fc['within_bar'] else 'NOT met'}); "
          f"numpy/compiled {_fmt_ratio(fc['ratio_numpy_over_compiled'])}", file=file)
    for r in fc["regions"] or ["(no region: the plan runs op by op)"]:
        print(f"  {r}", file=file)
    if fc["status"] != "ok":
        print(f"  {fc['status'].upper()}: {fc['reason']}", file=file)


# ---- compile time against trace length --------------------------------------

TRACE_SIZES = (1_000, 10_000, 100_000)


def unrolled_loop(n_ops):
    """A Python loop of small updates that traces to `n_ops` recorded ops."""

    def step(x, a):
        for _ in range(n_ops // 2):
            x = x * a + 1.0
        return x

    step.__name__ = f"unrolled_{n_ops}"
    return step


def trace_scaling(sizes=TRACE_SIZES):
    """Trace + compile seconds (the first call) and steady-state call time of
    `unrolled_loop(n)` for each n, checked against NumPy."""
    from npcompile import NpCompileWarning, np_compile

    rows = []
    x, a = np.linspace(0, 1, 64), np.full(64, 0.5)
    for n in sizes:
        fn = unrolled_loop(n)
        compiled = np_compile(fn)
        with warnings.catch_warnings():
            warnings.simplefilter("error", NpCompileWarning)
            start = time.perf_counter()
            out = compiled(x, a)
            first = time.perf_counter() - start
        np.testing.assert_allclose(out, fn(x, a), rtol=1e-12)
        start = time.perf_counter()
        compiled(x, a)
        run = time.perf_counter() - start
        rows.append({"ops": n, "trace_compile_s": first, "compiled_run_s": run})
    return rows


def print_trace_scaling(rows):
    print("\nTrace + compile time against trace length (first call, an unrolled loop of x = x * a + 1.0):\n")
    print(f"{'ops':>8}  {'trace+compile':>13}  {'per 1k ops':>10}  {'compiled run':>12}")
    for r in rows:
        per = r["trace_compile_s"] / r["ops"] * 1000
        print(f"{r['ops']:>8,}  {r['trace_compile_s']:>11.2f} s  {per * 1000:>7.1f} ms  {r['compiled_run_s'] * 1000:>9.2f} ms")
