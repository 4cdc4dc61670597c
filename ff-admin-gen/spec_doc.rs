//! The OpenAPI document as JSON values: parsing it, following its `$ref`s
//! and listing its operations.
//!
//! One source file for every crate that reads the spec. The build scripts
//! of `ff-admin-gen`, `ff-admin-mock` and `ff-admin-cli` compile it as a
//! module (the latter two through a symlink next to their `build.rs`, so
//! each packaged crate carries its own copy), and so do `xtask` and the
//! contract tests (through `#[path]`). It needs `serde_json` and
//! `yaml_serde`, nothing else.

use serde_json::Value;

/// The HTTP methods an OpenAPI 3.0 path item can hold, in the order
/// [`operations`] lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How many `$ref`s in a row [`resolve`] follows before it takes the chain
/// for a cycle.
const MAX_REF_HOPS: usize = 32;

/// Parses the YAML (or JSON) text of an OpenAPI document into JSON values.
/// `name` (the document's file name) is only used in the error.
pub fn parse(name: &str, text: &str) -> Result<Value, String> {
    yaml_serde::from_str(text).map_err(|e| format!("{name} is not valid YAML: {e}"))
}

/// Follows `value`'s `$ref`, a local reference (`#/components/...`, a JSON
/// pointer into `root`), then the target's, until a value that is not a
/// reference, and returns that value (`value` itself when it is none).
///
/// Fails, naming the reference, on one that is not local, one that points
/// at nothing, and on more than 32 references in a row (a cycle).
pub fn resolve<'a>(root: &'a Value, value: &'a Value) -> Result<&'a Value, String> {
    let mut value = value;
    let mut hops = 0;
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        if hops == MAX_REF_HOPS {
            return Err(format!(
                "$ref {reference} is more than {MAX_REF_HOPS} references in a row (a cycle?)"
            ));
        }
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| format!("$ref {reference} is not local (`#/...`)"))?;
        value = root
            .pointer(pointer)
            .ok_or_else(|| format!("dangling $ref {reference}"))?;
        hops += 1;
    }
    Ok(value)
}

/// One operation of an OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, as the document writes it (`/v1/executions/{id}`).
    pub path: &'a str,
    /// The HTTP method, lower case, as the path item's key (`get`).
    pub method: &'static str,
    /// The path item holding the operation (its `parameters` apply to
    /// every operation under it).
    pub item: &'a Value,
    /// The operation object.
    pub op: &'a Value,
}

/// Every operation of `spec`: the paths in the order of its `paths`
/// object, each path's methods in the order of [`METHODS`]. Fails when
/// `spec` has no `paths` object.
pub fn operations(spec: &Value) -> Result<impl Iterator<Item = Operation<'_>>, String> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI document has no `paths` object")?;
    Ok(paths.iter().flat_map(|(path, item)| {
        METHODS.iter().filter_map(move |&method| {
            item.get(method).map(|op| Operation {
                path,
                method,
                item,
                op,
            })
        })
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{operations, parse, resolve};

    #[test]
    fn resolve_follows_a_chain_of_references() {
        let root = json!({"components": {
            "a": {"$ref": "#/components/b"},
            "b": {"$ref": "#/components/c~1d"},
            "c/d": {"type": "string"},
        }});
        let start = json!({"$ref": "#/components/a"});
        assert_eq!(resolve(&root, &start), Ok(&json!({"type": "string"})));
        let plain = json!({"type": "integer"});
        assert_eq!(resolve(&root, &plain), Ok(&plain));
    }

    #[test]
    fn resolve_names_the_reference_it_cannot_follow() {
        let root = json!({"components": {
            "loop": {"$ref": "#/components/loop"},
            "gone": {"$ref": "#/components/nothing"},
        }});
        let cases = [
            ("#/components/gone", "dangling $ref #/components/nothing"),
            ("other.yaml#/x", "$ref other.yaml#/x is not local"),
            ("#/components/loop", "more than 32 references in a row"),
        ];
        for (reference, want) in cases {
            let err = resolve(&root, &json!({"$ref": reference})).expect_err(reference);
            assert!(err.contains(want), "{reference}: {err}");
        }
    }

    #[test]
    fn operations_lists_paths_in_order_and_each_path_s_methods_in_method_order() {
        let spec = parse(
            "test.yaml",
            "paths:\n  /b:\n    parameters: []\n    post: {operationId: b_post}\n    get: {operationId: b_get}\n  /a:\n    delete: {operationId: a_delete}\n",
        )
        .expect("parses");
        let found: Vec<(&str, &str, &str)> = operations(&spec)
            .expect("paths")
            .map(|o| (o.path, o.method, o.op["operationId"].as_str().expect("id")))
            .collect();
        let b: Vec<&str> = found
            .iter()
            .filter(|(path, ..)| *path == "/b")
            .map(|(_, _, id)| *id)
            .collect();
        assert_eq!(b, ["b_get", "b_post"]);
        let mut paths: Vec<&str> = found.iter().map(|(path, ..)| *path).collect();
        paths.dedup();
        let keys: Vec<&str> = spec["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(paths, keys);
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn errors_name_what_is_missing() {
        assert_eq!(
            operations(&json!({"openapi": "3.0.3"})).err().as_deref(),
            Some("the OpenAPI document has no `paths` object")
        );
        let err = parse("broken.yaml", "paths: [").expect_err("not YAML");
        assert!(err.starts_with("broken.yaml is not valid YAML: "), "{err}");
    }
}
