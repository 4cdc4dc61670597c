//! Raw bindings for the REST API of FlowFabric's `ff-server` 0.15: every
//! route its router mounts.
//!
//! Everything in [`Client`] and [`types`] is generated at build time by
//! [progenitor](https://docs.rs/progenitor) from the crate's `openapi.yaml`
//! (the workspace's published spec, packaged with the crate). Nothing
//! generated is committed or edited by hand.
//!
//! Most users want the `ff-admin` crate instead: it wraps these bindings
//! with typed errors, `None` for "no content", path-id validation and a
//! builder for timeouts and authentication.
//!
//! What differs from the published spec, so that progenitor can take it:
//!
//! * Error responses are not declared to the generator. Every non-2xx answer
//!   arrives as [`Error::UnexpectedResponse`] carrying the whole
//!   `reqwest::Response`; decode it with [`types::ErrorBody`] yourself.
//! * `claim_for_worker`'s `204 No Content` also arrives as
//!   [`Error::UnexpectedResponse`] (see [`NO_CONTENT_OPERATIONS`]).
//! * An operation whose 2xx answers are externally tagged, the way
//!   ff-server serializes its Rust enums (`{"Created":{…}}`, `"Ok"`),
//!   returns one generated enum, `<Operation>Response`, with a variant per
//!   wire variant of all its statuses (create: 201 `Created`, 200
//!   `Duplicate`); the per-status schemas are not generated on their own.
//! * Schemas that only name a primitive (ids, timestamps, counters) are
//!   that primitive (`String`, `i64`, `u64`); maps are `BTreeMap`; an
//!   optional property with a server default is an `Option` (`None` lets
//!   the server apply it).
//! * Every enum is `#[non_exhaustive]` (a newer server may add a variant)
//!   but `IssueReclaimGrantResponse`, exhaustive as in `ff_sdk::admin`. A
//!   value set marked `x-extensible` in the spec (the state vector's
//!   dimensions) is a `String`, which reads a value this client does not
//!   know.
//! * `Debug` prints `<redacted>` for every `format: password` field
//!   (waitpoint tokens, HMAC secrets).
//! * Value constraints (patterns, lengths, ranges) are left to the server.
//! * Path parameters whose schema is a string (execution, worker, flow,
//!   budget and waitpoint ids) are taken as `&str`, so an id is sent
//!   without first being copied into an owned newtype.
//!
//! How the generated methods send, where progenitor's own helpers would
//! differ:
//!
//! * A path parameter is percent-encoded as one segment (see
//!   [`encode_path_segment`]), `\` included: URL parsing would read a bare
//!   `\` as `/` and send the call to another route.
//! * The base URL is parsed once per client and each call parses only its
//!   path. A base URL and path that do not make a URL (a base without a
//!   scheme) fail the call with [`Error::InvalidRequest`], before anything
//!   is sent.
//!
//! Answers that are not JSON (`get_execution_result`'s bytes,
//! `get_metrics`' text) come back as a [`ByteStream`]. [`OPERATIONS`] (and a
//! constant per operation in [`operations`]) lists what the spec says of
//! each operation beyond its signature: method, path template and its
//! `x-idempotent` class.
//!
//! Every answer's body is limited in size (see [`ClientSettings`] and
//! [`ResponseTooLarge`]); the default is [`DEFAULT_MAX_RESPONSE_BYTES`].
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), ff_admin_gen::Error> {
//! let client = ff_admin_gen::Client::new_with_client(
//!     "http://127.0.0.1:9090",
//!     reqwest::Client::new(),
//!     ff_admin_gen::ClientSettings::new(ff_admin_gen::RequestAuth::none()),
//! );
//! let health = client.healthz().await?;
//! assert_eq!(health.status, ff_admin_gen::types::HealthResponseStatus::Ok);
//! # Ok(()) }
//! ```

mod generated {
    #![allow(
        missing_docs,
        unused_imports,
        unused_mut,
        clippy::all,
        clippy::pedantic
    )]
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

mod json_answer;
mod operation;
mod path_segment;
mod read_body;
mod request_auth;
mod request_url;
mod response_limit;
mod settings;

pub use generated::*;
pub use operation::Operation;
pub use path_segment::encode_path_segment;
pub use read_body::{read_body, BodyReadError};
pub use request_auth::RequestAuth;
pub use response_limit::{ResponseTooLarge, DEFAULT_MAX_RESPONSE_BYTES, PREFIX_BYTES};
pub use settings::ClientSettings;
