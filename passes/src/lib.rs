//! Rewrite passes over the IR, built on egg: the language mirroring `ir::Op`, the
//! type analysis, the rule sets `promote`, `normalize` and `fuse` (every rule named), extraction
//! with a cost model, and the pipeline of named stages.

pub mod analysis;
pub mod extract;
pub mod fuse;
pub mod lang;
pub mod node_rule;
pub mod normalize;
pub mod pipeline;
pub mod promote;

pub use pipeline::{optimize, Limits, StageReport};
