//! The process exit codes, documented in `--help` and the README.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: the server answered with a result, printed on stdout.
    Success,
    /// 1: the server answered an error (or a 2xx body that is not the
    /// documented JSON).
    ServerError,
    /// 2: the command line or the configuration is wrong; nothing was sent.
    Usage,
    /// 3: the server could not be reached, or the call timed out.
    Unreachable,
    /// 4: the server answered "nothing there"; stdout is empty.
    Nothing,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::ServerError => 1,
            Self::Usage => 2,
            Self::Unreachable => 3,
            Self::Nothing => 4,
        }
    }
}

/// The exit-code table of `--help` (the README shows the same table).
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success: the server answered with a result (on stdout)
  1  the server answered an error (one line on stderr: status, kind, message)
  2  usage or configuration error; nothing was sent
  3  the server could not be reached, or the call timed out
  4  success with nothing there (claim's 204, \"token not found\"): empty stdout, a note on stderr";
