//! Graph ⇄ e-graph, and extraction with a cost model of bytes moved and kernels
//! launched. An e-node whose operands are not in its compute dtype, or that the
//! backend cannot compute as written (`ir::native`), cannot be
//! lowered: it costs infinity, so extraction always picks the promoted form.

use crate::analysis::{arg_infos, infer_enode, NpEGraph, TypeAnalysis};
use crate::lang::ENode;
use egg::Id;
use ir::{operand_dtypes, Graph, IrError, Op, Result, Value};
use std::collections::{HashMap, HashSet, VecDeque};

/// Bytes-equivalent cost of launching one kernel.
const LAUNCH: f64 = 4096.0;

/// The cost of running one e-node itself, or infinity where it cannot be lowered.
pub fn own_cost(egraph: &NpEGraph, enode: &ENode) -> f64 {
    match &enode.op {
        Op::Input { .. } => 0.0,
        Op::Const { weak: true, .. } => f64::INFINITY,
        Op::Const { .. } => 1.0,
        op => {
            let (Some(ty), Some(args)) = (infer_enode(egraph, enode), arg_infos(egraph, enode))
            else {
                return f64::INFINITY;
            };
            let lowerable = match operand_dtypes(op, &args, &ty) {
                Ok(want) => {
                    args.iter()
                        .zip(&want)
                        .all(|(a, w)| a.ty.dtype == *w && a.weak.is_none())
                        && (!egraph.analysis.native_only
                            || ir::native::is_native(op, &want, ty.dtype))
                }
                Err(_) => false,
            };
            if lowerable {
                // A fused node stands for two kernels: it must win the tie
                // with the pair it replaces, which the dearest-operand sum
                // below cannot see (the product hides behind the dearer
                // operand).
                let fused = if matches!(op, Op::AddCMul) {
                    LAUNCH / 2.0
                } else {
                    0.0
                };
                LAUNCH - fused + (ty.numel() as f64) * (ty.dtype.itemsize() as f64)
            } else {
                f64::INFINITY
            }
        }
    }
}

/// The best e-node of every e-class. A node costs its own cost plus the dearest
/// of its operands: a sum would count shared operands once per use and grow
/// exponentially along chains of reuse (`x = x * c + x`).
/// Computed by a worklist over parents, so a deep graph settles in one sweep.
pub fn best_nodes(egraph: &NpEGraph) -> HashMap<Id, (f64, ENode)> {
    let mut best: HashMap<Id, (f64, ENode)> = HashMap::with_capacity(egraph.number_of_classes());
    let mut queue: VecDeque<Id> = egraph
        .classes()
        .map(|c| c.id)
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    queue.make_contiguous().sort_unstable();
    let mut queued: HashSet<Id> = queue.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        queued.remove(&id);
        let mut improved = false;
        for node in &egraph[id].nodes {
            let mut dearest = 0.0f64;
            for a in &node.args {
                dearest = dearest.max(
                    best.get(&egraph.find(*a))
                        .map_or(f64::INFINITY, |(c, _)| *c),
                );
            }
            let cost = own_cost(egraph, node) + dearest;
            if cost.is_finite() && best.get(&id).is_none_or(|(c, _)| cost < *c) {
                best.insert(id, (cost, node.clone()));
                improved = true;
            }
        }
        if improved {
            for p in egraph[id].parents() {
                let p = egraph.find(p);
                if queued.insert(p) {
                    queue.push_back(p);
                }
            }
        }
    }
    best
}
/// Load a graph into a fresh e-graph; returns it with the e-class of each output.
pub fn to_egraph(graph: &Graph) -> (NpEGraph, Vec<Id>) {
    let mut egraph = NpEGraph::new(TypeAnalysis::new(graph.input_types()));
    let mut ids: HashMap<Value, Id> = HashMap::with_capacity(graph.len());
    for v in graph.values() {
        let args = graph.args(v).iter().map(|a| ids[a]).collect::<Vec<_>>();
        let id = egraph.add(ENode::new(graph.node(v).op.clone(), args));
        ids.insert(v, id);
    }
    let roots = graph.outputs.iter().map(|o| egraph.find(ids[o])).collect();
    (egraph, roots)
}

/// Extract the cheapest graph for `roots`, sharing common e-classes (CSE for free).
/// Inputs keep their order; every extracted node is type-checked again.
pub fn extract(egraph: &NpEGraph, roots: &[Id], like: &Graph) -> Result<Graph> {
    let best = best_nodes(egraph);
    let mut out = Graph::new(like.name.clone());
    let mut done: HashMap<Id, Value> = HashMap::new();
    for (index, ty) in like.input_types().into_iter().enumerate() {
        let v = out.add_input(like.input_names[index].clone(), ty);
        if let Some(id) = egraph.lookup(ENode::new(
            Op::Input {
                index: index as u32,
            },
            [],
        )) {
            done.insert(egraph.find(id), v);
        }
    }
    for &root in roots {
        // Iterative post-order walk: graphs of 100k ops are deep.
        let mut stack = vec![(egraph.find(root), false)];
        while let Some((id, expanded)) = stack.pop() {
            if done.contains_key(&id) {
                continue;
            }
            let Some((_, best)) = best.get(&id) else {
                return Err(IrError::internal(format!(
                    "no lowerable form for e-class {id}: {:?}",
                    egraph[id].nodes
                )));
            };
            if expanded {
                let args: Vec<Value> = best.args.iter().map(|a| done[&egraph.find(*a)]).collect();
                let v = out.add(best.op.clone(), &args).map_err(|e| {
                    IrError::internal(format!("extraction built an ill-typed {}: {e}", best.op))
                })?;
                done.insert(id, v);
            } else {
                stack.push((id, true));
                stack.extend(best.args.iter().rev().map(|a| (egraph.find(*a), false)));
            }
        }
    }
    out.outputs = roots.iter().map(|r| done[&egraph.find(*r)]).collect();
    Ok(out)
}
