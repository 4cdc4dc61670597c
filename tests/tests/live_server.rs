//! Live contract tests: every admin operation through `FlowFabricAdminClient`
//! against the real ff-server 0.15, booted in-process on Valkey, a Valkey
//! cluster, Postgres and SQLite. Nothing here falls back to a mock: a missing backend binary
//! fails the test with instructions.
//!
//! Each test prints `outcome: <backend> <operation> <case> -> <result>`
//! lines (visible with `--nocapture`), evidence for the README's section
//! "What the live tests reach".

use std::time::Duration;

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::live::{claim_polling, Backend, LiveServer};

/// The claim grants' TTL: longer than a whole polling run (three sweeps), so
/// that the grant is still outstanding when the next sweep checks that
/// nothing else is claimable.
const CLAIM_TTL_MS: u64 = 60_000;

const TOKEN: &str = "live-token-7c1e";
const UNKNOWN_EXEC: &str = "{fp:3}:0b9a7f1e-2d3c-4b5a-8f6e-7d8c9b0a1f2e";
const UNKNOWN_WAITPOINT: &str = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c";

fn outcome(backend: Backend, op: &str, case: &str, result: impl std::fmt::Debug) {
    println!("outcome: {} {op} {case} -> {result:?}", backend.name());
}

fn claim_request(worker: &str, lane: &str, ttl: u64) -> ClaimForWorkerRequest {
    ClaimForWorkerRequest {
        worker_id: worker.into(),
        lane_id: lane.into(),
        worker_instance_id: format!("{}-i1", worker.replace(['/', ' '], "_")),
        capabilities: vec![],
        grant_ttl_ms: ttl,
    }
}

fn reclaim_request(worker: &str, lane: &str, ttl: u64) -> IssueReclaimGrantRequest {
    IssueReclaimGrantRequest {
        worker_id: worker.into(),
        worker_instance_id: format!("{worker}-i2"),
        lane_id: lane.into(),
        capability_hash: None,
        grant_ttl_ms: ttl,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    }
}

fn secret(byte: &str) -> String {
    byte.repeat(32)
}

/// Asserts an `AdminApi` error with `status` whose message contains `needle`.
#[track_caller]
fn assert_api(err: &SdkError, status: u16, needle: &str) {
    match err {
        SdkError::AdminApi {
            status: s, message, ..
        } => {
            assert_eq!(*s, status, "{err:?}");
            assert!(message.contains(needle), "`{message}` lacks `{needle}`");
        }
        other => panic!("expected AdminApi {status}, got {other:?}"),
    }
}

/// The checks every backend answers the same way: validation, auth,
/// unknown ids, rotation input rules.
async fn common_contract(live: &LiveServer, client: &FlowFabricAdminClient) {
    let b = live.backend;

    // claim: each server-side validation 400, in the server's order.
    for (case, req, needle) in [
        (
            "worker id with a space",
            claim_request("worker 1", "default", 1000),
            "worker_id: must not contain whitespace",
        ),
        (
            "grant_ttl_ms 0",
            claim_request("w1", "default", 0),
            "grant_ttl_ms must be in 1..=60000",
        ),
        (
            "grant_ttl_ms 60001",
            claim_request("w1", "default", 60_001),
            "grant_ttl_ms must be in 1..=60000",
        ),
        (
            "empty lane",
            claim_request("w1", "", 1000),
            "lane_id: lane_id is empty",
        ),
        (
            "65-byte lane",
            claim_request("w1", &"l".repeat(65), 1000),
            "exceeds 64 bytes",
        ),
    ] {
        let err = client.claim_for_worker(req).await.expect_err(case);
        assert_api(&err, 400, needle);
        assert!(!err.is_retryable());
        outcome(b, "claim", case, &err);
    }

    // rotate: input rules.
    for (case, kid, hex, needle) in [
        (
            "kid with ':'",
            "a:b",
            secret("ab"),
            "new_kid must be non-empty and must not contain ':'",
        ),
        (
            "bad hex",
            "k-bad",
            "zz".to_owned(),
            "new_secret_hex must be a non-empty even-length hex string",
        ),
        (
            "odd-length hex",
            "k-bad",
            "abc".to_owned(),
            "new_secret_hex must be a non-empty even-length hex string",
        ),
    ] {
        let err = client
            .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                new_kid: kid.into(),
                new_secret_hex: hex,
            })
            .await
            .expect_err(case);
        assert_api(&err, 400, needle);
        outcome(b, "rotate", case, &err);
    }

    // rotate: 401 without a token and with a wrong one, 200 with the right one.
    let anonymous = FlowFabricAdminClient::new(&live.url).expect("client");
    let wrong = FlowFabricAdminClient::with_token(&live.url, "not-the-token").expect("client");
    let rotate = || RotateWaitpointSecretRequest {
        new_kid: "kid-auth".into(),
        new_secret_hex: secret("5a"),
    };
    for (case, c) in [("no token", &anonymous), ("wrong token", &wrong)] {
        let err = c.rotate_waitpoint_secret(rotate()).await.expect_err(case);
        assert_api(&err, 401, "missing or invalid Authorization header");
        assert!(!err.is_retryable());
        outcome(b, "rotate", case, &err);
    }
    let first = client
        .rotate_waitpoint_secret(rotate())
        .await
        .expect("rotate 200");
    let expected_rotated = if b.is_valkey() {
        live.flow_partitions
    } else {
        1
    };
    assert_eq!(first.rotated, expected_rotated, "{first:?}");
    assert!(first.failed.is_empty(), "{first:?}");
    assert_eq!(first.new_kid, "kid-auth");
    outcome(b, "rotate", "first rotation", &first);
    let again = client
        .rotate_waitpoint_secret(rotate())
        .await
        .expect("idempotent");
    assert_eq!(again, first, "the same pair again answers the same");
    outcome(b, "rotate", "same pair again", &again);

    // reclaim: unknown execution, malformed id, bad input.
    let err = client
        .issue_reclaim_grant(UNKNOWN_EXEC, reclaim_request("w1", "default", 1000))
        .await
        .expect_err("unknown");
    assert_api(&err, 404, "not found");
    outcome(b, "reclaim", "unknown execution", &err);
    let err = client
        .issue_reclaim_grant("not-an-execution", reclaim_request("w1", "default", 1000))
        .await
        .expect_err("malformed");
    assert_api(&err, 400, "invalid execution_id");
    outcome(b, "reclaim", "malformed execution id", &err);
    let err = client
        .issue_reclaim_grant(UNKNOWN_EXEC, reclaim_request("w1", "default", 0))
        .await
        .expect_err("ttl 0");
    assert_api(&err, 400, "grant_ttl_ms must be in 1..=60000");
    outcome(b, "reclaim", "grant_ttl_ms 0", &err);

    // reclaim of a fresh execution: not reclaimable.
    let fresh = live
        .http()
        .create_execution(0, "default")
        .await
        .expect("create");
    let got = client
        .issue_reclaim_grant(&fresh, reclaim_request("w1", "default", 1000))
        .await
        .expect("200");
    match &got {
        IssueReclaimGrantResponse::NotReclaimable { execution_id, .. } => {
            assert_eq!(execution_id, &fresh)
        }
        other => panic!("a fresh execution is not reclaimable: {other:?}"),
    }
    outcome(b, "reclaim", "fresh execution", &got);

    // waitpoint token: unknown and malformed ids.
    let got = client
        .read_waitpoint_token(UNKNOWN_EXEC, UNKNOWN_WAITPOINT)
        .await
        .expect("documented 404");
    assert_eq!(got, None);
    outcome(b, "token", "unknown waitpoint", &got);
    let err = client
        .read_waitpoint_token(UNKNOWN_EXEC, "not-a-uuid")
        .await
        .expect_err("malformed waitpoint");
    assert_api(&err, 400, "waitpoint_id");
    outcome(b, "token", "malformed waitpoint id", &err);
    let err = client
        .read_waitpoint_token("bad", UNKNOWN_WAITPOINT)
        .await
        .expect_err("malformed execution");
    assert_api(&err, 400, "invalid execution_id");
    outcome(b, "token", "malformed execution id", &err);

    // A wrong base path is an error, not "no token".
    let prefixed =
        FlowFabricAdminClient::with_token(format!("{}/wrong", live.url), TOKEN).expect("client");
    let err = prefixed
        .read_waitpoint_token(UNKNOWN_EXEC, UNKNOWN_WAITPOINT)
        .await
        .expect_err("wrong base path");
    assert!(
        matches!(err, SdkError::AdminApi { status: 404, .. }),
        "{err:?}"
    );
    outcome(b, "token", "wrong base path", &err);
}

async fn boot(backend: Backend) -> (LiveServer, FlowFabricAdminClient) {
    let live = LiveServer::start(backend, Some(TOKEN))
        .await
        .unwrap_or_else(|e| panic!("live {} server: {e:#}", backend.name()));
    println!(
        "boot: {} backend ready in {:.1?}, ff-server booted on it in {:.1?}",
        backend.name(),
        live.boot.backend,
        live.boot.server
    );
    let client = FlowFabricAdminClient::builder(&live.url)
        .bearer_token(TOKEN)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    (live, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_live_contract() {
    let (live, client) = boot(Backend::Sqlite).await;
    let b = live.backend;

    let err = client.healthz().await.expect_err("no ping on SQLite");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 503, kind: Some(k), retryable: Some(false), .. } if k == "unavailable"),
        "{err:?}"
    );
    outcome(b, "healthz", "probe", &err);

    let err = client
        .claim_for_worker(claim_request("w1", "default", 1000))
        .await
        .expect_err("no claims on SQLite");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 503, kind: Some(k), .. } if k == "unavailable"),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "the server says retryable: false");
    outcome(b, "claim", "valid request", &err);

    // A worker id with `/` arrives as one segment: it passes validation and
    // reaches the backend (503 here), instead of a 404 for a split path.
    let err = client
        .claim_for_worker(claim_request("pool/w1", "default", 1000))
        .await
        .expect_err("503");
    assert_api(&err, 503, "claim_for_worker");
    outcome(b, "claim", "worker id with '/'", &err);

    common_contract(&live, &client).await;

    // SQLite wants exactly 64 hex digits.
    let err = client
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "k-short".into(),
            new_secret_hex: "abcd".into(),
        })
        .await
        .expect_err("short secret");
    assert_api(&err, 400, "secret_hex must be 64 hex characters");
    outcome(b, "rotate", "32-bit secret", &err);
}

/// Claim answers on a backend with scheduler-routed claims: 204 on an empty
/// lane, a grant for an execution created over HTTP, then 204 again.
async fn claim_contract(
    live: &LiveServer,
    client: &FlowFabricAdminClient,
    lane: &str,
    prepare: impl AsyncFnOnce(&str),
) {
    let b = live.backend;
    let got = client
        .claim_for_worker(claim_request("w-claim", lane, CLAIM_TTL_MS))
        .await
        .expect("empty lane");
    assert_eq!(got, None);
    outcome(b, "claim", "empty lane", &got);

    // A worker id with `/` travels as one segment and reaches the scheduler.
    let got = client
        .claim_for_worker(claim_request("pool/w1", lane, 5000))
        .await
        .expect("worker id with '/'");
    assert_eq!(got, None);
    outcome(b, "claim", "worker id with '/'", &got);

    let execution_id = live.http().create_execution(0, lane).await.expect("create");
    prepare(&execution_id).await;
    let before = ff_admin_contract_tests::live::now_ms();
    let (grant, polls) = claim_polling(client, || claim_request("w-claim", lane, CLAIM_TTL_MS))
        .await
        .expect("claim");
    let grant = grant.expect("a grant for the new execution within a full partition sweep");
    assert_eq!(grant.execution_id, execution_id);
    assert_eq!(grant.partition_key, "{fp:0}");
    assert!(!grant.grant_key.is_empty());
    let after = ff_admin_contract_tests::live::now_ms();
    assert!(
        grant.expires_at_ms >= before + CLAIM_TTL_MS - 1000
            && grant.expires_at_ms <= after + CLAIM_TTL_MS + 1000,
        "expires_at_ms {} is not about claim time + {CLAIM_TTL_MS} ms ({before}..{after})",
        grant.expires_at_ms
    );
    outcome(
        b,
        "claim",
        &format!("created execution (granted on call {polls})"),
        &grant,
    );
    let core = grant
        .clone()
        .into_grant()
        .expect("a valid ff-core ClaimGrant");
    assert_eq!(core.execution_id.as_str(), execution_id);

    // A full sweep of every partition finds nothing more.
    let (again, polls) = claim_polling(client, || claim_request("w-claim", lane, CLAIM_TTL_MS))
        .await
        .expect("second claim");
    assert_eq!(again, None, "the only execution is granted already");
    outcome(
        b,
        "claim",
        &format!("after the grant ({polls} calls)"),
        &again,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_live_contract() {
    valkey_contract(Backend::Valkey).await;
}

/// The same contract on three Valkey primaries, ff-server and ff-sdk's
/// worker in cluster mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_cluster_live_contract() {
    valkey_contract(Backend::ValkeyCluster).await;
}

/// Every outcome Valkey reaches, standalone or clustered.
async fn valkey_contract(backend: Backend) {
    let (live, client) = boot(backend).await;
    let b = live.backend;
    client.healthz().await.expect("healthz 200 on Valkey");
    outcome(b, "healthz", "probe", "Ok(())");
    assert_eq!(live.flow_partitions, 256);
    claim_contract(&live, &client, "valkey-lane", async |_: &str| {}).await;
    common_contract(&live, &client).await;
    valkey_lease_reclaim_and_token(&live, &client).await;
}

/// On Valkey: a real lease from a claim grant consumed by ff-sdk's worker, a
/// real waitpoint token, then a revoked lease that reclaim grants.
async fn valkey_lease_reclaim_and_token(live: &LiveServer, client: &FlowFabricAdminClient) {
    let b = live.backend;
    let lane = "valkey-reclaim-lane";
    let worker = "w-lease";
    let execution_id = live.http().create_execution(9, lane).await.expect("create");
    let (grant, _) = claim_polling(client, || claim_request(worker, lane, 30_000))
        .await
        .expect("claim");
    let grant = grant.expect("grant");
    assert_eq!(grant.execution_id, execution_id);

    // ff-sdk's worker redeems the grant: a real lease.
    let task = ff_admin_contract_tests::live::redeem_with_sdk(live, worker, lane, grant)
        .await
        .expect("claim_from_grant holds a lease");

    // Reclaim while the lease is held: not reclaimable.
    let got = client
        .issue_reclaim_grant(&execution_id, reclaim_request("w-reclaimer", lane, 5000))
        .await
        .expect("200");
    assert!(
        matches!(got, IssueReclaimGrantResponse::NotReclaimable { .. }),
        "{got:?}"
    );
    outcome(b, "reclaim", "lease held", &got);

    // A real waitpoint, and its token read through the admin API.
    let (waitpoint_id, token) = task
        .create_pending_waitpoint("ff-admin-wp", 600_000)
        .await
        .expect("pending waitpoint");
    let read = client
        .read_waitpoint_token(&execution_id, &waitpoint_id.to_string())
        .await
        .expect("200");
    assert_eq!(read.as_deref(), Some(token.as_str()));
    let (kid, digest) = token.as_str().split_once(':').expect("<kid>:<hex>");
    assert!(!kid.is_empty() && !digest.is_empty() && digest.bytes().all(|b| b.is_ascii_hexdigit()));
    outcome(
        b,
        "token",
        "pending waitpoint",
        "Some(<kid>:<hex>) equal to the minted token",
    );

    // Revoke the lease over HTTP: Valkey leaves it `lease_revoked`.
    ff_admin_contract_tests::live::revoke_lease(live, &execution_id)
        .await
        .expect("revoke");
    let before = ff_admin_contract_tests::live::now_ms();
    let got = client
        .issue_reclaim_grant(&execution_id, reclaim_request("w-reclaimer", lane, 5000))
        .await
        .expect("200");
    match &got {
        IssueReclaimGrantResponse::Granted {
            execution_id: id,
            partition_key,
            grant_key,
            expires_at_ms,
            lane_id,
        } => {
            assert_eq!(id, &execution_id);
            assert_eq!(partition_key, "{fp:9}");
            assert!(!grant_key.is_empty());
            assert_eq!(lane_id, lane);
            assert!(
                *expires_at_ms >= before + 4000,
                "{expires_at_ms} vs {before}"
            );
        }
        other => panic!("a revoked lease is reclaimable: {other:?}"),
    }
    outcome(b, "reclaim", "revoked lease", &got);
    let core = got.clone().into_grant().expect("ff-core ReclaimGrant");
    assert_eq!(core.execution_id.as_str(), execution_id);

    // While that grant is outstanding, another reclaim conflicts.
    let err = client
        .issue_reclaim_grant(&execution_id, reclaim_request("w-reclaimer", lane, 5000))
        .await
        .expect_err("grant outstanding");
    outcome(b, "reclaim", "grant already outstanding", &err);
    assert!(
        matches!(err, SdkError::AdminApi { status: 409, .. }),
        "{err:?}"
    );
    drop(task);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_live_contract() {
    let (live, client) = boot(Backend::Postgres).await;
    let b = live.backend;
    client.healthz().await.expect("healthz 200 on Postgres");
    outcome(b, "healthz", "probe", "Ok(())");

    // The HMAC keystore starts empty: claims answer 503 until a rotation.
    let err = client
        .claim_for_worker(claim_request("w-claim", "pg-lane", 5000))
        .await
        .expect_err("empty keystore");
    assert_api(&err, 503, "keystore empty");
    outcome(b, "claim", "before any rotation", &err);
    let seeded = client
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "pg-seed".into(),
            new_secret_hex: secret("e1"),
        })
        .await
        .expect("seed the keystore");
    assert_eq!(seeded.rotated, 1);

    claim_contract(&live, &client, "pg-lane", async |id: &str| {
        ff_admin_contract_tests::live::promote_to_runnable(&live, id)
            .await
            .expect("promote to runnable");
    })
    .await;
    common_contract(&live, &client).await;
    postgres_reclaim_and_token(&live, &client).await;
}

/// On Postgres: every reclaim outcome, and a real waitpoint token.
async fn postgres_reclaim_and_token(live: &LiveServer, client: &FlowFabricAdminClient) {
    use ff_admin_contract_tests::live::{pg_update_execution, promote_to_runnable};
    let b = live.backend;
    let lane = "pg-reclaim-lane";

    // granted: an active execution whose lease was revoked (set in SQL:
    // the HTTP revoke on Postgres resets the execution to runnable instead).
    let id = live.http().create_execution(4, lane).await.expect("create");
    pg_update_execution(
        live,
        &id,
        "lifecycle_phase = 'active', ownership_state = 'lease_revoked'",
    )
    .await
    .expect("sql");
    let got = client
        .issue_reclaim_grant(&id, reclaim_request("w-reclaimer", lane, 5000))
        .await
        .expect("200");
    match &got {
        IssueReclaimGrantResponse::Granted {
            execution_id,
            partition_key,
            lane_id,
            ..
        } => {
            assert_eq!(execution_id, &id);
            assert_eq!(partition_key, "{fp:4}");
            assert_eq!(lane_id, lane);
        }
        other => panic!("{other:?}"),
    }
    outcome(b, "reclaim", "active + lease_revoked", &got);

    // reclaim_cap_exceeded: the reclaim counter at the cap (1000).
    let id = live.http().create_execution(5, lane).await.expect("create");
    pg_update_execution(live, &id, "lease_reclaim_count = 1000")
        .await
        .expect("sql");
    let got = client
        .issue_reclaim_grant(&id, reclaim_request("w-reclaimer", lane, 5000))
        .await
        .expect("200");
    assert_eq!(
        got,
        IssueReclaimGrantResponse::ReclaimCapExceeded {
            execution_id: id.clone(),
            reclaim_count: 1000
        }
    );
    outcome(b, "reclaim", "reclaim count at the cap", &got);

    // A real waitpoint token: a lease from the backend's own claim, then a
    // pending waitpoint on it.
    let token_lane = "pg-token-lane";
    let id = live
        .http()
        .create_execution(0, token_lane)
        .await
        .expect("create");
    promote_to_runnable(live, &id).await.expect("promote");
    let backend = live.server.backend();
    let handle = backend
        .claim(
            &ff_core::types::LaneId::new(token_lane),
            &ff_core::backend::CapabilitySet::default(),
            ff_core::backend::ClaimPolicy::new(
                ff_core::types::WorkerId::new("w-token"),
                ff_core::types::WorkerInstanceId::new("w-token-i1"),
                30_000,
                None,
            ),
        )
        .await
        .expect("claim")
        .expect("a handle for the runnable execution");
    let pending = backend
        .create_waitpoint(&handle, "ff-admin-wp", Duration::from_secs(600))
        .await
        .expect("waitpoint");
    let read = client
        .read_waitpoint_token(&id, &pending.waitpoint_id.to_string())
        .await
        .expect("200");
    assert_eq!(read.as_deref(), Some(pending.hmac_token.as_str()));
    outcome(
        b,
        "token",
        "pending waitpoint",
        "Some(<kid>:<hex>) equal to the minted token",
    );
}
