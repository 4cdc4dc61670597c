//! `cargo xtask profile`: the CPU cost of one call, counted in instructions
//! by valgrind's callgrind, for each client and operation of the bench.
//!
//! Instruction counts do not depend on what else the machine is doing, so
//! this table is comparable between runs where the bench's timings are not.
//! Each pair runs the bench binary's loop mode (`FF_BENCH_LOOP`) twice, with
//! 500 and 1500 calls after the same warm-up; the difference over 1000 is
//! one call, start-up excluded. Callgrind counts each thread apart: the
//! client runs on the main thread, the canned server on the second.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};

/// Call counts of the two runs of each pair.
const CALLS: (u64, u64) = (500, 1500);

/// Instructions of one call, on the client thread and on the server thread.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PerCall {
    client: f64,
    server: f64,
}

/// Builds the bench, profiles every client on every operation and prints
/// the table.
pub fn run() -> anyhow::Result<()> {
    if crate::tools::which("valgrind").is_none() {
        bail!("valgrind is not installed: `apt-get install valgrind` (Debian's package)");
    }
    let bench = bench_binary()?;
    let BenchList {
        clients,
        operations,
    } = bench_list(&bench)?;
    let out = crate::target_dir()?.join("profile");
    std::fs::create_dir_all(&out).with_context(|| format!("create {}", out.display()))?;
    println!(
        "instructions per call (callgrind; {} minus {} calls, over {}), client thread + server thread",
        CALLS.1,
        CALLS.0,
        CALLS.1 - CALLS.0
    );
    for (op, only) in &operations {
        let mut rows = Vec::new();
        let runs = |client: &str| only.as_ref().is_none_or(|o| o.iter().any(|c| c == client));
        for (client, label) in clients.iter().filter(|(c, _)| runs(c)) {
            rows.push((client.as_str(), label, per_call(&bench, &out, client, op)?));
        }
        let of = |name: &str| rows.iter().find(|r| r.0 == name).map(|r| r.2);
        println!("\n{op}");
        println!(
            "  {:<36} {:>10} {:>10} {:>10}",
            "client", "client", "server", "both"
        );
        for (_, label, cost) in &rows {
            println!(
                "  {label:<36} {:>10.0} {:>10.0} {:>10.0}",
                cost.client,
                cost.server,
                cost.client + cost.server
            );
        }
        let (Some(floor), Some(admin)) = (of("floor"), of("admin")) else {
            bail!("a client is missing from the table");
        };
        let Some(peer) = of("peer") else {
            println!(
                "  ratio ff-admin/floor client {:.3} both {:.3} (above 1: ff-admin costs less; ff-sdk has no such call)",
                floor.client / admin.client,
                (floor.client + floor.server) / (admin.client + admin.server),
            );
            continue;
        };
        println!(
            "  ratio ff-admin/floor client {:.3} both {:.3} | ff-admin/peer client {:.3} both {:.3} (above 1: ff-admin costs less)",
            floor.client / admin.client,
            (floor.client + floor.server) / (admin.client + admin.server),
            peer.client / admin.client,
            (peer.client + peer.server) / (admin.client + admin.server),
        );
    }
    Ok(())
}

/// The bench executable, built in the bench profile.
fn bench_binary() -> anyhow::Result<PathBuf> {
    let stdout = crate::cargo_output(
        crate::cargo()
            .args([
                "bench",
                "--locked",
                "-p",
                "ff-admin-bench",
                "--bench",
                "admin_calls",
                "--no-run",
                "--message-format=json",
            ])
            .current_dir(ff_admin_devenv::workspace_root()),
        "cargo bench --no-run",
    )?;
    executable_of(&String::from_utf8_lossy(&stdout), "admin_calls")
        .context("cargo built no admin_calls executable")
}

/// What the bench's loop mode can run, as `FF_BENCH_LOOP=list` prints it.
#[derive(Debug)]
struct BenchList {
    /// Each client's key and name.
    clients: Vec<(String, String)>,
    /// Each operation's key, and the clients that run it when not all do.
    operations: Vec<(String, Option<Vec<String>>)>,
}

/// The bench's [`BenchList`].
fn bench_list(bench: &Path) -> anyhow::Result<BenchList> {
    let output = Command::new(bench)
        .env("FF_BENCH_LOOP", "list")
        .output()
        .context("start the bench's list mode")?;
    if !output.status.success() {
        bail!(
            "the bench's list mode failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_list(&String::from_utf8_lossy(&output.stdout))
}

/// Reads `client\t<key>\t<name>` and `op\t<key>[\t<client>,…]` lines.
fn parse_list(text: &str) -> anyhow::Result<BenchList> {
    let (mut clients, mut operations) = (Vec::new(), Vec::new());
    for line in text.lines() {
        match line.split('\t').collect::<Vec<_>>()[..] {
            ["client", key, name] => clients.push((key.to_owned(), name.to_owned())),
            ["op", key] => operations.push((key.to_owned(), None)),
            ["op", key, only] => operations.push((
                key.to_owned(),
                Some(only.split(',').map(str::to_owned).collect()),
            )),
            _ => bail!("unexpected line from the bench's list mode: {line:?}"),
        }
    }
    if clients.is_empty() || operations.is_empty() {
        bail!("the bench's list mode named no client or no operation");
    }
    Ok(BenchList {
        clients,
        operations,
    })
}

/// The `executable` of target `name` in cargo's JSON messages.
fn executable_of(messages: &str, name: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// One call of `op` through `client`, from two runs under callgrind (run
/// side by side: instruction counts do not depend on the load).
fn per_call(bench: &Path, out: &Path, client: &str, op: &str) -> anyhow::Result<PerCall> {
    let few = Run::start(bench, out, client, op, CALLS.0)?;
    let many = Run::start(bench, out, client, op, CALLS.1)?;
    let (few, many) = (few.totals()?, many.totals()?);
    let calls = (CALLS.1 - CALLS.0) as f64;
    Ok(PerCall {
        client: (many.0 as f64 - few.0 as f64) / calls,
        server: (many.1 as f64 - few.1 as f64) / calls,
    })
}

/// One run of the bench's loop under callgrind.
struct Run {
    child: std::process::Child,
    stem: PathBuf,
    what: String,
}

impl Run {
    /// Starts `calls` calls of `op` through `client`.
    fn start(bench: &Path, out: &Path, client: &str, op: &str, calls: u64) -> anyhow::Result<Self> {
        let what = format!("{client}:{op}:{calls}");
        let stem = out.join(what.replace(':', "."));
        for old in thread_files(&stem)? {
            std::fs::remove_file(&old).with_context(|| format!("remove {}", old.display()))?;
        }
        let child = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg("--separate-threads=yes")
            .arg(format!("--callgrind-out-file={}", stem.display()))
            .arg(bench)
            .env("FF_BENCH_LOOP", &what)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("start valgrind")?;
        Ok(Self { child, stem, what })
    }

    /// Waits for the run; the instructions counted on the client (main)
    /// and server threads.
    fn totals(mut self) -> anyhow::Result<(u64, u64)> {
        let status = self.child.wait().context("wait for valgrind")?;
        if !status.success() {
            bail!("valgrind on {} failed ({status})", self.what);
        }
        let files = thread_files(&self.stem)?;
        let summary = |thread: &str| -> anyhow::Result<u64> {
            let file = files
                .iter()
                .find(|f| f.to_string_lossy().ends_with(thread))
                .with_context(|| {
                    format!("no callgrind file of thread {thread} for {}", self.what)
                })?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("read {}", file.display()))?;
            summary_of(&text).with_context(|| format!("no summary line in {}", file.display()))
        };
        Ok((summary("-01")?, summary("-02")?))
    }
}

/// The per-thread files callgrind wrote for `stem` (`<stem>-01`, ...).
fn thread_files(stem: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = stem.parent().context("a profile file has a folder")?;
    let prefix = format!(
        "{}-",
        stem.file_name().unwrap_or_default().to_string_lossy()
    );
    Ok(std::fs::read_dir(dir)
        .with_context(|| format!("read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect())
}

/// The instruction total of a callgrind file (`summary: N`).
fn summary_of(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("summary:"))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::{executable_of, parse_list, summary_of};

    #[test]
    fn reads_the_bench_list() {
        let super::BenchList {
            clients,
            operations: ops,
        } = parse_list(
            "client\tfloor\tfloor (reqwest)\nclient\tadmin\tff-admin\nop\tclaim204\nop\tget200\tfloor,admin\n",
        )
        .unwrap();
        assert_eq!(
            clients,
            [
                ("floor".to_owned(), "floor (reqwest)".to_owned()),
                ("admin".to_owned(), "ff-admin".to_owned())
            ]
        );
        assert_eq!(
            ops,
            [
                ("claim204".to_owned(), None),
                (
                    "get200".to_owned(),
                    Some(vec!["floor".to_owned(), "admin".to_owned()])
                )
            ]
        );
        assert!(parse_list("client\tfloor\n").is_err());
        assert!(parse_list("op\tclaim204\n").is_err());
    }

    #[test]
    fn reads_the_summary_line() {
        let text = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 160567168\ntotals: 160567168\n";
        assert_eq!(summary_of(text), Some(160_567_168));
        assert_eq!(summary_of("events: Ir\n"), None);
    }

    #[test]
    fn finds_the_named_executable() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"ff_admin_bench"},"executable":"/t/lib"}
{"reason":"compiler-artifact","target":{"name":"admin_calls"},"executable":"/t/admin_calls-1"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_of(messages, "admin_calls"),
            Some("/t/admin_calls-1".into())
        );
        assert_eq!(executable_of(messages, "other"), None);
    }
}
