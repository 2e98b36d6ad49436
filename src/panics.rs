//! No Rust panic reaches Python: the compiler's stages run under
//! `catch_unwind`, and a panic becomes an internal error the caller turns into
//! a fallback with a warning. Locks recover from poisoning (the data they
//! guard, caches and counters, stays valid after any panic).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The stage a test asked to panic in (`_core._inject_panic`), or empty; the
/// flag says whether there is one, so runs read no lock.
static INJECTED: Mutex<String> = Mutex::new(String::new());
static INJECTING: AtomicBool = AtomicBool::new(false);

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Make the next runs of `stage` ("optimize", "lower", "run") panic; an empty
/// stage stops that. For tests of the panic guard only.
#[pyo3::pyfunction]
pub fn _inject_panic(stage: &str) {
    *lock(&INJECTED) = stage.to_string();
    INJECTING.store(!stage.is_empty(), Ordering::SeqCst);
}

/// `f` with its panic, if any, as an error message naming `stage`.
pub fn guard<T>(stage: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(|| {
        if INJECTING.load(Ordering::Relaxed) && *lock(&INJECTED) == stage {
            panic!("injected for a test");
        }
        f()
    }))
    .map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!("a Rust panic in {stage}: {what}")
    })
}
