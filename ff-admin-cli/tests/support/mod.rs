//! Runs the built `ff-admin` binary as a user would.

#![allow(dead_code)] // each test file uses part of it

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How a run of the binary ended.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Everything on stdout, as text (invalid UTF-8 replaced).
    pub stdout: String,
    /// Everything on stdout, as sent.
    pub stdout_bytes: Vec<u8>,
    /// Everything on stderr.
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the whole run when it differs.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }

    /// Asserts stderr is exactly one line.
    #[track_caller]
    pub fn one_stderr_line(&self) -> &str {
        let line = self.stderr.strip_suffix('\n').unwrap_or(&self.stderr);
        assert!(!line.is_empty() && !line.contains('\n'), "{self:#?}");
        line
    }
}

/// A command line of the binary, with a clean environment for its
/// settings: `FF_ADMIN_URL` set to `url`, no `FF_API_TOKEN`.
pub struct Cli {
    command: Command,
    stdin: Vec<u8>,
}

impl Cli {
    /// `ff-admin` against `url`.
    pub fn new(url: &str) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ff-admin"));
        command
            .env_remove("FF_API_TOKEN")
            .env("FF_ADMIN_URL", url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Self {
            command,
            stdin: Vec::new(),
        }
    }

    /// Adds arguments.
    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    /// Feeds `text` on standard input (empty otherwise).
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = text.as_bytes().to_vec();
        self
    }

    /// Starts the binary, writes stdin and closes it.
    pub fn spawn(mut self) -> Child {
        let mut child = self.command.spawn().expect("start ff-admin");
        let mut stdin = child.stdin.take().expect("piped stdin");
        // A run that exits before reading its input (a usage error) closes
        // the pipe first: not the harness's failure.
        match stdin.write_all(&self.stdin) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.expect("write stdin"),
        }
        drop(stdin);
        child
    }

    /// Runs to the end.
    pub fn run(self) -> Run {
        finish(self.spawn())
    }
}

/// Waits for a started binary.
pub fn finish(child: Child) -> Run {
    let out = child.wait_with_output().expect("wait for ff-admin");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stdout_bytes: out.stdout,
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// A file removed on drop.
pub struct TempFile(PathBuf);

impl TempFile {
    /// A new file holding `contents`.
    pub fn new(contents: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ff-admin-cli-test-{}-{n}", std::process::id()));
        std::fs::write(&path, contents).expect("write temp file");
        Self(path)
    }

    /// Its path, as an argument.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Its path as text.
    pub fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
