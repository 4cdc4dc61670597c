//! Flows: create, members (and the partition rule), dependency edges
//! (staged, stale, self-referencing, applied), and cancellation with and
//! without waiting.

use std::time::Duration;

use ff_admin::{
    AddExecutionToFlowResponse, ApplyDependencyToChildResponse, CancelFlowResponse,
    CreateFlowResponse, PublicState, SdkError, StageDependencyEdgeResponse,
};
use ff_admin_contract_tests::live_ops::{self as ops, Family};

use crate::executions::LIST_PARTITION;
use crate::{Ctx, Expect, MALFORMED_UUID, UNKNOWN_UUID};

/// A new flow id whose partition is neither of the listing section's (its
/// listed partition and the one it expects empty).
fn new_flow(cx: &Ctx) -> (String, u16) {
    loop {
        let id = ops::new_uuid();
        let partition = ops::member_partition(&cx.live, &id);
        if partition != LIST_PARTITION && partition != LIST_PARTITION + 1 {
            return (id, partition);
        }
    }
}

/// Creates a flow with `members` new executions on its partition; returns
/// the flow id and the members.
async fn flow_with_members(cx: &Ctx, members: usize) -> (String, Vec<String>) {
    let c = &cx.client;
    let (flow, partition) = new_flow(cx);
    c.create_flow(&ops::flow_request(&flow))
        .await
        .expect("create flow");
    let mut ids = Vec::new();
    for _ in 0..members {
        let id = ops::execution_id_on(partition);
        ops::create(c, &id, "ops-flow")
            .await
            .expect("create member");
        c.add_execution_to_flow(&ops::member_request(&flow, &id))
            .await
            .expect("add member");
        ids.push(id);
    }
    (flow, ids)
}

/// A staged revision that is not the flow's: 409 contention on Postgres
/// and SQLite; on Valkey the script's `stale_graph_revision` surfaces as a
/// 500.
fn stale<T>(family: Family) -> Expect<T> {
    match family {
        Family::Valkey => (
            "500 stale_graph_revision (a script error), retryable",
            |r| ops::is_script_error(r, "stale_graph_revision"),
        ),
        Family::Postgres | Family::Sqlite => {
            ("409 contention (StaleGraphRevision), retryable", |r| {
                ops::is_api_kind(r, 409, "contention", true)
            })
        }
    }
}

pub(crate) async fn flows(cx: &Ctx) {
    tokio::join!(membership_and_edges(cx), cancellation(cx));
}

async fn membership_and_edges(cx: &Ctx) {
    let c = &cx.client;
    let (flow, partition) = new_flow(cx);
    let r = c.create_flow(&ops::flow_request(&flow)).await;
    cx.check(
        "create_flow",
        "new id",
        "201 Created",
        &r,
        matches!(&r, Ok(CreateFlowResponse::Created { flow_id }) if *flow_id == flow),
    );
    let r = c.create_flow(&ops::flow_request(&flow)).await;
    cx.check(
        "create_flow",
        "same id again",
        "200 AlreadySatisfied",
        &r,
        matches!(&r, Ok(CreateFlowResponse::AlreadySatisfied { flow_id }) if *flow_id == flow),
    );

    let a = ops::execution_id_on(partition);
    let b = ops::execution_id_on(partition);
    let partitions = cx.live.flow_partitions;
    let wrong_partition = (partition + 1) % partitions;
    let stray = ops::execution_id_on(wrong_partition);
    for id in [&a, &b, &stray] {
        ops::create(c, id, "ops-flow").await.expect("create");
    }

    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &a))
        .await;
    cx.check(
        "add_execution_to_flow",
        &format!("execution on the flow's partition {partition}"),
        "201 Added, node count 1",
        &r,
        matches!(&r, Ok(AddExecutionToFlowResponse::Added { execution_id, new_node_count: 1 }) if *execution_id == a),
    );
    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &a))
        .await;
    cx.check(
        "add_execution_to_flow",
        "same member again",
        "200 AlreadyMember, node count 1",
        &r,
        matches!(&r, Ok(AddExecutionToFlowResponse::AlreadyMember { execution_id, node_count: 1 }) if *execution_id == a),
    );
    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &b))
        .await;
    cx.check(
        "add_execution_to_flow",
        "second member",
        "201 Added, node count 2",
        &r,
        matches!(
            &r,
            Ok(AddExecutionToFlowResponse::Added {
                new_node_count: 2,
                ..
            })
        ),
    );
    // A second flow on the same partition: `a` belongs to the first.
    let other = loop {
        let id = ops::new_uuid();
        if ops::member_partition(&cx.live, &id) == partition {
            break id;
        }
    };
    c.create_flow(&ops::flow_request(&other))
        .await
        .expect("create flow");
    let r = c
        .add_execution_to_flow(&ops::member_request(&other, &a))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 already_member_of_different_flow (an error code the backend cannot parse), retryable",
            matches!(&r, Err(SdkError::AdminApi { status: 500, retryable: Some(true), message, .. })
                if message.contains("unknown error code: already_member_of_different_flow")),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: already_member_of_different_flow",
            ops::is_api(&r, 400, "already_member_of_different_flow"),
        ),
    };
    cx.check(
        "add_execution_to_flow",
        "member of another flow",
        expected,
        &r,
        ok,
    );
    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &stray))
        .await;
    let (expected, ok) = match cx.family {
        Family::Postgres => (
            "400 invalid_input: execution_not_found (looked up on the flow's partition)".to_owned(),
            ops::is_api(&r, 400, "execution_not_found"),
        ),
        Family::Valkey | Family::Sqlite => (
            format!("400 partition mismatch naming the flow's partition {partition}"),
            matches!(&r, Err(SdkError::AdminApi { status: 400, message, .. })
                if message.contains("partition") && message.contains(&partition.to_string())),
        ),
    };
    cx.check(
        "add_execution_to_flow",
        &format!("execution on partition {wrong_partition}, not the flow's"),
        &expected,
        &r,
        ok,
    );
    let orphan = ops::execution_id_on(ops::member_partition(&cx.live, UNKNOWN_UUID));
    ops::create(c, &orphan, "ops-flow").await.expect("create");
    let r = c
        .add_execution_to_flow(&ops::member_request(UNKNOWN_UUID, &orphan))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 flow_not_found (a script error), retryable",
            ops::is_script_error(&r, "flow_not_found"),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: flow_not_found",
            ops::is_api(&r, 400, "flow_not_found"),
        ),
    };
    cx.check("add_execution_to_flow", "unknown flow", expected, &r, ok);
    let r = c
        .add_execution_to_flow(&ops::member_request(MALFORMED_UUID, &a))
        .await;
    cx.check(
        "add_execution_to_flow",
        "malformed flow id (in path and body)",
        "422 (the body's flow_id does not parse)",
        &r,
        ops::is_unprocessable(&r),
    );
    let r = c.get_execution(&a).await;
    cx.check(
        "get_execution",
        "flow member",
        "Some(info) with flow_id = the flow",
        &r.as_ref().map(|i| i.as_ref().map(|i| i.flow_id.clone())),
        matches!(&r, Ok(Some(i)) if i.flow_id.as_deref() == Some(flow.as_str())),
    );

    // Edges.
    let revision = ops::graph_revision(&cx.live, &flow)
        .await
        .expect("the flow's revision");
    let edge = ops::new_uuid();
    let r = c
        .stage_dependency_edge(&ops::edge_request(&flow, &edge, &a, &b, revision + 1))
        .await;
    let (expected, ok) = stale(cx.family);
    cx.check(
        "stage_dependency_edge",
        &format!("revision {} while the flow is at {revision}", revision + 1),
        expected,
        &r,
        ok(&r),
    );
    let r = c
        .stage_dependency_edge(&ops::edge_request(&flow, &edge, &a, &b, revision))
        .await;
    cx.check(
        "stage_dependency_edge",
        "a -> b at the current revision",
        &format!("201 Staged, new revision {}", revision + 1),
        &r,
        matches!(&r, Ok(StageDependencyEdgeResponse::Staged { edge_id, new_graph_revision })
            if *edge_id == edge && *new_graph_revision == revision + 1),
    );
    let r = c
        .stage_dependency_edge(&ops::edge_request(&flow, &edge, &a, &b, revision))
        .await;
    let (expected, ok) = stale(cx.family);
    cx.check(
        "stage_dependency_edge",
        "the same edge again, at the old revision",
        expected,
        &r,
        ok(&r),
    );
    let r = c
        .stage_dependency_edge(&ops::edge_request(
            &flow,
            &ops::new_uuid(),
            &a,
            &a,
            revision + 1,
        ))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 (server quirk: the backend script fails)",
            matches!(&r, Err(SdkError::AdminApi { status: 500, .. })),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 self_referencing_edge",
            ops::is_api(&r, 400, "self_referencing_edge"),
        ),
    };
    cx.check("stage_dependency_edge", "a -> a", expected, &r, ok);
    let r = c
        .stage_dependency_edge(&ops::edge_request(&flow, &edge, &a, &b, revision + 1))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 dependency_already_exists (a script error), retryable",
            ops::is_script_error(&r, "dependency_already_exists"),
        ),
        Family::Postgres => (
            "409 dependency_already_exists",
            ops::is_api_kind(&r, 409, "dependency_already_exists", false),
        ),
        Family::Sqlite => (
            "400 invalid_input: dependency_already_exists",
            ops::is_api(&r, 400, "dependency_already_exists"),
        ),
    };
    cx.check(
        "stage_dependency_edge",
        "the same edge id again, at the current revision",
        expected,
        &r,
        ok,
    );
    let outsider = ops::execution_id_on(partition);
    ops::create(c, &outsider, "ops-flow").await.expect("create");
    let r = c
        .stage_dependency_edge(&ops::edge_request(
            &flow,
            &ops::new_uuid(),
            &a,
            &outsider,
            revision + 1,
        ))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 execution_not_in_flow (a script error), retryable",
            ops::is_script_error(&r, "execution_not_in_flow"),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: execution_not_in_flow",
            ops::is_api(&r, 400, "execution_not_in_flow"),
        ),
    };
    cx.check(
        "stage_dependency_edge",
        "downstream not a member",
        expected,
        &r,
        ok,
    );

    let apply = ops::apply_request(&flow, &edge, &a, &b, revision + 1);
    let r = c.apply_dependency_to_child(&apply).await;
    cx.check(
        "apply_dependency_to_child",
        "staged edge",
        "200 Applied, 1 unsatisfied upstream",
        &r,
        matches!(
            r,
            Ok(ApplyDependencyToChildResponse::Applied {
                unsatisfied_count: 1
            })
        ),
    );
    let r = c.apply_dependency_to_child(&apply).await;
    cx.check(
        "apply_dependency_to_child",
        "again",
        "200 \"AlreadyApplied\"",
        &r,
        matches!(r, Ok(ApplyDependencyToChildResponse::AlreadyApplied)),
    );
    let r = c.get_execution(&b).await;
    let (expected, ok) = match cx.family {
        Family::Postgres | Family::Sqlite => (
            "Some(info): unchanged, waiting and eligible (the edge is recorded only)",
            matches!(&r, Ok(Some(i)) if i.public_state == PublicState::Waiting
                && i.state_vector.eligibility_state == "eligible_now"),
        ),
        Family::Valkey => (
            "Some(info): waiting_children, blocked by dependencies",
            matches!(&r, Ok(Some(i)) if i.public_state == PublicState::WaitingChildren
                && i.state_vector.eligibility_state == "blocked_by_dependencies"),
        ),
    };
    cx.check(
        "get_execution",
        "downstream of an applied edge",
        expected,
        &r,
        ok,
    );
    let r = c
        .apply_dependency_to_child(&ops::apply_request(
            &flow,
            UNKNOWN_UUID,
            &a,
            &b,
            revision + 1,
        ))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 Applied: Valkey records an unknown edge id as one more unsatisfied upstream",
            matches!(
                r,
                Ok(ApplyDependencyToChildResponse::Applied {
                    unsatisfied_count: 2
                })
            ),
        ),
        Family::Postgres | Family::Sqlite => {
            ("400 edge_not_found", ops::is_api(&r, 400, "edge_not_found"))
        }
    };
    cx.check(
        "apply_dependency_to_child",
        "unknown edge",
        expected,
        &r,
        ok,
    );
}

/// Waits (up to 10 s) until every id in `ids` reads as cancelled.
async fn all_cancelled(cx: &Ctx, ids: &[String]) -> bool {
    for _ in 0..50 {
        let mut done = true;
        for id in ids {
            let state = cx.client.get_execution_state(id).await;
            done &= matches!(state, Ok(Some(PublicState::Cancelled)));
        }
        if done {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

async fn cancellation(cx: &Ctx) {
    let c = &cx.client;

    // cancel_all without waiting: scheduled, the members follow.
    let (flow, members) = flow_with_members(cx, 2).await;
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_all"), false)
        .await;
    cx.check(
        "cancel_flow",
        "cancel_all, no wait, 2 members",
        "200 CancellationScheduled, member_count 2, both members listed",
        &r,
        matches!(&r, Ok(CancelFlowResponse::CancellationScheduled { cancellation_policy, member_count: 2, member_execution_ids })
            if cancellation_policy == "cancel_all" && sorted(member_execution_ids) == sorted(&members)),
    );
    let done = all_cancelled(cx, &members).await;
    cx.check(
        "get_execution_state",
        "members of a flow cancelled without waiting",
        "Cancelled, soon",
        &done,
        done,
    );

    // cancel_all, waiting: cancelled before the answer.
    let (flow, members) = flow_with_members(cx, 2).await;
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_all"), true)
        .await;
    cx.check(
        "cancel_flow",
        "cancel_all, wait, 2 members",
        "200 Cancelled, both members listed",
        &r,
        matches!(&r, Ok(CancelFlowResponse::Cancelled { cancellation_policy, member_execution_ids })
            if cancellation_policy == "cancel_all" && sorted(member_execution_ids) == sorted(&members)),
    );
    let states: Vec<_> =
        futures_util::future::join_all(members.iter().map(|id| c.get_execution_state(id))).await;
    cx.check(
        "get_execution_state",
        "members of a flow cancelled with wait",
        "Cancelled, already",
        &states,
        states
            .iter()
            .all(|s| matches!(s, Ok(Some(PublicState::Cancelled)))),
    );
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_all"), true)
        .await;
    cx.check(
        "cancel_flow",
        "the cancelled flow again",
        "200 Cancelled, members listed",
        &r,
        matches!(&r, Ok(CancelFlowResponse::Cancelled { member_execution_ids, .. })
            if sorted(member_execution_ids) == sorted(&members)),
    );
    let late = ops::execution_id_on(ops::member_partition(&cx.live, &flow));
    ops::create(c, &late, "ops-flow").await.expect("create");
    let r = c
        .add_execution_to_flow(&ops::member_request(&flow, &late))
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "500 flow_already_terminal (a script error), retryable",
            ops::is_script_error(&r, "flow_already_terminal"),
        ),
        Family::Postgres | Family::Sqlite => (
            "400 invalid_input: flow_already_terminal",
            ops::is_api(&r, 400, "flow_already_terminal"),
        ),
    };
    cx.check("add_execution_to_flow", "cancelled flow", expected, &r, ok);

    // cancel_all, waiting, one member cancelled before.
    let (flow, members) = flow_with_members(cx, 2).await;
    c.cancel_execution(&ops::cancel_request(&members[0]))
        .await
        .expect("cancel one member");
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_all"), true)
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "200 PartiallyCancelled, the member cancelled before failed (Valkey's cancel is not idempotent)",
            matches!(&r, Ok(CancelFlowResponse::PartiallyCancelled { member_execution_ids, failed_member_execution_ids, .. })
                if sorted(member_execution_ids) == sorted(&members) && *failed_member_execution_ids == members[..1]),
        ),
        Family::Postgres | Family::Sqlite => (
            "200 Cancelled, listing the one member it cancelled",
            matches!(&r, Ok(CancelFlowResponse::Cancelled { member_execution_ids, .. })
                if *member_execution_ids == members[1..]),
        ),
    };
    cx.check(
        "cancel_flow",
        "cancel_all, wait, one member cancelled before",
        expected,
        &r,
        ok,
    );

    // Another policy cancels the flow alone.
    let (flow, members) = flow_with_members(cx, 1).await;
    let r = c
        .cancel_flow(&ops::cancel_flow_request(&flow, "cancel_flow_only"), true)
        .await;
    cx.check(
        "cancel_flow",
        "policy cancel_flow_only, wait",
        "200 Cancelled with that policy",
        &r,
        matches!(&r, Ok(CancelFlowResponse::Cancelled { cancellation_policy, .. }) if cancellation_policy == "cancel_flow_only"),
    );
    let r = c.get_execution_state(&members[0]).await;
    let (expected, ok) = match cx.family {
        Family::Postgres | Family::Sqlite => (
            "Some(Cancelled): the members are cancelled whatever the policy",
            matches!(r, Ok(Some(PublicState::Cancelled))),
        ),
        Family::Valkey => (
            "Some(Waiting): untouched",
            matches!(r, Ok(Some(PublicState::Waiting))),
        ),
    };
    cx.check(
        "get_execution_state",
        "member of a flow cancelled alone",
        expected,
        &r,
        ok,
    );

    let r = c
        .cancel_flow(&ops::cancel_flow_request(UNKNOWN_UUID, "cancel_all"), true)
        .await;
    let (expected, ok) = match cx.family {
        Family::Valkey => (
            "400 invalid_input: ff_cancel_flow failed: flow_not_found",
            ops::is_api(&r, 400, "flow_not_found"),
        ),
        Family::Postgres | Family::Sqlite => (
            "404 not found: flow",
            ops::is_api(&r, 404, "not found: flow"),
        ),
    };
    cx.check("cancel_flow", "unknown flow", expected, &r, ok);
    let r = c
        .cancel_flow(
            &ops::cancel_flow_request(MALFORMED_UUID, "cancel_all"),
            true,
        )
        .await;
    cx.check(
        "cancel_flow",
        "malformed flow id (in path and body)",
        "422 (the body's flow_id does not parse)",
        &r,
        ops::is_unprocessable(&r),
    );
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}
