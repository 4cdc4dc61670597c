#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod call;
mod client;
mod error;
#[cfg(feature = "ff-core")]
mod grant;
mod models;
mod operations;
mod path_id;
mod response;
mod retry;
mod trace;

pub use client::{
    FlowFabricAdminClient, FlowFabricAdminClientBuilder, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::SdkError;
pub use models::{
    ClaimForWorkerRequest, ClaimForWorkerResponse, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, RotateWaitpointSecretResponse,
};
pub use path_id::PathId;
pub use retry::RetryPolicy;

/// The raw generated bindings this crate wraps, for operations or details
/// the ergonomic client does not expose.
pub use ff_admin_gen as raw;
