"""The differential fuzzer (`npcompile.fuzz`, `python -m npcompile fuzz`): a short
seeded batch of random NumPy programs, compiled and run against NumPy, must show
no mismatch. A failure prints each mismatch as a minimized, runnable program;
`python -m npcompile fuzz --seed S --start K --n 1` re-runs one program alone."""

import numpy as np
import pytest

from npcompile import fuzz

SEED = 2024
N = 300


@pytest.mark.allow_fallback  # a fallback to NumPy is counted by the fuzzer, not an error
def test_seeded_batch_matches_numpy():
    report = fuzz.fuzz(N, SEED, minimize=True, max_minimize=4, minimize_budget_s=5.0, out=None)
    assert not report.harness_errors, report.harness_errors[0][1]
    assert report.programs == N
    assert report.compiled > N // 2, report.summary()
    assert not report.mismatches, report.summary() + "\n\n" + "\n\n".join(m.repro for m in report.mismatches)


def test_programs_are_deterministic_per_seed_and_index():
    a, b = fuzz.generate(SEED, 17), fuzz.generate(SEED, 17)
    assert a.source() == b.source()
    assert all(fuzz.value_src(x) == fuzz.value_src(y) for x, y in zip(a.args, b.args))
    assert fuzz.generate(SEED, 18).source() != a.source() or fuzz.generate(SEED + 1, 17).source() != a.source()


def test_value_src_round_trips():
    for x in (np.array([np.nan, -0.0, np.inf, 1.5], dtype=np.float16), np.array([[2**64 - 1]], dtype=np.uint64),
              np.array(complex(-0.0, np.nan), dtype=np.complex64), np.float32(0.1), np.bool_(True)):
        y = eval(fuzz.value_src(x), {"np": np})
        assert type(y) is type(x) and y.dtype == x.dtype and np.shape(y) == np.shape(x)
        assert np.array_equal(np.asarray(y), np.asarray(x), equal_nan=True)
        assert np.array_equal(np.signbit(np.real(y)), np.signbit(np.real(x)))


def test_oracle_compare():
    f32 = np.array([1.0, np.nan], dtype=np.float32)
    assert fuzz.compare(f32.copy(), f32) is None
    assert fuzz.compare(f32.astype(np.float64), f32)[0] == "dtype"
    assert fuzz.compare(f32[:1], f32)[0] == "shape"
    assert fuzz.compare(np.float32(1.0), np.array(1.0, dtype=np.float32))[0] == "type"
    assert fuzz.compare(np.array([1.0, 0.0], dtype=np.float32), f32)[0].startswith("value")
    assert fuzz.compare(np.array([1.000001, np.nan], dtype=np.float32), f32) is None
    assert fuzz.compare(np.array([3], dtype=np.int8), np.array([4], dtype=np.int8))[0].startswith("value")


def test_loop_precision_is_the_loop_numpy_runs():
    # np.exp(int16, out=complex128) runs NumPy's float32 loop and stores its result:
    # the values carry float32's rounding, and the oracle's tolerance is float32's.
    i16, f32 = np.zeros(2, np.int16), np.zeros(2, np.float32)
    assert fuzz._loop_precision("np.exp({0})", [i16], out=np.dtype("complex128")) == np.float32
    assert fuzz._loop_precision("np.cbrt({0})", [i16], out=np.dtype("float64")) == np.float32
    assert fuzz._loop_precision("np.arcsin({0})", [f32], out=np.dtype("complex128")) == np.float32
    assert fuzz._loop_precision("np.exp({0}, dtype=np.complex128)", [i16], dtype=np.complex128) == np.float64
    assert fuzz._loop_precision("np.add({0}, {1})", [np.zeros(2, np.float16), 1.5], out=np.dtype("float64")) == np.float16
    assert fuzz._loop_precision("np.fix({0})", [f32], out=np.dtype("float64")) is None  # not a ufunc


def test_nan_sign_guard_makes_both_sides_agree():
    # The sign of a NaN from an invalid operation is the kernel's (module docstring, 6.);
    # the guard the generator puts before np.signbit / np.copysign rebuilds NumPy's
    # positive np.nan, which the compiled call must then see too.
    from npcompile import np_compile

    assert not np.signbit(np.nan)

    def f(x):
        y = np.sqrt(-np.abs(x) - 1)
        z = np.log(-np.abs(x) - 1)
        return np.signbit(np.where(np.isnan(y), np.nan, y)), np.copysign(1.0, np.where(np.isnan(z), np.nan, z))

    for dt in (np.float16, np.float32, np.float64):
        for shape in ((), (1,), (17,), (2, 33)):
            x = np.full(shape, 2, dt)
            with np.errstate(all="ignore"):
                want, got = f(x.copy()), np_compile(f)(x.copy())
            for w, g in zip(want, got):
                assert np.array_equal(w, g), (dt, shape, w, g)
