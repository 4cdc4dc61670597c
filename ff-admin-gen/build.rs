//! Generates the raw bindings from `openapi.yaml` into `OUT_DIR/codegen.rs`.

#[path = "codegen.rs"]
mod codegen;
// How `codegen` reads the spec (it does not use every helper).
#[allow(dead_code)]
#[path = "spec_doc.rs"]
mod spec_doc;

fn main() {
    println!("cargo:rerun-if-changed=openapi.yaml");
    println!("cargo:rerun-if-changed=../openapi.yaml");
    println!("cargo:rerun-if-changed=codegen.rs");
    println!("cargo:rerun-if-changed=spec_doc.rs");

    let yaml = std::fs::read_to_string("openapi.yaml")
        .unwrap_or_else(|e| panic!("ff-admin-gen: cannot read openapi.yaml: {e}"));
    let source = codegen::generate(&yaml).unwrap_or_else(|e| panic!("ff-admin-gen: {e}"));
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = std::path::Path::new(&out_dir).join("codegen.rs");
    std::fs::write(&out, source)
        .unwrap_or_else(|e| panic!("ff-admin-gen: cannot write {}: {e}", out.display()));
}
