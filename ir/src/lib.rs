//! npcompile's typed graph IR: dtypes, static types, primitives, their shape and
//! dtype rules, and the graph with its printers. Knows nothing of egg or torch.

pub mod dtype;
pub mod error;
pub mod graph;
pub mod infer;
pub mod native;
pub mod op;
pub mod types;

pub use dtype::{promote_types, result_type, DType, Kind, Operand};
pub use error::{ErrorKind, IrError, Result};
pub use graph::{Graph, Node, Value};
pub use infer::{infer, operand_dtypes, Arg};
pub use op::{
    ArgReduceOp, Axes, BinaryOp, CheckKind, CompareOp, CumOp, FftOp, LinalgOp, Op, ReduceOp, Scalar, SliceDim, UnaryOp, F64,
};
pub use types::{broadcast_shapes, Shape, TensorType};
