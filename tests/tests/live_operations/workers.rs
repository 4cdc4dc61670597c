//! What only a worker with a real lease produces: pending and active
//! waitpoints and the signals that satisfy them, attempt stream frames, and
//! a completed execution's result.

use std::time::Duration;

use ff_admin::{
    DeliverSignalResponse, PublicState, ReplayExecutionResponse, SdkError, StreamFrames,
    StreamRange, StreamTail,
};
use ff_admin_contract_tests::live_ops::{self as ops, Family, Worker};

use crate::{Ctx, MALFORMED_EXEC, UNKNOWN_EXEC, UNKNOWN_UUID};

/// How a token is shown: never its value.
fn redacted(token: &Result<Option<String>, SdkError>) -> Result<Option<&'static str>, &SdkError> {
    token
        .as_ref()
        .map(|t| t.as_ref().map(|_| "<kid>:<hex>, not printed: a credential"))
}

/// Pending waitpoints (pending, active), their tokens, and signals:
/// appended, duplicate, satisfying, with a wrong token, to an unknown
/// waitpoint or execution, to a satisfied waitpoint.
pub(crate) async fn waitpoints_and_signals(cx: &Ctx) {
    let c = &cx.client;
    let worker = Worker::start(&cx.live, c, "ops-signal", "w-signal")
        .await
        .expect("a worker with a lease");
    let id = worker.execution_id.clone();

    let (pending_id, pending_token) = worker
        .open_waitpoint("ops-pending")
        .await
        .expect("a pending waitpoint");
    let kid = pending_token.split_once(':').map(|(k, _)| k.to_owned());
    let r = c.list_pending_waitpoints(&id).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "Some([]): Valkey lists a waitpoint once a suspension activates it",
            matches!(&r, Ok(Some(list)) if list.is_empty()),
        ),
        Family::Postgres | Family::Sqlite => (
            "Some([it]): pending, its key, the token's kid and a 16-hex fingerprint, no token",
            matches!(&r, Ok(Some(list)) if list.len() == 1 && {
                let w = &list[0];
                w.waitpoint_id == pending_id
                    && w.waitpoint_key == "ops-pending"
                    && w.state == "pending"
                    && w.execution_id == id
                    && Some(&w.token_kid) == kid.as_ref()
                    && w.token_fingerprint.len() == 16
                    && w.token_fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
                    && w.created_at > 0
                    && w.activated_at.is_none()
                    && w.expires_at.is_some()
            }),
        ),
    };
    cx.check(
        "list_pending_waitpoints",
        "one pending waitpoint",
        expected,
        &r,
        ok,
    );
    let r = c.read_waitpoint_token(&id, &pending_id).await;
    cx.check(
        "read_waitpoint_token",
        "pending waitpoint",
        "Some(the token the worker minted)",
        &redacted(&r),
        matches!(&r, Ok(Some(t)) if *t == pending_token),
    );

    // A signal before the execution suspends.
    let early = ops::signal_request(
        &id,
        &pending_id,
        &pending_token,
        &ops::new_uuid(),
        "approved",
        "early",
    );
    let r = c.deliver_signal(&early).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "409 contention WaitpointPendingUseBufferScript, retryable",
            ops::is_api(&r, 409, "WaitpointPendingUseBufferScript")
                && r.as_ref().is_err_and(SdkError::is_retryable),
        ),
        Family::Postgres | Family::Sqlite => (
            "404 not found: suspension",
            ops::is_api(&r, 404, "not found: suspension"),
        ),
    };
    cx.check(
        "deliver_signal",
        "pending waitpoint, execution not suspended",
        expected,
        &r,
        ok,
    );

    // The worker suspends until an `approved` signal reaches a new waitpoint.
    let (active_id, token) = worker
        .suspend("ops-approval", "approved")
        .await
        .expect("suspend");
    let r = c.get_execution_state(&id).await;
    cx.check(
        "get_execution_state",
        "suspended execution",
        "Some(Suspended)",
        &r,
        matches!(r, Ok(Some(PublicState::Suspended))),
    );
    let r = c.list_pending_waitpoints(&id).await;
    cx.check(
        "list_pending_waitpoints",
        "after the suspension",
        "Some(list) with the new waitpoint, active, waiting for `approved`",
        &r,
        matches!(&r, Ok(Some(list)) if list.iter().any(|w| w.waitpoint_id == active_id
            && w.waitpoint_key == "ops-approval" && w.state == "active"
            && w.activated_at.is_some()
            && w.required_signal_names == ["approved"])),
    );
    let r = c.read_waitpoint_token(&id, &active_id).await;
    cx.check(
        "read_waitpoint_token",
        "active waitpoint",
        "Some(the token the suspension minted)",
        &redacted(&r),
        matches!(&r, Ok(Some(t)) if *t == token),
    );

    let forged = format!("{}:{}", kid.as_deref().unwrap_or("kid"), "0".repeat(64));
    let r = c
        .deliver_signal(&ops::signal_request(
            &id,
            &active_id,
            &forged,
            &ops::new_uuid(),
            "approved",
            "forged",
        ))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => ("400 invalid_token", ops::is_api(&r, 400, "invalid_token")),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: waitpoint_token verify: HMAC signature mismatch",
            ops::is_api(&r, 400, "HMAC signature mismatch"),
        ),
    };
    cx.check("deliver_signal", "wrong token", expected, &r, ok);
    let r = c
        .deliver_signal(&ops::signal_request(
            &id,
            UNKNOWN_UUID,
            &token,
            &ops::new_uuid(),
            "approved",
            "nowp",
        ))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "400 invalid_token (the token is checked against the unknown waitpoint first)",
            ops::is_api(&r, 400, "invalid_token"),
        ),
        Family::Postgres | Family::Sqlite => (
            "404 not found: waitpoint",
            ops::is_api(&r, 404, "not found: waitpoint"),
        ),
    };
    cx.check("deliver_signal", "unknown waitpoint", expected, &r, ok);
    let r = c
        .deliver_signal(&ops::signal_request(
            UNKNOWN_EXEC,
            &active_id,
            &token,
            &ops::new_uuid(),
            "approved",
            "noex",
        ))
        .await;
    cx.check(
        "deliver_signal",
        "unknown execution",
        "404 not found",
        &r,
        ops::is_api(&r, 404, "not found"),
    );
    let r = c
        .deliver_signal(&ops::signal_request(
            MALFORMED_EXEC,
            &active_id,
            &token,
            &ops::new_uuid(),
            "approved",
            "bad",
        ))
        .await;
    cx.check(
        "deliver_signal",
        "malformed id (in path and body)",
        "422 (the body's execution_id does not parse)",
        &r,
        ops::is_unprocessable(&r),
    );

    // A signal that does not satisfy the condition, twice, then one that does.
    let noise_id = ops::new_uuid();
    let noise = ops::signal_request(&id, &active_id, &token, &noise_id, "noise", "noise-1");
    // Valkey answers a signal the condition ignores with effect `no_op`
    // and detects the repeat; Postgres and SQLite append both.
    let effect = match cx.family {
        Family::Valkey => "no_op",
        Family::Postgres | Family::Sqlite => "appended_to_waitpoint",
    };
    let accepted = |r: &Result<DeliverSignalResponse, SdkError>| {
        matches!(r, Ok(DeliverSignalResponse::Accepted { signal_id, effect: e })
            if *signal_id == noise_id && e == effect)
    };
    let r = c.deliver_signal(&noise).await;
    cx.check(
        "deliver_signal",
        "a signal the condition does not wait for",
        &format!("200 Accepted, effect {effect}"),
        &r,
        accepted(&r),
    );
    let r = c.deliver_signal(&noise).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 Duplicate naming the first signal".to_owned(),
            matches!(&r, Ok(DeliverSignalResponse::Duplicate { existing_signal_id }) if *existing_signal_id == noise_id),
        ),
        Family::Postgres | Family::Sqlite => (
            format!("200 Accepted again, effect {effect}: no duplicate detection"),
            accepted(&r),
        ),
    };
    cx.check(
        "deliver_signal",
        "the same signal again (same signal id and idempotency key)",
        &expected,
        &r,
        ok,
    );
    let approve_id = ops::new_uuid();
    let approve = ops::signal_request(
        &id,
        &active_id,
        &token,
        &approve_id,
        "approved",
        "approve-1",
    );
    let r = c.deliver_signal(&approve).await;
    cx.check(
        "deliver_signal",
        "the awaited signal",
        "200 Accepted, effect resume_condition_satisfied",
        &r,
        matches!(&r, Ok(DeliverSignalResponse::Accepted { signal_id, effect })
            if *signal_id == approve_id && effect == "resume_condition_satisfied"),
    );
    let r = c.get_execution_state(&id).await;
    let (expected, ok) = match cx.family {
        Family::Postgres | Family::Sqlite => (
            "Some(Resumable)",
            matches!(r, Ok(Some(PublicState::Resumable))),
        ),
        Family::Valkey => (
            "Some(Waiting): resumed, claimable again",
            matches!(r, Ok(Some(PublicState::Waiting))),
        ),
    };
    cx.check(
        "get_execution_state",
        "after the awaited signal",
        expected,
        &r,
        ok,
    );
    let r = c.deliver_signal(&approve).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "409 state_conflict TargetNotSignalable",
            ops::is_api_kind(&r, 409, "state_conflict", false),
        ),
        Family::Postgres | Family::Sqlite => (
            "404 not found: waitpoint (it closed on resume)",
            ops::is_api(&r, 404, "not found: waitpoint"),
        ),
    };
    cx.check(
        "deliver_signal",
        "the awaited signal again, after the resume",
        expected,
        &r,
        ok,
    );
}

fn frames_summary(
    r: &Result<StreamFrames, SdkError>,
) -> Result<(usize, u64, Option<&str>), &SdkError> {
    r.as_ref()
        .map(|f| (f.frames.len(), f.count, f.closed_reason.as_deref()))
}

/// Stream reads and tails (empty, with frames, blocking until a frame
/// arrives, every 400), then the result of a completed execution and what
/// completion makes of cancel and replay.
pub(crate) async fn streams_and_results(cx: &Ctx) {
    let c = &cx.client;

    // An execution without an attempt: an empty stream.
    let fresh = ops::execution_id_on(7);
    ops::create(c, &fresh, "ops-stream-none")
        .await
        .expect("create");
    let r = c
        .read_attempt_stream(&fresh, 0, &StreamRange::default())
        .await;
    cx.check(
        "read_attempt_stream",
        "no attempt yet",
        "200, no frames, count 0, not closed",
        &r,
        matches!(&r, Ok(f) if f.frames.is_empty() && f.count == 0 && f.closed_at.is_none()),
    );
    let r = c
        .tail_attempt_stream(&fresh, 0, &StreamTail::default())
        .await;
    cx.check(
        "tail_attempt_stream",
        "no attempt yet, no wait",
        "200, no frames",
        &r,
        matches!(&r, Ok(f) if f.frames.is_empty() && f.count == 0),
    );

    // Every 400 of the two routes.
    let range = |limit: u64| StreamRange {
        limit: Some(limit),
        ..StreamRange::default()
    };
    for (case, limit, needle) in [
        ("limit 0", 0, "limit must be >= 1"),
        ("limit 1001", 1001, "limit exceeds REST ceiling 1000"),
    ] {
        let r = c.read_attempt_stream(&fresh, 0, &range(limit)).await;
        cx.check(
            "read_attempt_stream",
            case,
            &format!("400 {needle}"),
            &r,
            ops::is_api(&r, 400, needle),
        );
    }
    let r = c
        .read_attempt_stream(MALFORMED_EXEC, 0, &StreamRange::default())
        .await;
    cx.check(
        "read_attempt_stream",
        "malformed id",
        "400 invalid execution_id",
        &r,
        ops::is_api(&r, 400, "invalid execution_id"),
    );
    for (case, tail, needle) in [
        (
            "limit 0",
            StreamTail {
                limit: Some(0),
                ..StreamTail::default()
            },
            "limit must be >= 1",
        ),
        (
            "limit 1001",
            StreamTail {
                limit: Some(1001),
                ..StreamTail::default()
            },
            "limit exceeds REST ceiling 1000",
        ),
        (
            "block_ms 30001",
            StreamTail {
                block_ms: Some(30_001),
                ..StreamTail::default()
            },
            "block_ms exceeds 30000ms ceiling",
        ),
        (
            "after=start",
            StreamTail {
                after: Some("start".into()),
                ..StreamTail::default()
            },
            "XREAD cursor must be a concrete entry id",
        ),
    ] {
        let r = c.tail_attempt_stream(&fresh, 0, &tail).await;
        cx.check(
            "tail_attempt_stream",
            case,
            &format!("400 {needle}"),
            &r,
            ops::is_api(&r, 400, needle),
        );
    }

    // A worker writes three frames.
    let worker = Worker::start(&cx.live, c, "ops-stream", "w-stream")
        .await
        .expect("a worker with a lease");
    let id = worker.execution_id.clone();
    let attempt = c
        .get_execution(&id)
        .await
        .expect("get")
        .expect("the leased execution")
        .current_attempt_index;
    for payload in [&b"frame-1"[..], b"frame-2", b"frame-3"] {
        worker.append_frame(payload).await.expect("append a frame");
    }
    let r = c
        .read_attempt_stream(&id, attempt, &StreamRange::default())
        .await;
    cx.check(
        "read_attempt_stream",
        "three frames",
        "200, 3 frames oldest first, count 3, not closed",
        &r,
        matches!(&r, Ok(f) if f.frames.len() == 3 && f.count == 3 && f.closed_at.is_none()
            && f.frames.windows(2).all(|w| w[0].id < w[1].id)),
    );
    let all = r.expect("the three frames").frames;
    println!("       (frame fields: {:?})", all[0].fields);
    let r = c.read_attempt_stream(&id, attempt, &range(2)).await;
    cx.check(
        "read_attempt_stream",
        "limit 2",
        "the first 2 frames",
        &frames_summary(&r),
        matches!(&r, Ok(f) if f.frames[..] == all[..2]),
    );
    let from_second = StreamRange {
        from: Some(all[1].id.clone()),
        to: Some(all[1].id.clone()),
        limit: None,
    };
    let r = c.read_attempt_stream(&id, attempt, &from_second).await;
    cx.check(
        "read_attempt_stream",
        "from = to = the second frame's id",
        "just the second frame",
        &frames_summary(&r),
        matches!(&r, Ok(f) if f.frames[..] == all[1..2]),
    );
    let after_first = StreamTail {
        after: Some(all[0].id.clone()),
        ..StreamTail::default()
    };
    let r = c.tail_attempt_stream(&id, attempt, &after_first).await;
    cx.check(
        "tail_attempt_stream",
        "after the first frame, no wait",
        "the second and third frames",
        &frames_summary(&r),
        matches!(&r, Ok(f) if f.frames[..] == all[1..]),
    );
    let after_last = StreamTail {
        after: Some(all[2].id.clone()),
        block_ms: Some(200),
        limit: None,
    };
    let r = c.tail_attempt_stream(&id, attempt, &after_last).await;
    cx.check(
        "tail_attempt_stream",
        "after the last frame, block_ms 200",
        "200, no frames (the wait ended)",
        &frames_summary(&r),
        matches!(&r, Ok(f) if f.frames.is_empty()),
    );
    // A tail waiting up to 10 s returns the frame appended while it waits.
    let waiting = StreamTail {
        block_ms: Some(10_000),
        ..after_last.clone()
    };
    let (r, appended) = tokio::join!(c.tail_attempt_stream(&id, attempt, &waiting), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        worker.append_frame(b"frame-4").await
    });
    appended.expect("append while the tail waits");
    cx.check(
        "tail_attempt_stream",
        "after the last frame, block_ms 10000, a frame appended meanwhile",
        "the new frame",
        &frames_summary(&r),
        matches!(&r, Ok(f) if f.frames.len() == 1 && f.frames[0].id > all[2].id),
    );

    // The worker completes with a result.
    worker.complete(b"the result").await.expect("complete");
    let r = c.get_execution_result(&id).await;
    cx.check(
        "get_execution_result",
        "completed execution",
        "Some(the bytes the worker stored)",
        &r,
        matches!(&r, Ok(Some(bytes)) if bytes == b"the result"),
    );
    let r = c.get_execution(&id).await;
    // Postgres and SQLite leave the public state at `active` (a server
    // bug: the state vector says terminal, success).
    let public = match cx.family {
        Family::Postgres | Family::Sqlite => PublicState::Active,
        Family::Valkey => PublicState::Completed,
    };
    cx.check(
        "get_execution",
        "completed execution",
        &format!("Some(info): public state {public:?}, terminal, success, started_at and completed_at set"),
        &r,
        matches!(&r, Ok(Some(i)) if i.public_state == public
            && i.state_vector.lifecycle_phase == "terminal"
            && i.state_vector.terminal_outcome == "success"
            && i.started_at.is_some() && i.completed_at.is_some()),
    );
    let r = c
        .read_attempt_stream(&id, attempt, &StreamRange::default())
        .await;
    let (expected, ok) = match cx.family {
        Family::Postgres | Family::Sqlite => (
            "4 frames; the stream is never marked closed here",
            matches!(&r, Ok(f) if f.frames.len() == 4 && f.closed_at.is_none()),
        ),
        Family::Valkey => (
            "4 frames, closed: attempt_success",
            matches!(&r, Ok(f) if f.frames.len() == 4 && f.closed_at.is_some()
                && f.closed_reason.as_deref() == Some("attempt_success")),
        ),
    };
    cx.check(
        "read_attempt_stream",
        "after completion",
        expected,
        &frames_summary(&r),
        ok,
    );

    let r = c.cancel_execution(&ops::cancel_request(&id)).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 execution_not_active (a script error), retryable",
            ops::is_script_error(&r, "execution_not_active"),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: already terminal",
            ops::is_api(&r, 400, "already terminal"),
        ),
    };
    cx.check("cancel_execution", "completed execution", expected, &r, ok);

    let r = c.replay_execution(&id).await;
    cx.check(
        "replay_execution",
        "completed execution",
        "200 Replayed, waiting",
        &r,
        matches!(
            r,
            Ok(ReplayExecutionResponse::Replayed {
                public_state: PublicState::Waiting
            })
        ),
    );
    let r = c.replay_execution(&id).await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 execution_not_terminal (a script error), retryable",
            ops::is_script_error(&r, "execution_not_terminal"),
        ),
        Family::Postgres | Family::Sqlite => (
            "409 execution_not_terminal",
            ops::is_api_kind(&r, 409, "execution_not_terminal", false),
        ),
    };
    cx.check(
        "replay_execution",
        "replayed (waiting) execution",
        expected,
        &r,
        ok,
    );
}
