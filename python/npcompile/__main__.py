"""``python -m npcompile {demo,bench,trace,fuzz}``.

demo   compile a few NumPy programs, check them against NumPy, show what the
       compiler did to one of them (``explain``), and time them against NumPy.
bench  the benchmark suite (``npcompile.bench``): four kinds of NumPy program at
       two sizes, NumPy against compiled (interleaved), first-call times and the
       geomean ratio per kind; then the call path (a cache hit on tiny arrays) and
       a large chain's steadiness and page faults (``--interference``: also
       interleaved/alone per row); writes bench-results/bench.json (and a PNG).
trace  trace + compile time of an unrolled loop of 1k, 10k and 100k ops.
fuzz   differential fuzzing: random NumPy programs, compiled vs NumPy
       (``npcompile.fuzz``); exit status 1 on a mismatch.
coverage  NumPy's public callables (np.*, np.linalg.*, np.fft.*): which compile,
       fall back, or are not array functions, from the examples kept in
       tests/coverage_examples (``npcompile.coverage``); exit status 1 where a
       compiled example differs from NumPy.
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


def _count(text: str) -> int:
    """A positive count, written 1000000, 1_000_000 or 1e6."""
    try:
        n = int(float(text.replace("_", "")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count like 1e6, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("the count must be positive")
    return n


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


def _listed(valid, what):
    """An argparse type: comma-separated names, each one of `valid`."""

    def parse(text: str) -> list[str]:
        names = [t.strip() for t in text.split(",") if t.strip()]
        bad = [n for n in names if n not in valid]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(bad)}; choose from {', '.join(valid)}")
        return names

    return parse


def _flat(groups):
    """`--cases a,b c` -> [a, b, c] (None where the flag was not given)."""
    return None if groups is None else [n for g in groups for n in g]


def list_programs(bench) -> None:
    for kind in bench.KINDS:
        print(f"{kind}:")
        for p in bench.PROGRAMS:
            if p.kind == kind:
                sizes = ", ".join(f"{label} {param}" for label, param in p.sizes.items())
                doc = (p.fn.__doc__ or "").strip().splitlines()[0]
                print(f"  {p.name:<22} {sizes:<36} {doc}")


def run_bench(opts: argparse.Namespace) -> int:
    from npcompile import bench

    if opts.list:
        list_programs(bench)
        return 0
    if opts.device != "cpu":
        print(f"bench: --device {opts.device} is not supported by the suite: its programs write into their "
              "inputs and loop over small arrays, which is a CPU benchmark; the suite runs on the CPU only "
              "(the compiled functions accept CUDA tensors: see tests/test_gpu.py)", file=sys.stderr)
        return 2
    if opts.repeats < 1:
        print("bench: --repeats must be at least 1", file=sys.stderr)
        return 2
    _import_npcompile()
    rows = bench.run_suite(
        _flat(opts.kinds),
        _flat(opts.cases),
        _flat(opts.sizes) or bench.SIZES,
        repeats=opts.repeats,
        interleaved=not opts.apart,
        interference=opts.interference,
        call_path_calls=None if opts.no_call_path else opts.call_path_calls,
        large_chain_n=None if opts.no_large_chain else opts.large_chain_n,
        out=opts.out,
        plot=not opts.no_plot,
    )
    if opts.trace:
        bench.print_trace_scaling(bench.trace_scaling())
    bad = [f"{r.name}@{r.size} ({r.status})" for r in rows if r.status in ("mismatch", "error")]
    bad += [f"{name} ({section['status']})" for name, section in (("call path", rows.call_path),
                                                                  ("large chain", rows.large_chain))
            if section is not None and section["status"] == "mismatch"]
    if bad:
        print(f"results differ from NumPy or failed: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["coverage"]:
        from npcompile import coverage

        return coverage.main(argv[1:])
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

    p = sub.add_parser("bench", help="time the suite (four kinds of program, two sizes) against NumPy; JSON + plot",
                       description="Time the suite's programs against NumPy: a table and geomean per kind, "
                                   "JSON and a PNG plot. See benches/README.md.")
    p.add_argument("--kinds", nargs="+", type=_listed(bench.KINDS, "kind"), metavar="KIND",
                   help=f"kinds to run, comma- or space-separated (default all: {','.join(bench.KINDS)})")
    p.add_argument("--cases", nargs="+", type=_listed(sorted(bench.PROGRAMS_BY_NAME), "program"), metavar="NAME",
                   help="programs to run, comma- or space-separated (default all; see --list)")
    p.add_argument("--sizes", nargs="+", type=_listed(bench.SIZES, "size"), metavar="SIZE",
                   help="size labels, e.g. small,large (default both)")
    p.add_argument("--repeats", type=int, default=7, help="timed repetitions per side (default 7): median and min")
    p.add_argument("--apart", action="store_true",
                   help="time all NumPy repetitions, then all compiled ones (default: interleaved, alternating)")
    p.add_argument("--interference", action="store_true",
                   help="also time the compiled calls the other way (interleaved and alone, same run) and "
                        "report interleaved/alone per row and the worst")
    p.add_argument("--call-path-calls", type=_count, default=1_000_000, metavar="N",
                   help="calls per side for the call path (a cache hit of a * b + a on 4 elements), "
                        "in 20 batches (default 1e6)")
    p.add_argument("--no-call-path", action="store_true", help="skip the call-path measurement")
    p.add_argument("--large-chain-n", type=_count, default=10_000_000, metavar="N",
                   help="elements per input of the large elementwise chain (default 1e7)")
    p.add_argument("--no-large-chain", action="store_true",
                   help="skip the large chain's steadiness and page-fault measurement")
    p.add_argument("--out", default="bench-results/bench.json", help="the JSON file; the PNG goes next to it")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG even where matplotlib is installed")
    p.add_argument("--list", action="store_true", help="list the programs, their kinds and sizes, and exit")
    p.add_argument("--trace", action="store_true", help="also print trace+compile time against trace length")
    p.add_argument("--device", default="cpu", help="cpu only (the suite does not run on CUDA)")
    p.add_argument("--no-torch", action="store_true", help=argparse.SUPPRESS)  # the old eager-torch column; ignored
    p.set_defaults(run=run_bench)

    p = sub.add_parser("trace", help="trace+compile time of an unrolled loop of 1k, 10k and 100k ops")
    p.set_defaults(run=lambda opts: bench.print_trace_scaling(bench.trace_scaling()) or 0)

    from npcompile import fuzz

    p = sub.add_parser("fuzz", help="random NumPy programs, compiled vs NumPy (--n N --seed S)")
    fuzz.add_arguments(p)
    p.set_defaults(run=fuzz.cli)

    sub.add_parser("coverage", help="which of NumPy's public callables compile (examples in tests/coverage_examples); "
                                    "its own options: python -m npcompile coverage --help")

    opts = parser.parse_args(argv)
    return opts.run(opts)


if __name__ == "__main__":
    sys.exit(main())
