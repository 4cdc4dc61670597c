//! The demo: boots the real ff-server 0.15 in-process on a local backend and
//! plays an operator's session through `ff-admin`, chapter by chapter,
//! printing each call, its typed outcome and the outcome expected. Exits
//! non-zero if any outcome differs from the expected one. Run it with
//! `cargo xtask demo`.
//!
//! Backend choice: Valkey when its binary is available (claims grant for
//! real, and the whole session runs), else a throwaway PostgreSQL cluster,
//! else SQLite (which cannot show claims: the demo says so). Force one with
//! `FF_ADMIN_DEMO_BACKEND=valkey|postgres|sqlite`.

use std::fmt::Debug;
use std::time::Duration;

use ff_admin::{
    ApplyDependencyToChildResponse, CancelExecutionResponse, CancelFlowResponse,
    ChangePriorityResponse, ClaimForWorkerRequest, ClaimForWorkerResponse, CreateBudgetResponse,
    CreateExecutionResponse, CreateFlowResponse, CreateQuotaPolicyResponse, FlowFabricAdminClient,
    IssueReclaimGrantRequest, IssueReclaimGrantResponse, PublicState, ReplayExecutionResponse,
    ReportUsageResponse, ResetBudgetResponse, RotateWaitpointSecretRequest, SdkError,
    StageDependencyEdgeResponse, StreamRange, StreamTail,
};
use ff_admin_contract_tests::live::{self, Backend, LiveServer};
use ff_admin_contract_tests::live_ops::{self as ops, Family, Outcomes, Worker};
use futures_util::future::BoxFuture;

const TOKEN: &str = "demo-token";
const LANE: &str = "demo-lane";

/// What the chapters share: the server, the client, the recorder, and what
/// one chapter leaves for the next.
struct Session {
    live: LiveServer,
    family: Family,
    client: FlowFabricAdminClient,
    out: Outcomes,
    /// The claims chapter's grant, which the lease chapter redeems.
    grant: Option<ClaimForWorkerResponse>,
    /// The execution the reclaim and token chapters ask about.
    target: Option<String>,
}

impl Session {
    /// One step: the call as shown, its answer, and what is expected of it,
    /// written together: the text an operator reads and the check that
    /// holds the answer to it.
    fn step<T: Debug, E: std::fmt::Display>(
        &self,
        call: &str,
        result: &Result<T, E>,
        expected: &str,
        check: impl FnOnce(&Result<T, E>) -> bool,
    ) -> bool {
        let shown = match result {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({e})"),
        };
        self.out.record(call, &shown, expected, check(result))
    }

    fn note(&self, text: &str) {
        println!("       ({text})");
    }

    /// Creates an execution on `partition` and `lane`; fails the chapter
    /// unless it is created.
    async fn new_execution(&self, partition: u16, lane: &str) -> anyhow::Result<String> {
        let id = ops::execution_id_on(partition);
        ops::create(&self.client, &id, lane).await?;
        Ok(id)
    }
}

/// A chapter's steps.
type Steps = for<'a> fn(&'a mut Session) -> BoxFuture<'a, anyhow::Result<()>>;

/// One chapter of the session: its title, the backends it runs on, its
/// steps.
struct Chapter {
    title: &'static str,
    runs_on: fn(Family) -> bool,
    steps: Steps,
}

fn every(_: Family) -> bool {
    true
}

fn valkey(family: Family) -> bool {
    family == Family::Valkey
}

/// The session, in order. The operator chapters after `Authentication` use
/// the whole API; they run on Valkey, where every answer is the documented
/// one (the live tests hold the other backends' answers).
const CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "Health",
        runs_on: every,
        steps: |s| Box::pin(health(s)),
    },
    Chapter {
        title: "Waitpoint secret rotation",
        runs_on: every,
        steps: |s| Box::pin(rotation(s)),
    },
    Chapter {
        title: "Claims",
        runs_on: every,
        steps: |s| Box::pin(claims(s)),
    },
    Chapter {
        title: "A worker's lease, its waitpoint token, a revoke and a reclaim",
        runs_on: valkey,
        steps: |s| Box::pin(lease(s)),
    },
    Chapter {
        title: "Reclaims",
        runs_on: every,
        steps: |s| Box::pin(reclaims(s)),
    },
    Chapter {
        title: "Waitpoint tokens",
        runs_on: every,
        steps: |s| Box::pin(tokens(s)),
    },
    Chapter {
        title: "Authentication",
        runs_on: every,
        steps: |s| Box::pin(authentication(s)),
    },
    Chapter {
        title: "Create and inspect an execution",
        runs_on: valkey,
        steps: |s| Box::pin(inspect(s)),
    },
    Chapter {
        title: "Reprioritise, cancel, replay",
        runs_on: valkey,
        steps: |s| Box::pin(operate(s)),
    },
    Chapter {
        title: "A worker's output: stream frames and the result",
        runs_on: valkey,
        steps: |s| Box::pin(output(s)),
    },
    Chapter {
        title: "Flows",
        runs_on: valkey,
        steps: |s| Box::pin(flows(s)),
    },
    Chapter {
        title: "Budgets and quotas",
        runs_on: valkey,
        steps: |s| Box::pin(budgets(s)),
    },
    Chapter {
        title: "Metrics",
        runs_on: every,
        steps: |s| Box::pin(metrics(s)),
    },
];

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
        "ff-server listening on {} (bearer token required)",
        live.url
    );
    let client = FlowFabricAdminClient::builder(&live.url)
        .bearer_token(TOKEN)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid base URL and token");
    let mut session = Session {
        family: Family::of(backend),
        out: Outcomes::new(backend.name()),
        live,
        client,
        grant: None,
        target: None,
    };
    for chapter in CHAPTERS {
        println!("\n== {}", chapter.title);
        if !(chapter.runs_on)(session.family) {
            println!("   (shown on Valkey only: run with the Valkey backend to see it)");
            continue;
        }
        if let Err(e) = (chapter.steps)(&mut session).await {
            eprintln!("chapter `{}` stopped: {e:#}", chapter.title);
            session.out.record(
                chapter.title,
                &format!("{e:#}"),
                "the chapter runs to its end",
                false,
            );
        }
    }
    let failures = session.out.failures();
    drop(session);
    println!();
    if failures.is_empty() {
        println!(
            "demo: every outcome was the expected one ({} backend); server and backend stopped",
            backend.name()
        );
        0
    } else {
        println!("demo: {} unexpected outcome(s):", failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        1
    }
}

async fn health(s: &mut Session) -> anyhow::Result<()> {
    let r = s.client.healthz().await;
    match s.family {
        Family::Sqlite => s.step(
            "healthz()",
            &r,
            "503 unavailable: SQLite has no ping",
            |r| ops::is_api_kind(r, 503, "unavailable", false),
        ),
        Family::Valkey | Family::Postgres => s.step("healthz()", &r, "Ok(())", |r| r.is_ok()),
    };
    Ok(())
}

/// Seeds the HMAC keystore that Postgres claims and every waitpoint need.
async fn rotation(s: &mut Session) -> anyhow::Result<()> {
    let rotate = |kid: &str| RotateWaitpointSecretRequest {
        new_kid: kid.into(),
        new_secret_hex: "4f".repeat(32),
    };
    let partitions = match s.family {
        Family::Valkey => s.live.flow_partitions,
        Family::Postgres | Family::Sqlite => 1,
    };
    let first = s.client.rotate_waitpoint_secret(rotate("demo-kid-1")).await;
    s.step(
        "rotate_waitpoint_secret(new_kid: demo-kid-1, new_secret_hex: <64 hex>)",
        &first,
        &format!("rotated {partitions}, failed []"),
        |r| matches!(r, Ok(v) if v.rotated == partitions && v.failed.is_empty()),
    );
    let again = s.client.rotate_waitpoint_secret(rotate("demo-kid-1")).await;
    s.step(
        "rotate_waitpoint_secret(the same pair again)",
        &again,
        "the same answer: rotation is idempotent",
        |r| matches!((r, &first), (Ok(a), Ok(b)) if a == b),
    );
    let r = s.client.rotate_waitpoint_secret(rotate("bad:kid")).await;
    s.step(
        "rotate_waitpoint_secret(new_kid: bad:kid)",
        &r,
        "400: a kid must not contain ':'",
        |r| ops::is_api(r, 400, "must not contain ':'"),
    );
    Ok(())
}

fn claim_request(worker: &str) -> ClaimForWorkerRequest {
    ClaimForWorkerRequest {
        worker_id: worker.into(),
        lane_id: LANE.into(),
        worker_instance_id: format!("{worker}-1"),
        capabilities: vec![],
        grant_ttl_ms: 10_000,
    }
}

async fn claims(s: &mut Session) -> anyhow::Result<()> {
    let claim = || claim_request("demo-worker");
    if s.family == Family::Sqlite {
        let r = s.client.claim_for_worker(claim()).await;
        s.step(
            "claim_for_worker(lane: demo-lane)",
            &r,
            "503 unavailable: the SQLite backend of ff-server 0.15 has no scheduler-routed \
             claims, so this demo cannot show a grant, a 204, a lease or a reclaim grant here",
            |r| ops::is_api_kind(r, 503, "unavailable", false),
        );
        return Ok(());
    }
    let r = s.client.claim_for_worker(claim()).await;
    s.step(
        "claim_for_worker(lane: demo-lane, empty)",
        &r,
        "Ok(None): 204, nothing to claim",
        |r| matches!(r, Ok(None)),
    );

    let id = s.new_execution(0, LANE).await?;
    s.note(&format!("created execution {id} on {LANE}"));
    if s.family == Family::Postgres {
        live::promote_to_runnable(&s.live, &id).await?;
        s.note(
            "promoted it to `runnable` in SQL: Postgres keeps HTTP-created executions `submitted`",
        );
    }
    let partitions = s.live.flow_partitions;
    let sweep = live::claim_sweep(partitions);
    let r = live::claim_polling(&s.client, claim).await;
    s.step(
        "claim_for_worker(lane: demo-lane), polled",
        &r,
        &format!(
            "Ok((Some(grant) for {id}, calls)): each call scans {} partitions and the window \
             moves every {} ms, so it takes at most {sweep} calls for {partitions} partitions",
            live::CLAIM_SCAN_WINDOW,
            live::CLAIM_WINDOW_MOVES_EVERY_MS,
        ),
        |r| matches!(r, Ok((Some(g), _)) if g.execution_id == id),
    );
    let r2 = live::claim_polling(&s.client, claim).await;
    s.step(
        "claim_for_worker(again), polled over a full partition sweep",
        &r2,
        &format!(
            "Ok((None, {})): {sweep} calls sweep every partition, plus half as many for margin; \
             the only execution is granted",
            live::claim_polls()
        ),
        |r| matches!(r, Ok((None, calls)) if *calls >= sweep),
    );
    s.grant = r.ok().and_then(|(grant, _)| grant);
    s.target = Some(id);
    Ok(())
}

fn reclaim_request() -> IssueReclaimGrantRequest {
    IssueReclaimGrantRequest {
        worker_id: "demo-worker".into(),
        worker_instance_id: "demo-worker-2".into(),
        lane_id: LANE.into(),
        capability_hash: None,
        grant_ttl_ms: 10_000,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    }
}

/// ff-sdk's worker redeems the claims chapter's grant (a real lease), opens
/// a waitpoint whose token the admin API reads back, then an operator
/// revokes the lease and reclaim hands out a grant.
async fn lease(s: &mut Session) -> anyhow::Result<()> {
    let grant = s
        .grant
        .take()
        .ok_or_else(|| anyhow::anyhow!("no grant from the claims chapter"))?;
    let id = grant.execution_id.clone();
    let task = live::redeem_with_sdk(&s.live, "demo-worker", LANE, grant).await?;
    s.note("ff-sdk's worker redeemed the grant with claim_from_grant: it holds a lease");
    let r = s.client.issue_reclaim_grant(&id, reclaim_request()).await;
    s.step(
        "issue_reclaim_grant(<leased execution>)",
        &r,
        "NotReclaimable: the lease is live",
        |r| matches!(r, Ok(IssueReclaimGrantResponse::NotReclaimable { .. })),
    );
    let (waitpoint_id, token) = task
        .create_pending_waitpoint("demo-approval", 600_000)
        .await?;
    let r = s
        .client
        .read_waitpoint_token(&id, &waitpoint_id.to_string())
        .await;
    // The token is a credential: show its presence, not its value.
    let shown = r
        .as_ref()
        .map(|t| t.as_ref().map(|_| "<kid>:<hex>, not printed: a credential"));
    let matches_minted = matches!(&r, Ok(Some(t)) if t == token.as_str());
    s.step(
        &format!("read_waitpoint_token(<execution>, {waitpoint_id})"),
        &shown,
        "Some(token), equal to the one the worker minted",
        |_| matches_minted,
    );
    let r = s.client.revoke_lease(&id).await;
    s.step(
        "revoke_lease(<leased execution>)",
        &r,
        "Revoked, with the lease id and epoch",
        |r| matches!(r, Ok(ff_admin::RevokeLeaseResponse::Revoked { .. })),
    );
    let r = s.client.issue_reclaim_grant(&id, reclaim_request()).await;
    s.step(
        "issue_reclaim_grant(<revoked execution>)",
        &r,
        "Granted: a revoked lease is reclaimable",
        |r| matches!(r, Ok(IssueReclaimGrantResponse::Granted { .. })),
    );
    drop(task);
    Ok(())
}

async fn reclaims(s: &mut Session) -> anyhow::Result<()> {
    let target = match s.target.clone() {
        Some(id) => id,
        None => {
            let id = s.new_execution(0, LANE).await?;
            s.target = Some(id.clone());
            id
        }
    };
    let r = s
        .client
        .issue_reclaim_grant(&target, reclaim_request())
        .await;
    match s.family {
        Family::Valkey => s.step(
            &format!("issue_reclaim_grant({target})"),
            &r,
            "409 state_conflict: the reclaim grant issued above is still outstanding",
            |r| matches!(r, Err(SdkError::AdminApi { status: 409, .. })),
        ),
        Family::Postgres | Family::Sqlite => s.step(
            &format!("issue_reclaim_grant({target})"),
            &r,
            "NotReclaimable: it holds no expired or revoked lease",
            |r| matches!(r, Ok(IssueReclaimGrantResponse::NotReclaimable { .. })),
        ),
    };
    let unknown = "{fp:0}:00000000-0000-4000-8000-000000000de0";
    let r = s
        .client
        .issue_reclaim_grant(unknown, reclaim_request())
        .await;
    s.step(
        &format!("issue_reclaim_grant({unknown})"),
        &r,
        "404: no such execution",
        |r| ops::is_api(r, 404, "not found"),
    );
    Ok(())
}

async fn tokens(s: &mut Session) -> anyhow::Result<()> {
    let target = s.target.clone().unwrap_or_else(|| ops::execution_id_on(0));
    let r = s
        .client
        .read_waitpoint_token(&target, "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8")
        .await;
    s.step(
        "read_waitpoint_token(<execution>, <unknown waitpoint>)",
        &r,
        "Ok(None): the documented \"token not found\" answer",
        |r| matches!(r, Ok(None)),
    );
    let r = s.client.read_waitpoint_token(&target, "not-a-uuid").await;
    s.step(
        "read_waitpoint_token(<execution>, not-a-uuid)",
        &r,
        "400: the waitpoint id must be a UUID",
        |r| matches!(r, Err(SdkError::AdminApi { status: 400, .. })),
    );
    Ok(())
}

async fn authentication(s: &mut Session) -> anyhow::Result<()> {
    let anonymous = FlowFabricAdminClient::new(&s.live.url)?;
    let r = anonymous
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "demo-kid-1".into(),
            new_secret_hex: "4f".repeat(32),
        })
        .await;
    s.step(
        "rotate_waitpoint_secret() without a token",
        &r,
        "401",
        |r| ops::is_api(r, 401, "missing or invalid Authorization header"),
    );
    Ok(())
}

/// Creates an execution, reads it every way, and finds it in the listing.
async fn inspect(s: &mut Session) -> anyhow::Result<()> {
    let c = &s.client;
    let lane = "demo-ops";
    let partition = 42;
    let id = ops::execution_id_on(partition);
    let r = c.create_execution(&ops::create_request(&id, lane)).await;
    s.step(
        &format!("create_execution({id})"),
        &r,
        "201 Created, waiting",
        |r| {
            matches!(
                r,
                Ok(CreateExecutionResponse::Created {
                    public_state: PublicState::Waiting,
                    ..
                })
            )
        },
    );
    let r = c.create_execution(&ops::create_request(&id, lane)).await;
    s.step(
        "create_execution(the same id again)",
        &r,
        "200 Duplicate: creating is idempotent",
        |r| matches!(r, Ok(CreateExecutionResponse::Duplicate { .. })),
    );
    let r = c.get_execution(&id).await;
    let vector = r
        .as_ref()
        .map(|i| i.as_ref().map(|i| i.state_vector.clone()));
    s.step(
        "get_execution(<it>), its state vector",
        &vector,
        "Some: runnable, unowned, eligible now, waiting for a worker, no attempt yet",
        |_| {
            matches!(&r, Ok(Some(i)) if i.state_vector.lifecycle_phase == "runnable"
                && i.state_vector.ownership_state == "unowned"
                && i.state_vector.eligibility_state == "eligible_now"
                && i.state_vector.attempt_state == "pending_first_attempt"
                && i.public_state == PublicState::Waiting)
        },
    );
    let r = c.get_execution_state(&id).await;
    s.step("get_execution_state(<it>)", &r, "Some(Waiting)", |r| {
        matches!(r, Ok(Some(PublicState::Waiting)))
    });
    let r = c.list_pending_waitpoints(&id).await;
    s.step(
        "list_pending_waitpoints(<it>)",
        &r,
        "Some([]): no waitpoint",
        |r| matches!(r, Ok(Some(list)) if list.is_empty()),
    );
    let r = c.get_execution_result(&id).await;
    s.step(
        "get_execution_result(<it>)",
        &r,
        "Ok(None): it has not completed",
        |r| matches!(r, Ok(None)),
    );
    let r = c
        .get_execution("{fp:42}:00000000-0000-4000-8000-0000000000aa")
        .await;
    s.step("get_execution(<unknown id>)", &r, "Ok(None)", |r| {
        matches!(r, Ok(None))
    });
    let r = c.list_executions(partition, None, Some(10)).await;
    s.step(
        &format!("list_executions(partition {partition})"),
        &r,
        "a page listing it",
        |r| matches!(r, Ok(page) if page.executions.contains(&id)),
    );
    Ok(())
}

/// Reprioritises an execution, cancels it, replays it, and sees the
/// non-terminal replay refused.
async fn operate(s: &mut Session) -> anyhow::Result<()> {
    let c = &s.client;
    let id = s.new_execution(43, "demo-ops").await?;
    let r = c.change_priority(&id, 50).await;
    s.step("change_priority(<it>, 50)", &r, "Changed", |r| {
        matches!(r, Ok(ChangePriorityResponse::Changed { .. }))
    });
    let r = c.get_execution(&id).await;
    s.step(
        "get_execution(<it>).priority",
        &r.as_ref().map(|i| i.as_ref().map(|i| i.priority)),
        "Some(50)",
        |r| matches!(r, Ok(Some(50))),
    );
    let r = c.replay_execution(&id).await;
    s.step(
        "replay_execution(<waiting execution>)",
        &r,
        "500 execution_not_terminal: the Valkey backend reports its script's refusal as a 500",
        |r| ops::is_script_error(r, "execution_not_terminal"),
    );
    let r = c.cancel_execution(&ops::cancel_request(&id)).await;
    s.step("cancel_execution(<it>)", &r, "Cancelled", |r| {
        matches!(
            r,
            Ok(CancelExecutionResponse::Cancelled {
                public_state: PublicState::Cancelled,
                ..
            })
        )
    });
    let r = c.replay_execution(&id).await;
    s.step(
        "replay_execution(<cancelled execution>)",
        &r,
        "Replayed: waiting again",
        |r| {
            matches!(
                r,
                Ok(ReplayExecutionResponse::Replayed {
                    public_state: PublicState::Waiting
                })
            )
        },
    );
    let r = c.revoke_lease(&id).await;
    s.step(
        "revoke_lease(<it>)",
        &r,
        "AlreadySatisfied: it holds no lease",
        |r| {
            matches!(
                r,
                Ok(ff_admin::RevokeLeaseResponse::AlreadySatisfied { .. })
            )
        },
    );
    Ok(())
}

/// ff-sdk's worker writes stream frames and completes with a result.
async fn output(s: &mut Session) -> anyhow::Result<()> {
    let worker = Worker::start(&s.live, &s.client, "demo-output", "demo-writer").await?;
    let id = worker.execution_id.clone();
    s.note(&format!(
        "ff-sdk's worker holds a lease on {id} and writes two frames"
    ));
    worker.append_frame(b"step 1 of 2").await?;
    worker.append_frame(b"step 2 of 2").await?;
    let c = &s.client;
    let r = c.read_attempt_stream(&id, 0, &StreamRange::default()).await;
    let payloads = r.as_ref().map(|f| {
        f.frames
            .iter()
            .map(|f| f.fields.get("payload").cloned())
            .collect::<Vec<_>>()
    });
    s.step("read_attempt_stream(<it>, 0)", &payloads, "the two payloads, in order", |r| {
        matches!(r, Ok(p) if *p == [Some("step 1 of 2".to_owned()), Some("step 2 of 2".to_owned())])
    });
    let last = r.ok().and_then(|f| f.frames.last().map(|f| f.id.clone()));
    let tail = StreamTail {
        after: last,
        block_ms: Some(200),
        limit: None,
    };
    let r = c.tail_attempt_stream(&id, 0, &tail).await;
    s.step(
        "tail_attempt_stream(<it>, after the last frame, block_ms 200)",
        &r,
        "no frames: nothing new",
        |r| matches!(r, Ok(f) if f.frames.is_empty()),
    );
    worker.complete(b"42").await?;
    s.note("the worker completed with the result `42`");
    let r = c.get_execution_result(&id).await;
    s.step(
        "get_execution_result(<it>)",
        &r,
        "Some(b\"42\")",
        |r| matches!(r, Ok(Some(b)) if b == b"42"),
    );
    let r = c.get_execution_state(&id).await;
    s.step("get_execution_state(<it>)", &r, "Some(Completed)", |r| {
        matches!(r, Ok(Some(PublicState::Completed)))
    });
    Ok(())
}

/// A flow of two executions, an edge between them, then the flow cancelled
/// with its members.
async fn flows(s: &mut Session) -> anyhow::Result<()> {
    let c = &s.client;
    let flow = ops::new_uuid();
    let r = c.create_flow(&ops::flow_request(&flow)).await;
    s.step(&format!("create_flow({flow})"), &r, "201 Created", |r| {
        matches!(r, Ok(CreateFlowResponse::Created { .. }))
    });
    let partition = ops::member_partition(&s.live, &flow);
    s.note(&format!("the flow's members must live on its partition, {partition} (ff-core's flow_partition of its id)"));
    let first = s.new_execution(partition, "demo-flow").await?;
    let second = s.new_execution(partition, "demo-flow").await?;
    for (n, id) in [(1, &first), (2, &second)] {
        let r = c
            .add_execution_to_flow(&ops::member_request(&flow, id))
            .await;
        s.step(&format!("add_execution_to_flow(<flow>, <member {n}>)"), &r, &format!("201 Added, {n} node(s)"), |r| {
            matches!(r, Ok(ff_admin::AddExecutionToFlowResponse::Added { new_node_count, .. }) if *new_node_count == n)
        });
    }
    let stray = s
        .new_execution((partition + 1) % s.live.flow_partitions, "demo-flow")
        .await?;
    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &stray))
        .await;
    s.step("add_execution_to_flow(<flow>, <execution on another partition>)", &r, &format!("400 naming partition {partition}"), |r| {
        matches!(r, Err(SdkError::AdminApi { status: 400, message, .. }) if message.contains(&partition.to_string()))
    });
    let revision = ops::graph_revision(&s.live, &flow).await?;
    s.note(&format!("the flow is at graph revision {revision} (read in-process: the admin API has no flow read)"));
    let edge = ops::new_uuid();
    let r = c
        .stage_dependency_edge(&ops::edge_request(&flow, &edge, &first, &second, revision))
        .await;
    s.step("stage_dependency_edge(<member 1> -> <member 2>)", &r, &format!("201 Staged, revision {}", revision + 1), |r| {
        matches!(r, Ok(StageDependencyEdgeResponse::Staged { new_graph_revision, .. }) if *new_graph_revision == revision + 1)
    });
    let apply = ops::apply_request(&flow, &edge, &first, &second, revision + 1);
    let r = c.apply_dependency_to_child(&apply).await;
    s.step(
        "apply_dependency_to_child(<the edge>)",
        &r,
        "Applied: 1 upstream unsatisfied",
        |r| {
            matches!(
                r,
                Ok(ApplyDependencyToChildResponse::Applied {
                    unsatisfied_count: 1
                })
            )
        },
    );
    let r = c.apply_dependency_to_child(&apply).await;
    s.step(
        "apply_dependency_to_child(<the edge>, again)",
        &r,
        "\"AlreadyApplied\"",
        |r| matches!(r, Ok(ApplyDependencyToChildResponse::AlreadyApplied)),
    );
    let r = c.get_execution_state(&second).await;
    s.step(
        "get_execution_state(<member 2>)",
        &r,
        "Some(WaitingChildren): it waits for member 1",
        |r| matches!(r, Ok(Some(PublicState::WaitingChildren))),
    );
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_all"), true)
        .await;
    s.step("cancel_flow(<flow>, cancel_all, wait)", &r, "Cancelled, both members listed", |r| {
        matches!(r, Ok(CancelFlowResponse::Cancelled { member_execution_ids, .. }) if member_execution_ids.len() == 2)
    });
    let r = c.get_execution_state(&first).await;
    s.step(
        "get_execution_state(<member 1>)",
        &r,
        "Some(Cancelled)",
        |r| matches!(r, Ok(Some(PublicState::Cancelled))),
    );
    Ok(())
}

/// A budget through its soft and hard limits, reset; a quota policy.
async fn budgets(s: &mut Session) -> anyhow::Result<()> {
    let c = &s.client;
    let budget = ops::new_uuid();
    let r = c
        .create_budget(&ops::budget_request(&budget, LANE, 100, 50))
        .await;
    s.step(
        "create_budget(tokens: soft 50, hard 100)",
        &r,
        "201 Created",
        |r| matches!(r, Ok(CreateBudgetResponse::Created { .. })),
    );
    let r = c
        .report_usage(&budget, &ops::usage_request(30, Some("demo-report-1")))
        .await;
    s.step(
        "report_usage(30 tokens, dedup_key demo-report-1)",
        &r,
        "\"Ok\": under both limits",
        |r| matches!(r, Ok(ReportUsageResponse::Ok)),
    );
    let r = c
        .report_usage(&budget, &ops::usage_request(30, Some("demo-report-1")))
        .await;
    s.step(
        "report_usage(the same report again)",
        &r,
        "\"AlreadyApplied\": counted once",
        |r| matches!(r, Ok(ReportUsageResponse::AlreadyApplied)),
    );
    let r = c.report_usage(&budget, &ops::usage_request(30, None)).await;
    s.step(
        "report_usage(30 more)",
        &r,
        "SoftBreach: 60 of soft limit 50",
        |r| {
            matches!(
                r,
                Ok(ReportUsageResponse::SoftBreach {
                    current_usage: 60,
                    soft_limit: 50,
                    ..
                })
            )
        },
    );
    let r = c.report_usage(&budget, &ops::usage_request(50, None)).await;
    s.step(
        "report_usage(50 more)",
        &r,
        "HardBreach: 110 would pass 100, refused (usage stays 60)",
        |r| {
            matches!(
                r,
                Ok(ReportUsageResponse::HardBreach {
                    current_usage: 60,
                    hard_limit: 100,
                    ..
                })
            )
        },
    );
    let r = c.get_budget_status(&budget).await;
    s.step("get_budget_status(<it>)", &r, "Some: usage 60, one soft and one hard breach", |r| {
        matches!(r, Ok(Some(b)) if b.usage.get(ops::DIMENSION) == Some(&60) && b.breach_count == 1 && b.soft_breach_count == 1)
    });
    let r = c.reset_budget(&budget).await;
    s.step(
        "reset_budget(<it>)",
        &r,
        "Reset, with the next automatic reset",
        |r| matches!(r, Ok(ResetBudgetResponse::Reset { next_reset_at }) if *next_reset_at > 0),
    );
    let quota = ops::new_uuid();
    let r = c.create_quota_policy(&ops::quota_request(&quota)).await;
    s.step(
        "create_quota_policy(10 a minute, 2 at once)",
        &r,
        "201 Created",
        |r| matches!(r, Ok(CreateQuotaPolicyResponse::Created { .. })),
    );
    let r = c.create_quota_policy(&ops::quota_request(&quota)).await;
    s.step(
        "create_quota_policy(the same id again)",
        &r,
        "200 AlreadySatisfied",
        |r| matches!(r, Ok(CreateQuotaPolicyResponse::AlreadySatisfied { .. })),
    );
    Ok(())
}

async fn metrics(s: &mut Session) -> anyhow::Result<()> {
    let anonymous = FlowFabricAdminClient::new(&s.live.url)?;
    let r = anonymous.get_metrics().await;
    let counted = r.as_ref().map(|text| {
        text.lines()
            .filter(|l| l.starts_with("ff_http_requests_total"))
            .count()
    });
    s.step(
        "get_metrics() without a token",
        &counted,
        "the Prometheus text: ff_http_requests_total series, one per route and status (the count shown)",
        |r| matches!(r, Ok(n) if *n > 0),
    );
    Ok(())
}
