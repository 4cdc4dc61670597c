//! The flow operations of [`FlowFabricAdminClient`] (the spec's `flows`
//! tag): create a flow, add members, cancel it, stage and apply dependency
//! edges.

use ff_admin_gen::operations as op;

use crate::path_id;
use crate::{
    AddExecutionToFlowRequest, AddExecutionToFlowResponse, ApplyDependencyToChildRequest,
    ApplyDependencyToChildResponse, CancelFlowRequest, CancelFlowResponse, CreateFlowRequest,
    CreateFlowResponse, FlowFabricAdminClient, SdkError, StageDependencyEdgeRequest,
    StageDependencyEdgeResponse,
};

impl FlowFabricAdminClient {
    /// Creates a flow with the caller's id (`POST /v1/flows`).
    ///
    /// [`CreateFlowResponse::Created`] (201) the first time,
    /// [`CreateFlowResponse::AlreadySatisfied`] (200) when it exists.
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`]: 422 for a malformed body, 400, 401, 409,
    /// 413, 415, 429, 500, 503 as documented in the spec.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadySatisfied`.
    pub async fn create_flow(
        &self,
        req: &CreateFlowRequest,
    ) -> Result<CreateFlowResponse, SdkError> {
        let op = &op::CREATE_FLOW;
        self.call(op, || self.raw.create_flow(req)).await
    }

    /// Adds `req.execution_id` to flow `req.flow_id`
    /// (`POST /v1/flows/{flow_id}/members`).
    ///
    /// The execution must live on the flow's partition.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` flow id;
    /// [`SdkError::AdminApi`]: 400 for an execution on another partition
    /// (naming the partition on Valkey and SQLite) or, on SQLite and
    /// Postgres, an unknown or terminal flow or execution; on Valkey those
    /// refusals are 500 with the script's code; 422 for a malformed id; 401,
    /// 413, 415, 429, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadyMember`.
    pub async fn add_execution_to_flow(
        &self,
        req: &AddExecutionToFlowRequest,
    ) -> Result<AddExecutionToFlowResponse, SdkError> {
        let op = &op::ADD_EXECUTION_TO_FLOW;
        let flow_id = path_id::checked(op.route, "flow_id", &req.flow_id)?;
        self.call(op, || self.raw.add_execution_to_flow(&flow_id, req))
            .await
    }

    /// Cancels flow `req.flow_id` (`POST /v1/flows/{flow_id}/cancel`).
    ///
    /// With `cancellation_policy: "cancel_all"` the members are cancelled
    /// too: before answering when `wait` is true, in the background
    /// otherwise.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` flow id;
    /// [`SdkError::AdminApi`]: 404 for an unknown flow (400 on Valkey); 422
    /// for a malformed id; 400, 401, 409, 413, 415, 429, 500, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): cancelling a cancelled flow answers again.
    pub async fn cancel_flow(
        &self,
        req: &CancelFlowRequest,
        wait: bool,
    ) -> Result<CancelFlowResponse, SdkError> {
        let op = &op::CANCEL_FLOW;
        let flow_id = path_id::checked(op.route, "flow_id", &req.flow_id)?;
        self.call(op, || {
            let wait = if wait { "true" } else { "false" };
            self.raw.cancel_flow(&flow_id, Some(wait), req)
        })
        .await
    }

    /// Stages a dependency edge between two members of flow `req.flow_id`
    /// (`POST /v1/flows/{flow_id}/edges`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` flow id;
    /// [`SdkError::AdminApi`]: on SQLite and Postgres 409 `contention`
    /// (retryable) for a stale `expected_graph_revision`, 400 or 409 for an
    /// edge that exists, 400 for an execution outside the flow or a
    /// self-edge; on Valkey all of these are 500 with the script's code (a
    /// server quirk); 401, 413, 415, 422, 429, 503.
    ///
    /// # Retries
    ///
    /// Idempotent in effect (`x-idempotent: true`; a
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it after any transient
    /// failure): staging the same edge again changes nothing and
    /// answers an error (`dependency_already_exists` or a stale revision).
    pub async fn stage_dependency_edge(
        &self,
        req: &StageDependencyEdgeRequest,
    ) -> Result<StageDependencyEdgeResponse, SdkError> {
        let op = &op::STAGE_DEPENDENCY_EDGE;
        let flow_id = path_id::checked(op.route, "flow_id", &req.flow_id)?;
        self.call(op, || self.raw.stage_dependency_edge(&flow_id, req))
            .await
    }

    /// Applies a staged edge to its downstream execution
    /// (`POST /v1/flows/{flow_id}/edges/apply`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` flow id;
    /// [`SdkError::AdminApi`]: 400 (`edge_not_found`, a partition
    /// mismatch) on SQLite and Postgres; Valkey answers `Applied` even for
    /// an edge never staged (a server quirk); 401, 409, 413, 415, 422, 429,
    /// 500, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadyApplied`.
    pub async fn apply_dependency_to_child(
        &self,
        req: &ApplyDependencyToChildRequest,
    ) -> Result<ApplyDependencyToChildResponse, SdkError> {
        let op = &op::APPLY_DEPENDENCY_TO_CHILD;
        let flow_id = path_id::checked(op.route, "flow_id", &req.flow_id)?;
        self.call(op, || self.raw.apply_dependency_to_child(&flow_id, req))
            .await
    }
}
