//! `cargo xtask spec-check`: fails, naming the operation or schema, on what
//! would break the Rust generator or generators in other languages, and on
//! hand-written `ff-admin` types that do not match the spec.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context as _};
use serde_json::Value;

/// Runs every check and reports all problems at once.
pub fn run() -> anyhow::Result<()> {
    let root = crate::root();
    let yaml = std::fs::read_to_string(root.join("openapi.yaml")).context("read openapi.yaml")?;
    let spec: Value = serde_yaml_ng::from_str(&yaml).context("openapi.yaml is not valid YAML")?;
    let mut problems = check_document(&spec);
    problems.extend(check_hand_written_types(&spec));
    if problems.is_empty() {
        let ops = operations(&spec).len();
        println!("spec-check: openapi.yaml is clean ({ops} operations); hand-written types match");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("spec-check: {p}");
        }
        bail!("{} problem(s) in openapi.yaml", problems.len())
    }
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(path, method, operation)` for every operation.
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = spec["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    out.push((path.clone(), method.to_string(), op));
                }
            }
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => value,
    }
}

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
    for (path, method, op) in operations(spec) {
        let label = format!("{} {path}", method.to_uppercase());
        let Some(id) = op.get("operationId").and_then(Value::as_str) else {
            problems.push(format!("{label}: missing operationId"));
            continue;
        };
        let label = format!("{id} ({label})");
        if let Some(prev) = seen_ids.insert(id.to_owned(), label.clone()) {
            problems.push(format!("{label}: operationId also used by {prev}"));
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
            .map(|p| resolve(spec, p))
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
                    let response = resolve(spec, response);
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
        if open && path != "/healthz" {
            problems.push(format!(
                "{label}: no security requirement (only /healthz is open)"
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
            problems.push(format!("{at}: oneOf without a discriminator"));
            return;
        };
        for variant in variants {
            let name = variant["$ref"].as_str().unwrap_or("<inline>");
            let variant = resolve(spec, variant);
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

/// The shape of a schema that matters on the wire: property name to JSON
/// type, and the required set.
#[derive(Debug, PartialEq)]
struct Shape {
    properties: BTreeMap<String, String>,
    required: BTreeSet<String>,
}

fn json_type(spec: &Value, schema: &Value) -> String {
    let schema = resolve(spec, schema);
    if let Some(t) = schema["type"].as_str() {
        return t.to_owned();
    }
    if let Some(types) = schema["type"].as_array() {
        // schemars writes `["string", "null"]` for `Option<String>`.
        let non_null: Vec<&str> = types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect();
        return non_null.join("|");
    }
    "<untyped>".to_owned()
}

fn shape(spec: &Value, schema: &Value) -> Shape {
    let schema = resolve(spec, schema);
    let properties = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json_type(spec, v)))
        .collect();
    let required = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Shape {
        properties,
        required,
    }
}

fn schemars_value<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialize")
}

/// The hand-written request and response types of `ff-admin` must have
/// exactly the properties, types and required set of their spec schema.
fn check_hand_written_types(spec: &Value) -> Vec<String> {
    use ff_admin::*;
    let mut problems = Vec::new();
    let component = |name: &str| spec["components"]["schemas"][name].clone();
    let mut pair = |rust: &str, ours: Value, theirs: &str| {
        let ours = shape(&ours, &ours);
        let want = shape(spec, &component(theirs));
        if ours != want {
            problems.push(format!(
                "ff_admin::{rust} does not match #/components/schemas/{theirs}: ours {ours:?}, spec {want:?}"
            ));
        }
    };
    pair(
        "ClaimForWorkerRequest",
        schemars_value::<ClaimForWorkerRequest>(),
        "ClaimForWorkerBody",
    );
    pair(
        "ClaimForWorkerResponse",
        schemars_value::<ClaimForWorkerResponse>(),
        "ClaimGrant",
    );
    pair(
        "RotateWaitpointSecretRequest",
        schemars_value::<RotateWaitpointSecretRequest>(),
        "RotateWaitpointSecretBody",
    );
    pair(
        "RotateWaitpointSecretResponse",
        schemars_value::<RotateWaitpointSecretResponse>(),
        "RotateWaitpointSecretResult",
    );
    pair(
        "IssueReclaimGrantRequest",
        schemars_value::<IssueReclaimGrantRequest>(),
        "IssueReclaimGrantBody",
    );

    // The reclaim answer: one variant per spec variant, matched by `status`.
    let ours = schemars_value::<IssueReclaimGrantResponse>();
    let our_variants: BTreeMap<String, Shape> = ours["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let status = v["properties"]["status"]["enum"][0]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            (status, shape(&ours, v))
        })
        .collect();
    let spec_variants: BTreeMap<String, Shape> = component("IssueReclaimGrantResponse")["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let v = resolve(spec, v);
            let status = v["properties"]["status"]["enum"][0]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            (status, shape(spec, v))
        })
        .collect();
    if our_variants != spec_variants {
        problems.push(format!(
            "ff_admin::IssueReclaimGrantResponse does not match #/components/schemas/IssueReclaimGrantResponse: ours {our_variants:?}, spec {spec_variants:?}"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::check_document;
    use serde_json::json;

    fn minimal() -> serde_json::Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "security": [{"bearerAuth": []}],
            "paths": {
                "/v1/things/{id}": {"get": {
                    "operationId": "get_thing",
                    "summary": "s", "description": "d",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"n": {"type": "integer", "format": "uint64", "minimum": 0, "maximum": 18446744073709551615u64}}
                    }}}}}
                }}
            }
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
                    s["paths"]["/v1/things/{id}"]["get"]["responses"]["200"]["content"]
                        ["application/json"]["schema"]["properties"]["n"]
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
                "no security requirement",
                Box::new(|s| {
                    s["security"] = json!([]);
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
        spec["components"] = json!({"schemas": {
            "A": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["a"]}}},
            "B": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
            "AB": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                   "discriminator": {"propertyName": "status"}}
        }});
        let problems = check_document(&spec);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("#/components/schemas/B") && p.contains("one-value enum")),
            "{problems:?}"
        );
    }
}
