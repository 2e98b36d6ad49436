//! The pipeline: a flat list of named stages, each bounded, each verified.

use crate::analysis::TypeAnalysis;
use crate::extract::{extract, to_egraph};
use crate::lang::ENode;
use egg::{Rewrite, Runner};
use ir::{Graph, Result};
use std::time::Duration;

/// Bounds on one egg stage: saturation stops at whichever comes first.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub iterations: usize,
    pub nodes: usize,
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { iterations: 16, nodes: 200_000, time: Duration::from_secs(2) }
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
    Rewrite(fn() -> Vec<Rewrite<ENode, TypeAnalysis>>),
}

/// The stages, in order.
pub fn stages() -> Vec<Stage> {
    vec![
        Stage { name: "dce", kind: StageKind::Dce },
        Stage { name: "promote", kind: StageKind::Rewrite(crate::promote::rules) },
        Stage { name: "fuse", kind: StageKind::Rewrite(crate::fuse::rules) },
        Stage { name: "dce", kind: StageKind::Dce },
    ]
}

/// Run egg rules over a graph and extract the cheapest equivalent.
pub fn rewrite(graph: &Graph, rules: &[Rewrite<ENode, TypeAnalysis>], limits: Limits) -> Result<(Graph, String)> {
    let (egraph, roots) = to_egraph(graph);
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
            StageKind::Rewrite(rules) => rewrite(&g, &rules(), limits)?,
        };
        next.verify()?;
        reports.push(StageReport { name: stage.name, detail, graph: next.clone() });
        g = next;
    }
    Ok((g, reports))
}
