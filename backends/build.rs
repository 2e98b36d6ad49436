// Rust test binaries of this crate load libtorch at run time: point them at the
// libtorch torch-sys linked against, and keep libtorch_cuda linked where it exists
// (the linker's --as-needed would drop it, and tch would then see no CUDA).
fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        if std::path::Path::new(&lib).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
