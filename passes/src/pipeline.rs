//! The pipeline: a flat list of named stages, each bounded, each verified.

use crate::analysis::TypeAnalysis;
use crate::extract::{extract, to_egraph};
use crate::lang::ENode;
use egg::{Rewrite, Runner};
use ir::{Graph, Op, Result, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Bounds on one egg stage: saturation stops at whichever comes first.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub iterations: usize,
    pub nodes: usize,
    pub time: Duration,
    /// Graphs with more nodes are rewritten in windows of this many.
    pub window: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            iterations: 16,
            nodes: 200_000,
            time: Duration::from_secs(2),
            window: 4096,
        }
    }
}

/// What one stage did: the graph after it and how its rewriting stopped.
#[derive(Clone, Debug)]
pub struct StageReport {
    pub name: &'static str,
    pub detail: String,
    pub graph: Graph,
}

pub struct Stage {
    pub name: &'static str,
    pub kind: StageKind,
}

pub enum StageKind {
    Dce,
    /// Rules, and whether the extracted graph may hold only ops the backend
    /// computes as written (`ir::native`): stages from `normalize` on.
    Rewrite(fn() -> Vec<Rewrite<ENode, TypeAnalysis>>, bool),
}

/// The stages, in order.
pub fn stages() -> Vec<Stage> {
    vec![
        Stage {
            name: "dce",
            kind: StageKind::Dce,
        },
        Stage {
            name: "promote",
            kind: StageKind::Rewrite(crate::promote::rules, false),
        },
        Stage {
            name: "normalize",
            kind: StageKind::Rewrite(crate::normalize::rules, true),
        },
        Stage {
            name: "fuse",
            kind: StageKind::Rewrite(crate::fuse::rules, true),
        },
        Stage {
            name: "dce",
            kind: StageKind::Dce,
        },
    ]
}

/// Run egg rules over a graph and extract the cheapest equivalent. Graphs longer
/// than `limits.window` nodes are rewritten window by window, so the work (and the
/// e-graph) stays bounded and grows linearly with the trace; rewrites do not cross
/// window boundaries.
pub fn rewrite(
    graph: &Graph,
    rules: &[Rewrite<ENode, TypeAnalysis>],
    limits: Limits,
) -> Result<(Graph, String)> {
    rewrite_stage(graph, rules, limits, true)
}

/// `rewrite`, where `native` says whether extraction may keep ops the backend
/// cannot compute as written.
pub fn rewrite_stage(
    graph: &Graph,
    rules: &[Rewrite<ENode, TypeAnalysis>],
    limits: Limits,
    native: bool,
) -> Result<(Graph, String)> {
    let body: Vec<Value> = graph
        .values()
        .filter(|&v| !matches!(graph.node(v).op, Op::Input { .. }))
        .collect();
    if body.len() <= limits.window {
        return rewrite_whole(graph, rules, limits, native);
    }
    let chunk_of = |pos: usize| pos / limits.window;
    // The last window that uses each value.
    let mut last_use: HashMap<Value, usize> = HashMap::new();
    for (pos, &v) in body.iter().enumerate() {
        for a in graph.args(v) {
            let e = last_use.entry(a).or_insert(0);
            *e = (*e).max(chunk_of(pos));
        }
    }
    let mut out = Graph::new(graph.name.clone());
    let mut map: HashMap<Value, Value> = HashMap::new();
    for (index, ty) in graph.input_types().into_iter().enumerate() {
        let v = out.add_input(graph.input_names[index].clone(), ty);
        map.insert(
            graph
                .input_value(index as u32)
                .expect("every input has a node"),
            v,
        );
    }
    let mut details: Vec<String> = vec![];
    for (c, chunk) in body.chunks(limits.window).enumerate() {
        // The window as a graph of its own: values from earlier windows are its
        // inputs, literals are copied in (promotion needs to see them weak).
        let mut sub = Graph::new(format!("{}_w{c}", graph.name));
        let mut sub_map: HashMap<Value, Value> = HashMap::new();
        let mut outside: Vec<Value> = vec![];
        for &v in chunk {
            let mut args = vec![];
            for a in graph.args(v) {
                if !sub_map.contains_key(&a) {
                    let node = graph.node(a);
                    let s = if matches!(node.op, Op::Const { .. }) {
                        sub.push_unchecked(node.clone(), &[])
                    } else {
                        outside.push(a);
                        sub.add_input(format!("w{}", outside.len() - 1), node.ty.clone())
                    };
                    sub_map.insert(a, s);
                }
                args.push(sub_map[&a]);
            }
            sub_map.insert(v, sub.push_unchecked(graph.node(v).clone(), &args));
        }
        let exported: Vec<Value> = chunk
            .iter()
            .copied()
            .filter(|&v| {
                // Later windows copy literals in themselves.
                let later = last_use.get(&v).is_some_and(|&l| l > c)
                    && !matches!(graph.node(v).op, Op::Const { .. });
                graph.outputs.contains(&v) || later
            })
            .collect();
        sub.outputs = exported.iter().map(|v| sub_map[v]).collect();
        let (done, detail) = rewrite_whole(&sub, rules, limits, native)?;
        details.push(detail);
        // Splice the rewritten window in, its inputs bound to what they stand for.
        let mut splice: HashMap<Value, Value> = HashMap::new();
        for r in done.values() {
            let node = done.node(r);
            let new = match node.op {
                Op::Input { index } => map[&outside[index as usize]],
                _ => {
                    let args: Vec<Value> = done.args(r).iter().map(|a| splice[a]).collect();
                    out.push_unchecked(node.clone(), &args)
                }
            };
            splice.insert(r, new);
        }
        for (v, r) in exported.iter().zip(&done.outputs) {
            map.insert(*v, splice[r]);
        }
    }
    out.outputs = graph.outputs.iter().map(|o| map[o]).collect();
    let saturated = details.iter().filter(|d| d.contains("Saturated")).count();
    let detail = format!(
        "{} windows of up to {} nodes, {saturated} saturated; last {}",
        details.len(),
        limits.window,
        details.last().map_or("", String::as_str)
    );
    Ok((out, detail))
}

fn rewrite_whole(
    graph: &Graph,
    rules: &[Rewrite<ENode, TypeAnalysis>],
    limits: Limits,
    native: bool,
) -> Result<(Graph, String)> {
    let (mut egraph, roots) = to_egraph(graph);
    egraph.analysis.native_only = native;
    let runner = Runner::default()
        .with_egraph(egraph)
        // Every rule here fires at most once per e-node; a backoff ban would leave
        // some nodes unpromoted, so apply all matches each iteration.
        .with_scheduler(egg::SimpleScheduler)
        .with_iter_limit(limits.iterations)
        .with_node_limit(limits.nodes)
        .with_time_limit(limits.time)
        .run(rules);
    let detail = format!(
        "stopped: {:?} after {} iterations, {} e-nodes in {} e-classes",
        runner.stop_reason.as_ref().expect("run sets a stop reason"),
        runner.iterations.len(),
        runner.egraph.total_size(),
        runner.egraph.number_of_classes(),
    );
    let out = extract(&runner.egraph, &roots, graph)?;
    Ok((out, detail))
}

/// Optimize a traced graph; returns the final graph and a report per stage.
pub fn optimize(graph: &Graph, limits: Limits) -> Result<(Graph, Vec<StageReport>)> {
    let mut g = graph.clone();
    let mut reports = vec![];
    for stage in stages() {
        let (next, detail) = match stage.kind {
            StageKind::Dce => {
                let next = g.dce();
                let detail = format!("{} -> {} nodes", g.len(), next.len());
                (next, detail)
            }
            StageKind::Rewrite(rules, native) => rewrite_stage(&g, &rules(), limits, native)?,
        };
        next.verify()?;
        reports.push(StageReport {
            name: stage.name,
            detail,
            graph: next.clone(),
        });
        g = next;
    }
    Ok((g, reports))
}
