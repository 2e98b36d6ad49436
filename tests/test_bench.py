"""The benchmark suite (`npcompile.bench`): every program compiles at its small
size and gives NumPy's answer, each kind has six programs or more, and a tiny run
writes JSON with the per-kind geomeans. No timing asserts."""

from __future__ import annotations

import collections
import io
import json
import os
import warnings

import numpy as np
import pytest

import npcompile
from npcompile import __main__ as cli
from npcompile import bench
from conftest import assert_matches

# Programs of the suite known to fall back to NumPy (a graph break), each with the
# reason; the bench reports them as "fallback" and leaves them out of the geomeans.
# None today. (rk4_lorenz96 would, with np.roll -- "np.roll is not compiled yet" --
# so it spells the cyclic shifts with np.concatenate.)
KNOWN_FALLBACKS: dict[str, str] = {}


@pytest.mark.allow_fallback
@pytest.mark.parametrize("name", [p.name for p in bench.PROGRAMS])
def test_program_compiles_and_matches_numpy(name):
    """The small size, twice (the trace, then the cached plan), on fresh inputs:
    NumPy's result (type, dtype, shape, values) and NumPy's writes into the inputs."""
    program = bench.PROGRAMS_BY_NAME[name]
    broke = assert_matches(program.fn, lambda: program.args("small"))
    if name in KNOWN_FALLBACKS:
        assert broke, f"{name} compiles now: take it off KNOWN_FALLBACKS"
    else:
        assert not broke, f"{name} fell back to NumPy"


@pytest.mark.parametrize("name", [p.name for p in bench.PROGRAMS])
def test_mutates_flag_matches_what_numpy_does(name):
    """`mutates` marks exactly the programs that write into their arguments."""
    program = bench.PROGRAMS_BY_NAME[name]
    args = program.args("small")
    after = bench.copy_args(args)
    program.fn(*after)
    assert program.mutates == (not bench._same_args(args, after))


def test_six_programs_of_each_kind():
    kinds = collections.Counter(p.kind for p in bench.PROGRAMS)
    assert set(kinds) == set(bench.KINDS)
    assert all(kinds[k] >= 6 for k in bench.KINDS), kinds
    assert len(bench.PROGRAMS_BY_NAME) == len(bench.PROGRAMS), "program names must be unique"
    for p in bench.PROGRAMS:
        assert set(p.sizes) == set(bench.SIZES), p.name
        # Plain module-level NumPy functions, so the tracer can name their lines.
        assert p.fn.__module__ == "npcompile.bench" and getattr(bench, p.fn.__name__) is p.fn


def test_geomean():
    assert bench.geomean([1.0, 4.0]) == pytest.approx(2.0)
    assert bench.geomean([]) is None
    assert bench.geomean([None, 0.0]) is None

    def row(name, kind, ratio, status="ok"):
        return bench.Result(name, kind, "small", 1, "", "", status, numpy_median=ratio, compiled_median=1.0)

    rows = [row("a", "blas", 2.0), row("b", "blas", 8.0), row("c", "elementwise", 0.5),
            row("d", "elementwise", 100.0, status="fallback")]
    g = bench.geomeans(rows)
    assert g["blas"] == pytest.approx(4.0)
    assert g["elementwise"] == pytest.approx(0.5)  # the fallback is not counted
    assert g["overall"] == pytest.approx(2.0)
    assert "small_ops" not in g
    assert bench.geomeans([row("d", "small_ops", 3.0, status="mismatch")]) == {"small_ops": None, "overall": None}


def test_tiny_run_writes_json_with_geomeans(tmp_path):
    out = tmp_path / "bench.json"
    text = io.StringIO()
    rows = bench.run_suite(names=["gelu_tanh", "ema"], sizes=["small"], repeats=2, out=str(out), plot=False, file=text)
    assert [r.status for r in rows] == ["ok", "ok"]
    doc = json.loads(out.read_text())
    assert doc["environment"]["repeats"] == 2 and doc["environment"]["interleaved"] is True
    g = doc["geomean_ratio"]
    assert set(g) == {"elementwise", "scalar_loops", "overall"}
    assert all(v > 0 for v in g.values())
    assert doc["geomean_ratio_by_size"]["small"]["overall"] == pytest.approx(g["overall"])
    assert doc["counted"]["elementwise"] == 1 and doc["counted"]["blas"] == 0
    row = doc["results"][0]
    for key in ("name", "kind", "size", "inputs", "numpy_median_s", "numpy_min_s", "compiled_median_s",
                "compiled_min_s", "first_call_s", "ratio_numpy_over_compiled", "status", "interleaved"):
        assert key in row, key
    assert row["name"] == "gelu_tanh" and row["kind"] == "elementwise" and row["size"] == "small"
    assert row["ratio_numpy_over_compiled"] == pytest.approx(row["numpy_median_s"] / row["compiled_median_s"])
    assert len(row["numpy_times_s"]) == len(row["compiled_times_s"]) == 2
    assert row["numpy_min_s"] <= row["numpy_median_s"]
    assert "geomean numpy/compiled (elementwise)" in text.getvalue()


def test_apart_and_fresh_inputs_for_a_mutating_program():
    program = bench.PROGRAMS_BY_NAME["heat1d_steps"]
    res = bench.measure_program(program, "small", repeats=2, interleaved=False)
    assert res.status == "ok" and res.mutates and not res.interleaved
    assert len(res.numpy_times) == len(res.compiled_times) == 2


def test_mismatch_is_an_error_row_not_timed(monkeypatch):
    real = bench.first_call

    def wrong(program, args):
        compiled, got, seconds, reasons = real(program, args)
        return compiled, got + 1.0, seconds, reasons

    monkeypatch.setattr(bench, "first_call", wrong)
    res = bench.measure_program(bench.PROGRAMS_BY_NAME["gelu_tanh"], "small", repeats=2)
    assert res.status == "mismatch" and "result" in res.reason
    assert res.compiled_median is None and res.ratio is None
    assert bench.geomeans([res])["overall"] is None


def rolled(x):
    return np.unique(x) * 2.0  # a data-dependent shape: NumPy runs it


@pytest.mark.allow_fallback
def test_fallback_is_reported_with_its_reason():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", npcompile.NpCompileWarning)
        program = bench.Program("rolled", "elementwise", rolled, lambda n, rng: (rng.standard_normal(n),),
                                {"small": 64, "large": 128})
        res = bench.measure_program(program, "small", repeats=2)
    assert res.status == "fallback" and "np.unique" in res.reason
    assert res.compiled_median is not None  # timed, but not counted
    assert bench.geomeans([res])["overall"] is None


def test_cli(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert cli.main(["bench", "--cases", "ema,gemm", "--sizes", "small", "--repeats", "2", "--apart",
                     "--no-call-path", "--no-large-chain", "--out", str(out), "--no-plot"]) == 0
    doc = json.loads(out.read_text())
    assert [r["name"] for r in doc["results"]] == ["gemm", "ema"]  # the suite's order: by kind
    assert all(r["interleaved"] is False for r in doc["results"])
    # Skipped sections are null; without --interference nothing of it is recorded.
    assert doc["call_path"] is None and doc["large_chain"] is None
    assert "interference" not in doc and doc["environment"]["interference"] is False
    assert all("interleaved_over_alone" not in r for r in doc["results"])
    assert "interference:" not in capsys.readouterr().out
    assert cli.main(["bench", "--list"]) == 0
    assert "scalar_loops:" in capsys.readouterr().out
    assert cli.main(["bench", "--device", "cuda"]) == 2
    with pytest.raises(SystemExit):
        cli.main(["bench", "--kinds", "nonsense"])
    with pytest.raises(SystemExit):
        cli.main(["bench", "--call-path-calls", "0"])


def test_cli_call_path_and_large_chain(tmp_path, capsys):
    """Tiny counts: the JSON gains `call_path` and `large_chain` with sane fields,
    and the text output prints both. No timing thresholds."""
    out = tmp_path / "b.json"
    assert cli.main(["bench", "--cases", "gelu_tanh", "--sizes", "small", "--repeats", "2",
                     "--call-path-calls", "2000", "--large-chain-n", "100000", "--out", str(out), "--no-plot"]) == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())

    cp = doc["call_path"]
    assert cp["status"] == "ok" and cp["output"] == "ndarray float64[4]"
    assert cp["batches"] == 20 and cp["calls_per_batch"] == 100 and cp["calls_per_side"] == 2000
    assert cp["cache_hits"] == 2000 and cp["cache_info"]["misses"] == 1
    for side in ("compiled", "numpy"):
        assert 0 < cp[f"{side}_min_s"] <= cp[f"{side}_median_s"]
        assert len(cp[f"{side}_batch_times_s"]) == 20
    assert cp["bar_s"] == 2e-6 and isinstance(cp["within_bar"], bool)
    assert "(median of 20 batches of 100 calls)" in text and "compiled " in text and "NumPy " in text

    lc = doc["large_chain"]
    assert lc["status"] == "ok" and lc["elements"] == 100_000 and lc["calls"] == 20
    assert 0 < lc["compiled_min_s"] <= lc["compiled_median_s"] <= lc["compiled_max_s"]
    assert lc["max_over_min"] == pytest.approx(lc["compiled_max_s"] / lc["compiled_min_s"]) and lc["max_over_min"] >= 1
    assert len(lc["compiled_times_s"]) == len(lc["steady_minor_faults"]) == 20
    faults = [lc["first_call_minor_faults"], lc["steady_max_minor_faults"], *lc["steady_minor_faults"],
              *lc["numpy_minor_faults"]]
    assert all(isinstance(f, int) and f >= 0 for f in faults)
    assert lc["steady_max_minor_faults"] == max(lc["steady_minor_faults"])
    assert lc["first_call_s"] > 0 and 0 < lc["numpy_min_s"] <= lc["numpy_median_s"]
    assert len(lc["numpy_times_s"]) == 5
    assert lc["bar_max_over_min"] == 1.3 and lc["bar_steady_faults"] == 0 and isinstance(lc["within_bar"], bool)
    assert "max/min" in text and "minor page faults: first call" in text

    fc = doc["fused_chain"]
    assert fc["status"] == "ok" and fc["elements"] == 100_000
    for key in ("compiled_median_s", "numpy_median_s", "copyto_median_s"):
        assert fc[key] > 0
    assert fc["compiled_over_copyto"] == pytest.approx(fc["compiled_median_s"] / fc["copyto_median_s"])
    assert isinstance(fc["within_bar"], bool)
    if os.environ.get("NPCOMPILE_NATIVE") not in ("never", "0", "off"):
        # The chain is one region, its intermediates a tile at a time.
        assert len(fc["regions"]) == 1 and "(tile)" in fc["regions"][0]
    assert "== fused chain: a * b + c - 0.5 * d" in text and "np.copyto" in text


def test_measure_call_path_counts_cache_hits():
    cp = bench.measure_call_path(calls=45)
    assert cp["status"] == "ok" and cp["batches"] == 20 and cp["calls_per_batch"] == 2
    assert cp["cache_hits"] == 40  # every timed call a cache hit
    cp = bench.measure_call_path(calls=3)
    assert cp["batches"] == 3 and cp["calls_per_batch"] == 1


def test_interference(tmp_path, capsys):
    """--interference: every row gets interleaved/alone from the same run, the JSON
    an `interference` section with the worst, the text its line."""
    out = tmp_path / "b.json"
    assert cli.main(["bench", "--cases", "gelu_tanh,heat1d_steps", "--sizes", "small", "--interference",
                     "--repeats", "2", "--no-call-path", "--no-large-chain", "--out", str(out), "--no-plot"]) == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["environment"]["interference"] is True
    for r in doc["results"]:
        assert r["status"] == "ok" and r["interleaved"] is True
        assert r["compiled_interleaved_times_s"] == r["compiled_times_s"]
        assert len(r["compiled_alone_times_s"]) == 2 and all(t > 0 for t in r["compiled_alone_times_s"])
        assert r["interleaved_over_alone"] == pytest.approx(r["compiled_interleaved_median_s"]
                                                            / r["compiled_alone_median_s"])
        assert r["interleaved_over_alone"] > 0
    inter = doc["interference"]
    assert inter["bar"] == 1.15 and len(inter["rows"]) == 2
    worst = max(doc["results"], key=lambda r: r["interleaved_over_alone"])
    assert inter["worst"] == {"name": worst["name"], "size": "small",
                              "interleaved_over_alone": worst["interleaved_over_alone"]}
    assert inter["within_bar"] == (worst["interleaved_over_alone"] <= 1.15)
    line = f"interference: worst interleaved/alone = {worst['interleaved_over_alone']:.2f} ({worst['name']}, small)"
    assert line in text and "interleaved/alone" in text.split("== elementwise ==")[1].splitlines()[1]


def test_interference_apart():
    """With --apart, the compiled block is the main timing and interleaved pairs are the extra."""
    res = bench.measure_program(bench.PROGRAMS_BY_NAME["ema"], "small", repeats=2, interleaved=False,
                                interference=True)
    assert res.status == "ok" and not res.interleaved
    assert res.compiled_alone_times == res.compiled_times and len(res.compiled_interleaved_times) == 2
    assert res.interleaved_over_alone > 0
    assert bench.interference_summary([res])["worst"]["name"] == "ema"
    plain = bench.measure_program(bench.PROGRAMS_BY_NAME["ema"], "small", repeats=2)
    assert plain.interleaved_over_alone is None and bench.interference_summary([plain]) is None


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [bench.Result("a", "blas", s, 1, "", "", "ok", numpy_median=2.0, compiled_median=1.0) for s in bench.SIZES]
    rows.append(bench.Result("b", "small_ops", "small", 1, "", "", "fallback"))
    path = bench.write_plot(rows, str(tmp_path / "b.png"))
    assert path and (tmp_path / "b.png").stat().st_size > 0
