//! Symbols of shared libraries the process has already loaded (NumPy's
//! OpenBLAS, libtorch_cpu's MKL and SLEEF), found at run time: a library
//! that lacks one leaves its caller's fallback, not a link error.

use std::ffi::{c_char, c_int, c_void, CStr, CString};

#[link(name = "dl")]
extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

const RTLD_NOW: c_int = 2;
const RTLD_NOLOAD: c_int = 4;

/// A library already loaded in this process.
pub struct Loaded(*mut c_void);

impl Loaded {
    /// The library at `path` (or of that soname), only where it is loaded.
    pub fn find(path: &str) -> Option<Loaded> {
        let c = CString::new(path).ok()?;
        // SAFETY: RTLD_NOLOAD only returns a handle to a library already
        // loaded; nothing new is initialized.
        let handle = unsafe { dlopen(c.as_ptr(), RTLD_NOW | RTLD_NOLOAD) };
        (!handle.is_null()).then_some(Loaded(handle))
    }

    /// The address of `name`, where the library defines it.
    pub fn symbol(&self, name: &CStr) -> Option<*mut c_void> {
        // SAFETY: a lookup in a loaded library.
        let p = unsafe { dlsym(self.0, name.as_ptr()) };
        (!p.is_null()).then_some(p)
    }
}
