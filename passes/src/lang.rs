//! The egg language: one e-node per `ir::Op`, attributes included, so the e-graph
//! mirrors the IR exactly. Patterns name ops by their text form (`add`, `cast[to=f32]`).

use egg::{FromOp, Id, Language};
use ir::Op;
use smallvec::SmallVec;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ENode {
    pub op: Op,
    pub args: SmallVec<[Id; 3]>,
}

impl ENode {
    pub fn new(op: Op, args: impl IntoIterator<Item = Id>) -> Self {
        ENode {
            op,
            args: args.into_iter().collect(),
        }
    }
}

impl Language for ENode {
    type Discriminant = Op;

    fn discriminant(&self) -> Op {
        self.op.clone()
    }

    fn matches(&self, other: &Self) -> bool {
        self.op == other.op && self.args.len() == other.args.len()
    }

    fn children(&self) -> &[Id] {
        &self.args
    }

    fn children_mut(&mut self) -> &mut [Id] {
        &mut self.args
    }
}

impl fmt::Display for ENode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.op)
    }
}

impl FromOp for ENode {
    type Error = String;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, String> {
        let op: Op = op.parse()?;
        if children.len() != op.arity() {
            return Err(format!(
                "{} takes {} operands, got {}",
                op,
                op.arity(),
                children.len()
            ));
        }
        Ok(ENode::new(op, children))
    }
}
