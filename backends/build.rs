// Rust test binaries of this crate load libtorch at run time: point them at the
// libtorch torch-sys linked against, and keep libtorch_cuda linked where it exists
// (the linker's --as-needed would drop it, and tch would then see no CUDA).
// On x86-64 the loops over libtorch's SLEEF functions (src/cpu/vmath.rs) are C:
// a vector argument's ABI needs the vector extension enabled, which Rust's FFI
// does not allow on stable; each width is compiled for its own extension.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        for (file, flags) in [
            ("vmath_avx512", &["-mavx512f"][..]),
            ("vmath_avx2", &["-mavx2", "-mfma"][..]),
        ] {
            let mut b = cc::Build::new();
            b.file(format!("csrc/{file}.c")).opt_level(2);
            for f in flags {
                b.flag(f);
            }
            b.compile(&format!("npc_{file}"));
        }
    }
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        if std::path::Path::new(&lib).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
