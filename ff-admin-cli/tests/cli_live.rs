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
    // The mock's 401 text, held against the real server's.
    assert_eq!(
        run.one_stderr_line(),
        format!(
            "error: rotate-waitpoint-secret: status 401, kind -, retryable -: {}",
            ff_admin_mock::answers::UNAUTHORIZED_MESSAGE
        )
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

/// Executions, flows and budgets on Valkey: an execution created
/// (twice: `Created`, then `Duplicate`), read and parsed as JSON, listed,
/// cancelled; the documented 404s as exit 4; a flow; a budget with usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_execution_flow_and_budget_through_the_cli() {
    let live = LiveServer::start(Backend::Valkey, Some(TOKEN))
        .await
        .unwrap_or_else(|e| panic!("live valkey server: {e:#}"));
    let exec = "{fp:5}:4b3c2d1e-0f9a-4b8c-8d7e-6f5a4b3c2d1e";
    let now = ff_admin::now_ms().to_string();

    let create = [
        "create-execution",
        "--execution-id",
        exec,
        "--namespace",
        "default",
        "--lane-id",
        "cli-live",
        "--execution-kind",
        "ff-admin-cli-live",
        "--input-payload",
        "104",
        "--input-payload",
        "105",
        "--priority",
        "3",
        "--creator-identity",
        "ff-admin-cli",
        "--partition-id",
        "5",
        "--now",
        &now,
        "--output",
        "json",
    ];
    let run = ff_admin(&live, &create, "").await;
    run.code(0);
    assert_eq!(
        run.json(),
        json!({"Created": {"execution_id": exec, "public_state": "waiting"}})
    );
    let run = ff_admin(&live, &create, "").await;
    run.code(0);
    assert_eq!(run.json(), json!({"Duplicate": {"execution_id": exec}}));

    let by_id = ["--execution-id", exec, "--output", "json"];
    let run = ff_admin(&live, &[&["get-execution"][..], &by_id].concat(), "").await;
    run.code(0);
    let info: ff_admin::ExecutionInfo =
        serde_json::from_str(&run.stdout).expect("get-execution --output json is an ExecutionInfo");
    assert_eq!(info.execution_id, exec);
    assert_eq!(info.lane_id, "cli-live");
    assert_eq!(info.namespace, "default");
    assert_eq!(info.priority, 3);
    assert_eq!(info.public_state, ff_admin::PublicState::Waiting);
    let run = ff_admin(&live, &[&["get-execution-state"][..], &by_id].concat(), "").await;
    run.code(0);
    assert_eq!(run.json(), json!("waiting"));

    let run = ff_admin(
        &live,
        &["list-executions", "--partition", "5", "--output", "json"],
        "",
    )
    .await;
    run.code(0);
    assert_eq!(run.json()["executions"], json!([exec]));

    // No result yet, and an unknown execution: "nothing there", exit 4.
    let run = ff_admin(&live, &[&["get-execution-result"][..], &by_id].concat(), "").await;
    run.code(4);
    assert_eq!(run.stdout, "");
    let unknown = "{fp:5}:00000000-0000-4000-8000-00000000dead";
    let run = ff_admin(&live, &["get-execution", "--execution-id", unknown], "").await;
    run.code(4);
    assert_eq!(run.stdout, "");

    let cancel = [
        "cancel-execution",
        "--execution-id",
        exec,
        "--reason",
        "ff-admin-cli live test",
        "--now",
        &now,
        "--output",
        "json",
    ];
    let run = ff_admin(&live, &cancel, "").await;
    run.code(0);
    assert_eq!(
        run.json(),
        json!({"Cancelled": {"execution_id": exec, "public_state": "cancelled"}})
    );
    let run = ff_admin(&live, &[&["get-execution-state"][..], &by_id].concat(), "").await;
    run.code(0);
    assert_eq!(run.json(), json!("cancelled"));

    let flow = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d";
    let create_flow = [
        "create-flow",
        "--flow-id",
        flow,
        "--flow-kind",
        "cli-live",
        "--namespace",
        "default",
        "--now",
        &now,
        "--output",
        "json",
    ];
    let run = ff_admin(&live, &create_flow, "").await;
    run.code(0);
    assert_eq!(run.json(), json!({"Created": {"flow_id": flow}}));
    let run = ff_admin(&live, &create_flow, "").await;
    run.code(0);
    assert_eq!(run.json(), json!({"AlreadySatisfied": {"flow_id": flow}}));

    let budget = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f";
    let run = ff_admin(
        &live,
        &[
            "create-budget",
            "--budget-id",
            budget,
            "--scope-type",
            "lane",
            "--scope-id",
            "cli-live",
            "--enforcement-mode",
            "strict",
            "--on-hard-limit",
            "fail",
            "--on-soft-limit",
            "warn",
            "--reset-interval-ms",
            "3600000",
            "--dimensions",
            "tokens",
            "--hard-limits",
            "100",
            "--soft-limits",
            "80",
            "--now",
            &now,
            "--output",
            "json",
        ],
        "",
    )
    .await;
    run.code(0);
    assert_eq!(run.json(), json!({"Created": {"budget_id": budget}}));
    let usage = [
        "report-usage",
        "--budget-id",
        budget,
        "--dimensions",
        r#"{"tokens":5}"#,
        "--now",
        &now,
        "--output",
        "json",
    ];
    let run = ff_admin(&live, &usage, "").await;
    run.code(0);
    assert_eq!(run.json(), json!("Ok"));
    let run = ff_admin(
        &live,
        &[
            "get-budget-status",
            "--budget-id",
            budget,
            "--output",
            "json",
        ],
        "",
    )
    .await;
    run.code(0);
    let status = run.json();
    assert_eq!(status["budget_id"], budget);
    assert_eq!(status["usage"], json!({"tokens": 5}));
    assert_eq!(status["hard_limits"], json!({"tokens": 100}));
}
