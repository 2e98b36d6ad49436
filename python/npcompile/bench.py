"""The benchmark suite: small NumPy programs, compiled with ``np_compile`` and timed
against NumPy itself (and, where torch is importable, against the same program
written with eager torch ops).

Run it with ``make bench`` (or ``python -m npcompile bench``); ``make demo`` runs a
few of these cases once, checks them against NumPy and prints a table.

Every case only uses the slice npcompile compiles today: arithmetic and comparison
operators, ``np.sin/exp/tanh/sqrt/maximum/where/clip``, reductions with
``axis``/``keepdims``, ``@``, and dtype promotion between array inputs.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

# --------------------------------------------------------------------------------------
# The programs. Module-level functions, so the tracer can name their source lines.
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Inputs of about n elements, and the same programs in eager torch.
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


def _torch_cases() -> dict[str, Callable]:
    """Eager torch spellings of the programs (NumPy's result dtypes made explicit)."""
    import torch

    return {
        "fused_multiply_add": lambda a, b, c: a * b + c,
        "normalize_rows": lambda x: (lambda d: d / torch.sqrt((d * d).mean(dim=1, keepdim=True) + 1e-5))(
            x - x.mean(dim=1, keepdim=True)
        ),
        "softmax_rows": lambda x: (lambda e: e / e.sum(dim=1, keepdim=True))(
            torch.exp(x - x.amax(dim=1, keepdim=True))
        ),
        "gelu_tanh": lambda x: 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x**3))),
        "dense_relu": lambda x, w, b: torch.clamp_min(x @ w + b, 0.0),
        "clipped_select": lambda x, y: torch.where(x > 0.0, torch.clamp(x, -1.0, 1.0), y * 0.5),
        "mixed_dtype_poly": lambda x, k: (x.double() * k.double() + 3) / 2,
    }


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

DEFAULT_SIZES = [1_000, 100_000, 1_000_000]


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


def check(case: Case, got: Any, expected: Any) -> str | None:
    """None where ``got`` matches NumPy's result (values, dtype, shape), else why not."""
    got = to_numpy(got)
    try:
        g, e = np.asarray(got), np.asarray(expected)
        if g.dtype != e.dtype:
            return f"dtype {g.dtype}, NumPy gives {e.dtype}"
        if g.shape != e.shape:
            return f"shape {g.shape}, NumPy gives {e.shape}"
        np.testing.assert_allclose(g, e, rtol=case.rtol, atol=case.atol)
    except AssertionError as err:
        return str(err).strip().splitlines()[-1] if str(err).strip() else "mismatch"
    return None


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


def measure(
    case: Case,
    n: int,
    *,
    repeats: int = 5,
    device: str = "cpu",
    with_torch: bool = False,
    seed: int = 0,
) -> Row:
    """Time one case at about n elements: NumPy eager, compiled (steady state and
    first call), and optionally eager torch on the same data."""
    rng = np.random.default_rng(seed)
    args = case.make_args(n, rng)
    sync = _noop
    run_args: tuple = args
    if device != "cpu":
        import torch

        run_args = tuple(torch.from_numpy(a).to(device) for a in args)
        sync = torch.cuda.synchronize if device.startswith("cuda") else _noop

    expected = case.fn(*args)
    compiled, got, first_s, fallback = first_call(case, run_args, sync)
    error = check(case, got, expected)

    numpy_s = time_call(lambda: case.fn(*args), repeats)
    compiled_s = time_call(lambda: compiled(*run_args), repeats, sync=sync)

    torch_s = None
    if with_torch:
        import torch

        tfn = _torch_cases().get(case.name)
        if tfn is not None:
            targs = run_args if device != "cpu" else tuple(torch.from_numpy(a) for a in args)
            with torch.inference_mode():
                torch_s = time_call(lambda: tfn(*targs), repeats, sync=sync)

    return Row(case.name, numel(args), fmt_shapes(args), numpy_s, compiled_s, first_s, torch_s, error, fallback)


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


def environment(device: str, repeats: int) -> dict:
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "device": device,
        "repeats": repeats,
        "timing": "best of `repeats` batches; a batch runs >= 2 ms; first call = trace + compile + run",
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if device.startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name()
    except ImportError:
        pass
    try:
        import npcompile

        info["npcompile"] = getattr(npcompile, "__version__", None)
    except ImportError:
        pass
    return info


def run_suite(
    sizes: Sequence[int] = DEFAULT_SIZES,
    names: Sequence[str] | None = None,
    *,
    repeats: int = 5,
    device: str = "cpu",
    with_torch: bool = True,
    out: str | None = "bench-results/bench.json",
    plot: bool = True,
) -> list[Row]:
    """Run the suite at every size, print one table per size, write JSON (and a
    PNG where matplotlib is importable)."""
    cases = [CASES[n] for n in names] if names else SUITE
    if with_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            with_torch = False
    warm_library()
    rows: list[Row] = []
    for n in sizes:
        print(f"\n== about {n:,} elements ({device}) ==")
        size_rows = []
        for case in cases:
            row = measure(case, n, repeats=repeats, device=device, with_torch=with_torch)
            size_rows.append(row)
            for reason in row.fallback:
                print(f"  {case.name}: fell back to NumPy: {reason}")
            if row.error:
                print(f"  {case.name}: result differs from NumPy: {row.error}")
        print_table(size_rows, show_first=True, torch_col=with_torch)
        rows.extend(size_rows)
    if out:
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w") as f:
            json.dump({"environment": environment(device, repeats), "results": [r.to_json() for r in rows]}, f, indent=2)
            f.write("\n")
        print(f"\nwrote {out}")
        if plot:
            png = write_plot(rows, os.path.splitext(out)[0] + ".png")
            if png:
                print(f"wrote {png}")
    return rows


def write_plot(rows: Sequence[Row], path: str) -> str | None:
    """Speed-up over NumPy per case and size; skipped where matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(dict.fromkeys(r.name for r in rows))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name in names:
        pts = sorted((r.n, r.ratio) for r in rows if r.name == name)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xscale("log")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xlabel("elements")
    ax.set_ylabel("NumPy time / compiled time")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


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
