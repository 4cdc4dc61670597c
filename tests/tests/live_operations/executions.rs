//! Executions without a worker: create, the reads, listing, cancel, replay,
//! priority and lease revocation.

use ff_admin::{
    CancelExecutionResponse, ChangePriorityResponse, CreateExecutionResponse, ExecutionInfo,
    ExecutionPolicy, PublicState, ReplayExecutionResponse, RevokeLeaseResponse, SdkError,
};
use ff_admin_contract_tests::live_ops::{self as ops, Family, Worker};
use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::{Ctx, Expect, MALFORMED_EXEC, UNKNOWN_EXEC};

/// The lifecycle phase of a freshly created execution: Valkey makes it
/// runnable at once, Postgres and SQLite keep it `submitted`.
fn fresh_phase(family: Family) -> &'static str {
    match family {
        Family::Valkey => "runnable",
        Family::Postgres | Family::Sqlite => "submitted",
    }
}

/// Whether `info` describes a fresh execution `id` on `lane`.
fn is_fresh(info: &ExecutionInfo, id: &str, lane: &str, family: Family, before: u64) -> bool {
    let sv = &info.state_vector;
    info.execution_id == id
        && info.namespace == "default"
        && info.lane_id == lane
        && info.priority == 0
        && info.execution_kind == ops::EXECUTION_KIND
        && info.public_state == PublicState::Waiting
        && sv.public_state == PublicState::Waiting
        && sv.lifecycle_phase == fresh_phase(family)
        && sv.ownership_state == "unowned"
        && sv.eligibility_state == "eligible_now"
        && sv.terminal_outcome == "none"
        && sv.attempt_state == "pending_first_attempt"
        && info
            .created_at
            .parse::<u64>()
            .is_ok_and(|ms| ms + 1000 >= before)
        && info.started_at.is_none()
        && info.completed_at.is_none()
        && info.current_attempt_index == 0
        && info.flow_id.is_none()
}

/// An unknown execution: 404 on Postgres and SQLite; on Valkey the backend
/// script's `execution_not_found` surfaces as a 500.
fn not_found<T>(family: Family) -> Expect<T> {
    match family {
        Family::Valkey => ("500 execution_not_found (a script error), retryable", |r| {
            ops::is_script_error(r, "execution_not_found")
        }),
        Family::Postgres | Family::Sqlite => ("404 not found: execution", |r| {
            ops::is_api(r, 404, "not found: execution")
        }),
    }
}

/// Replay of an execution that has not ended: 409 on Postgres and SQLite,
/// a 500 script error on Valkey.
fn not_terminal<T>(family: Family) -> Expect<T> {
    match family {
        Family::Valkey => (
            "500 execution_not_terminal (a script error), retryable",
            |r| ops::is_script_error(r, "execution_not_terminal"),
        ),
        Family::Postgres | Family::Sqlite => ("409 execution_not_terminal", |r| {
            ops::is_api_kind(r, 409, "execution_not_terminal", false)
        }),
    }
}

/// create 201/200; get, state, pending waitpoints and result of a fresh,
/// an unknown and a malformed id.
pub(crate) async fn reads(cx: &Ctx) {
    let c = &cx.client;
    let lane = "ops-reads";
    let id = ops::execution_id_on(3);
    let before = ff_admin_contract_tests::live::now_ms();

    let r = c.create_execution(&ops::create_request(&id, lane)).await;
    cx.check(
        "create_execution",
        "new id",
        "201 Created, public_state waiting",
        &r,
        matches!(&r, Ok(CreateExecutionResponse::Created { execution_id, public_state: PublicState::Waiting }) if *execution_id == id),
    );
    let r = c.create_execution(&ops::create_request(&id, lane)).await;
    let (expected, ok) = match cx.family {
        Family::Postgres => (
            "201 Created again (Postgres does not tell a duplicate apart)",
            matches!(&r, Ok(CreateExecutionResponse::Created { execution_id, .. }) if *execution_id == id),
        ),
        Family::Valkey | Family::Sqlite => (
            "200 Duplicate",
            matches!(&r, Ok(CreateExecutionResponse::Duplicate { execution_id }) if *execution_id == id),
        ),
    };
    cx.check("create_execution", "same id again", expected, &r, ok);

    let r = c.get_execution(&id).await;
    cx.check(
        "get_execution",
        "fresh execution",
        &format!(
            "Some(info): its fields, waiting, lifecycle {}, unowned, no attempt yet",
            fresh_phase(cx.family)
        ),
        &r,
        matches!(&r, Ok(Some(info)) if is_fresh(info, &id, lane, cx.family, before)),
    );
    let r = c.get_execution(UNKNOWN_EXEC).await;
    cx.check(
        "get_execution",
        "unknown id",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.get_execution(MALFORMED_EXEC).await;
    cx.check(
        "get_execution",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );

    let r = c.get_execution_state(&id).await;
    cx.check(
        "get_execution_state",
        "fresh execution",
        "Some(Waiting)",
        &r,
        matches!(r, Ok(Some(PublicState::Waiting))),
    );
    let r = c.get_execution_state(UNKNOWN_EXEC).await;
    cx.check(
        "get_execution_state",
        "unknown id",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.get_execution_state(MALFORMED_EXEC).await;
    cx.check(
        "get_execution_state",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );

    let r = c.list_pending_waitpoints(&id).await;
    cx.check(
        "list_pending_waitpoints",
        "fresh execution",
        "Some([])",
        &r,
        matches!(&r, Ok(Some(list)) if list.is_empty()),
    );
    let r = c.list_pending_waitpoints(UNKNOWN_EXEC).await;
    cx.check(
        "list_pending_waitpoints",
        "unknown id",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.list_pending_waitpoints(MALFORMED_EXEC).await;
    cx.check(
        "list_pending_waitpoints",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );

    let r = c.get_execution_result(&id).await;
    cx.check(
        "get_execution_result",
        "not completed",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.get_execution_result(UNKNOWN_EXEC).await;
    cx.check(
        "get_execution_result",
        "unknown id",
        "Ok(None)",
        &r,
        matches!(r, Ok(None)),
    );
    let r = c.get_execution_result(MALFORMED_EXEC).await;
    cx.check(
        "get_execution_result",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );
}

/// The partition the listing section fills; no other section creates
/// executions there.
pub(crate) const LIST_PARTITION: u16 = 200;

/// More than one page of `list_executions_stream` (1000 ids a page).
const LISTED: usize = 1003;

/// Pages of `list_executions` and `list_executions_stream` reach every
/// created id, in order; SQLite answers 503.
pub(crate) async fn listing(cx: &Ctx) {
    let c = &cx.client;
    if cx.family == Family::Sqlite {
        let r = c.list_executions(0, None, None).await;
        cx.check(
            "list_executions",
            "first page",
            "503 unavailable (SQLite does not list)",
            &r,
            ops::is_api_kind(&r, 503, "unavailable", false),
        );
        let r: Vec<Result<String, SdkError>> = c.list_executions_stream(0).collect().await;
        cx.check(
            "list_executions_stream",
            "every id",
            "one item: the 503 unavailable",
            &r,
            r.len() == 1 && ops::is_api_kind(&r[0], 503, "unavailable", false),
        );
        return;
    }

    let mut created: Vec<String> = (0..LISTED)
        .map(|_| ops::execution_id_on(LIST_PARTITION))
        .collect();
    let creates = futures_util::stream::iter(created.iter())
        .map(|id| ops::create(c, id, "ops-list"))
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await;
    creates.expect("create the listed executions");
    created.sort();

    let r = c.list_executions(LIST_PARTITION, None, None).await;
    cx.check(
        "list_executions",
        "default limit",
        "the first 50 ids, ascending, and a next_cursor",
        &r.as_ref()
            .map(|p| (p.executions.len(), p.next_cursor.is_some())),
        matches!(&r, Ok(p) if p.executions[..] == created[..50] && p.next_cursor.is_some()),
    );

    // Pages of 400, following next_cursor to the end.
    let mut pages = Vec::new();
    let mut listed: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = c
            .list_executions(LIST_PARTITION, cursor.as_deref(), Some(400))
            .await
            .expect("a page");
        pages.push(page.executions.len());
        listed.extend(page.executions.iter().cloned());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages.len() <= 10, "the pages never end");
    }
    cx.check(
        "list_executions",
        &format!("pages of 400 over {LISTED} ids"),
        "pages [400, 400, 203], together every id in ascending order, next_cursor null on the last",
        &pages,
        pages == [400, 400, 203] && listed == created,
    );

    let r: Result<Vec<String>, SdkError> =
        c.list_executions_stream(LIST_PARTITION).try_collect().await;
    cx.check(
        "list_executions_stream",
        &format!("{LISTED} ids (two pages of 1000)"),
        "every created id, ascending",
        &r.as_ref().map(Vec::len),
        matches!(&r, Ok(ids) if *ids == created),
    );

    let r = c
        .list_executions(LIST_PARTITION, Some("bad-cursor"), None)
        .await;
    cx.check(
        "list_executions",
        "malformed cursor",
        "400 invalid cursor",
        &r,
        ops::is_api(&r, 400, "invalid cursor"),
    );
    let r = c.list_executions(LIST_PARTITION + 1, None, None).await;
    cx.check(
        "list_executions",
        "empty partition",
        "an empty page, next_cursor null",
        &r,
        matches!(&r, Ok(p) if p.executions.is_empty() && p.next_cursor.is_none()),
    );
}

/// cancel 200 / again 200 / unknown 404 / malformed 400; replay of a
/// waiting, a cancelled and an exhausted execution.
pub(crate) async fn cancel_and_replay(cx: &Ctx) {
    let c = &cx.client;
    let lane = "ops-cancel";
    let id = ops::execution_id_on(4);
    ops::create(c, &id, lane).await.expect("create");

    let r = c.replay_execution(&id).await;
    let (expected, ok) = not_terminal(cx.family);
    cx.check(
        "replay_execution",
        "waiting execution",
        expected,
        &r,
        ok(&r),
    );

    let cancelled = |r: &Result<CancelExecutionResponse, SdkError>| matches!(r, Ok(CancelExecutionResponse::Cancelled { execution_id, public_state: PublicState::Cancelled }) if *execution_id == id);
    let r = c.cancel_execution(&ops::cancel_request(&id)).await;
    cx.check(
        "cancel_execution",
        "waiting execution",
        "200 Cancelled",
        &r,
        cancelled(&r),
    );
    let r = c.cancel_execution(&ops::cancel_request(&id)).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 execution_not_active (a script error), retryable: not idempotent on Valkey",
            ops::is_script_error(&r, "execution_not_active"),
        ),
        Family::Postgres | Family::Sqlite => ("200 Cancelled", cancelled(&r)),
    };
    cx.check("cancel_execution", "again", expected, &r, ok);
    let r = c.get_execution(&id).await;
    cx.check(
        "get_execution",
        "cancelled execution",
        "Some(info): cancelled, terminal outcome cancelled",
        &r,
        matches!(&r, Ok(Some(i)) if i.public_state == PublicState::Cancelled
            && i.state_vector.terminal_outcome == "cancelled"),
    );
    let r = c.cancel_execution(&ops::cancel_request(UNKNOWN_EXEC)).await;
    let (expected, ok) = not_found(cx.family);
    cx.check("cancel_execution", "unknown id", expected, &r, ok(&r));
    let r = c
        .cancel_execution(&ops::cancel_request(MALFORMED_EXEC))
        .await;
    cx.check(
        "cancel_execution",
        "malformed id (in path and body)",
        "422 (the body's execution_id does not parse)",
        &r,
        ops::is_unprocessable(&r),
    );

    // Replay of a cancelled execution: Valkey counts cancelled as terminal.
    let r = c.replay_execution(&id).await;
    match cx.family {
        Family::Valkey => cx.check(
            "replay_execution",
            "cancelled execution",
            "200 Replayed, waiting",
            &r,
            matches!(
                r,
                Ok(ReplayExecutionResponse::Replayed {
                    public_state: PublicState::Waiting
                })
            ),
        ),
        Family::Postgres | Family::Sqlite => cx.check(
            "replay_execution",
            "cancelled execution",
            "409 execution_not_terminal (a cancelled execution is not `terminal` here)",
            &r,
            ops::is_api_kind(&r, 409, "execution_not_terminal", false),
        ),
    };
    let r = c.replay_execution(UNKNOWN_EXEC).await;
    let (expected, ok) = not_found(cx.family);
    cx.check("replay_execution", "unknown id", expected, &r, ok(&r));
    let r = c.replay_execution(MALFORMED_EXEC).await;
    cx.check(
        "replay_execution",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );

    if cx.family == Family::Valkey {
        // One replay allowed: cancel, replay, cancel, replay again.
        let id = ops::execution_id_on(4);
        let mut req = ops::create_request(&id, lane);
        req.policy = Some(ExecutionPolicy {
            max_replay_count: Some(1),
            ..Default::default()
        });
        c.create_execution(&req).await.expect("create");
        c.cancel_execution(&ops::cancel_request(&id))
            .await
            .expect("cancel");
        c.replay_execution(&id).await.expect("the one replay");
        c.cancel_execution(&ops::cancel_request(&id))
            .await
            .expect("cancel again");
        let r = c.replay_execution(&id).await;
        cx.check(
            "replay_execution",
            "max_replay_count 1, second replay",
            "500 max_replays_exhausted (a script error), retryable",
            &r,
            ops::is_script_error(&r, "max_replays_exhausted"),
        );
    }
}

/// change_priority: 200 where the execution is runnable and eligible, 409
/// contention where it is still `submitted`.
pub(crate) async fn priority(cx: &Ctx) {
    let c = &cx.client;
    let lane = "ops-priority";
    let id = ops::execution_id_on(ops::WORKER_PARTITION);
    ops::create(c, &id, lane).await.expect("create");
    let changed = |r: &Result<ChangePriorityResponse, SdkError>| matches!(r, Ok(ChangePriorityResponse::Changed { execution_id }) if *execution_id == id);

    let r = c.change_priority(&id, 7).await;
    if cx.family == Family::Valkey {
        cx.check(
            "change_priority",
            "fresh execution",
            "200 Changed",
            &r,
            changed(&r),
        );
    } else {
        cx.check(
            "change_priority",
            "fresh (submitted) execution",
            "409 contention, retryable",
            &r,
            ops::is_api_kind(&r, 409, "contention", true),
        );
        ops::make_runnable(&cx.live, &id)
            .await
            .expect("make runnable");
        let r = c.change_priority(&id, 7).await;
        cx.check(
            "change_priority",
            "runnable execution (promoted in SQL)",
            "200 Changed",
            &r,
            changed(&r),
        );
    }
    let r = c.get_execution(&id).await;
    cx.check(
        "get_execution",
        "after change_priority(7)",
        "priority 7",
        &r.as_ref().map(|i| i.as_ref().map(|i| i.priority)),
        matches!(&r, Ok(Some(i)) if i.priority == 7),
    );
    let r = c.change_priority(&id, 12_345).await;
    cx.check("change_priority", "12345", "200 Changed", &r, changed(&r));
    let r = c.get_execution(&id).await;
    cx.check(
        "get_execution",
        "after change_priority(12345)",
        "priority clamped to 9000",
        &r.as_ref().map(|i| i.as_ref().map(|i| i.priority)),
        matches!(&r, Ok(Some(i)) if i.priority == 9000),
    );
    let r = c.change_priority(UNKNOWN_EXEC, 1).await;
    let (expected, ok) = not_found(cx.family);
    cx.check("change_priority", "unknown id", expected, &r, ok(&r));
    let r = c.change_priority(MALFORMED_EXEC, 1).await;
    cx.check(
        "change_priority",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );
}

/// cancel by the lease holder: with a stale lease epoch, then without one.
pub(crate) async fn cancel_by_lease_holder(cx: &Ctx) {
    let c = &cx.client;
    let worker = Worker::start(&cx.live, c, "ops-cancel-lease", "w-cancel")
        .await
        .expect("a worker with a lease");
    let id = worker.execution_id.clone();
    let mut holder = ops::cancel_request(&id);
    holder.source = Some("lease_holder".into());
    holder.lease_epoch = Some(999);
    let r = c.cancel_execution(&holder).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 Cancelled: Valkey checks no lease on an HTTP cancel",
            matches!(&r, Ok(CancelExecutionResponse::Cancelled { execution_id, .. }) if *execution_id == id),
        ),
        Family::Postgres | Family::Sqlite => (
            "409 state_conflict StaleLease",
            ops::is_api_kind(&r, 409, "state_conflict", false),
        ),
    };
    cx.check(
        "cancel_execution",
        "source lease_holder, stale lease_epoch 999",
        expected,
        &r,
        ok,
    );
    holder.lease_epoch = None;
    let r = c.cancel_execution(&holder).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 execution_not_active (a script error): it is cancelled already",
            ops::is_script_error(&r, "execution_not_active"),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: lease_epoch required",
            ops::is_api(&r, 400, "lease_epoch"),
        ),
    };
    cx.check(
        "cancel_execution",
        "source lease_holder, no lease_epoch",
        expected,
        &r,
        ok,
    );
    drop(worker);
}

/// revoke_lease: AlreadySatisfied without a lease, Revoked with a real one.
pub(crate) async fn revoke(cx: &Ctx) {
    let c = &cx.client;
    let id = ops::execution_id_on(6);
    ops::create(c, &id, "ops-revoke-none")
        .await
        .expect("create");
    let no_lease = |r: &Result<RevokeLeaseResponse, SdkError>| matches!(r, Ok(RevokeLeaseResponse::AlreadySatisfied { reason }) if reason == "no_active_lease");
    let r = c.revoke_lease(&id).await;
    cx.check(
        "revoke_lease",
        "no lease",
        "200 AlreadySatisfied no_active_lease",
        &r,
        no_lease(&r),
    );
    let r = c.revoke_lease(UNKNOWN_EXEC).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => ("200 AlreadySatisfied no_active_lease", no_lease(&r)),
        Family::Postgres | Family::Sqlite => (
            "404 not found: execution",
            ops::is_api(&r, 404, "not found: execution"),
        ),
    };
    cx.check("revoke_lease", "unknown id", expected, &r, ok);
    let r = c.revoke_lease(MALFORMED_EXEC).await;
    cx.check(
        "revoke_lease",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );

    let worker = Worker::start(&cx.live, c, "ops-revoke", "w-revoke")
        .await
        .expect("a worker with a lease");
    let id = worker.execution_id.clone();
    let r = c.get_execution(&id).await;
    cx.check(
        "get_execution",
        "leased execution",
        "Some(info): active, leased, running attempt, started_at set",
        &r,
        matches!(&r, Ok(Some(i)) if i.public_state == PublicState::Active
            && i.state_vector.ownership_state == "leased"
            && i.state_vector.attempt_state == "running_attempt"
            && i.started_at.is_some()),
    );
    let r = c.revoke_lease(&id).await;
    cx.check(
        "revoke_lease",
        "real lease",
        "200 Revoked with the lease id and its epoch",
        &r,
        matches!(&r, Ok(RevokeLeaseResponse::Revoked { lease_id, lease_epoch })
            if !lease_id.is_empty() && lease_epoch.parse::<u64>().is_ok()),
    );
    let r = c.revoke_lease(&id).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 AlreadySatisfied already_revoked",
            matches!(&r, Ok(RevokeLeaseResponse::AlreadySatisfied { reason }) if reason == "already_revoked"),
        ),
        Family::Postgres | Family::Sqlite => ("200 AlreadySatisfied no_active_lease", no_lease(&r)),
    };
    cx.check("revoke_lease", "again", expected, &r, ok);
    let r = c.get_execution(&id).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "Some(info): active, lease_revoked (reclaimable)",
            matches!(&r, Ok(Some(i)) if i.state_vector.lifecycle_phase == "active"
                && i.state_vector.ownership_state == "lease_revoked"),
        ),
        Family::Postgres | Family::Sqlite => (
            "Some(info): runnable and unowned again",
            matches!(&r, Ok(Some(i)) if i.state_vector.lifecycle_phase == "runnable"
                && i.state_vector.ownership_state == "unowned"),
        ),
    };
    cx.check("get_execution", "after the revoke", expected, &r, ok);
    drop(worker);
}
