//! Backends turn an optimized graph into something that runs. `torch` lowers to a
//! `Plan` of libtorch calls (CPU or CUDA). Knows nothing of Python.

pub mod cpu;
pub mod torch;

use ir::Graph;

/// A way to run graphs: lower once, run many times.
pub trait Backend {
    type Plan;
    type Error;
    fn lower(&self, graph: &Graph) -> Result<Self::Plan, Self::Error>;
}
