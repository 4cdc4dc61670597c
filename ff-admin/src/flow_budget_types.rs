//! Request and response types of the flow, budget and quota operations.
//!
//! As for the execution types, each serializes to exactly the JSON of its
//! spec schema, and untagged Rust enums on the server are enums here.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/flows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateFlowRequest {
    /// The new flow's id, a UUID minted by the caller.
    pub flow_id: String,
    /// What kind of flow this is.
    pub flow_kind: String,
    /// The tenant namespace.
    pub namespace: String,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `201`/`200` of `POST /v1/flows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CreateFlowResponse {
    /// `201`: the flow was created.
    Created {
        /// The flow.
        flow_id: String,
    },
    /// `200`: a flow with this id existed already; nothing changed.
    AlreadySatisfied {
        /// The flow.
        flow_id: String,
    },
}

/// Body of `POST /v1/flows/{flow_id}/members`; the path id is `flow_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddExecutionToFlowRequest {
    /// The flow.
    pub flow_id: String,
    /// The execution to add; it must live on the flow's partition.
    pub execution_id: String,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `201`/`200` of `POST /v1/flows/{flow_id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum AddExecutionToFlowResponse {
    /// `201`: the execution joined the flow.
    Added {
        /// The execution.
        execution_id: String,
        /// How many executions the flow has now.
        new_node_count: u32,
    },
    /// `200`: it was a member already; nothing changed.
    AlreadyMember {
        /// The execution.
        execution_id: String,
        /// How many executions the flow has.
        node_count: u32,
    },
}

/// Body of `POST /v1/flows/{flow_id}/cancel`; the path id is `flow_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelFlowRequest {
    /// The flow.
    pub flow_id: String,
    /// Why, for audit.
    pub reason: String,
    /// `cancel_all` also cancels the member executions; any other value
    /// cancels the flow alone.
    pub cancellation_policy: String,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `200` of `POST /v1/flows/{flow_id}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CancelFlowResponse {
    /// The flow and the listed members are cancelled.
    Cancelled {
        /// The policy applied.
        cancellation_policy: String,
        /// The members (at most 1000 for a flow that was cancelled before).
        member_execution_ids: Vec<String>,
    },
    /// The flow is cancelled; its members are being cancelled in the
    /// background.
    CancellationScheduled {
        /// The policy applied.
        cancellation_policy: String,
        /// How many members there are.
        member_count: u32,
        /// The members.
        member_execution_ids: Vec<String>,
    },
    /// With `wait`, some members could not be cancelled.
    PartiallyCancelled {
        /// The policy applied.
        cancellation_policy: String,
        /// The members.
        member_execution_ids: Vec<String>,
        /// The members that failed to cancel.
        failed_member_execution_ids: Vec<String>,
    },
}

/// Body of `POST /v1/flows/{flow_id}/edges`; the path id is `flow_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StageDependencyEdgeRequest {
    /// The flow.
    pub flow_id: String,
    /// The new edge's id, a UUID minted by the caller.
    pub edge_id: String,
    /// The execution that must finish first.
    pub upstream_execution_id: String,
    /// The execution that waits for it.
    pub downstream_execution_id: String,
    /// The dependency's kind; the server's default is `success_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_kind: Option<String>,
    /// A reference to the data passed along the edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_passing_ref: Option<String>,
    /// The flow's current graph revision (0 for a new flow).
    pub expected_graph_revision: u64,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `201` of `POST /v1/flows/{flow_id}/edges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum StageDependencyEdgeResponse {
    /// The edge is staged.
    Staged {
        /// The edge.
        edge_id: String,
        /// The flow's graph revision now.
        new_graph_revision: u64,
    },
}

/// Body of `POST /v1/flows/{flow_id}/edges/apply`; the path id is
/// `flow_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyDependencyToChildRequest {
    /// The flow.
    pub flow_id: String,
    /// The staged edge.
    pub edge_id: String,
    /// The execution that waits.
    pub downstream_execution_id: String,
    /// The execution it waits for.
    pub upstream_execution_id: String,
    /// The graph revision the edge was staged at.
    pub graph_revision: u64,
    /// The dependency's kind; the server's default is `success_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_kind: Option<String>,
    /// A reference to the data passed along the edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_passing_ref: Option<String>,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `200` of `POST /v1/flows/{flow_id}/edges/apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum ApplyDependencyToChildResponse {
    /// The edge was applied.
    Applied {
        /// How many upstreams of the downstream execution are unsatisfied.
        unsatisfied_count: u32,
    },
    /// It had been applied before; nothing changed (the bare string
    /// `"AlreadyApplied"` on the wire).
    AlreadyApplied,
}

/// Body of `POST /v1/budgets`. `dimensions`, `hard_limits` and
/// `soft_limits` are parallel lists of one length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateBudgetRequest {
    /// The new budget's id, a UUID minted by the caller.
    pub budget_id: String,
    /// What the budget applies to (e.g. `lane`).
    pub scope_type: String,
    /// Which one (e.g. the lane's name).
    pub scope_id: String,
    /// How the limits are enforced.
    pub enforcement_mode: String,
    /// What happens at a hard limit.
    pub on_hard_limit: String,
    /// What happens at a soft limit.
    pub on_soft_limit: String,
    /// How often usage resets, in milliseconds.
    pub reset_interval_ms: u64,
    /// The dimensions measured (e.g. `tokens`).
    pub dimensions: Vec<String>,
    /// One hard limit per dimension.
    pub hard_limits: Vec<u64>,
    /// One soft limit per dimension.
    pub soft_limits: Vec<u64>,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `201`/`200` of `POST /v1/budgets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CreateBudgetResponse {
    /// `201`: the budget was created.
    Created {
        /// The budget.
        budget_id: String,
    },
    /// `200`: a budget with this id existed already; nothing changed.
    AlreadySatisfied {
        /// The budget.
        budget_id: String,
    },
}

/// `200` of `GET /v1/budgets/{budget_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BudgetStatus {
    /// The budget.
    pub budget_id: String,
    /// What it applies to.
    pub scope_type: String,
    /// Which one.
    pub scope_id: String,
    /// How the limits are enforced.
    pub enforcement_mode: String,
    /// Usage so far, per dimension.
    pub usage: BTreeMap<String, u64>,
    /// Hard limits, per dimension.
    pub hard_limits: BTreeMap<String, u64>,
    /// Soft limits, per dimension.
    pub soft_limits: BTreeMap<String, u64>,
    /// How often a hard limit was crossed.
    pub breach_count: u64,
    /// How often a soft limit was crossed.
    pub soft_breach_count: u64,
    /// The last breach, epoch milliseconds as text.
    pub last_breach_at: Option<String>,
    /// The dimension of the last breach.
    pub last_breach_dim: Option<String>,
    /// The next automatic reset, epoch milliseconds as text.
    pub next_reset_at: Option<String>,
    /// Creation time, epoch milliseconds as text.
    pub created_at: Option<String>,
}

/// Body of `POST /v1/budgets/{budget_id}/usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportUsageRequest {
    /// The amount to add, per dimension.
    pub dimensions: BTreeMap<String, u64>,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
    /// A repeat with the same key adds nothing and answers
    /// [`ReportUsageResponse::AlreadyApplied`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
}

/// `200` of `POST /v1/budgets/{budget_id}/usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum ReportUsageResponse {
    /// No limit crossed (the bare string `"Ok"` on the wire).
    Ok,
    /// A soft limit was crossed.
    SoftBreach {
        /// The dimension.
        dimension: String,
        /// Its usage now.
        current_usage: u64,
        /// Its soft limit.
        soft_limit: u64,
    },
    /// A hard limit was crossed.
    HardBreach {
        /// The dimension.
        dimension: String,
        /// Its usage now.
        current_usage: u64,
        /// Its hard limit.
        hard_limit: u64,
    },
    /// A report with this `dedup_key` was applied before; nothing added.
    AlreadyApplied,
}

/// `200` of `POST /v1/budgets/{budget_id}/reset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum ResetBudgetResponse {
    /// The usage is zero.
    Reset {
        /// The next automatic reset, epoch milliseconds.
        next_reset_at: i64,
    },
}

/// Body of `POST /v1/quotas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateQuotaPolicyRequest {
    /// The new policy's id, a UUID minted by the caller.
    pub quota_policy_id: String,
    /// The window, in seconds.
    pub window_seconds: u64,
    /// Admissions per window at most.
    pub max_requests_per_window: u64,
    /// Admissions at once at most.
    pub max_concurrent: u64,
    /// The caller's clock, epoch milliseconds.
    pub now: i64,
}

/// `201`/`200` of `POST /v1/quotas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub enum CreateQuotaPolicyResponse {
    /// `201`: the policy was created.
    Created {
        /// The policy.
        quota_policy_id: String,
    },
    /// `200`: a policy with this id existed already; nothing changed.
    AlreadySatisfied {
        /// The policy.
        quota_policy_id: String,
    },
}
