//! `promote`: insert explicit casts so that every op sees its operands in the
//! dtype NumPy computes in. After this stage libtorch's own promotion rules never
//! decide a result dtype (the extractor gives an op with mismatched operands an
//! infinite cost).

use crate::analysis::{arg_infos, NpEGraph, TypeAnalysis};
use crate::lang::ENode;
use crate::node_rule::NodeRule;
use egg::{Id, Rewrite};
use ir::{operand_dtypes, DType, Op, ReduceOp, Scalar};
use smallvec::SmallVec;

pub fn rules() -> Vec<Rewrite<ENode, TypeAnalysis>> {
    vec![
        // Not casts: a cast of a weak literal is folded from the exact value
        // (cast-const-fold); promoting its operand first would wrap a Python int
        // beyond int64 into int64.
        NodeRule::rewrite(
            "elementwise-promote",
            |g, n| n.op.is_elementwise() && !matches!(n.op, Op::Cast { .. }) && needs_casts(g, n),
            insert_casts,
        ),
        NodeRule::rewrite(
            "reduce-promote",
            |g, n| matches!(n.op, Op::Reduce { .. }) && needs_casts(g, n),
            insert_reduce_casts,
        ),
        NodeRule::rewrite(
            "cumulative-promote",
            |g, n| matches!(n.op, Op::Cumulative { .. }) && needs_casts(g, n),
            insert_casts,
        ),
        NodeRule::rewrite(
            "matmul-promote",
            |g, n| n.op == Op::MatMul && needs_casts(g, n),
            insert_casts,
        ),
        // A Python scalar given to a shape op is np.asarray(value): its default dtype.
        NodeRule::rewrite(
            "shape-promote",
            |g, n| {
                matches!(
                    n.op,
                    Op::Reshape { .. }
                        | Op::Permute { .. }
                        | Op::Slice { .. }
                        | Op::ArgReduce { .. }
                ) && needs_casts(g, n)
            },
            insert_casts,
        ),
        NodeRule::rewrite(
            "take-promote",
            |g, n| matches!(n.op, Op::Take { .. }) && needs_casts(g, n),
            insert_casts,
        ),
        NodeRule::rewrite(
            "concat-promote",
            |g, n| matches!(n.op, Op::Concat { .. }) && needs_casts(g, n),
            insert_casts,
        ),
        NodeRule::rewrite(
            "scatter-promote",
            |g, n| matches!(n.op, Op::SliceScatter { .. }) && needs_casts(g, n),
            insert_casts,
        ),
        NodeRule::rewrite("cast-const-fold", is_cast_of_const, fold_cast_of_const),
        NodeRule::rewrite("cast-identity", is_identity_cast, |g, n| {
            Some(n.args[0]).filter(|_| is_identity_cast(g, n))
        }),
    ]
}

/// The dtypes `enode`'s operands must have, and the ones they have.
fn operand_plan(
    egraph: &NpEGraph,
    enode: &ENode,
) -> Option<(SmallVec<[DType; 3]>, SmallVec<[DType; 3]>)> {
    let args = arg_infos(egraph, enode)?;
    let result = crate::analysis::infer_enode(egraph, enode)?;
    let want = operand_dtypes(&enode.op, &args, &result).ok()?;
    let have = args.iter().map(|a| a.ty.dtype).collect();
    Some((want, have))
}

/// True where some operand is not in the op's compute dtype (or is a weak literal).
pub fn needs_casts(egraph: &NpEGraph, enode: &ENode) -> bool {
    let weak = enode
        .args
        .iter()
        .any(|&a| egraph[a].data.as_ref().is_some_and(|t| t.weak.is_some()));
    operand_plan(egraph, enode).is_some_and(|(want, have)| want != have) || weak
}

fn insert_casts(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let args = cast_args(egraph, enode)?;
    Some(egraph.add(ENode {
        op: enode.op.clone(),
        args,
    }))
}

/// `insert_casts` for reductions: a float `sum`/`mean` over a cast operand is
/// NumPy's buffered reduction (the cast happens on the fly, 8192 elements at a
/// time, which sets the order of a float sum), so it is marked `buffered`.
fn insert_reduce_casts(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let args = cast_args(egraph, enode)?;
    let mut op = enode.op.clone();
    if let Op::Reduce {
        op: ReduceOp::Sum | ReduceOp::Mean,
        buffered,
        ..
    } = &mut op
    {
        let result = crate::analysis::infer_enode(egraph, enode)?;
        let cast = args.iter().zip(&enode.args).any(|(a, b)| a != b);
        *buffered |= cast && !result.dtype.is_exact();
    }
    Some(egraph.add(ENode { op, args }))
}

/// `enode`'s operands, each cast to the dtype the op computes in where it is not.
fn cast_args(egraph: &mut NpEGraph, enode: &ENode) -> Option<SmallVec<[Id; 3]>> {
    let (want, _) = operand_plan(egraph, enode)?;
    let args: SmallVec<[Id; 3]> = enode
        .args
        .iter()
        .zip(want)
        .map(|(&a, to)| {
            let data = egraph[a]
                .data
                .as_ref()
                .expect("operand_plan checked the operands' types");
            if data.ty.dtype == to && data.weak.is_none() {
                a
            } else {
                egraph.add(ENode::new(Op::Cast { to }, [a]))
            }
        })
        .collect();
    Some(args)
}

fn const_in(egraph: &NpEGraph, id: Id) -> Option<Scalar> {
    egraph[id].nodes.iter().find_map(|n| match n.op {
        Op::Const { value, .. } => Some(value),
        _ => None,
    })
}

fn is_cast_of_const(egraph: &NpEGraph, enode: &ENode) -> bool {
    matches!(enode.op, Op::Cast { .. }) && const_in(egraph, enode.args[0]).is_some()
}

fn fold_cast_of_const(egraph: &mut NpEGraph, enode: &ENode) -> Option<Id> {
    let Op::Cast { to } = enode.op else {
        return None;
    };
    let value = const_in(egraph, enode.args[0])?;
    Some(egraph.add(ENode::new(
        Op::Const {
            value: value.cast(to),
            dtype: to,
            weak: false,
        },
        [],
    )))
}

fn is_identity_cast(egraph: &NpEGraph, enode: &ENode) -> bool {
    match enode.op {
        Op::Cast { to } => egraph[enode.args[0]]
            .data
            .as_ref()
            .is_some_and(|t| t.ty.dtype == to && t.weak.is_none()),
        _ => false,
    }
}
