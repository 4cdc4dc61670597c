//! What the API reference must show, read from the spec itself: every
//! operation with its method, path, summary and documented statuses, the
//! document's version and the ff-server version it was checked against.

use std::collections::BTreeSet;

use anyhow::{bail, Context as _};
use openapiv3::{OpenAPI, ReferenceOr, StatusCode};

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
    /// Every operation, in the spec's order.
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
        let spec: OpenAPI = yaml_serde::from_str(yaml).context("the spec is not OpenAPI 3.0")?;
        let version = spec.info.version.trim().to_owned();
        if version.is_empty() {
            bail!("the spec has no info.version");
        }
        let ff_server_version = spec
            .info
            .extensions
            .get(FF_SERVER_VERSION_KEY)
            .and_then(serde_json::Value::as_str)
            .with_context(|| format!("the spec has no info.{FF_SERVER_VERSION_KEY} string"))?
            .to_owned();
        let mut operations = Vec::new();
        for (path, item) in &spec.paths.paths {
            let ReferenceOr::Item(item) = item else {
                bail!("path {path} is a $ref: the reference check reads inline path items only");
            };
            for (method, op) in item.iter() {
                let method = method.to_ascii_uppercase();
                let summary = op
                    .summary
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .with_context(|| format!("{method} {path} has no summary"))?
                    .to_owned();
                let mut statuses: BTreeSet<String> =
                    op.responses.responses.keys().map(status_label).collect();
                if op.responses.default.is_some() {
                    statuses.insert("default".to_owned());
                }
                operations.push(ExpectedOperation {
                    method,
                    path: path.clone(),
                    summary,
                    statuses,
                });
            }
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

/// The label Redoc gives a status: the code, or a range such as `4XX`.
fn status_label(code: &StatusCode) -> String {
    match code {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(hundreds) => format!("{hundreds}XX"),
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
                "POST /v1/gadgets/{gadget_id}/polish",
                "GET /v1/gadgets/{gadget_id}",
                "DELETE /v1/gadgets/{gadget_id}",
                "GET /healthz",
            ]
        );
        let polish = &expected.operations[0];
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
}
