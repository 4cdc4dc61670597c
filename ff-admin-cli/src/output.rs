//! What a run prints: the answer on stdout (a human summary or the JSON
//! body), notes and errors on stderr, and the exit code that goes with them.

use std::io::Write;

use ff_admin::SdkError;
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;

/// What an operation answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// A result: the response body as JSON.
    Json(Value),
    /// A result whose body is not JSON (text, bytes): printed as is in
    /// both output modes.
    Raw(Vec<u8>),
    /// "Nothing there" (a 204, a documented not-found), with a note for
    /// stderr.
    Nothing(String),
}

impl Answer {
    /// A result, from the typed answer of an `ff-admin` call (which
    /// serializes back to the response body).
    pub(crate) fn json(value: impl Serialize) -> Result<Self, Failure> {
        serde_json::to_value(value)
            .map(Self::Json)
            .map_err(|e| Failure::Render(e.to_string()))
    }

    /// A result whose body is not JSON (metrics text, a result payload).
    pub(crate) fn raw(body: impl Into<Vec<u8>>) -> Result<Self, Failure> {
        Ok(Self::Raw(body.into()))
    }

    /// A result when there is one, else "nothing there" with `note`.
    pub(crate) fn optional(value: Option<impl Serialize>, note: &str) -> Result<Self, Failure> {
        match value {
            Some(value) => Self::json(value),
            None => Ok(Self::Nothing(note.to_owned())),
        }
    }
}

/// Why a run did not get an answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line or configuration is wrong; nothing was sent.
    Usage(String),
    /// The call failed (the server's error, or no answer).
    Api(SdkError),
    /// The answer could not be turned into JSON.
    Render(String),
}

impl From<SdkError> for Failure {
    fn from(e: SdkError) -> Self {
        Self::Api(e)
    }
}

/// How the answer is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Human {
    /// One `field: value` line per field of the body.
    Fields,
    /// The value of this one field alone (for piping).
    Field(&'static str),
}

/// The chosen output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A short summary.
    Human,
    /// Exactly the response body, one JSON document.
    Json,
}

/// Where the output goes, and the credentials to keep out of it.
pub(crate) struct Printer<'a> {
    /// The subcommand, named in error lines.
    pub command: &'a str,
    /// The bearer token, never printed.
    pub token: Option<&'a str>,
    /// The credential read from `--secret-file`, never printed.
    pub secret: Option<&'a str>,
}

impl Printer<'_> {
    /// Prints the answer and returns the exit code.
    pub(crate) fn answer(&self, answer: &Answer, format: Format, human: Human) -> Exit {
        match answer {
            Answer::Json(value) => {
                let text = match format {
                    Format::Json => value.to_string(),
                    Format::Human => human_text(value, human),
                };
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{text}");
                let _ = stdout.flush();
                Exit::Success
            }
            Answer::Raw(body) => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(body);
                let _ = stdout.flush();
                Exit::Success
            }
            Answer::Nothing(note) => {
                self.stderr(&format!("{}: nothing there: {note}", self.command));
                Exit::Nothing
            }
        }
    }

    /// Prints one error line and returns the exit code.
    pub(crate) fn failure(&self, failure: &Failure) -> Exit {
        let (line, exit) = error_line(self.command, failure);
        self.stderr(&line);
        exit
    }

    /// Writes one line to stderr, on one line and without the token or
    /// the secret (a server or proxy may echo them in an error).
    pub(crate) fn stderr(&self, line: &str) {
        let mut line: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for credential in [self.token, self.secret].into_iter().flatten() {
            if credential.len() >= 4 {
                line = line.replace(credential, "<redacted>");
            }
        }
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// The error line of a failure, and the exit code it maps to.
fn error_line(command: &str, failure: &Failure) -> (String, Exit) {
    match failure {
        Failure::Usage(message) => (format!("error: {message}"), Exit::Usage),
        Failure::Render(message) => (
            format!("error: {command}: cannot print the answer: {message}"),
            Exit::ServerError,
        ),
        Failure::Api(SdkError::AdminApi {
            status,
            message,
            kind,
            retryable,
            ..
        }) => (
            format!(
                "error: {command}: status {status}, kind {}, retryable {}: {message}",
                kind.as_deref().unwrap_or("-"),
                retryable.map_or("-".to_owned(), |r| r.to_string()),
            ),
            Exit::ServerError,
        ),
        Failure::Api(e @ SdkError::Config { .. }) => {
            (format!("error: {command}: {e}"), Exit::Usage)
        }
        Failure::Api(e @ (SdkError::Http { .. } | SdkError::Body { .. })) => {
            let what = match e {
                SdkError::Http { source, .. } if source.is_timeout() => "timed out",
                _ => "server unreachable",
            };
            (
                format!("error: {command}: {what}: {}", chain(e)),
                Exit::Unreachable,
            )
        }
        Failure::Api(e) => (format!("error: {command}: {}", chain(e)), Exit::ServerError),
    }
}

/// An error and its sources, joined with `: ` (a source whose text the
/// line already holds is not repeated).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The human summary of a response body: `field: value` lines in name
/// order, or one field's value alone.
fn human_text(value: &Value, human: Human) -> String {
    match (human, value) {
        (Human::Field(name), Value::Object(fields)) => {
            fields.get(name).map(scalar_text).unwrap_or_default()
        }
        (Human::Fields, Value::Object(fields)) if !fields.is_empty() => {
            let mut lines: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}: {}", scalar_text(value)))
                .collect();
            lines.sort();
            lines.join("\n")
        }
        _ => scalar_text(value),
    }
}

/// One value on one line: strings unquoted, lists joined with `, `,
/// anything nested as compact JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        Value::Array(items) if items.is_empty() => "(none)".to_owned(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(scalar_text).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn human_text_is_one_line_per_field() {
        let body = json!({"rotated": 256, "failed": [], "new_kid": "k2"});
        assert_eq!(
            human_text(&body, Human::Fields),
            "failed: (none)\nnew_kid: k2\nrotated: 256"
        );
        let body = json!({"failed": [3, 9], "detail": null, "nested": {"a": 1}});
        assert_eq!(
            human_text(&body, Human::Fields),
            "detail: -\nfailed: 3, 9\nnested: {\"a\":1}"
        );
        assert_eq!(
            human_text(&json!({"token": "k:00ff"}), Human::Field("token")),
            "k:00ff"
        );
    }

    #[test]
    fn api_errors_are_one_line_with_status_kind_and_message() {
        let failure = Failure::Api(SdkError::AdminApi {
            status: 503,
            message: "backend op unavailable: ping".into(),
            kind: Some("unavailable".into()),
            retryable: Some(false),
            raw_body: String::new(),
        });
        assert_eq!(
            error_line("healthz", &failure),
            (
                "error: healthz: status 503, kind unavailable, retryable false: backend op unavailable: ping".to_owned(),
                Exit::ServerError
            )
        );
        assert_eq!(
            error_line("x", &Failure::Usage("missing --lane-id".into())),
            ("error: missing --lane-id".to_owned(), Exit::Usage)
        );
    }
}
