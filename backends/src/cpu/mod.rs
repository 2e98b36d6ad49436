//! The native executor: a plan's instructions run over raw memory, with no
//! libtorch tensor per value. Shapes are static, so at build time every value
//! gets its place: a view is a pointer and strides computed from its operand's
//! (nanoseconds, no allocation), every other result a block of an arena kept
//! with the plan, reused once the value (and every view of it) is dead.
//! Elementwise arithmetic, comparisons, `where`, casts, copies, slice stores,
//! concatenation, reductions and products with a vector operand run as typed
//! loops (`kernels`), transcendentals as libtorch's own SLEEF functions
//! (`vmath`); any other instruction,
//! or one too large for a plain loop to beat libtorch's vectorized kernel,
//! runs as the libtorch call it always was, on tensors made over the arena's
//! memory (`Step::Torch`). The choice is per instruction, made when the plan
//! is built, and `explain` shows it.
//!
//! The host loops libtorch's interpreter calls for small tensors (`host`) and
//! NumPy's float sum in NumPy's order (`sum`) live here too: they are native
//! CPU kernels whichever executor runs the plan.

pub(crate) mod host;
pub mod kernels;
mod machine;
pub mod sum;
pub mod vmath;

pub use machine::{native_mode, Machine, NativeMode};
