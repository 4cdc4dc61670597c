//! The demo: boots the real ff-server 0.15 in-process on a local backend and
//! drives every admin operation through `ff-admin`, printing each request
//! and its typed outcome. Exits non-zero if any outcome differs from the
//! expected one. Run it with `cargo xtask demo`.
//!
//! Backend choice: `FF_ADMIN_DEMO_BACKEND` (`valkey`, `valkey-cluster`,
//! `postgres` or `sqlite`) when set; else Valkey when its binary is
//! available (claims grant for real), else a throwaway PostgreSQL cluster,
//! else SQLite (which cannot show claims: the demo says so).

use std::fmt::Debug;
use std::time::Duration;

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::live::{self, Backend, LiveServer};

const TOKEN: &str = "demo-token";

struct Demo {
    failures: Vec<String>,
}

impl Demo {
    /// Prints one call and checks its outcome.
    fn show<T: Debug, E: std::fmt::Display>(
        &mut self,
        call: &str,
        result: &Result<T, E>,
        expected: &str,
        ok: bool,
    ) {
        let shown = match result {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({e})"),
        };
        let mark = if ok { "ok  " } else { "FAIL" };
        println!("[{mark}] {call}\n       -> {shown}\n       expected: {expected}");
        if !ok {
            self.failures.push(call.to_owned());
        }
    }
}

fn choose_backend() -> Backend {
    if let Ok(name) = std::env::var("FF_ADMIN_DEMO_BACKEND") {
        return Backend::parse(&name).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    }
    if live::valkey_binary().is_ok() {
        Backend::Valkey
    } else if live::postgres_bin().is_ok() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = runtime.block_on(run());
    std::process::exit(code);
}

async fn run() -> i32 {
    let backend = choose_backend();
    println!(
        "ff-admin demo: booting ff-server 0.15 on {} ...",
        backend.name()
    );
    if backend == Backend::Postgres {
        println!("(PostgreSQL runs its migrations at boot: expect about 20 s)");
    }
    let live = match LiveServer::start(backend, Some(TOKEN)).await {
        Ok(live) => live,
        Err(e) => {
            eprintln!("could not start the server: {e:#}");
            return 1;
        }
    };
    println!(
        "ff-server listening on {} (bearer token required)\n",
        live.url
    );
    let client = FlowFabricAdminClient::builder(&live.url)
        .bearer_token(TOKEN)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid base URL and token");
    let mut demo = Demo {
        failures: Vec::new(),
    };

    // Health.
    let r = client.healthz().await;
    match backend {
        Backend::Sqlite => demo.show(
            "healthz()",
            &r,
            "503 unavailable: SQLite has no ping",
            matches!(&r, Err(SdkError::AdminApi { status: 503, .. })),
        ),
        _ => demo.show("healthz()", &r, "Ok(())", r.is_ok()),
    }

    // Rotation (seeds the HMAC keystore that Postgres claims need).
    let secret = "4f".repeat(32);
    let rotate = || RotateWaitpointSecretRequest {
        new_kid: "demo-kid-1".into(),
        new_secret_hex: secret.clone(),
    };
    let want = if backend.is_valkey() {
        live.flow_partitions
    } else {
        1
    };
    let r = client.rotate_waitpoint_secret(rotate()).await;
    demo.show(
        "rotate_waitpoint_secret(new_kid: demo-kid-1, new_secret_hex: <64 hex>)",
        &r,
        &format!("rotated {want}, failed []"),
        matches!(&r, Ok(v) if v.rotated == want && v.failed.is_empty()),
    );
    let r2 = client.rotate_waitpoint_secret(rotate()).await;
    demo.show(
        "rotate_waitpoint_secret(same pair again)",
        &r2,
        "the same answer: rotation is idempotent",
        matches!((&r, &r2), (Ok(a), Ok(b)) if a == b),
    );
    let r = client
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "bad:kid".into(),
            new_secret_hex: secret.clone(),
        })
        .await;
    demo.show(
        "rotate_waitpoint_secret(new_kid: bad:kid)",
        &r,
        "400: a kid must not contain ':'",
        matches!(&r, Err(SdkError::AdminApi { status: 400, .. })),
    );

    // Claims.
    let lane = "demo-lane";
    let claim = |worker: &str| ClaimForWorkerRequest {
        worker_id: worker.into(),
        lane_id: lane.into(),
        worker_instance_id: format!("{worker}-1"),
        capabilities: vec![],
        grant_ttl_ms: 10_000,
    };
    let mut claimed = None;
    if backend == Backend::Sqlite {
        let r = client.claim_for_worker(claim("demo-worker")).await;
        demo.show(
            "claim_for_worker(lane: demo-lane)",
            &r,
            "503 unavailable: the SQLite backend of ff-server 0.15 has no scheduler-routed claims, \
             so this demo cannot show a grant, a 204, a lease or a reclaim grant here",
            matches!(&r, Err(SdkError::AdminApi { status: 503, kind: Some(k), .. }) if k == "unavailable"),
        );
    } else {
        let r = client.claim_for_worker(claim("demo-worker")).await;
        demo.show(
            "claim_for_worker(lane: demo-lane, empty)",
            &r,
            "Ok(None): 204, nothing to claim",
            matches!(r, Ok(None)),
        );

        let execution_id = match live.http().create_execution(0, lane).await {
            Ok(id) => id,
            Err(e) => {
                eprintln!("could not create an execution: {e:#}");
                return 1;
            }
        };
        println!("       (created execution {execution_id} on {lane} over HTTP)");
        if backend == Backend::Postgres {
            if let Err(e) = live::promote_to_runnable(&live, &execution_id).await {
                eprintln!("could not promote the execution to runnable: {e:#}");
                return 1;
            }
            println!("       (promoted it to `runnable` in SQL: Postgres keeps HTTP-created executions `submitted`)");
        }
        let r = live::claim_polling(&client, || claim("demo-worker")).await;
        demo.show(
            "claim_for_worker(lane: demo-lane), polled",
            &r,
            &format!(
                "Ok((Some(grant) for {execution_id}, calls)): each call scans 32 partitions and the window moves every 250 ms"
            ),
            matches!(&r, Ok((Some(g), _)) if g.execution_id == execution_id),
        );
        let r2 = live::claim_polling(&client, || claim("demo-worker")).await;
        demo.show(
            "claim_for_worker(again), polled over a full partition sweep",
            &r2,
            "Ok((None, 12)): the only execution is granted",
            matches!(r2, Ok((None, _))),
        );
        if let (true, Ok((Some(grant), _))) = (backend.is_valkey(), r) {
            if let Err(e) = valkey_lease_story(&client, &live, &mut demo, grant, lane).await {
                eprintln!("lease walkthrough failed: {e:#}");
                demo.failures.push("lease walkthrough".into());
            }
        }
        claimed = Some(execution_id);
    }

    // Reclaims.
    let reclaim = reclaim_request(lane);
    let target = match claimed {
        Some(id) => id,
        None => match live.http().create_execution(0, lane).await {
            Ok(id) => id,
            Err(e) => {
                eprintln!("could not create an execution: {e:#}");
                return 1;
            }
        },
    };
    let r = client.issue_reclaim_grant(&target, reclaim.clone()).await;
    demo.show(
        &format!("issue_reclaim_grant({target})"),
        &r,
        if backend.is_valkey() {
            "409 state_conflict: the reclaim grant issued above is still outstanding"
        } else {
            "NotReclaimable: it holds no expired or revoked lease"
        },
        if backend.is_valkey() {
            matches!(&r, Err(SdkError::AdminApi { status: 409, .. }))
        } else {
            matches!(&r, Ok(IssueReclaimGrantResponse::NotReclaimable { .. }))
        },
    );
    let unknown = "{fp:0}:00000000-0000-4000-8000-000000000de0";
    let r = client.issue_reclaim_grant(unknown, reclaim.clone()).await;
    demo.show(
        &format!("issue_reclaim_grant({unknown})"),
        &r,
        "404: no such execution",
        matches!(&r, Err(SdkError::AdminApi { status: 404, .. })),
    );

    // Waitpoint tokens.
    let r = client
        .read_waitpoint_token(&target, "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8")
        .await;
    demo.show(
        "read_waitpoint_token(<execution>, <unknown waitpoint>)",
        &r,
        "Ok(None): the documented \"token not found\" answer",
        matches!(r, Ok(None)),
    );
    let r = client.read_waitpoint_token(&target, "not-a-uuid").await;
    demo.show(
        "read_waitpoint_token(<execution>, not-a-uuid)",
        &r,
        "400: the waitpoint id must be a UUID",
        matches!(&r, Err(SdkError::AdminApi { status: 400, .. })),
    );

    // Authentication.
    let anonymous = FlowFabricAdminClient::new(&live.url).expect("client");
    let r = anonymous.rotate_waitpoint_secret(rotate()).await;
    demo.show(
        "rotate_waitpoint_secret() without a token",
        &r,
        "401",
        matches!(&r, Err(SdkError::AdminApi { status: 401, .. })),
    );

    drop(live);
    println!();
    if demo.failures.is_empty() {
        println!(
            "demo: every outcome was the expected one ({} backend); server and backend stopped",
            backend.name()
        );
        0
    } else {
        println!(
            "demo: {} unexpected outcome(s): {:?}",
            demo.failures.len(),
            demo.failures
        );
        1
    }
}

fn reclaim_request(lane: &str) -> IssueReclaimGrantRequest {
    IssueReclaimGrantRequest {
        worker_id: "demo-worker".into(),
        worker_instance_id: "demo-worker-2".into(),
        lane_id: lane.into(),
        capability_hash: None,
        grant_ttl_ms: 10_000,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    }
}

/// Valkey only: ff-sdk's worker redeems the grant (a real lease), the
/// worker opens a waitpoint whose token the admin API reads back, then an
/// operator revokes the lease and reclaim hands out a grant.
async fn valkey_lease_story(
    client: &FlowFabricAdminClient,
    live: &LiveServer,
    demo: &mut Demo,
    grant: ff_admin::ClaimForWorkerResponse,
    lane: &str,
) -> anyhow::Result<()> {
    let execution_id = grant.execution_id.clone();
    let task = live::redeem_with_sdk(live, "demo-worker", lane, grant).await?;
    println!("       (ff-sdk's worker redeemed the grant with claim_from_grant: it holds a lease)");
    let r = client
        .issue_reclaim_grant(&execution_id, reclaim_request(lane))
        .await;
    demo.show(
        "issue_reclaim_grant(<leased execution>)",
        &r,
        "NotReclaimable: the lease is live",
        matches!(&r, Ok(IssueReclaimGrantResponse::NotReclaimable { .. })),
    );
    let (waitpoint_id, token) = task
        .create_pending_waitpoint("demo-approval", 600_000)
        .await?;
    let r = client
        .read_waitpoint_token(&execution_id, &waitpoint_id.to_string())
        .await;
    // The token is a credential: show its presence, not its value.
    let shown = r
        .as_ref()
        .map(|t| t.as_ref().map(|_| "<kid>:<hex>, not printed: a credential"));
    demo.show(
        &format!("read_waitpoint_token(<execution>, {waitpoint_id})"),
        &shown,
        "Some(token), equal to the one the worker minted",
        matches!(&r, Ok(Some(t)) if t == token.as_str()),
    );
    live::revoke_lease(live, &execution_id).await?;
    println!("       (an operator revoked the lease over HTTP)");
    let r = client
        .issue_reclaim_grant(&execution_id, reclaim_request(lane))
        .await;
    demo.show(
        "issue_reclaim_grant(<revoked execution>)",
        &r,
        "Granted: a revoked lease is reclaimable",
        matches!(&r, Ok(IssueReclaimGrantResponse::Granted { .. })),
    );
    drop(task);
    Ok(())
}
