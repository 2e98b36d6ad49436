//! The graph builder the Python tracer records into. Type inference runs here, at
//! record time, so a bad call raises NumPy's error at the user's line.

use crate::errors::ir_err;
use ir::{DType, Graph, Op, Scalar, TensorType, F64};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

#[pyclass(module = "npcompile._core")]
pub struct GraphBuilder {
    pub graph: Graph,
}

/// (value id, dtype name, shape) — what the tracer's proxy holds.
type Recorded = (usize, &'static str, Vec<i64>);

fn recorded(g: &Graph, v: ir::Value) -> Recorded {
    let ty = &g.node(v).ty;
    (v.index(), ty.dtype.numpy_name(), ty.shape.to_vec())
}

fn parse_dtype(name: &str) -> PyResult<DType> {
    name.parse().map_err(|e: String| PyTypeError::new_err(e))
}

#[pymethods]
impl GraphBuilder {
    #[new]
    fn new(name: &str) -> Self {
        GraphBuilder {
            graph: Graph::new(name),
        }
    }

    fn input(&mut self, name: &str, dtype: &str, shape: Vec<i64>) -> PyResult<Recorded> {
        let v = self
            .graph
            .add_input(name, TensorType::new(parse_dtype(dtype)?, shape));
        Ok(recorded(&self.graph, v))
    }

    /// Record `op` (its text form, e.g. `sum[axes=(1,),keepdims=false]`) over values.
    fn add(&mut self, py: Python<'_>, op: &str, args: Vec<usize>) -> PyResult<Recorded> {
        let op: Op = op
            .parse()
            .map_err(|e: String| crate::errors::InternalError::new_err(e))?;
        let args: Vec<ir::Value> = args.into_iter().map(ir::Value::new).collect();
        let v = self.graph.add(op, &args).map_err(|e| ir_err(py, e))?;
        Ok(recorded(&self.graph, v))
    }

    /// A 0-d literal: a weak Python scalar (`dtype=None`) or a strong one of `dtype`.
    #[pyo3(signature = (value, dtype=None))]
    fn literal(
        &mut self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        dtype: Option<&str>,
    ) -> PyResult<Recorded> {
        let scalar = if value.is_instance_of::<PyBool>() {
            Scalar::Bool(value.extract()?)
        } else if value.is_instance_of::<PyInt>() {
            match value.extract::<i128>() {
                Ok(i) => Scalar::Int(i),
                Err(_) => {
                    return Err(crate::errors::UnsupportedError::new_err(
                        "a Python int beyond 128 bits",
                    ))
                }
            }
        } else if value.is_instance_of::<PyFloat>() {
            Scalar::Float(F64(value.extract()?))
        } else if let Ok(c) = value.cast::<pyo3::types::PyComplex>() {
            use pyo3::types::PyComplexMethods;
            Scalar::Complex(F64(c.real()), F64(c.imag()))
        } else {
            return Err(crate::errors::UnsupportedError::new_err(format!(
                "a literal of type {}",
                value.get_type().name()?
            )));
        };
        let op = match dtype {
            None => Op::Const {
                value: scalar,
                dtype: DType::default_for(scalar.kind()),
                weak: true,
            },
            Some(d) => {
                let d = parse_dtype(d)?;
                Op::Const {
                    value: scalar.cast(d),
                    dtype: d,
                    weak: false,
                }
            }
        };
        let v = self.graph.add(op, &[]).map_err(|e| ir_err(py, e))?;
        Ok(recorded(&self.graph, v))
    }

    fn set_outputs(&mut self, outputs: Vec<usize>) {
        self.graph.outputs = outputs.into_iter().map(ir::Value::new).collect();
    }

    fn dump(&self) -> String {
        self.graph.to_string()
    }

    fn to_json(&self) -> String {
        self.graph.to_json()
    }

    fn __len__(&self) -> usize {
        self.graph.len()
    }
}
