//! Load against the real ff-server on Valkey: 64 tasks share one client
//! (`RetryPolicy::standard()`) and make 10,000 mixed calls through a
//! pass-through proxy that counts connections. Every answer must be one of
//! the call's documented outcomes, and the client must keep to one pooled
//! connection per task in flight. Prints a `load: ...` summary (with
//! `--nocapture`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantRequest, RetryPolicy,
    RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::fault_proxy::FaultProxy;
use ff_admin_contract_tests::live::{self, Backend, LiveServer};

const TOKEN: &str = "live-load-token-9b2e";
const TASKS: usize = 64;
const CALLS: usize = 10_000;
/// Connections beyond one per task that the pool may open: when every
/// pooled connection is busy, hyper-util starts a new connection for the
/// next request and, if a busy one is returned first, uses that one and
/// pools the new one ("checkout won" in its `connection_for`). The spare is
/// reused, not leaked; measured 64 or 65 connections for 10,000 calls.
const SPARES: usize = 4;
const LANE: &str = "load";
const UNKNOWN_EXEC: &str = "{fp:3}:0b9a7f1e-2d3c-4b5a-8f6e-7d8c9b0a1f2e";
const UNKNOWN_WAITPOINT: &str = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c";

/// Makes call number `n` of the mix (40 % health probes, 30 % claims, 15 %
/// token reads, 14.9 % reclaims, 0.1 % rotations, each of which writes all
/// 256 partitions) and names its outcome; fails the test on any outcome
/// the operation does not document.
async fn mixed_call(client: &FlowFabricAdminClient, n: usize, partitions: u16) -> &'static str {
    if n % 1000 == 999 {
        return match client
            .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                new_kid: "kid-load".into(),
                new_secret_hex: "4c".repeat(32),
            })
            .await
        {
            Ok(r) if r.rotated == partitions && r.failed.is_empty() => "rotate ok",
            // Another rotation held the server's single-writer gate through
            // every attempt.
            Err(SdkError::AdminApi { status: 429, .. }) => "rotate 429",
            other => panic!("rotate: {other:?}"),
        };
    }
    match n % 100 {
        0..40 => match client.healthz().await {
            Ok(()) => "healthz ok",
            Err(e) => panic!("healthz: {e:?}"),
        },
        40..70 => match client
            .claim_for_worker(ClaimForWorkerRequest {
                worker_id: format!("load-worker-{}", n % TASKS),
                lane_id: LANE.into(),
                worker_instance_id: format!("load-worker-{}-i1", n % TASKS),
                capabilities: vec![],
                grant_ttl_ms: 60_000,
            })
            .await
        {
            Ok(Some(_)) => "claim granted",
            Ok(None) => "claim 204",
            Err(e) => panic!("claim: {e:?}"),
        },
        70..85 => match client
            .read_waitpoint_token(UNKNOWN_EXEC, UNKNOWN_WAITPOINT)
            .await
        {
            Ok(None) => "token none",
            other => panic!("token: {other:?}"),
        },
        _ => match client
            .issue_reclaim_grant(
                UNKNOWN_EXEC,
                IssueReclaimGrantRequest {
                    worker_id: "load-worker".into(),
                    worker_instance_id: "load-worker-i2".into(),
                    lane_id: LANE.into(),
                    capability_hash: None,
                    grant_ttl_ms: 1000,
                    route_snapshot_json: None,
                    admission_summary: None,
                    worker_capabilities: vec![],
                },
            )
            .await
        {
            Err(SdkError::AdminApi { status: 404, .. }) => "reclaim 404",
            other => panic!("reclaim: {other:?}"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_share_one_client_for_ten_thousand_calls() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .expect("live server");
    // One eligible execution in each block of 32 partitions, so that some
    // claims are granted.
    live::one_eligible_per_scan_window(&live, LANE).await;
    let proxy = FaultProxy::start(&live.url).await;
    let client = FlowFabricAdminClient::builder(proxy.url())
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::standard())
        .build()
        .expect("client");
    let outcomes = Arc::new(Mutex::new(BTreeMap::<&'static str, usize>::new()));
    let partitions = live.flow_partitions;
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            let outcomes = outcomes.clone();
            tokio::spawn(async move {
                for n in (task..CALLS).step_by(TASKS) {
                    let outcome = mixed_call(&client, n, partitions).await;
                    *outcomes
                        .lock()
                        .expect("outcomes")
                        .entry(outcome)
                        .or_default() += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task failed: see its panic above");
    }
    let elapsed = started.elapsed();
    let outcomes = outcomes.lock().expect("outcomes").clone();
    println!(
        "load: {CALLS} calls from {TASKS} tasks in {:.1} s over {} connections: {outcomes:?}",
        elapsed.as_secs_f64(),
        proxy.connections()
    );
    assert_eq!(outcomes.values().sum::<usize>(), CALLS);
    assert_eq!(proxy.received("HTTP/1.1"), proxy.forwarded("HTTP/1.1"));
    assert!(
        proxy.connections() <= TASKS + SPARES,
        "{} connections for {TASKS} tasks",
        proxy.connections()
    );
    assert!(outcomes.contains_key("claim granted"), "{outcomes:?}");
}
