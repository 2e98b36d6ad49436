"""The coverage table (tests/coverage_examples): every example of every
NumPy callable runs compiled against NumPy; none may differ ("wrong"), and
what compiles today keeps compiling."""

import numpy as np

from npcompile import coverage

# What compiled when this floor was last raised (python -m npcompile coverage).
TOP_LEVEL_FLOOR = 300
FFT_FLOOR = 18
LINALG_FLOOR = 26


def test_every_public_callable_has_an_example_or_a_reason():
    examples, not_array = coverage.load_table(coverage.default_table())
    missing = [n for n in coverage.public_callables()
               if n not in examples and n not in not_array
               and not (isinstance(coverage.resolve(n), np.ufunc) and coverage.ufunc_examples(coverage.resolve(n)))]
    # Ufuncs without a float64/int64/bool/complex128 loop (np.isnat: datetimes; np.ldexp: mixed types).
    assert set(missing) <= {"np.isnat", "np.ldexp"}, missing


def test_no_example_differs_from_numpy_and_the_floors_hold():
    report = coverage.measure()
    wrong = [(r.name, r.reason) for r in report.rows if r.status == "wrong"]
    assert not wrong, wrong
    assert report.count("compiles", "np.") >= TOP_LEVEL_FLOOR
    assert report.count("compiles", "np.fft.") >= FFT_FLOOR
    assert report.count("compiles", "np.linalg.") >= LINALG_FLOOR
