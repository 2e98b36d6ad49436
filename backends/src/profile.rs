//! Time spent per kind of instruction, while profiling is on
//! (`npcompile.profile()`): what a plan spends its time on, for whoever
//! tunes it. Off, it costs one relaxed load per run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);

/// Per label: calls and nanoseconds.
static TABLE: Mutex<Option<HashMap<String, (u64, u64)>>> = Mutex::new(None);

pub fn set(on: bool) {
    ON.store(on, Ordering::Relaxed);
}

#[inline(always)]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// A clock started where profiling is on.
#[inline(always)]
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

/// Adds the time since `t` (where started) under the label `name` makes.
pub fn record(t: Option<Instant>, name: impl FnOnce() -> String) {
    let Some(t) = t else { return };
    let ns = t.elapsed().as_nanos() as u64;
    let mut g = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    let e = g
        .get_or_insert_with(HashMap::new)
        .entry(name())
        .or_insert((0, 0));
    e.0 += 1;
    e.1 += ns;
}

/// The table so far, emptied: (label, calls, nanoseconds), most time first.
pub fn take() -> Vec<(String, u64, u64)> {
    let mut g = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    let mut v: Vec<_> = g
        .take()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, (n, ns))| (k, n, ns))
        .collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v
}

/// An instruction's label: its primitive's name without its parameters.
pub fn label(prefix: &str, op: &impl std::fmt::Debug) -> String {
    let s = format!("{op:?}");
    let end = s.find([' ', '(', '{']).unwrap_or(s.len());
    format!("{prefix}{}", &s[..end])
}
