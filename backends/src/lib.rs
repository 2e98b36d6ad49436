//! Backends turn an optimized graph into something that runs. `torch` lowers
//! it to a `Plan` (`plan`: instructions over slots, backend-neutral), run by
//! libtorch's interpreter (`torch`, CPU or CUDA) or the native executor
//! (`cpu`, small CPU plans and fused regions). Knows nothing of Python.

pub mod cpu;
pub mod dl;
pub mod plan;
pub mod profile;
pub mod torch;

use ir::Graph;

/// A way to run graphs: lower once, run many times.
pub trait Backend {
    type Plan;
    type Error;
    fn lower(&self, graph: &Graph) -> Result<Self::Plan, Self::Error>;
}
