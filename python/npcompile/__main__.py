"""``python -m npcompile {demo,bench,trace,fuzz}``.

demo   compile a few NumPy programs, check them against NumPy, show what the
       compiler did to one of them (``explain``), and time them against NumPy.
bench  the whole suite (``npcompile.bench``) at several sizes, with first-call
       (trace + compile) times and eager torch; writes bench-results/bench.json.
fuzz   differential fuzzing: random NumPy programs, compiled vs NumPy
       (``npcompile.fuzz``); exit status 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import sys
import traceback


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(s)) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1e3,1e5,1e6, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _import_npcompile():
    try:
        from npcompile import np_compile
    except ImportError as err:
        sys.exit(f"npcompile's extension is not importable ({err}); build it with `make build`")
    return np_compile


def demo(opts: argparse.Namespace) -> int:
    import numpy as np

    from npcompile import bench

    np_compile = _import_npcompile()
    names = opts.cases or bench.DEMO_CASES
    rng = np.random.default_rng(0)

    print("npcompile demo: NumPy programs traced, optimized and run as libtorch plans\n")
    bench.warm_library()

    print(f"Compiled results against NumPy (about {opts.size:,} elements):")
    rows, failed, fell_back = [], [], []
    for name in names:
        case = bench.CASES[name]
        args = case.make_args(opts.size, rng)
        try:
            compiled, got, first_s, reasons = bench.first_call(case, args)
            expected = case.fn(*args)
            error = bench.check(case, got, expected)
        except Exception as err:  # report and go on with the other cases
            traceback.print_exc()
            failed.append(name)
            print(f"  {name:<20} FAILED: {type(err).__name__}: {err}")
            continue
        out = np.asarray(got)
        status = "ok" if error is None else f"MISMATCH: {error}"
        result = f"{out.dtype}{list(out.shape)}".replace(" ", "")
        print(f"  {name:<20} {bench.fmt_shapes(args)} -> {result}   first call {bench.fmt_time(first_s)}   {status}")
        for reason in reasons:
            print(f"      fell back to NumPy: {reason}")
        if error is not None:
            failed.append(name)
        if reasons:
            fell_back.append(name)
        numpy_s = bench.time_call(lambda: case.fn(*args), opts.repeats)
        compiled_s = bench.time_call(lambda: compiled(*args), opts.repeats)
        rows.append(bench.Row(name, bench.numel(args), bench.fmt_shapes(args), numpy_s, compiled_s, first_s,
                              error=error, fallback=reasons))

    case = bench.CASES[opts.explain]
    small = case.make_args(32, np.random.default_rng(1))
    print(f"\nWhat the compiler did to {case.name} ({bench.fmt_shapes(small)}):\n")
    print(np_compile(case.fn).explain(*small))

    print(f"\nTimings (best of {opts.repeats}; the first call, which traces and compiles, is not counted):\n")
    bench.print_table(rows)

    if failed:
        print(f"\ndemo FAILED: {', '.join(failed)} did not match NumPy", file=sys.stderr)
        return 1
    if fell_back and not opts.allow_fallback:
        print(f"\ndemo FAILED: {', '.join(fell_back)} fell back to NumPy instead of compiling", file=sys.stderr)
        return 1
    print("\nAll results match NumPy.")
    return 0


def run_bench(opts: argparse.Namespace) -> int:
    from npcompile import bench

    _import_npcompile()
    rows = bench.run_suite(
        opts.sizes,
        opts.cases,
        repeats=opts.repeats,
        device=opts.device,
        with_torch=not opts.no_torch,
        out=opts.out,
        plot=not opts.no_plot,
    )
    bench.print_trace_scaling(bench.trace_scaling())
    bad = [f"{r.name}@{r.n}" for r in rows if r.error]
    if bad:
        print(f"results differ from NumPy: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        from npcompile import bench
    except ImportError as err:
        sys.exit(f"npcompile is not importable ({err}); build it with `make build`")

    parser = argparse.ArgumentParser(prog="python -m npcompile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="compile, check and time a few NumPy programs")
    p.add_argument("--size", type=lambda s: _sizes(s)[0], default=1_000_000, help="elements per input (default 1e6)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cases", nargs="+", choices=sorted(bench.CASES), help=f"cases to run (default: {' '.join(bench.DEMO_CASES)})")
    p.add_argument("--explain", choices=sorted(bench.CASES), default="fused_multiply_add",
                   help="the case whose compilation is printed")
    p.add_argument("--allow-fallback", action="store_true", help="do not fail when a case falls back to NumPy")
    p.set_defaults(run=demo)

    p = sub.add_parser("bench", help="time the whole suite at several sizes, write JSON")
    p.add_argument("--sizes", type=_sizes, default=bench.DEFAULT_SIZES, help="comma-separated, e.g. 1e3,1e5,1e6")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--cases", nargs="+", choices=sorted(bench.CASES))
    p.add_argument("--device", default="cpu", help="cpu, or cuda: inputs become CUDA tensors (NumPy stays on the CPU)")
    p.add_argument("--no-torch", action="store_true", help="skip the eager torch column")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG even where matplotlib is installed")
    p.add_argument("--out", default="bench-results/bench.json")
    p.set_defaults(run=run_bench)

    p = sub.add_parser("trace", help="trace+compile time of an unrolled loop of 1k, 10k and 100k ops")
    p.set_defaults(run=lambda opts: bench.print_trace_scaling(bench.trace_scaling()) or 0)

    from npcompile import fuzz

    p = sub.add_parser("fuzz", help="random NumPy programs, compiled vs NumPy (--n N --seed S)")
    fuzz.add_arguments(p)
    p.set_defaults(run=fuzz.cli)

    opts = parser.parse_args(argv)
    return opts.run(opts)


if __name__ == "__main__":
    sys.exit(main())
