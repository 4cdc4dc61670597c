//! Generates the typed httpmock extension from `openapi.yaml` into
//! `OUT_DIR/mock.rs`.

// Shared with ff-admin-gen (a symlink to its `codegen.rs`): the same spec
// adaptation, so both crates see the same wire types. Only `adapt` is used
// here.
#[allow(dead_code)]
#[path = "codegen.rs"]
mod codegen;
#[path = "mockgen.rs"]
mod mockgen;
// Shared with ff-admin-gen (a symlink to its `spec_doc.rs`): reading the
// spec. Not every helper is used here.
#[allow(dead_code)]
#[path = "spec_doc.rs"]
mod spec_doc;

fn main() {
    println!("cargo:rerun-if-changed=openapi.yaml");
    println!("cargo:rerun-if-changed=../openapi.yaml");
    println!("cargo:rerun-if-changed=codegen.rs");
    println!("cargo:rerun-if-changed=spec_doc.rs");
    println!("cargo:rerun-if-changed=mockgen.rs");

    let yaml = std::fs::read_to_string("openapi.yaml")
        .unwrap_or_else(|e| panic!("ff-admin-mock: cannot read openapi.yaml: {e}"));
    let source = mockgen::generate(&yaml).unwrap_or_else(|e| panic!("ff-admin-mock: {e}"));
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = std::path::Path::new(&out_dir).join("mock.rs");
    std::fs::write(&out, source)
        .unwrap_or_else(|e| panic!("ff-admin-mock: cannot write {}: {e}", out.display()));
}
