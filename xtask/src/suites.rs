//! `cargo xtask test`, `demo` and `bench`: the suites, run in order, each
//! failing the task when it fails.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context as _};

use crate::tools::{self, run, Tools};
use crate::{cargo, docs};

/// The token the standalone live servers demand.
const LIVE_TOKEN: &str = "xtask-live-token";

/// Environment every live suite needs.
fn live_env(cmd: &mut Command, tools: &Tools) {
    // FF_DEV_MODE comes from `.cargo/config.toml`'s `[env]`, which
    // `cargo xtask` passes on to everything it starts.
    cmd.env("FF_ADMIN_VALKEY_SERVER", &tools.valkey_server)
        .env("FF_ADMIN_PG_BIN", &tools.pg_bin);
}

/// The backends `ff-live-server` runs on for the suites outside Rust. A new
/// backend is one more entry here; its schemathesis settings, if it needs
/// any of its own, go in `xtask/clients/schemathesis-<backend>.toml`.
const LIVE_BACKENDS: &[&str] = &["valkey", "valkey-cluster", "postgres", "sqlite"];

/// The suites `cargo xtask test --only` can pick, in the order they run.
const SUITES: &[&str] = &[
    "rust",
    "bench",
    "spec-validator",
    "redocly",
    "api-reference",
    "typescript",
    "python",
    "schemathesis",
];

/// Which suites to run: every one, or those named after `--only`
/// (comma-separated; `schemathesis-<backend>` picks one backend).
pub struct Selection(Option<Vec<String>>);

impl Selection {
    /// Reads `test`'s arguments: nothing, or `--only NAME[,NAME...]`.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        match args {
            [] => Ok(Self(None)),
            [flag, names] if flag == "--only" => {
                let names: Vec<String> = names.split(',').map(str::to_owned).collect();
                for name in &names {
                    let known = SUITES.contains(&name.as_str())
                        || name
                            .strip_prefix("schemathesis-")
                            .is_some_and(|b| LIVE_BACKENDS.contains(&b));
                    if !known {
                        bail!(
                            "unknown suite `{name}`: one of {}, or schemathesis-<{}>",
                            SUITES.join(", "),
                            LIVE_BACKENDS.join("|")
                        );
                    }
                }
                Ok(Self(Some(names)))
            }
            _ => bail!("usage: cargo xtask test [--only SUITE[,SUITE...]]"),
        }
    }

    fn runs(&self, suite: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == suite))
    }

    fn runs_schemathesis(&self, backend: &str) -> bool {
        self.runs("schemathesis") || self.runs(&format!("schemathesis-{backend}"))
    }
}

/// Installs what is missing, then runs the selected suites (all by
/// default): the Rust tests (unit, httpmock contract, live on every
/// backend, doc tests), the spec validators, the API reference in headless
/// Chromium, the Python and TypeScript clients, and schemathesis against the real server on each backend.
pub fn test_all(selection: &Selection) -> anyhow::Result<()> {
    let started = Instant::now();
    let tools = tools::ensure()?;
    let root = ff_admin_devenv::workspace_root();

    if selection.runs("rust") {
        step("rust tests (unit, mock contract, live, doc)", || {
            let mut cmd = cargo();
            cmd.args(["test", "--workspace", "--locked"])
                .current_dir(&root);
            live_env(&mut cmd, &tools);
            run(&mut cmd)
        })?;
    }
    if selection.runs("bench") {
        step("bench builds", || {
            run(cargo()
                .args(["bench", "--locked", "-p", "ff-admin-bench", "--no-run"])
                .current_dir(&root))
        })?;
    }
    if selection.runs("spec-validator") {
        step("openapi-spec-validator", || {
            run(Command::new(tools.venv_bin.join("openapi-spec-validator"))
                .arg("openapi.yaml")
                .current_dir(&root))
        })?;
    }
    if selection.runs("redocly") {
        step("redocly lint", || {
            run(Command::new(tools.node_bin.join("redocly"))
                .args(["lint", "openapi.yaml", "--format=stylish"])
                .env("REDOCLY_TELEMETRY", "off")
                .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
                .current_dir(&root))
        })?;
    }
    if selection.runs("api-reference") {
        step(
            "api reference (redocly build-docs, checked in headless chromium)",
            || docs::build_and_check(&tools),
        )?;
    }
    if selection.runs("typescript") {
        step(
            "typescript client (openapi-typescript + tsc --strict)",
            || typescript(&tools),
        )?;
    }

    let schemathesis_backends: Vec<&str> = LIVE_BACKENDS
        .iter()
        .copied()
        .filter(|b| selection.runs_schemathesis(b))
        .collect();
    if !selection.runs("python") && schemathesis_backends.is_empty() {
        println!(
            "xtask test: the selected suites passed in {:.0?}",
            started.elapsed()
        );
        return Ok(());
    }
    // The standalone servers for the remaining suites.
    run(cargo()
        .args([
            "build",
            "--locked",
            "-p",
            "ff-admin-contract-tests",
            "--bin",
            "ff-live-server",
        ])
        .current_dir(&root))?;
    if selection.runs("python") {
        step("python client against the live server (valkey)", || {
            let server = LiveProcess::start(&tools, "valkey")?;
            python_client(&tools, &server.url)
        })?;
    }
    for backend in schemathesis_backends {
        step(
            &format!("schemathesis against the live server ({backend})"),
            || {
                let server = LiveProcess::start(&tools, backend)?;
                schemathesis(&tools, &server.url, backend)
            },
        )?;
    }
    println!(
        "xtask test: the selected suites passed in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    println!("\n==> {name}");
    let started = Instant::now();
    f().with_context(|| format!("suite failed: {name}"))?;
    println!("==> {name}: ok ({:.1?})", started.elapsed());
    Ok(())
}

/// `ff-live-server` in a child process; stopped (its stdin closed, so it
/// removes its backend) on drop.
struct LiveProcess {
    child: Child,
    url: String,
}

impl LiveProcess {
    fn start(tools: &Tools, backend: &str) -> anyhow::Result<Self> {
        let binary = crate::target_dir()?.join("debug/ff-live-server");
        let mut cmd = Command::new(&binary);
        cmd.args(["--backend", backend, "--token", LIVE_TOKEN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        live_env(&mut cmd, tools);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("start {}", binary.display()))?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(line) => {
                    let line = line?;
                    if let Some(url) = line.strip_prefix("ready ") {
                        break url.trim().to_owned();
                    }
                }
                None => {
                    let status = child.wait()?;
                    bail!("ff-live-server --backend {backend} exited before ready ({status})");
                }
            }
        };
        println!("live {backend} server at {url}");
        Ok(Self { child, url })
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The schemathesis settings for `backend`: its own file
/// (`xtask/clients/schemathesis-<backend>.toml`, optional) followed by the
/// shared `schemathesis.toml`, so that the backend's settings for an
/// operation come first and win.
fn schemathesis_config(backend: &str) -> anyhow::Result<String> {
    let root = ff_admin_devenv::workspace_root();
    let shared = std::fs::read_to_string(root.join("schemathesis.toml"))
        .context("read schemathesis.toml")?;
    let own_path = root.join(format!("xtask/clients/schemathesis-{backend}.toml"));
    let own = match std::fs::read_to_string(&own_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("read {}", own_path.display())),
    };
    Ok(format!("{own}\n{shared}"))
}

/// schemathesis with every check and every phase (stateful included; the
/// bounds are in `schemathesis.toml`) against the live server on
/// `backend`. Runs in a fresh folder under the target folder, so that no
/// failure cached by an earlier run is replayed: with the fixed seed, a run
/// depends only on the spec, the settings and the server.
fn schemathesis(tools: &Tools, url: &str, backend: &str) -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let dir = crate::target_dir()?.join("schemathesis").join(backend);
    crate::fresh_dir(&dir)?;
    let config = dir.join("schemathesis.toml");
    std::fs::write(&config, schemathesis_config(backend)?)?;
    let mut cmd = Command::new(tools.venv_bin.join("schemathesis"));
    cmd.arg("--config-file")
        .arg(&config)
        .args(["--no-color", "run"])
        .arg(root.join("openapi.yaml"))
        .args(["--url", url])
        .args(["--checks", "all", "--seed", "20261127"])
        .args(["--header", &format!("Authorization: Bearer {LIVE_TOKEN}")])
        .args(["--suppress-health-check", "all"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .current_dir(&dir);
    run(&mut cmd)
}

fn python_client(tools: &Tools, url: &str) -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let out = crate::target_dir()?.join("clients/python");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(out.parent().expect("parent"))?;
    run(Command::new(tools.venv_bin.join("openapi-python-client"))
        .args([
            "generate",
            "--path",
            "openapi.yaml",
            "--meta",
            "setup",
            "--overwrite",
        ])
        .arg("--config")
        .arg(root.join("xtask/clients/python-client.yaml"))
        .arg("--output-path")
        .arg(&out)
        .current_dir(&root))?;
    // Imported from where it was generated: installing it would build a
    // wheel, which may fetch build tools at run time.
    run(Command::new(&tools.python)
        .arg(root.join("xtask/clients/python_live.py"))
        .args([url, LIVE_TOKEN])
        .env("PYTHONPATH", &out))
}

fn typescript(tools: &Tools) -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let out = crate::target_dir()?.join("clients/ts");
    std::fs::create_dir_all(&out)?;
    // `--default-non-nullable=false`: a property with a `default` is one the
    // server fills in when it is absent, so a request may leave it out
    // (openapi-typescript 7 otherwise makes it required).
    run(Command::new(tools.node_bin.join("openapi-typescript"))
        .arg("openapi.yaml")
        .arg("-o")
        .arg(out.join("schema.d.ts"))
        .arg("--default-non-nullable=false")
        .current_dir(&root))?;
    std::fs::copy(root.join("xtask/clients/usage.ts"), out.join("usage.ts"))?;
    run(Command::new(tools.node_bin.join("tsc"))
        .args([
            "--strict",
            "--noEmit",
            "--target",
            "es2020",
            "--moduleResolution",
            "node",
        ])
        .arg(out.join("usage.ts")))
}

/// `cargo xtask demo`: the real ff-server, embedded, driven through
/// ff-admin. Installs the Valkey binary first if it is missing.
pub fn demo() -> anyhow::Result<()> {
    let tools = tools::ensure_python_only()?;
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--locked",
        "-p",
        "ff-admin-contract-tests",
        "--bin",
        "ff-admin-demo",
    ])
    .current_dir(ff_admin_devenv::workspace_root())
    .env("FF_ADMIN_VALKEY_SERVER", &tools.valkey_server);
    if let Some(pg) = tools.pg_bin.as_deref() {
        cmd.env("FF_ADMIN_PG_BIN", pg);
    }
    run(&mut cmd)
}

/// `cargo xtask bench`: the benchmark, in release mode.
pub fn bench() -> anyhow::Result<()> {
    run(cargo()
        .args(["bench", "--locked", "-p", "ff-admin-bench"])
        .current_dir(ff_admin_devenv::workspace_root()))
}
