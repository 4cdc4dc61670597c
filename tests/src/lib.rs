//! Helpers shared by the contract tests: the published spec (and
//! [`spec_doc`], the spec reader the build scripts use), the live server
//! harness, ff-server's route list and its comparison with the spec, raw
//! TCP servers for faults an HTTP mock cannot produce, a
//! fault-injecting proxy for the live server, and the process's memory
//! figures.

pub mod fault_proxy;
pub mod live;
pub mod live_ops;
pub mod memory;
pub mod route_coverage;
pub mod router_routes;
pub mod scripted;
#[path = "../../ff-admin-gen/spec_doc.rs"]
pub mod spec_doc;
pub mod wire;

/// The workspace README, compiled as a doc test so its quickstart cannot rot.
#[doc = include_str!("../../README.md")]
pub mod readme {}

use std::net::SocketAddr;
use std::path::Path;

use tokio::net::TcpListener;

/// The workspace's `openapi.yaml`, parsed. Panics if it cannot be read or
/// parsed.
pub fn spec() -> serde_json::Value {
    let path = ff_admin_devenv::workspace_root().join("openapi.yaml");
    load_spec(&path).unwrap_or_else(|e| panic!("{e:#}"))
}

/// An OpenAPI document (YAML or JSON) read from `path`, as JSON values.
pub fn load_spec(path: &Path) -> anyhow::Result<serde_json::Value> {
    use anyhow::Context as _;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    spec_doc::parse(&path.display().to_string(), &text).map_err(anyhow::Error::msg)
}

/// One documented answer of one operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocumentedAnswer {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The status code.
    pub status: u16,
    /// The content type, or `None` for an answer without a body.
    pub content_type: Option<String>,
}

/// Every `(operationId, status, content type)` the spec documents.
pub fn documented_answers() -> Vec<DocumentedAnswer> {
    let spec = spec();
    let mut answers = Vec::new();
    for spec_doc::Operation { op, .. } in spec_doc::operations(&spec).expect("paths") {
        let Some(op_id) = op.get("operationId").and_then(|v| v.as_str()) else {
            continue;
        };
        for (status, response) in op["responses"].as_object().expect("responses") {
            let response = spec_doc::resolve(&spec, response).unwrap_or_else(|e| panic!("{e}"));
            let status: u16 = status.parse().expect("numeric status");
            match response.get("content").and_then(|c| c.as_object()) {
                Some(content) => {
                    for content_type in content.keys() {
                        answers.push(DocumentedAnswer {
                            operation_id: op_id.to_owned(),
                            status,
                            content_type: Some(content_type.clone()),
                        });
                    }
                }
                None => answers.push(DocumentedAnswer {
                    operation_id: op_id.to_owned(),
                    status,
                    content_type: None,
                }),
            }
        }
    }
    answers.sort();
    answers
}

/// An address on which nothing listens (bound, then released).
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}
