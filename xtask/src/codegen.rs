//! `cargo xtask codegen`: the generated bindings, written out for review.

use std::path::PathBuf;

use anyhow::Context as _;

#[path = "../../ff-admin-gen/codegen.rs"]
#[allow(dead_code)]
pub mod gen;

/// Writes exactly what `ff-admin-gen/build.rs` generates to `out`.
pub fn run(out: Option<PathBuf>) -> anyhow::Result<()> {
    let root = crate::root();
    let yaml = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    let source = gen::generate(&yaml).map_err(anyhow::Error::msg)?;
    let out = out.unwrap_or_else(|| root.join("target/codegen/ff_admin_gen.rs"));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    std::fs::write(&out, &source).with_context(|| format!("write {}", out.display()))?;
    println!("wrote {} ({} lines)", out.display(), source.lines().count());
    Ok(())
}
