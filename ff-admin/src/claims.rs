//! Claims and secrets (the spec's `workers` and `admin` tags, and the
//! reclaim and token reads of `executions`): the four operations whose
//! signatures are `ff_sdk::admin`'s.

use ff_admin_gen::operations as op;
use ff_admin_gen::types as wire;

use crate::call::absent_on_404;
use crate::path_id::{self, PathId};
use crate::{
    ClaimForWorkerRequest, ClaimForWorkerResponse, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, RotateWaitpointSecretResponse,
    SdkError,
};

/// The `error` text of the one 404 that means "no token for this waitpoint".
const TOKEN_NOT_FOUND: &str = "waitpoint token not found";

impl FlowFabricAdminClient {
    /// Claims the next eligible execution on `req.lane_id` for
    /// `req.worker_id` (`POST /v1/workers/{worker_id}/claim`).
    ///
    /// Returns `Ok(Some(grant))` on 200 and `Ok(None)` on 204 (nothing
    /// eligible now; poll again after a back-off). The grant is redeemed by
    /// the worker within `grant_ttl_ms`.
    ///
    /// # Errors
    ///
    /// * [`SdkError::Config`] when `worker_id` is empty, `.` or `..` (checked
    ///   before sending).
    /// * [`SdkError::AdminApi`]: 400 for an invalid worker id, instance id,
    ///   lane or `grant_ttl_ms` (outside 1..=60000); 401 for a missing or
    ///   wrong token; 503 with `kind: Some("unavailable")` on a backend
    ///   without scheduler-routed claims (SQLite); 413, 415, 422, 429, 500 as
    ///   documented in the spec.
    /// * [`SdkError::Http`], [`SdkError::Body`], [`SdkError::Decode`] for
    ///   transport faults and malformed answers.
    ///
    /// # Retries
    ///
    /// Not idempotent (`x-idempotent: false`): each 200 hands out a grant. A
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it only after a failure that proves the
    /// request was not processed (connect failure, 429, 503), never after a
    /// timeout, a dropped connection or a cut-off answer. Retrying such a
    /// failure yourself may return a different execution; a grant that was
    /// issued but never received expires after `grant_ttl_ms`.
    pub async fn claim_for_worker(
        &self,
        req: ClaimForWorkerRequest,
    ) -> Result<Option<ClaimForWorkerResponse>, SdkError> {
        let op = &op::CLAIM_FOR_WORKER;
        let (worker_id, body) = <(String, wire::ClaimForWorkerRequest)>::from(req);
        path_id::checked(op.route, "worker_id", worker_id.as_str())?;
        let grant = self
            .call_or_no_content(op, || self.raw.claim_for_worker(&worker_id, &body))
            .await?;
        Ok(grant.map(Into::into))
    }

    /// Installs a new waitpoint HMAC secret on every partition
    /// (`POST /v1/admin/rotate-waitpoint-secret`).
    ///
    /// The previous key stays valid for the server's grace window. Returns
    /// how many partitions hold the new key and which failed.
    ///
    /// # Errors
    ///
    /// * [`SdkError::AdminApi`]: 400 for an empty kid or one with `:`, a
    ///   secret that is not even-length hex (or not 64 hex digits on SQLite
    ///   and Postgres), a kid reused with another secret, or a rotation that
    ///   failed on every partition; 401; 429 while another rotation runs;
    ///   504 when the server's 120 s deadline passes; 413, 415, 422, 500, 503
    ///   as documented in the spec.
    /// * [`SdkError::Http`], [`SdkError::Body`], [`SdkError::Decode`] for
    ///   transport faults and malformed answers.
    ///
    /// # Retries
    ///
    /// Idempotent on the same `(new_kid, new_secret_hex)`
    /// (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy) repeats it after any
    /// transient failure, including a 429 while another rotation runs and a
    /// 504 at the server's deadline.
    pub async fn rotate_waitpoint_secret(
        &self,
        req: RotateWaitpointSecretRequest,
    ) -> Result<RotateWaitpointSecretResponse, SdkError> {
        let op = &op::ROTATE_WAITPOINT_SECRET;
        self.call(op, || self.raw.rotate_waitpoint_secret(&req))
            .await
    }

    /// Asks for a lease-reclaim grant on an execution whose lease expired or
    /// was revoked (`POST /v1/executions/{execution_id}/reclaim`).
    ///
    /// Every business outcome is `Ok`: [`IssueReclaimGrantResponse::Granted`],
    /// [`IssueReclaimGrantResponse::NotReclaimable`] (the execution is in no
    /// reclaimable state) or [`IssueReclaimGrantResponse::ReclaimCapExceeded`].
    ///
    /// # Errors
    ///
    /// * [`SdkError::Config`] when `execution_id` is empty, `.` or `..`.
    /// * [`SdkError::AdminApi`]: 404 for an unknown execution; 400 for a
    ///   malformed execution id, worker id, instance id, lane or
    ///   `grant_ttl_ms`; 401; 413, 415, 422, 429, 500, 503 as documented in
    ///   the spec.
    /// * [`SdkError::Http`], [`SdkError::Body`], [`SdkError::Decode`] for
    ///   transport faults and malformed answers.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy) repeats it after
    /// any transient failure; if an earlier attempt already re-leased the
    /// execution, the retry answers `NotReclaimable`.
    pub async fn issue_reclaim_grant(
        &self,
        execution_id: &(impl PathId + ?Sized),
        req: IssueReclaimGrantRequest,
    ) -> Result<IssueReclaimGrantResponse, SdkError> {
        let op = &op::ISSUE_RECLAIM_GRANT;
        let execution_id = path_id::checked(op.route, "execution_id", execution_id)?;
        self.call(op, || self.raw.issue_reclaim_grant(&execution_id, &req))
            .await
            .map(Into::into)
    }

    /// Reads the raw HMAC token of a pending waitpoint
    /// (`GET /v1/executions/{execution_id}/waitpoints/{waitpoint_id}/token`).
    ///
    /// Returns `Ok(None)` only for the server's documented "token not found"
    /// answer (the waitpoint is unknown, consumed or expired). Any other 404,
    /// such as one from a wrong base path or a proxy, is an error. The token
    /// is a credential: do not log it.
    ///
    /// # Errors
    ///
    /// * [`SdkError::Config`] when an id is empty, `.` or `..`.
    /// * [`SdkError::AdminApi`]: 400 for a malformed execution id or a
    ///   waitpoint id that is not a UUID; 401; 404 other than "token not
    ///   found"; 500, 503 as documented in the spec.
    /// * [`SdkError::Http`], [`SdkError::Body`], [`SdkError::Decode`] for
    ///   transport faults and malformed answers.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy) repeats it after
    /// any transient failure.
    pub async fn read_waitpoint_token(
        &self,
        execution_id: &(impl PathId + ?Sized),
        waitpoint_id: &(impl PathId + ?Sized),
    ) -> Result<Option<String>, SdkError> {
        let op = &op::READ_WAITPOINT_TOKEN;
        let execution_id = path_id::checked(op.route, "execution_id", execution_id)?;
        let waitpoint_id = path_id::checked(op.route, "waitpoint_id", waitpoint_id)?;
        let answer = self
            .call(op, || {
                self.raw.read_waitpoint_token(&execution_id, &waitpoint_id)
            })
            .await;
        Ok(absent_on_404(answer, &[TOKEN_NOT_FOUND])?.map(|answer| answer.token))
    }
}
