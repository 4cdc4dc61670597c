//! `cargo xtask spec-check`: fails, naming the operation or schema, on what
//! would break the Rust generator or generators in other languages, on a
//! schema or schema property without a `description`, and on hand-written
//! `ff-admin` types that do not match the spec.

mod descriptions;
mod pairs;
mod shape;

use std::collections::{BTreeMap, BTreeSet};

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
    let table = pairs::table();
    problems.extend(pairs::check(&spec, &table));
    if problems.is_empty() {
        let ops = spec_doc::operations(&spec).map_or(0, Iterator::count);
        let typed = table
            .iter()
            .filter(|p| matches!(p.ours, pairs::Ours::Type(..)))
            .count();
        println!(
            "spec-check: openapi.yaml is clean ({ops} operations); {typed} hand-written types match their schemas"
        );
        for p in &table {
            if let pairs::Ours::None(why) = p.ours {
                println!(
                    "spec-check: {} {} has no hand-written type: {why}",
                    p.op, p.part
                );
            }
        }
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

    // The document must load into openapiv3 (with maxima beyond i64, which
    // it cannot represent, taken out first).
    let mut loadable = spec.clone();
    drop_wide_maxima(&mut loadable);
    if let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(loadable) {
        problems.push(format!("openapiv3 cannot load the document: {e}"));
    }

    let mut seen_ids = BTreeMap::new();
    let operations = spec_doc::operations(spec).into_iter().flatten();
    for Operation {
        path, method, op, ..
    } in operations
    {
        let label = format!("{} {path}", method.to_uppercase());
        let Some(id) = op.get("operationId").and_then(Value::as_str) else {
            problems.push(format!("{label}: missing operationId"));
            continue;
        };
        let label = format!("{id} ({label})");
        if let Some(prev) = seen_ids.insert(id.to_owned(), label.clone()) {
            problems.push(format!("{label}: operationId also used by {prev}"));
        }
        if !op.get("x-idempotent").is_some_and(Value::is_boolean) {
            problems.push(format!(
                "{label}: missing `x-idempotent: true|false` (retry classes come from it)"
            ));
        }
        for field in ["summary", "description"] {
            if op
                .get(field)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                problems.push(format!("{label}: missing {field}"));
            }
        }

        // Path parameters: every `{name}` declared, every declaration used.
        let template: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
            .collect();
        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| spec_doc::resolve(spec, p).unwrap_or(p))
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        for missing in template.difference(&declared) {
            problems.push(format!(
                "{label}: path parameter `{missing}` is not declared"
            ));
        }
        for extra in declared.difference(&template) {
            problems.push(format!(
                "{label}: declares path parameter `{extra}` not in the path"
            ));
        }

        match op["responses"].as_object() {
            None => problems.push(format!("{label}: no responses")),
            Some(responses) => {
                if !responses.keys().any(|c| c.starts_with('2')) {
                    problems.push(format!("{label}: no 2xx response"));
                }
                for (code, response) in responses {
                    let response = spec_doc::resolve(spec, response).unwrap_or(response);
                    if response["description"].as_str().is_none_or(str::is_empty) {
                        problems.push(format!("{label}: response {code} has no description"));
                    }
                    if code == "204" && response.get("content").is_some() {
                        problems.push(format!("{label}: a 204 response declares a body"));
                    }
                }
            }
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
        let Some(variant_tags) = shape::external_tags(spec, variant) else {
            problems.push(format!(
                "{at}: oneOf without a discriminator, and variant {name} is neither an \
                 externally tagged object (exactly one property, required) nor a string enum"
            ));
            continue;
        };
        for tag in variant_tags {
            if let Some(other) = tags.insert(tag.clone(), name.clone()) {
                problems.push(format!(
                    "{at}: variant tag `{tag}` appears in {other} and in {name}"
                ));
            }
        }
    }
}

fn drop_wide_maxima(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("maximum").is_some_and(|m| m.as_i64().is_none()) {
                map.remove("maximum");
            }
            map.values_mut().for_each(drop_wide_maxima);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_wide_maxima),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn each_rule_names_the_operation() {
        type Mutation = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Mutation)> = vec![
            (
                "missing operationId",
                Box::new(|s| {
                    s["paths"]["/v1/things/{id}"]["get"]
                        .as_object_mut()
                        .unwrap()
                        .remove("operationId");
                }),
            ),
            (
                "`id` is not declared",
                Box::new(|s| {
                    s["paths"]["/v1/things/{id}"]["get"]["parameters"] = json!([]);
                }),
            ),
            (
                "response 200 has no description",
                Box::new(|s| {
                    s["paths"]["/v1/things/{id}"]["get"]["responses"]["200"]
                        .as_object_mut()
                        .unwrap()
                        .remove("description");
                }),
            ),
            (
                "unbounded uint64",
                Box::new(|s| {
                    s["components"]["schemas"]["Thing"]["properties"]["n"]
                        .as_object_mut()
                        .unwrap()
                        .remove("maximum");
                }),
            ),
            (
                "progenitor needs 3.0.x",
                Box::new(|s| {
                    s["openapi"] = json!("3.1.0");
                }),
            ),
            (
                "get_thing (GET /v1/things/{id}): no security requirement (only /healthz and /metrics are open)",
                Box::new(|s| {
                    s["security"] = json!([]);
                }),
            ),
            (
                "get_thing (GET /v1/things/{id}): missing `x-idempotent: true|false`",
                Box::new(|s| {
                    s["paths"]["/v1/things/{id}"]["get"]
                        .as_object_mut()
                        .unwrap()
                        .remove("x-idempotent");
                }),
            ),
            (
                "get_metrics (GET /metrics): missing `x-idempotent: true|false`",
                Box::new(|s| {
                    s["paths"]["/metrics"]["get"]["x-idempotent"] = json!("yes");
                }),
            ),
            (
                "/components/schemas/Outcome: oneOf without a discriminator, and variant #/components/schemas/Thing is neither",
                Box::new(|s| {
                    s["components"]["schemas"]["Outcome"]["oneOf"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!({"$ref": "#/components/schemas/Thing"}));
                }),
            ),
            (
                "/components/schemas/Outcome: oneOf without a discriminator, and variant <inline 1> is neither",
                Box::new(|s| {
                    s["components"]["schemas"]["Outcome"]["oneOf"][1] = json!({
                        "type": "object", "required": ["A"],
                        "properties": {"A": {"type": "string"}, "B": {"type": "string"}}
                    });
                }),
            ),
            (
                "/components/schemas/Outcome: variant tag `Created` appears in #/components/schemas/Created and in #/components/schemas/Done",
                Box::new(|s| {
                    s["components"]["schemas"]["Done"]["enum"] = json!(["Ok", "Created"]);
                }),
            ),
        ];
        for (want, mutate) in cases {
            let mut spec = minimal();
            mutate(&mut spec);
            let problems = check_document(&spec);
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
