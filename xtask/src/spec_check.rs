//! `cargo xtask spec-check`: fails, naming the operation or schema, on what
//! would break the Rust generator or generators in other languages, and on
//! a schema or schema property without a `description`.
//!
//! The Rust types need no check here: every one is generated from the spec,
//! and ff-admin's unit tests hold its three hand-written drop-in types
//! against their generated namesakes.

mod descriptions;

use std::collections::BTreeMap;

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

    walk_schemas(spec, "", &mut |at, schema| {
        check_schema(spec, at, schema, &mut problems);
    });
    problems
}

/// Calls `f` on every object that has a `type` or `oneOf`, with its JSON path.
fn walk_schemas(value: &Value, at: &str, f: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            if map.contains_key("type") && map["type"].is_string() || map.contains_key("oneOf") {
                f(at, value);
            }
            for (k, v) in map {
                walk_schemas(v, &format!("{at}/{k}"), f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_schemas(v, &format!("{at}/{i}"), f);
            }
        }
        _ => {}
    }
}

fn check_schema(spec: &Value, at: &str, schema: &Value, problems: &mut Vec<String>) {
    if schema["type"] == "integer" {
        let format = schema["format"].as_str().unwrap_or("");
        if format.is_empty() {
            problems.push(format!("{at}: integer without a format"));
        }
        if format.starts_with("uint") {
            if schema.get("minimum").is_none() {
                problems.push(format!(
                    "{at}: unsigned integer ({format}) without `minimum`"
                ));
            }
            if schema.get("maximum").is_none() {
                problems.push(format!(
                    "{at}: unbounded {format}: give it its real `maximum` (other languages overflow)"
                ));
            }
        }
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        let Some(prop) = schema["discriminator"]["propertyName"].as_str() else {
            check_untagged_variants(spec, at, variants, problems);
            return;
        };
        for variant in variants {
            let name = variant["$ref"].as_str().unwrap_or("<inline>");
            let variant = spec_doc::resolve(spec, variant).unwrap_or(variant);
            let values = variant["properties"][prop]["enum"].as_array();
            if values.is_none_or(|v| v.len() != 1) {
                problems.push(format!(
                    "{at}: variant {name}: `{prop}` must be a one-value enum"
                ));
            }
            let required = variant["required"].as_array();
            if !required.is_some_and(|r| r.iter().any(|x| x == prop)) {
                problems.push(format!("{at}: variant {name}: `{prop}` must be required"));
            }
        }
        if let Some(mapping) = schema["discriminator"]["mapping"].as_object() {
            for (value, target) in mapping {
                let target_schema = target
                    .as_str()
                    .and_then(|t| spec.pointer(t.trim_start_matches('#')));
                let enum_value =
                    target_schema.and_then(|t| t["properties"][prop]["enum"][0].as_str());
                if enum_value != Some(value.as_str()) {
                    problems.push(format!(
                        "{at}: discriminator maps `{value}` to a variant whose `{prop}` is {enum_value:?}"
                    ));
                }
            }
        }
    }
}

/// A `oneOf` without a discriminator is how ff-server sends a Rust enum
/// without a tag: every variant must be externally tagged (an object with
/// exactly one property, required: `{"Created":{…}}`) or a string enum (a
/// unit variant: `"AlreadyApplied"`), and no tag may appear twice, so that a
/// generator can tell the variants apart by their tag alone.
fn check_untagged_variants(spec: &Value, at: &str, variants: &[Value], problems: &mut Vec<String>) {
    let mut tags: BTreeMap<String, String> = BTreeMap::new();
    for (i, variant) in variants.iter().enumerate() {
        let name = variant["$ref"]
            .as_str()
            .map_or_else(|| format!("<inline {i}>"), str::to_owned);
        let variants = crate::codegen::gen::tagged_variants(spec, variant)
            .ok()
            .flatten();
        let Some(variants) = variants else {
            problems.push(format!(
                "{at}: oneOf without a discriminator, and variant {name} is neither an \
                 externally tagged object (exactly one property, required) nor a string enum"
            ));
            continue;
        };
        let variant_tags = variants.iter().flat_map(|v| {
            let names = v.get("enum").or_else(|| v.get("required"));
            names.and_then(Value::as_array).cloned().unwrap_or_default()
        });
        for tag in variant_tags.filter_map(|t| t.as_str().map(str::to_owned)) {
            if let Some(other) = tags.insert(tag.clone(), name.clone()) {
                problems.push(format!(
                    "{at}: variant tag `{tag}` appears in {other} and in {name}"
                ));
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::check_document;
    use serde_json::json;

    /// A document every rule accepts: an authenticated read whose answer
    /// is an untagged enum (`{"Created":{…}}` or a bare string), and the
    /// open `/metrics`.
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
                        "$ref": "#/components/schemas/Outcome"
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
                "Created": {"type": "object", "required": ["Created"], "properties": {"Created": {"$ref": "#/components/schemas/Thing"}}},
                "Done": {"type": "string", "enum": ["Ok", "AlreadyDone"]},
                "Outcome": {"oneOf": [{"$ref": "#/components/schemas/Created"}, {"$ref": "#/components/schemas/Done"}]}
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
        let outcome = "/components/schemas/Outcome";
        let cases = [
            ("/components/schemas/Thing/properties/n/maximum", None, "unbounded uint64"),
            ("/openapi", Some(json!("3.1.0")), "progenitor needs 3.0.x"),
            ("/security", Some(json!([])), "get_thing (GET /v1/things/{id}): no security requirement (only /healthz and /metrics are open)"),
            (&format!("{thing}/x-idempotent"), None, "get_thing (GET /v1/things/{id}): missing `x-idempotent: true|false`"),
            ("/paths/~1metrics/get/x-idempotent", Some(json!("yes")), "get_metrics (GET /metrics): missing `x-idempotent: true|false`"),
            (&format!("{thing}/responses/204"), Some(json!({"description": "none", "content": {}})), "get_thing (GET /v1/things/{id}): a 204 response declares a body"),
            (&format!("{outcome}/oneOf/1"), Some(json!({"$ref": "#/components/schemas/Thing"})), "/components/schemas/Outcome: oneOf without a discriminator, and variant #/components/schemas/Thing is neither"),
            (&format!("{outcome}/oneOf/1"), Some(json!({"type": "object", "required": ["A"], "properties": {"A": {"type": "string"}, "B": {"type": "string"}}})), "/components/schemas/Outcome: oneOf without a discriminator, and variant <inline 1> is neither"),
            ("/components/schemas/Done/enum", Some(json!(["Ok", "Created"])), "/components/schemas/Outcome: variant tag `Created` appears in #/components/schemas/Created and in #/components/schemas/Done"),
        ];
        for (at, value, want) in cases {
            let problems = check_document(&with(minimal(), at, value));
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "{want}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_status_variant_must_be_a_one_value_enum() {
        let mut spec = minimal();
        let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
        for (name, schema) in [
            (
                "A",
                json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["a"]}}}),
            ),
            (
                "B",
                json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}),
            ),
            (
                "AB",
                json!({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                   "discriminator": {"propertyName": "status"}}),
            ),
        ] {
            schemas.insert(name.into(), schema);
        }
        let problems = check_document(&spec);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("#/components/schemas/B") && p.contains("one-value enum")),
            "{problems:?}"
        );
    }
}
