//! The wire shape of a JSON schema: what JSON it admits, normalized so that
//! a schemars schema of a hand-written type (JSON Schema draft 7) and the
//! spec's OpenAPI 3.0 schema that describe the same JSON compare equal.
//!
//! Kept: property names, which are required, which may be `null`, JSON
//! types, integer formats (`uint64`, `int32`, …), string enum values, array
//! items, map values, and enum variants (externally tagged, `{"Tag":{…}}` or
//! a bare `"Tag"`, and internally tagged by one property). Dropped:
//! descriptions, examples, defaults and value constraints (patterns,
//! lengths, ranges), which the server checks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::spec_doc;

/// Nesting deeper than this is reported instead of followed (a schema that
/// refers to itself).
const MAX_DEPTH: usize = 32;

/// What JSON a schema admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// No type given: any JSON.
    Any,
    /// `true` or `false`.
    Bool,
    /// Any string.
    Str,
    /// One of these strings.
    StrEnum(BTreeSet<String>),
    /// An integer of this format (`""` when none is given).
    Int(String),
    /// A number.
    Num,
    /// An array of this.
    Array(Box<Shape>),
    /// An object whose every value is this (a map).
    Map(Box<Shape>),
    /// An object with these properties.
    Object(BTreeMap<String, Field>),
    /// A Rust enum without a tag: each variant is `{"Tag": inner}`, or the
    /// bare string `"Tag"` for a unit variant (`None`).
    External(BTreeMap<String, Option<Shape>>),
    /// A Rust enum tagged by property `tag`: the tag value to the other
    /// properties of that variant.
    Internal {
        /// The tag property.
        tag: String,
        /// Tag value to the variant's other properties.
        variants: BTreeMap<String, BTreeMap<String, Field>>,
    },
    /// A schema this module cannot read, and why.
    Unsupported(String),
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Listed in `required`.
    pub required: bool,
    /// May be `null` (`nullable: true`, `type: [_, "null"]` or an `anyOf`
    /// with `{"type": "null"}`).
    pub nullable: bool,
    /// Its value.
    pub shape: Shape,
}

/// The shape of `schema`, whose `$ref`s point into `root`.
pub fn of(root: &Value, schema: &Value) -> Shape {
    read(root, schema, 0).0
}

/// The shape of `schema` and whether it admits `null`.
fn read(root: &Value, schema: &Value, depth: usize) -> (Shape, bool) {
    if depth > MAX_DEPTH {
        return (
            Shape::Unsupported(format!("nested deeper than {MAX_DEPTH}")),
            false,
        );
    }
    let schema = match spec_doc::resolve(root, schema) {
        Ok(schema) => schema,
        Err(e) => return (Shape::Unsupported(e), schema["nullable"] == true),
    };
    let nullable = schema["nullable"] == true;

    // schemars wraps a `$ref` that has a description in a one-item `allOf`.
    if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
        let (shape, inner_nullable) = read(root, only, depth + 1);
        return (shape, nullable || inner_nullable);
    }
    // schemars writes `Option<T>` of a named type as `anyOf: [T, null]`.
    if let Some(options) = schema["anyOf"].as_array() {
        let (nulls, others): (Vec<&Value>, Vec<&Value>) =
            options.iter().partition(|o| o["type"] == "null");
        return match others.as_slice() {
            [only] => {
                let (shape, inner_nullable) = read(root, only, depth + 1);
                (shape, nullable || inner_nullable || !nulls.is_empty())
            }
            _ => (
                Shape::Unsupported("anyOf of several schemas".into()),
                nullable,
            ),
        };
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        return (one_of(root, variants, depth), nullable);
    }

    let (ty, type_nullable) = match &schema["type"] {
        Value::String(t) => (Some(t.as_str()), false),
        Value::Array(types) => {
            let named: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match named.as_slice() {
                [one] => (Some(*one), named.len() < types.len()),
                _ => {
                    return (
                        Shape::Unsupported(format!("several types {types:?}")),
                        nullable,
                    )
                }
            }
        }
        _ => (None, false),
    };
    let nullable = nullable || type_nullable;
    let shape = match ty {
        None => Shape::Any,
        Some("boolean") => Shape::Bool,
        Some("number") => Shape::Num,
        Some("integer") => Shape::Int(schema["format"].as_str().unwrap_or("").to_owned()),
        Some("string") => match schema["enum"].as_array() {
            Some(values) => Shape::StrEnum(
                values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect(),
            ),
            None => Shape::Str,
        },
        Some("array") => Shape::Array(Box::new(read(root, &schema["items"], depth + 1).0)),
        Some("object") => object(root, schema, depth),
        Some(other) => Shape::Unsupported(format!("type {other}")),
    };
    (shape, nullable)
}

fn object(root: &Value, schema: &Value, depth: usize) -> Shape {
    let properties = schema["properties"].as_object();
    match (&schema["additionalProperties"], properties) {
        (Value::Object(values), None) => {
            return Shape::Map(Box::new(
                read(root, &Value::Object(values.clone()), depth + 1).0,
            ))
        }
        (Value::Bool(true), None) => return Shape::Map(Box::new(Shape::Any)),
        _ => {}
    }
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    Shape::Object(
        properties
            .into_iter()
            .flatten()
            .map(|(name, value)| {
                let (shape, nullable) = read(root, value, depth + 1);
                let field = Field {
                    required: required.contains(name.as_str()),
                    nullable,
                    shape,
                };
                (name.clone(), field)
            })
            .collect(),
    )
}

/// The tags of one `oneOf` variant if it is externally tagged: the one
/// property of an object that has exactly one, required; or the values of
/// a string enum. `None` for any other variant.
pub fn external_tags(root: &Value, variant: &Value) -> Option<Vec<String>> {
    let variant = spec_doc::resolve(root, variant).unwrap_or(variant);
    if variant["type"] == "string" {
        return variant["enum"].as_array().map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        });
    }
    let properties = variant["properties"].as_object()?;
    let [(name, _)] = properties.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let required = variant["required"].as_array()?;
    (required.len() == 1 && required[0] == name.as_str()).then(|| vec![name.clone()])
}

fn one_of(root: &Value, variants: &[Value], depth: usize) -> Shape {
    let shapes: Vec<Shape> = variants
        .iter()
        .map(|v| read(root, v, depth + 1).0)
        .collect();
    if let [only] = shapes.as_slice() {
        return only.clone();
    }
    if shapes.iter().all(|s| matches!(s, Shape::StrEnum(_))) {
        let mut all = BTreeSet::new();
        for shape in shapes {
            if let Shape::StrEnum(values) = shape {
                all.extend(values);
            }
        }
        return Shape::StrEnum(all);
    }
    if variants.iter().all(|v| external_tags(root, v).is_some()) {
        let mut tags = BTreeMap::new();
        for shape in shapes {
            let entries: Vec<(String, Option<Shape>)> = match shape {
                Shape::StrEnum(values) => values.into_iter().map(|v| (v, None)).collect(),
                Shape::Object(fields) => fields
                    .into_iter()
                    .map(|(tag, field)| (tag, Some(field.shape)))
                    .collect(),
                other => return Shape::Unsupported(format!("variant {other}")),
            };
            for (tag, inner) in entries {
                if tags.insert(tag.clone(), inner).is_some() {
                    return Shape::Unsupported(format!("variant tag `{tag}` used twice"));
                }
            }
        }
        return Shape::External(tags);
    }
    internal(&shapes).unwrap_or_else(|| {
        Shape::Unsupported(
            "oneOf whose variants are neither externally tagged nor tagged by one property".into(),
        )
    })
}

/// Variants that are all objects sharing one required property whose value
/// is a one-value string enum, distinct per variant.
fn internal(shapes: &[Shape]) -> Option<Shape> {
    let objects: Vec<&BTreeMap<String, Field>> = shapes
        .iter()
        .map(|s| match s {
            Shape::Object(fields) => Some(fields),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let tag_value = |fields: &BTreeMap<String, Field>, name: &str| match fields.get(name) {
        Some(Field {
            required: true,
            nullable: false,
            shape: Shape::StrEnum(values),
        }) if values.len() == 1 => values.iter().next().cloned(),
        _ => None,
    };
    let tag = objects
        .first()?
        .keys()
        .find(|name| objects.iter().all(|o| tag_value(o, name).is_some()))?
        .clone();
    let mut variants = BTreeMap::new();
    for fields in objects {
        let value = tag_value(fields, &tag)?;
        let mut rest = fields.clone();
        rest.remove(&tag);
        if variants.insert(value, rest).is_some() {
            return None;
        }
    }
    Some(Shape::Internal { tag, variants })
}

/// Every difference between `ours` (a hand-written type) and `spec`, each
/// naming where (`at`, e.g. `ExecutionInfo.state_vector.public_state`).
///
/// One leniency: a hand-written `String` matches a spec string enum (the
/// client keeps values a newer server may add readable).
pub fn diff(ours: &Shape, spec: &Shape, at: &str, out: &mut Vec<String>) {
    match (ours, spec) {
        (Shape::Unsupported(why), _) => out.push(format!("{at}: ours cannot be compared: {why}")),
        (_, Shape::Unsupported(why)) => {
            out.push(format!("{at}: the spec's cannot be compared: {why}"));
        }
        (Shape::Str, Shape::StrEnum(_)) => {}
        (Shape::StrEnum(a), Shape::StrEnum(b)) => {
            if a != b {
                out.push(format!(
                    "{at}: values ours only {:?}, spec only {:?}",
                    a.difference(b).collect::<Vec<_>>(),
                    b.difference(a).collect::<Vec<_>>()
                ));
            }
        }
        (Shape::Array(a), Shape::Array(b)) => diff(a, b, &format!("{at}[]"), out),
        (Shape::Map(a), Shape::Map(b)) => diff(a, b, &format!("{at}{{}}"), out),
        (Shape::Object(a), Shape::Object(b)) => fields(a, b, at, out),
        (Shape::External(a), Shape::External(b)) => {
            for tag in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let here = format!("{at}::{tag}");
                match (a.get(tag), b.get(tag)) {
                    (Some(Some(x)), Some(Some(y))) => diff(x, y, &here, out),
                    (Some(None), Some(None)) => {}
                    (Some(x), Some(y)) => out.push(format!(
                        "{here}: ours {}, spec {}",
                        variant_kind(x),
                        variant_kind(y)
                    )),
                    (Some(_), None) => out.push(format!("{here}: variant not in the spec")),
                    (None, _) => out.push(format!("{here}: spec variant missing from ours")),
                }
            }
        }
        (
            Shape::Internal {
                tag: tag_a,
                variants: a,
            },
            Shape::Internal {
                tag: tag_b,
                variants: b,
            },
        ) => {
            if tag_a != tag_b {
                out.push(format!("{at}: tagged by `{tag_a}`, the spec by `{tag_b}`"));
                return;
            }
            for value in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let here = format!("{at}[{tag_a}={value}]");
                match (a.get(value), b.get(value)) {
                    (Some(x), Some(y)) => fields(x, y, &here, out),
                    (Some(_), None) => out.push(format!("{here}: variant not in the spec")),
                    (None, _) => out.push(format!("{here}: spec variant missing from ours")),
                }
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{at}: ours {a}, spec {b}")),
    }
}

fn variant_kind(inner: &Option<Shape>) -> String {
    match inner {
        None => "a bare string".into(),
        Some(shape) => format!("{{\"…\": {shape}}}"),
    }
}

fn fields(
    ours: &BTreeMap<String, Field>,
    spec: &BTreeMap<String, Field>,
    at: &str,
    out: &mut Vec<String>,
) {
    for name in ours.keys().chain(spec.keys()).collect::<BTreeSet<_>>() {
        let here = format!("{at}.{name}");
        match (ours.get(name), spec.get(name)) {
            (Some(a), Some(b)) => {
                if !presence_matches(a, b) {
                    out.push(format!(
                        "{here}: ours is {}, the spec's is {}",
                        presence(a),
                        presence(b)
                    ));
                }
                diff(&a.shape, &b.shape, &here, out);
            }
            (Some(_), None) => out.push(format!("{here}: not in the spec")),
            (None, Some(_)) => out.push(format!("{here}: in the spec, missing from ours")),
            (None, None) => {}
        }
    }
}

/// Whether a hand-written field reads and writes what the spec's admits.
/// A Rust `Option` (schemars: not required, nullable) fits any spec field
/// that may be absent or null; anything else must agree exactly.
fn presence_matches(ours: &Field, spec: &Field) -> bool {
    if !ours.required && ours.nullable {
        return !spec.required || spec.nullable;
    }
    ours.required == spec.required && ours.nullable == spec.nullable
}

fn presence(field: &Field) -> &'static str {
    match (field.required, field.nullable) {
        (true, false) => "required",
        (true, true) => "required but nullable",
        (false, false) => "optional",
        (false, true) => "optional and nullable",
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::Bool => f.write_str("boolean"),
            Self::Str => f.write_str("string"),
            Self::StrEnum(values) => write!(f, "enum {values:?}"),
            Self::Int(format) if format.is_empty() => f.write_str("integer"),
            Self::Int(format) => write!(f, "integer ({format})"),
            Self::Num => f.write_str("number"),
            Self::Array(items) => write!(f, "array of {items}"),
            Self::Map(values) => write!(f, "map of {values}"),
            Self::Object(fields) => {
                let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                write!(f, "object {{{}}}", names.join(", "))
            }
            Self::External(tags) => {
                let names: Vec<&str> = tags.keys().map(String::as_str).collect();
                write!(f, "untagged enum [{}]", names.join(", "))
            }
            Self::Internal { tag, variants } => {
                let names: Vec<&str> = variants.keys().map(String::as_str).collect();
                write!(f, "enum tagged by `{tag}` [{}]", names.join(", "))
            }
            Self::Unsupported(why) => write!(f, "unreadable ({why})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{diff, of, Shape};
    use serde_json::json;

    fn problems(ours: serde_json::Value, spec: serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        diff(&of(&ours, &ours), &of(&spec, &spec), "T", &mut out);
        out
    }

    #[test]
    fn schemars_and_openapi_spellings_of_the_same_json_agree() {
        let ours = json!({
            "definitions": {"S": {"oneOf": [{"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["b"]}]}},
            "type": "object",
            "required": ["n", "s"],
            "properties": {
                "n": {"type": "integer", "format": "uint64", "minimum": 0.0},
                "s": {"allOf": [{"$ref": "#/definitions/S"}], "description": "d"},
                "o": {"type": ["string", "null"]},
                "m": {"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}}
            }
        });
        let spec = json!({
            "components": {"schemas": {"S": {"type": "string", "enum": ["b", "a"]}}},
            "type": "object",
            "required": ["n", "s", "o"],
            "properties": {
                "n": {"type": "integer", "format": "uint64", "maximum": 18446744073709551615u64},
                "s": {"$ref": "#/components/schemas/S"},
                "o": {"type": "string", "nullable": true},
                "m": {"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}}
            }
        });
        assert_eq!(problems(ours, spec), Vec::<String>::new());
    }

    #[test]
    fn nested_names_types_and_presence_are_compared() {
        let ours = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer", "format": "uint32"}}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"y": {"type": "string"}}}}
        }});
        let spec = json!({"type": "object", "required": ["a", "list"], "properties": {
            "a": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer", "format": "uint64"}}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"z": {"type": "string"}}}}
        }});
        let got = problems(ours, spec);
        assert!(
            got.iter()
                .any(|p| p.starts_with("T.a.x: ours integer (uint32), spec integer (uint64)")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|p| p.starts_with("T.list: ours is optional, the spec's is required")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|p| p.starts_with("T.list[].y: not in the spec")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|p| p.starts_with("T.list[].z: in the spec, missing from ours")),
            "{got:?}"
        );
    }

    #[test]
    fn untagged_enums_compare_tags_and_inner_shapes() {
        let ours = json!({"oneOf": [
            {"type": "string", "enum": ["Ok"]},
            {"type": "object", "required": ["Hard"], "properties": {"Hard": {"type": "object", "required": ["n"], "properties": {"n": {"type": "string"}}}}}
        ]});
        let spec = json!({"oneOf": [
            {"type": "string", "enum": ["Ok", "Again"]},
            {"type": "object", "required": ["Hard"], "properties": {"Hard": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "format": "uint64"}}}}}
        ]});
        let got = problems(ours.clone(), spec);
        assert!(
            got.iter()
                .any(|p| p == "T::Again: spec variant missing from ours"),
            "{got:?}"
        );
        assert!(
            got.iter().any(|p| p.starts_with("T::Hard.n: ours string")),
            "{got:?}"
        );
        assert!(matches!(of(&ours, &ours), Shape::External(_)));
    }

    #[test]
    fn a_string_reads_a_spec_enum_but_not_the_other_way() {
        let string = json!({"type": "string"});
        let enumeration = json!({"type": "string", "enum": ["a"]});
        assert!(problems(string.clone(), enumeration.clone()).is_empty());
        assert_eq!(problems(enumeration, string).len(), 1);
    }

    #[test]
    fn an_option_fits_an_optional_or_nullable_field_only() {
        let option = json!({"type": "object", "properties": {"f": {"type": ["string", "null"]}}});
        for (spec, ok) in [
            (
                json!({"type": "object", "properties": {"f": {"type": "string"}}}),
                true,
            ),
            (
                json!({"type": "object", "required": ["f"], "properties": {"f": {"type": "string", "nullable": true}}}),
                true,
            ),
            (
                json!({"type": "object", "required": ["f"], "properties": {"f": {"type": "string"}}}),
                false,
            ),
        ] {
            assert_eq!(
                problems(option.clone(), spec.clone()).is_empty(),
                ok,
                "{spec}"
            );
        }
    }

    #[test]
    fn an_internally_tagged_enum_is_read_by_its_tag() {
        let variant = |tag: &str, extra: &str| {
            json!({"type": "object", "required": ["status", extra], "properties": {
                "status": {"type": "string", "enum": [tag]}, extra: {"type": "string"}}})
        };
        let ours = json!({"oneOf": [variant("a", "x"), variant("b", "y")]});
        let spec = json!({"oneOf": [variant("a", "x"), variant("b", "z")]});
        let got = problems(ours, spec);
        assert!(
            got.iter().any(|p| p == "T[status=b].y: not in the spec"),
            "{got:?}"
        );
    }
}
