//! Developer tasks for the ff-admin workspace, run as `cargo xtask <task>`.

mod codegen;
mod spec_check;
mod suites;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  spec-check        check openapi.yaml for what breaks generators and other
                    languages, and the hand-written types against it
  codegen [FILE]    write the generated bindings to FILE
                    (default: target/codegen/ff_admin_gen.rs) for review
  tools             install the pinned test tools into .cache/ if missing
  demo              run the demo against a real, embedded ff-server
  test [--only SUITE[,SUITE...]]
                    install the tools if missing, then run every suite, or
                    only those named: rust, bench, spec-validator, redocly,
                    typescript, python, schemathesis (every backend) or
                    schemathesis-<valkey|postgres|sqlite>
  bench             run the benchmark and print its ratio lines
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("spec-check") => spec_check::run(),
        Some("codegen") => codegen::run(args.get(1).map(PathBuf::from)),
        Some("tools") => tools::ensure().map(|_| ()),
        Some("demo") => suites::demo(),
        Some("test") => suites::Selection::parse(&args[1..]).and_then(|s| suites::test_all(&s)),
        Some("bench") => suites::bench(),
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

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
