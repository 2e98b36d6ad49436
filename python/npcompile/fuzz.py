"""Differential fuzzer: random NumPy programs, compiled with `np_compile` and run
under plain NumPy, must agree.

    python -m npcompile fuzz --n 10000 --seed 0
    python -m npcompile fuzz --seed 0 --start 417 --n 1 --print    # one program alone

Program k of seed S comes from `random.Random(f"npcompile-fuzz:{S}:{k}")` alone,
so any program re-runs by itself (`--start K --n 1`).

A program is the source text of `def f(a, b, ...)` with 2-12 statements over
arrays of all 14 numeric dtypes (0-d, empty, 1..5 per side, up to 3 dims,
shapes that broadcast; values small, or with edge values: 0, -0.0, +-1, the
dtype's min/max, nan, +-inf, the smallest normal), NumPy and Python scalars
inside expressions, operators, the ufuncs, reductions, shape ops, indexing,
creation and mutation of README's "What is supported". Statements are drawn
type-aware: each is run under NumPy as it is drawn (the program prefix's values
are known), so a statement that raises is dropped, except where the program
asks for one (a deliberate error: a broadcast mismatch, `int += float`, an
integer to a negative power, an index out of range, a bad axis, ...), which
then ends the program.

The oracle: `f` under NumPy (errstate all='ignore', RuntimeWarnings ignored) on
copies of the inputs, and `np_compile(f)` called twice on fresh copies (the
second call runs the cached plan). Both calls must give NumPy's result (type:
ndarray vs NumPy scalar, dtype, shape, values: exact for bools and ints, within
conftest's per-dtype tolerances for floats and complex, nan equal to nan,
widened by eps * sum|terms| for reductions) and leave the input arrays as NumPy
leaves them; where NumPy raises, the compiled call must raise the same public
exception class (`public_type`; a different private subclass is only
counted). The sign of a zero is not compared (allclose). Inputs are not compared
when NumPy raised: NumPy has already applied the writes of the statements
before the one that raised, while a compiled call that raises leaves its
inputs untouched by design. A fallback to NumPy (`NpCompileWarning`) is not a
mismatch; it is counted with its reason.

What the generator avoids, and why. Only the undefined cases of
docs/architecture.md's "Known limits", and rounding noise that the oracle cannot
tell from a bug:

1. Casting nan, inf or out-of-range floats to integers (undefined in C; NumPy's
   result depends on its SIMD code). Every float/complex -> integer conversion
   the program makes reads a guarded operand, in the same expression:
   `np.where(np.abs(x) < 128.0, x, 0).astype(np.int8)` (unsigned:
   `(x > -1.0) & (x < 256.0)`; complex: the test is on `x.real`). That covers
   `astype`, `np.asarray`/`np.array` with `dtype=`, a reduction's integer
   `dtype=` (NumPy casts its input unsafely), and an array or NumPy scalar stored
   into an integer array (`a[i] = v`). NumPy's own hidden casts get the same
   guard: `np.reciprocal` of an integer is `(int)(1.0 / x)` in NumPy (the guard
   maps 0 to 1), `np.round` of an integer with negative decimals goes through
   float64 (the guard keeps |x| below a quarter of the range). Scalars
   stored into integer arrays (`a[i] = s`, `a.fill(s)`, `a[mask] = s`): Python
   scalars are not guarded (NumPy converts them through a Python int: nan and
   inf raise, and that is compared), nor are NumPy scalars into signed arrays
   through an index (also a Python int); a NumPy float scalar into an unsigned
   array, or into any integer array through a mask, is a C cast in NumPy, so
   it is finite and in range there; the fill of `full`/`full_like` into an
   integer dtype is a small non-negative number. Reductions with `out=` only
   write an `out` of the result's own dtype (NumPy casts into `out` unsafely).
2. Which of two equal zeros `fmax`/`fmin` return (NumPy's choice varies with
   the array's length: its SIMD and scalar loops differ), which zero the
   `max`/`min` reductions keep, and the sign of a zero sum (NumPy's SIMD code
   decides): a float/complex result of `fmax fmin max min sum mean dot matmul
   @` gets `+ 0.0` in the same expression (turning -0.0 into +0.0; an `out=` or
   `@=` target gets `t += 0.0` in the same statement), so that sign never
   reaches an op that sees it (1/x, copysign, arctan2, //, signbit).
   `maximum`, `minimum` and `clip` are not guarded: their zero ties are
   defined by NumPy's loops (float32/float64 maximum/minimum return the second
   operand, float16 the first; clip what its loop gives) and compiled exactly.
3. Rounding noise made large: ops that are not continuous (floor ceil trunc
   fix rint round, // % fmod divmod, comparisons, sign, signbit, heaviside,
   copysign, angle, logical ops, any/all, argmax/argmin, np.where's condition,
   float -> integer casts) never read a float value that went through an
   inexact op (transcendental functions, `**`, float_power, mean/var/std, prod,
   cumprod, matmul/dot, and sums of values that are not exactly summable:
   finite values that are not multiples of 1/4, or too many bits); and the
   tolerance of all float results is that of the lowest-precision inexact
   value the program computed (a float32 `sin` cast to float64 is compared at
   float32's tolerance). That precision is the one of the loop NumPy ran,
   not of the array the result lands in: a ufunc with `out=` or `dtype=` runs
   the loop `ufunc.resolve_dtypes` gives (`np.exp(int16, out=complex128)`,
   `np.cbrt(int16, out=float64)` and `np.arcsin(float32, out=complex128)`
   run float32's loop and store its result). Exact ops (+ - * / sqrt...)
   stay compared at the output's precision whatever loop ran: a compiled
   call must round as NumPy's loop does. An op over inexact operands is
   drawn only where it is well conditioned there: perturbing those operands
   by +-8 ulps (random signs, twice) must leave its NumPy result within the
   tolerance (this drops `sin` of a large inexact argument, `exp` at the edge
   of overflow, cancellation).
4. Float reductions (sum, mean, var, std, prod, cumsum, cumprod, matmul, @=)
   over terms whose magnitudes could overflow the dtype in one summation order
   and not another (NumPy sums pairwise; inf vs a finite value is not rounding).
5. `np.empty_like` contents: always overwritten whole before they are read.
6. The sign of a NaN made by an invalid operation (sqrt(-1), log(-1), 0/0,
   inf - inf, 0 * inf, arcsin(2), fmod(x, 0)...): NumPy's loops give the
   machine's default NaN (negative on x86), libtorch's kernels whatever their
   code makes; which of two NaN operands an op passes on is likewise the
   kernel's. It is visible only through `np.signbit`, the second operand of
   `np.copysign` and views of the bits (not generated), so the float operand
   whose sign those read is `np.where(np.isnan(x), np.nan, x)` (NumPy's
   `np.nan` is positive, and both sides then see that NaN; the signs of
   zeros and infinities still reach them); NaNs elsewhere compare equal
   whatever their sign.
7. Complex `matmul`/`dot`/`@`/`@=` over non-finite parts: NumPy's result is
   its BLAS kernel's (OpenBLAS's zgemm/zdotu evaluation order and inf/nan
   handling, e.g. `[0j, 0j, -2.5+infj] @ itself` is nan-infj there), which
   the compiler does not emulate (a known limit). A matmul whose result is
   complex reads `np.where(np.isfinite(x), x, 0)` of its float/complex
   operands (a complex `@=` target is rebuilt so first, in the same
   statement); real matmul keeps inf and nan (IEEE gives them the same result
   in any order).

Each mismatch is minimized (delta debugging: drop statements, inline aliases,
replace expressions by their operands or literals by 0/1, drop unused inputs,
shrink shapes, set values to 0/1, for as long as the program still fails the
same way: the same class of difference, the same exception words), and
printed as a self-contained program with NumPy's and the compiled outputs.
"""

from __future__ import annotations

import argparse
import collections
import math
import random
import re
import sys
import time
import traceback
import warnings

import numpy as np

DTYPES = tuple(np.dtype(n) for n in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
FLOAT_DTYPES = tuple(d for d in DTYPES if d.kind == "f")
INEXACT_DTYPES = tuple(d for d in DTYPES if d.kind in "fc")
INT_DTYPES = tuple(d for d in DTYPES if d.kind in "iu")

# The oracle's tolerances (tests/conftest.py): (rtol, atol) and eps per precision.
TOLERANCE = {
    np.dtype("float16"): (1e-3, 1e-3),
    np.dtype("float32"): (1e-5, 1e-6),
    np.dtype("float64"): (1e-12, 1e-12),
}
EPS = {np.dtype("float16"): 2.0**-10, np.dtype("float32"): 2.0**-23, np.dtype("float64"): 2.0**-52}

P_DELIBERATE_ERROR = 0.08   # a program that asks for a statement NumPy raises on
P_NATURAL_ERROR = 0.04      # a drawn statement that raises is kept (and ends the program)

FILENAME = "<npcompile-fuzz>"


def _real_dtype(dt):
    dt = np.dtype(dt)
    return {"complex64": np.dtype("float32"), "complex128": np.dtype("float64")}.get(dt.name, dt)


def _dt_src(dt):
    return "np.bool_" if np.dtype(dt) == np.bool_ else f"np.{np.dtype(dt).name}"


def _operand_dtype(v):
    """What `ufunc.resolve_dtypes` takes for an operand: its dtype, or the Python
    type of a Python scalar (NEP 50's weak scalars; a Python bool is np.bool_)."""
    if isinstance(v, bool):
        return np.dtype(bool)
    if type(v) in (int, float, complex):
        return type(v)
    return np.asarray(v).dtype


def _loop_precision(fmt, values, *, out=None, dtype=None):
    """The lowest float precision of the loop NumPy runs for the ufunc call `fmt`
    (`np.NAME(...)`) over operands `values`, given `out=` of dtype `out` or
    `dtype=`; None where `fmt` is not a ufunc call or NumPy resolves no loop.
    `np.exp(int16, out=complex128)` runs the float32 loop and stores its result
    (`np.exp.resolve_dtypes((int16, complex128))` is (float32, float32)), so the
    values it writes carry float32's rounding, not complex128's (module
    docstring, 3.)."""
    m = re.match(r"np\.(\w+)\(", fmt)
    uf = getattr(np, m.group(1), None) if m else None
    if not isinstance(uf, np.ufunc) or len(values) != uf.nin:
        return None
    ins = tuple(_operand_dtype(v) for v in values)
    try:
        if out is not None:
            loop = uf.resolve_dtypes(ins + (np.dtype(out),) * uf.nout)
        elif dtype is not None:
            loop = uf.resolve_dtypes(ins + (None,) * uf.nout, signature=(None,) * uf.nin + (np.dtype(dtype),) * uf.nout)
        else:
            loop = uf.resolve_dtypes(ins + (None,) * uf.nout)
    except Exception:  # noqa: BLE001 -- NumPy raises on the call itself
        return None
    precs = [_real_dtype(d) for d in loop if d.kind in "fc"]
    return min(precs, key=lambda d: d.itemsize) if precs else None


class Reject(Exception):
    """The candidate being drawn does not fit: draw another."""


class Raising(Exception):
    """An expression raised under NumPy while being drawn."""

    def __init__(self, node, exc):
        super().__init__(str(exc))
        self.node, self.exc = node, exc


# ---- program representation ------------------------------------------------


class E:
    """A node of a program's source: `fmt` with `{0}`, `{1}`... for its children.
    kind: 'var', 'lit', 'op' (an expression the minimizer may replace by a child),
    'guard' (a guard against undefined casts: never replaced by its child) or
    'stmt' (a statement; its fmt may span lines)."""

    __slots__ = ("fmt", "args", "kind", "inexact", "value", "post", "raises")

    def __init__(self, fmt, args=(), kind="op"):
        self.fmt, self.args, self.kind = fmt, tuple(args), kind
        self.inexact = False
        self.value = None
        self.post = None
        self.raises = False

    def src(self):
        if not self.args:
            return self.fmt
        return self.fmt.format(*[a.src() for a in self.args])

    def clone(self, args=None):
        e = E(self.fmt, self.args if args is None else args, self.kind)
        e.inexact, e.raises = self.inexact, self.raises
        return e


class Program:
    def __init__(self, params, args, body, *, seed=None, index=None, tol=None, scale=0.0):
        self.params, self.args, self.body = list(params), list(args), list(body)
        self.seed, self.index = seed, index
        self.tol = tol          # the lowest float precision of an inexact value computed, or None
        self.scale = scale      # sum of |terms| of the largest float reduction
        self._fn = None

    def replace(self, **kw):
        p = Program(kw.get("params", self.params), kw.get("args", self.args), kw.get("body", self.body),
                    seed=self.seed, index=self.index, tol=self.tol, scale=self.scale)
        return p

    def source(self):
        lines = [f"def f({', '.join(self.params)}):"]
        for s in self.body:
            lines += ["    " + line for line in s.src().split("\n")]
        if not self.body:
            lines.append("    pass")
        return "\n".join(lines) + "\n"

    def function(self):
        if self._fn is None:
            ns = {"np": np}
            exec(compile(self.source(), FILENAME, "exec"), ns)
            self._fn = ns["f"]
        return self._fn

    def fresh_args(self):
        return [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]

    def label(self):
        return f"seed {self.seed} program {self.index}"


# ---- values ------------------------------------------------------------------


def _edges(dt):
    if dt.kind == "b":
        return [False, True]
    if dt.kind in "iu":
        info = np.iinfo(dt)
        vals = [0, 1, 2, 3, 7, int(info.max), int(info.max) - 1, int(info.min)]
        if dt.kind == "i":
            vals += [-1, -2, -8, int(info.min) + 1]
        return vals
    fi = np.finfo(_real_dtype(dt))
    reals = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, math.nan, math.inf, -math.inf, float(fi.max), -float(fi.max),
             float(fi.tiny), 1e-3, 100.0]
    if dt.kind == "f":
        return reals
    return [complex(r, i) for r in reals for i in (0.0, -0.0, 1.0, -1.5, math.nan, math.inf)]


def _small(rng, dt):
    if dt.kind == "b":
        return rng.random() < 0.5
    if dt.kind == "i":
        return rng.randint(-5, 5)
    if dt.kind == "u":
        return rng.randint(0, 6)
    if dt.kind == "f":
        return rng.randint(-16, 16) / 4
    return complex(rng.randint(-12, 12) / 4, rng.choice((0.0, rng.randint(-12, 12) / 4)))


def _wide(rng, dt):
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.randint(int(info.min), int(info.max))
    if dt.kind == "f":
        return rng.uniform(-1e3, 1e3)
    if dt.kind == "c":
        return complex(rng.uniform(-1e3, 1e3), rng.uniform(-1e3, 1e3))
    return rng.random() < 0.5


def _array(rng, dt, shape):
    n = math.prod(shape)
    r = rng.random()
    mode = "small" if r < 0.62 else "mixed" if r < 0.92 else "wide"
    edges = _edges(dt)
    vals = []
    for _ in range(n):
        if mode == "small" or (mode == "mixed" and rng.random() < 0.65):
            vals.append(_small(rng, dt))
        elif mode == "mixed":
            vals.append(rng.choice(edges))
        else:
            vals.append(_wide(rng, dt) if rng.random() < 0.8 else rng.choice(edges))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(vals, dtype=dt).reshape(shape)


def _num_src(v):
    if isinstance(v, (bool, np.bool_)):
        return repr(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (complex, np.complexfloating)):
        return f"complex({_num_src(v.real)}, {_num_src(v.imag)})"
    v = float(v)
    if math.isnan(v):
        return "np.nan"
    if math.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def value_src(x):
    """Source text that rebuilds x (an array or NumPy scalar) exactly."""
    if isinstance(x, np.generic):
        return f"{_dt_src(x.dtype)}({_num_src(x.item() if x.dtype.kind != 'c' else complex(x))})"
    x = np.asarray(x)
    if x.ndim == 0:
        return f"np.array({_num_src(x[()])}, dtype={_dt_src(x.dtype)})"
    body = f"np.array([{', '.join(_num_src(v) for v in x.ravel().tolist())}], dtype={_dt_src(x.dtype)})"
    return body if x.ndim == 1 else f"{body}.reshape({x.shape})"


def _is_value(v):
    return type(v) is np.ndarray or isinstance(v, np.generic)


def _kind(v):
    return np.asarray(v).dtype.kind if _is_value(v) or isinstance(v, (bool, int, float, complex)) else "?"


def _shape(v):
    return np.shape(v)


def _broadcasts(s, t):
    try:
        np.broadcast_shapes(s, t)
        return True
    except ValueError:
        return False


def _fits_into(s, target):
    """s broadcasts into target (a write or an out= of that shape)."""
    try:
        return np.broadcast_shapes(s, target) == tuple(target)
    except ValueError:
        return False


# ---- literals ----------------------------------------------------------------

PY_INTS = ["0", "1", "2", "3", "-1", "-2", "7", "-3", "5", "100", "-128", "255", "300", "65536", "2**31", "-2**40"]
PY_INT_W = [8, 12, 12, 8, 8, 5, 4, 5, 4, 2, 1, 1, 1, 1, 1, 1]
PY_FLOATS = ["0.0", "-0.0", "0.5", "1.5", "-2.5", "3.0", "-1.0", "2.0", "0.25", "1e3", "np.nan", "np.inf", "-np.inf",
             "1e-3", "1e300"]
PY_FLOAT_W = [5, 3, 8, 8, 6, 6, 6, 6, 4, 2, 2, 2, 2, 1, 1]
PY_COMPLEX = ["1j", "(1+2j)", "(-0.5j)", "(2-1j)"]
NP_SCALARS = ["np.float32(1.5)", "np.int8(-3)", "np.uint8(200)", "np.float16(0.5)", "np.int64(7)",
              "np.complex64(1+1j)", "np.float64(-2.0)", "np.bool_(True)", "np.uint64(5)", "np.int32(-7)",
              "np.uint16(3)", "np.int16(-300)", "np.uint32(9)", "np.complex128(-1j)", "np.float32(np.nan)",
              "np.float64(np.inf)", "np.float16(-0.0)", "np.int8(2)", "np.uint8(1)", "np.float64(0.25)"]


def _lit(text):
    e = E(text, kind="lit")
    e.value = eval(text, {"np": np})
    return e


# ---- the generator -------------------------------------------------------------


def _sides(rng):
    return rng.choice((1, 2, 2, 3, 3, 4, 5))


class Generator:
    def __init__(self, rng, seed=None, index=None):
        self.rng = rng
        self.seed, self.index = seed, index
        self.g = {"np": np}

    # -- inputs --

    def _inputs(self):
        rng = self.rng
        ndim = rng.choice((0, 1, 1, 2, 2, 2, 3, 3))
        base = [_sides(rng) for _ in range(ndim)]
        if ndim and rng.random() < 0.1:
            base[rng.randrange(ndim)] = 0
        n = rng.choice((1, 2, 2, 3, 3, 4))
        params, args = [], []
        dt = rng.choice(DTYPES)
        for i in range(n):
            if rng.random() < 0.6 or i == 0:
                dt = rng.choice(DTYPES)
            r = rng.random()
            if r < 0.12:
                shape = tuple(_sides(rng) if rng.random() < 0.9 else 0 for _ in range(rng.randint(0, 3)))
            else:
                drop = rng.randint(0, ndim) if rng.random() < 0.35 else 0
                shape = tuple(1 if rng.random() < 0.2 else s for s in base[drop:])
            params.append("abcdefgh"[i])
            if rng.random() < 0.05:
                args.append(dt.type(_small(rng, dt)))
            else:
                args.append(_array(rng, dt, shape))
        return params, args

    # -- running under NumPy --

    def _eval(self, src):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return eval(src, self.g, self.env)

    def _exec(self, src):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(src, self.g, self.env)
            return None
        except Exception as e:  # noqa: BLE001
            return e

    def _replay(self):
        self.env = dict(zip(self.params, [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]))
        for s in self.body:
            self._exec(s.src())

    # -- nodes --

    def node(self, fmt, args, *, inexact=False, disc=False, zero=False, kind="op", complex_inexact=False):
        """An expression node, evaluated under NumPy now. `inexact`: the op rounds
        differently from a correct implementation (transcendentals...); `disc`:
        the op is not continuous (must not read inexact floats); `zero`: the op
        leaves the sign of a zero result to NumPy's SIMD code (add + 0.0)."""
        if disc and any(a.inexact for a in args):
            raise Reject
        e = E(fmt, args, kind)
        try:
            value = self._eval(e.src())
        except Reject:
            raise
        except Exception as exc:  # noqa: BLE001
            raise Raising(e, exc) from None
        if not _is_value(value):
            raise Reject
        if zero and value.dtype.kind in "fc":
            e.fmt = f"({fmt} + 0.0)"
            value = self._eval(e.src())
        e.value = value
        if complex_inexact and any(_kind(a.value) == "c" for a in args):
            inexact = True
        e.inexact = value.dtype.kind in "fc" and (inexact or any(a.inexact for a in args))
        if e.inexact:
            self._note_inexact(value.dtype)
            m = re.search(r", dtype=(np\.\w+)\)$", fmt)
            if m and inexact:  # a ufunc's dtype=: the precision of the loop it runs
                loop = _loop_precision(fmt, [a.value for a in args], dtype=eval(m.group(1), {"np": np}))
                if loop is not None:
                    self._note_inexact(loop)
        if any(a.inexact for a in args) and not self.stable(e.fmt, args, value):
            raise Reject
        return e

    def _perturb(self, v):
        """v with each element moved by +-8 ulps of the lowest precision an
        inexact value went through (a float64 value computed from a float32
        `cosh` carries float32's rounding): the rounding it may carry."""
        a = np.asarray(v)
        real = _real_dtype(a.dtype)
        eps = float(np.finfo(real).eps)
        if self.tol is not None:
            eps = max(eps, float(np.finfo(self.tol).eps))
        signs = np.array([self.rng.choice((-1.0, 1.0)) for _ in range(a.size)]).reshape(a.shape)
        with np.errstate(all="ignore"):
            r = (a * (1 + 8 * eps * signs)).astype(a.dtype)
        return r[()] if isinstance(v, np.generic) else r

    def stable(self, fmt, args, value):
        """Whether the op (`fmt` over `args`) gives the same result, within the
        oracle's tolerance, when its inexact operands carry rounding: an op that
        amplifies rounding (sin of a large inexact argument, exp near overflow,
        cancellation) is not drawn over inexact operands (module docstring, 3.)."""
        names = [f"_p{i}" for i in range(len(args))]
        src = fmt.format(*names)
        tol = self.tol
        for a in (value,):
            p = _real_dtype(np.asarray(a).dtype)
            if p.kind == "f" and (tol is None or p.itemsize < tol.itemsize):
                tol = p
        for _ in range(2):
            env = {n: (self._perturb(a.value) if a.inexact else a.value) for n, a in zip(names, args)}
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pv = eval(src, self.g, env)
            except Exception:  # noqa: BLE001
                return False
            if compare(pv, value, tol=tol, scale=self.scale) is not None:
                return False
        return True

    def _note_inexact(self, dt):
        p = _real_dtype(dt)
        if p.kind != "f":
            return
        if self.tol is None or p.itemsize < self.tol.itemsize:
            self.tol = p

    def var(self, pred=None, arrays_only=False, names=None):
        cands = [n for n, v in self.env.items() if (names is None or n in names)
                 and (type(v) is np.ndarray if arrays_only else _is_value(v)) and (pred is None or pred(v))]
        if not cands:
            raise Reject
        weights = [1 + i for i in range(len(cands))]
        name = self.rng.choices(cands, weights)[0]
        e = E(name, kind="var")
        e.value = self.env[name]
        e.inexact = name in self.inexact and _kind(e.value) in "fc"
        return e

    def operand(self, depth, pred=None):
        if depth > 0 and self.rng.random() < 0.3:
            e = self.expr(depth - 1)
            if pred is None or pred(e.value):
                return e
        return self.var(pred)

    def literal(self, kinds="biufc", int_safe=False):
        """A scalar literal: Python or NumPy scalar. int_safe: finite and a small
        non-negative value (stored into an integer array)."""
        rng = self.rng
        if int_safe:
            return _lit(rng.choice(["0", "1", "2", "3", "7", "0.0", "1.5", "2.5", "np.float32(3.0)", "np.float64(2.5)",
                                    "np.int8(5)", "np.uint8(9)", "True", "np.float16(1.0)"]))
        r = rng.random()
        if r < 0.33 and "i" in kinds:
            return _lit(rng.choices(PY_INTS, PY_INT_W)[0])
        if r < 0.63 and "f" in kinds:
            return _lit(rng.choices(PY_FLOATS, PY_FLOAT_W)[0])
        if r < 0.9:
            return _lit(rng.choice(NP_SCALARS))
        if r < 0.95 and "c" in kinds:
            return _lit(rng.choice(PY_COMPLEX))
        return _lit(rng.choice(["True", "False"]))

    def partner(self, first, depth, *, kinds="biufc"):
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return self.literal(kinds)
        if r < 0.85:
            shape = _shape(first.value)
            try:
                return self.var(lambda v: _broadcasts(np.shape(v), shape) and _kind(v) in kinds)
            except Reject:
                return self.literal(kinds)
        return self.operand(depth)

    # -- guards (see the module docstring, 1.) --

    def guard_fmt(self, value, target):
        """A fmt over {0} that makes `value` (float/complex) safe to cast to the
        integer dtype `target`, or None where no guard is needed."""
        target, src = np.dtype(target), np.asarray(value).dtype
        if target.kind not in "iu" or src.kind not in "fc":
            return None
        part = "{0}.real" if src.kind == "c" else "{0}"
        real = _real_dtype(src)
        bits = target.itemsize * 8
        bound = 2.0 ** (bits - 1) if target.kind == "i" else 2.0 ** bits
        fits = bound <= float(np.finfo(real).max)
        if target.kind == "i":
            cond = f"(np.abs({part}) < {bound!r})" if fits else f"np.isfinite({part})"
        else:
            cond = f"({part} > -1.0) & ({part} < {bound!r})" if fits else f"({part} > -1.0) & np.isfinite({part})"
        return f"np.where({cond}, {{0}}, 0)"

    def guard_to_int(self, x, target):
        fmt = self.guard_fmt(x.value, target)
        return x if fmt is None else self.node(fmt, (x,), kind="guard")

    def guard_nan_sign(self, x):
        """x for an operand whose NaNs' sign an op reads (`np.signbit`, the second
        operand of `np.copysign`): a float operand gets its NaNs rebuilt as NumPy's
        positive `np.nan`. The sign of a NaN made by an invalid operation (sqrt(-1),
        0/0, inf - inf...) is the machine's default NaN in NumPy's loops and
        whatever libtorch's kernels make (module docstring, 6.)."""
        if x.kind == "lit" or _kind(x.value) != "f":
            return x
        return self.node("np.where(np.isnan({0}), np.nan, {0})", (x,), kind="guard")

    def guard_finite(self, x):
        """x for an operand of a complex matmul/dot: non-finite float/complex
        elements become 0 (NumPy's result there is its BLAS kernel's; module
        docstring, 7.)."""
        if _kind(x.value) not in "fc":
            return x
        return self.node("np.where(np.isfinite({0}), {0}, 0)", (x,), kind="guard")

    def scalar_for(self, target, *, mask=False):
        """A scalar literal to store into an array of dtype `target` (a[i] = s,
        a.fill(s), and a[mask] = s with `mask`). NumPy converts Python scalars,
        and NumPy scalars into signed integers, through a Python int (defined:
        nan raises); a NumPy float scalar into an unsigned array, or into any
        integer array through a mask, is a C cast, so it is finite and in range
        there (module docstring, 1.)."""
        target = np.dtype(target)
        if target.kind not in "iu" or (target.kind == "i" and not mask):
            return self.literal()
        bits = target.itemsize * 8
        lo = -(2.0 ** (bits - 1)) - 1 if target.kind == "i" else -1.0
        hi = 2.0 ** (bits - 1) if target.kind == "i" else 2.0 ** bits
        for _ in range(20):
            lit = self.literal()
            v = lit.value
            if isinstance(v, (np.floating, np.complexfloating)):
                r = float(np.real(v))
                if not (math.isfinite(r) and lo < r < hi):
                    continue
            return lit
        return self.literal(int_safe=True)

    # -- expressions --

    def expr(self, depth=2):
        builders = self._builders
        for _ in range(6):
            fn = self.rng.choices(builders[0], builders[1])[0]
            try:
                return fn(self, depth)
            except Reject:
                continue
            except Raising:
                raise
            except Exception:  # noqa: BLE001 -- the generator's own shape logic missed: draw again
                continue
        raise Reject

    def ex_var(self, depth):
        return self.var()

    def ex_unary(self, depth):
        w, fmt, kinds, flags = self.rng.choices(UNARY, [u[0] for u in UNARY])[0]
        x = self.operand(depth, lambda v: _kind(v) in kinds)
        if "G" in flags and _kind(x.value) in "biu":  # np.reciprocal of an integer: (int)(1.0/x) in NumPy
            x = self.node("np.where({0} == 0, 1, {0})", (x,), kind="guard")
        if "N" in flags:
            x = self.guard_nan_sign(x)
        if fmt.startswith("np.") and "{0})" in fmt and self.rng.random() < 0.08:
            fmt = fmt[:-1] + f", dtype={_dt_src(self.rng.choice(INEXACT_DTYPES))})"
        return self.node(fmt, (x,), inexact="I" in flags, disc="D" in flags, complex_inexact="C" in flags)

    def ex_binary(self, depth):
        w, fmt, kinds, flags = self.rng.choices(BINARY, [b[0] for b in BINARY])[0]
        x = self.operand(depth, lambda v: _kind(v) in kinds)
        if "P" in flags and _kind(x.value) in "biu" and self.rng.random() < 0.6:
            y = _lit(self.rng.choice(["0", "1", "2", "3", "np.uint8(2)", "True"]))
        else:
            y = self.partner(x, depth, kinds=kinds)
        if self.rng.random() < 0.5:
            x, y = y, x
            if x.kind == "lit" and y.kind == "lit":
                raise Reject
        if x.kind == "lit" and y.kind == "lit":
            raise Reject
        if "N" in flags:
            y = self.guard_nan_sign(y)
        if fmt.startswith("np.") and self.rng.random() < 0.06:
            fmt = fmt[:-1] + f", dtype={_dt_src(self.rng.choice(DTYPES))})"
        inexact = "I" in flags or ("P" in flags)
        return self.node(fmt, (x, y), inexact=inexact, disc="D" in flags, zero="Z" in flags)

    def ex_where(self, depth):
        rng = self.rng
        x = self.operand(depth)
        y = self.partner(x, depth)
        shape = np.broadcast_shapes(_shape(x.value), _shape(y.value))
        if rng.random() < 0.6:
            c0 = self.var(lambda v: _broadcasts(np.shape(v), shape) and _kind(v) in "biuf")
            op = rng.choice(["<", ">", "==", "!=", ">="])
            cond = self.node(f"({{0}} {op} {{1}})", (c0, self.literal("iuf")), disc=True)
        else:
            cond = self.var(lambda v: _broadcasts(np.shape(v), shape))
            if cond.inexact:
                raise Reject
        return self.node("np.where({0}, {1}, {2})", (cond, x, y), disc=False)

    def ex_clip(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: _kind(v) in "biuf")
        lo, hi = sorted(rng.sample([-2, -1, 0, 1, 2, 3], 2))
        r = rng.random()
        if r < 0.4:
            return self.node(f"np.clip({{0}}, {lo}, {hi})", (x,))
        if r < 0.6:
            return self.node(f"{{0}}.clip({float(lo)!r}, {hi})", (x,))
        if r < 0.75:
            return self.node("np.clip({0}, {1}, None)", (x, self.partner(x, depth, kinds="biuf")))
        return self.node("np.clip({0}, {1}, {2})", (x, self.partner(x, depth, kinds="biuf"),
                                                     self.partner(x, depth, kinds="biuf")))

    def ex_round(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: _kind(v) in "biufc")
        d = rng.choice([0, 0, 1, 2, -1, -2])
        if d < 0 and _kind(x.value) in "iu":
            dt = np.asarray(x.value).dtype
            b = 2 ** (dt.itemsize * 8 - 2)
            x = self.node(f"np.where(({{0}} > -{b}) & ({{0}} < {b}), {{0}}, 0)", (x,), kind="guard")
        form = rng.choice(["np.round({0}, %d)", "np.around({0}, %d)", "{0}.round(%d)", "np.round({0})"])
        fmt = form % d if "%d" in form else form
        return self.node(fmt, (x,), disc=True)

    def _axis(self, nd, allow_tuple=True):
        rng = self.rng
        r = rng.random()
        if r < 0.35 or nd == 0:
            return None
        if r < 0.85 or not allow_tuple or nd < 2:
            return rng.randint(-nd, nd - 1)
        return tuple(sorted(rng.sample(range(nd), rng.randint(1, nd))))

    def _reduction_ok(self, x, name, dtype):
        """Float reductions whose terms could overflow in one order and not another
        are not drawn; returns whether the result is exactly computed (a sum of
        values that add up exactly in any order)."""
        v = np.asarray(x.value)
        res = np.dtype(dtype) if dtype is not None else v.dtype
        if name in ("mean", "var", "std") and res.kind not in "fc":
            res = np.dtype("float64")
        if res.kind not in "fc" and name not in ("mean", "var", "std"):
            return True
        if v.dtype.kind not in "biufc":
            return True
        with np.errstate(all="ignore"):
            parts = [v.real, v.imag] if v.dtype.kind == "c" else [v]
            total, squares, logs, exact = 0.0, 0.0, 0.0, True
            for p in parts:
                f = p.astype(np.float64)
                f = np.abs(f[np.isfinite(f)])
                total += float(np.sum(f))
                squares += float(np.sum(f * f))
                logs += float(np.sum(np.log2(np.maximum(f, 1.0))))
                exact = exact and bool(np.all(f * 4 == np.floor(f * 4)))
        big = float(np.finfo(_real_dtype(res)).max)
        mant = np.finfo(_real_dtype(res)).nmant + 1
        if name in ("prod", "cumprod"):
            if logs >= math.log2(big) - 4:
                raise Reject
        elif (squares if name in ("var", "std") else total) > big / 16:
            raise Reject
        self.scale = max(self.scale, total, squares if name in ("var", "std") else 0.0)
        return name in ("sum", "cumsum") and exact and total <= 2.0 ** (mant - 3)

    def ex_reduce(self, depth):
        rng = self.rng
        name, kinds, flags = rng.choices(REDUCTIONS, [r[3] for r in REDUCTIONS])[0][:3]
        x = self.operand(depth, lambda v: _kind(v) in kinds)
        nd = np.ndim(x.value)
        axis = self._axis(nd, allow_tuple=name not in ("argmax", "argmin"))
        kw = []
        if axis is not None:
            kw.append(f"axis={axis}")
        if rng.random() < 0.25:
            kw.append("keepdims=True")
        dtype = None
        if name in ("sum", "prod", "mean", "var", "std") and rng.random() < 0.18:
            dtype = rng.choice(DTYPES if name in ("sum", "prod") else INEXACT_DTYPES)
            kw.append(f"dtype={_dt_src(dtype)}")
            if dtype.kind in "iu":
                x = self.guard_to_int(x, dtype)
        if name in ("var", "std") and rng.random() < 0.3:
            kw.append("ddof=1")
        exact = self._reduction_ok(x, name, dtype)
        method = rng.random() < 0.4
        args = ", ".join(kw)
        fmt = f"{{0}}.{name}({args})" if method else f"np.{name}({{0}}{', ' if args else ''}{args})"
        inexact = ("S" in flags and not exact) or "I" in flags
        return self.node(fmt, (x,), inexact=inexact, disc="D" in flags, zero="Z" in flags)

    def ex_cumulative(self, depth):
        rng = self.rng
        name = rng.choice(["cumsum", "cumprod"])
        x = self.operand(depth, lambda v: _kind(v) in "biufc")
        nd = np.ndim(x.value)
        kw = []
        if nd and rng.random() < 0.6:
            kw.append(f"axis={rng.randint(-nd, nd - 1)}")
        dtype = None
        if rng.random() < 0.15:
            dtype = rng.choice(DTYPES)
            kw.append(f"dtype={_dt_src(dtype)}")
            if dtype.kind in "iu":
                x = self.guard_to_int(x, dtype)
        exact = self._reduction_ok(x, name, dtype)
        args = ", ".join(kw)
        fmt = f"{{0}}.{name}({args})" if rng.random() < 0.4 else f"np.{name}({{0}}{', ' if args else ''}{args})"
        return self.node(fmt, (x,), inexact=not exact)

    def _reshape_shape(self, n):
        rng = self.rng
        if n == 0:
            opts = [(0,), (0, rng.randint(1, 3)), (rng.randint(1, 3), 0), (0, 1, 2)]
        else:
            divs = [d for d in range(1, n + 1) if n % d == 0]
            a = rng.choice(divs)
            b = rng.choice([d for d in divs if (n // a) % d == 0])
            opts = [(n,), (a, n // a), (a, b, n // (a * b)), (1, n), (n, 1)]
        shape = list(rng.choice(opts))
        if n and rng.random() < 0.35:
            shape[rng.randrange(len(shape))] = -1
        return tuple(shape)

    def ex_shape(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: True)
        nd = np.ndim(x.value)
        shape = _shape(x.value)
        r = rng.randrange(12)
        if r == 0:
            s = self._reshape_shape(math.prod(shape))
            fmt = rng.choice([f"{{0}}.reshape({s})", f"np.reshape({{0}}, {s})",
                              "{0}.reshape(" + ", ".join(map(str, s)) + ")"])
        elif r == 1:
            fmt = rng.choice(["{0}.T", "np.transpose({0})"])
        elif r == 2:
            perm = tuple(rng.sample(range(nd), nd))
            fmt = rng.choice([f"{{0}}.transpose({perm})", f"np.transpose({{0}}, {perm})"])
        elif r == 3:
            fmt = f"np.expand_dims({{0}}, {rng.randint(-nd - 1, nd)})"
        elif r == 4:
            ones = [i for i, s in enumerate(shape) if s == 1]
            fmt = rng.choice(["{0}.squeeze()", "np.squeeze({0})"] + [f"np.squeeze({{0}}, axis={i})" for i in ones]
                             + [f"{{0}}.squeeze({i - nd})" for i in ones])
        elif r == 5:
            fmt = rng.choice(["{0}.ravel()", "np.ravel({0})", "{0}.flatten()"])
        elif r == 6:
            fmt = rng.choice(["{0}.copy()", "np.copy({0})", "np.asarray({0})", "np.array({0})"])
        elif r == 7:
            fmt = rng.choice(["{0}[None]", "{0}[..., None]", "{0}[np.newaxis, ...]"])
        elif r == 8:
            return self.ex_astype(depth, x)
        elif r == 9:
            fmt = rng.choice(["np.conj({0})", "np.real({0})", "np.imag({0})", "{0}.real", "{0}.imag", "{0}.conj()"])
        else:
            return self.ex_index(depth, x)
        return self.node(fmt, (x,))

    def ex_astype(self, depth, x=None):
        rng = self.rng
        if x is None:
            x = self.operand(depth)
        dt = rng.choice(DTYPES)
        inner = self.guard_fmt(x.value, dt) or "{0}"
        form = rng.choice(["{x}.astype({d})", "np.asarray({x}, dtype={d})", "np.array({x}, dtype={d})",
                           "{x}.astype({d})", "{x}.astype({d}, copy=False)"])
        fmt = form.format(x=inner, d=_dt_src(dt))
        return self.node(fmt, (x,), disc=dt.kind in "biu")

    def _basic_index(self, shape, *, allow_scalar=True):
        rng = self.rng
        nd = len(shape)
        k = rng.randint(0, nd)
        front = rng.random() < 0.75
        dims = list(range(k)) if front else list(range(nd - k, nd))
        parts = []
        for d in dims:
            n = shape[d]
            r = rng.random()
            if r < 0.3 and n > 0 and allow_scalar:
                parts.append(str(rng.randint(-n, n - 1)))
            elif r < 0.45:
                parts.append(":")
            else:
                start = rng.choice([None, None, 0, 1, -1, 2, -2, n])
                stop = rng.choice([None, None, 1, 2, -1, n, n + 2, -n - 1])
                step = rng.choice([None, None, 1, 2, -1, -2, 3])
                s = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
                if step is not None:
                    s += f":{step}"
                parts.append(s)
        if not front:
            parts.insert(0, "...")
        elif rng.random() < 0.15:
            parts.append("...")
        if rng.random() < 0.12:
            parts.insert(rng.randint(0, len(parts)), "None")
        if not parts:
            return rng.choice(["...", ":", "()"]) if nd else rng.choice(["...", "()"])
        return ", ".join(parts)

    def ex_index(self, depth, x=None):
        rng = self.rng
        if x is None:
            x = self.operand(depth, lambda v: True)
        shape = _shape(x.value)
        if isinstance(x.value, np.generic):
            raise Reject
        r = rng.random()
        if r < 0.65 or not shape:
            return self.node(f"{{0}}[{self._basic_index(shape)}]", (x,))
        # one integer index array, or np.take
        nd = len(shape)
        axis = rng.randrange(nd)
        n = shape[axis]
        m = rng.randint(0, 4)
        idx = [rng.randint(-n, n - 1) for _ in range(m)] if n else []
        if rng.random() < 0.05:
            idx.append(rng.choice([n, -n - 1, n + 3]))  # out of range: IndexError
        if not idx:
            arr = "np.array([], dtype=np.intp)"
        else:
            small = all(-128 <= i < 128 for i in idx)
            arr = rng.choice([f"np.array({idx})", f"{idx}", f"np.array({idx}, dtype={'np.int8' if small else 'np.int32'})"])
        if r < 0.72:
            try:
                iv = self.var(lambda v: _kind(v) in "iu" and type(v) is np.ndarray)
            except Reject:
                iv = None
            if iv is not None:
                pre = ":, " * axis
                return self.node(f"{{0}}[{pre}{{1}}]", (x, iv))
        if r < 0.85:
            pre = "..., " if axis == nd - 1 and nd > 1 and rng.random() < 0.3 else ":, " * axis
            return self.node(f"{{0}}[{pre}{arr}]", (x,))
        if rng.random() < 0.5:
            return self.node(f"np.take({{0}}, {arr}, axis={axis})", (x,))
        flat = math.prod(shape)
        fidx = [rng.randint(-flat, flat - 1) for _ in range(rng.randint(1, 3))] if flat else []
        return self.node(f"np.take({{0}}, {fidx})" if fidx else "np.take({0}, np.array([], dtype=np.intp))", (x,))

    def ex_mask_read(self, depth):
        x = self.var(lambda v: np.ndim(v) > 0 and _kind(v) in "iuf", arrays_only=True)
        return self.node("{0}[{0} > 0]", (x,), disc=True)

    def ex_concat(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: np.ndim(v) > 0)
        shape = _shape(x.value)
        nd = len(shape)
        stack = rng.random() < 0.35
        axis = rng.randint(-nd - 1, nd) if stack else rng.randint(-nd, nd - 1)
        if stack:
            ok = lambda v: np.shape(v) == shape  # noqa: E731
        else:
            a = axis % nd
            ok = lambda v: np.ndim(v) == nd and all(s == t for i, (s, t) in enumerate(zip(np.shape(v), shape)) if i != a)  # noqa: E731
        r = rng.random()
        if r < 0.5:
            try:
                y = self.var(ok)
            except Reject:
                y = x
        elif r < 0.8:
            form = rng.choice(["{0}[::-1]", "(-{0})", "np.sin({0})", "({0} * 2)"])
            y = self.node(form, (x,), inexact="sin" in form)
        else:
            y = x
        items = [x, y] if rng.random() < 0.8 else [x, y, x]
        lst = ", ".join("{%d}" % i for i in range(len(items)))
        lst = f"[{lst}]" if rng.random() < 0.7 else f"({lst})"
        kw = ""
        if rng.random() < 0.8 or stack:
            kw += f", axis={axis}"
        if rng.random() < 0.1:
            kw += f", dtype={_dt_src(rng.choice(INEXACT_DTYPES))}"
        fn = "np.stack" if stack else "np.concatenate"
        if not stack and rng.random() < 0.1:
            return self.node("np.array([{0}, {1}])", (x, y) if np.shape(y.value) == shape else (x, x))
        return self.node(f"{fn}({lst}{kw})", items)

    def ex_matmul(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: np.ndim(v) in (1, 2) and _kind(v) in "biufc")
        s = _shape(x.value)
        inner = s[-1]
        r = rng.random()
        if r < 0.5:
            try:
                y = self.var(lambda v: np.ndim(v) in (1, 2) and np.shape(v)[0] == inner)
            except Reject:
                y = None
        else:
            y = None
        if y is None:
            if len(s) == 2:
                y = self.node("{0}.T", (x,))
                x, y = (x, y) if rng.random() < 0.5 else (y, x)
            else:
                y = x
        if np.result_type(np.asarray(x.value).dtype, np.asarray(y.value).dtype).kind == "c":
            # Complex matmul/dot only over finite values (module docstring, 7.).
            same = y is x
            x = self.guard_finite(x)
            y = x if same else self.guard_finite(y)
        fmt = rng.choice(["({0} @ {1})", "({0} @ {1})", "np.matmul({0}, {1})", "np.dot({0}, {1})", "{0}.dot({1})"])
        e = self.node(fmt, (x, y), inexact=True, zero=True)
        if e.value.dtype.kind in "fc":
            self._matmul_bound(x.value, y.value, e.value.dtype)
        return e

    def _matmul_bound(self, a, b, res):
        """Products that could overflow in one summation order and not another
        are not drawn (module docstring, 4.); the bound widens the tolerance."""
        with np.errstate(all="ignore"):
            mags = []
            for v in (a, b):
                v = np.asarray(v)
                v = v[np.isfinite(v)]
                f = np.abs(v.real).astype(np.float64) + np.abs(v.imag).astype(np.float64) if v.dtype.kind == "c" \
                    else np.abs(v.astype(np.float64))
                mags.append((float(np.sum(f)), float(np.max(f)) if f.size else 0.0))
        bound = mags[0][0] * mags[1][1] + mags[0][1] * mags[1][0]
        if not bound <= float(np.finfo(_real_dtype(res)).max) / 16:
            raise Reject
        self.scale = max(self.scale, bound)

    def ex_sort(self, depth):
        rng = self.rng
        x = self.operand(depth, lambda v: np.ndim(v) > 0 and _kind(v) in "biufc")
        nd = np.ndim(x.value)
        fmt = rng.choice(["np.sort({0})", f"np.sort({{0}}, axis={rng.randint(-nd, nd - 1)})", "np.sort({0}, axis=None)"])
        return self.node(fmt, (x,))

    def _shape_src(self):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            try:
                v = self.var(lambda v: True)
                return f"{v.fmt}.shape"
            except Reject:
                pass
        nd = rng.randint(0, 3)
        s = tuple(rng.choice((0, 1, 2, 3, 4)) if rng.random() < 0.1 else rng.randint(1, 4) for _ in range(nd))
        return str(s) if nd != 1 or rng.random() < 0.5 else str(s[0])

    def ex_create(self, depth):
        rng = self.rng
        dt = rng.choice(DTYPES)
        d = _dt_src(dt)
        r = rng.randrange(12)
        if r == 0:
            fmt = f"np.zeros({self._shape_src()}, dtype={d})"
        elif r == 1:
            fmt = f"np.ones({self._shape_src()}" + (f", dtype={d})" if rng.random() < 0.7 else ")")
        elif r == 2:
            fill = self.literal(int_safe=True) if dt.kind in "iub" else self.literal()
            fmt = f"np.full({self._shape_src()}, {fill.fmt}" + (f", dtype={d})" if rng.random() < 0.7 else ")")
        elif r == 3:
            n = rng.randint(0, 6)
            fmt = rng.choice([f"np.arange({n})", f"np.arange({n}, dtype={d})" if dt.kind in "iufc" else f"np.arange({n})",
                              f"np.arange({rng.randint(-3, 2)}, {n}, {rng.choice([1, 2, 3])})",
                              f"np.arange({rng.randint(-8, 0) / 4!r}, {n / 4!r}, 0.25)",
                              f"np.arange({n}, {rng.randint(-3, 0)}, -1)"])
        elif r == 4:
            lo, hi = rng.randint(-4, 2), rng.randint(-2, 6)
            n = rng.randint(0, 6)
            fmt = rng.choice([f"np.linspace({lo}, {hi}, {n})", f"np.linspace({lo / 2!r}, {hi}, {n}, dtype={d})"
                              if dt.kind in "fc" else f"np.linspace({lo}, {hi}, {n})"])
            return self.node(fmt, (), inexact=True)
        elif r == 5:
            n = rng.randint(0, 4)
            fmt = rng.choice([f"np.eye({n})", f"np.eye({n}, {rng.randint(0, 4)}, k={rng.randint(-2, 2)}, dtype={d})",
                              f"np.identity({n}, dtype={d})"])
        elif r in (6, 7, 8, 9):
            x = self.var()
            vdt = np.asarray(x.value).dtype
            if r == 6:
                fmt = "np.zeros_like({0}" + (f", dtype={d})" if rng.random() < 0.4 else ")")
            elif r == 7:
                fmt = "np.ones_like({0}" + (f", dtype={d})" if rng.random() < 0.4 else ")")
            elif r == 8:
                target = dt if rng.random() < 0.4 else vdt
                fill = self.literal(int_safe=True) if target.kind in "iub" else self.literal()
                fmt = "np.full_like({0}, " + fill.fmt + (f", dtype={d})" if target is dt else ")")
            else:
                fmt = "np.array([{0}, {0}])"
            return self.node(fmt, (x,))
        else:
            x = self.var(lambda v: _kind(v) in "biufc")
            return self.node("np.asarray({0})", (x,))
        return self.node(fmt, ())

    def ex_compare(self, depth):
        op = self.rng.choice(["==", "!=", "<", "<=", ">", ">="])
        x = self.operand(depth)
        y = self.partner(x, depth)
        if self.rng.random() < 0.5:
            x, y = y, x
        if x.kind == "lit" and y.kind == "lit":
            raise Reject
        fmt = self.rng.choice([f"({{0}} {op} {{1}})"] * 3 + [
            "np." + {"==": "equal", "!=": "not_equal", "<": "less", "<=": "less_equal", ">": "greater",
                     ">=": "greater_equal"}[op] + "({0}, {1})"])
        return self.node(fmt, (x, y), disc=True)

    def ex_bitwise(self, depth):
        op = self.rng.choice(["&", "|", "^", "<<", ">>"])
        x = self.operand(depth, lambda v: _kind(v) in "biu")
        y = self.partner(x, depth, kinds="biu")
        if self.rng.random() < 0.5:
            x, y = y, x
        if x.kind == "lit" and y.kind == "lit":
            raise Reject
        return self.node(f"({{0}} {op} {{1}})", (x, y))

    _builders = None  # set below

    # -- statements --

    def _new_name(self):
        self.nvars += 1
        return f"v{self.nvars - 1}"

    def _taint(self, target_value, inexact):
        if not inexact:
            return
        for n, v in self.env.items():
            if type(v) is np.ndarray and np.may_share_memory(v, target_value):
                self.inexact.add(n)
                self._note_inexact(v.dtype)

    def st_assign(self):
        e = self.expr(2)
        name = self._new_name()
        s = E(f"{name} = {{0}}", (e,), "stmt")
        s.post = lambda: self._set_taint(name, e.inexact)
        return s

    def _set_taint(self, name, inexact):
        if inexact:
            self.inexact.add(name)
        else:
            self.inexact.discard(name)

    def st_view(self):
        rng = self.rng
        x = self.var(arrays_only=True)
        shape = _shape(x.value)
        nd = len(shape)
        r = rng.randrange(7)
        if r <= 2:
            fmt = f"{{0}}[{self._basic_index(shape, allow_scalar=rng.random() < 0.5)}]"
        elif r == 3:
            fmt = rng.choice(["{0}.T", f"{{0}}.transpose({tuple(rng.sample(range(nd), nd))})"])
        elif r == 4:
            fmt = rng.choice(["{0}.reshape(-1)", "{0}.ravel()", f"{{0}}.reshape({self._reshape_shape(math.prod(shape))})"])
        elif r == 5:
            fmt = rng.choice(["{0}[None]", f"np.expand_dims({{0}}, {rng.randint(-nd - 1, nd)})", "{0}.squeeze()"])
        else:
            fmt = rng.choice(["{0}.real", "np.real({0})", "{0}.imag"])
        e = self.node(fmt, (x,))
        name = self._new_name()
        s = E(f"{name} = {{0}}", (e,), "stmt")
        s.post = lambda: self._set_taint(name, e.inexact)
        return s

    def _value_for(self, target_dt, region, depth=1, *, scalar_ok=True):
        """A value to store into `region` of an array of dtype target_dt."""
        rng = self.rng
        tk = np.dtype(target_dt).kind
        if scalar_ok and rng.random() < 0.35:
            return self.scalar_for(target_dt)
        for _ in range(4):
            try:
                if rng.random() < 0.6:
                    v = self.var(lambda v: _fits_into(np.shape(v), region))
                else:
                    v = self.expr(depth)
                    if not _fits_into(_shape(v.value), region):
                        continue
            except Reject:
                continue
            if tk in "iu":
                if v.kind == "lit" and type(v.value) is float and tk == "i":
                    return v
                if _kind(v.value) in "fc":
                    if v.inexact:
                        raise Reject
                    v = self.guard_to_int(v, target_dt)
            return v
        raise Reject

    def _target(self):
        return self.var(arrays_only=True)

    def st_setitem(self):
        t = self._target()
        shape = _shape(t.value)
        idx = self._basic_index(shape)
        region = _shape(self._eval(f"{t.fmt}[{idx}]"))
        v = self._value_for(t.value.dtype, region)
        s = E(f"{t.fmt}[{idx}] = {{0}}", (v,), "stmt")
        tv = t.value
        s.post = lambda: self._taint(tv, v.inexact)
        return s

    def st_mask(self):
        rng = self.rng
        t = self.var(lambda v: np.ndim(v) > 0, arrays_only=True)
        if rng.random() < 0.6:
            if t.inexact and t.value.dtype.kind in "fc":
                raise Reject
            op = rng.choice([">", "<", "==", "!="])
            lit = rng.choice(["0", "1", "-1", "2", "0.5"]) if t.value.dtype.kind != "c" else "0"
            if t.value.dtype.kind == "c":
                op = rng.choice(["==", "!="])
            mask = f"{t.fmt} {op} {lit}"
        elif rng.random() < 0.5:
            mask = f"np.isnan({t.fmt})" if t.value.dtype.kind in "fc" else f"{t.fmt} != 0"
        else:
            m = self.var(lambda v: _kind(v) == "b" and np.shape(v) == np.shape(t.value))
            if m.inexact:
                raise Reject
            mask = m.fmt
        lit = self.scalar_for(t.value.dtype, mask=True)
        return E(f"{t.fmt}[{mask}] = {lit.fmt}", (), "stmt")

    AUG_OPS = ["+=", "+=", "-=", "*=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>="]

    def st_augassign(self):
        rng = self.rng
        t = self._target()
        op = rng.choice(self.AUG_OPS)
        disc = op in ("//=", "%=")
        if rng.random() < 0.03 and np.ndim(t.value) == 2 and t.value.shape[0] == t.value.shape[1]:
            op, disc = "@=", False
        if op == "**=" and t.value.dtype.kind in "iub" and rng.random() < 0.7:
            v = _lit(rng.choice(["0", "1", "2", "3"]))
        elif op == "@=":
            v = self.var(lambda v: np.shape(v) == t.value.shape)
            tdt = t.value.dtype
            if np.result_type(tdt, np.asarray(v.value).dtype).kind == "c":
                v = self.guard_finite(v)  # complex matmul only over finite values (module docstring, 7.)
            if tdt.kind in "fc":
                self._matmul_bound(t.value, v.value, tdt)
        else:
            v = self._value_for(t.value.dtype, t.value.shape, scalar_ok=True) if rng.random() < 0.3 else (
                self.partner(t, 1))
            if not _fits_into(_shape(v.value), t.value.shape):
                raise Reject
        if disc and (t.inexact or v.inexact):
            raise Reject
        if (t.inexact or v.inexact) and op != "@=":
            bare = f"({{0}} {op[:-1]} {{1}})"
            if not self.stable(bare, (t, v), self._eval(E(bare, (t, v)).src())):
                raise Reject
        tv = t.value
        fmt = f"{t.fmt} {op} {{0}}"
        if op == "@=" and tv.dtype.kind == "c":
            fmt = f"{t.fmt}[...] = np.where(np.isfinite({t.fmt}), {t.fmt}, 0)\n" + fmt
        if op == "@=" and tv.dtype.kind in "fc":
            fmt += f"\n{t.fmt} += 0.0"
        s = E(fmt, (v,), "stmt")
        inexact = v.inexact or op in ("**=", "@=") and tv.dtype.kind in "fc"
        s.post = lambda: self._taint(tv, inexact)
        return s

    def st_out(self):
        rng = self.rng
        t = self._target()
        shape = t.value.shape
        if rng.random() < 0.2:
            return self._reduce_out(t)
        if rng.random() < 0.35:
            w, fmt, kinds, flags = rng.choices(UNARY, [u[0] for u in UNARY])[0]
            if not fmt.startswith("np.") or "{0})" not in fmt or "G" in flags:
                raise Reject
            x = self.var(lambda v: _kind(v) in kinds and _fits_into(np.shape(v), shape))
            args = (x,)
        else:
            w, fmt, kinds, flags = rng.choices(BINARY, [b[0] for b in BINARY])[0]
            if not fmt.startswith("np."):
                raise Reject
            x = self.var(lambda v: _kind(v) in kinds and _fits_into(np.shape(v), shape))
            y = self.partner(x, 1, kinds=kinds)
            args = (x, y) if rng.random() < 0.5 else (y, x)
        if "D" in flags and any(a.inexact for a in args):
            raise Reject
        if "N" in flags:
            args = args[:-1] + (self.guard_nan_sign(args[-1]),)
        if any(a.inexact for a in args):
            if not self.stable(fmt, args, self._eval(E(fmt, args).src())):
                raise Reject
        out = f"out={t.fmt}" if rng.random() < 0.85 else f"out=({t.fmt},)"
        call = fmt[:-1] + f", {out})"
        if "Z" in flags and t.value.dtype.kind in "fc":
            call += f"\n{t.fmt} += 0.0"
        s = E(call, args, "stmt")
        tv = t.value
        inexact = "I" in flags or "P" in flags or any(a.inexact for a in args) or (
            "C" in flags and any(_kind(a.value) == "c" for a in args))
        if inexact and tv.dtype.kind in "fc":
            # The values carry the rounding of the loop NumPy ran, which may be
            # narrower than `out` (np.exp(int16, out=complex128) runs float32's).
            self._note_inexact(tv.dtype)
            loop = _loop_precision(fmt, [a.value for a in args], out=tv.dtype)
            if loop is not None:
                self._note_inexact(loop)
        s.post = lambda: self._taint(tv, inexact)
        return s

    def _reduce_out(self, t):
        rng = self.rng
        name = rng.choice(["sum", "prod", "max", "min", "mean", "any", "all"])
        x = self.var(lambda v: _kind(v) in "biufc" and np.ndim(v) >= np.ndim(t.value))
        nd = np.ndim(x.value)
        axis = rng.randint(-nd, nd - 1) if nd and rng.random() < 0.8 else None
        kw = f", axis={axis}" if axis is not None else ""
        res = self._eval(f"np.{name}({x.fmt}{kw})")
        if np.shape(res) != t.value.shape or np.asarray(res).dtype != t.value.dtype:
            raise Reject
        if name in ("any", "all") and x.inexact:
            raise Reject
        exact = self._reduction_ok(x, name, None)
        if x.inexact and not self.stable(f"np.{name}({{0}}{kw})", (x,), res):
            raise Reject
        fmt = f"np.{name}({{0}}{kw}, out={t.fmt})"
        if name in ("sum", "mean", "max", "min") and t.value.dtype.kind in "fc":
            fmt += f"\n{t.fmt} += 0.0"
        s = E(fmt, (x,), "stmt")
        tv = t.value
        inexact = x.inexact or (name != "sum" or not exact) and name not in ("max", "min", "any", "all")
        s.post = lambda: self._taint(tv, inexact and tv.dtype.kind in "fc")
        return s

    def st_fill(self):
        t = self._target()
        lit = self.scalar_for(t.value.dtype)
        return E(f"{t.fmt}.fill({lit.fmt})", (), "stmt")

    def st_copyto(self):
        rng = self.rng
        t = self._target()
        v = self._value_for(t.value.dtype, t.value.shape)
        if rng.random() < 0.2:
            m = self.var(lambda x: _kind(x) == "b" and _fits_into(np.shape(x), t.value.shape))
            if m.inexact:
                raise Reject
            s = E(f"np.copyto({t.fmt}, {{0}}, where={{1}})", (v, m), "stmt")
        else:
            s = E(f"np.copyto({t.fmt}, {{0}})", (v,), "stmt")
        tv = t.value
        s.post = lambda: self._taint(tv, v.inexact)
        return s

    def st_sort(self):
        t = self.var(lambda v: np.ndim(v) > 0 and _kind(v) in "biufc", arrays_only=True)
        nd = t.value.ndim
        fmt = self.rng.choice([f"{t.fmt}.sort()", f"{t.fmt}.sort(axis={self.rng.randint(-nd, nd - 1)})"])
        return E(fmt, (), "stmt")

    def st_divmod(self):
        x = self.operand(1, lambda v: _kind(v) in "biuf")
        y = self.partner(x, 1, kinds="biuf")
        if x.inexact or y.inexact:
            raise Reject
        fmt = self.rng.choice(["divmod({0}, {1})", "np.divmod({0}, {1})"])
        self.node("np.floor_divide({0}, {1})", (x, y), disc=True)  # raises here where divmod would
        q, r = self._new_name(), self._new_name()
        return E(f"{q}, {r} = {fmt}", (x, y), "stmt")

    def st_empty_like(self):
        rng = self.rng
        x = self.var()
        name = self._new_name()
        dt = rng.choice(DTYPES) if rng.random() < 0.4 else np.asarray(x.value).dtype
        d = f", dtype={_dt_src(dt)}" if rng.random() < 0.5 or dt != np.asarray(x.value).dtype else ""
        if rng.random() < 0.5:
            lit = self.literal(int_safe=True) if dt.kind in "iub" else self.literal()
            return E(f"{name} = np.empty_like({{0}}{d})\n{name}.fill({lit.fmt})", (x,), "stmt")
        v = self._value_for(dt, np.shape(x.value))
        s = E(f"{name} = np.empty_like({{0}}{d})\n{name}[...] = {{1}}", (x, v), "stmt")
        s.post = lambda: self._set_taint(name, v.inexact and dt.kind in "fc")
        return s

    # -- deliberate errors --

    def st_error(self):
        rng = self.rng
        name = self._new_name()
        k = rng.randrange(14)
        x = self.var()
        shape, nd = _shape(x.value), np.ndim(x.value)
        if k == 0:
            fmt = f"np.sum({{0}}, axis={nd + rng.randint(0, 2)})"
        elif k == 1:
            fmt = f"np.expand_dims({{0}}, {nd + 2})"
        elif k == 2:
            bad = [i for i, s in enumerate(shape) if s != 1]
            if not bad:
                raise Reject
            fmt = f"{{0}}.squeeze(axis={rng.choice(bad)})"
        elif k == 3:
            if not nd:
                fmt = "{0}[0]"
            else:
                fmt = rng.choice([f"{{0}}[{shape[0] + rng.randint(0, 2)}]", f"{{0}}[..., {-shape[-1] - 1}]",
                                  f"{{0}}[np.array([{shape[0]}])]", f"np.take({{0}}, [{math.prod(shape) + 1}])"])
        elif k == 4:
            t = self._target()
            if not t.value.ndim:
                raise Reject
            return E(f"{t.fmt}[{t.value.shape[0]}] = 0", (), "stmt")
        elif k == 5:
            m = (shape[-1] + 1) if nd and shape[-1] > 0 else 2
            if nd and shape[-1] == 1:
                m = 2 if rng.random() < 0.5 else 3
                fmt = f"{{0}} + np.ones(({m}, {shape[-1] + 1 if shape[-1] > 1 else 0}))"
            else:
                fmt = f"{{0}} + np.ones({m})"
            if not nd:
                raise Reject
        elif k == 6:
            t = self.var(lambda v: v.dtype.kind in "iub", arrays_only=True)
            v = self.var(lambda v: _kind(v) in "fc") if rng.random() < 0.6 else _lit("1.5")
            op = rng.choice(["+=", "-=", "*=", "/="])
            return E(f"{t.fmt} {op} {{0}}", (v,), "stmt")
        elif k == 7:
            x = self.var(lambda v: _kind(v) in "iu")
            fmt = rng.choice(["{0} ** -1", "np.power({0}, -2)", "{0} ** np.int8(-1)"])
        elif k == 8:
            fmt = f"{{0}}.reshape({math.prod(shape) + 1})"
        elif k == 9:
            x = self.var(lambda v: np.ndim(v) in (1, 2))
            y = self.var(lambda v: np.ndim(v) in (1, 2) and np.shape(v)[0] != np.shape(x.value)[-1])
            name2 = name
            return E(f"{name2} = {{0}} @ {{1}}", (x, y), "stmt")
        elif k == 10:
            x = self.var(lambda v: _kind(v) in "iu")
            fmt = rng.choice(["{0} + 300", "{0} - 2**70", "np.full_like({0}, -1) + {0}"])
        elif k == 11:
            x = self.var(lambda v: _kind(v) in "fc")
            fmt = rng.choice(["~{0}", "{0} & 1", "{0} << 1", "np.gcd({0}, 2)"])
        elif k == 12:
            t = self.var(lambda v: v.dtype.kind in "iu" and v.ndim > 0 and v.size > 0, arrays_only=True)
            return E(f"{t.fmt}[{rng.choice(['0', '-1', '...'])}] = {rng.choice(['np.nan', 'np.inf', '1e20', '-1.0', '300'])}", (), "stmt")
        else:
            x = self.var(lambda v: np.ndim(v) > 0)
            fmt = rng.choice(["np.max({0}[:0])", "np.argmin({0}[:0])", "{0}[:0].min()"])
        return E(f"{name} = {fmt}", (x,), "stmt")

    STATEMENTS = None  # set below

    def statement(self, want_error):
        rng = self.rng
        for attempt in range(40):
            keep_error = want_error or rng.random() < P_NATURAL_ERROR
            try:
                if want_error and attempt < 25:
                    cand = self.st_error() if rng.random() < 0.6 else self.st_assign()
                else:
                    fn = rng.choices(self.STATEMENTS[0], self.STATEMENTS[1])[0]
                    cand = fn(self)
            except Reject:
                continue
            except Raising as r:
                if not keep_error:
                    continue
                cand = E(f"{self._new_name()} = {{0}}", (r.node,), "stmt")
            except Exception:  # noqa: BLE001 -- the generator's own shape logic missed: draw again
                continue
            exc = self._exec(cand.src())
            if exc is None:
                if cand.post is not None:
                    cand.post()
                return cand
            if keep_error:
                cand.raises = True
                return cand
            self._replay()
        return None

    def ret(self):
        rng = self.rng
        defined = [n for n in self.env if _is_value(self.env[n])]
        if not defined:
            return E("return None", (), "stmt")
        last = [n for n in defined if n.startswith("v")] or defined

        def v(name):
            e = E(name, kind="var")
            e.value = self.env[name]
            return e

        r = rng.random()
        if r < 0.5:
            return E("return {0}", (v(last[-1]),), "stmt")
        if r < 0.65:
            a, b = v(rng.choice(defined)), v(rng.choice(last))
            return E("return {0}", (E("({0}, {1})", (a, b)),), "stmt")
        if r < 0.88:
            for _ in range(8):
                try:
                    e = self.expr(1)
                    return E("return {0}", (e,), "stmt")
                except (Reject, Raising):
                    continue
            return E("return {0}", (v(last[-1]),), "stmt")
        if r < 0.95:
            return E("return None", (), "stmt")
        a, b = v(rng.choice(defined)), v(rng.choice(defined))
        return E("return {0}", (E("[{0}, {1}]", (a, b)),), "stmt")

    def program(self):
        rng = self.rng
        self.params, self.args = self._inputs()
        self.body = []
        self.inexact = set()
        self.tol = None
        self.scale = 0.0
        self.nvars = 0
        self._replay()
        n = rng.randint(1, 11)  # and the return: 2-12 statements
        error_at = rng.randrange(n) if rng.random() < P_DELIBERATE_ERROR else None
        raised = False
        for i in range(n):
            s = self.statement(error_at is not None and i >= error_at)
            if s is None:
                continue
            self.body.append(s)
            if s.raises:
                raised = True
                break
        if not raised:
            self.body.append(self.ret())
        for s in self.body:
            _strip(s)
        return Program(self.params, self.args, self.body, seed=self.seed, index=self.index, tol=self.tol,
                       scale=self.scale)


def _strip(e):
    e.value = None
    e.post = None
    for a in e.args:
        _strip(a)


# (weight, fmt, operand kinds, flags): I inexact, C inexact on complex, D discontinuous,
# Z zero sign left to SIMD (+ 0.0), P inexact where the result is float, G integer guard,
# N reads the sign of a NaN (its last operand gets guard_nan_sign).
UNARY = [
    (4, "(-{0})", "iufc", ""), (3, "abs({0})", "biufc", "C"), (1, "np.absolute({0})", "biufc", "C"),
    (1, "np.negative({0})", "iufc", ""), (2, "(~{0})", "biu", ""), (1, "np.invert({0})", "biu", ""),
    (3, "np.sin({0})", "biufc", "I"), (2, "np.cos({0})", "biufc", "I"), (1, "np.tan({0})", "biufc", "I"),
    (3, "np.exp({0})", "biufc", "I"), (3, "np.log({0})", "biufc", "I"), (3, "np.sqrt({0})", "biufc", "C"),
    (2, "np.tanh({0})", "biufc", "I"), (1, "np.arcsin({0})", "biufc", "I"), (1, "np.arccos({0})", "biufc", "I"),
    (1, "np.arctan({0})", "biufc", "I"), (1, "np.sinh({0})", "biufc", "I"), (1, "np.cosh({0})", "biufc", "I"),
    (1, "np.arcsinh({0})", "biufc", "I"), (1, "np.arccosh({0})", "biufc", "I"),
    (1, "np.arctanh({0})", "biufc", "I"), (1, "np.exp2({0})", "biufc", "I"), (1, "np.expm1({0})", "biufc", "I"),
    (1, "np.log2({0})", "biufc", "I"), (1, "np.log10({0})", "biufc", "I"), (1, "np.log1p({0})", "biufc", "I"),
    (1, "np.cbrt({0})", "biuf", "I"), (2, "np.square({0})", "biufc", ""), (1, "np.reciprocal({0})", "fc", ""),
    (1, "np.reciprocal({0})", "biu", "G"),
    (2, "np.sign({0})", "biufc", "D"), (2, "np.floor({0})", "biuf", "D"), (2, "np.ceil({0})", "biuf", "D"),
    (1, "np.trunc({0})", "biuf", "D"), (1, "np.fix({0})", "biuf", "D"), (1, "np.rint({0})", "biuf", "D"),
    (2, "np.isnan({0})", "biufc", ""), (1, "np.isinf({0})", "biufc", ""), (1, "np.isfinite({0})", "biufc", ""),
    (1, "np.signbit({0})", "biuf", "DN"), (1, "np.deg2rad({0})", "biuf", "I"), (1, "np.rad2deg({0})", "biuf", "I"),
    (1, "np.logical_not({0})", "biufc", "D"), (1, "np.conjugate({0})", "biufc", ""),
    (1, "np.angle({0})", "biufc", "DI"), (1, "np.real({0})", "biufc", ""), (1, "np.imag({0})", "biufc", ""),
]

BINARY = [
    (8, "({0} + {1})", "biufc", ""), (5, "({0} - {1})", "iufc", ""), (6, "({0} * {1})", "biufc", ""),
    (4, "({0} / {1})", "biufc", ""), (2, "({0} // {1})", "biuf", "D"), (2, "({0} % {1})", "biuf", "D"),
    (3, "({0} ** {1})", "biufc", "P"), (1, "np.add({0}, {1})", "biufc", ""),
    (1, "np.subtract({0}, {1})", "iufc", ""), (1, "np.multiply({0}, {1})", "biufc", ""),
    (1, "np.true_divide({0}, {1})", "biufc", ""), (1, "np.floor_divide({0}, {1})", "biuf", "D"),
    (1, "np.remainder({0}, {1})", "biuf", "D"), (1, "np.fmod({0}, {1})", "biuf", "D"),
    (1, "np.power({0}, {1})", "biufc", "P"), (1, "np.float_power({0}, {1})", "biufc", "I"),
    (3, "np.maximum({0}, {1})", "biufc", ""), (3, "np.minimum({0}, {1})", "biufc", ""),
    (1, "np.fmax({0}, {1})", "biufc", "Z"), (1, "np.fmin({0}, {1})", "biufc", "Z"),
    (1, "np.arctan2({0}, {1})", "biuf", "I"), (1, "np.hypot({0}, {1})", "biuf", "I"),
    (1, "np.copysign({0}, {1})", "biuf", "DN"), (1, "np.logaddexp({0}, {1})", "biuf", "I"),
    (1, "np.logaddexp2({0}, {1})", "biuf", "I"), (1, "np.heaviside({0}, {1})", "biuf", "D"),
    (1, "np.nextafter({0}, {1})", "biuf", ""), (1, "np.logical_and({0}, {1})", "biufc", "D"),
    (1, "np.logical_or({0}, {1})", "biufc", "D"), (1, "np.logical_xor({0}, {1})", "biufc", "D"),
    (1, "np.gcd({0}, {1})", "biu", ""), (1, "np.lcm({0}, {1})", "biu", ""),
    (1, "np.left_shift({0}, {1})", "biu", ""), (1, "np.right_shift({0}, {1})", "biu", ""),
    (1, "np.bitwise_and({0}, {1})", "biu", ""), (1, "np.bitwise_xor({0}, {1})", "biu", ""),
]

# (name, operand kinds, flags, weight): S inexact unless exactly summable, I inexact, D, Z
REDUCTIONS = [
    ("sum", "biufc", "SZ", 8), ("mean", "biufc", "IZ", 3), ("var", "biufc", "I", 2), ("std", "biufc", "I", 2),
    ("max", "biufc", "Z", 3), ("min", "biufc", "Z", 3), ("prod", "biufc", "I", 2), ("argmax", "biufc", "D", 2),
    ("argmin", "biufc", "D", 2), ("any", "biufc", "D", 2), ("all", "biufc", "D", 2),
]

Generator._builders = (
    [Generator.ex_var, Generator.ex_unary, Generator.ex_binary, Generator.ex_compare, Generator.ex_bitwise,
     Generator.ex_where, Generator.ex_clip, Generator.ex_round, Generator.ex_reduce, Generator.ex_cumulative,
     Generator.ex_shape, Generator.ex_index, Generator.ex_astype, Generator.ex_concat, Generator.ex_matmul,
     Generator.ex_sort, Generator.ex_create, Generator.ex_mask_read],
    [6, 18, 25, 6, 4, 4, 3, 2, 12, 3, 8, 8, 4, 3, 3, 2, 4, 0.4],
)

Generator.STATEMENTS = (
    [Generator.st_assign, Generator.st_view, Generator.st_setitem, Generator.st_mask, Generator.st_augassign,
     Generator.st_out, Generator.st_fill, Generator.st_copyto, Generator.st_sort, Generator.st_divmod,
     Generator.st_empty_like],
    [45, 10, 10, 5, 10, 6, 2, 4, 2, 3, 2],
)


def generate(seed, index):
    rng = random.Random(f"npcompile-fuzz:{seed}:{index}")
    return Generator(rng, seed, index).program()


# ---- the oracle -----------------------------------------------------------------


class Raised:
    def __init__(self, exc):
        self.exc = exc

    def __repr__(self):
        return f"raises {type(self.exc).__name__}: {self.exc}"


def public_type(exc):
    """The exception's class, or the first public one it derives from (as conftest)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins" or not any(part.startswith("_") for part in cls.__module__.split(".")):
            return cls
    return type(exc)


def run_numpy(fn, args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args)
        except Exception as e:  # noqa: BLE001
            return Raised(e)


class Mismatch:
    def __init__(self, sig, message, expected, got):
        self.sig, self.message = sig, message
        self.expected, self.got = expected, got
        self.program = None
        self.minimized = None
        self.repro = None


class Outcome:
    def __init__(self):
        self.mismatches = []
        self.fallback = []        # reasons
        self.numpy_raised = None
        self.class_differs = None  # (NumPy class, compiled class) where only the private class differs


def _fmt(x):
    if isinstance(x, (Raised, str)):
        return str(x)
    with np.printoptions(precision=17, threshold=200):
        return repr(x)


def _close(a, e, rtol, atol):
    with np.errstate(all="ignore"):
        a = np.asarray(a)
        e = np.asarray(e)
        if e.dtype.kind == "c":
            both_nan = np.isnan(a) & np.isnan(e)
            ok = both_nan | (_close_real(a.real, e.real, rtol, atol) & _close_real(a.imag, e.imag, rtol, atol))
            return bool(np.all(ok))
        return bool(np.all(_close_real(a, e, rtol, atol)))


def _close_real(a, e, rtol, atol):
    a = a.astype(np.float64)
    e = e.astype(np.float64)
    return (np.isnan(a) & np.isnan(e)) | (a == e) | (np.abs(a - e) <= atol + rtol * np.abs(e))


def compare(actual, expected, *, tol=None, scale=0.0, path="result"):
    """(signature, message) of the first difference, or None."""
    if isinstance(expected, (tuple, list)):
        if type(actual) is not type(expected):
            return "type", f"{path}: got {type(actual).__name__}, NumPy gives {type(expected).__name__}"
        if len(actual) != len(expected):
            return "structure", f"{path}: length {len(actual)}, NumPy gives {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            d = compare(a, e, tol=tol, scale=scale, path=f"{path}[{i}]")
            if d:
                return d
        return None
    if not isinstance(expected, (np.ndarray, np.generic)):
        if type(actual) is not type(expected) or not (actual == expected or (actual != actual and expected != expected)):
            return "type", f"{path}: got {actual!r}, NumPy gives {expected!r}"
        return None
    if isinstance(expected, np.generic):
        if not isinstance(actual, np.generic):
            return "type", f"{path}: NumPy gives a NumPy scalar {type(expected).__name__}, got {type(actual).__name__}"
    elif type(actual) is not np.ndarray:
        return "type", f"{path}: NumPy gives an ndarray, got {type(actual).__name__}"
    if actual.dtype != expected.dtype:
        return "dtype", f"{path}: dtype {actual.dtype}, NumPy gives {expected.dtype}"
    if actual.shape != expected.shape:
        return "shape", f"{path}: shape {actual.shape}, NumPy gives {expected.shape}"
    if expected.dtype.kind in "fc":
        prec = _real_dtype(expected.dtype)
        if tol is not None and tol.itemsize < prec.itemsize:
            prec = tol
        rtol, atol = TOLERANCE[prec]
        if scale and math.isfinite(scale):
            atol = max(atol, 8 * EPS[prec] * scale)
        ok = _close(actual, expected, rtol, atol)
    else:
        ok = bool(np.array_equal(actual, expected))
    if not ok:
        return f"value {expected.dtype}", f"{path}: values differ ({expected.dtype}{list(expected.shape)})"
    return None


def _exc_sig(exc):
    """An exception's class and words, without the values in them."""
    text = str(exc).split("\n")[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'_'", text)
    text = re.sub(r"\(.*?\)", "(_)", text)
    text = re.sub(r"-?\b\d+(\.\d+)?(e[+-]?\d+)?\b", "N", text)
    return f"{type(exc).__name__}: {text[:70]}"


def _reason(message):
    m = re.match(r".*? runs under NumPy for this signature: (.*) \([^()]*:\d+\)$", message, re.S)
    text = m.group(1) if m else message
    return re.sub(r"\b\d+\b", "N", text)


def check(prog):
    """Run a program under NumPy and compiled (twice); the Outcome."""
    from npcompile import NpCompileWarning, np_compile

    out = Outcome()
    fn = prog.function()
    np_args = prog.fresh_args()
    expected = run_numpy(fn, np_args)
    out.numpy_raised = isinstance(expected, Raised)
    cfn = np_compile(fn)
    for call in (1, 2):
        c_args = prog.fresh_args()
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            try:
                got = cfn(*c_args)
            except Exception as e:  # noqa: BLE001
                got = Raised(e)
        for w in ws:
            if issubclass(w.category, NpCompileWarning):
                out.fallback.append(_reason(str(w.message)))
        where = "" if call == 1 else " (second call, cached plan)"
        if isinstance(expected, Raised):
            want = public_type(expected.exc)
            if not isinstance(got, Raised):
                out.mismatches.append(Mismatch(f"no exception ({want.__name__})",
                                               f"NumPy raises {want.__name__}, compiled returns{where}", expected, got))
            elif public_type(got.exc) is not want:
                out.mismatches.append(Mismatch(
                    f"exception class ({want.__name__} vs {public_type(got.exc).__name__})",
                    f"NumPy raises {want.__name__}, compiled raises {type(got.exc).__name__}{where}", expected, got))
            elif type(got.exc) is not type(expected.exc):
                # NumPy's own (often private) class, e.g. _UFuncNoLoopError, is part of its answer.
                out.mismatches.append(Mismatch(
                    f"exception subclass ({type(expected.exc).__qualname__} vs {type(got.exc).__qualname__})",
                    f"NumPy raises {type(expected.exc).__module__}.{type(expected.exc).__qualname__}, "
                    f"compiled raises {type(got.exc).__module__}.{type(got.exc).__qualname__}{where}", expected, got))
            continue
        if isinstance(got, Raised):
            out.mismatches.append(Mismatch(f"compiled raises {_exc_sig(got.exc)}",
                                           f"compiled raises {type(got.exc).__name__}{where}; NumPy returns",
                                           expected, got))
            continue
        d = compare(got, expected, tol=prog.tol, scale=prog.scale)
        shown_exp, shown_got = expected, got
        if d is None:
            for name, a_np, a_c in zip(prog.params, np_args, c_args):
                if isinstance(a_np, np.ndarray):
                    d = compare(a_c, a_np, tol=prog.tol, scale=prog.scale, path=f"input {name} after the call")
                    if d is not None:
                        d = ("mutation " + d[0], d[1])
                        shown_exp, shown_got = f"{name} = {_fmt(a_np)}", f"{name} = {_fmt(a_c)}"
                        break
        if d is not None:
            out.mismatches.append(Mismatch(d[0], d[1] + where, shown_exp, shown_got))
    # A difference only on the second call (the cached plan) is a class of its own.
    first = [m for m in out.mismatches if "second call" not in m.message]
    if not first:
        for m in out.mismatches:
            m.sig = "second call only: " + m.sig
    # Same class twice: keep one.
    seen, uniq = set(), []
    for m in out.mismatches:
        if m.sig not in seen:
            seen.add(m.sig)
            uniq.append(m)
    out.mismatches = uniq
    return out


# ---- minimization -------------------------------------------------------------


def _paths(e, path=()):
    for i, a in enumerate(e.args):
        yield path + (i,), a
        yield from _paths(a, path + (i,))


def _replace(e, path, new):
    if not path:
        return new
    args = list(e.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return e.clone(args)


def _lowest_precision(prog):
    """The lowest float precision of any value (subexpressions included) the
    program computes under NumPy, or None."""
    env = dict(zip(prog.params, prog.fresh_args()))
    g = {"np": np}
    low = None

    def note(v):
        nonlocal low
        if isinstance(v, (tuple, list)):
            for x in v:
                note(x)
        elif _is_value(v) and v.dtype.kind in "fc":
            p = _real_dtype(v.dtype)
            if low is None or p.itemsize < low.itemsize:
                low = p

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for st in prog.body:
            for _, node in _paths(st):
                if node.kind in ("op", "guard"):
                    try:
                        note(eval(node.src(), g, env))
                    except Exception:  # noqa: BLE001
                        pass
            src = st.src()
            if src.startswith("return"):
                src = "_ret = " + (src[len("return"):].strip() or "None")
            try:
                exec(src, g, env)
            except Exception:  # noqa: BLE001
                break
            for v in env.values():
                note(v)
    return low


def _rename(e, old, new):
    c = e.clone([_rename(a, old, new) for a in e.args])
    c.fmt = re.sub(rf"\b{old}\b", new, e.fmt)
    return c


class Minimizer:
    def __init__(self, sig, *, budget_s=60.0, max_tries=600):
        self.sig = sig
        self.deadline = time.monotonic() + budget_s
        self.tries = max_tries

    def fails(self, prog):
        if self.tries <= 0 or time.monotonic() > self.deadline:
            return False
        self.tries -= 1
        # A candidate is compared at the lowest float precision it computes
        # anywhere: simplifying may leave a float32 value that went through an
        # inexact op inside a float64 result, and rounding noise is not the bug.
        low = _lowest_precision(prog)
        if low is not None and (prog.tol is None or low.itemsize < prog.tol.itemsize):
            prog.tol = low
        try:
            out = check(prog)
        except Exception:  # noqa: BLE001 -- a candidate that breaks the harness does not fail the same way
            return False
        return any(m.sig == self.sig for m in out.mismatches)

    def out_of_budget(self):
        return self.tries <= 0 or time.monotonic() > self.deadline

    def run(self, prog):
        changed = True
        while changed and not self.out_of_budget():
            changed = False
            for step in (self.drop_statements, self.inline_aliases, self.simplify_exprs, self.drop_params,
                         self.shrink_shapes, self.simplify_values):
                new = step(prog)
                if new is not None:
                    prog, changed = new, True
        return prog

    def drop_statements(self, prog):
        body, improved = list(prog.body), False
        chunk = max(1, len(body) // 2)
        while chunk >= 1:
            i = 0
            while i < len(body):
                cand = body[:i] + body[i + chunk:]
                p = prog.replace(body=cand)
                if cand != body and self.fails(p):
                    body, improved = cand, True
                else:
                    i += chunk
            chunk //= 2
        return prog.replace(body=body) if improved else None

    def simplify_exprs(self, prog):
        body, improved = list(prog.body), False
        progress = True
        while progress and not self.out_of_budget():
            progress = False
            for si in range(len(body)):
                for path, node in list(_paths(body[si])):
                    cands = []
                    if node.kind == "op":
                        cands = [a for a in node.args if a.kind in ("op", "var", "lit", "guard")]
                    elif node.kind == "lit" and node.fmt not in ("0", "1"):
                        cands = [E("0", kind="lit"), E("1", kind="lit")]
                    for c in cands:
                        try:
                            new = _replace(body[si], path, c)
                        except IndexError:
                            continue
                        cand = body[:si] + [new] + body[si + 1:]
                        if self.fails(prog.replace(body=cand)):
                            body, improved, progress = cand, True, True
                            break
                    if progress:
                        break
                if progress:
                    break
        return prog.replace(body=body) if improved else None

    def inline_aliases(self, prog):
        """`v1 = v0` (or `v1 = a`): use v0 for v1 and drop the statement."""
        body, improved = list(prog.body), False
        i = 0
        while i < len(body):
            st = body[i]
            m = re.fullmatch(r"(v\d+) = \{0\}", st.fmt)
            if m and st.args[0].kind == "var":
                old, new = m.group(1), st.args[0].fmt
                cand = body[:i] + [_rename(x, old, new) for x in body[i + 1:]]
                if self.fails(prog.replace(body=cand)):
                    body, improved = cand, True
                    continue
            i += 1
        return prog.replace(body=body) if improved else None

    def drop_params(self, prog):
        src = "\n".join(s.src() for s in prog.body)
        keep = [i for i, p in enumerate(prog.params) if re.search(rf"\b{p}\b", src)]
        if len(keep) == len(prog.params):
            return None
        p = prog.replace(params=[prog.params[i] for i in keep], args=[prog.args[i] for i in keep])
        return p if self.fails(p) else None

    def _with_arg(self, prog, i, value):
        args = list(prog.args)
        args[i] = value
        return prog.replace(args=args)

    def shrink_shapes(self, prog):
        improved = False
        for i in range(len(prog.args)):
            a = prog.args[i]
            if not isinstance(a, np.ndarray):
                continue
            for axis in range(a.ndim):
                for size in (1, a.shape[axis] // 2, a.shape[axis] - 1):
                    a = prog.args[i]
                    if axis >= a.ndim or not 0 < size < a.shape[axis]:
                        continue
                    cand = np.take(a, range(size), axis=axis)
                    p = self._with_arg(prog, i, np.ascontiguousarray(cand))
                    if self.fails(p):
                        prog, improved = p, True
                        break
            a = prog.args[i]
            if a.ndim and a.shape[0] >= 1:
                p = self._with_arg(prog, i, np.ascontiguousarray(a[0]))
                if self.fails(p):
                    prog, improved = p, True
        return prog if improved else None

    def simplify_values(self, prog):
        improved = False
        for i in range(len(prog.args)):
            a = prog.args[i]
            simple = [0, 1] if np.asarray(a).dtype.kind != "b" else [False, True]
            if isinstance(a, np.generic):
                for s in simple:
                    if a != s:
                        p = self._with_arg(prog, i, a.dtype.type(s))
                        if self.fails(p):
                            prog, improved = p, True
                            break
                continue
            # all at once, then element by element
            for s in simple:
                if a.size and not np.all(a == s):
                    p = self._with_arg(prog, i, np.full_like(a, s))
                    if self.fails(p):
                        prog, improved = p, True
                        break
            a = prog.args[i]
            if a.size > 64:
                continue
            for j in range(a.size):
                for sv in simple:
                    cur = prog.args[i]
                    v = cur.reshape(-1)[j]
                    if v == sv and not (cur.dtype.kind in "fc" and np.signbit(v.real)):
                        break
                    new = cur.copy()
                    new.reshape(-1)[j] = sv
                    p = self._with_arg(prog, i, new)
                    if self.fails(p):
                        prog, improved = p, True
                        break
        return prog if improved else None


def repro(prog, mismatch):
    """A short self-contained program that shows the mismatch."""
    lines = [
        f"# npcompile fuzz, {prog.label()}: {mismatch.sig}: {mismatch.message}",
        "import numpy as np",
        "from npcompile import np_compile",
        "",
        prog.source().rstrip(),
        "",
        "def inputs():",
        f"    return [{', '.join(value_src(a) for a in prog.args)}]",
        "",
        "def show(fn):",
        "    args = inputs()",
        "    with np.errstate(all='ignore'):",
        "        try:",
        "            return fn(*args), args",
        "        except Exception as e:",
        "            return f'raises {type(e).__name__}: {e}', args",
        "",
        "print('NumPy:   ', *show(f))",
        "print('compiled:', *show(np_compile(f)))",
    ]
    exp, got = mismatch.expected, mismatch.got
    lines.append(f"# NumPy:    {_fmt(exp)}".replace("\n", "\n#           "))
    lines.append(f"# compiled: {_fmt(got)}".replace("\n", "\n#           "))
    return "\n".join(lines)


# ---- the driver -----------------------------------------------------------------


class Report:
    def __init__(self, seed):
        self.seed = seed
        self.programs = 0
        self.compiled = 0
        self.fell_back = 0
        self.numpy_raised = 0
        self.reasons = collections.Counter()
        self.class_differs = collections.Counter()
        self.mismatches = []   # Mismatch, with .program and .repro
        self.by_sig = collections.Counter()
        self.harness_errors = []
        self.seconds = 0.0

    def summary(self):
        n_mis = sum(self.by_sig.values())
        rate = self.programs / self.seconds if self.seconds else float("nan")
        lines = [f"fuzz: {self.programs} programs (seed {self.seed}): {self.compiled} compiled, "
                 f"{self.fell_back} fell back, {n_mis} mismatches "
                 f"({self.numpy_raised} raise under NumPy; {self.seconds:.1f} s, {rate:.1f} programs/s)"]
        if self.reasons:
            lines.append("top fallback reasons:")
            lines += [f"  {n:6d}  {r}" for r, n in self.reasons.most_common(10)]
        if self.class_differs:
            lines.append("same public exception, different class (not a mismatch):")
            lines += [f"  {n:6d}  NumPy {a}, compiled {b}" for (a, b), n in self.class_differs.most_common(10)]
        if self.by_sig:
            lines.append("mismatches by class:")
            lines += [f"  {n:6d}  {s}" for s, n in self.by_sig.most_common()]
        if self.harness_errors:
            lines.append(f"harness errors: {len(self.harness_errors)}")
        return "\n".join(lines)


def fuzz(n, seed=0, start=0, *, minimize=True, max_minimize=12, per_sig=2, minimize_budget_s=60.0,
         show=False, verbose=False, out=sys.stdout):
    """Generate and check programs start..start+n-1 of `seed`; a Report."""
    import npcompile  # noqa: F401 -- fail early when the extension is missing

    rep = Report(seed)
    t0 = time.monotonic()
    minimized_per_sig = collections.Counter()
    for k in range(start, start + n):
        try:
            prog = generate(seed, k)
        except Exception:  # noqa: BLE001
            rep.harness_errors.append((k, traceback.format_exc()))
            continue
        if show and out:
            print(f"# {prog.label()}\n{prog.source()}", file=out)
        try:
            res = check(prog)
        except Exception:  # noqa: BLE001
            rep.harness_errors.append((k, traceback.format_exc()))
            if out:
                print(f"harness error in {prog.label()}:\n{traceback.format_exc()}", file=out)
            continue
        rep.programs += 1
        rep.numpy_raised += res.numpy_raised
        if res.fallback:
            rep.fell_back += 1
            rep.reasons[res.fallback[0]] += 1
        else:
            rep.compiled += 1
        if res.class_differs:
            rep.class_differs[res.class_differs] += 1
        if verbose and out:
            status = "MISMATCH" if res.mismatches else "fallback" if res.fallback else "ok"
            print(f"{prog.label()}: {status}", file=out)
        for m in res.mismatches:
            rep.by_sig[m.sig] += 1
            m.program = prog
            if minimize and len([x for x in rep.mismatches if x.minimized]) < max_minimize \
                    and minimized_per_sig[m.sig] < per_sig:
                minimized_per_sig[m.sig] += 1
                small = Minimizer(m.sig, budget_s=minimize_budget_s).run(prog)
                final = check(small)
                mm = next((x for x in final.mismatches if x.sig == m.sig), m)
                m.minimized = small
                m.repro = repro(small, mm)
            else:
                m.repro = repro(prog, m)
            rep.mismatches.append(m)
            if out:
                print(f"\n=== MISMATCH {prog.label()}: {m.sig}: {m.message}\n{m.repro}\n", file=out, flush=True)
    rep.seconds = time.monotonic() - t0
    return rep


def add_arguments(p):
    p.add_argument("--n", type=int, default=1000, help="number of programs (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", type=int, default=0, help="first program index (re-run one: --start K --n 1)")
    p.add_argument("--no-minimize", action="store_true", help="print mismatching programs as generated")
    p.add_argument("--max-minimize", type=int, default=12, help="minimize at most this many mismatches")
    p.add_argument("--print", dest="show", action="store_true", help="print each program's source")
    p.add_argument("--verbose", action="store_true", help="one line per program")


def cli(opts: argparse.Namespace) -> int:
    rep = fuzz(opts.n, opts.seed, opts.start, minimize=not opts.no_minimize, max_minimize=opts.max_minimize,
               show=opts.show, verbose=opts.verbose)
    print(rep.summary())
    return 1 if rep.mismatches or rep.harness_errors else 0
