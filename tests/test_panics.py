"""No Rust panic reaches Python: a panic while optimizing, lowering or
running a plan becomes a fallback to NumPy with an internal-error warning
(or, where the plan may have written an argument in place, npcompile's
InternalError, never a wrong answer). Panics are injected on purpose."""

import warnings

import numpy as np
import pytest

import npcompile
from npcompile import _core, np_compile
from conftest import assert_same


@pytest.fixture
def inject():
    def set_stage(stage):
        _core._inject_panic(stage)
    yield set_stage
    _core._inject_panic("")


def program(a, b):
    return np.sin(a) * b + a.sum()


@pytest.mark.allow_fallback
@pytest.mark.parametrize("stage", ["optimize", "lower", "run"])
def test_a_panic_becomes_a_fallback_with_a_warning(inject, stage):
    a, b = np.arange(6.0), np.linspace(0, 1, 6)
    cf = np_compile(program)
    inject(stage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = cf(a, b)
    assert_same(got, program(a, b))
    assert any(issubclass(w.category, npcompile.NpCompileWarning) and "Rust panic in " + stage in str(w.message)
               for w in caught)
    inject("")
    assert_same(cf(a, b), program(a, b))  # the signature stays NumPy's, still right


@pytest.mark.allow_fallback
def test_a_panic_running_a_plan_that_writes_its_arguments_raises_internal_error(inject):
    def update(a):
        a += 1.0
        return a.sum()

    cf = np_compile(update)
    a = np.arange(4.0)
    cf(a)
    inject("run")
    with pytest.raises(_core.InternalError, match="Rust panic in run"):
        cf(a)
