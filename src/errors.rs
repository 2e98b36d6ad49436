//! One mapping from compiler errors to Python exceptions.

use backends::torch::PlanError;
use ir::{ErrorKind, IrError};
use pyo3::exceptions::{PyIndexError, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    _core,
    UnsupportedError,
    pyo3::exceptions::PyException,
    "NumPy code npcompile does not compile (a graph break)."
);
pyo3::create_exception!(_core, InternalError, PyRuntimeError, "A bug in npcompile.");

pub fn ir_err(py: Python<'_>, e: IrError) -> PyErr {
    match e.kind {
        ErrorKind::ValueError => PyValueError::new_err(e.message),
        ErrorKind::TypeError => PyTypeError::new_err(e.message),
        ErrorKind::IndexError => PyIndexError::new_err(e.message),
        ErrorKind::OverflowError => PyOverflowError::new_err(e.message),
        ErrorKind::AxisError => match py
            .import("numpy.exceptions")
            .and_then(|m| m.getattr("AxisError"))
        {
            Ok(cls) => match cls.call1((e.message.clone(),)) {
                Ok(inst) => PyErr::from_value(inst),
                Err(err) => err,
            },
            Err(err) => err,
        },
        ErrorKind::Unsupported => UnsupportedError::new_err(e.message),
        ErrorKind::Internal => InternalError::new_err(e.message),
    }
}

pub fn plan_err(e: PlanError) -> PyErr {
    match e {
        PlanError::Value(m) => PyValueError::new_err(m),
        PlanError::Overflow(m) => pyo3::exceptions::PyOverflowError::new_err(m),
        PlanError::Index(m) => PyIndexError::new_err(m),
        PlanError::LinAlg(m) => linalg_error(m),
        PlanError::ZeroDivision(m) => pyo3::exceptions::PyZeroDivisionError::new_err(m),
        PlanError::Host(m) => crate::host::take_pending()
            .unwrap_or_else(|| InternalError::new_err(format!("a host kernel failed: {m}"))),
        PlanError::Input(m) => PyTypeError::new_err(m),
        PlanError::Deopt(m) => {
            InternalError::new_err(format!("a plan's speculation failed outside a call: {m}"))
        }
        PlanError::Torch(m) => {
            InternalError::new_err(format!("libtorch failed while running a plan: {m}"))
        }
        e @ PlanError::InputsWritten(_) => {
            InternalError::new_err(format!("libtorch failed while running a plan: {e}"))
        }
    }
}

pub fn tch_err(e: tch::TchError) -> PyErr {
    InternalError::new_err(format!("libtorch: {e}"))
}

/// `numpy.linalg.LinAlgError(message)`.
fn linalg_error(message: String) -> PyErr {
    Python::attach(|py| {
        match py
            .import("numpy.linalg")
            .and_then(|m| m.getattr("LinAlgError"))
            .and_then(|cls| cls.call1((message,)))
        {
            Ok(inst) => PyErr::from_value(inst),
            Err(err) => err,
        }
    })
}
