//! Faults between `ff-admin` (with `RetryPolicy::standard()`) and the real
//! ff-server on Valkey, injected by the harness's fault proxy: a refused
//! connection, a reset before the request reaches the server, a reset after
//! the server answered, an answer stalled or cut off mid-way.
//!
//! Every fault ends in the call's documented result or a typed error within
//! its time bound (attempts × timeout + back-offs); idempotent operations
//! recover through retries; a rotation retried through resets has the
//! effect of one rotation; a claim is never sent twice once its request
//! reached the server. Prints `fault: ...` lines (with `--nocapture`).

use std::future::Future;
use std::time::Duration;

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantRequest, RetryPolicy,
    RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::fault_proxy::{Fault, FaultProxy};
use ff_admin_contract_tests::live::{self, valkey_command, Backend, LiveServer, Resp};

const TOKEN: &str = "live-faults-token-41d2";
const TIMEOUT: Duration = Duration::from_secs(1);
const UNKNOWN_EXEC: &str = "{fp:3}:0b9a7f1e-2d3c-4b5a-8f6e-7d8c9b0a1f2e";
const UNKNOWN_WAITPOINT: &str = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c";
const FAULTS: [Fault; 4] = [
    Fault::ResetBeforeRequest,
    Fault::ResetAfterRequest,
    Fault::StallAnswer,
    Fault::CutAnswer,
];

fn policy() -> RetryPolicy {
    RetryPolicy::standard()
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(200))
}

/// A fresh client (its own connection pool) through `proxy`.
fn client(proxy: &FaultProxy, policy: RetryPolicy) -> FlowFabricAdminClient {
    FlowFabricAdminClient::builder(proxy.url())
        .bearer_token(TOKEN)
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .retry_policy(policy)
        .build()
        .expect("client")
}

/// Runs `call`, failing the test if it outlasts what `policy` allows:
/// every attempt's timeout and every back-off, plus a second.
async fn bounded<T>(policy: RetryPolicy, call: impl Future<Output = T>) -> T {
    let attempts = policy.max_attempts();
    let bound = TIMEOUT * attempts + policy.max_backoff() * (attempts - 1) + Duration::from_secs(1);
    let result = tokio::time::timeout(bound, call)
        .await
        .unwrap_or_else(|_| panic!("a call hung for more than {bound:?}"));
    result
}

fn claim_request(lane: &str) -> ClaimForWorkerRequest {
    ClaimForWorkerRequest {
        worker_id: "fault-worker".into(),
        lane_id: lane.into(),
        worker_instance_id: "fault-worker-i1".into(),
        capabilities: vec![],
        grant_ttl_ms: 60_000,
    }
}

fn rotate_request(kid: &str, byte: &str) -> RotateWaitpointSecretRequest {
    RotateWaitpointSecretRequest {
        new_kid: kid.into(),
        new_secret_hex: byte.repeat(32),
    }
}

#[tokio::test]
async fn idempotent_operations_recover_from_every_fault() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .expect("live server");
    let proxy = FaultProxy::start(&live.url).await;
    let reclaim = || IssueReclaimGrantRequest {
        worker_id: "fault-worker".into(),
        worker_instance_id: "fault-worker-i2".into(),
        lane_id: "default".into(),
        capability_hash: None,
        grant_ttl_ms: 1000,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    };
    for fault in FAULTS {
        let c = client(&proxy, policy());

        proxy.inject("/healthz", fault);
        bounded(policy(), c.healthz()).await.expect("healthy");

        proxy.inject("/token", fault);
        let token = bounded(
            policy(),
            c.read_waitpoint_token(UNKNOWN_EXEC, UNKNOWN_WAITPOINT),
        )
        .await
        .expect("the documented 404");
        assert_eq!(token, None);

        proxy.inject("/reclaim", fault);
        let err = bounded(policy(), c.issue_reclaim_grant(UNKNOWN_EXEC, reclaim()))
            .await
            .expect_err("unknown execution");
        assert!(
            matches!(&err, SdkError::AdminApi { status: 404, .. }),
            "{fault:?}: {err:?}"
        );

        proxy.inject("rotate-waitpoint-secret", fault);
        let rotated = bounded(
            policy(),
            c.rotate_waitpoint_secret(rotate_request("k-idem", "1f")),
        )
        .await
        .expect("rotated");
        assert_eq!(rotated.rotated, live.flow_partitions);
        assert!(rotated.failed.is_empty());
        println!("fault: {fault:?} on healthz, token, reclaim, rotate -> recovered by one retry");
    }
    assert_eq!(proxy.pending_faults(), 0, "every fault was applied");
    for route in ["/healthz", "/token", "/reclaim", "rotate-waitpoint-secret"] {
        // One faulted attempt and one retry per fault.
        assert_eq!(proxy.received(route), 2 * FAULTS.len(), "{route}");
        // Reset before the request: it never reached the server.
        assert_eq!(proxy.forwarded(route), 2 * FAULTS.len() - 1, "{route}");
    }
}

#[tokio::test]
async fn a_rotation_retried_through_resets_has_the_effect_of_one() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .expect("live server");
    let port = live.valkey_port().expect("valkey");
    let proxy = FaultProxy::start(&live.url).await;
    let c = client(&proxy, policy());
    let first = bounded(
        policy(),
        c.rotate_waitpoint_secret(rotate_request("kid-a", "a1")),
    )
    .await
    .expect("first rotation");

    // The server rotates to kid-b, then the client's connection is reset, twice.
    proxy.inject("rotate-waitpoint-secret", Fault::ResetAfterRequest);
    proxy.inject("rotate-waitpoint-secret", Fault::ResetAfterRequest);
    let second = bounded(
        policy(),
        c.rotate_waitpoint_secret(rotate_request("kid-b", "b2")),
    )
    .await
    .expect("retried through two resets");
    assert_eq!(second.new_kid, "kid-b");
    assert_eq!(second.rotated, first.rotated);
    assert_eq!(proxy.forwarded("rotate-waitpoint-secret"), 4);
    assert_eq!(
        proxy.answers("rotate-waitpoint-secret"),
        [200, 200, 200, 200]
    );

    // One rotation's effect on every partition: kid-b current, kid-a previous
    // (a repeat of the same rotation is a no-op on the server; one applied
    // on top of itself would have made kid-b its own predecessor).
    let Resp::Array(keys) =
        valkey_command(port, &["KEYS", "ff:sec:*:waitpoint_hmac"]).expect("KEYS")
    else {
        panic!("KEYS answers an array");
    };
    assert_eq!(keys.len(), usize::from(live.flow_partitions));
    for key in keys {
        let Resp::Bulk(Some(key)) = key else {
            panic!("{key:?}")
        };
        let field = |name: &str| valkey_command(port, &["HGET", &key, name]).expect("HGET");
        assert_eq!(
            field("current_kid"),
            Resp::Bulk(Some("kid-b".into())),
            "{key}"
        );
        assert_eq!(
            field("previous_kid"),
            Resp::Bulk(Some("kid-a".into())),
            "{key}"
        );
        assert_eq!(
            field("secret:kid-b"),
            Resp::Bulk(Some("b2".repeat(32))),
            "{key}"
        );
    }
    println!("fault: rotation through 2 resets after the server answered -> one rotation's effect");
}

#[tokio::test]
async fn a_claim_that_reached_the_server_is_never_sent_again() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .expect("live server");
    let proxy = FaultProxy::start(&live.url).await;
    for fault in FAULTS {
        let lane = format!("faults-{fault:?}").to_lowercase();
        live::one_eligible_per_scan_window(&live, &lane).await;
        let before = (proxy.received("/claim"), proxy.forwarded("/claim"));
        proxy.inject("/claim", fault);
        let err = bounded(
            policy(),
            client(&proxy, policy()).claim_for_worker(claim_request(&lane)),
        )
        .await
        .expect_err("the fault reaches the caller");
        let received = proxy.received("/claim") - before.0;
        let forwarded = proxy.forwarded("/claim") - before.1;
        assert_eq!(received, 1, "{fault:?}: a claim is not retried: {err:?}");
        match fault {
            Fault::ResetBeforeRequest => assert_eq!(forwarded, 0),
            _ => {
                assert_eq!(forwarded, 1);
                // The server granted an execution the caller never saw; the
                // grant expires after grant_ttl_ms.
                assert_eq!(proxy.answers("/claim").last(), Some(&200), "{fault:?}");
            }
        }
        match (&fault, &err) {
            (
                Fault::ResetBeforeRequest | Fault::ResetAfterRequest,
                SdkError::Http { source, .. },
            ) => {
                assert!(!source.is_connect(), "{err:?}")
            }
            (Fault::StallAnswer | Fault::CutAnswer, SdkError::Body { status: 200, .. }) => {}
            _ => panic!("{fault:?}: unexpected {err:?}"),
        }
        println!("fault: {fault:?} on a claim -> {err} (sent to the server {forwarded} time(s))");
    }
}

#[tokio::test]
async fn refused_connections_are_retried_for_claims_and_reads_alike() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .expect("live server");
    let proxy = FaultProxy::start(&live.url).await;
    // Enough attempts, and back-offs long enough, to outlast the refusal.
    let patient = RetryPolicy::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(1));
    live::one_eligible_per_scan_window(&live, "refused").await;

    proxy.refuse_for(Duration::from_millis(150)).await;
    let grant = bounded(
        patient,
        client(&proxy, patient).claim_for_worker(claim_request("refused")),
    )
    .await
    .expect("claimed once the port is open again");
    assert!(grant.is_some(), "one eligible execution per scan window");
    assert_eq!(proxy.forwarded("/claim"), 1);

    proxy.refuse_for(Duration::from_millis(150)).await;
    bounded(patient, client(&proxy, patient).healthz())
        .await
        .expect("healthy once the port is open again");

    // With no policy, the refusal reaches the caller as a connect error.
    proxy.refuse_for(Duration::from_millis(300)).await;
    let err = client(&proxy, RetryPolicy::none())
        .healthz()
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, SdkError::Http { source, .. } if source.is_connect()),
        "{err:?}"
    );
    println!("fault: refused connections -> claim and healthz retried until the port reopened");
}
