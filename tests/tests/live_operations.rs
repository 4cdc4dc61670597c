//! Live proof of the executions, streams, flows, budgets, quotas and
//! metrics operations (the claims and secrets ones are `live_server.rs`'s):
//! each one called through `FlowFabricAdminClient` against the real ff-server
//! 0.15, booted in-process on each backend, with every outcome the backend
//! produces on demand asserted as a typed answer.
//!
//! One server per backend, shared by every section of that backend's test;
//! the sections run concurrently against it (each on its own lanes, ids and
//! partitions). Every call prints an `[ok  ]`/`[FAIL]` line with what came
//! back and what was expected (visible with `--nocapture`); a test fails
//! listing every unexpected outcome at once.
//!
//! Where the backends differ, the expectation is written against
//! [`Family`]; adding a backend is one test function below plus its family.

#[path = "live_operations/budgets.rs"]
mod budgets;
#[path = "live_operations/executions.rs"]
mod executions;
#[path = "live_operations/flows.rs"]
mod flows;
#[path = "live_operations/workers.rs"]
mod workers;

use std::time::Duration;

use ff_admin::{FlowFabricAdminClient, RotateWaitpointSecretRequest, SdkError};
use ff_admin_contract_tests::live::{Backend, LiveServer};
use ff_admin_contract_tests::live_ops::{self as ops, Family, Outcomes};

const TOKEN: &str = "live-ops-token-4d2a";

/// An execution id no backend knows.
const UNKNOWN_EXEC: &str = "{fp:5}:6a1d3c0e-9b8f-4e7d-a6c5-b4a3f2e1d0c9";
/// A UUID no backend knows (flow, budget, waitpoint).
const UNKNOWN_UUID: &str = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9";
/// Not an execution id: no `{fp:N}:` prefix.
const MALFORMED_EXEC: &str = "not-an-execution";
/// Not a UUID.
const MALFORMED_UUID: &str = "not-a-uuid";

/// An expectation that depends on the backend: its text, and whether an
/// answer meets it.
pub(crate) type Expect<T> = (&'static str, fn(&Result<T, SdkError>) -> bool);

/// What every section gets: the server, a client with the token, the
/// backend's family and the shared outcome recorder.
pub(crate) struct Ctx {
    live: LiveServer,
    client: FlowFabricAdminClient,
    family: Family,
    o: Outcomes,
}

impl Ctx {
    async fn boot(backend: Backend) -> Self {
        let live = LiveServer::start(backend, Some(TOKEN))
            .await
            .unwrap_or_else(|e| panic!("live {} server: {e:#}", backend.name()));
        // Above the longest tail `block_ms` the sections use.
        let client = FlowFabricAdminClient::builder(&live.url)
            .bearer_token(TOKEN)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        // Postgres and SQLite start with an empty HMAC keystore: waitpoints
        // (and Postgres claims) need a key.
        client
            .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                new_kid: "live-ops-kid".into(),
                new_secret_hex: "3c".repeat(32),
            })
            .await
            .expect("seed the waitpoint keystore");
        Self {
            family: Family::of(backend),
            o: Outcomes::new(backend.name()),
            live,
            client,
        }
    }

    /// Records one outcome; see [`Outcomes::check`].
    fn check<T: std::fmt::Debug + ?Sized>(
        &self,
        op: &str,
        case: &str,
        expected: &str,
        got: &T,
        ok: bool,
    ) -> bool {
        self.o.check(op, case, expected, got, ok)
    }

    fn anonymous(&self) -> FlowFabricAdminClient {
        FlowFabricAdminClient::new(&self.live.url).expect("client")
    }
}

/// Every section, concurrently, against one server on `backend`.
async fn every_operation(backend: Backend) {
    let started = std::time::Instant::now();
    let cx = Ctx::boot(backend).await;
    println!("{}: booted in {:.1?}", backend.name(), started.elapsed());
    tokio::join!(
        executions::reads(&cx),
        executions::listing(&cx),
        executions::cancel_and_replay(&cx),
        executions::priority(&cx),
        executions::revoke(&cx),
        executions::cancel_by_lease_holder(&cx),
        workers::waitpoints_and_signals(&cx),
        workers::streams_and_results(&cx),
        flows::flows(&cx),
        budgets::budgets(&cx),
        budgets::quotas(&cx),
        metrics(&cx),
        unauthenticated(&cx),
    );
    println!(
        "{}: every section done in {:.1?}",
        backend.name(),
        started.elapsed()
    );
    let failures = cx.o.failures();
    let stopping = std::time::Instant::now();
    drop(cx);
    println!(
        "{}: server and backend stopped in {:.1?}",
        backend.name(),
        stopping.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{}: {} unexpected outcome(s):\n  {}",
        backend.name(),
        failures.len(),
        failures.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_every_operation() {
    every_operation(Backend::Valkey).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_operation() {
    every_operation(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_every_operation() {
    every_operation(Backend::Sqlite).await;
}

/// `/metrics`: served without a token, Prometheus text that counts the
/// HTTP requests (the boot's rotation is one).
async fn metrics(cx: &Ctx) {
    for (case, client) in [
        ("no token", cx.anonymous()),
        ("with the token", cx.client.clone()),
    ] {
        let r = client.get_metrics().await;
        cx.check(
            "get_metrics",
            case,
            "200 text with ff_http_requests_total",
            &r.as_ref()
                .map(|text| format!("{} bytes of text", text.len())),
            matches!(&r, Ok(text) if text.contains("ff_http_requests_total")),
        );
    }
}

/// Every operation of this file answers 401 without the token,
/// except `/metrics`, which never needs it.
async fn unauthenticated(cx: &Ctx) {
    use futures_util::future::BoxFuture;
    let c = cx.anonymous();
    let id = ops::execution_id_on(1);
    let range = ff_admin::StreamRange::default();
    let tail = ff_admin::StreamTail::default();
    let calls: Vec<(&str, BoxFuture<'_, Result<(), SdkError>>)> = vec![
        (
            "list_executions",
            Box::pin(async { c.list_executions(0, None, None).await.map(drop) }),
        ),
        (
            "create_execution",
            Box::pin(async {
                c.create_execution(&ops::create_request(&id, "anon"))
                    .await
                    .map(drop)
            }),
        ),
        (
            "get_execution",
            Box::pin(async { c.get_execution(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "get_execution_state",
            Box::pin(async { c.get_execution_state(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "list_pending_waitpoints",
            Box::pin(async { c.list_pending_waitpoints(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "get_execution_result",
            Box::pin(async { c.get_execution_result(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "cancel_execution",
            Box::pin(async {
                c.cancel_execution(&ops::cancel_request(UNKNOWN_EXEC))
                    .await
                    .map(drop)
            }),
        ),
        (
            "deliver_signal",
            Box::pin(async {
                c.deliver_signal(&ops::signal_request(
                    UNKNOWN_EXEC,
                    UNKNOWN_UUID,
                    "k:00",
                    UNKNOWN_UUID,
                    "approved",
                    "anon",
                ))
                .await
                .map(drop)
            }),
        ),
        (
            "change_priority",
            Box::pin(async { c.change_priority(UNKNOWN_EXEC, 1).await.map(drop) }),
        ),
        (
            "replay_execution",
            Box::pin(async { c.replay_execution(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "revoke_lease",
            Box::pin(async { c.revoke_lease(UNKNOWN_EXEC).await.map(drop) }),
        ),
        (
            "read_attempt_stream",
            Box::pin(async {
                c.read_attempt_stream(UNKNOWN_EXEC, 0, &range)
                    .await
                    .map(drop)
            }),
        ),
        (
            "tail_attempt_stream",
            Box::pin(async {
                c.tail_attempt_stream(UNKNOWN_EXEC, 0, &tail)
                    .await
                    .map(drop)
            }),
        ),
        (
            "create_flow",
            Box::pin(async {
                c.create_flow(&ops::flow_request(UNKNOWN_UUID))
                    .await
                    .map(drop)
            }),
        ),
        (
            "add_execution_to_flow",
            Box::pin(async {
                c.add_execution_to_flow(&ops::member_request(UNKNOWN_UUID, UNKNOWN_EXEC))
                    .await
                    .map(drop)
            }),
        ),
        (
            "cancel_flow",
            Box::pin(async {
                c.cancel_flow(&ops::cancel_flow_request(UNKNOWN_UUID, "cancel_all"), true)
                    .await
                    .map(drop)
            }),
        ),
        (
            "stage_dependency_edge",
            Box::pin(async {
                c.stage_dependency_edge(&ops::edge_request(
                    UNKNOWN_UUID,
                    UNKNOWN_UUID,
                    UNKNOWN_EXEC,
                    UNKNOWN_EXEC,
                    0,
                ))
                .await
                .map(drop)
            }),
        ),
        (
            "apply_dependency_to_child",
            Box::pin(async {
                c.apply_dependency_to_child(&ops::apply_request(
                    UNKNOWN_UUID,
                    UNKNOWN_UUID,
                    UNKNOWN_EXEC,
                    UNKNOWN_EXEC,
                    0,
                ))
                .await
                .map(drop)
            }),
        ),
        (
            "create_budget",
            Box::pin(async {
                c.create_budget(&ops::budget_request(UNKNOWN_UUID, "anon", 2, 1))
                    .await
                    .map(drop)
            }),
        ),
        (
            "get_budget_status",
            Box::pin(async { c.get_budget_status(UNKNOWN_UUID).await.map(drop) }),
        ),
        (
            "report_usage",
            Box::pin(async {
                c.report_usage(UNKNOWN_UUID, &ops::usage_request(1, None))
                    .await
                    .map(drop)
            }),
        ),
        (
            "reset_budget",
            Box::pin(async { c.reset_budget(UNKNOWN_UUID).await.map(drop) }),
        ),
        (
            "create_quota_policy",
            Box::pin(async {
                c.create_quota_policy(&ops::quota_request(UNKNOWN_UUID))
                    .await
                    .map(drop)
            }),
        ),
    ];
    for (op, call) in calls {
        let r = call.await;
        cx.check(
            op,
            "no token",
            "401 missing or invalid Authorization header",
            &r,
            ops::is_api(&r, 401, "missing or invalid Authorization header"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_cluster_every_operation() {
    every_operation(Backend::ValkeyCluster).await;
}
