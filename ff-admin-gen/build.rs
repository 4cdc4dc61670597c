//! Puts the raw bindings in `OUT_DIR/codegen.rs`.
//!
//! With the `codegen` feature (on in this workspace, whose members enable
//! it), they are generated from `openapi.yaml` by `codegen.rs` on every
//! build. Without it (a crates.io user), the package's pre-generated
//! `generated/bindings.rs` is used: written by `cargo xtask bindings` when
//! the crate is packaged, never committed, and checked in CI to be what a
//! fresh generation gives.

#[cfg(feature = "codegen")]
#[path = "codegen.rs"]
mod codegen;
// How `codegen` reads the spec (it does not use every helper).
#[cfg(feature = "codegen")]
#[allow(dead_code)]
#[path = "spec_doc.rs"]
mod spec_doc;

fn main() {
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let out = std::path::Path::new(&out_dir).join("codegen.rs");
    let source = bindings();
    std::fs::write(&out, source)
        .unwrap_or_else(|e| panic!("ff-admin-gen: cannot write {}: {e}", out.display()));
}

/// The bindings, generated from the spec.
#[cfg(feature = "codegen")]
fn bindings() -> String {
    println!("cargo:rerun-if-changed=openapi.yaml");
    println!("cargo:rerun-if-changed=../openapi.yaml");
    println!("cargo:rerun-if-changed=codegen.rs");
    println!("cargo:rerun-if-changed=spec_doc.rs");
    let yaml = std::fs::read_to_string("openapi.yaml")
        .unwrap_or_else(|e| panic!("ff-admin-gen: cannot read openapi.yaml: {e}"));
    codegen::generate(&yaml).unwrap_or_else(|e| panic!("ff-admin-gen: {e}"))
}

/// The bindings the package ships.
#[cfg(not(feature = "codegen"))]
fn bindings() -> String {
    const SHIPPED: &str = "generated/bindings.rs";
    println!("cargo:rerun-if-changed={SHIPPED}");
    std::fs::read_to_string(SHIPPED).unwrap_or_else(|e| {
        panic!(
            "ff-admin-gen: cannot read the pre-generated {SHIPPED} ({e}). A packaged \
             ff-admin-gen ships it; in a checkout of the repository, turn on the `codegen` \
             feature (the workspace's members do) to generate the bindings from openapi.yaml"
        )
    })
}
