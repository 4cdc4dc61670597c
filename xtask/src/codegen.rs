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

/// Where ff-admin-gen's package keeps its pre-generated bindings, relative
/// to the crate (git-ignored; see ff-admin-gen/build.rs).
const SHIPPED: &str = "generated/bindings.rs";

/// The bindings exactly as ff-admin-gen's build script generates them with
/// its `codegen` feature.
fn fresh() -> anyhow::Result<String> {
    let root = ff_admin_devenv::workspace_root();
    let yaml = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    gen::generate(&yaml).map_err(anyhow::Error::msg)
}

/// `cargo xtask bindings`: writes the file the published ff-admin-gen
/// ships (`ff-admin-gen/generated/bindings.rs`), for `cargo package` to
/// pick up. Returns its path.
pub fn ship() -> anyhow::Result<PathBuf> {
    let out = ff_admin_devenv::workspace_root()
        .join("ff-admin-gen")
        .join(SHIPPED);
    let source = fresh()?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    std::fs::write(&out, source).with_context(|| format!("write {}", out.display()))?;
    Ok(out)
}

/// `cargo xtask bindings --check PACKAGE_DIR`: fails unless the bindings in
/// an unpacked ff-admin-gen package (such as
/// `target/package/ff-admin-gen-<version>/`, which `cargo package` leaves)
/// are byte for byte what a fresh generation from `openapi.yaml` gives.
pub fn check_shipped(package: &std::path::Path) -> anyhow::Result<()> {
    let path = package.join(SHIPPED);
    let shipped =
        std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    let fresh = fresh()?;
    if shipped != fresh {
        let line = shipped
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the length".to_owned(), |i| format!("line {}", i + 1));
        anyhow::bail!(
            "{} differs from a fresh generation from openapi.yaml (first at {line}): \
             run `cargo xtask bindings` before packaging",
            path.display()
        );
    }
    println!("{}: the same as a fresh generation", path.display());
    Ok(())
}
