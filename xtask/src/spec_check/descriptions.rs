//! Every schema under `components/schemas`, and every property of every
//! object schema in it, carries a `description`: the generated clients of
//! every language turn these into their documentation.
//!
//! Inline schemas are walked too: nested `properties`, array `items`, map
//! values (`additionalProperties`) and inline `oneOf`/`anyOf`/`allOf`
//! variants. A property that is only a `$ref` cannot carry a description of
//! its own in OpenAPI 3.0 (siblings of `$ref` are ignored), so it counts as
//! described when the schema it points at has one.

use serde_json::Value;

use crate::spec_doc;

/// One line per schema or property without a description, naming it
/// (`Schema.property.nested`); empty when everything is described.
pub fn check(spec: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return problems;
    };
    for (name, schema) in schemas {
        if schema.get("$ref").is_none() && !described(schema) {
            problems.push(format!("schema {name} has no description"));
        }
        walk(spec, name, schema, &mut problems);
    }
    problems
}

fn described(schema: &Value) -> bool {
    schema
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.trim().is_empty())
}

/// Checks the properties of the inline schema `node` (at `at`) and walks
/// into the inline schemas it holds. A `$ref` is not followed: the schema
/// it names is checked under its own name.
fn walk(spec: &Value, at: &str, node: &Value, problems: &mut Vec<String>) {
    if node.get("$ref").is_some() {
        return;
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let here = format!("{at}.{name}");
            match property.get("$ref").and_then(Value::as_str) {
                Some(reference) => match spec_doc::resolve(spec, property) {
                    Ok(target) if described(target) => {}
                    Ok(_) => problems.push(format!(
                        "{here} has no description: it is a $ref to {reference}, which has none"
                    )),
                    Err(e) => problems.push(format!("{here}: {e}")),
                },
                None if !described(property) => {
                    problems.push(format!("{here} has no description"));
                }
                None => {}
            }
            walk(spec, &here, property, problems);
        }
    }
    if let Some(items) = node.get("items") {
        walk(spec, &format!("{at}[]"), items, problems);
    }
    if let Some(values) = node.get("additionalProperties") {
        walk(spec, &format!("{at}{{}}"), values, problems);
    }
    for keyword in ["oneOf", "anyOf", "allOf"] {
        for (i, variant) in node
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            walk(spec, &format!("{at}/{keyword}/{i}"), variant, problems);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::{json, Value};

    /// A document where everything is described: a `$ref` property to a
    /// described schema, a nested object, an array of inline objects, a map
    /// of inline objects and an inline `oneOf` variant.
    fn described() -> Value {
        json!({"components": {"schemas": {
            "Id": {"type": "string", "description": "An id."},
            "Thing": {
                "type": "object",
                "description": "A thing.",
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "owner": {
                        "type": "object",
                        "description": "Who owns it.",
                        "properties": {"name": {"type": "string", "description": "The owner's name."}}
                    },
                    "parts": {
                        "type": "array",
                        "description": "Its parts.",
                        "items": {"type": "object", "properties": {"n": {"type": "integer", "description": "Part number."}}}
                    },
                    "labels": {
                        "type": "object",
                        "description": "Labels by key.",
                        "additionalProperties": {"type": "object", "properties": {"v": {"type": "string", "description": "The value."}}}
                    }
                }
            },
            "Outcome": {
                "description": "An outcome.",
                "oneOf": [
                    {"$ref": "#/components/schemas/Thing"},
                    {"type": "object", "properties": {"Done": {"type": "boolean", "description": "Done."}}}
                ]
            }
        }}})
    }

    fn without(spec: Value, pointer: &str) -> Value {
        crate::spec_check::tests::with(spec, pointer, None)
    }

    #[test]
    fn a_described_document_passes() {
        assert_eq!(check(&described()), Vec::<String>::new());
    }

    #[test]
    fn each_missing_description_is_named() {
        let s = "/components/schemas/Thing";
        let cases = [
            (
                format!("{s}/description"),
                "schema Thing has no description",
            ),
            (
                format!("{s}/properties/owner/properties/name/description"),
                "Thing.owner.name has no description",
            ),
            (
                format!("{s}/properties/parts/items/properties/n/description"),
                "Thing.parts[].n has no description",
            ),
            (
                format!("{s}/properties/labels/additionalProperties/properties/v/description"),
                "Thing.labels{}.v has no description",
            ),
            (
                "/components/schemas/Outcome/oneOf/1/properties/Done/description".to_owned(),
                "Outcome/oneOf/1.Done has no description",
            ),
        ];
        for (pointer, expected) in cases {
            let problems = check(&without(described(), &pointer));
            assert_eq!(problems, vec![expected.to_owned()], "removing {pointer}");
        }
    }

    #[test]
    fn a_ref_property_needs_a_described_target() {
        let problems = check(&without(described(), "/components/schemas/Id/description"));
        assert_eq!(
            problems,
            vec![
                "schema Id has no description".to_owned(),
                "Thing.id has no description: it is a $ref to #/components/schemas/Id, which has none"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn an_empty_description_counts_as_missing() {
        let mut spec = described();
        spec["components"]["schemas"]["Thing"]["properties"]["owner"]["description"] = json!("  ");
        assert_eq!(
            check(&spec),
            vec!["Thing.owner has no description".to_owned()]
        );
    }
}
