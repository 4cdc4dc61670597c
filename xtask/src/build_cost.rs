//! `cargo xtask build-cost`: what it costs to build, from nothing, an
//! application that uses ff-admin with its default features, against one
//! that uses ff-sdk 0.15's admin client without ff-sdk's default features.
//!
//! Each side is a scratch crate (a probe) written under
//! `<target dir>/build-cost/`: a `main.rs` that makes a client and awaits
//! one `claim_for_worker` call on a tokio runtime, the same source for both
//! but for the `use` line. Both probes get the same `[profile.dev]` (this
//! workspace's debug settings, incremental compilation off as for a
//! registry dependency) and this workspace's `Cargo.lock`, so shared
//! dependencies resolve to the same versions. Each is built with
//! `cargo build --offline --timings` into an empty target folder, with
//! cargo's default number of jobs, one after the other.
//!
//! Measured per probe: the user + system CPU seconds of the whole cargo
//! process tree (the `cutime` and `cstime` this process gains in
//! `/proc/self/stat` while cargo runs: every rustc, build script and linker
//! cargo waited for), the wall seconds, and the `Compiling` lines cargo
//! prints (one per package built). To show where the difference goes, the
//! crates only the ff-admin probe builds, with their unit times from the
//! `--timings` report, split into those of the generator (ff-admin-gen and
//! what, by `cargo tree`, only its build script needs) and the rest. The target
//! folders are removed afterwards; the probes' sources and timing reports
//! stay.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context as _};

use crate::cargo;

/// The `[profile.dev]` of both probes: this workspace's debug settings, and
/// no incremental compilation (cargo uses it for path dependencies such as
/// the probe's `ff-admin`, never for registry ones, so without this the
/// ff-admin probe would pay for it and the ff-sdk probe would not).
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

/// One side of the comparison.
struct Probe {
    /// Folder name under `build-cost/` and package name suffix.
    name: &'static str,
    /// What the table calls it.
    label: String,
    /// The client's line in `[dependencies]`.
    dependency: String,
    /// The module `main.rs` takes the client from.
    module: &'static str,
}

/// What one clean build cost.
struct Measurement {
    /// `name vX.Y.Z`, one per `Compiling` line.
    compiled: Vec<String>,
    /// User + system CPU seconds of cargo and everything it ran.
    cpu_seconds: f64,
    wall_seconds: f64,
    /// Per package (`name vX.Y.Z`), the summed duration of its units
    /// (compiling it, its build script, running the build script), or why
    /// the timing report could not be read.
    unit_seconds: Result<BTreeMap<String, f64>, String>,
}

/// Runs the comparison and prints it.
pub fn run() -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("read Cargo.lock")?;
    let sdk_version = crate::docs::locked_version(&lock, "ff-sdk")
        .context("Cargo.lock holds no single ff-sdk version")?;
    let probes = [
        Probe {
            name: "ff-admin",
            label: "ff-admin (this workspace, default features)".to_owned(),
            dependency: format!(
                "ff-admin = {{ path = {} }}",
                toml_string(&root.join("ff-admin"))?
            ),
            module: "ff_admin",
        },
        Probe {
            name: "ff-sdk",
            label: format!("ff-sdk {sdk_version} (default-features = false)"),
            dependency: "ff-sdk = { version = \"0.15.0\", default-features = false }".to_owned(),
            module: "ff_sdk::admin",
        },
    ];
    let tick = clock_ticks_per_second();
    let work = crate::target_dir()?.join("build-cost");

    println!("cargo xtask build-cost: a clean debug `cargo build --offline` of each probe crate,");
    println!("into an empty target folder, cargo's default jobs, one probe after the other.");
    println!(
        "Both probes: the same main.rs (a client, one awaited claim_for_worker on a tokio \
         runtime), this workspace's Cargo.lock, and this profile:"
    );
    for line in PROFILE.lines().filter(|l| !l.is_empty()) {
        println!("    {line}");
    }
    println!(
        "Machine: {} cores; {}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cargo_version()
    );
    println!();

    let mut results = Vec::new();
    let mut generator = Err("not looked up".to_owned());
    for probe in &probes {
        let dir = work.join(probe.name);
        write_probe(&dir, probe, &lock)?;
        if probe.name == "ff-admin" {
            generator = generator_packages(&dir);
        }
        println!("building {} ...", probe.label);
        let measurement = measure(&dir, &work, probe.name, tick)?;
        println!(
            "  {} crates, {:.1} CPU s, {:.1} s wall",
            measurement.compiled.len(),
            measurement.cpu_seconds,
            measurement.wall_seconds
        );
        results.push(measurement);
    }
    println!();
    print!(
        "{}",
        report(
            &probes[0].label,
            &results[0],
            &probes[1].label,
            &results[1],
            &generator
        )
    );
    println!(
        "Probe sources and timing reports: {} (target folders removed).",
        work.display()
    );
    Ok(())
}

/// The probe's path as a TOML string.
fn toml_string(path: &Path) -> anyhow::Result<String> {
    let text = path
        .to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))?;
    Ok(serde_json::to_string(text)?)
}

/// Writes the probe's `Cargo.toml`, `Cargo.lock` and `src/main.rs` into
/// `dir` (its own workspace root, so no enclosing workspace claims it).
fn write_probe(dir: &Path, probe: &Probe, lock: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("create {}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"build-cost-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n\
         [dependencies]\n{}\ntokio = {{ version = \"1\", features = [\"rt\"] }}\n\n{PROFILE}",
        probe.name, probe.dependency
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("Cargo.lock"), lock)?;
    std::fs::write(
        dir.join("src/main.rs"),
        MAIN_RS.replace("ADMIN_MODULE", probe.module),
    )?;
    Ok(())
}

/// Removes a folder when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the probe in `dir` into an empty `dir/target`, measures it, keeps
/// its timing report as `<work>/<name>-timing.html` and removes the target.
fn measure(dir: &Path, work: &Path, name: &str, tick: f64) -> anyhow::Result<Measurement> {
    let target = dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).with_context(|| format!("empty {}", target.display()))?;
    }
    let target = RemoveOnDrop(target);

    let mut cmd = cargo();
    cmd.args(["build", "--offline", "--timings", "--target-dir"])
        .arg(&target.0)
        .current_dir(dir)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_JOBS")
        // A jobserver inherited from an outer cargo would limit the jobs.
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS");
    let cpu_before = children_cpu_seconds(tick)?;
    let started = Instant::now();
    let output = cmd
        .output()
        .with_context(|| format!("start cargo build in {}", dir.display()))?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = children_cpu_seconds(tick)? - cpu_before;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!(
            "cargo build in {} failed with {}:\n{stderr}",
            dir.display(),
            output.status
        );
    }

    let report = target.0.join("cargo-timings/cargo-timing.html");
    let unit_seconds = std::fs::read_to_string(&report)
        .map_err(|e| format!("read {}: {e}", report.display()))
        .and_then(|html| {
            let kept = work.join(format!("{name}-timing.html"));
            std::fs::write(&kept, &html).map_err(|e| format!("write {}: {e}", kept.display()))?;
            unit_seconds(&html)
        });
    Ok(Measurement {
        compiled: compiled_crates(&stderr),
        cpu_seconds,
        wall_seconds,
        unit_seconds,
    })
}

/// The comparison table, the ratios and where the difference goes:
/// `generator` holds the packages (`name vX.Y.Z`) only ff-admin-gen's
/// build script needs.
fn report(
    admin_label: &str,
    admin: &Measurement,
    sdk_label: &str,
    sdk: &Measurement,
    generator: &Result<BTreeSet<String>, String>,
) -> String {
    let mut out = String::new();
    let width = admin_label.len().max(sdk_label.len());
    out.push_str(&format!(
        "{:width$}  {:>15}  {:>16}  {:>7}\n",
        "probe", "crates compiled", "CPU s (user+sys)", "wall s"
    ));
    for (label, m) in [(admin_label, admin), (sdk_label, sdk)] {
        out.push_str(&format!(
            "{label:width$}  {:>15}  {:>16.1}  {:>7.1}\n",
            m.compiled.len(),
            m.cpu_seconds,
            m.wall_seconds
        ));
    }
    out.push_str(&format!(
        "ratio ff-admin/ff-sdk: CPU {:.2}, wall {:.2}, crates compiled {:.2}\n",
        admin.cpu_seconds / sdk.cpu_seconds,
        admin.wall_seconds / sdk.wall_seconds,
        admin.compiled.len() as f64 / sdk.compiled.len() as f64
    ));

    let sdk_set: BTreeSet<&String> = sdk.compiled.iter().collect();
    let only_admin: Vec<&String> = admin
        .compiled
        .iter()
        .filter(|c| !sdk_set.contains(c))
        .collect();
    let units = match &admin.unit_seconds {
        Ok(units) => units,
        Err(e) => {
            out.push_str(&format!(
                "only the ff-admin probe builds {} crates; per-crate times unavailable: {e}\n",
                only_admin.len()
            ));
            return out;
        }
    };
    let (only, only_total) = timed(&only_admin, units);
    out.push_str(&format!(
        "only the ff-admin probe builds {} crates: {:.1} s of its {:.1} s unit time \
         (cargo --timings: each unit's wall time; units run in parallel)\n",
        only.len(),
        only_total,
        units.values().sum::<f64>(),
    ));
    match generator {
        Ok(generator) => {
            let (in_generator, rest): (Vec<&String>, Vec<&String>) = only_admin
                .iter()
                .partition(|c| generator.contains(**c) || c.starts_with("ff-admin-gen v"));
            for (what, names) in [
                (
                    "ff-admin-gen and what only its build script needs",
                    in_generator,
                ),
                ("the rest", rest),
            ] {
                let (timed, total) = timed(&names, units);
                out.push_str(&format!(
                    "  {what}: {} crates, {total:.1} s. Largest: {}\n",
                    timed.len(),
                    top(&timed, 6)
                ));
            }
        }
        Err(e) => out.push_str(&format!(
            "  Largest: {} (which belong to the generator is unknown: {e})\n",
            top(&only, 8)
        )),
    }
    if let Ok(units) = &sdk.unit_seconds {
        let admin_set: BTreeSet<&String> = admin.compiled.iter().collect();
        let mut only: Vec<(&String, f64)> = sdk
            .compiled
            .iter()
            .filter(|c| !admin_set.contains(c))
            .map(|c| (c, units.get(c).copied().unwrap_or(0.0)))
            .collect();
        only.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.push_str(&format!(
            "only the ff-sdk probe builds {} crates. Largest: {}\n",
            only.len(),
            top(&only, 5)
        ));
    }
    out
}

/// `names` with their unit time, the slowest first, and the sum.
fn timed<'a>(names: &[&'a String], units: &BTreeMap<String, f64>) -> (Vec<(&'a String, f64)>, f64) {
    let mut timed: Vec<(&String, f64)> = names
        .iter()
        .map(|c| (*c, units.get(*c).copied().unwrap_or(0.0)))
        .collect();
    timed.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total = timed.iter().map(|(_, s)| s).sum();
    (timed, total)
}

/// The first `n` of `items` as `name s`, comma-separated.
fn top(items: &[(&String, f64)], n: usize) -> String {
    items
        .iter()
        .take(n)
        .map(|(name, s)| format!("{name} {s:.1} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The packages (`name vX.Y.Z`) only ff-admin-gen's build script needs in
/// the probe at `dir`: those in ff-admin-gen's build-dependency tree that
/// the probe's program does not also need (its tree over normal edges).
fn generator_packages(dir: &Path) -> Result<BTreeSet<String>, String> {
    let build = build_dependency_section(&cargo_tree(
        dir,
        &["-p", "ff-admin-gen", "-e", "normal,build"],
    )?);
    if build.is_empty() {
        return Err("cargo tree shows no [build-dependencies] for ff-admin-gen".to_owned());
    }
    let program = tree_packages(&cargo_tree(dir, &["-e", "normal", "--prefix", "none"])?);
    Ok(build.difference(&program).cloned().collect())
}

/// `cargo tree --offline ARGS` in `dir`, its output.
fn cargo_tree(dir: &Path, args: &[&str]) -> Result<String, String> {
    let stdout = crate::cargo_output(
        cargo()
            .args(["tree", "--offline"])
            .args(args)
            .current_dir(dir)
            .env("CARGO_TERM_COLOR", "never"),
        "cargo tree",
    )
    .map_err(|e| format!("{e:#}"))?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// The package (`name vX.Y.Z`) a `cargo tree` line names, if it names one.
fn tree_package(line: &str) -> Option<String> {
    let entry = line.trim_start_matches(|c: char| "│├└─ ".contains(c) || c.is_whitespace());
    (!entry.is_empty() && !entry.starts_with('['))
        .then(|| entry.split(" (").next().unwrap_or(entry).trim().to_owned())
}

/// Every package (`name vX.Y.Z`) a `cargo tree` names.
fn tree_packages(tree: &str) -> BTreeSet<String> {
    tree.lines().filter_map(tree_package).collect()
}

/// The packages (`name vX.Y.Z`) listed below the root's
/// `[build-dependencies]` line of a `cargo tree` (whose lines below it are
/// the build dependencies and everything they depend on).
fn build_dependency_section(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .skip_while(|line| *line != "[build-dependencies]")
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter_map(tree_package)
        .collect()
}

/// `name vX.Y.Z` of every `Compiling` line in cargo's stderr, in order.
fn compiled_crates(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("Compiling "))
        .map(|rest| {
            let name_version = rest.split(" (").next().unwrap_or(rest);
            name_version.trim().to_owned()
        })
        .collect()
}

/// Per package (`name vX.Y.Z`), the summed `duration` of its units in the
/// `UNIT_DATA` array of a cargo `--timings` HTML report.
fn unit_seconds(html: &str) -> Result<BTreeMap<String, f64>, String> {
    let marker = "const UNIT_DATA = ";
    let start = html
        .find(marker)
        .ok_or("the timing report has no UNIT_DATA")?
        + marker.len();
    let units: serde_json::Value = serde_json::Deserializer::from_str(&html[start..])
        .into_iter()
        .next()
        .ok_or("UNIT_DATA is empty")?
        .map_err(|e| format!("UNIT_DATA is not JSON: {e}"))?;
    let units = units.as_array().ok_or("UNIT_DATA is not an array")?;
    let mut per_package = BTreeMap::new();
    for unit in units {
        let field = |key: &str| {
            unit.get(key)
                .ok_or_else(|| format!("a unit in UNIT_DATA has no `{key}`: {unit}"))
        };
        let (Some(name), Some(version), Some(duration)) = (
            field("name")?.as_str(),
            field("version")?.as_str(),
            field("duration")?.as_f64(),
        ) else {
            return Err(format!(
                "a unit in UNIT_DATA is not name, version, duration: {unit}"
            ));
        };
        *per_package
            .entry(format!("{name} v{version}"))
            .or_insert(0.0) += duration;
    }
    Ok(per_package)
}

/// User + system CPU seconds of this process's children that have ended
/// and been waited for, with everything they waited for in turn.
fn children_cpu_seconds(tick: f64) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .context("read /proc/self/stat (build-cost measures CPU time on Linux only)")?;
    let ticks = children_ticks(&stat).context("unexpected /proc/self/stat layout")?;
    Ok(ticks as f64 / tick)
}

/// `cutime + cstime` from the text of `/proc/<pid>/stat`, in clock ticks.
/// The command name (field 2) may hold spaces and parentheses, so fields
/// are counted from the last `)`: `cutime` and `cstime` are fields 16 and
/// 17, the 14th and 15th after it.
fn children_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(13);
    let cutime: u64 = fields.next()?.parse().ok()?;
    let cstime: u64 = fields.next()?.parse().ok()?;
    Some(cutime + cstime)
}

/// The unit of `/proc` times (`getconf CLK_TCK`); 100, Linux's `USER_HZ`
/// on every architecture Rust targets, if `getconf` cannot say.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
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
    fn counts_compiling_lines_only() {
        let stderr = "    Updating crates.io index\n\
                      \x20    Locking 2 packages to latest compatible versions\n\
                      \x20  Compiling proc-macro2 v1.0.107\n\
                      \x20  Compiling ff-admin-gen v0.1.0 (/work/ff-admin-gen)\n\
                      warning: unused import: `Compiling x v1`\n\
                      \x20  Compiling build-cost-ff-admin v0.0.0 (/t/build-cost/ff-admin)\n\
                      \x20     Fresh itoa v1.0.19\n\
                      \x20   Finished `dev` profile [unoptimized] target(s) in 83.04s\n";
        assert_eq!(
            compiled_crates(stderr),
            [
                "proc-macro2 v1.0.107",
                "ff-admin-gen v0.1.0",
                "build-cost-ff-admin v0.0.0"
            ]
        );
        assert!(compiled_crates("").is_empty());
    }

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
    fn sums_unit_durations_per_package() {
        let html = r#"<script>
DURATION = 3;
const UNIT_DATA = [
  {"i": 0, "name": "aws-lc-sys", "version": "0.47.0", "mode": "todo",
   "target": " build-script", "start": 0.1, "duration": 1.25, "sections": null},
  {"i": 1, "name": "aws-lc-sys", "version": "0.47.0", "mode": "run-custom-build",
   "target": "", "start": 1.4, "duration": 30.5, "sections": null},
  {"i": 2, "name": "itoa", "version": "1.0.19", "mode": "todo",
   "target": "", "start": 0.2, "duration": 0.25, "sections": [["codegen", {"start": 0.0, "end": 0.2}]]}
];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = unit_seconds(html).unwrap();
        assert_eq!(units.len(), 2);
        assert_eq!(units["aws-lc-sys v0.47.0"], 31.75);
        assert_eq!(units["itoa v1.0.19"], 0.25);
        assert!(unit_seconds("<html></html>").is_err());
        assert!(unit_seconds("const UNIT_DATA = {oops").is_err());
    }

    #[test]
    fn the_report_names_what_only_ff_admin_builds() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let admin = Measurement {
            compiled: names(&["serde v1.0.229", "typify-impl v0.8.0", "ff-admin v0.1.0"]),
            cpu_seconds: 150.0,
            wall_seconds: 80.0,
            unit_seconds: Ok(BTreeMap::from([
                ("serde v1.0.229".to_owned(), 5.0),
                ("typify-impl v0.8.0".to_owned(), 12.0),
                ("ff-admin v0.1.0".to_owned(), 3.0),
            ])),
        };
        let sdk = Measurement {
            compiled: names(&["serde v1.0.229", "ring v0.17.14"]),
            cpu_seconds: 100.0,
            wall_seconds: 50.0,
            unit_seconds: Ok(BTreeMap::from([
                ("serde v1.0.229".to_owned(), 5.0),
                ("ring v0.17.14".to_owned(), 9.0),
            ])),
        };
        let generator = Ok(BTreeSet::from(["typify-impl v0.8.0".to_owned()]));
        let text = report("ff-admin", &admin, "ff-sdk", &sdk, &generator);
        assert!(text.contains("ratio ff-admin/ff-sdk: CPU 1.50, wall 1.60, crates compiled 1.50"));
        assert!(text
            .contains("only the ff-admin probe builds 2 crates: 15.0 s of its 20.0 s unit time"));
        assert!(text.contains(
            "ff-admin-gen and what only its build script needs: 1 crates, 12.0 s. \
             Largest: typify-impl v0.8.0 12.0 s\n"
        ));
        assert!(text.contains("the rest: 1 crates, 3.0 s. Largest: ff-admin v0.1.0 3.0 s\n"));
        assert!(
            text.contains("only the ff-sdk probe builds 1 crates. Largest: ring v0.17.14 9.0 s")
        );

        let unknown = report(
            "ff-admin",
            &admin,
            "ff-sdk",
            &sdk,
            &Err("no tree".to_owned()),
        );
        assert!(unknown.contains(
            "Largest: typify-impl v0.8.0 12.0 s, ff-admin v0.1.0 3.0 s (which belong to the \
             generator is unknown: no tree)"
        ));
    }

    #[test]
    fn reads_the_build_dependency_tree() {
        let tree = "\
ff-admin-gen v0.1.0 (/w/ff-admin-gen)
├── bytes v1.12.2
└── reqwest v0.13.5
    └── aws-lc-sys v0.47.0
        [build-dependencies]
        └── cc v1.11.3
[build-dependencies]
├── openapiv3 v2.2.0
│   └── indexmap v2.14.2
├── progenitor v0.15.1
│   └── progenitor-impl v0.15.1
│       ├── schemars_derive v0.8.22 (proc-macro) (*)
│       └── typify v0.8.0
│           [build-dependencies]
│           └── version_check v0.9.5
└── syn v3.0.10 (*)
[dev-dependencies]
└── tokio v1.54.1
";
        let packages: Vec<String> = build_dependency_section(tree).into_iter().collect();
        assert_eq!(
            packages,
            [
                "indexmap v2.14.2",
                "openapiv3 v2.2.0",
                "progenitor v0.15.1",
                "progenitor-impl v0.15.1",
                "schemars_derive v0.8.22",
                "syn v3.0.10",
                "typify v0.8.0",
                "version_check v0.9.5",
            ]
        );
        assert!(build_dependency_section("a v1\n└── b v2\n").is_empty());
    }

    #[test]
    fn reads_every_package_of_a_flat_tree() {
        let tree = "build-cost-ff-admin v0.0.0 (/t/ff-admin)\n\
                    ff-admin v0.1.0 (/w/ff-admin)\n\
                    schemars_derive v0.8.22 (proc-macro)\n\
                    serde v1.0.229 (*)\n";
        let packages: Vec<String> = tree_packages(tree).into_iter().collect();
        assert_eq!(
            packages,
            [
                "build-cost-ff-admin v0.0.0",
                "ff-admin v0.1.0",
                "schemars_derive v0.8.22",
                "serde v1.0.229",
            ]
        );
    }

    #[test]
    fn a_probe_is_its_own_workspace_with_the_shared_profile() {
        let dir = crate::target_dir()
            .unwrap()
            .join("xtask-tests/build-cost-probe");
        let _ = std::fs::remove_dir_all(&dir);
        let probe = Probe {
            name: "ff-sdk",
            label: "ff-sdk".to_owned(),
            dependency: "ff-sdk = { version = \"0.15.0\", default-features = false }".to_owned(),
            module: "ff_sdk::admin",
        };
        write_probe(&dir, &probe, "version = 4\n").unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"build-cost-ff-sdk\""));
        assert!(manifest.contains("\n[workspace]\n"));
        assert!(manifest.contains(PROFILE));
        assert!(manifest.contains(&probe.dependency));
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        assert!(main.contains("use ff_sdk::admin as admin;"));
        assert_eq!(
            std::fs::read_to_string(dir.join("Cargo.lock")).unwrap(),
            "version = 4\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
