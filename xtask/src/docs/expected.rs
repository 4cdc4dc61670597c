//! What the API reference must show, read from the spec itself: every
//! operation with its method, path, summary and documented statuses, the
//! document's version and the ff-server version it was checked against.

use std::collections::BTreeSet;

use crate::spec_doc;
use anyhow::{bail, Context as _};

/// The extension of `info` naming the ff-server version the spec was
/// checked against.
pub const FF_SERVER_VERSION_KEY: &str = "x-ff-server-version";

/// The spec, as far as the reference page must show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// `info.version`: the document's own version.
    pub version: String,
    /// `info.x-ff-server-version`.
    pub ff_server_version: String,
    /// Every operation, in [`spec_doc::operations`]'s order.
    pub operations: Vec<ExpectedOperation>,
}

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedOperation {
    /// Upper-case HTTP method, as the page's method badges show it.
    pub method: String,
    /// The path template, e.g. `/v1/workers/{worker_id}/claim`.
    pub path: String,
    /// The operation's `summary`, the page's heading for it.
    pub summary: String,
    /// Every documented status: `200`, a range such as `4XX`, or `default`.
    pub statuses: BTreeSet<String>,
}

impl ExpectedOperation {
    /// `POST /v1/...`, for messages.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl Expected {
    /// Reads the expectations from the spec's YAML text. Fails on a spec
    /// that is not OpenAPI 3.0, lacks `info.version` or
    /// `info.x-ff-server-version`, or has an operation without a summary
    /// (the page would have no heading to find it by).
    pub fn from_yaml(yaml: &str) -> anyhow::Result<Self> {
        let spec = spec_doc::parse("the spec", yaml).map_err(anyhow::Error::msg)?;
        if !spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0"))
        {
            bail!("the spec is not OpenAPI 3.0 (`openapi: 3.0.x`)");
        }
        // YAML reads an unquoted `version: 1.0` as a number: take its
        // shortest form, as the page's YAML reader shows it.
        let info_text = |key: &str| {
            let text = match &spec["info"][key] {
                serde_json::Value::String(text) => text.trim().to_owned(),
                serde_json::Value::Number(number) => number.to_string(),
                _ => String::new(),
            };
            (!text.is_empty()).then_some(text)
        };
        let version = info_text("version").context("the spec has no info.version")?;
        let ff_server_version = info_text(FF_SERVER_VERSION_KEY)
            .with_context(|| format!("the spec has no info.{FF_SERVER_VERSION_KEY} string"))?;
        if let Some((path, _)) = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .find(|(_, item)| item.get("$ref").is_some())
        {
            bail!("path {path} is a $ref: the reference check reads inline path items only");
        }
        let mut operations = Vec::new();
        for spec_doc::Operation {
            path, method, op, ..
        } in spec_doc::operations(&spec).map_err(anyhow::Error::msg)?
        {
            let method = method.to_ascii_uppercase();
            let summary = op["summary"]
                .as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .with_context(|| format!("{method} {path} has no summary"))?
                .to_owned();
            let statuses = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(code, _)| status_label(code))
                .collect();
            operations.push(ExpectedOperation {
                method,
                path: path.to_owned(),
                summary,
                statuses,
            });
        }
        Ok(Self {
            version,
            ff_server_version,
            operations,
        })
    }

    /// How many statuses the operations document, all together.
    pub fn status_count(&self) -> usize {
        self.operations.iter().map(|op| op.statuses.len()).sum()
    }
}

/// The label Redoc gives a `responses` key: a code (`200`), a range
/// (`4XX`, in any case) or `default`; `None` for anything else, such as an
/// `x-` extension, which is not a status.
fn status_label(key: &str) -> Option<String> {
    let bytes = key.as_bytes();
    let code = bytes.len() == 3
        && (b'1'..=b'5').contains(&bytes[0])
        && (bytes[1..].iter().all(u8::is_ascii_digit)
            || bytes[1..].iter().all(|b| b.eq_ignore_ascii_case(&b'x')));
    if key == "default" {
        Some(key.to_owned())
    } else if code {
        Some(key.to_ascii_uppercase())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operations_statuses_and_versions_from_the_fixture_spec() {
        let expected = Expected::from_yaml(super::super::FIXTURE_SPEC).unwrap();
        assert_eq!(expected.version, "3.1.4");
        assert_eq!(expected.ff_server_version, "9.8.7");
        let names: Vec<String> = expected.operations.iter().map(|op| op.name()).collect();
        assert_eq!(
            names,
            [
                "GET /healthz",
                "GET /v1/gadgets/{gadget_id}",
                "DELETE /v1/gadgets/{gadget_id}",
                "POST /v1/gadgets/{gadget_id}/polish",
            ]
        );
        let polish = &expected.operations[3];
        assert_eq!(polish.summary, "Polish a gadget until it shines.");
        let statuses: Vec<&str> = polish.statuses.iter().map(String::as_str).collect();
        assert_eq!(statuses, ["200", "204", "400", "4XX", "default"]);
        assert_eq!(expected.status_count(), 5 + 2 + 2 + 2);
    }

    #[test]
    fn an_operation_without_summary_is_an_error() {
        let yaml =
            super::super::FIXTURE_SPEC.replace("      summary: Check that the server is up.\n", "");
        let err = Expected::from_yaml(&yaml).unwrap_err().to_string();
        assert_eq!(err, "GET /healthz has no summary");
    }

    #[test]
    fn the_ff_server_version_is_required() {
        let yaml = super::super::FIXTURE_SPEC.replace("  x-ff-server-version: 9.8.7\n", "");
        let err = Expected::from_yaml(&yaml).unwrap_err().to_string();
        assert_eq!(err, "the spec has no info.x-ff-server-version string");
    }

    #[test]
    fn status_labels_are_codes_ranges_and_default_only() {
        let labels: Vec<Option<String>> = ["200", "4xx", "5XX", "default", "x-note", "600", "2x0"]
            .into_iter()
            .map(super::status_label)
            .collect();
        let want = [
            Some("200"),
            Some("4XX"),
            Some("5XX"),
            Some("default"),
            None,
            None,
            None,
        ];
        assert_eq!(labels, want.map(|w| w.map(str::to_owned)));
    }
}
