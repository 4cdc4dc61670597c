#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod budgets;
mod call;
mod claim_types;
mod claims;
mod client;
mod executions;
mod flows;
#[cfg(feature = "ff-core")]
mod grant;
mod health;
mod path_id;
mod response;
mod retry;
mod sdk_error;
mod streams;
mod tls;
mod trace;

/// Every request and answer type of the spec, generated from its schema of
/// the same name (see the crate docs' type policy). The three drop-in
/// types below take the place of their generated namesakes.
#[doc(inline)]
pub use ff_admin_gen::types::*;

pub use claim_types::{ClaimForWorkerRequest, ClaimForWorkerResponse, IssueReclaimGrantResponse};
pub use client::{
    FlowFabricAdminClient, FlowFabricAdminClientBuilder, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use path_id::PathId;
pub use retry::RetryPolicy;
pub use sdk_error::SdkError;
pub use streams::{StreamRange, StreamTail};
pub use tls::http_client_builder;

/// The current time in Unix epoch milliseconds, for the `now` field that
/// most request bodies carry (the server records it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The raw generated bindings this crate wraps, for operations or details
/// the ergonomic client does not expose. Their methods take path ids as
/// `&str` and leave validation to the server.
pub use ff_admin_gen as raw;
