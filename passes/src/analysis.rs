//! The e-class analysis: every e-class carries its static type (dtype and shape)
//! and, for weak Python scalars, the literal (NEP 50 needs the value).
//! Input types come from the analysis, never from symbol text.

use crate::lang::ENode;
use egg::{DidMerge, EGraph, Id};
use ir::{infer, Arg, Op, Scalar, TensorType};

#[derive(Clone, Debug, PartialEq)]
pub struct TypeInfo {
    pub ty: TensorType,
    pub weak: Option<Scalar>,
}

#[derive(Default, Clone, Debug)]
pub struct TypeAnalysis {
    pub inputs: Vec<TensorType>,
    /// Extraction keeps only ops the backend computes as written (`ir::native`).
    pub native_only: bool,
}

pub type NpEGraph = EGraph<ENode, TypeAnalysis>;

impl TypeAnalysis {
    pub fn new(inputs: Vec<TensorType>) -> Self {
        TypeAnalysis {
            inputs,
            native_only: true,
        }
    }
}

/// The type of `op` over e-classes, or `None` where the rules reject it.
pub fn infer_enode(egraph: &NpEGraph, enode: &ENode) -> Option<TensorType> {
    if let Op::Input { index } = enode.op {
        return egraph.analysis.inputs.get(index as usize).cloned();
    }
    let infos: Option<Vec<&TypeInfo>> = enode
        .args
        .iter()
        .map(|&a| egraph[a].data.as_ref())
        .collect();
    let infos = infos?;
    let args: Vec<Arg> = infos
        .iter()
        .map(|t| Arg {
            ty: &t.ty,
            weak: t.weak,
        })
        .collect();
    infer(&enode.op, &args).ok()
}

pub fn arg_infos<'a>(egraph: &'a NpEGraph, enode: &ENode) -> Option<Vec<Arg<'a>>> {
    enode
        .args
        .iter()
        .map(|&a| {
            egraph[a].data.as_ref().map(|t| Arg {
                ty: &t.ty,
                weak: t.weak,
            })
        })
        .collect()
}

impl egg::Analysis<ENode> for TypeAnalysis {
    type Data = Option<TypeInfo>;

    fn make(egraph: &mut NpEGraph, enode: &ENode, _id: Id) -> Self::Data {
        let ty = infer_enode(egraph, enode)?;
        let weak = match enode.op {
            Op::Const {
                value, weak: true, ..
            } => Some(value),
            _ => None,
        };
        Some(TypeInfo { ty, weak })
    }

    fn merge(&mut self, a: &mut Self::Data, b: Self::Data) -> DidMerge {
        match (a.as_ref(), b) {
            (Some(x), Some(y)) => {
                assert_eq!(x.ty, y.ty, "merged e-classes of different types");
                DidMerge(false, false)
            }
            (None, Some(y)) => {
                *a = Some(y);
                DidMerge(true, false)
            }
            (Some(_), None) => DidMerge(false, true),
            (None, None) => DidMerge(false, false),
        }
    }
}
