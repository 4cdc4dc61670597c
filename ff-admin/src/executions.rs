//! The execution operations of [`FlowFabricAdminClient`] (the spec's
//! `executions` tag): create, list, read, cancel, signal, reprioritise,
//! replay and revoke a lease.

use ff_admin_gen::operations as op;
use ff_admin_gen::types as wire;
use futures_core::Stream;

use crate::call::absent_on_404;
use crate::path_id::{self, PathId};
use crate::{
    CancelExecutionRequest, CancelExecutionResponse, ChangePriorityResponse,
    CreateExecutionRequest, CreateExecutionResponse, DeliverSignalRequest, DeliverSignalResponse,
    ExecutionInfo, ExecutionPage, FlowFabricAdminClient, PendingWaitpoint, PublicState,
    ReplayExecutionResponse, RevokeLeaseResponse, SdkError,
};

/// The server's 404 texts that mean "no such execution".
const EXECUTION_NOT_FOUND: &[&str] = &["execution not found", "not found: execution"];
/// The server's 404 text that means "no stored result".
const RESULT_NOT_FOUND: &[&str] = &["execution result not found"];

/// The page size [`FlowFabricAdminClient::list_executions_stream`] asks for:
/// the server's ceiling.
const STREAM_PAGE: u64 = 1000;

impl FlowFabricAdminClient {
    /// Lists the execution ids of flow partition `partition`, one page
    /// (`GET /v1/executions`).
    ///
    /// Ids come in ascending order, strictly after `cursor` (`None` for the
    /// first page); `limit` defaults to 50 and the server caps it at 1000.
    /// Pass the answer's `next_cursor` to read the next page, or use
    /// [`list_executions_stream`](Self::list_executions_stream).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` cursor;
    /// [`SdkError::AdminApi`]: 400 for a malformed cursor, 401, 503
    /// `unavailable` on SQLite (which does not list), 500; transport and
    /// decode faults as for every call.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn list_executions(
        &self,
        partition: u16,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<ExecutionPage, SdkError> {
        let op = &op::LIST_EXECUTIONS;
        let cursor = cursor
            .map(|c| path_id::checked(op.route, "cursor", c).map(|c| c.into_owned()))
            .transpose()?;
        let page = self
            .call(op, || {
                self.raw.list_executions(cursor.as_ref(), limit, partition)
            })
            .await?;
        Ok(page)
    }

    /// Every execution id of flow partition `partition`, following the
    /// cursor page by page until the last one (1000 ids per request).
    ///
    /// The stream ends after the last id, or after the first error (which
    /// it yields). Ids created while it runs may or may not appear.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt as _;
    ///
    /// # async fn demo(client: ff_admin::FlowFabricAdminClient) -> Result<(), ff_admin::SdkError> {
    /// let ids: Vec<String> = client.list_executions_stream(7).try_collect().await?;
    /// println!("{} executions on partition 7", ids.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`list_executions`](Self::list_executions), as the stream's last
    /// item.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`), each page retried by the
    /// client's [`RetryPolicy`](crate::RetryPolicy); a stream that ended with an error can be resumed with
    /// [`list_executions`](Self::list_executions) from the last id it
    /// yielded.
    pub fn list_executions_stream(
        &self,
        partition: u16,
    ) -> impl Stream<Item = Result<String, SdkError>> + Send + '_ {
        struct Paging {
            buffered: std::vec::IntoIter<String>,
            next: Option<Option<String>>,
        }
        let start = Paging {
            buffered: Vec::new().into_iter(),
            next: Some(None),
        };
        futures_util::stream::unfold(start, move |mut state| async move {
            loop {
                if let Some(id) = state.buffered.next() {
                    return Some((Ok(id), state));
                }
                let cursor = state.next.take()?;
                match self
                    .list_executions(partition, cursor.as_deref(), Some(STREAM_PAGE))
                    .await
                {
                    Ok(page) => {
                        state.next = page.next_cursor.map(Some);
                        state.buffered = page.executions.into_iter();
                    }
                    Err(e) => return Some((Err(e), state)),
                }
            }
        })
    }

    /// Creates an execution with the caller's id (`POST /v1/executions`).
    ///
    /// Returns [`CreateExecutionResponse::Created`] (201) the first time and
    /// [`CreateExecutionResponse::Duplicate`] (200) when an execution with
    /// this id exists already (Postgres answers `Created` again).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`]: 422 for a malformed id or lane in the body,
    /// 400 when the backend rejects the request, 401, 409, 413, 415, 429,
    /// 500, 503 as documented in the spec.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry with the same `execution_id` creates nothing new.
    pub async fn create_execution(
        &self,
        req: &CreateExecutionRequest,
    ) -> Result<CreateExecutionResponse, SdkError> {
        let op = &op::CREATE_EXECUTION;
        self.call(op, || self.raw.create_execution(req)).await
    }

    /// Reads an execution's description and state
    /// (`GET /v1/executions/{execution_id}`).
    ///
    /// Returns `Ok(None)` only for the server's "execution not found" 404;
    /// any other 404 (a wrong base path, a proxy) is an error.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 400 for a malformed id, 401, 500, 503.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_execution(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<Option<ExecutionInfo>, SdkError> {
        let op = &op::GET_EXECUTION;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let answer = self.call(op, || self.raw.get_execution(&id)).await;
        absent_on_404(answer, EXECUTION_NOT_FOUND)
    }

    /// Reads an execution's public state
    /// (`GET /v1/executions/{execution_id}/state`).
    ///
    /// `Ok(None)` for the server's "execution not found" 404 only.
    ///
    /// # Errors
    ///
    /// As [`get_execution`](Self::get_execution).
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_execution_state(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<Option<PublicState>, SdkError> {
        let op = &op::GET_EXECUTION_STATE;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let answer = self.call(op, || self.raw.get_execution_state(&id)).await;
        absent_on_404(answer, EXECUTION_NOT_FOUND)
    }

    /// Lists an execution's pending and active waitpoints, at most 1000
    /// (`GET /v1/executions/{execution_id}/pending-waitpoints`).
    ///
    /// `Ok(None)` for the server's "execution not found" 404 only.
    ///
    /// # Errors
    ///
    /// As [`get_execution`](Self::get_execution).
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn list_pending_waitpoints(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<Option<Vec<PendingWaitpoint>>, SdkError> {
        let op = &op::LIST_PENDING_WAITPOINTS;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let answer = self
            .call(op, || self.raw.list_pending_waitpoints(&id))
            .await;
        absent_on_404(answer, EXECUTION_NOT_FOUND)
    }

    /// Reads the raw result bytes of an execution's current attempt
    /// (`GET /v1/executions/{execution_id}/result`).
    ///
    /// `Ok(None)` for the server's "execution result not found" 404: the
    /// execution is unknown, has not completed, or its result was trimmed.
    ///
    /// # Errors
    ///
    /// As [`get_execution`](Self::get_execution).
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_execution_result(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<Option<Vec<u8>>, SdkError> {
        let op = &op::GET_EXECUTION_RESULT;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let answer = self
            .call_bytes(op, || self.raw.get_execution_result(&id))
            .await;
        absent_on_404(answer, RESULT_NOT_FOUND)
    }

    /// Cancels `req.execution_id`
    /// (`POST /v1/executions/{execution_id}/cancel`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: on SQLite and Postgres 404 for an unknown
    /// execution, 400 for one that ended otherwise or a missing
    /// `lease_epoch`, 409 for a stale lease; on Valkey the backend script's
    /// refusals (`execution_not_active` for one that ended, including a
    /// repeat cancel, `execution_not_found`) are 500 with `retryable: true`;
    /// 422 for a malformed id (it is in the body); 401, 413, 415, 429, 503.
    ///
    /// # Retries
    ///
    /// Idempotent in effect (`x-idempotent: true`; a
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it after any transient
    /// failure): a cancelled execution
    /// stays cancelled. A repeat answers `Cancelled` again on SQLite and
    /// Postgres, but 500 `execution_not_active` on Valkey.
    pub async fn cancel_execution(
        &self,
        req: &CancelExecutionRequest,
    ) -> Result<CancelExecutionResponse, SdkError> {
        let op = &op::CANCEL_EXECUTION;
        let id = path_id::checked(op.route, "execution_id", &req.execution_id)?;
        self.call(op, || self.raw.cancel_execution(&id, req)).await
    }

    /// Delivers a signal to a waitpoint of `req.execution_id`
    /// (`POST /v1/executions/{execution_id}/signal`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 404 for an unknown execution, suspension or
    /// waitpoint (Valkey: 400 `invalid_token`); 400 for a token that does
    /// not verify or a waitpoint of another execution; 409 on Valkey for a
    /// waitpoint not yet active or an execution no longer signalable; 422
    /// for a malformed execution id; 401, 413, 415, 429, 500, 503.
    ///
    /// # Retries
    ///
    /// Not idempotent (`x-idempotent: false`; a
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it only after a failure
    /// that proves the request was not processed: connect failure, 429,
    /// 503): duplicate detection depends on the backend and on
    /// `dedup_ttl_ms`, so a retry after a lost answer may deliver twice.
    pub async fn deliver_signal(
        &self,
        req: &DeliverSignalRequest,
    ) -> Result<DeliverSignalResponse, SdkError> {
        let op = &op::DELIVER_SIGNAL;
        let id = path_id::checked(op.route, "execution_id", &req.execution_id)?;
        self.call(op, || self.raw.deliver_signal(&id, req)).await
    }

    /// Sets the priority of an execution that waits to be claimed
    /// (`PUT /v1/executions/{execution_id}/priority`); the server clamps it
    /// to 0..=9000.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 409 `contention` (retryable) when the
    /// execution is not runnable and eligible now (a fresh execution on
    /// Postgres or SQLite); 404 for an unknown one (500
    /// `execution_not_found` on Valkey); 400, 401, 413, 415, 422, 429, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): setting the same value twice has the effect of once.
    pub async fn change_priority(
        &self,
        execution_id: &(impl PathId + ?Sized),
        new_priority: i32,
    ) -> Result<ChangePriorityResponse, SdkError> {
        let op = &op::CHANGE_PRIORITY;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let body = wire::ChangePriorityRequest { new_priority };
        self.call(op, || self.raw.change_priority(&id, &body)).await
    }

    /// Replays an execution that has ended
    /// (`POST /v1/executions/{execution_id}/replay`).
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 409 `execution_not_terminal` or
    /// `max_replays_exhausted` and 404 for an unknown execution on SQLite
    /// and Postgres (which do not replay a cancelled execution); on Valkey
    /// those refusals are 500 with the script's code; 400, 401, 413, 429,
    /// 503.
    ///
    /// # Retries
    ///
    /// Not idempotent (`x-idempotent: false`; a
    /// [`RetryPolicy`](crate::RetryPolicy) repeats it only after a failure
    /// that proves the request was not processed: connect failure, 429,
    /// 503): a retry after a lost success answers 409 or replays
    /// once more.
    pub async fn replay_execution(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<ReplayExecutionResponse, SdkError> {
        let op = &op::REPLAY_EXECUTION;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        self.call(op, || self.raw.replay_execution(&id)).await
    }

    /// Revokes the lease a worker holds on an execution
    /// (`POST /v1/executions/{execution_id}/revoke-lease`).
    ///
    /// [`RevokeLeaseResponse::AlreadySatisfied`] when there was no lease
    /// (on Valkey also for an unknown execution, and `already_revoked` for a
    /// repeat).
    /// On Valkey the execution is then reclaimable with
    /// [`issue_reclaim_grant`](Self::issue_reclaim_grant); Postgres and
    /// SQLite make it runnable again.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id;
    /// [`SdkError::AdminApi`]: 404 for an unknown execution (SQLite,
    /// Postgres), 400, 401, 409, 413, 429, 500, 503.
    ///
    /// # Retries
    ///
    /// Idempotent (`x-idempotent: true`; a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure): a retry answers `AlreadySatisfied`.
    pub async fn revoke_lease(
        &self,
        execution_id: &(impl PathId + ?Sized),
    ) -> Result<RevokeLeaseResponse, SdkError> {
        let op = &op::REVOKE_LEASE;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        self.call(op, || self.raw.revoke_lease(&id)).await
    }
}
