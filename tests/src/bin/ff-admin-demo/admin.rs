//! The admin surface's chapters: health, waitpoint secret rotation,
//! claims, a worker's lease and its waitpoint token, reclaims, token reads
//! and authentication.

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::live;
use ff_admin_contract_tests::live_ops::{self as ops, Family};

use crate::{Session, LANE};

pub(crate) async fn health(s: &mut Session) -> anyhow::Result<()> {
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
pub(crate) async fn rotation(s: &mut Session) -> anyhow::Result<()> {
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

pub(crate) fn claim_request(worker: &str) -> ClaimForWorkerRequest {
    ClaimForWorkerRequest {
        worker_id: worker.into(),
        lane_id: LANE.into(),
        worker_instance_id: format!("{worker}-1"),
        capabilities: vec![],
        grant_ttl_ms: 10_000,
    }
}

pub(crate) async fn claims(s: &mut Session) -> anyhow::Result<()> {
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
        ops::make_runnable(&s.live, &id).await?;
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
            "Ok((None, {})): two calls per window for three sweeps of every partition; \
             the only execution is granted",
            live::claim_polls()
        ),
        |r| matches!(r, Ok((None, calls)) if *calls == live::claim_polls()),
    );
    s.grant = r.ok().and_then(|(grant, _)| grant);
    s.target = Some(id);
    Ok(())
}

pub(crate) fn reclaim_request() -> IssueReclaimGrantRequest {
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
pub(crate) async fn lease(s: &mut Session) -> anyhow::Result<()> {
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

pub(crate) async fn reclaims(s: &mut Session) -> anyhow::Result<()> {
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

pub(crate) async fn tokens(s: &mut Session) -> anyhow::Result<()> {
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

pub(crate) async fn authentication(s: &mut Session) -> anyhow::Result<()> {
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
