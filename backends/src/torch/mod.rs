//! Lowering to libtorch: a `Plan` is a flat list of pre-resolved instructions over
//! tensor slots. Every libtorch call is a fallible `f_*` call; nothing here panics.

pub mod blas;
mod complex;
mod lower;
mod native;
mod plan;
mod sum;

pub use lower::{kind_of, lower, LowerOptions, TorchBackend};
pub use plan::{same_memory, Dest, Instr, Plan, PlanError, TorchOp};
pub use sum::ViewStep;
