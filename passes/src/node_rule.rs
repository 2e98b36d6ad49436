//! Rules over single e-nodes whose ops carry attributes (a `sum` over any axes, a
//! `cast` to any dtype) that egg's pattern syntax cannot range over. A `NodeRule`
//! is a named predicate plus a builder: where the predicate holds for an e-node,
//! the builder adds an equivalent e-node and it is unioned with the class.

use crate::analysis::{NpEGraph, TypeAnalysis};
use crate::lang::ENode;
use egg::{Applier, Id, PatternAst, Rewrite, SearchMatches, Searcher, Subst, Symbol, Var};

pub type Check = fn(&NpEGraph, &ENode) -> bool;
pub type Build = fn(&mut NpEGraph, &ENode) -> Option<Id>;

#[derive(Clone, Copy)]
pub struct NodeRule {
    check: Check,
    build: Build,
}

impl NodeRule {
    pub fn rewrite(name: &str, check: Check, build: Build) -> Rewrite<ENode, TypeAnalysis> {
        Rewrite::new(name, NodeRule { check, build }, NodeRule { check, build })
            .expect("node rules bind no variables")
    }
}

impl Searcher<ENode, TypeAnalysis> for NodeRule {
    fn search_eclass_with_limit(
        &self,
        egraph: &NpEGraph,
        eclass: Id,
        limit: usize,
    ) -> Option<SearchMatches<'_, ENode>> {
        let hits = egraph[eclass]
            .nodes
            .iter()
            .filter(|n| (self.check)(egraph, n))
            .count()
            .min(limit);
        (hits > 0).then(|| SearchMatches {
            eclass,
            substs: vec![Subst::default(); hits],
            ast: None,
        })
    }

    fn vars(&self) -> Vec<Var> {
        vec![]
    }
}

impl Applier<ENode, TypeAnalysis> for NodeRule {
    fn apply_one(
        &self,
        egraph: &mut NpEGraph,
        eclass: Id,
        _: &Subst,
        _: Option<&PatternAst<ENode>>,
        _: Symbol,
    ) -> Vec<Id> {
        let nodes: Vec<ENode> = egraph[eclass]
            .nodes
            .iter()
            .filter(|n| (self.check)(egraph, n))
            .cloned()
            .collect();
        let mut changed = vec![];
        for n in nodes {
            if let Some(new) = (self.build)(egraph, &n) {
                if egraph.union(eclass, new) {
                    changed.push(eclass);
                }
            }
        }
        changed
    }
}
