//! The built `ff-admin` binary against the real ff-server 0.15 on Valkey
//! (booted in-process by the contract tests' harness): a real rotation,
//! claims with `--poll`, a reclaim of a revoked lease and a real waitpoint
//! token read. Nothing here falls back to a mock: a missing `valkey-server`
//! fails the test with instructions.

mod support;

use ff_admin::ClaimForWorkerResponse;
use ff_admin_contract_tests::live::{redeem_with_sdk, revoke_lease, Backend, LiveServer};
use serde_json::json;
use support::{Cli, Run};

const TOKEN: &str = "live-cli-token-3e9f";
const WORKER: &str = "w-cli";

/// Runs `ff-admin` against `live` with its token in `FF_API_TOKEN`.
async fn ff_admin(live: &LiveServer, args: &[&str], stdin: &str) -> Run {
    ff_admin_with_token(live, TOKEN, args, stdin).await
}

async fn ff_admin_with_token(live: &LiveServer, token: &str, args: &[&str], stdin: &str) -> Run {
    let cli = Cli::new(&live.url)
        .env("FF_API_TOKEN", token)
        .args(args)
        .stdin(stdin);
    tokio::task::spawn_blocking(move || cli.run())
        .await
        .expect("the run finishes")
}

fn claim_args<'a>(lane: &'a str, max_wait: &'a str) -> Vec<&'a str> {
    vec![
        "claim-for-worker",
        "--worker-id",
        WORKER,
        "--lane-id",
        lane,
        "--worker-instance-id",
        "w-cli-i1",
        "--grant-ttl-ms",
        "30000",
        "--poll",
        "--max-wait",
        max_wait,
        "--output",
        "json",
    ]
}

fn reclaim_args(execution_id: &str) -> Vec<&str> {
    vec![
        "issue-reclaim-grant",
        "--execution-id",
        execution_id,
        "--worker-id",
        "w-cli-reclaimer",
        "--worker-instance-id",
        "w-cli-reclaimer-i1",
        "--lane-id",
        "cli-lane",
        "--grant-ttl-ms",
        "5000",
        "--output",
        "json",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_rotate_claim_reclaim_and_token_read() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .unwrap_or_else(|e| panic!("live valkey server: {e:#}"));

    let run = ff_admin(&live, &["healthz", "--output", "json"], "").await;
    run.code(0);
    assert_eq!(run.json(), json!({"status": "ok"}));

    // A real rotation, the secret on standard input; the same pair again
    // answers the same.
    let rotate = [
        "rotate-waitpoint-secret",
        "--new-kid",
        "cli-k1",
        "--secret-file",
        "-",
        "--output",
        "json",
    ];
    let secret = format!("{}\n", "7e".repeat(32));
    let run = ff_admin(&live, &rotate, &secret).await;
    run.code(0);
    let expected = json!({"rotated": live.flow_partitions, "failed": [], "new_kid": "cli-k1"});
    assert_eq!(run.json(), expected);
    ff_admin(&live, &rotate, &secret).await.code(0);

    // A wrong token: the server's 401, exit 1, the token not printed.
    let run = ff_admin_with_token(&live, "not-the-token", &rotate, &secret).await;
    run.code(1);
    assert_eq!(
        run.one_stderr_line(),
        "error: rotate-waitpoint-secret: status 401, kind -, retryable -: missing or invalid Authorization header"
    );

    // An empty lane: a full partition sweep of 204s, then exit 4.
    let run = ff_admin(&live, &claim_args("cli-lane-empty", "3s"), "").await;
    run.code(4);
    assert_eq!(run.stdout, "");

    // An execution on the lane: `--poll` finds it within a sweep.
    let execution_id = live
        .http()
        .create_execution(9, "cli-lane")
        .await
        .expect("create execution");
    let run = ff_admin(&live, &claim_args("cli-lane", "15s"), "").await;
    run.code(0);
    let grant: ClaimForWorkerResponse = serde_json::from_str(&run.stdout).expect("a claim grant");
    assert_eq!(grant.execution_id, execution_id);
    assert_eq!(grant.partition_key, "{fp:9}");

    // ff-sdk's worker redeems the grant (a real lease) and mints a real
    // waitpoint token; the CLI reads it, alone on stdout.
    let task = redeem_with_sdk(&live, WORKER, "cli-lane", grant)
        .await
        .expect("claim_from_grant holds a lease");
    let (waitpoint_id, token) = task
        .create_pending_waitpoint("ff-admin-cli-wp", 600_000)
        .await
        .expect("pending waitpoint");
    let waitpoint_id = waitpoint_id.to_string();
    let read = ["read-waitpoint-token", "--execution-id", &execution_id];
    let run = ff_admin(
        &live,
        &[&read[..], &["--waitpoint-id", &waitpoint_id]].concat(),
        "",
    )
    .await;
    run.code(0);
    assert_eq!(run.stdout, format!("{}\n", token.as_str()));
    let unknown = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c";
    let run = ff_admin(
        &live,
        &[&read[..], &["--waitpoint-id", unknown]].concat(),
        "",
    )
    .await;
    run.code(4);
    assert_eq!(run.stdout, "");

    // Reclaim: not while the lease is held; granted once it is revoked.
    let run = ff_admin(&live, &reclaim_args(&execution_id), "").await;
    run.code(0);
    assert_eq!(run.json()["status"], "not_reclaimable");
    revoke_lease(&live, &execution_id).await.expect("revoke");
    let run = ff_admin(&live, &reclaim_args(&execution_id), "").await;
    run.code(0);
    let granted = run.json();
    assert_eq!(granted["status"], "granted");
    assert_eq!(granted["execution_id"], execution_id.as_str());
    assert_eq!(granted["partition_key"], "{fp:9}");
    assert_eq!(granted["lane_id"], "cli-lane");
    drop(task);
}
