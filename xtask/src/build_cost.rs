//! `cargo xtask build-cost [--no-marginal] [--regenerate] [--ff-admin TOML]`:
//! the CPU an application pays to build, from nothing, with ff-admin (default
//! features) against ff-sdk 0.15's admin client (`default-features = false`).
//!
//! Each probe is a scratch crate under `<target dir>/build-cost/<name>/`, its
//! own workspace, with this workspace's `Cargo.lock` and [`PROFILE`], built
//! with `cargo build --offline` into an empty target folder (removed after),
//! one after the other, with cargo's default jobs. CPU is the user + system
//! time of everything cargo ran: what this process's waited-for children
//! gain in `/proc/self/stat` (`cutime`, `cstime`, the kernel's
//! `RUSAGE_CHILDREN` totals) while cargo runs.
//!
//! ff-admin is this workspace's, built as a crates.io user gets it: with
//! the pre-generated bindings ff-admin-gen ships (written first, as
//! packaging does), so the generator is not built; `--regenerate` turns on
//! `ff-admin-gen/codegen` instead. `--ff-admin` adds TOML keys to the
//! dependency (`--ff-admin 'default-features = false, features =
//! ["rustls-aws-lc"]'`), to measure one lever at a time.
//!
//! The marginal cost (skipped with `--no-marginal`) is what each client adds
//! to a baseline application that already builds tokio, serde and reqwest
//! 0.13 with its default features: the probe with the baseline's
//! dependencies added, minus the baseline alone.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context as _};

use crate::cargo;

/// The `[profile.dev]` of every probe: this workspace's debug settings, and
/// no incremental compilation (cargo uses it for path dependencies such as
/// ff-admin, never for registry ones such as ff-sdk).
const PROFILE: &str = "\
[profile.dev]
debug = \"line-tables-only\"
incremental = false

[profile.dev.package.\"*\"]
debug = false
";

/// The probe's program; `ADMIN_MODULE` is replaced by the client's module.
const MAIN_RS: &str = r#"//! Build-cost probe: one claim through the admin client, on a tokio runtime.

use ADMIN_MODULE as admin;

async fn claim(base_url: String) -> Result<bool, Box<dyn std::error::Error>> {
    let client = admin::FlowFabricAdminClient::new(base_url)?;
    let grant = client
        .claim_for_worker(admin::ClaimForWorkerRequest {
            worker_id: "probe-worker".to_owned(),
            lane_id: "default".to_owned(),
            worker_instance_id: "probe-worker-1".to_owned(),
            capabilities: Vec::new(),
            grant_ttl_ms: 30_000,
        })
        .await?;
    Ok(grant.is_some())
}

fn main() {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:9090".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(claim(base_url)) {
        Ok(true) => println!("granted"),
        Ok(false) => println!("no work"),
        Err(e) => eprintln!("claim failed: {e}"),
    }
}
"#;

/// The baseline application's program.
const BASELINE_RS: &str = r#"//! Build-cost baseline: tokio, serde and reqwest, no admin client.

#[derive(serde::Serialize)]
struct Ping {
    at: u64,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = reqwest::Client::new();
    let sent = runtime.block_on(client.post("http://127.0.0.1:9").json(&Ping { at: 1 }).send());
    println!("{}", sent.is_ok());
}
"#;

/// The baseline's dependencies (tokio's `rt` every probe has).
const BASELINE_DEPS: &str = "serde = { version = \"1\", features = [\"derive\"] }\n\
                             reqwest = { version = \"0.13\", features = [\"json\"] }\n";

/// What one clean build cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    crates: usize,
    cpu: f64,
    wall: f64,
}

/// Runs the probes and prints the figures.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut marginal = true;
    let mut regenerate = false;
    let mut extra = String::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-marginal" => marginal = false,
            "--regenerate" => regenerate = true,
            "--ff-admin" => extra = format!(", {}", args.next().context("--ff-admin TOML")?),
            other => bail!("build-cost: unknown argument {other:?}"),
        }
    }
    let root = ff_admin_devenv::workspace_root();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("read Cargo.lock")?;
    if !regenerate {
        crate::codegen::ship()?;
    }
    let toml_path = |p: &Path| serde_json::to_string(&p.to_string_lossy()).expect("a string");
    let mut admin = format!(
        "ff-admin = {{ path = {}{extra} }}\n",
        toml_path(&root.join("ff-admin"))
    );
    if regenerate {
        admin += &format!(
            "ff-admin-gen = {{ path = {}, features = [\"codegen\"] }}\n",
            toml_path(&root.join("ff-admin-gen"))
        );
    }
    let sdk = "ff-sdk = { version = \"0.15.0\", default-features = false }\n".to_owned();
    let admin_main = MAIN_RS.replace("ADMIN_MODULE", "ff_admin");
    let sdk_main = MAIN_RS.replace("ADMIN_MODULE", "ff_sdk::admin");

    println!(
        "cargo xtask build-cost: clean `cargo build --offline` of each probe, empty target \
         folder, default jobs, this workspace's Cargo.lock; {} cores; {}; load average before: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cargo_version(),
        load_average()
    );
    println!("ff-admin probe: {}", admin.trim().replace('\n', "; "));
    let work = crate::target_dir()?.join("build-cost");
    let probe = |name: &str, deps: &str, main: &str| -> anyhow::Result<Cost> {
        let dir = work.join(name);
        write_probe(&dir, name, deps, main, &lock)?;
        let cost = build(&dir)?;
        println!(
            "{name:<18} {:>4} crates {:>7.1} CPU s {:>6.1} wall s  (load now {})",
            cost.crates,
            cost.cpu,
            cost.wall,
            load_average()
        );
        Ok(cost)
    };
    let a = probe("ff-admin", &admin, &admin_main)?;
    let s = probe("ff-sdk", &sdk, &sdk_main)?;
    println!(
        "ratio ff-admin/ff-sdk: CPU {:.2}, wall {:.2}, crates {:.2}",
        a.cpu / s.cpu,
        a.wall / s.wall,
        a.crates as f64 / s.crates as f64
    );
    if marginal {
        let base = probe("baseline", BASELINE_DEPS, BASELINE_RS)?;
        let ba = probe(
            "baseline+ff-admin",
            &format!("{BASELINE_DEPS}{admin}"),
            &admin_main,
        )?;
        let bs = probe(
            "baseline+ff-sdk",
            &format!("{BASELINE_DEPS}{sdk}"),
            &sdk_main,
        )?;
        let (ma, ms) = (ba.cpu - base.cpu, bs.cpu - base.cpu);
        println!(
            "marginal over the baseline (tokio, serde, reqwest 0.13 default features): \
             ff-admin +{ma:.1} CPU s +{} crates, ff-sdk +{ms:.1} CPU s +{} crates, ratio {:.2}",
            ba.crates.saturating_sub(base.crates),
            bs.crates.saturating_sub(base.crates),
            ma / ms
        );
    }
    Ok(())
}

/// Writes the probe's manifest, lock file and `src/main.rs` into `dir`.
fn write_probe(dir: &Path, name: &str, deps: &str, main: &str, lock: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("create {}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"build-cost-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\n{deps}\
         tokio = {{ version = \"1\", features = [\"rt\"] }}\n\n{PROFILE}",
        name.replace('+', "-")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("Cargo.lock"), lock)?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    Ok(())
}

/// Builds the probe in `dir` into an empty `dir/target`, then removes it.
fn build(dir: &Path) -> anyhow::Result<Cost> {
    let target = dir.join("target");
    let _ = std::fs::remove_dir_all(&target);
    let mut cmd = cargo();
    cmd.args(["build", "--offline", "--target-dir"])
        .arg(&target)
        .current_dir(dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_JOBS")
        // A jobserver inherited from an outer cargo would limit the jobs.
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS");
    let cpu_before = children_cpu_seconds()?;
    let started = Instant::now();
    let output = cmd.output().context("start cargo build")?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds()? - cpu_before;
    let _ = std::fs::remove_dir_all(&target);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("cargo build in {} failed:\n{stderr}", dir.display());
    }
    let crates = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    Ok(Cost { crates, cpu, wall })
}

/// User + system CPU seconds of this process's ended, waited-for children
/// and everything they waited for.
fn children_cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .context("read /proc/self/stat (build-cost measures CPU on Linux only)")?;
    let ticks = children_ticks(&stat).context("unexpected /proc/self/stat layout")?;
    // USER_HZ: 100 on every Linux architecture Rust targets.
    Ok(ticks as f64 / 100.0)
}

/// `cutime + cstime` of a `/proc/<pid>/stat` text, in clock ticks: fields
/// 16 and 17, counted from the last `)` because the command name may hold
/// spaces and parentheses.
fn children_ticks(stat: &str) -> Option<u64> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(13);
    Some(fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` says.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `cargo -V`, or `cargo (version unknown)`.
fn cargo_version() -> String {
    cargo()
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "cargo (version unknown)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_children_times_past_a_name_with_parentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime cutime cstime priority ...
        let stat = "4242 (x (y) z) S 1 4242 4242 0 -1 4194304 100 200 0 0 7 3 1500 250 20 0 1 0";
        assert_eq!(children_ticks(stat), Some(1750));
        assert_eq!(children_ticks("4242 (cargo) S 1 2 3"), None);
        assert_eq!(children_ticks("no name"), None);
    }

    #[test]
    fn a_probe_is_its_own_workspace_with_the_shared_profile() {
        let dir = crate::target_dir()
            .unwrap()
            .join("xtask-tests/build-cost-probe");
        let _ = std::fs::remove_dir_all(&dir);
        write_probe(
            &dir,
            "baseline+ff-sdk",
            BASELINE_DEPS,
            BASELINE_RS,
            "version = 4\n",
        )
        .unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"build-cost-baseline-ff-sdk\""));
        assert!(manifest.contains("\n[workspace]\n"));
        assert!(manifest.contains(PROFILE));
        assert!(manifest.contains(BASELINE_DEPS));
        assert_eq!(
            std::fs::read_to_string(dir.join("src/main.rs")).unwrap(),
            BASELINE_RS
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.lock")).unwrap(),
            "version = 4\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
