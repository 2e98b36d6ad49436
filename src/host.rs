//! The host-kernel hook: a plan's `Host` instruction calls NumPy's own kernel
//! through `npcompile._host.run`, with the GIL taken for the call. A Python
//! exception the kernel raises is kept (per thread) and re-raised as itself
//! when the plan's error reaches Python.

use backends::torch::PlanError;
use ir::DType;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::cell::RefCell;
use tch::Tensor;

thread_local! {
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The Python exception behind the last `PlanError::Host` of this thread.
pub fn take_pending() -> Option<PyErr> {
    PENDING.with(|p| p.borrow_mut().take())
}

pub fn run(kernel: &str, args: &[&Tensor], dtypes: &[DType], dtype: DType) -> Result<Tensor, PlanError> {
    Python::attach(|py| {
        let call = || -> PyResult<Tensor> {
            let mut items: Vec<Bound<'_, PyAny>> = vec![kernel.into_pyobject(py)?.into_any()];
            items.push(PyTuple::new(py, dtypes.iter().map(|d| d.numpy_name()))?.into_any());
            items.push(dtype.numpy_name().into_pyobject(py)?.into_any());
            for t in args {
                let ptr = t.pyobject_wrap().map_err(crate::errors::tch_err)?;
                // SAFETY: pyobject_wrap returns a new reference to a torch.Tensor.
                items.push(unsafe { Bound::from_owned_ptr(py, ptr as *mut pyo3::ffi::PyObject) });
            }
            let r = py
                .import("npcompile._host")?
                .getattr("run")?
                .call1(PyTuple::new(py, items)?)?;
            crate::convert::torch_tensor(&r).ok_or_else(|| {
                crate::errors::InternalError::new_err("a host kernel returned no tensor")
            })
        };
        call().map_err(|e| {
            let text = e.to_string();
            PENDING.with(|p| *p.borrow_mut() = Some(e));
            PlanError::Host(text)
        })
    })
}
