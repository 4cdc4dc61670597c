//! The flow, budget, quota and metrics operations of
//! [`FlowFabricAdminClient`].

use ff_admin_gen::operations as op;
use ff_admin_gen::types as wire;

use crate::call::{absent_on_404, from_wire, to_wire};
use crate::path_id::{self, PathId};
use crate::{
    AddExecutionToFlowRequest, AddExecutionToFlowResponse, ApplyDependencyToChildRequest,
    ApplyDependencyToChildResponse, BudgetStatus, CancelFlowRequest, CancelFlowResponse,
    CreateBudgetRequest, CreateBudgetResponse, CreateFlowRequest, CreateFlowResponse,
    CreateQuotaPolicyRequest, CreateQuotaPolicyResponse, FlowFabricAdminClient, ReportUsageRequest,
    ReportUsageResponse, ResetBudgetResponse, SdkError, StageDependencyEdgeRequest,
    StageDependencyEdgeResponse,
};

/// The server's 404 text that means "no such budget".
const BUDGET_NOT_FOUND: &[&str] = &["not found: budget"];

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
        let body: wire::CreateFlowBody = to_wire(op, req)?;
        let answer = self.call(op, || self.raw.create_flow(&body)).await?;
        from_wire(op, answer)
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
        let body: wire::AddExecutionToFlowBody = to_wire(op, req)?;
        let answer = self
            .call(op, || self.raw.add_execution_to_flow(&flow_id, &body))
            .await?;
        from_wire(op, answer)
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
        let body: wire::CancelFlowBody = to_wire(op, req)?;
        let answer = self
            .call(op, || {
                let wait = if wait { "true" } else { "false" };
                self.raw.cancel_flow(&flow_id, Some(wait), &body)
            })
            .await?;
        from_wire(op, answer)
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
        let body: wire::StageDependencyEdgeBody = to_wire(op, req)?;
        let answer = self
            .call(op, || self.raw.stage_dependency_edge(&flow_id, &body))
            .await?;
        from_wire(op, answer)
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
        let body: wire::ApplyDependencyToChildBody = to_wire(op, req)?;
        let answer = self
            .call(op, || self.raw.apply_dependency_to_child(&flow_id, &body))
            .await?;
        from_wire(op, answer)
    }

    /// Creates a budget with the caller's id (`POST /v1/budgets`).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`]: 400 when the three lists differ in length
    /// (500 `dimension_limit_array_mismatch` on Valkey); 401, 409, 413, 415,
    /// 422, 429, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadySatisfied`.
    pub async fn create_budget(
        &self,
        req: &CreateBudgetRequest,
    ) -> Result<CreateBudgetResponse, SdkError> {
        let op = &op::CREATE_BUDGET;
        let body: wire::CreateBudgetBody = to_wire(op, req)?;
        let answer = self.call(op, || self.raw.create_budget(&body)).await?;
        from_wire(op, answer)
    }

    /// Reads a budget's limits, usage and breach counters
    /// (`GET /v1/budgets/{budget_id}`).
    ///
    /// `Ok(None)` for the server's "not found: budget" 404 only.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 400 for an id that is not a UUID, 401, 500,
    /// 503.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_budget_status(
        &self,
        budget_id: &(impl PathId + ?Sized),
    ) -> Result<Option<BudgetStatus>, SdkError> {
        let op = &op::GET_BUDGET_STATUS;
        let id = path_id::checked(op.route, "budget_id", budget_id)?;
        let answer = self.call(op, || self.raw.get_budget_status(&id)).await;
        absent_on_404(answer, BUDGET_NOT_FOUND)?
            .map(|status| from_wire(op, status))
            .transpose()
    }

    /// Adds usage to a budget (`POST /v1/budgets/{budget_id}/usage`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 400, 401, 409, 413, 415, 422, 429, 500, 503.
    /// An unknown budget is not an error: every backend answers `Ok`.
    ///
    /// # Retries
    ///
    /// Not idempotent (`x-idempotent: false`; a
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it only after a failure
    /// that proves the request was not processed: connect failure, 429,
    /// 503) without `dedup_key`: a retry adds the usage twice.
    /// With a `dedup_key` the usage is added once; the repeat answers
    /// `AlreadyApplied` on Valkey and the first answer again on SQLite and
    /// Postgres.
    pub async fn report_usage(
        &self,
        budget_id: &(impl PathId + ?Sized),
        req: &ReportUsageRequest,
    ) -> Result<ReportUsageResponse, SdkError> {
        let op = &op::REPORT_USAGE;
        let id = path_id::checked(op.route, "budget_id", budget_id)?;
        let body: wire::ReportUsageBody = to_wire(op, req)?;
        let answer = self.call(op, || self.raw.report_usage(&id, &body)).await?;
        from_wire(op, answer)
    }

    /// Resets a budget's usage to zero (`POST /v1/budgets/{budget_id}/reset`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 404 for an unknown budget on SQLite and
    /// Postgres (Valkey answers `Reset` with `next_reset_at: 0`), 400, 401,
    /// 409, 413, 429, 500, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): resetting twice leaves the budget as resetting once.
    pub async fn reset_budget(
        &self,
        budget_id: &(impl PathId + ?Sized),
    ) -> Result<ResetBudgetResponse, SdkError> {
        let op = &op::RESET_BUDGET;
        let id = path_id::checked(op.route, "budget_id", budget_id)?;
        let answer = self.call(op, || self.raw.reset_budget(&id)).await?;
        from_wire(op, answer)
    }

    /// Creates a quota policy with the caller's id (`POST /v1/quotas`).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`]: 422 for a malformed body, 400, 401, 409,
    /// 413, 415, 429, 500, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadySatisfied`.
    pub async fn create_quota_policy(
        &self,
        req: &CreateQuotaPolicyRequest,
    ) -> Result<CreateQuotaPolicyResponse, SdkError> {
        let op = &op::CREATE_QUOTA_POLICY;
        let body: wire::CreateQuotaPolicyBody = to_wire(op, req)?;
        let answer = self
            .call(op, || self.raw.create_quota_policy(&body))
            .await?;
        from_wire(op, answer)
    }

    /// Scrapes the server's Prometheus metrics (`GET /metrics`, never
    /// authenticated): the text exposition, as sent.
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`] 404 (401 when the server has a token) when
    /// ff-server was built without its `observability` feature;
    /// [`SdkError::Http`] when the server cannot be reached. A body that is
    /// not UTF-8 is a [`SdkError::Decode`].
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_metrics(&self) -> Result<String, SdkError> {
        let op = &op::GET_METRICS;
        let body = self.call_bytes(op, || self.raw.get_metrics()).await?;
        String::from_utf8(body).map_err(|e| {
            let raw_body = String::from_utf8_lossy(e.as_bytes()).into_owned();
            SdkError::Decode {
                status: 200,
                context: op.route.to_owned(),
                source: serde_json::Error::io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.utf8_error(),
                )),
                raw_body,
            }
        })
    }
}
