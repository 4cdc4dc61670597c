//! Request and response types of the execution operations.
//!
//! Each type serializes to exactly the JSON its spec schema describes
//! (`cargo xtask spec-check` holds them against `openapi.yaml`). Answers the
//! server sends as a Rust enum without a tag (`{"Created":{…}}`) are enums
//! here too, with one variant per wire variant.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An execution's state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PublicState {
    /// Waiting to be claimed.
    Waiting,
    /// Not eligible before a point in time.
    Delayed,
    /// Held back by a rate limit.
    RateLimited,
    /// Waiting for child executions (a flow dependency).
    WaitingChildren,
    /// A worker holds it.
    Active,
    /// Suspended on a waitpoint.
    Suspended,
    /// Resumable after a suspension.
    Resumable,
    /// Ended successfully.
    Completed,
    /// Ended with a failure.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Its deadline passed.
    Expired,
    /// Skipped (an upstream of its flow failed).
    Skipped,
}

/// The engine's full state of an execution, one field per dimension.
///
/// The values are the server's snake_case names (for example
/// `lifecycle_phase: "runnable"`); they are kept as text so that a value a
/// newer server adds does not make the whole answer unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StateVector {
    /// `submitted`, `runnable`, `active`, `suspended` or `terminal`.
    pub lifecycle_phase: String,
    /// `unowned`, `leased`, `lease_expired_reclaimable` or `lease_revoked`.
    pub ownership_state: String,
    /// `eligible_now`, `blocked_by_dependencies`, ….
    pub eligibility_state: String,
    /// `none`, `waiting_for_worker`, `waiting_for_signal`, ….
    pub blocking_reason: String,
    /// `none`, `success`, `failed`, `cancelled`, `expired` or `skipped`.
    pub terminal_outcome: String,
    /// `none`, `pending_first_attempt`, `running_attempt`, ….
    pub attempt_state: String,
    /// The public state derived from the other dimensions.
    pub public_state: PublicState,
}

/// `200` of `GET /v1/executions/{execution_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionInfo {
    /// The execution, `{fp:N}:<uuid>`.
    pub execution_id: String,
    /// Its namespace.
    pub namespace: String,
    /// Its lane.
    pub lane_id: String,
    /// Its priority (higher is claimed first).
    pub priority: i32,
    /// What kind of work it is.
    pub execution_kind: String,
    /// The engine's full state.
    pub state_vector: StateVector,
    /// The public state.
    pub public_state: PublicState,
    /// Creation time, epoch milliseconds as a decimal string.
    pub created_at: String,
    /// When the first attempt started (epoch ms as text), once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it ended (epoch ms as text), once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// The index of the latest attempt.
    pub current_attempt_index: u32,
    /// The flow it belongs to, if any.
    pub flow_id: Option<String>,
    /// Why it is not progressing, in words; empty when nothing blocks it.
    pub blocking_detail: String,
}

/// `200` of `GET /v1/executions`: one page of execution ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionPage {
    /// Execution ids in ascending order.
    pub executions: Vec<String>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// How the engine runs an execution. Every field is optional; the server
/// applies its default for each one left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionPolicy {
    /// Priority (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Not eligible before this time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_until: Option<i64>,
    /// How often a lease may be reclaimed (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reclaim_count: Option<u32>,
    /// How often it may be replayed (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replay_count: Option<u32>,
    /// How many signals it accepts (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_signals_per_execution: Option<u32>,
    /// Budgets it draws on (UUIDs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budget_ids: Vec<String>,
    /// Deduplication window, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_window_ms: Option<u64>,
}

/// Body of `POST /v1/executions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateExecutionRequest {
    /// The new execution's id, minted by the caller: `{fp:N}:<uuid>`, where
    /// `N` is the flow partition it lives on.
    pub execution_id: String,
    /// The tenant namespace.
    pub namespace: String,
    /// The lane: 1 to 64 printable ASCII characters.
    pub lane_id: String,
    /// What kind of work this is.
    pub execution_kind: String,
    /// The input, as raw bytes (sent as a JSON array of integers).
    pub input_payload: Vec<u8>,
    /// How `input_payload` is encoded (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_encoding: Option<String>,
    /// Priority; higher is claimed first.
    pub priority: i32,
    /// Who creates it, for audit.
    pub creator_identity: String,
    /// Stored for audit; duplicates are detected by `execution_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// How the engine runs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<ExecutionPolicy>,
    /// Not eligible before this time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_until: Option<i64>,
    /// Expires at this time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_deadline_at: Option<i64>,
    /// Required by the server but not used (the partition is the `N` of
    /// `execution_id`); send that `N`.
    pub partition_id: u16,
    /// The caller's clock, epoch milliseconds (see [`crate::now_ms`]).
    pub now: i64,
}

/// `201`/`200` of `POST /v1/executions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CreateExecutionResponse {
    /// `201`: the execution was created.
    Created {
        /// The execution.
        execution_id: String,
        /// Its public state (usually `waiting`).
        public_state: PublicState,
    },
    /// `200`: an execution with this id existed already; nothing changed.
    Duplicate {
        /// The execution.
        execution_id: String,
    },
}

/// A waitpoint that can still be signalled (`GET
/// /v1/executions/{execution_id}/pending-waitpoints`). The raw token is
/// never included; read it with
/// [`read_waitpoint_token`](crate::FlowFabricAdminClient::read_waitpoint_token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PendingWaitpoint {
    /// The waitpoint (a UUID).
    pub waitpoint_id: String,
    /// Its key, chosen by the worker that created it.
    pub waitpoint_key: String,
    /// `pending`, `active` or `closed`.
    pub state: String,
    /// Signal names that satisfy it; empty means any.
    pub required_signal_names: Vec<String>,
    /// Creation time, epoch milliseconds.
    pub created_at: i64,
    /// Activation time, epoch milliseconds, once active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<i64>,
    /// Expiry, epoch milliseconds, if it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The execution it belongs to.
    pub execution_id: String,
    /// The key id its token was minted with.
    pub token_kid: String,
    /// The first 16 hex digits of the token's digest.
    pub token_fingerprint: String,
}

/// Body of `POST /v1/executions/{execution_id}/cancel`; the path id is
/// `execution_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelExecutionRequest {
    /// The execution to cancel.
    pub execution_id: String,
    /// Why, for audit.
    pub reason: String,
    /// Who cancels: `operator_override` (the server's default when `None`),
    /// `lease_holder`, `flow_cascade`, `system_timeout`, or other text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The lease being cancelled under (a UUID), for a lease holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    /// The lease's epoch; required for a source other than
    /// `operator_override` on a leased execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_epoch: Option<u64>,
    /// The attempt being cancelled (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `200` of `POST /v1/executions/{execution_id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CancelExecutionResponse {
    /// The execution is cancelled (now or before).
    Cancelled {
        /// The execution.
        execution_id: String,
        /// Its public state, `cancelled`.
        public_state: PublicState,
    },
}

/// Body of `POST /v1/executions/{execution_id}/signal`; the path id is
/// `execution_id`. `Debug` does not print `waitpoint_token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeliverSignalRequest {
    /// The suspended execution.
    pub execution_id: String,
    /// The waitpoint to signal (a UUID).
    pub waitpoint_id: String,
    /// This signal's id (a UUID minted by the caller).
    pub signal_id: String,
    /// The signal's name.
    pub signal_name: String,
    /// The signal's category.
    pub signal_category: String,
    /// What kind of source sends it.
    pub source_type: String,
    /// Who sends it.
    pub source_identity: String,
    /// Payload bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Vec<u8>>,
    /// How `payload` is encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_encoding: Option<String>,
    /// Correlation id, for audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Deduplication key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The signal's target scope.
    pub target_scope: String,
    /// When the signal was created, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// How long duplicates are detected, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_ttl_ms: Option<u64>,
    /// Delay before the execution resumes, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_delay_ms: Option<u64>,
    /// Cap on signals per execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_signals_per_execution: Option<u64>,
    /// Cap on the waitpoint's signal stream length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_maxlen: Option<u64>,
    /// The waitpoint's HMAC token (`<kid>:<hex>`): a credential.
    pub waitpoint_token: String,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

impl std::fmt::Debug for DeliverSignalRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliverSignalRequest")
            .field("execution_id", &self.execution_id)
            .field("waitpoint_id", &self.waitpoint_id)
            .field("signal_id", &self.signal_id)
            .field("signal_name", &self.signal_name)
            .field("waitpoint_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// `200` of `POST /v1/executions/{execution_id}/signal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum DeliverSignalResponse {
    /// The signal was accepted.
    Accepted {
        /// The signal.
        signal_id: String,
        /// What it did, e.g. `resume_condition_satisfied`.
        effect: String,
    },
    /// A signal with this id was delivered before; nothing changed.
    Duplicate {
        /// The earlier signal.
        existing_signal_id: String,
    },
}

/// `200` of `PUT /v1/executions/{execution_id}/priority`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum ChangePriorityResponse {
    /// The priority was changed.
    Changed {
        /// The execution.
        execution_id: String,
    },
}

/// `200` of `POST /v1/executions/{execution_id}/replay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum ReplayExecutionResponse {
    /// The execution was replayed.
    Replayed {
        /// Its new public state.
        public_state: PublicState,
    },
}

/// `200` of `POST /v1/executions/{execution_id}/revoke-lease`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum RevokeLeaseResponse {
    /// The lease was revoked.
    Revoked {
        /// The revoked lease.
        lease_id: String,
        /// Its epoch, as a decimal string.
        lease_epoch: String,
    },
    /// There was nothing to revoke.
    AlreadySatisfied {
        /// Why, e.g. `no_active_lease`.
        reason: String,
    },
}

/// The range of a stream read (`GET …/attempts/{attempt_index}/stream`).
/// `Default` reads the first 100 frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRange {
    /// Start (inclusive): `start`, `end`, `<ms>` or `<ms>-<seq>`; `None`
    /// means `start`.
    pub from: Option<String>,
    /// End (inclusive), same forms; `None` means `end`.
    pub to: Option<String>,
    /// How many frames at most, 1 to 1000; `None` means 100.
    pub limit: Option<u64>,
}

/// Where a stream tail starts and how long it waits
/// (`GET …/attempts/{attempt_index}/stream/tail`). `Default` peeks from the
/// beginning without waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamTail {
    /// Read strictly after this frame id (`<ms>-<seq>`); `None` means `0-0`.
    pub after: Option<String>,
    /// How long to wait for a first frame, 0 to 30000 ms; `None` means 0.
    pub block_ms: Option<u64>,
    /// How many frames at most, 1 to 1000; `None` means 50.
    pub limit: Option<u64>,
}

/// One frame of an attempt's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StreamFrame {
    /// The frame id, `<ms>-<seq>`.
    pub id: String,
    /// Its fields (payload, encoding, source, …).
    pub fields: BTreeMap<String, String>,
}

/// `200` of a stream read or tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StreamFrames {
    /// The frames, oldest first.
    pub frames: Vec<StreamFrame>,
    /// How many frames there are.
    pub count: u64,
    /// When the producer closed the stream, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    /// Why the producer closed it (`attempt_success`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
}
