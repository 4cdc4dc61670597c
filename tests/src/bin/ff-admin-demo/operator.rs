//! The operator's chapters: an execution created, inspected,
//! reprioritised, cancelled and replayed; a worker's stream and result;
//! flows; budgets and quotas; metrics.

use ff_admin::{
    ApplyDependencyToChildResponse, CancelExecutionResponse, CancelFlowResponse,
    ChangePriorityResponse, CreateBudgetResponse, CreateExecutionResponse, CreateFlowResponse,
    CreateQuotaPolicyResponse, FlowFabricAdminClient, PublicState, ReplayExecutionResponse,
    ReportUsageResponse, ResetBudgetResponse, SdkError, StageDependencyEdgeResponse, StreamRange,
    StreamTail,
};
use ff_admin_contract_tests::live_ops::{self as ops, Worker};

use crate::{Session, LANE};

/// Creates an execution, reads it every way, and finds it in the listing.
pub(crate) async fn inspect(s: &mut Session) -> anyhow::Result<()> {
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
pub(crate) async fn operate(s: &mut Session) -> anyhow::Result<()> {
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
pub(crate) async fn output(s: &mut Session) -> anyhow::Result<()> {
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
pub(crate) async fn flows(s: &mut Session) -> anyhow::Result<()> {
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
pub(crate) async fn budgets(s: &mut Session) -> anyhow::Result<()> {
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

pub(crate) async fn metrics(s: &mut Session) -> anyhow::Result<()> {
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
