//! `cargo xtask codegen`: the generated bindings, written out for review.

use std::path::PathBuf;

use anyhow::Context as _;

#[path = "../../ff-admin-gen/codegen.rs"]
#[allow(dead_code)]
pub mod gen;

/// Writes what `ff-admin-gen/build.rs` generates to `out`, formatted with
/// prettyplease (the build script leaves it as one token stream).
pub fn run(out: Option<PathBuf>) -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let yaml = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    let generated = gen::generate(&yaml).map_err(anyhow::Error::msg)?;
    let source = format_generated(&generated)?;
    let out = match out {
        Some(out) => out,
        None => crate::target_dir()?.join("codegen/ff_admin_gen.rs"),
    };
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    std::fs::write(&out, &source).with_context(|| format!("write {}", out.display()))?;
    println!("wrote {} ({} lines)", out.display(), source.lines().count());
    Ok(())
}

/// The generated source formatted: its `//` header kept as is, the code
/// through prettyplease.
fn format_generated(generated: &str) -> anyhow::Result<String> {
    let header: String = generated
        .lines()
        .take_while(|line| line.starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let file = syn::parse_file(generated).context("the generated code does not parse")?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}
