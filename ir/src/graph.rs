//! The typed graph: a petgraph DAG of primitives. Nodes are added in topological
//! order (the tracer records them as they run) and every node's type is inferred
//! when it is added, so a graph is always well typed.

use crate::error::{IrError, Result};
use crate::infer::{infer, Arg};
use crate::op::{Op, Scalar};
use crate::types::TensorType;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;
use smallvec::SmallVec;
use std::fmt::{self, Write};

pub type Value = NodeIndex;

#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub ty: TensorType,
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub name: String,
    /// Names of the graph's inputs, in `Op::Input` index order.
    pub input_names: Vec<String>,
    pub outputs: Vec<Value>,
    /// Edge weight: the operand position at the user node (`usize`: a
    /// narrower type would wrap past its range and reorder operands silently).
    dag: DiGraph<Node, usize>,
}

impl Graph {
    pub fn new(name: impl Into<String>) -> Self {
        Graph {
            name: name.into(),
            ..Default::default()
        }
    }

    pub fn add_input(&mut self, name: impl Into<String>, ty: TensorType) -> Value {
        let index = self.input_names.len() as u32;
        self.input_names.push(name.into());
        self.dag.add_node(Node {
            op: Op::Input { index },
            ty,
        })
    }

    /// Record `op(args)`, inferring its type (NumPy's error where NumPy would raise).
    pub fn add(&mut self, op: Op, args: &[Value]) -> Result<Value> {
        if matches!(op, Op::Input { .. }) {
            return Err(IrError::internal("inputs are added with add_input"));
        }
        let ty = self.infer(&op, args)?;
        let n = self.dag.add_node(Node { op, ty });
        for (i, &a) in args.iter().enumerate() {
            self.dag.add_edge(a, n, i);
        }
        Ok(n)
    }

    pub fn infer(&self, op: &Op, args: &[Value]) -> Result<TensorType> {
        for &a in args {
            if self.dag.node_weight(a).is_none() {
                return Err(IrError::internal(format!("no value %{}", a.index())));
            }
        }
        infer(op, &self.arg_infos(args))
    }

    pub fn arg_infos(&self, args: &[Value]) -> Vec<Arg<'_>> {
        args.iter()
            .map(|&a| Arg {
                ty: &self.dag[a].ty,
                weak: self.weak_value(a),
            })
            .collect()
    }

    /// The value of a weak Python-scalar literal.
    pub fn weak_value(&self, v: Value) -> Option<Scalar> {
        match self.dag[v].op {
            Op::Const {
                value, weak: true, ..
            } => Some(value),
            _ => None,
        }
    }

    pub fn node(&self, v: Value) -> &Node {
        &self.dag[v]
    }

    pub fn len(&self) -> usize {
        self.dag.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.dag.node_count() == 0
    }

    /// Values in topological order (the order they were added).
    pub fn values(&self) -> impl Iterator<Item = Value> + '_ {
        self.dag.node_indices()
    }

    pub fn args(&self, v: Value) -> SmallVec<[Value; 3]> {
        let mut edges: SmallVec<[(usize, Value); 3]> = self
            .dag
            .edges_directed(v, Direction::Incoming)
            .map(|e| (*e.weight(), e.source()))
            .collect();
        edges.sort_unstable();
        edges.into_iter().map(|(_, s)| s).collect()
    }

    pub fn users(&self, v: Value) -> usize {
        self.dag.edges_directed(v, Direction::Outgoing).count()
    }

    pub fn input_types(&self) -> Vec<TensorType> {
        let mut tys = vec![None; self.input_names.len()];
        for v in self.values() {
            if let Op::Input { index } = self.dag[v].op {
                tys[index as usize] = Some(self.dag[v].ty.clone());
            }
        }
        tys.into_iter()
            .map(|t| t.expect("every input has a node"))
            .collect()
    }

    pub fn input_value(&self, index: u32) -> Option<Value> {
        self.values()
            .find(|&v| self.dag[v].op == Op::Input { index })
    }

    /// Dead-code elimination: a copy holding the inputs and what the outputs use.
    pub fn dce(&self) -> Graph {
        let mut live = vec![false; self.len()];
        let mut stack: Vec<Value> = self.outputs.clone();
        while let Some(v) = stack.pop() {
            if !std::mem::replace(&mut live[v.index()], true) {
                stack.extend(self.args(v));
            }
        }
        let mut out = Graph::new(self.name.clone());
        out.input_names = self.input_names.clone();
        let mut map = vec![NodeIndex::end(); self.len()];
        for v in self.values() {
            if live[v.index()] || matches!(self.dag[v].op, Op::Input { .. }) {
                let args: SmallVec<[Value; 3]> =
                    self.args(v).iter().map(|a| map[a.index()]).collect();
                map[v.index()] = out.push_unchecked(self.dag[v].clone(), &args);
            }
        }
        out.outputs = self.outputs.iter().map(|o| map[o.index()]).collect();
        out
    }

    /// Add a node whose type is already known (copying from a checked graph).
    pub fn push_unchecked(&mut self, node: Node, args: &[Value]) -> Value {
        let n = self.dag.add_node(node);
        for (i, &a) in args.iter().enumerate() {
            self.dag.add_edge(a, n, i);
        }
        n
    }

    /// Re-infer every node: the IR verifier run after each pass in tests.
    pub fn verify(&self) -> Result<()> {
        for v in self.values() {
            let node = &self.dag[v];
            if let Op::Input { index } = node.op {
                if index as usize >= self.input_names.len() {
                    return Err(IrError::internal(format!(
                        "input index {index} out of range"
                    )));
                }
                continue;
            }
            let args = self.args(v);
            if args.iter().any(|a| a.index() >= v.index()) {
                return Err(IrError::internal(format!(
                    "%{} uses a later value",
                    v.index()
                )));
            }
            let ty = self.infer(&node.op, &args)?;
            if ty != node.ty {
                return Err(IrError::internal(format!(
                    "%{}: {} recorded as {}, infers {}",
                    v.index(),
                    node.op,
                    node.ty,
                    ty
                )));
            }
        }
        if let Some(o) = self.outputs.iter().find(|o| o.index() >= self.len()) {
            return Err(IrError::internal(format!(
                "output %{} does not exist",
                o.index()
            )));
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct JNode {
            id: usize,
            op: String,
            #[serde(rename = "type")]
            ty: String,
            args: Vec<usize>,
        }
        #[derive(Serialize)]
        struct JGraph<'a> {
            name: &'a str,
            inputs: &'a [String],
            nodes: Vec<JNode>,
            outputs: Vec<usize>,
        }
        let nodes = self
            .values()
            .map(|v| JNode {
                id: v.index(),
                op: self.dag[v].op.to_string(),
                ty: self.dag[v].ty.to_string(),
                args: self.args(v).iter().map(|a| a.index()).collect(),
            })
            .collect();
        let j = JGraph {
            name: &self.name,
            inputs: &self.input_names,
            nodes,
            outputs: self.outputs.iter().map(|o| o.index()).collect(),
        };
        serde_json::to_string_pretty(&j).expect("graph JSON has only strings and integers")
    }
}

impl fmt::Display for Graph {
    /// One node a line; literals inline as `2.0:f64` (weak Python scalars as `2:int`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = vec![String::new(); self.len()];
        let mut lines: Vec<(String, String, String)> = vec![];
        let mut counter = 0;
        for v in self.values() {
            let node = &self.dag[v];
            match &node.op {
                Op::Input { index } => {
                    names[v.index()] = format!("%{}", self.input_names[*index as usize])
                }
                Op::Const { value, dtype, weak } if !self.outputs.contains(&v) => {
                    names[v.index()] = crate::op::literal_text(value, *dtype, *weak);
                }
                op => {
                    let name = format!("%{counter}");
                    counter += 1;
                    let args: Vec<String> = self
                        .args(v)
                        .iter()
                        .map(|a| names[a.index()].clone())
                        .collect();
                    let mut rhs = op.to_string();
                    if !args.is_empty() {
                        write!(rhs, " {}", args.join(", "))?;
                    }
                    lines.push((name.clone(), node.ty.to_string(), rhs));
                    names[v.index()] = name;
                }
            }
        }
        let sig: Vec<String> = self
            .values()
            .filter_map(|v| match self.dag[v].op {
                Op::Input { .. } => Some(format!("{}: {}", names[v.index()], self.dag[v].ty)),
                _ => None,
            })
            .collect();
        let outs: Vec<String> = self
            .outputs
            .iter()
            .map(|o| self.dag[*o].ty.to_string())
            .collect();
        writeln!(
            f,
            "graph {}({}) -> ({}) {{",
            self.name,
            sig.join(", "),
            outs.join(", ")
        )?;
        let wn = lines
            .iter()
            .map(|l| l.0.len() + 2 + l.1.len())
            .max()
            .unwrap_or(0);
        for (n, t, rhs) in &lines {
            let head = format!("{n}: {t}");
            writeln!(f, "  {head:<wn$} = {rhs}")?;
        }
        let rets: Vec<&str> = self
            .outputs
            .iter()
            .map(|o| names[o.index()].as_str())
            .collect();
        writeln!(f, "  return {}", rets.join(", "))?;
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;

    fn sample() -> Graph {
        let mut g = Graph::new("f");
        let x = g.add_input("x", TensorType::new(DType::F64, [3, 4]));
        let y = g.add_input("y", TensorType::new(DType::F64, [4]));
        let s = g.add(Op::Add_(), &[x, y]).unwrap();
        let two = g
            .add("const[value=2:weak_int]".parse().unwrap(), &[])
            .unwrap();
        let m = g.add("multiply".parse().unwrap(), &[s, two]).unwrap();
        let r = g
            .add("sum[axes=(1,),keepdims=false]".parse().unwrap(), &[m])
            .unwrap();
        let _dead = g.add("sin".parse().unwrap(), &[x]).unwrap();
        g.outputs = vec![m, r];
        g
    }

    impl Op {
        #[allow(non_snake_case)]
        fn Add_() -> Op {
            "add".parse().unwrap()
        }
    }

    #[test]
    fn operand_positions_past_256_keep_their_order() {
        let mut g = Graph::new("f");
        let xs: Vec<Value> = (0..300)
            .map(|i| g.add_input(format!("x{i}"), TensorType::new(DType::F64, [1])))
            .collect();
        let c = g.add("concat[axis=0,n=300]".parse().unwrap(), &xs).unwrap();
        assert_eq!(g.args(c).as_slice(), xs.as_slice());
        g.outputs = vec![c];
        let copy = g.dce();
        let inputs: Vec<Op> = copy
            .args(copy.outputs[0])
            .iter()
            .map(|&v| copy.node(v).op.clone())
            .collect();
        let want: Vec<Op> = (0..300).map(|index| Op::Input { index }).collect();
        assert_eq!(inputs, want);
    }

    #[test]
    fn text_dump_is_stable() {
        let g = sample();
        let want = "\
graph f(%x: f64[3,4], %y: f64[4]) -> (f64[3,4], f64[3]) {
  %0: f64[3,4] = add %x, %y
  %1: f64[3,4] = multiply %0, 2:int
  %2: f64[3]   = sum[axes=(1,),keepdims=false] %1
  %3: f64[3,4] = sin %x
  return %1, %2
}";
        assert_eq!(g.to_string(), want);
    }

    #[test]
    fn dce_drops_unused_nodes_and_keeps_inputs() {
        let g = sample().dce();
        assert_eq!(g.len(), 6);
        g.verify().unwrap();
        assert!(!g.to_string().contains("sin"));
        assert_eq!(g.input_types().len(), 2);
    }

    #[test]
    fn json_is_deterministic() {
        let a = sample().to_json();
        assert_eq!(a, sample().to_json());
        assert!(a.contains("\"op\": \"sum[axes=(1,),keepdims=false]\""));
    }

    #[test]
    fn recording_a_bad_op_fails_with_numpys_error() {
        let mut g = Graph::new("f");
        let x = g.add_input("x", TensorType::new(DType::F64, [3]));
        let y = g.add_input("y", TensorType::new(DType::F64, [4]));
        let e = g.add("add".parse().unwrap(), &[x, y]).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::ValueError);
    }
}
