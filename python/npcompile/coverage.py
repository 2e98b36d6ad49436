"""NumPy 2's public callables (``np.*``, ``np.linalg.*``, ``np.fft.*``) and
whether each compiles: ``python -m npcompile coverage``.

Each callable is run through ``np_compile`` on the examples kept in the tests
(``tests/coverage_examples/``: ``EXAMPLES = {name: [(program, make_args),
...]}`` and ``NOT_ARRAY_FUNCTIONS = {name: why}``); ufuncs get generated
examples (arrays of a dtype one of their loops takes). A callable

- *compiles* where every example runs compiled, without a fallback, and
  gives NumPy's result (dtype, shape, values) or NumPy's exception class;
- *falls back* where an example runs under NumPy with a warning;
- is *wrong* where an example's compiled result or exception differs (a bug:
  the tests fail on it);
- is *not an array function* (I/O, printing, configuration: nothing to
  compile), or has *no example* yet.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import os
import sys
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

NAMESPACES = (("np.", np), ("np.linalg.", np.linalg), ("np.fft.", np.fft))


def public_callables() -> list[str]:
    """Public functions and ufuncs of np, np.linalg and np.fft (no classes, no modules)."""
    names = []
    for prefix, module in NAMESPACES:
        for n in sorted(dir(module)):
            if n.startswith("_"):
                continue
            f = getattr(module, n)
            if isinstance(f, types.ModuleType) or inspect.isclass(f) or not callable(f):
                continue
            names.append(prefix + n)
    return names


def resolve(name: str):
    obj = np
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


_UFUNC_DTYPES = ("d", "l", "?", "D")  # float64, int64, bool, complex128: the first a loop takes


def ufunc_examples(ufunc: np.ufunc):
    """One example per ufunc: arrays of the first dtype among float64, int64,
    bool and complex128 that one of its loops takes for every input."""
    for code in _UFUNC_DTYPES:
        loop = next((t for t in ufunc.types if t.split("->")[0] == code * ufunc.nin), None)
        if loop is not None:
            break
    else:
        return []
    dtype = np.dtype(code)

    def make():
        rng = np.random.default_rng(0)
        arrays = []
        for k in range(ufunc.nin):
            if dtype.kind == "b":
                a = rng.random((3, 4)) > 0.5
            elif dtype.kind == "i":
                a = rng.integers(1, 6, (3, 4)).astype(dtype)
            elif dtype.kind == "c":
                a = (rng.random((3, 4)) + 0.1 + 1j * rng.random((3, 4))).astype(dtype)
            else:
                a = (rng.random((3, 4)) * 0.8 + 0.1).astype(dtype)  # in (0, 1): every float domain
            arrays.append(a)
        return tuple(arrays)

    def program(*args):
        return ufunc(*args)

    program.__name__ = f"np_{ufunc.__name__}"
    return [(program, make)]


@dataclass
class Row:
    name: str
    status: str  # compiles | falls back | wrong | not an array function | no example
    reason: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def count(self, status: str, prefix: str | None = None) -> int:
        return sum(r.status == status and (prefix is None or _namespace(r.name) == prefix) for r in self.rows)

    def to_json(self) -> dict:
        return {"counts": {s: self.count(s) for s in STATUSES},
                "top_level_compiles": self.count("compiles", "np."),
                "rows": [r.__dict__ for r in self.rows]}


STATUSES = ("compiles", "falls back", "wrong", "not an array function", "no example")


def _namespace(name: str) -> str:
    return name.rsplit(".", 1)[0] + "."


def load_table(path: str):
    """EXAMPLES and NOT_ARRAY_FUNCTIONS of every module in the table's folder."""
    examples, not_array = {}, {}
    for file in sorted(os.listdir(path)):
        if not file.endswith(".py") or file.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"coverage_examples_{file[:-3]}", os.path.join(path, file))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, ex in getattr(module, "EXAMPLES", {}).items():
            examples.setdefault(name, []).extend(ex)
        not_array.update(getattr(module, "NOT_ARRAY_FUNCTIONS", {}))
    return examples, not_array


def default_table() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(os.path.dirname(here)), "tests", "coverage_examples")


def _same(got, expected) -> str | None:
    """Why `got` is not NumPy's `expected` (None where it is)."""
    if isinstance(expected, (tuple, list)):
        if type(got) is not type(expected) or len(got) != len(expected):
            return f"{type(got).__name__} of {len(got) if hasattr(got, '__len__') else '?'}, NumPy {type(expected).__name__} of {len(expected)}"
        for g, e in zip(got, expected):
            why = _same(g, e)
            if why:
                return why
        return None
    if isinstance(expected, (np.ndarray, np.generic)) or isinstance(got, (np.ndarray, np.generic)):
        if type(got) is not type(expected):
            return f"type {type(got).__name__}, NumPy {type(expected).__name__}"
        g, e = np.asarray(got), np.asarray(expected)
        if g.dtype != e.dtype or g.shape != e.shape:
            return f"{g.dtype}{list(g.shape)}, NumPy {e.dtype}{list(e.shape)}"
        if e.dtype.kind in "fc":
            scale = float(np.max(np.abs(e[np.isfinite(e)]), initial=1.0))
            ok = np.allclose(g, e, rtol=1e-9, atol=1e-12 * max(scale, 1.0), equal_nan=True)
        else:
            ok = np.array_equal(g, e)
        return None if ok else "values differ"
    try:
        equal = got == expected or (isinstance(expected, float) and math.isnan(expected) and math.isnan(got))
    except Exception:  # noqa: BLE001
        equal = False
    return None if equal and type(got) is type(expected) else f"{got!r}, NumPy {expected!r}"


def run_example(program, make_args) -> tuple[str, str]:
    """(status, reason) of one example: compiled against NumPy on fresh arguments."""
    from npcompile import NpCompileWarning, np_compile

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = ("value", program(*make_args()))
        except Exception as e:  # noqa: BLE001 -- NumPy's exception is the expected outcome
            expected = ("raises", e)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            got = ("value", np_compile(program)(*make_args()))
        except Exception as e:  # noqa: BLE001
            got = ("raises", e)
    breaks = [w for w in caught if issubclass(w.category, NpCompileWarning)]
    if got[0] == "raises" or expected[0] == "raises":
        if got[0] != expected[0] or type(got[1]) is not type(expected[1]):
            return "wrong", f"compiled {got[0]} {got[1]!r:.120}, NumPy {expected[0]} {expected[1]!r:.120}"
        return ("falls back", str(breaks[0].message)) if breaks else ("compiles", "")
    why = _same(got[1], expected[1])
    if why:
        return "wrong", why
    if breaks:
        return "falls back", str(breaks[0].message)
    return "compiles", ""


def measure(names=None, table: str | None = None) -> Report:
    examples, not_array = load_table(table or default_table())
    report = Report()
    for name in names or public_callables():
        func = resolve(name)
        cases = examples.get(name)
        if cases is None and isinstance(func, np.ufunc):
            cases = ufunc_examples(func)
        if name in not_array:
            report.rows.append(Row(name, "not an array function", not_array[name]))
            continue
        if not cases:
            report.rows.append(Row(name, "no example"))
            continue
        outcome = ("compiles", "")
        for program, make_args in cases:
            status, reason = run_example(program, make_args)
            if status != "compiles":
                outcome = (status, reason)
                if status == "wrong":
                    break
        report.rows.append(Row(name, *outcome))
    return report


def print_report(report: Report, *, file=None, verbose=False) -> None:
    file = file or sys.stdout
    print("npcompile coverage of NumPy's public callables (np.*, np.linalg.*, np.fft.*)", file=file)
    print(f"{'namespace':12s} " + " ".join(f"{s:>22s}" for s in STATUSES), file=file)
    for prefix, _ in NAMESPACES:
        print(f"{prefix:12s} " + " ".join(f"{report.count(s, prefix):>22d}" for s in STATUSES), file=file)
    print(f"{'all':12s} " + " ".join(f"{report.count(s):>22d}" for s in STATUSES), file=file)
    print(f"\nnp.* callables that compile: {report.count('compiles', 'np.')}", file=file)
    for status in ("wrong", "falls back") + (("no example",) if verbose else ()):
        rows = [r for r in report.rows if r.status == status]
        if rows:
            print(f"\n{status} ({len(rows)}):", file=file)
            for r in rows:
                print(f"  {r.name}: {r.reason}" if r.reason else f"  {r.name}", file=file)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m npcompile coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", nargs="+", help="only these callables (np.outer np.linalg.solve ...)")
    parser.add_argument("--table", help="the examples' folder (default tests/coverage_examples)")
    parser.add_argument("--out", default="bench-results/coverage.json", help="JSON report path")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the callables with no example")
    args = parser.parse_args(argv)
    report = measure(args.names, args.table)
    print_report(report, verbose=args.verbose)
    if args.out:
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(report.to_json(), f, indent=1)
    return 1 if report.count("wrong") else 0
