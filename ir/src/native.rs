//! What the backends compute directly. libtorch (through tch 0.24) has no kinds
//! for uint16, uint32 and uint64: their arrays are stored with the signed kind of
//! the same width, bits unchanged. On that storage only data movement, casts and
//! uint64's unsigned division family run as they are; the `normalize` rules
//! rewrite every other op into signed compute whose bits equal NumPy's. libtorch
//! has no order on complex numbers: NumPy's lexicographic comparisons and
//! max/min of complex are rewritten over the real and imaginary parts.

use crate::dtype::DType;
use crate::op::{BinaryOp, CompareOp, Op, UnaryOp};

/// A NumPy dtype without a libtorch kind of its own.
pub fn storage_only(d: DType) -> bool {
    matches!(d, DType::U16 | DType::U32 | DType::U64)
}

/// The signed dtype whose storage holds `d`'s bits.
pub fn storage_dtype(d: DType) -> DType {
    match d {
        DType::U16 => DType::I16,
        DType::U32 => DType::I32,
        DType::U64 => DType::I64,
        d => d,
    }
}

/// True where a backend computes `op` on operands of `operands` dtypes giving
/// `result` as they are.
pub fn is_native(op: &Op, operands: &[DType], result: DType) -> bool {
    if operands.iter().any(|d| d.is_complex()) && orders_complex(op) {
        return false;
    }
    if !operands.iter().chain([&result]).any(|&d| storage_only(d)) {
        return true;
    }
    let all_u64 = operands.iter().all(|&d| d == DType::U64);
    match op {
        Op::Input { .. }
        | Op::Const { .. }
        | Op::Cast { .. }
        | Op::Where
        | Op::Reshape { .. }
        | Op::Permute { .. }
        | Op::Slice { .. }
        | Op::SliceScatter { .. }
        | Op::Concat { .. }
        | Op::Take { .. }
        | Op::CheckInt { .. }
        // NumPy's own kernel views the storage with the NumPy dtype.
        | Op::Host { .. } => true,
        // Lowered with unsigned algorithms over the int64 storage.
        Op::Binary(
            BinaryOp::FloorDiv
            | BinaryOp::Rem
            | BinaryOp::FMod
            | BinaryOp::RightShift
            | BinaryOp::Gcd
            | BinaryOp::Lcm
            | BinaryOp::Pow,
        ) => all_u64,
        Op::Unary(
            UnaryOp::Abs
            | UnaryOp::Sign
            | UnaryOp::Reciprocal
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Trunc
            | UnaryOp::Conj,
        ) => all_u64,
        _ => false,
    }
}

/// Ops that order their operands (NumPy orders complex numbers lexicographically).
pub fn orders_complex(op: &Op) -> bool {
    matches!(
        op,
        Op::Compare(CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge)
            | Op::Binary(BinaryOp::Maximum | BinaryOp::Minimum | BinaryOp::FMax | BinaryOp::FMin)
    )
}
