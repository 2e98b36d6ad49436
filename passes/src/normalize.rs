//! `normalize`: rewrite what libtorch cannot compute as written into forms it can,
//! with NumPy's bits. Runs after `promote`, so every operand is already in its op's
//! compute dtype. uint16/32/64 have no libtorch kind (`ir::native`): their ops
//! compute in a wider signed dtype and cast back (uint16 in int32, uint32 in
//! int64, wrapping as NumPy does), and uint64 computes on its int64 bits, with
//! the sign bit flipped where order matters. libtorch has no order on complex
//! numbers: comparisons and max/min of complex become NumPy's lexicographic rule
//! over the parts. The extractor gives any op that is not native an infinite
//! cost, so only normalized forms reach the backend.

use crate::analysis::{arg_infos, infer_enode, NpEGraph, TypeAnalysis};
use crate::lang::ENode;
use crate::node_rule::NodeRule;
use egg::{Id, Rewrite};
use ir::native::{is_native, storage_only};
use ir::{
    operand_dtypes, ArgReduceOp, BinaryOp, CompareOp, CumOp, DType, Op, ReduceOp, Scalar, UnaryOp,
};
use smallvec::SmallVec;

pub fn rules() -> Vec<Rewrite<ENode, TypeAnalysis>> {
    vec![
        NodeRule::rewrite(
            "unsigned-widen",
            |g, n| {
                unnative(g, n).is_some_and(|d| {
                    d.iter().any(|d| matches!(d, DType::U16 | DType::U32))
                        && !d.contains(&DType::U64)
                })
            },
            widen,
        ),
        NodeRule::rewrite(
            "u64-wrapping",
            |g, n| is_u64(g, n) && is_wrapping(&n.op),
            |g, n| on_bits(g, n, false),
        ),
        NodeRule::rewrite(
            "u64-order",
            |g, n| is_u64(g, n) && is_ordered(&n.op),
            |g, n| on_bits(g, n, true),
        ),
        NodeRule::rewrite(
            "complex-order",
            |g, n| is_complex(g, n) && matches!(n.op, Op::Compare(_)),
            complex_compare,
        ),
        NodeRule::rewrite(
            "complex-select",
            |g, n| is_complex(g, n) && matches!(n.op, Op::Binary(_)),
            complex_select,
        ),
    ]
}

/// The operand dtypes of a promoted op that is not native, or `None`.
fn unnative(egraph: &NpEGraph, enode: &ENode) -> Option<SmallVec<[DType; 3]>> {
    if matches!(enode.op, Op::Input { .. } | Op::Const { .. }) {
        return None;
    }
    let args = arg_infos(egraph, enode)?;
    let result = infer_enode(egraph, enode)?;
    let want = operand_dtypes(&enode.op, &args, &result).ok()?;
    let have: SmallVec<[DType; 3]> = args.iter().map(|a| a.ty.dtype).collect();
    let promoted = want == have && args.iter().all(|a| a.weak.is_none());
    (promoted && !is_native(&enode.op, &have, result.dtype)).then_some(have)
}

fn is_complex(egraph: &NpEGraph, enode: &ENode) -> bool {
    ir::native::orders_complex(&enode.op)
        && unnative(egraph, enode).is_some_and(|d| d.iter().all(|d| d.is_complex()))
}

fn is_u64(egraph: &NpEGraph, enode: &ENode) -> bool {
    unnative(egraph, enode).is_some_and(|d| d.contains(&DType::U64))
}

/// Ops whose result bits on uint64 are their result bits on int64 (two's complement).
fn is_wrapping(op: &Op) -> bool {
    use BinaryOp as B;
    use UnaryOp as U;
    matches!(
        op,
        Op::Binary(B::Add | B::Sub | B::Mul | B::BitAnd | B::BitOr | B::BitXor | B::LeftShift)
            | Op::Unary(U::Neg | U::Invert | U::Square | U::IsNan | U::IsInf | U::IsFinite)
            | Op::Compare(CompareOp::Eq | CompareOp::Ne)
            | Op::Reduce {
                op: ReduceOp::Sum | ReduceOp::Prod,
                ..
            }
            | Op::Cumulative {
                op: CumOp::CumSum | CumOp::CumProd,
                ..
            }
            | Op::MatMul
    )
}

/// Ops that order their operands: on int64 bits with the sign bit flipped, the
/// signed order is uint64's.
fn is_ordered(op: &Op) -> bool {
    use BinaryOp as B;
    matches!(
        op,
        Op::Compare(CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge)
            | Op::Binary(B::Maximum | B::Minimum | B::FMax | B::FMin)
            | Op::Reduce {
                op: ReduceOp::Max | ReduceOp::Min,
                ..
            }
            | Op::ArgReduce {
                op: ArgReduceOp::ArgMax | ArgReduceOp::ArgMin,
                ..
            }
            | Op::Sort { .. }
    )
}

fn dtype_of(egraph: &NpEGraph, id: Id) -> DType {
    egraph[id]
        .data
        .as_ref()
        .expect("unnative checked the operands' types")
        .ty
        .dtype
}

fn cast(egraph: &mut NpEGraph, id: Id, to: DType) -> Id {
    egraph.add(ENode::new(Op::Cast { to }, [id]))
}

/// `op` rebuilt over `args`, cast back to `result` where its own dtype differs.
fn rebuild(egraph: &mut NpEGraph, op: &Op, args: SmallVec<[Id; 3]>, result: DType) -> Option<Id> {
    let node = ENode {
        op: op.clone(),
        args,
    };
    let dtype = infer_enode(egraph, &node)?.dtype;
    let id = egraph.add(node);
    Some(if dtype == result {
        id
    } else {
        cast(egraph, id, result)
    })
}

fn widen(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let result = infer_enode(egraph, enode)?.dtype;
    let args = enode
        .args
        .iter()
        .map(|&a| match dtype_of(egraph, a) {
            DType::U16 => cast(egraph, a, DType::I32),
            DType::U32 => cast(egraph, a, DType::I64),
            _ => a,
        })
        .collect();
    rebuild(egraph, &enode.op, args, result)
}

/// `enode` on the int64 bits of its uint64 operands; `flip` xors the sign bit in
/// (and out of a uint64 result).
fn on_bits(egraph: &mut NpEGraph, enode: &ENode, flip: bool) -> Option<Id> {
    let result = infer_enode(egraph, enode)?.dtype;
    let min = egraph.add(ENode::new(
        Op::Const {
            value: Scalar::Int(i64::MIN as i128),
            dtype: DType::I64,
            weak: false,
        },
        [],
    ));
    let xor = Op::Binary(BinaryOp::BitXor);
    let args = enode
        .args
        .iter()
        .map(|&a| {
            if !storage_only(dtype_of(egraph, a)) {
                return a;
            }
            let bits = cast(egraph, a, DType::I64);
            if flip {
                egraph.add(ENode::new(xor.clone(), [bits, min]))
            } else {
                bits
            }
        })
        .collect();
    if !(flip && result == DType::U64) {
        return rebuild(egraph, &enode.op, args, result);
    }
    let flipped = egraph.add(ENode {
        op: enode.op.clone(),
        args,
    });
    let bits = egraph.add(ENode::new(xor, [flipped, min]));
    Some(cast(egraph, bits, result))
}

fn add(egraph: &mut NpEGraph, op: Op, args: impl IntoIterator<Item = Id>) -> Id {
    egraph.add(ENode::new(op, args))
}

/// NumPy's lexicographic order of complex numbers (`CLT`, `CLE`, ... in its
/// loops): `x < y` is `xr < yr` (neither imaginary part NaN) or `xr == yr and
/// xi < yi`.
fn lexicographic(egraph: &mut NpEGraph, c: CompareOp, x: Id, y: Id) -> Id {
    let part = |g: &mut NpEGraph, u: UnaryOp, v: Id| add(g, Op::Unary(u), [v]);
    let (xr, xi) = (
        part(egraph, UnaryOp::Real, x),
        part(egraph, UnaryOp::Imag, x),
    );
    let (yr, yi) = (
        part(egraph, UnaryOp::Real, y),
        part(egraph, UnaryOp::Imag, y),
    );
    let strict = match c {
        CompareOp::Lt | CompareOp::Le => CompareOp::Lt,
        _ => CompareOp::Gt,
    };
    let real_wins = add(egraph, Op::Compare(strict), [xr, yr]);
    let (nx, ny) = (
        part(egraph, UnaryOp::IsNan, xi),
        part(egraph, UnaryOp::IsNan, yi),
    );
    let any_nan = add(egraph, Op::Binary(BinaryOp::LogicalOr), [nx, ny]);
    let no_nan = add(egraph, Op::Unary(UnaryOp::LogicalNot), [any_nan]);
    let first = add(
        egraph,
        Op::Binary(BinaryOp::LogicalAnd),
        [real_wins, no_nan],
    );
    let real_eq = add(egraph, Op::Compare(CompareOp::Eq), [xr, yr]);
    let imag = add(egraph, Op::Compare(c), [xi, yi]);
    let second = add(egraph, Op::Binary(BinaryOp::LogicalAnd), [real_eq, imag]);
    add(egraph, Op::Binary(BinaryOp::LogicalOr), [first, second])
}

fn complex_compare(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let Op::Compare(c) = enode.op else {
        return None;
    };
    Some(lexicographic(egraph, c, enode.args[0], enode.args[1]))
}

/// NumPy's complex maximum/minimum keep `x` where `x >= y` (`<=`) or `x` has a
/// NaN part; fmax/fmin keep `x` where `x >= y` (`<=`) or `y` has a NaN part.
fn complex_select(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let Op::Binary(b) = enode.op else { return None };
    let (x, y) = (enode.args[0], enode.args[1]);
    let (order, nan_side) = match b {
        BinaryOp::Maximum => (CompareOp::Ge, x),
        BinaryOp::Minimum => (CompareOp::Le, x),
        BinaryOp::FMax => (CompareOp::Ge, y),
        BinaryOp::FMin => (CompareOp::Le, y),
        _ => return None,
    };
    let keep = lexicographic(egraph, order, x, y);
    let nan = add(egraph, Op::Unary(UnaryOp::IsNan), [nan_side]);
    let cond = add(egraph, Op::Binary(BinaryOp::LogicalOr), [keep, nan]);
    Some(add(egraph, Op::Where, [cond, x, y]))
}
