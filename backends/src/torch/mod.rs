//! Lowering to libtorch: a `Plan` is a flat list of pre-resolved instructions over
//! tensor slots. Every libtorch call is a fallible `f_*` call; nothing here panics.

pub mod blas;
mod complex;
mod lower;
mod native;
mod plan;
mod sum;

pub(crate) use lower::is_view;
pub use lower::{kind_of, lower, LowerOptions, TorchBackend};
pub(crate) use plan::{
    cast_shares_storage, check_int_value, exec as exec_op, exec_into as exec_op_into, restore,
    writes_into, IntValue,
};
pub use plan::{same_memory, Dest, Instr, Plan, PlanError, TorchOp};
pub use sum::{replay as replay_view, SumPlan, ViewStep};
