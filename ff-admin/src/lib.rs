#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod call;
mod client;
mod error;
mod execution_types;
mod executions;
mod flow_budget_types;
mod flows_budgets;
#[cfg(feature = "ff-core")]
mod grant;
mod models;
mod operations;
mod path_id;
mod response;
mod retry;
mod tls;
mod trace;

pub use client::{
    FlowFabricAdminClient, FlowFabricAdminClientBuilder, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::SdkError;
pub use execution_types::{
    CancelExecutionRequest, CancelExecutionResponse, ChangePriorityResponse,
    CreateExecutionRequest, CreateExecutionResponse, DeliverSignalRequest, DeliverSignalResponse,
    ExecutionInfo, ExecutionPage, ExecutionPolicy, PendingWaitpoint, PublicState,
    ReplayExecutionResponse, RevokeLeaseResponse, StateVector, StreamFrame, StreamFrames,
    StreamRange, StreamTail,
};
pub use flow_budget_types::{
    AddExecutionToFlowRequest, AddExecutionToFlowResponse, ApplyDependencyToChildRequest,
    ApplyDependencyToChildResponse, BudgetStatus, CancelFlowRequest, CancelFlowResponse,
    CreateBudgetRequest, CreateBudgetResponse, CreateFlowRequest, CreateFlowResponse,
    CreateQuotaPolicyRequest, CreateQuotaPolicyResponse, ReportUsageRequest, ReportUsageResponse,
    ResetBudgetResponse, StageDependencyEdgeRequest, StageDependencyEdgeResponse,
};
pub use models::{
    ClaimForWorkerRequest, ClaimForWorkerResponse, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, RotateWaitpointSecretResponse,
};
pub use path_id::PathId;
pub use retry::RetryPolicy;
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
