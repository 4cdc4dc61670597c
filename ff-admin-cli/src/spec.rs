//! The operations of the spec, as the CLI sees them: generated at build time
//! from `openapi.yaml` by `build.rs`.

/// One operation of the spec.
#[derive(Debug)]
pub(crate) struct SpecOperation {
    /// The `operationId` (`claim_for_worker`).
    pub id: &'static str,
    /// The subcommand: the id in kebab case (`claim-for-worker`).
    pub command: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template.
    pub path: &'static str,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// The spec's description.
    pub description: &'static str,
    /// Path and query parameters.
    pub params: &'static [SpecField],
    /// The JSON request body, when the operation takes one.
    pub body: Option<SpecBody>,
}

/// A JSON request body.
#[derive(Debug)]
pub(crate) struct SpecBody {
    /// Whether the spec requires a body.
    pub required: bool,
    /// Its properties, when it is an object with declared properties.
    pub fields: &'static [SpecField],
}

/// A parameter or a body property: one flag.
#[derive(Debug)]
pub(crate) struct SpecField {
    /// The spec's name (`grant_ttl_ms`).
    pub name: &'static str,
    /// The flag: the name in kebab case (`grant-ttl-ms`).
    pub flag: &'static str,
    /// The flag's value in help: the name in upper case (`GRANT_TTL_MS`).
    pub value_name: &'static str,
    /// Where the value goes.
    pub location: Location,
    /// Whether the spec requires it.
    pub required: bool,
    /// How the flag's text becomes a JSON value.
    pub kind: Kind,
    /// An array of `kind`: the flag may be given several times.
    pub repeated: bool,
    /// The allowed values of a string enum (empty: any).
    pub choices: &'static [&'static str],
    /// The first paragraph of the spec's description.
    pub help: &'static str,
}

/// Where a field's value goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A property of the JSON body.
    Body,
}

/// How a flag's text becomes a JSON value.
// The generated table uses the kinds the spec needs (no `number` today).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Taken as is.
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// JSON text (objects, unions, arrays of objects).
    Json,
}

include!(concat!(env!("OUT_DIR"), "/spec_operations.rs"));

/// The spec operation named `id`.
pub(crate) fn operation(id: &str) -> Option<&'static SpecOperation> {
    SPEC_OPERATIONS.iter().find(|op| op.id == id)
}
