//! The budget and quota operations of [`FlowFabricAdminClient`] (the
//! spec's `budgets` and `quotas` tags).

use ff_admin_gen::operations as op;

use crate::call::absent_on_404;
use crate::path_id::{self, PathId};
use crate::{
    BudgetStatus, CreateBudgetRequest, CreateBudgetResponse, CreateQuotaPolicyRequest,
    CreateQuotaPolicyResponse, FlowFabricAdminClient, ReportUsageRequest, ReportUsageResponse,
    ResetBudgetResponse, SdkError,
};

/// The server's 404 text that means "no such budget".
const BUDGET_NOT_FOUND: &[&str] = &["not found: budget"];

impl FlowFabricAdminClient {
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
        self.call(op, || self.raw.create_budget(req)).await
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
        absent_on_404(answer, BUDGET_NOT_FOUND)
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
        self.call(op, || self.raw.report_usage(&id, req)).await
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
        self.call(op, || self.raw.reset_budget(&id)).await
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
        self.call(op, || self.raw.create_quota_policy(req)).await
    }
}
