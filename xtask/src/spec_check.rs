//! `cargo xtask spec-check`: fails, naming the operation or schema, on what
//! would break the Rust generator or generators in other languages, and on
//! a schema or schema property without a `description`.
//!
//! The Rust types need no check here: every one is generated from the spec,
//! and ff-admin's unit tests hold its three hand-written drop-in types
//! against their generated namesakes.

mod descriptions;

use anyhow::{bail, Context as _};
use serde_json::Value;

use crate::spec_doc::{self, Operation};

/// Runs every check and reports all problems at once.
pub fn run() -> anyhow::Result<()> {
    let root = ff_admin_devenv::workspace_root();
    let yaml = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    let spec = spec_doc::parse("openapi.yaml", &yaml).map_err(anyhow::Error::msg)?;
    let mut problems = check_document(&spec);
    problems.extend(descriptions::check(&spec));
    if let Err(e) = crate::codegen::gen::generate(&yaml) {
        problems.push(format!("the Rust generator fails: {e}"));
    }
    if problems.is_empty() {
        let ops = spec_doc::operations(&spec).map_or(0, Iterator::count);
        println!("spec-check: openapi.yaml is clean ({ops} operations)");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("spec-check: {p}");
        }
        bail!("{} problem(s) in openapi.yaml", problems.len())
    }
}

/// The paths ff-server serves outside its authentication layer: the only
/// operations that may declare no security requirement.
const OPEN_PATHS: &[&str] = &["/healthz", "/metrics"];

/// Every structural rule, on the document as data.
pub fn check_document(spec: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match spec["openapi"].as_str() {
        Some(v) if v.starts_with("3.0.") => {}
        other => problems.push(format!("openapi version {other:?}: progenitor needs 3.0.x")),
    }

    // Operation ids, summaries, descriptions, path parameters and 2xx
    // answers are redocly's rules (`redocly.yaml` makes each an error).
    for Operation {
        path, method, op, ..
    } in spec_doc::operations(spec).into_iter().flatten()
    {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("?");
        let label = format!("{id} ({} {path})", method.to_uppercase());
        if !op.get("x-idempotent").is_some_and(Value::is_boolean) {
            problems.push(format!(
                "{label}: missing `x-idempotent: true|false` (retry classes come from it)"
            ));
        }
        let no_content_body = op["responses"]["204"].get("content").is_some();
        if no_content_body {
            problems.push(format!("{label}: a 204 response declares a body"));
        }
        let security = op.get("security").or_else(|| spec.get("security"));
        let open = security
            .and_then(Value::as_array)
            .is_none_or(|s| s.is_empty());
        if open && !OPEN_PATHS.contains(&path) {
            problems.push(format!(
                "{label}: no security requirement (only {} are open)",
                OPEN_PATHS.join(" and ")
            ));
        }
    }

    check_integers(spec, "", &mut problems);
    problems
}

/// Every integer schema under `value` (at JSON path `at`) has a format,
/// and an unsigned one its real bounds: other languages overflow without.
fn check_integers(value: &Value, at: &str, problems: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    if value["type"] == "integer" {
        let format = value["format"].as_str().unwrap_or("");
        if format.is_empty() {
            problems.push(format!("{at}: integer without a format"));
        }
        if format.starts_with("uint") && value.get("minimum").is_none() {
            problems.push(format!(
                "{at}: unsigned integer ({format}) without `minimum`"
            ));
        }
        if format.starts_with("uint") && value.get("maximum").is_none() {
            problems.push(format!(
                "{at}: unbounded {format}: give it its real `maximum` (other languages overflow)"
            ));
        }
    }
    for (key, child) in children {
        check_integers(child, &format!("{at}/{key}"), problems);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::check_document;
    use serde_json::json;

    /// A document every rule accepts: an authenticated read and the open
    /// `/metrics`.
    fn minimal() -> serde_json::Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "security": [{"bearerAuth": []}],
            "paths": {
                "/v1/things/{id}": {"get": {
                    "operationId": "get_thing",
                    "x-idempotent": true,
                    "summary": "s", "description": "d",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Thing"
                    }}}}}
                }},
                "/metrics": {"get": {
                    "operationId": "get_metrics",
                    "x-idempotent": true,
                    "summary": "s", "description": "d",
                    "security": [],
                    "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}}
                }}
            },
            "components": {"schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "format": "uint64", "minimum": 0, "maximum": 18446744073709551615u64}}
                },
            }}
        })
    }

    #[test]
    fn a_clean_document_passes() {
        assert_eq!(check_document(&minimal()), Vec::<String>::new());
    }

    /// `spec` with the value at JSON pointer `at` replaced by `value`, or
    /// removed when `value` is `None`.
    pub(crate) fn with(
        mut spec: serde_json::Value,
        at: &str,
        value: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let (parent, key) = at.rsplit_once('/').expect("a pointer");
        let parent = spec.pointer_mut(parent).expect("the parent exists");
        match (value, parent) {
            (Some(v), serde_json::Value::Array(items)) => items[key.parse::<usize>().unwrap()] = v,
            (Some(v), parent) => parent[key] = v,
            (None, parent) => {
                parent
                    .as_object_mut()
                    .unwrap()
                    .remove(key)
                    .expect("the key exists");
            }
        }
        spec
    }

    #[test]
    fn each_rule_names_the_operation() {
        let thing = "/paths/~1v1~1things~1{id}/get";
        let cases = [
            ("/components/schemas/Thing/properties/n/maximum", None, "unbounded uint64"),
            ("/openapi", Some(json!("3.1.0")), "progenitor needs 3.0.x"),
            ("/security", Some(json!([])), "get_thing (GET /v1/things/{id}): no security requirement (only /healthz and /metrics are open)"),
            (&format!("{thing}/x-idempotent"), None, "get_thing (GET /v1/things/{id}): missing `x-idempotent: true|false`"),
            ("/paths/~1metrics/get/x-idempotent", Some(json!("yes")), "get_metrics (GET /metrics): missing `x-idempotent: true|false`"),
            (&format!("{thing}/responses/204"), Some(json!({"description": "none", "content": {}})), "get_thing (GET /v1/things/{id}): a 204 response declares a body"),
        ];
        for (at, value, want) in cases {
            let problems = check_document(&with(minimal(), at, value));
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "{want}: {problems:?}"
            );
        }
    }
}
