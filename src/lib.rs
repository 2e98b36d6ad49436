//! `npcompile._core`: the graph builder the tracer records into, the compiled
//! function with its plan cache and call fast path, and array ⇄ tensor conversion.

mod alloc;
mod builder;
mod compiled;
mod convert;
mod errors;
mod host;
mod panics;

use pyo3::prelude::*;

/// NumPy's promotion of two dtype names (for tests against np.promote_types).
#[pyfunction]
fn promote_types(a: &str, b: &str) -> PyResult<&'static str> {
    let parse = |s: &str| {
        s.parse::<ir::DType>()
            .map_err(pyo3::exceptions::PyTypeError::new_err)
    };
    Ok(ir::promote_types(parse(a)?, parse(b)?).numpy_name())
}

#[pyfunction]
fn map_leaves<'py>(obj: &Bound<'py, PyAny>, f: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    convert::map_leaves(obj, f)
}

/// The BLAS library matrix products go to (NumPy's), or None where plans use
/// libtorch's.
#[pyfunction]
fn blas_library(py: Python<'_>) -> PyResult<Option<String>> {
    // NumPy's BLAS is found among the loaded libraries: load NumPy first.
    py.import("numpy")?;
    Ok(backends::torch::blas::numpy_blas().map(|b| b.library.clone()))
}

/// Starts (or stops) timing every instruction plans run (`npcompile.profile`).
#[pyfunction]
fn _profile(on: bool) {
    backends::profile::set(on);
}

/// The instruction times since the last call: (label, calls, nanoseconds).
#[pyfunction]
fn _profile_take() -> Vec<(String, u64, u64)> {
    backends::profile::take()
}

#[pymodule]
fn _core(py: Python<'_>, m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Tensors cross into Python as torch.Tensor: torch must be loaded first.
    py.import("torch")?;
    backends::torch::set_host_kernels(host::run);
    m.add_class::<builder::GraphBuilder>()?;
    m.add_class::<compiled::CompiledFunction>()?;
    m.add(
        "UnsupportedError",
        py.get_type::<errors::UnsupportedError>(),
    )?;
    m.add("InternalError", py.get_type::<errors::InternalError>())?;
    m.add_function(wrap_pyfunction!(promote_types, m)?)?;
    m.add_function(wrap_pyfunction!(map_leaves, m)?)?;
    m.add_function(wrap_pyfunction!(blas_library, m)?)?;
    m.add_function(wrap_pyfunction!(panics::_inject_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_profile, m)?)?;
    m.add_function(wrap_pyfunction!(_profile_take, m)?)?;
    Ok(())
}
