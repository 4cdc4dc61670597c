//! The cost of one admin call: ff-admin against a minimal hand-written
//! reqwest call (the floor), the same call on a `reqwest::Client` with
//! ff-admin's default timeouts (floor + timeouts), and ff-sdk 0.15's
//! hand-written admin client (the peer), in one process and one run,
//! against one local server answering canned bodies.
//!
//! For every operation and client: calls per second sequentially and with 64
//! calls in flight, median and p99 latency, CPU time of the client thread
//! per call (over the 64-in-flight batch), and heap allocations per call on
//! the client thread. Clients are interleaved round by round so drift hits
//! all clients alike; throughputs are medians over rounds, and each ratio
//! is the median over rounds of that round's paired ratio. The last lines
//! are the ratios `ff-admin/floor`, `ff-admin/floor+timeouts` and
//! `ff-admin/peer` per operation, then the connection count of 10,000
//! sequential claims.
//!
//! `cargo xtask bench` (or `cargo bench -p ff-admin-bench`). Set
//! `FF_BENCH_ROUNDS` to change the number of rounds (default 300).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use futures_util::stream::{self, StreamExt as _};

// ---------------------------------------------------------------------------
// Allocation counting, per thread (the client runs on the main thread).

struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: delegates every call to the system allocator unchanged; the only
// addition is a thread-local counter that never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// ---------------------------------------------------------------------------
// The server: canned answers.

const EXEC_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const GRANT: &str = r#"{"execution_id":"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f","partition_key":"{fp:7}","grant_key":"ff:exec:{fp:7}:{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f:claim_grant","expires_at_ms":1795798881668}"#;
const ROTATED: &str = r#"{"rotated":256,"failed":[],"new_kid":"k2"}"#;
const RECLAIM_GRANTED: &str = r#"{"status":"granted","execution_id":"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f","partition_key":"{fp:7}","grant_key":"g-1","expires_at_ms":1795798881668,"lane_id":"default"}"#;
const CONFLICT: &str =
    r#"{"error":"contention: LeaseConflict","kind":"contention","retryable":true}"#;

/// Create's request and its 201, and a read's 200: the two operations
/// outside the drop-in four that `cargo xtask profile` also counts.
const CREATE_REQUEST: &str = r#"{"execution_id":"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f","namespace":"default","lane_id":"default","execution_kind":"op","input_payload":[104,105],"priority":0,"creator_identity":"bench","partition_id":7,"now":1764355200000,"tags":{"team":"infra"},"policy":{"max_replay_count":3}}"#;
const CREATED: &str = r#"{"Created":{"execution_id":"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f","public_state":"waiting"}}"#;
const EXECUTION_INFO: &str = r#"{"execution_id":"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f","namespace":"default","lane_id":"default","priority":0,"execution_kind":"op","state_vector":{"lifecycle_phase":"runnable","ownership_state":"unowned","eligibility_state":"eligible_now","blocking_reason":"waiting_for_worker","terminal_outcome":"none","attempt_state":"pending_first_attempt","public_state":"waiting"},"public_state":"waiting","created_at":"1764355200000","current_attempt_index":0,"flow_id":null,"blocking_detail":""}"#;

fn json(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn claim(Path(worker): Path<String>) -> Response {
    match worker.as_str() {
        "idle" => StatusCode::NO_CONTENT.into_response(),
        "busy" => json(StatusCode::CONFLICT, CONFLICT),
        _ => json(StatusCode::OK, GRANT),
    }
}

/// Starts the server on its own thread; returns its base URL and the
/// accepted-connection counter.
fn start_server() -> (String, Arc<AtomicUsize>) {
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let app = axum::Router::new()
                .route("/v1/workers/{worker_id}/claim", post(claim))
                .route(
                    "/v1/admin/rotate-waitpoint-secret",
                    post(|| async { json(StatusCode::OK, ROTATED) }),
                )
                .route(
                    "/v1/executions/{id}/reclaim",
                    post(|| async { json(StatusCode::OK, RECLAIM_GRANTED) }),
                )
                .route(
                    "/v1/executions",
                    post(|| async { json(StatusCode::CREATED, CREATED) }),
                )
                .route(
                    "/v1/executions/{id}",
                    get(|| async { json(StatusCode::OK, EXECUTION_INFO) }),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tx.send(addr).expect("send addr");
            let listener = listener.tap_io(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            });
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("server address");
    (format!("http://{addr}"), accepts)
}

// ---------------------------------------------------------------------------
// The operations and the three clients.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Claim204,
    Claim200,
    Rotate200,
    Reclaim200,
    Error409,
    Create201,
    Get200,
}

const OPS: [Op; 5] = [
    Op::Claim204,
    Op::Claim200,
    Op::Rotate200,
    Op::Reclaim200,
    Op::Error409,
];

/// Operations the loop mode (and so `cargo xtask profile`) also runs, on
/// the floor and ff-admin only: ff-sdk's admin client has no such calls.
const PROFILE_ONLY_OPS: [Op; 2] = [Op::Create201, Op::Get200];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Claim204 => "claim 204",
            Op::Claim200 => "claim 200 grant",
            Op::Rotate200 => "rotate 200",
            Op::Reclaim200 => "reclaim 200 granted",
            Op::Error409 => "claim 409 error",
            Op::Create201 => "create 201",
            Op::Get200 => "get execution 200",
        }
    }

    /// The operation's name in `FF_BENCH_LOOP`.
    fn key(self) -> &'static str {
        match self {
            Op::Claim204 => "claim204",
            Op::Claim200 => "claim200",
            Op::Rotate200 => "rotate200",
            Op::Reclaim200 => "reclaim200",
            Op::Error409 => "claim409",
            Op::Create201 => "create201",
            Op::Get200 => "get200",
        }
    }

    fn worker(self) -> &'static str {
        match self {
            Op::Claim204 => "idle",
            Op::Error409 => "busy",
            _ => "w1",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Floor,
    FloorTimed,
    Admin,
    Peer,
    AdminBare,
}

const CLIENTS: [Which; 4] = [Which::Floor, Which::FloorTimed, Which::Admin, Which::Peer];

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Floor => "floor (reqwest)",
            Which::FloorTimed => "floor + ff-admin's timeouts",
            Which::Admin => "ff-admin",
            Which::AdminBare => "ff-admin on reqwest::Client::new()",
            Which::Peer => "peer (ff-sdk)",
        }
    }

    /// The client's name in `FF_BENCH_LOOP`.
    fn key(self) -> &'static str {
        match self {
            Which::Floor => "floor",
            Which::FloorTimed => "floor-timed",
            Which::Admin => "admin",
            Which::AdminBare => "admin-bare",
            Which::Peer => "peer",
        }
    }
}

/// The floor: what a careful hand-written call does, nothing more.
struct Floor {
    http: reqwest::Client,
    base: String,
}

#[derive(serde::Serialize)]
struct FloorClaim<'a> {
    lane_id: &'a str,
    worker_instance_id: &'a str,
    grant_ttl_ms: u64,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorGrant {
    execution_id: String,
    partition_key: String,
    grant_key: String,
    expires_at_ms: u64,
}

#[derive(serde::Serialize)]
struct FloorRotate<'a> {
    new_kid: &'a str,
    new_secret_hex: &'a str,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorRotated {
    rotated: u16,
    failed: Vec<u16>,
    new_kid: String,
}

#[derive(serde::Serialize)]
struct FloorReclaim<'a> {
    worker_id: &'a str,
    worker_instance_id: &'a str,
    lane_id: &'a str,
    grant_ttl_ms: u64,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
#[serde(tag = "status", rename_all = "snake_case")]
enum FloorReclaimed {
    Granted {
        execution_id: String,
        partition_key: String,
        grant_key: String,
        expires_at_ms: u64,
        lane_id: String,
    },
    NotReclaimable {
        execution_id: String,
        detail: String,
    },
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorError {
    error: String,
    kind: Option<String>,
    retryable: Option<bool>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
enum FloorCreated {
    Created {
        execution_id: String,
        public_state: String,
    },
    Duplicate {
        execution_id: String,
    },
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorInfo {
    execution_id: String,
    public_state: String,
    priority: i32,
}

impl Floor {
    async fn call(&self, op: Op) -> bool {
        match op {
            Op::Claim204 | Op::Claim200 | Op::Error409 => {
                let url = format!("{}/v1/workers/{}/claim", self.base, op.worker());
                let body = FloorClaim {
                    lane_id: "default",
                    worker_instance_id: "w1-i1",
                    grant_ttl_ms: 5000,
                };
                let Ok(resp) = self.http.post(url).json(&body).send().await else {
                    return false;
                };
                match resp.status().as_u16() {
                    204 => op == Op::Claim204,
                    200 => resp.json::<FloorGrant>().await.is_ok() && op == Op::Claim200,
                    _ => resp.json::<FloorError>().await.is_ok() && op == Op::Error409,
                }
            }
            Op::Rotate200 => {
                let url = format!("{}/v1/admin/rotate-waitpoint-secret", self.base);
                let body = FloorRotate {
                    new_kid: "k2",
                    new_secret_hex: SECRET,
                };
                let Ok(resp) = self.http.post(url).json(&body).send().await else {
                    return false;
                };
                resp.status() == 200 && resp.json::<FloorRotated>().await.is_ok()
            }
            Op::Reclaim200 => {
                let url = format!("{}/v1/executions/{}/reclaim", self.base, ENCODED_EXEC_ID);
                let body = FloorReclaim {
                    worker_id: "w1",
                    worker_instance_id: "w1-i2",
                    lane_id: "default",
                    grant_ttl_ms: 5000,
                };
                let Ok(resp) = self.http.post(url).json(&body).send().await else {
                    return false;
                };
                resp.status() == 200 && resp.json::<FloorReclaimed>().await.is_ok()
            }
            Op::Create201 => {
                let url = format!("{}/v1/executions", self.base);
                let request = self
                    .http
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(CREATE_REQUEST);
                let Ok(resp) = request.send().await else {
                    return false;
                };
                resp.status() == 201 && resp.json::<FloorCreated>().await.is_ok()
            }
            Op::Get200 => {
                let url = format!("{}/v1/executions/{}", self.base, ENCODED_EXEC_ID);
                let Ok(resp) = self.http.get(url).send().await else {
                    return false;
                };
                resp.status() == 200 && resp.json::<FloorInfo>().await.is_ok()
            }
        }
    }
}

const SECRET: &str = "abababababababababababababababababababababababababababababababab";
const ENCODED_EXEC_ID: &str = "%7Bfp:7%7D:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";

struct Clients {
    floor: Floor,
    /// The floor on a `reqwest::Client` with ff-admin's default timeouts:
    /// each request then carries reqwest's timer, as ff-admin's do.
    floor_timed: Floor,
    admin: ff_admin::FlowFabricAdminClient,
    peer: ff_sdk::admin::FlowFabricAdminClient,
    /// ff-admin on the floor's `reqwest::Client` (no timeouts, no
    /// user agent): what the client's own code costs, apart from its
    /// HTTP settings.
    admin_bare: ff_admin::FlowFabricAdminClient,
    /// Create's request, decoded once from [`CREATE_REQUEST`].
    create: ff_admin::CreateExecutionRequest,
}

impl Clients {
    fn new(base: &str) -> Self {
        Self {
            floor: Floor {
                http: reqwest::Client::new(),
                base: base.to_owned(),
            },
            floor_timed: Floor {
                http: reqwest::Client::builder()
                    .timeout(ff_admin::DEFAULT_TIMEOUT)
                    .connect_timeout(ff_admin::DEFAULT_CONNECT_TIMEOUT)
                    .build()
                    .expect("reqwest client"),
                base: base.to_owned(),
            },
            admin: ff_admin::FlowFabricAdminClient::new(base).expect("ff-admin client"),
            peer: ff_sdk::admin::FlowFabricAdminClient::new(base).expect("ff-sdk client"),
            admin_bare: ff_admin::FlowFabricAdminClient::builder(base)
                .http_client(reqwest::Client::new())
                .build()
                .expect("ff-admin client"),
            create: serde_json::from_str(CREATE_REQUEST).expect("a create request"),
        }
    }

    async fn call(&self, which: Which, op: Op) -> bool {
        match which {
            Which::Floor => self.floor.call(op).await,
            Which::FloorTimed => self.floor_timed.call(op).await,
            Which::Admin if PROFILE_ONLY_OPS.contains(&op) => {
                admin_only_call(&self.admin, &self.create, op).await
            }
            Which::AdminBare if PROFILE_ONLY_OPS.contains(&op) => {
                admin_only_call(&self.admin_bare, &self.create, op).await
            }
            Which::Admin => admin_call(&self.admin, op).await,
            Which::AdminBare => admin_call(&self.admin_bare, op).await,
            Which::Peer => peer_call(&self.peer, op).await,
        }
    }
}

/// One call of a [`PROFILE_ONLY_OPS`] operation through ff-admin.
async fn admin_only_call(
    c: &ff_admin::FlowFabricAdminClient,
    create: &ff_admin::CreateExecutionRequest,
    op: Op,
) -> bool {
    match op {
        Op::Create201 => matches!(
            c.create_execution(create).await,
            Ok(ff_admin::CreateExecutionResponse::Created { .. })
        ),
        Op::Get200 => matches!(c.get_execution(EXEC_ID).await, Ok(Some(_))),
        _ => false,
    }
}

/// One call through a client with the `ff_sdk::admin` API. The same body
/// compiles against `ff_admin` and `ff_sdk::admin`: the drop-in promise.
macro_rules! admin_like_call {
    ($name:ident, $client:ty, $module:path, $error:path) => {
        async fn $name(c: &$client, op: Op) -> bool {
            use $module as m;
            match op {
                Op::Claim204 | Op::Claim200 | Op::Error409 => {
                    let r = c
                        .claim_for_worker(m::ClaimForWorkerRequest {
                            worker_id: op.worker().to_owned(),
                            lane_id: "default".to_owned(),
                            worker_instance_id: "w1-i1".to_owned(),
                            capabilities: Vec::new(),
                            grant_ttl_ms: 5000,
                        })
                        .await;
                    match (op, r) {
                        (Op::Claim204, Ok(None)) | (Op::Claim200, Ok(Some(_))) => true,
                        (Op::Error409, Err($error { status: 409, .. })) => true,
                        _ => false,
                    }
                }
                Op::Rotate200 => c
                    .rotate_waitpoint_secret(m::RotateWaitpointSecretRequest {
                        new_kid: "k2".to_owned(),
                        new_secret_hex: SECRET.to_owned(),
                    })
                    .await
                    .is_ok(),
                Op::Reclaim200 => matches!(
                    c.issue_reclaim_grant(
                        EXEC_ID,
                        m::IssueReclaimGrantRequest {
                            worker_id: "w1".to_owned(),
                            worker_instance_id: "w1-i2".to_owned(),
                            lane_id: "default".to_owned(),
                            capability_hash: None,
                            grant_ttl_ms: 5000,
                            route_snapshot_json: None,
                            admission_summary: None,
                            worker_capabilities: Vec::new(),
                        },
                    )
                    .await,
                    Ok(m::IssueReclaimGrantResponse::Granted { .. })
                ),
                Op::Create201 | Op::Get200 => false,
            }
        }
    };
}

admin_like_call!(
    admin_call,
    ff_admin::FlowFabricAdminClient,
    ff_admin,
    ff_admin::SdkError::AdminApi
);
admin_like_call!(
    peer_call,
    ff_sdk::admin::FlowFabricAdminClient,
    ff_sdk::admin,
    ff_sdk::SdkError::AdminApi
);

// ---------------------------------------------------------------------------
// Measurement.

/// Calls each client makes before it is measured (and before the loop mode
/// counts, so that `cargo xtask profile`'s two runs start alike).
const WARM_UP: usize = 200;
/// Sequential calls timed per round and client (about 2 ms). Short batches
/// in many rounds: this machine's speed changes over a few milliseconds,
/// so a long batch is often slowed in part and its paired ratio is noisy.
/// With 100 calls per batch and 60 rounds, a ratio moved by up to 4.7 %
/// from run to run; with 20 per batch and 300 rounds, by about 1 %.
const SEQUENTIAL_BATCH: usize = 20;
/// Untimed calls a client makes just before its sequential batch, so that
/// the batch does not start on the caches the previous client left (which
/// would favour the clients sharing ff-admin's reqwest over the peer).
const BATCH_WARM_UP: usize = 3;
const CONCURRENT_BATCH: usize = 128;
const IN_FLIGHT: usize = 64;
/// Rounds when `FF_BENCH_ROUNDS` is not set.
const DEFAULT_ROUNDS: usize = 300;

/// What a ratio line compares.
#[derive(Clone, Copy)]
enum Measure {
    Sequential,
    Concurrent,
    ClientCpu,
}

#[derive(Default)]
struct Samples {
    sequential_rates: Vec<f64>,
    concurrent_rates: Vec<f64>,
    latencies: Vec<Duration>,
    allocations_per_call: Vec<f64>,
    /// CPU time of the client thread per call, in µs, over the concurrent
    /// batch (the whole client, connection tasks included, runs on it).
    client_cpu_us: Vec<f64>,
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index]
}

async fn sequential(clients: &Clients, which: Which, op: Op, samples: &mut Samples) {
    for _ in 0..BATCH_WARM_UP {
        assert!(clients.call(which, op).await);
    }
    let allocations_before = allocations();
    let start = Instant::now();
    for _ in 0..SEQUENTIAL_BATCH {
        let t = Instant::now();
        assert!(
            clients.call(which, op).await,
            "{} {} failed",
            which.name(),
            op.name()
        );
        samples.latencies.push(t.elapsed());
    }
    let elapsed = start.elapsed();
    // The latency vector's own growth is the bench's, not the client's: it
    // is excluded by reserving the vector's room before the rounds start.
    let allocated = allocations() - allocations_before;
    samples
        .sequential_rates
        .push(SEQUENTIAL_BATCH as f64 / elapsed.as_secs_f64());
    samples
        .allocations_per_call
        .push(allocated as f64 / SEQUENTIAL_BATCH as f64);
}

async fn concurrent(clients: &Clients, which: Which, op: Op, samples: &mut Samples) {
    let cpu_before = thread_cpu_time();
    let start = Instant::now();
    let ok = stream::iter(0..CONCURRENT_BATCH)
        .map(|_| clients.call(which, op))
        .buffer_unordered(IN_FLIGHT)
        .fold(true, |acc, ok| async move { acc && ok })
        .await;
    assert!(
        ok,
        "{} {} failed under concurrency",
        which.name(),
        op.name()
    );
    samples
        .concurrent_rates
        .push(CONCURRENT_BATCH as f64 / start.elapsed().as_secs_f64());
    samples
        .client_cpu_us
        .push((thread_cpu_time() - cpu_before).as_secs_f64() * 1e6 / CONCURRENT_BATCH as f64);
}

/// Every client the loop mode can run: the bench's, then ff-admin on the
/// floor's `reqwest::Client`.
fn loop_clients() -> impl Iterator<Item = Which> {
    CLIENTS.into_iter().chain([Which::AdminBare])
}

/// `FF_BENCH_LOOP=list`: prints `client <key> <name>` for each of
/// [`loop_clients`], `op <key>` for each operation every client runs and
/// `op <key> <client>,…` for each of [`PROFILE_ONLY_OPS`], tab-separated,
/// one per line, so that `cargo xtask profile` runs the bench's own list.
fn list() {
    for which in loop_clients() {
        println!("client\t{}\t{}", which.key(), which.name());
    }
    for op in OPS {
        println!("op\t{}", op.key());
    }
    let floor_and_admin = loop_clients()
        .filter(|w| *w != Which::Peer)
        .map(Which::key)
        .collect::<Vec<_>>()
        .join(",");
    for op in PROFILE_ONLY_OPS {
        println!("op\t{}\t{floor_and_admin}", op.key());
    }
}

/// `FF_BENCH_LOOP=<client>:<op>:<calls>` (client as in [`Which::key`], op
/// as in [`Op::key`]): instead of the bench, makes [`WARM_UP`] warm-up
/// calls then `<calls>` sequential calls of that pair and exits. Run it
/// under valgrind twice with different counts to read one call's cost on
/// the client thread (`cargo xtask profile` does).
fn loop_only(spec: &str) {
    if spec == "list" {
        return list();
    }
    let parts: Vec<&str> = spec.split(':').collect();
    let [client, op, calls] = parts[..] else {
        panic!("FF_BENCH_LOOP is list or <client>:<op>:<calls>, got {spec:?}");
    };
    let which = loop_clients()
        .find(|w| w.key() == client)
        .unwrap_or_else(|| panic!("no client {client:?}"));
    let op = OPS
        .into_iter()
        .chain(PROFILE_ONLY_OPS)
        .find(|o| o.key() == op)
        .unwrap_or_else(|| panic!("no op {op:?}"));
    let calls: usize = calls.parse().expect("a call count");
    let (base, _) = start_server();
    let rt = client_runtime();
    rt.block_on(async move {
        let clients = Clients::new(&base);
        for _ in 0..WARM_UP + calls {
            assert!(clients.call(which, op).await);
        }
    });
}

/// The client's runtime: one thread, the bench's main thread, so that the
/// allocation and CPU counts of that thread are the client's.
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

fn main() {
    if let Ok(spec) = std::env::var("FF_BENCH_LOOP") {
        return loop_only(&spec);
    }
    let rounds: usize = std::env::var("FF_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS);
    let (base, accepts) = start_server();
    let rt = client_runtime();
    rt.block_on(async move {
        let clients = Clients::new(&base);
        println!(
            "ff-admin bench: {rounds} rounds x ({SEQUENTIAL_BATCH} sequential + {CONCURRENT_BATCH} at {IN_FLIGHT} in flight) calls per operation and client, interleaved"
        );
        let mut ratio_lines = Vec::new();
        for op in OPS {
            let mut results: Vec<(Which, Samples)> = CLIENTS.iter().map(|w| (*w, Samples::default())).collect();
            for (which, samples) in &mut results {
                samples.latencies.reserve(rounds * SEQUENTIAL_BATCH + 1);
                for _ in 0..WARM_UP {
                    assert!(clients.call(*which, op).await);
                }
            }
            for round in 0..rounds {
                // Rotate the order every round.
                for k in 0..results.len() {
                    let i = (round + k) % results.len();
                    let (which, samples) = &mut results[i];
                    sequential(&clients, *which, op, samples).await;
                    concurrent(&clients, *which, op, samples).await;
                }
            }
            // Paired per-round ratios, taken before the medians sort the
            // samples: both clients of a pair ran back to back in the same
            // round, so drift cancels out.
            let series = |w: Which, measure: Measure| -> Vec<f64> {
                let s = &results.iter().find(|r| r.0 == w).expect("client").1;
                match measure {
                    Measure::Sequential => s.sequential_rates.clone(),
                    Measure::Concurrent => s.concurrent_rates.clone(),
                    // Less CPU is better: the ratio is den/num, so that above
                    // 1 means ff-admin costs less, as for the rates.
                    Measure::ClientCpu => s.client_cpu_us.iter().map(|us| 1.0 / us).collect(),
                }
            };
            let paired = |num: Which, den: Which, measure: Measure| -> f64 {
                let (a, b) = (series(num, measure), series(den, measure));
                let mut ratios: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x / y).collect();
                median(&mut ratios)
            };
            /// The ratio lines: (label, numerator, denominator), each
            /// sequential, with 64 calls in flight, and in client CPU per
            /// call (inverted: above 1, the numerator costs less).
            const RATIOS: [(&str, Which, Which); 3] = [
                ("ff-admin/floor", Which::Admin, Which::Floor),
                ("ff-admin/floor+timeouts", Which::Admin, Which::FloorTimed),
                ("ff-admin/peer", Which::Admin, Which::Peer),
            ];
            let ratio_text: Vec<String> = RATIOS
                .iter()
                .map(|(label, num, den)| {
                    format!(
                        "{label} seq {:.3} conc {:.3} cpu {:.3}",
                        paired(*num, *den, Measure::Sequential),
                        paired(*num, *den, Measure::Concurrent),
                        paired(*num, *den, Measure::ClientCpu)
                    )
                })
                .collect();

            println!("\n{}", op.name());
            println!(
                "  {:<36} {:>12} {:>12} {:>10} {:>10} {:>12} {:>12}",
                "client", "seq calls/s", "64x calls/s", "p50 µs", "p99 µs", "cpu µs/call", "allocs/call"
            );
            let mut allocs: Vec<(Which, f64)> = Vec::new();
            for (which, samples) in results.iter_mut() {
                let seq = median(&mut samples.sequential_rates);
                let conc = median(&mut samples.concurrent_rates);
                let per_call = median(&mut samples.allocations_per_call);
                let cpu = median(&mut samples.client_cpu_us);
                allocs.push((*which, per_call));
                let p50 = percentile(&mut samples.latencies, 0.50);
                let p99 = percentile(&mut samples.latencies, 0.99);
                println!(
                    "  {:<36} {:>12.0} {:>12.0} {:>10.1} {:>10.1} {:>12.2} {:>12.1}",
                    which.name(),
                    seq,
                    conc,
                    p50.as_secs_f64() * 1e6,
                    p99.as_secs_f64() * 1e6,
                    cpu,
                    per_call
                );
            }
            let allocs_of = |w: Which| {
                allocs
                    .iter()
                    .find(|(which, _)| *which == w)
                    .map_or(f64::NAN, |(_, a)| *a)
            };
            ratio_lines.push(format!(
                "ratio {:<20} {} | allocs/call ff-admin {:.1} peer {:.1}",
                op.name(),
                ratio_text.join(" | "),
                allocs_of(Which::Admin),
                allocs_of(Which::Peer)
            ));
        }

        // Connection reuse: 10,000 sequential claims through one fresh client.
        let fresh = ff_admin::FlowFabricAdminClient::new(base.clone()).expect("client");
        let before = accepts.load(Ordering::Relaxed);
        for _ in 0..10_000 {
            assert!(admin_call(&fresh, Op::Claim204).await);
        }
        let opened = accepts.load(Ordering::Relaxed) - before;

        println!();
        for line in ratio_lines {
            println!("{line}");
        }
        println!("connections opened by 10000 sequential ff-admin claims: {opened}");
    });
}
