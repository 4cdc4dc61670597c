//! Turns the published `openapi.yaml` into the Rust source of the raw bindings.
//!
//! Shared by `build.rs` (which writes the result to `OUT_DIR`) and by
//! `cargo xtask codegen` (which writes it to a file for review), so both
//! always produce the same code. Every crate compiling it also compiles
//! `spec_doc.rs` as `crate::spec_doc`.
//!
//! The published spec is never changed. The generator gets an adapted copy:
//!
//! * Non-2xx responses are removed. progenitor would decode them into a typed
//!   error and lose the status when the body is not the declared JSON (a
//!   proxy's HTML 502, an empty 404); without them every non-2xx answer
//!   reaches the caller as `Error::UnexpectedResponse` with status, headers
//!   and body intact, and `ff-admin` decodes the error body itself.
//! * A `204` beside a JSON `2xx` is removed (progenitor supports one success
//!   body type per operation). The caller sees the 204 as
//!   `Error::UnexpectedResponse` and maps it to "no content"; the operations
//!   affected are listed in the generated file's header and in
//!   [`Adapted::no_content_ops`].
//! * After generation, the per-request `api-version` header (progenitor
//!   sends `info.version` on every call; ff-server ignores it) is taken out
//!   of each method: building it cost a `HeaderMap` per call on the claim
//!   hot path. The rewrite refuses to run, failing the build, when a
//!   method's header map holds anything else.
//! * Also after generation, three per-call steps use this crate's helpers,
//!   at less cost and with the same results (but for `\`, which is
//!   percent-encoded in path parameters, where progenitor would let URL
//!   parsing read it as `/`): path parameters are
//!   percent-encoded while the path is formatted (`PathSegment`, no
//!   intermediate strings); the URL is the client's base URL, parsed once,
//!   with the call's path (`request_url`), where reqwest would parse the
//!   whole URL text on every call; and a JSON answer's headers are moved
//!   into the `ResponseValue` rather than cloned (`json_answer`).
//! * An operation whose 2xx answers are all externally tagged (see
//!   [`answer_type`]) gets one `<OperationId>Response`, the inline `oneOf`
//!   of their variants, which typify makes one Rust enum; the per-status
//!   schemas it inlined are then not generated ([`drop_unreferenced`]).
//! * `x-extensible: true` enums lose their `enum` (a `String`), and scalar
//!   `default`s are removed (an optional property stays an `Option`).
//! * The type settings ([`type_settings`], shared with `ff-admin-mock`)
//!   replace primitive-alias schemas by their primitive and use `BTreeMap`.
//! * After generation, `Debug` of structs with `format: password` fields
//!   redacts them ([`redact_secrets`]) and every enum but the ones
//!   `ff_sdk::admin` matches exhaustively is `#[non_exhaustive]`.
//! * The `$ref` variants of a component schema's `oneOf` that has a
//!   `discriminator` (reclaim's answer) are inlined: typify then generates
//!   an internally tagged enum, which picks the variant by its tag, where
//!   `$ref` variants give an untagged enum that tries each variant in turn
//!   (slower, and its error only says that no variant matched).
//!   `cargo xtask spec-check` requires each variant to hold the tag as a
//!   one-value enum, which typify's tagged enums need.
//! * Path parameters whose schema is a `$ref` to a plain string schema get
//!   an inline `type: string`, so the generated methods take `&str`.
//! * Value constraints are removed from schemas (`pattern`, `minLength`,
//!   `maxLength`, `minimum`, `maximum`, `exclusiveMinimum`,
//!   `exclusiveMaximum`). Validation belongs to the server; generated
//!   newtypes would make the client reject input the server might accept and
//!   `maximum: 18446744073709551615` does not fit `openapiv3`'s `i64`.

use std::fmt::Write as _;

/// The spec copy the generator sees, and what was changed to get it.
pub struct Adapted {
    /// The adapted document, ready for `openapiv3`.
    pub spec: serde_json::Value,
    /// Operations whose `204` response was removed beside a JSON `2xx`.
    pub no_content_ops: Vec<String>,
    /// One line per change, for the generated file's header.
    pub changes: Vec<String>,
    /// Every operation, ordered by path.
    pub operations: Vec<OperationEntry>,
}

/// What the operation table of the bindings holds for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationEntry {
    /// The `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The operation's `x-idempotent`.
    pub idempotent: bool,
}

const VALUE_CONSTRAINTS: &[&str] = &[
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// Builds the generator's copy of `spec` (see the module docs).
pub fn adapt(spec: &serde_json::Value) -> Result<Adapted, String> {
    let mut spec = spec.clone();
    let mut no_content_ops = Vec::new();
    let mut changes = Vec::new();
    let mut operations = Vec::new();
    let mut answer_schemas = Vec::new();
    let mut error_answers = Vec::new();
    let root = spec.clone();

    let paths = spec
        .get_mut("paths")
        .and_then(|p| p.as_object_mut())
        .ok_or("openapi.yaml has no `paths` object")?;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in crate::spec_doc::METHODS {
            let Some(op) = item.get_mut(*method).and_then(|o| o.as_object_mut()) else {
                continue;
            };
            let op_id = op
                .get("operationId")
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("{} {path} has no operationId", method.to_uppercase()))?
                .to_owned();
            let idempotent = op
                .get("x-idempotent")
                .and_then(|v| v.as_bool())
                .ok_or_else(|| format!("{op_id}: `x-idempotent: true|false` is missing"))?;
            operations.push(OperationEntry {
                id: op_id.clone(),
                method: method.to_uppercase(),
                path: path.clone(),
                idempotent,
            });
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            let removed: Vec<String> = responses
                .keys()
                .filter(|code| !code.starts_with('2'))
                .cloned()
                .collect();
            for code in &removed {
                error_answers.extend(responses.remove(code));
            }
            if !removed.is_empty() {
                changes.push(format!(
                    "{op_id}: error responses {} left to the caller",
                    removed.join(", ")
                ));
            }
            let has_json_success = responses.iter().any(|(code, r)| {
                code != "204"
                    && r.get("content")
                        .and_then(|c| c.get("application/json"))
                        .is_some()
            });
            if has_json_success && responses.remove("204").is_some() {
                no_content_ops.push(op_id.clone());
                changes.push(format!(
                    "{op_id}: 204 removed beside the JSON 2xx; it arrives as UnexpectedResponse"
                ));
            }
            if let Some(answer) = answer_type(&root, &op_id, responses)? {
                changes.push(format!(
                    "{op_id}: its 2xx answers are one enum, {}",
                    answer.name
                ));
                answer_schemas.push(answer);
            }
        }
    }
    if !answer_schemas.is_empty() {
        let schemas = spec
            .pointer_mut("/components/schemas")
            .and_then(|s| s.as_object_mut())
            .ok_or("openapi.yaml has no `components.schemas` object")?;
        for answer in answer_schemas {
            schemas.insert(answer.name, answer.schema);
        }
    }
    let inlined = inline_discriminated_variants(&mut spec)?;
    if !inlined.is_empty() {
        changes.push(format!(
            "`oneOf` variants inlined into {}, generated as tagged enums",
            inlined.join(", ")
        ));
    }
    let dropped = drop_unreferenced(&mut spec, &error_answers);
    if !dropped.is_empty() {
        changes.push(format!(
            "schemas inlined into answer enums, not generated on their own: {}",
            dropped.join(", ")
        ));
    }
    let open = open_enums(&mut spec);
    if !open.is_empty() {
        changes.push(format!(
            "`x-extensible` enums taken as strings: {}",
            open.join(", ")
        ));
    }

    let mut stripped = 0usize;
    if let Some(components) = spec.get_mut("components") {
        strip_constraints(components, &mut stripped);
    }
    if let Some(paths) = spec.get_mut("paths") {
        strip_constraints(paths, &mut stripped);
    }
    if stripped > 0 {
        changes.push(format!(
            "{stripped} value constraints (pattern, length, range) and scalar defaults removed from schemas"
        ));
    }

    let plain = plain_string_path_parameters(&mut spec);
    if !plain.is_empty() {
        changes.push(format!(
            "path parameters {} taken as `&str` (their schemas are strings)",
            plain.join(", ")
        ));
    }

    Ok(Adapted {
        spec,
        no_content_ops,
        changes,
        operations,
    })
}

/// Replaces each `$ref` variant of a component schema's `oneOf` that has a
/// `discriminator` with the schema it points at (following `$ref` chains);
/// inline variants stay as they are. Returns the names of the schemas
/// changed; fails on a `$ref` that is not local, dangles or loops.
fn inline_discriminated_variants(spec: &mut serde_json::Value) -> Result<Vec<String>, String> {
    let root = spec.clone();
    let mut changed = Vec::new();
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    else {
        return Ok(changed);
    };
    for (name, schema) in schemas.iter_mut() {
        if schema.get("discriminator").is_none() {
            continue;
        }
        let tag = schema
            .pointer("/discriminator/propertyName")
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_owned();
        let mapping = schema.pointer("/discriminator/mapping").cloned();
        let Some(variants) = schema.get_mut("oneOf").and_then(|v| v.as_array_mut()) else {
            continue;
        };
        let mut inlined = false;
        for variant in variants.iter_mut() {
            let label = variant
                .get("$ref")
                .and_then(|r| r.as_str())
                .unwrap_or("<inline>")
                .to_owned();
            let target = crate::spec_doc::resolve(&root, variant)
                .map_err(|e| format!("{name}: a `oneOf` variant: {e}"))?
                .clone();
            tagged_by(&target, &tag, mapping.as_ref())
                .map_err(|e| format!("{name}: variant {label}: {e}"))?;
            if variant.get("$ref").is_some() {
                *variant = target;
                inlined = true;
            }
        }
        if inlined {
            changed.push(name.clone());
        }
    }
    Ok(changed)
}

/// Checks that `variant` of a discriminated `oneOf` holds its `tag`
/// property as a required one-value enum (what typify's internally tagged
/// enums need), and that the discriminator's `mapping`, if any, maps that
/// value to this variant's schema.
fn tagged_by(
    variant: &serde_json::Value,
    tag: &str,
    mapping: Option<&serde_json::Value>,
) -> Result<(), String> {
    let values = variant.pointer(&format!("/properties/{tag}/enum"));
    let Some([value]) = values.and_then(|v| v.as_array()).map(Vec::as_slice) else {
        return Err(format!("`{tag}` must be a one-value enum"));
    };
    let required = variant.get("required").and_then(|r| r.as_array());
    if !required.is_some_and(|r| r.iter().any(|x| x == tag)) {
        return Err(format!("`{tag}` must be required"));
    }
    let mapped = value.as_str().and_then(|v| mapping.and_then(|m| m.get(v)));
    if mapping.is_some() && mapped.is_none() {
        return Err(format!("the discriminator's mapping has no `{value}`"));
    }
    Ok(())
}

/// Gives every path parameter whose schema is a `$ref` to a plain string
/// schema an inline `type: string` instead, so that the generated method
/// takes `&str`: a caller's id is then sent without first being copied
/// into an owned newtype. Returns the names of the parameters changed.
fn plain_string_path_parameters(spec: &mut serde_json::Value) -> Vec<String> {
    let root = spec.clone();
    let is_plain_string = |schema: &serde_json::Value| -> bool {
        schema.get("$ref").is_some()
            && crate::spec_doc::resolve(&root, schema).is_ok_and(|s| {
                s.get("type").and_then(|t| t.as_str()) == Some("string")
                    && s.get("format").is_none()
                    && s.get("enum").is_none()
            })
    };
    let mut changed = Vec::new();
    let mut visit = |parameter: &mut serde_json::Value| {
        if parameter.get("in").and_then(|i| i.as_str()) != Some("path") {
            return;
        }
        let Some(schema) = parameter.get_mut("schema") else {
            return;
        };
        if is_plain_string(schema) {
            *schema = serde_json::json!({ "type": "string" });
            let name = parameter
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("?");
            if !changed.iter().any(|c| c == name) {
                changed.push(name.to_owned());
            }
        }
    };
    if let Some(parameters) = spec
        .pointer_mut("/components/parameters")
        .and_then(|p| p.as_object_mut())
    {
        parameters.values_mut().for_each(&mut visit);
    }
    if let Some(paths) = spec.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, value) in item.iter_mut() {
                let list = if key == "parameters" {
                    Some(value)
                } else {
                    value.get_mut("parameters")
                };
                if let Some(list) = list.and_then(|l| l.as_array_mut()) {
                    list.iter_mut().for_each(&mut visit);
                }
            }
        }
    }
    changed.sort();
    changed
}

/// A schema added to the generator's copy.
struct AddedSchema {
    name: String,
    schema: serde_json::Value,
}

/// Whether `name` is spelled like a Rust variant (`Created`, `AlreadySatisfied`).
fn is_variant_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The variants of `schema` when it is an externally tagged answer (the
/// way ff-server's Rust enums serialize): an object with one required
/// property named like a variant (`{"Created": {…}}`), a string enum of
/// such names (`"Ok"`), or a `oneOf` of those. `None` for any other shape.
pub fn tagged_variants(
    root: &serde_json::Value,
    schema: &serde_json::Value,
) -> Result<Option<Vec<serde_json::Value>>, String> {
    let schema = crate::spec_doc::resolve(root, schema)?;
    if let Some(variants) = schema.get("oneOf").and_then(|v| v.as_array()) {
        let mut all = Vec::new();
        for variant in variants {
            match tagged_variants(root, variant)? {
                Some(found) => all.extend(found),
                None => return Ok(None),
            }
        }
        return Ok(Some(all));
    }
    let names = |key: &str| -> Vec<String> {
        schema
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let properties = schema.get("properties").and_then(|p| p.as_object());
    let one_tag = properties.is_some_and(|p| p.len() == 1)
        && names("required").len() == 1
        && properties.is_some_and(|p| p.contains_key(&names("required")[0]))
        && is_variant_name(&names("required")[0]);
    let tag_names = schema.get("type").and_then(|t| t.as_str()) == Some("string")
        && schema.get("enum").is_some()
        && names("enum").iter().all(|n| is_variant_name(n));
    Ok((one_tag || tag_names).then(|| vec![schema.clone()]))
}

/// progenitor takes one success body type per operation, and typify
/// generates a Rust enum from an externally tagged `oneOf` only when its
/// variants are inline. When every JSON 2xx answer of an operation is
/// externally tagged (create's 201 `{"Created":…}` and 200
/// `{"Duplicate":…}`, usage's `"Ok"` or `{"SoftBreach":…}`), each of them
/// is pointed at a new component `<OperationId>Response`: the inline
/// `oneOf` of all their variants. The generated method then decodes every
/// 2xx into one enum with a variant per wire variant. Other answers stay
/// as they are; two different untagged 2xx schemas fail the build.
fn answer_type(
    root: &serde_json::Value,
    op_id: &str,
    responses: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Option<AddedSchema>, String> {
    let schema_of = |r: &serde_json::Value| r.pointer("/content/application~1json/schema").cloned();
    let mut variants: Vec<serde_json::Value> = Vec::new();
    let mut untagged: Vec<serde_json::Value> = Vec::new();
    for (code, response) in responses.iter() {
        let Some(schema) = code.starts_with('2').then(|| schema_of(response)).flatten() else {
            continue;
        };
        match tagged_variants(root, &schema).map_err(|e| format!("{op_id} {code}: {e}"))? {
            Some(found) => {
                for variant in found {
                    if !variants.contains(&variant) {
                        variants.push(variant);
                    }
                }
            }
            None => {
                let resolved = crate::spec_doc::resolve(root, &schema)?;
                if resolved.get("oneOf").is_some() && resolved.get("discriminator").is_none() {
                    return Err(format!(
                        "{op_id} {code}: a `oneOf` without a discriminator must have only \
                         externally tagged variants (an object with exactly one required \
                         property named like a variant, or a string enum of such names)"
                    ));
                }
                if !untagged.contains(&schema) {
                    untagged.push(schema);
                }
            }
        }
    }
    let mut tags = std::collections::BTreeSet::new();
    for variant in &variants {
        let names = variant.get("enum").or_else(|| variant.get("required"));
        let names = names.and_then(|n| n.as_array()).into_iter().flatten();
        for tag in names.filter_map(|t| t.as_str()) {
            if !tags.insert(tag) {
                return Err(format!(
                    "{op_id}: the variant tag `{tag}` appears twice among its 2xx answers"
                ));
            }
        }
    }
    match (variants.is_empty(), untagged.len()) {
        (true, 0 | 1) => return Ok(None),
        (false, 0) => {}
        _ => {
            return Err(format!(
                "{op_id}: its 2xx answers have different schemas that are not all externally \
                 tagged; progenitor cannot give them one type"
            ))
        }
    }
    let name: String = op_id
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .chain(std::iter::once("Response".to_owned()))
        .collect();
    let reference = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    for (code, response) in responses.iter_mut() {
        if let Some(schema) = code
            .starts_with('2')
            .then(|| response.pointer_mut("/content/application~1json/schema"))
            .flatten()
        {
            *schema = reference.clone();
        }
    }
    Ok(Some(AddedSchema {
        schema: serde_json::json!({
            "description": format!("Every 2xx answer of `{op_id}`, one variant per wire variant."),
            "oneOf": variants,
        }),
        name,
    }))
}

/// Every `#/components/schemas/<name>` that `value` refers to, directly.
fn schema_refs(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            map.values().for_each(|v| schema_refs(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| schema_refs(v, found)),
        _ => {}
    }
}

/// Removes the component schemas that nothing outside `components.schemas`
/// (paths, shared responses and parameters) and none of the removed error
/// answers (which the mock crate puts back) reach any more:
/// the per-status answer schemas [`answer_type`] inlined. Returns their
/// names.
fn drop_unreferenced(
    spec: &mut serde_json::Value,
    error_answers: &[serde_json::Value],
) -> Vec<String> {
    let mut pending = Vec::new();
    let mut outside = spec.clone();
    if let Some(components) = outside
        .get_mut("components")
        .and_then(|c| c.as_object_mut())
    {
        components.remove("schemas");
    }
    schema_refs(&outside, &mut pending);
    error_answers
        .iter()
        .for_each(|a| schema_refs(a, &mut pending));
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    else {
        return Vec::new();
    };
    let mut reached = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            if let Some(schema) = schemas.get(&name) {
                schema_refs(schema, &mut pending);
            }
        }
    }
    let dropped: Vec<String> = schemas
        .keys()
        .filter(|name| !reached.contains(*name))
        .cloned()
        .collect();
    for name in &dropped {
        schemas.remove(name);
    }
    dropped
}

/// Takes the `enum` off every schema marked `x-extensible: true` (a value
/// set a newer server may extend), so the generated field is a `String`
/// that still reads a value this client does not know. Returns where.
fn open_enums(spec: &mut serde_json::Value) -> Vec<String> {
    fn visit(value: &mut serde_json::Value, at: &str, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if map.get("x-extensible").and_then(|x| x.as_bool()) == Some(true)
                    && map.remove("enum").is_some()
                {
                    found.push(at.to_owned());
                }
                for (key, child) in map.iter_mut() {
                    visit(child, &format!("{at}.{key}"), found);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    visit(child, &format!("{at}[{i}]"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Some(schemas) = spec.pointer_mut("/components/schemas") {
        visit(schemas, "", &mut found);
    }
    found
        .iter()
        .map(|at| at.trim_start_matches('.').replace(".properties.", "."))
        .collect()
}

/// Removes value constraints, and the `default` of every schema but an
/// array's, from every object that looks like a schema (has a `type`),
/// recursively. Without its `default`, an optional property is generated
/// as an `Option` the caller may leave `None` (the server then applies the
/// default) instead of a value the caller must always give.
fn strip_constraints(value: &mut serde_json::Value, count: &mut usize) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(kind) = map.get("type").and_then(|t| t.as_str()) {
                let scalar_default = kind != "array" && map.contains_key("default");
                for key in VALUE_CONSTRAINTS {
                    if map.remove(*key).is_some() {
                        *count += 1;
                    }
                }
                if scalar_default {
                    map.remove("default");
                    *count += 1;
                }
            }
            for child in map.values_mut() {
                strip_constraints(child, count);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                strip_constraints(child, count);
            }
        }
        _ => {}
    }
}

/// Generates the Rust source of the raw bindings from the YAML text of the
/// published spec: a commented header, then the code as one token stream
/// (unformatted: the compiler does not need it formatted, and `cargo xtask
/// codegen` formats it for people).
pub fn generate(yaml: &str) -> Result<String, String> {
    let original = crate::spec_doc::parse("openapi.yaml", yaml)?;
    let mut adapted = adapt(&original)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(std::mem::take(&mut adapted.spec))
        .map_err(|e| format!("the adapted spec is not OpenAPI 3.0: {e}"))?;

    let inner: proc_macro2::TokenStream = "crate::ClientSettings"
        .parse()
        .map_err(|e| format!("inner type tokens: {e}"))?;
    let hook: proc_macro2::TokenStream = "crate::ClientSettings::apply"
        .parse()
        .map_err(|e| format!("pre-hook tokens: {e}"))?;
    let mut settings = progenitor::GenerationSettings::default();
    type_settings(&mut settings);
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        .with_derive("Eq")
        .with_inner_type(inner)
        .with_pre_hook(hook);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor could not generate the client: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor emitted invalid Rust: {e}"))?;
    let secrets = secret_properties(&original)?;
    let redacted = redact_secrets(&mut file, &secrets)?;
    adapted.changes.push(format!(
        "generated code: `Debug` of {} prints `<redacted>` for its `format: password` fields",
        redacted.join(", ")
    ));
    let open = non_exhaustive_enums(&mut file);
    adapted.changes.push(format!(
        "generated code: {open} enums are `#[non_exhaustive]` (all but {})",
        EXHAUSTIVE_ENUMS.join(", ")
    ));
    let rewritten = drop_api_version_header(&mut file)?;
    gate_json_schema_derives(&mut file)?;
    adapted.changes.push(format!(
        "generated code: the api-version header removed from {rewritten} methods"
    ));
    let Replaced {
        segments,
        urls,
        answers,
    } = use_crate_helpers(&mut file)?;
    let operations = adapted.operations.len();
    let path_parameters: usize = adapted
        .operations
        .iter()
        .map(|op| op.path.matches('{').count())
        .sum();
    if urls != operations || segments != path_parameters {
        return Err(format!(
            "use_crate_helpers: rewrote {urls} URLs of {operations} operations and \
             {segments} of {path_parameters} path parameters: update codegen.rs"
        ));
    }
    adapted.changes.push(format!(
        "generated code: {segments} path parameters written with crate::path_segment::PathSegment, \
         {urls} URLs built with crate::request_url::request_url, \
         {answers} JSON answers read with crate::json_answer::json_answer"
    ));

    let mut out = String::new();
    out.push_str("// @generated by ff-admin-gen/codegen.rs from openapi.yaml. Do not edit.\n");
    out.push_str("//\n// Changes made to the generator's copy of the spec, and to its output:\n");
    for change in &adapted.changes {
        let _ = writeln!(out, "// - {change}");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "/// Operations whose `204 No Content` answer arrives as `Error::UnexpectedResponse`.\n\
         pub const NO_CONTENT_OPERATIONS: &[&str] = &{:?};\n",
        adapted.no_content_ops
    );
    out.push_str(&operation_table(&adapted.operations));
    let code = quote::ToTokens::to_token_stream(&file).to_string();
    check_no_progenitor_helpers_left(&code)?;
    out.push_str(&code);
    Ok(out)
}

/// The `operations` module (one `Operation` constant per operation) and
/// the `OPERATIONS` slice, as Rust source.
fn operation_table(operations: &[OperationEntry]) -> String {
    let mut consts = String::new();
    let mut names = Vec::new();
    for op in operations {
        let name = op.id.to_uppercase();
        let _ = writeln!(
            consts,
            "    /// `{method} {path}`.\n    pub const {name}: Operation = Operation {{ id: {id:?}, method: {method:?}, path: {path:?}, route: {route:?}, idempotent: {idempotent} }};",
            id = op.id,
            method = op.method,
            path = op.path,
            route = format!("{} {}", op.method, op.path),
            idempotent = op.idempotent,
        );
        names.push(format!("operations::{name}"));
    }
    format!(
        "/// One constant per operation of the spec.\npub mod operations {{\n    use crate::Operation;\n{consts}}}\n\n\
         /// Every operation of the spec, ordered by path.\npub const OPERATIONS: &[crate::Operation] = &[{}];\n\n",
        names.join(", ")
    )
}

/// Points three per-call steps of the generated methods at this crate's
/// equivalents, which give the same results at less cost (but for `\` in
/// a path parameter, which `PathSegment` encodes):
///
/// * `encode_path(&x.to_string())` becomes
///   `crate::path_segment::PathSegment(&x)`, which encodes while the URL is
///   formatted instead of building two strings per path parameter;
/// * `format!("{}/v1/…", self.baseurl, …)` becomes
///   `crate::request_url::request_url(&self.baseurl, &self.inner,
///   format_args!("/v1/…", …))?`, which parses only the path where reqwest
///   would parse the whole URL text;
/// * `ResponseValue::from_response(response)` becomes
///   `crate::json_answer::json_answer(response)`, which moves the answer's
///   headers instead of cloning them.
///
/// Returns how many of each were replaced; fails when no JSON answer was
/// replaced or a URL cannot be rewritten (the generator's output changed
/// shape: update this function). [`generate`] then checks the URL and
/// path-parameter counts against the spec.
fn use_crate_helpers(file: &mut syn::File) -> Result<Replaced, String> {
    use quote::ToTokens as _;
    use syn::visit_mut::VisitMut;

    #[derive(Default)]
    struct Replace {
        done: Replaced,
        unexpected: Vec<String>,
    }
    impl VisitMut for Replace {
        // The URL is built in `format!`, whose arguments syn keeps as
        // tokens: parse them as expressions to reach `encode_path`.
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            if !mac.path.is_ident("format") {
                return;
            }
            use syn::parse::Parser as _;
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            match parser.parse2(mac.tokens.clone()) {
                Ok(mut args) => {
                    for arg in args.iter_mut() {
                        self.visit_expr_mut(arg);
                    }
                    mac.tokens = args.to_token_stream();
                }
                Err(e) => self
                    .unexpected
                    .push(format!("format!({}): {e}", mac.tokens)),
            }
        }

        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let syn::Expr::Macro(mac) = expr {
                if mac.mac.path.is_ident("format") {
                    match request_url_call(&mac.mac.tokens) {
                        Ok(Some(call)) => {
                            *expr = call;
                            self.done.urls += 1;
                        }
                        Ok(None) => {}
                        Err(e) => self.unexpected.push(e),
                    }
                }
                return;
            }
            let syn::Expr::Call(call) = expr else { return };
            let func = call.func.to_token_stream().to_string();
            if func == "encode_path" {
                let arg = call.args.first().map(|a| a.to_token_stream().to_string());
                let value = arg
                    .as_deref()
                    .and_then(|a| a.strip_prefix("& "))
                    .and_then(|a| a.strip_suffix(" . to_string ()"))
                    .filter(|v| call.args.len() == 1 && syn::parse_str::<syn::Ident>(v).is_ok());
                match value {
                    Some(value) => {
                        *expr =
                            syn::parse_str(&format!("crate::path_segment::PathSegment(&{value})"))
                                .expect("a path expression");
                        self.done.segments += 1;
                    }
                    None => self.unexpected.push(expr.to_token_stream().to_string()),
                }
            } else if func == "ResponseValue :: from_response" {
                if call.args.len() == 1 {
                    let arg = call.args[0].to_token_stream().to_string();
                    *expr = syn::parse_str(&format!("crate::json_answer::json_answer({arg})"))
                        .expect("a call expression");
                    self.done.answers += 1;
                } else {
                    self.unexpected.push(expr.to_token_stream().to_string());
                }
            }
        }
    }

    let mut replace = Replace::default();
    replace.visit_file_mut(file);
    if let Some(first) = replace.unexpected.first() {
        return Err(format!(
            "use_crate_helpers: unexpected generated call `{first}`: update codegen.rs"
        ));
    }
    // Path parameters and URLs are counted against the spec in `generate`.
    if replace.done.answers == 0 {
        return Err("use_crate_helpers: no from_response call replaced; \
             the generator's output changed: update codegen.rs"
            .into());
    }
    Ok(replace.done)
}

/// How many calls [`use_crate_helpers`] replaced, of each kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Replaced {
    segments: usize,
    urls: usize,
    answers: usize,
}

/// The `request_url` call that replaces a generated method's
/// `format!("{}<path>", self.baseurl, <args>)` (`tokens` are the macro's),
/// or `None` for a `format!` that does not start with the base URL.
///
/// `request_url` gives the URL the whole text would parse to only when the
/// path needs no trimming and holds no query or fragment, so the rewrite
/// insists on what the generator emits today and fails otherwise: a path
/// template of plain path characters (letters, digits, `-._~!$&'()*+,;=:@/`
/// and `{}` placeholders) starting with `/`, and every argument a
/// `crate::path_segment::PathSegment(&name)` (an encoded segment).
fn request_url_call(tokens: &proc_macro2::TokenStream) -> Result<Option<syn::Expr>, String> {
    use quote::ToTokens as _;
    use syn::parse::Parser as _;

    let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    let args = parser
        .parse2(tokens.clone())
        .map_err(|e| format!("format!({tokens}): {e}"))?;
    let mut args = args.into_iter();
    let (Some(template), Some(base)) = (args.next(), args.next()) else {
        return Ok(None);
    };
    if base.to_token_stream().to_string() != "self . baseurl" {
        return Ok(None);
    }
    let unexpected = |why: &str| format!("format!({tokens}): {why}: update codegen.rs");
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = template
    else {
        return Err(unexpected("the URL template is not a string literal"));
    };
    let template = template.value();
    let Some(path) = template.strip_prefix("{}") else {
        return Err(unexpected("the template does not start with the base URL"));
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c);
    if !path.starts_with('/') || !path.replace("{}", "").chars().all(plain) {
        return Err(unexpected(
            "the path template holds more than plain path characters",
        ));
    }
    let mut call = format!(
        "crate::request_url::request_url(&self.baseurl, &self.inner, format_args!({path:?}"
    );
    for arg in args {
        let arg = arg.to_token_stream().to_string();
        let name = arg
            .strip_prefix("crate :: path_segment :: PathSegment (& ")
            .and_then(|rest| rest.strip_suffix(')'));
        if name.is_none_or(|n| syn::parse_str::<syn::Ident>(n.trim()).is_err()) {
            return Err(unexpected("a path argument is not an encoded segment"));
        }
        call.push_str(", ");
        call.push_str(&arg);
    }
    call.push_str("))?");
    syn::parse_str(&call)
        .map(Some)
        .map_err(|e| format!("{call}: {e}"))
}

/// Fails when the generated `code` still calls what [`use_crate_helpers`]
/// replaces, in a form the rewrite did not reach.
fn check_no_progenitor_helpers_left(code: &str) -> Result<(), String> {
    for left in ["encode_path (", "from_response", "format ! (\"{}"] {
        if code.contains(left) {
            return Err(format!(
                "use_crate_helpers: a `{left}` call is left in the generated code \
                 (a form this rewrite does not reach): update codegen.rs"
            ));
        }
    }
    Ok(())
}

/// Removes `let mut header_map = HeaderMap::with_capacity(..);`, its one
/// `header_map.append("api-version", ..)` and the `.headers(header_map)`
/// from every generated method. Returns how many methods changed; fails if
/// a header map holds any other header.
fn drop_api_version_header(file: &mut syn::File) -> Result<usize, String> {
    use quote::ToTokens as _;
    use syn::visit_mut::VisitMut;

    struct StripHeaders {
        removed_chain: bool,
    }
    impl VisitMut for StripHeaders {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let syn::Expr::MethodCall(call) = expr {
                let is_headers = call.method == "headers"
                    && call.args.len() == 1
                    && call.args[0].to_token_stream().to_string() == "header_map";
                if is_headers {
                    *expr = (*call.receiver).clone();
                    self.removed_chain = true;
                }
            }
        }
    }

    let mut changed = 0;
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(method) = member else {
                continue;
            };
            let stmts = &mut method.block.stmts;
            let declares = |s: &syn::Stmt| matches!(s, syn::Stmt::Local(l) if l.pat.to_token_stream().to_string() == "mut header_map");
            let Some(at) = stmts.iter().position(declares) else {
                continue;
            };
            let appends: Vec<usize> = stmts
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.to_token_stream()
                        .to_string()
                        .starts_with("header_map . append")
                })
                .map(|(i, _)| i)
                .collect();
            let name = method.sig.ident.to_string();
            if appends.len() != 1
                || !stmts[appends[0]]
                    .to_token_stream()
                    .to_string()
                    .contains("\"api-version\"")
            {
                return Err(format!(
                    "{name}: its header map holds more than the api-version header"
                ));
            }
            let mut strip = StripHeaders {
                removed_chain: false,
            };
            for stmt in stmts.iter_mut() {
                strip.visit_stmt_mut(stmt);
            }
            if !strip.removed_chain {
                return Err(format!("{name}: no `.headers(header_map)` to remove"));
            }
            let append = appends[0];
            stmts.remove(append.max(at));
            stmts.remove(append.min(at));
            changed += 1;
        }
    }
    if changed == 0 {
        return Err(
            "no generated method builds an api-version header: update drop_api_version_header"
                .into(),
        );
    }
    Ok(changed)
}

/// Schemas that only name a primitive (ids, timestamps, counters): the
/// generated code uses the primitive itself, so a field reads and is built
/// as a plain `String` or integer, not a newtype around one.
const PRIMITIVE_SCHEMAS: &[(&str, &str)] = &[
    ("ExecutionId", "String"),
    ("LaneId", "String"),
    ("Identifier", "String"),
    ("Uuid", "String"),
    ("StreamCursor", "String"),
    ("TimestampMs", "i64"),
    ("UInt64", "u64"),
    ("UInt32", "u32"),
    ("GrantTtlMs", "u64"),
    ("ByteArray", "::std::vec::Vec<u8>"),
];

/// The type settings every generator of this workspace shares (the raw
/// bindings here, the mocks in `ff-admin-mock`), so both name the same
/// types: [`PRIMITIVE_SCHEMAS`] replaced by their primitive, maps as
/// `BTreeMap` (ordered, so answers compare and print the same each time).
pub fn type_settings(settings: &mut progenitor::GenerationSettings) {
    settings.with_map_type("::std::collections::BTreeMap");
    for (schema, rust) in PRIMITIVE_SCHEMAS {
        settings.with_replacement(*schema, *rust, std::iter::empty());
    }
}

/// Enums a newer server cannot extend without breaking `ff_sdk::admin`'s
/// contract, which `ff-admin` is a drop-in for: matched exhaustively there,
/// so left exhaustive here.
const EXHAUSTIVE_ENUMS: &[&str] = &["IssueReclaimGrantResponse"];

/// Marks every generated enum but [`EXHAUSTIVE_ENUMS`] `#[non_exhaustive]`:
/// a newer server may add a variant (an answer, a state), and code that
/// matches one then has a `_` arm already. Returns how many were marked.
fn non_exhaustive_enums(file: &mut syn::File) -> usize {
    use syn::visit_mut::VisitMut;
    struct Mark(usize);
    impl VisitMut for Mark {
        fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
            if !EXHAUSTIVE_ENUMS.contains(&item.ident.to_string().as_str()) {
                item.attrs.push(syn::parse_quote!(#[non_exhaustive]));
                self.0 += 1;
            }
        }
    }
    let mut mark = Mark(0);
    mark.visit_file_mut(file);
    mark.0
}

/// Every `(schema, property)` of the spec whose schema says
/// `format: password`: a credential.
fn secret_properties(spec: &serde_json::Value) -> Result<Vec<(String, String)>, String> {
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
        .ok_or("openapi.yaml has no `components.schemas` object")?;
    let mut found = Vec::new();
    for (name, schema) in schemas {
        let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
            continue;
        };
        for (property, value) in properties {
            if value.get("format").and_then(|f| f.as_str()) == Some("password") {
                found.push((name.clone(), property.clone()));
            }
        }
    }
    Ok(found)
}

/// Replaces the derived `Debug` of each struct holding a secret (see
/// [`secret_properties`]) by one that prints `<redacted>` for it, so a
/// logged request or answer never shows a token or an HMAC secret. Returns
/// the structs changed; fails when a secret's struct or field is not in
/// the generated code.
fn redact_secrets(
    file: &mut syn::File,
    secrets: &[(String, String)],
) -> Result<Vec<String>, String> {
    let mut changed = Vec::new();
    let mut impls: Vec<syn::Item> = Vec::new();
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("redact_secrets: no `types` module in the generated code: update codegen.rs")?;
    for item in types.1.iter_mut() {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        let name = st.ident.to_string();
        let hidden: Vec<&str> = secrets
            .iter()
            .filter(|(schema, _)| *schema == name)
            .map(|(_, field)| field.as_str())
            .collect();
        if hidden.is_empty() {
            continue;
        }
        let syn::Fields::Named(fields) = &st.fields else {
            return Err(format!("redact_secrets: {name} has no named fields"));
        };
        let names: Vec<String> = fields
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
            .collect();
        if let Some(missing) = hidden.iter().find(|h| !names.iter().any(|n| n == *h)) {
            return Err(format!("redact_secrets: {name} has no field `{missing}`"));
        }
        let mut removed = false;
        for attr in st.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let paths = attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .map_err(|e| format!("redact_secrets: {name}'s derive: {e}"))?;
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Debug"))
                .collect();
            removed |= kept.len() != paths.len();
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        if !removed {
            return Err(format!("redact_secrets: {name} does not derive Debug"));
        }
        let ident = &st.ident;
        let entries = names.iter().map(|field| {
            let f = syn::Ident::new(field, proc_macro2::Span::call_site());
            if hidden.contains(&field.as_str()) {
                quote::quote!(.field(#field, &"<redacted>"))
            } else {
                quote::quote!(.field(#field, &self.#f))
            }
        });
        let label = name.as_str();
        impls.push(syn::parse_quote! {
            impl ::std::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#label) #(#entries)* .finish()
                }
            }
        });
        changed.push(name);
    }
    types.1.extend(impls);
    let expected: std::collections::BTreeSet<&str> =
        secrets.iter().map(|(s, _)| s.as_str()).collect();
    if changed.len() != expected.len() {
        return Err(format!(
            "redact_secrets: secrets in {expected:?}, but only {changed:?} generated: update codegen.rs"
        ));
    }
    Ok(changed)
}

/// Puts every `schemars::JsonSchema` derive of the generated types behind
/// the `schemars` feature of the crate that includes the code:
/// `#[derive(.., schemars::JsonSchema)]` loses that derive and the item gains
/// `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`. Fails
/// when no derive was found (the generator's output changed shape, or the
/// derive is no longer asked for: update this function).
fn gate_json_schema_derives(file: &mut syn::File) -> Result<usize, String> {
    use quote::ToTokens as _;
    use syn::parse::Parser as _;
    use syn::visit_mut::VisitMut;

    struct Gate {
        gated: usize,
        errors: Vec<String>,
    }
    impl Gate {
        fn attrs(&mut self, attrs: &mut Vec<syn::Attribute>) {
            let mut gate = false;
            for attr in attrs.iter_mut() {
                if !attr.path().is_ident("derive") {
                    continue;
                }
                let syn::Meta::List(list) = &mut attr.meta else {
                    continue;
                };
                let parser =
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated;
                let paths = match parser.parse2(list.tokens.clone()) {
                    Ok(paths) => paths,
                    Err(e) => {
                        self.errors.push(format!("derive({}): {e}", list.tokens));
                        continue;
                    }
                };
                let is_schema = |p: &syn::Path| {
                    p.to_token_stream().to_string().replace(' ', "") == "schemars::JsonSchema"
                };
                if paths.iter().any(is_schema) {
                    let kept: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> =
                        paths.into_iter().filter(|p| !is_schema(p)).collect();
                    list.tokens = kept.to_token_stream();
                    gate = true;
                }
            }
            if gate {
                attrs.push(syn::parse_quote!(
                    #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
                ));
                self.gated += 1;
            }
        }
    }
    impl VisitMut for Gate {
        fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
            self.attrs(&mut item.attrs);
        }
        fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
            self.attrs(&mut item.attrs);
        }
    }

    let mut gate = Gate {
        gated: 0,
        errors: Vec::new(),
    };
    gate.visit_file_mut(file);
    if let Some(first) = gate.errors.first() {
        return Err(format!(
            "gate_json_schema_derives: {first}: update codegen.rs"
        ));
    }
    if gate.gated == 0 {
        return Err(
            "gate_json_schema_derives: no schemars::JsonSchema derive found: \
                    update codegen.rs"
                .into(),
        );
    }
    Ok(gate.gated)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::inline_discriminated_variants;

    fn spec_with(schemas: serde_json::Value) -> serde_json::Value {
        json!({ "components": { "schemas": schemas } })
    }

    #[test]
    fn ref_variants_of_a_discriminated_one_of_are_inlined() {
        let mut spec = spec_with(json!({
            "Outcome": {
                "oneOf": [
                    { "$ref": "#/components/schemas/Done" },
                    { "$ref": "#/components/schemas/Alias" },
                    { "type": "object", "required": ["status"], "properties": { "status": { "enum": ["inline"] } } },
                ],
                "discriminator": { "propertyName": "status" },
            },
            "Done": { "type": "object", "required": ["status"], "properties": { "status": { "enum": ["done"] } } },
            "Alias": { "$ref": "#/components/schemas/Failed" },
            "Failed": { "type": "object", "required": ["status"], "properties": { "status": { "enum": ["failed"] } } },
            "Plain": { "oneOf": [{ "$ref": "#/components/schemas/Done" }] },
        }));
        let before = spec.clone();
        assert_eq!(
            inline_discriminated_variants(&mut spec),
            Ok(vec!["Outcome".to_owned()])
        );
        let schemas = &spec["components"]["schemas"];
        assert_eq!(
            schemas["Outcome"]["oneOf"][0],
            before["components"]["schemas"]["Done"]
        );
        // A chain of references ends at its target.
        assert_eq!(
            schemas["Outcome"]["oneOf"][1],
            before["components"]["schemas"]["Failed"]
        );
        // Inline variants, and a oneOf without a discriminator, stay as they are.
        assert_eq!(
            schemas["Outcome"]["oneOf"][2],
            before["components"]["schemas"]["Outcome"]["oneOf"][2]
        );
        assert_eq!(schemas["Plain"], before["components"]["schemas"]["Plain"]);
    }

    fn url_call(tokens: &str) -> Result<Option<String>, String> {
        super::request_url_call(&tokens.parse().expect("tokens"))
            .map(|e| e.map(|e| quote::ToTokens::to_token_stream(&e).to_string()))
    }

    #[test]
    fn a_generated_url_becomes_a_request_url_call() {
        let call = url_call(
            r#""{}/v1/executions/{}/state", self.baseurl, crate::path_segment::PathSegment(&execution_id),"#,
        )
        .expect("rewritten")
        .expect("a URL");
        assert_eq!(
            call,
            "crate :: request_url :: request_url (& self . baseurl , & self . inner , format_args ! (\"/v1/executions/{}/state\" , crate :: path_segment :: PathSegment (& execution_id))) ?"
        );
        assert!(url_call(r#""{}/healthz", self.baseurl"#).unwrap().is_some());
    }

    #[test]
    fn other_formats_are_left_alone() {
        assert_eq!(url_call(r#""{}-{}", a, b"#), Ok(None));
        assert_eq!(url_call(r#""plain""#), Ok(None));
    }

    #[test]
    fn a_url_the_rewrite_would_change_is_refused() {
        for tokens in [
            r#""{}/v1/x?a=1", self.baseurl"#,
            r#""{}/v1/x#f", self.baseurl"#,
            r#""{}/v1/x ", self.baseurl"#,
            r#""{}v1/x", self.baseurl"#,
            r#""{}/v1/{}", self.baseurl, id"#,
            r#""{}/v1/{}", self.baseurl, encode_path(&id.to_string())"#,
            r#"template, self.baseurl"#,
            r#""/v1/{}", self.baseurl"#,
        ] {
            let err = url_call(tokens).expect_err(tokens);
            assert!(err.contains("update codegen.rs"), "{tokens}: {err}");
        }
    }

    #[test]
    fn a_variant_without_a_one_value_tag_is_refused() {
        for status in [json!({ "type": "string" }), json!({ "enum": ["a", "b"] })] {
            let mut spec = spec_with(json!({
                "Outcome": {
                    "oneOf": [{ "$ref": "#/components/schemas/B" }],
                    "discriminator": { "propertyName": "status" },
                },
                "B": { "type": "object", "required": ["status"], "properties": { "status": status } },
            }));
            let err = inline_discriminated_variants(&mut spec).unwrap_err();
            assert!(
                err.contains("variant #/components/schemas/B: `status` must be a one-value enum"),
                "{err}"
            );
        }
        let mut spec = spec_with(json!({
            "Outcome": {
                "oneOf": [{ "type": "object", "properties": { "status": { "enum": ["a"] } } }],
                "discriminator": { "propertyName": "status" },
            },
        }));
        let err = inline_discriminated_variants(&mut spec).unwrap_err();
        assert!(err.contains("`status` must be required"), "{err}");
    }

    #[test]
    fn tagged_answers_become_one_enum_and_others_are_refused() {
        let root = spec_with(json!({
            "Created": { "type": "object", "required": ["Created"], "properties": { "Created": { "type": "object" } } },
            "Done": { "type": "string", "enum": ["Ok", "AlreadyDone"] },
            "Clash": { "type": "string", "enum": ["Created"] },
            "Thing": { "type": "object", "properties": { "a": {}, "b": {} } },
        }));
        let answer = |schemas: &[(&str, &str)]| {
            let mut responses = serde_json::Map::new();
            for (code, name) in schemas {
                let schema = if name.contains(',') {
                    let refs: Vec<_> = name
                        .split(',')
                        .map(|n| json!({ "$ref": format!("#/components/schemas/{n}") }))
                        .collect();
                    json!({ "oneOf": refs })
                } else {
                    json!({ "$ref": format!("#/components/schemas/{name}") })
                };
                responses.insert(
                    (*code).into(),
                    json!({ "content": { "application/json": { "schema": schema } } }),
                );
            }
            super::answer_type(&root, "do_it", &mut responses)
                .map(|a| a.map(|a| (a.name, a.schema)))
        };
        let (name, schema) = answer(&[("201", "Created"), ("200", "Done")])
            .unwrap()
            .unwrap();
        assert_eq!(name, "DoItResponse");
        assert_eq!(schema["oneOf"].as_array().map(Vec::len), Some(2));
        assert_eq!(answer(&[("200", "Thing")]), Ok(None));
        let refused = [
            (
                vec![("200", "Created,Thing")],
                "must have only externally tagged variants",
            ),
            (
                vec![("201", "Created"), ("200", "Clash")],
                "the variant tag `Created` appears twice",
            ),
            (
                vec![("201", "Created"), ("200", "Thing")],
                "not all externally tagged",
            ),
        ];
        for (schemas, want) in refused {
            let err = answer(&schemas).unwrap_err();
            assert!(err.contains(want), "{schemas:?}: {err}");
        }
    }

    #[test]
    fn nothing_to_inline_changes_nothing() {
        let mut spec = spec_with(json!({
            "Outcome": {
                "oneOf": [{ "type": "object", "required": ["status"], "properties": { "status": { "enum": ["a"] } } }],
                "discriminator": { "propertyName": "status" },
            },
        }));
        let before = spec.clone();
        assert_eq!(inline_discriminated_variants(&mut spec), Ok(Vec::new()));
        assert_eq!(spec, before);
    }

    #[test]
    fn a_dangling_variant_reference_names_the_schema() {
        let mut spec = spec_with(json!({
            "Outcome": {
                "oneOf": [{ "$ref": "#/components/schemas/Gone" }],
                "discriminator": { "propertyName": "status" },
            },
        }));
        let err = inline_discriminated_variants(&mut spec).unwrap_err();
        assert!(err.starts_with("Outcome: a `oneOf` variant: "), "{err}");
        assert!(err.contains("#/components/schemas/Gone"), "{err}");
    }
}
