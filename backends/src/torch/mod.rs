//! Lowering to a `Plan` (`crate::plan`) and libtorch's interpreter of it: one
//! libtorch call per instruction over tensor slots. Every libtorch call is a
//! fallible `f_*` call; nothing here panics.

pub mod blas;
mod complex;
mod interp;
mod lower;

pub use crate::plan::{Dest, Instr, Plan, PlanError, Prim};
pub(crate) use interp::{
    check_int_value, exec as exec_op, exec_into as exec_op_into, restore, writes_into, IntValue,
};
pub use interp::{same_memory, set_host_kernels, HostKernels, Interpreter};
pub(crate) use lower::is_view;
pub use lower::{kind_of, lower, LowerOptions, TorchBackend};
