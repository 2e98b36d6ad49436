//! `fuse`: rewrites to fused libtorch kernels. Runs after `promote`, so every
//! operand is already in its op's compute dtype.

use crate::analysis::{NpEGraph, TypeAnalysis};
use crate::lang::ENode;
use egg::{rewrite as rw, Id, Rewrite, Subst, Var};
use ir::DType;

pub fn rules() -> Vec<Rewrite<ENode, TypeAnalysis>> {
    vec![
        rw!("add-mul-addcmul"; "(add (multiply ?a ?b) ?c)" => "(addcmul ?c ?a ?b)" if same_numeric_dtype(["?a", "?b", "?c"])),
        rw!("add-mul-addcmul-rhs"; "(add ?c (multiply ?a ?b))" => "(addcmul ?c ?a ?b)" if same_numeric_dtype(["?a", "?b", "?c"])),
    ]
}

/// The bound classes share one dtype with the matched class (no cast hides between
/// the ops): not bool (torch's addcmul has no bool kernel), float16 (NumPy rounds
/// the product before adding) or complex (NumPy's own product formula).
fn same_numeric_dtype(vars: [&str; 3]) -> impl Fn(&mut NpEGraph, Id, &Subst) -> bool {
    let vars: Vec<Var> = vars
        .iter()
        .map(|v| v.parse().expect("valid pattern variable"))
        .collect();
    move |egraph, eclass, subst| {
        let Some(root) = egraph[eclass].data.as_ref().map(|t| t.ty.dtype) else {
            return false;
        };
        !matches!(root, DType::Bool | DType::F16)
            && !root.is_complex()
            && vars.iter().all(|v| {
                egraph[subst[*v]]
                    .data
                    .as_ref()
                    .is_some_and(|t| t.ty.dtype == root && t.weak.is_none())
            })
    }
}
