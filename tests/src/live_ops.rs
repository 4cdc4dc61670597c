//! What the live tests of every operation and the demo share: how the
//! backends differ ([`Family`]), a recorder that prints each outcome next to
//! the expected one ([`Outcomes`]), request builders, and a real worker
//! ([`Worker`]) that takes a lease, opens waitpoints, writes stream frames
//! and completes executions, so that the admin API can be shown the states
//! only a worker produces.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _};
use ff_admin::{
    AddExecutionToFlowRequest, ApplyDependencyToChildRequest, CancelExecutionRequest,
    CancelFlowRequest, ClaimForWorkerRequest, CreateBudgetRequest, CreateExecutionRequest,
    CreateFlowRequest, CreateQuotaPolicyRequest, DeliverSignalRequest, FlowFabricAdminClient,
    ReportUsageRequest, SdkError, StageDependencyEdgeRequest,
};
use ff_core::backend::{CapabilitySet, ClaimPolicy, Frame, FrameKind, Handle};
use ff_core::contracts::{
    ResumeCondition, ResumePolicy, SignalMatcher, SuspendArgs, SuspendOutcome,
    SuspensionReasonCode, WaitpointBinding,
};
use ff_core::engine_backend::EngineBackend;
use ff_core::types::{FlowId, LaneId, SuspensionId, TimestampMs, WaitpointId, WorkerId};

use crate::live::{self, Backend, LiveServer};

/// How a backend behaves, where the backends differ. Every per-backend
/// expectation in the live tests is written against a family, so a new
/// [`Backend`] is added here, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Valkey: executions are claimable at once, the scheduler grants
    /// claims, flows live on the partition their id hashes to.
    Valkey,
    /// Postgres: executions stay `submitted` until promoted, no HTTP claim
    /// before a rotation seeds the keystore.
    Postgres,
    /// SQLite: one partition (0), no listing, no scheduler-routed claims.
    Sqlite,
}

impl Family {
    /// The family of `backend`.
    pub fn of(backend: Backend) -> Self {
        match backend {
            Backend::Valkey | Backend::ValkeyCluster => Self::Valkey,
            Backend::Postgres => Self::Postgres,
            Backend::Sqlite => Self::Sqlite,
        }
    }
}

/// Prints outcomes as `[ok  ]` / `[FAIL]` lines with what was expected, and
/// keeps the unexpected ones. Shared by concurrent checks (`&self`).
pub struct Outcomes {
    label: String,
    failures: Mutex<Vec<String>>,
}

impl Outcomes {
    /// A recorder whose lines start with `label` (e.g. the backend's name).
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// Prints `op`/`case`, what came back (`got`, by `Debug`) and what was
    /// `expected`; records a failure unless `ok`. Returns `ok`. Never pass a
    /// secret in `got`: it is printed.
    pub fn check<T: Debug + ?Sized>(
        &self,
        op: &str,
        case: &str,
        expected: &str,
        got: &T,
        ok: bool,
    ) -> bool {
        self.record(&format!("{op}: {case}"), &format!("{got:?}"), expected, ok)
    }

    /// Prints one step (`what`), its answer as `shown` and what was
    /// `expected`; records a failure unless `ok`. Returns `ok`.
    pub fn record(&self, what: &str, shown: &str, expected: &str, ok: bool) -> bool {
        let mark = if ok { "ok  " } else { "FAIL" };
        println!(
            "[{mark}] {} {what}\n       -> {shown}\n       expected: {expected}",
            self.label
        );
        if !ok {
            self.lock()
                .push(format!("{what}: expected {expected}, got {shown}"));
        }
        ok
    }

    /// The unexpected outcomes so far.
    pub fn failures(&self) -> Vec<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether `result` is an [`SdkError::AdminApi`] with `status` whose message
/// contains `needle`.
pub fn is_api<T>(result: &Result<T, SdkError>, status: u16, needle: &str) -> bool {
    matches!(result, Err(SdkError::AdminApi { status: s, message, .. })
        if *s == status && message.contains(needle))
}

/// Whether `result` is an [`SdkError::AdminApi`] with `status`, `kind` and
/// `retryable`.
pub fn is_api_kind<T>(
    result: &Result<T, SdkError>,
    status: u16,
    kind: &str,
    retryable: bool,
) -> bool {
    matches!(result, Err(SdkError::AdminApi { status: s, kind: Some(k), retryable: Some(r), .. })
        if *s == status && k == kind && *r == retryable)
}

/// Whether `result` is how ff-server 0.15 reports an error code of a
/// Valkey backend script: 500, `retryable: true`, the code in the message
/// (`engine: … transport (valkey): <code>: …`).
pub fn is_script_error<T>(result: &Result<T, SdkError>, code: &str) -> bool {
    matches!(result, Err(SdkError::AdminApi { status: 500, message, retryable: Some(true), .. })
        if message.contains(&format!("transport (valkey): {code}")))
}

/// Whether `result` is the 422 ff-server answers for a body it cannot
/// read: an operation whose body repeats a path id answers it for a
/// malformed id, before looking at the path.
pub fn is_unprocessable<T>(result: &Result<T, SdkError>) -> bool {
    is_api(result, 422, "invalid JSON: Unprocessable Entity")
}

/// A new execution id on flow partition `partition`.
pub fn execution_id_on(partition: u16) -> String {
    format!("{{fp:{partition}}}:{}", uuid::Uuid::new_v4())
}

/// A new UUID, as text.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The execution kind every live execution is created with.
pub const EXECUTION_KIND: &str = "ff-admin-live-ops";

/// The input every live execution is created with.
pub const INPUT: &[u8] = b"hi";

/// A create request for execution `id` on `lane`, namespace `default`,
/// priority 0, no policy.
pub fn create_request(id: &str, lane: &str) -> CreateExecutionRequest {
    let (partition, _) = live::split_execution_id(id).expect("an execution id");
    CreateExecutionRequest {
        execution_id: id.to_owned(),
        namespace: "default".into(),
        lane_id: lane.into(),
        execution_kind: EXECUTION_KIND.into(),
        input_payload: INPUT.to_vec(),
        payload_encoding: None,
        priority: 0,
        creator_identity: "ff-admin-live-ops".into(),
        idempotency_key: None,
        tags: Default::default(),
        policy: None,
        delay_until: None,
        execution_deadline_at: None,
        partition_id: u16::try_from(partition).expect("a u16 partition"),
        now: ff_admin::now_ms(),
    }
}

/// Creates execution `id` on `lane`; fails unless the server answers 201.
pub async fn create(client: &FlowFabricAdminClient, id: &str, lane: &str) -> anyhow::Result<()> {
    match client.create_execution(&create_request(id, lane)).await? {
        ff_admin::CreateExecutionResponse::Created { .. } => Ok(()),
        other => bail!("create {id}: {other:?}"),
    }
}

/// An operator's cancel of execution `id`.
pub fn cancel_request(id: &str) -> CancelExecutionRequest {
    CancelExecutionRequest {
        execution_id: id.to_owned(),
        reason: "ff-admin live test".into(),
        source: None,
        lease_id: None,
        lease_epoch: None,
        attempt_id: None,
        now: ff_admin::now_ms(),
    }
}

/// A signal `signal_id` named `name` to waitpoint `waitpoint_id` of
/// execution `id`, authenticated by `token`, deduplicated by
/// `idempotency_key` for a minute.
pub fn signal_request(
    id: &str,
    waitpoint_id: &str,
    token: &str,
    signal_id: &str,
    name: &str,
    idempotency_key: &str,
) -> DeliverSignalRequest {
    DeliverSignalRequest {
        execution_id: id.to_owned(),
        waitpoint_id: waitpoint_id.to_owned(),
        signal_id: signal_id.to_owned(),
        signal_name: name.to_owned(),
        signal_category: "approval".into(),
        source_type: "operator".into(),
        source_identity: "ff-admin-live-ops".into(),
        payload: Some(b"{}".to_vec()),
        payload_encoding: Some("json".into()),
        correlation_id: None,
        idempotency_key: Some(idempotency_key.to_owned()),
        target_scope: "waitpoint".into(),
        created_at: Some(ff_admin::now_ms()),
        dedup_ttl_ms: Some(60_000),
        resume_delay_ms: None,
        max_signals_per_execution: None,
        signal_maxlen: None,
        waitpoint_token: token.to_owned(),
        now: ff_admin::now_ms(),
    }
}

/// A create request for flow `flow_id`.
pub fn flow_request(flow_id: &str) -> CreateFlowRequest {
    CreateFlowRequest {
        flow_id: flow_id.to_owned(),
        flow_kind: "ff-admin-live-flow".into(),
        namespace: "default".into(),
        now: ff_admin::now_ms(),
    }
}

/// Adds execution `id` to flow `flow_id`.
pub fn member_request(flow_id: &str, id: &str) -> AddExecutionToFlowRequest {
    AddExecutionToFlowRequest {
        flow_id: flow_id.to_owned(),
        execution_id: id.to_owned(),
        now: ff_admin::now_ms(),
    }
}

/// Stages edge `edge_id` (`upstream` before `downstream`) at `revision`.
pub fn edge_request(
    flow_id: &str,
    edge_id: &str,
    upstream: &str,
    downstream: &str,
    revision: u64,
) -> StageDependencyEdgeRequest {
    StageDependencyEdgeRequest {
        flow_id: flow_id.to_owned(),
        edge_id: edge_id.to_owned(),
        upstream_execution_id: upstream.to_owned(),
        downstream_execution_id: downstream.to_owned(),
        dependency_kind: None,
        data_passing_ref: None,
        expected_graph_revision: revision,
        now: ff_admin::now_ms(),
    }
}

/// Applies edge `edge_id`, staged at `revision`, to `downstream`.
pub fn apply_request(
    flow_id: &str,
    edge_id: &str,
    upstream: &str,
    downstream: &str,
    revision: u64,
) -> ApplyDependencyToChildRequest {
    ApplyDependencyToChildRequest {
        flow_id: flow_id.to_owned(),
        edge_id: edge_id.to_owned(),
        downstream_execution_id: downstream.to_owned(),
        upstream_execution_id: upstream.to_owned(),
        graph_revision: revision,
        dependency_kind: None,
        data_passing_ref: None,
        now: ff_admin::now_ms(),
    }
}

/// Cancels flow `flow_id` with `policy` (`cancel_all` cancels the members).
pub fn cancel_flow_request(flow_id: &str, policy: &str) -> CancelFlowRequest {
    CancelFlowRequest {
        flow_id: flow_id.to_owned(),
        reason: "ff-admin live test".into(),
        cancellation_policy: policy.into(),
        now: ff_admin::now_ms(),
    }
}

/// The dimension every live budget measures.
pub const DIMENSION: &str = "tokens";

/// A budget on lane `scope_id` with one dimension ([`DIMENSION`]).
pub fn budget_request(
    budget_id: &str,
    scope_id: &str,
    hard: u64,
    soft: u64,
) -> CreateBudgetRequest {
    CreateBudgetRequest {
        budget_id: budget_id.to_owned(),
        scope_type: "lane".into(),
        scope_id: scope_id.to_owned(),
        enforcement_mode: "strict".into(),
        on_hard_limit: "reject".into(),
        on_soft_limit: "warn".into(),
        reset_interval_ms: 3_600_000,
        dimensions: vec![DIMENSION.into()],
        hard_limits: vec![hard],
        soft_limits: vec![soft],
        now: ff_admin::now_ms(),
    }
}

/// Usage of `amount` on [`DIMENSION`], deduplicated by `dedup_key` if any.
pub fn usage_request(amount: u64, dedup_key: Option<&str>) -> ReportUsageRequest {
    ReportUsageRequest {
        dimensions: [(DIMENSION.to_owned(), amount)].into(),
        now: ff_admin::now_ms(),
        dedup_key: dedup_key.map(str::to_owned),
    }
}

/// A quota policy of 10 admissions a minute, 2 at once.
pub fn quota_request(quota_policy_id: &str) -> CreateQuotaPolicyRequest {
    CreateQuotaPolicyRequest {
        quota_policy_id: quota_policy_id.to_owned(),
        window_seconds: 60,
        max_requests_per_window: 10,
        max_concurrent: 2,
        now: ff_admin::now_ms(),
    }
}

/// The flow partition whose executions flow `flow_id` accepts as members:
/// the partition the id hashes to (ff-core's `flow_partition`), or 0 on
/// SQLite, which keeps everything on partition 0.
pub fn member_partition(live: &LiveServer, flow_id: &str) -> u16 {
    match Family::of(live.backend) {
        Family::Sqlite => 0,
        Family::Valkey | Family::Postgres => {
            let id = FlowId::parse(flow_id).expect("a UUID flow id");
            ff_core::partition::flow_partition(&id, live.server.partition_config()).index
        }
    }
}

/// The flow's graph revision (the admin API has no flow read): from the
/// backend in-process, or in SQL on SQLite, whose backend does not
/// describe flows.
pub async fn graph_revision(live: &LiveServer, flow_id: &str) -> anyhow::Result<u64> {
    let id = FlowId::parse(flow_id)?;
    if Family::of(live.backend) == Family::Sqlite {
        let pool = sqlite_pool(live).await?;
        let revision: i64 = sqlx::query_scalar(
            "SELECT graph_revision FROM ff_flow_core WHERE partition_key = 0 AND flow_id = ?1",
        )
        .bind(id.0)
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        return Ok(u64::try_from(revision)?);
    }
    let snapshot = live
        .server
        .backend()
        .describe_flow(&id)
        .await?
        .context("the flow exists")?;
    Ok(snapshot.graph_revision)
}

/// Makes a freshly created execution claimable by the backend's own claim:
/// nothing to do on Valkey; on Postgres and SQLite, which keep HTTP-created
/// executions `submitted`, its row is moved to `runnable` in SQL.
pub async fn make_runnable(live: &LiveServer, execution_id: &str) -> anyhow::Result<()> {
    match Family::of(live.backend) {
        Family::Valkey => Ok(()),
        Family::Postgres => live::promote_to_runnable(live, execution_id).await,
        Family::Sqlite => {
            sqlite_update_execution(live, execution_id, "lifecycle_phase = 'runnable'").await
        }
    }
}

/// Runs `UPDATE ff_exec_core SET <assignments>` on one execution's row of a
/// SQLite server (through a second connection to its shared-cache
/// database); fails unless exactly one row changed.
pub async fn sqlite_update_execution(
    live: &LiveServer,
    execution_id: &str,
    assignments: &str,
) -> anyhow::Result<()> {
    let (partition, uuid) = live::split_execution_id(execution_id)?;
    let pool = sqlite_pool(live).await?;
    let sql = format!(
        "UPDATE ff_exec_core SET {assignments} WHERE partition_key = ?1 AND execution_id = ?2"
    );
    let done = sqlx::query(&sql)
        .bind(i64::from(partition))
        .bind(uuid)
        .execute(&pool)
        .await?;
    pool.close().await;
    if done.rows_affected() != 1 {
        bail!(
            "update {execution_id}: {} rows changed",
            done.rows_affected()
        );
    }
    Ok(())
}

/// One connection to a SQLite server's shared-cache database.
async fn sqlite_pool(live: &LiveServer) -> anyhow::Result<sqlx::SqlitePool> {
    use std::str::FromStr as _;
    let uri = live.sqlite_uri().context("not a SQLite server")?;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(uri)?;
    Ok(sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// A worker holding a real lease on one execution: on Valkey, ff-sdk's
/// worker redeeming a grant from `claim_for_worker`; on Postgres and
/// SQLite, the backend's own claim (their HTTP claim cannot reach a
/// `submitted` execution).
pub struct Worker {
    /// The leased execution.
    pub execution_id: String,
    lease: Lease,
}

enum Lease {
    Sdk(Box<ff_sdk::ClaimedTask>),
    Backend {
        backend: Arc<dyn EngineBackend>,
        handle: Handle,
    },
}

/// The partition every [`Worker`]'s execution lives on (SQLite's claim scans
/// partition 0 only).
pub const WORKER_PARTITION: u16 = 0;

impl Worker {
    /// Creates an execution on `lane` (which nothing else uses) through
    /// `client`, and takes a lease on it as worker `worker`.
    pub async fn start(
        live: &LiveServer,
        client: &FlowFabricAdminClient,
        lane: &str,
        worker: &str,
    ) -> anyhow::Result<Self> {
        let execution_id = execution_id_on(WORKER_PARTITION);
        create(client, &execution_id, lane).await?;
        let lease = match Family::of(live.backend) {
            Family::Valkey => {
                let claim = || ClaimForWorkerRequest {
                    worker_id: worker.into(),
                    lane_id: lane.into(),
                    worker_instance_id: format!("{worker}-i1"),
                    capabilities: vec![],
                    grant_ttl_ms: 30_000,
                };
                let (grant, polls) = live::claim_polling(client, claim).await?;
                let grant = grant.with_context(|| format!("no grant in {polls} claims"))?;
                if grant.execution_id != execution_id {
                    bail!("granted {} instead of {execution_id}", grant.execution_id);
                }
                let task = live::redeem_with_sdk(live, worker, lane, grant).await?;
                Lease::Sdk(Box::new(task))
            }
            Family::Postgres | Family::Sqlite => {
                make_runnable(live, &execution_id).await?;
                let backend = live.server.backend().clone();
                let policy = ClaimPolicy::new(
                    WorkerId::new(worker),
                    ff_core::types::WorkerInstanceId::new(format!("{worker}-i1")),
                    30_000,
                    None,
                );
                let handle = backend
                    .claim(&LaneId::new(lane), &CapabilitySet::default(), policy)
                    .await?
                    .context("the backend's claim found the runnable execution")?;
                Lease::Backend { backend, handle }
            }
        };
        Ok(Self {
            execution_id,
            lease,
        })
    }

    /// Opens a pending waitpoint `key` (expiring in 10 minutes); returns its
    /// id and HMAC token.
    pub async fn open_waitpoint(&self, key: &str) -> anyhow::Result<(String, String)> {
        const EXPIRES_MS: u64 = 600_000;
        Ok(match &self.lease {
            Lease::Sdk(task) => {
                let (id, token) = task.create_pending_waitpoint(key, EXPIRES_MS).await?;
                (id.to_string(), token.as_str().to_owned())
            }
            Lease::Backend { backend, handle } => {
                let pending = backend
                    .create_waitpoint(handle, key, std::time::Duration::from_millis(EXPIRES_MS))
                    .await?;
                (
                    pending.waitpoint_id.to_string(),
                    pending.hmac_token.as_str().to_owned(),
                )
            }
        })
    }

    /// Appends a frame with `payload` to the attempt's output stream.
    pub async fn append_frame(&self, payload: &[u8]) -> anyhow::Result<()> {
        match &self.lease {
            Lease::Sdk(task) => {
                task.append_frame("event", payload, None).await?;
            }
            Lease::Backend { backend, handle } => {
                backend
                    .append_frame(handle, Frame::new(payload.to_vec(), FrameKind::Event))
                    .await?;
            }
        }
        Ok(())
    }

    /// Completes the execution with `result`, ending the lease.
    pub async fn complete(self, result: &[u8]) -> anyhow::Result<()> {
        match self.lease {
            Lease::Sdk(task) => task.complete(Some(result.to_vec())).await?,
            Lease::Backend { backend, handle } => {
                backend.complete(&handle, Some(result.to_vec())).await?
            }
        }
        Ok(())
    }

    /// Suspends the execution until a signal named `signal_name` reaches a
    /// new waitpoint `key`, ending the lease; returns the waitpoint's id
    /// and HMAC token.
    pub async fn suspend(self, key: &str, signal_name: &str) -> anyhow::Result<(String, String)> {
        let condition = ResumeCondition::Single {
            waitpoint_key: key.to_owned(),
            matcher: SignalMatcher::ByName(signal_name.to_owned()),
        };
        let details = match self.lease {
            Lease::Sdk(task) => {
                task.suspend(
                    SuspensionReasonCode::WaitingForSignal,
                    condition,
                    None,
                    ResumePolicy::normal(),
                )
                .await?
                .details
            }
            Lease::Backend { backend, handle } => {
                let args = SuspendArgs::new(
                    SuspensionId::new(),
                    WaitpointBinding::Fresh {
                        waitpoint_id: WaitpointId::new(),
                        waitpoint_key: key.to_owned(),
                    },
                    condition,
                    ResumePolicy::normal(),
                    SuspensionReasonCode::WaitingForSignal,
                    TimestampMs::now(),
                );
                match backend.suspend(&handle, args).await? {
                    SuspendOutcome::Suspended { details, .. } => details,
                    other => bail!("suspend: {other:?}"),
                }
            }
        };
        Ok((
            details.waitpoint_id.to_string(),
            details.waitpoint_token.as_str().to_owned(),
        ))
    }
}
