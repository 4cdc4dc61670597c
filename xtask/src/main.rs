//! Developer tasks for the ff-admin workspace, run as `cargo xtask <task>`.

mod build_cost;
mod codegen;
mod docs;
mod profile;
mod spec_check;
// Reading the spec, shared with the build scripts; not every helper is used
// here.
#[allow(dead_code)]
#[path = "../../ff-admin-gen/spec_doc.rs"]
mod spec_doc;
mod suites;
mod tools;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context as _;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  spec-check        check openapi.yaml for what breaks generators and other
                    languages and for undescribed schemas and properties,
                    and the hand-written types against it
  codegen [FILE]    write the generated bindings to FILE
                    (default: <target dir>/codegen/ff_admin_gen.rs) for review
  bindings [--check PACKAGE_DIR]
                    write ff-admin-gen/generated/bindings.rs, the
                    pre-generated bindings the published ff-admin-gen ships
                    (git-ignored; .ci/run writes it before packaging); with
                    --check, fail unless the file in an unpacked package
                    (target/package/ff-admin-gen-<version>) is what a fresh
                    generation gives
  tools             install the pinned test tools into .cache/ if missing
  docs [--check]    build the API reference of openapi.yaml
                    (<target>/api-reference/index.html) and the rustdoc
                    (<target>/doc/); --check opens the reference in headless
                    Chromium and compares what it shows with the spec
  demo              run the demo against a real, embedded ff-server
  test [--only SUITE[,SUITE...]]
                    install the tools if missing, then run every suite, or
                    only those named: rust, bench, spec-validator, redocly,
                    api-reference, typescript, python, schemathesis (every
                    backend) or
                    schemathesis-<valkey|valkey-cluster|postgres|sqlite>
  bench             run the benchmark and print its ratio lines
  profile           count the instructions of one call per client and
                    operation under valgrind (needs valgrind)
  build-cost [--no-marginal] [--regenerate] [--ff-admin TOML]
                    build, from nothing, a scratch crate using ff-admin
                    (default features, the shipped bindings) and one using
                    ff-sdk 0.15 without default features, then each on top
                    of a baseline (tokio, serde, reqwest 0.13); print CPU
                    seconds, wall seconds, crates compiled and the ratios.
                    --regenerate: turn on ff-admin-gen's codegen; --ff-admin:
                    TOML keys added to the ff-admin dependency
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("spec-check") => spec_check::run(),
        Some("codegen") => codegen::run(args.get(1).map(PathBuf::from)),
        Some("tools") => tools::ensure().map(|_| ()),
        Some("docs") => docs::run_task(&args[1..]),
        Some("demo") => suites::demo(),
        Some("test") => suites::Selection::parse(&args[1..]).and_then(|s| suites::test_all(&s)),
        Some("bench") => suites::bench(),
        Some("profile") => profile::run(),
        Some("build-cost") => build_cost::run(&args[1..]),
        Some("bindings") => match args.get(1).map(String::as_str) {
            None => codegen::ship().map(|path| println!("wrote {}", path.display())),
            Some("--check") if args.len() == 3 => {
                codegen::check_shipped(std::path::Path::new(&args[2]))
            }
            _ => Err(anyhow::anyhow!(
                "usage: cargo xtask bindings [--check PACKAGE_DIR]"
            )),
        },
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo`, the one running this task when there is one.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Makes `dir` an empty folder: removes it with its contents if it exists,
/// then creates it (and its parents).
pub fn fresh_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))
}

/// Runs `cmd` (a cargo command, described as `what` in errors) and returns
/// its standard output; fails with its standard error when it fails.
pub fn cargo_output(cmd: &mut Command, what: &str) -> anyhow::Result<Vec<u8>> {
    let output = cmd.output().with_context(|| format!("start {what}"))?;
    if !output.status.success() {
        anyhow::bail!("{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(output.stdout)
}

/// Cargo's target folder for this workspace, as `cargo metadata` reports it
/// (so `CARGO_TARGET_DIR` and `build.target-dir` are honoured).
pub fn target_dir() -> anyhow::Result<PathBuf> {
    let stdout = cargo_output(
        cargo()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(ff_admin_devenv::workspace_root()),
        "cargo metadata",
    )?;
    let metadata: serde_json::Value =
        serde_json::from_slice(&stdout).context("cargo metadata printed no JSON")?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata reported no target_directory")
}
