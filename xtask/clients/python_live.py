"""Drives the live ff-server (Valkey backend) through the Python client that
openapi-python-client generates from openapi.yaml, asserting every typed
answer: secret rotation, reclaim, an execution's lifecycle (create, read,
claim, cancel, result, replay), a budget's (create, report usage, status,
reset) and a flow's (create, add members on its partition).

Usage: python_live.py <base-url> <token>"""

import binascii
import sys
import time
import uuid

from ff_admin_client import AuthenticatedClient
from ff_admin_client.api.admin import rotate_waitpoint_secret
from ff_admin_client.api.budgets import (
    create_budget,
    get_budget_status,
    report_usage,
    reset_budget,
)
from ff_admin_client.api.executions import (
    cancel_execution,
    create_execution,
    get_execution,
    get_execution_result,
    get_execution_state,
    issue_reclaim_grant,
    list_pending_waitpoints,
    replay_execution,
)
from ff_admin_client.api.flows import add_execution_to_flow, create_flow
from ff_admin_client.api.workers import claim_for_worker
from ff_admin_client.models import (
    AddExecutionToFlowRequest,
    BudgetCreated,
    BudgetReset,
    BudgetStatus,
    CancelExecutionRequest,
    ClaimForWorkerRequest,
    ClaimForWorkerResponse,
    CreateBudgetRequest,
    CreateExecutionRequest,
    CreateFlowRequest,
    ErrorBody,
    ExecutionCancelled,
    ExecutionCreated,
    ExecutionDuplicate,
    ExecutionInfo,
    ExecutionReplayed,
    FlowCreated,
    FlowMemberAdded,
    FlowMemberAlreadyPresent,
    IssueReclaimGrantRequest,
    PublicState,
    ReclaimNotReclaimable,
    ReportUsageRequest,
    ReportUsageRequestDimensions,
    RotateWaitpointSecretRequest,
    RotateWaitpointSecretResponse,
    UsageAccepted,
    UsageSoftBreach,
)

# ff-live-server runs ff-server with its default partition counts.
FLOW_PARTITIONS = 256

# A claim scans 32 flow partitions per call and moves that window every
# 250 ms: covering 256 partitions takes 8 windows; a few more for margin.
CLAIM_POLLS = 12
CLAIM_POLL_INTERVAL_S = 0.26


def now_ms() -> int:
    return int(time.time() * 1000)


def flow_partition(flow_id: str) -> int:
    """The flow partition of `flow_id` on Valkey and Postgres, as ff-core
    0.15 computes it (`partition::flow_partition`): CRC-16/XMODEM of the
    UUID's 16 bytes, modulo the number of flow partitions. Python's
    `binascii.crc_hqx(data, 0)` is that CRC."""
    return binascii.crc_hqx(uuid.UUID(flow_id).bytes, 0) % FLOW_PARTITIONS


def step(label: str, detail: str) -> None:
    print(f"python: {label} -> {detail}")


def new_execution(client: AuthenticatedClient, partition: int, lane: str) -> str:
    """Creates an execution on `partition` and `lane`; returns its id."""
    execution_id = f"{{fp:{partition}}}:{uuid.uuid4()}"
    created = create_execution.sync_detailed(
        client=client,
        body=CreateExecutionRequest(
            execution_id=execution_id,
            namespace="default",
            lane_id=lane,
            execution_kind="python",
            input_payload=[104, 105],
            priority=0,
            creator_identity="python_live",
            partition_id=partition,
            now=now_ms(),
        ),
    )
    assert created.status_code == 201, created
    assert isinstance(created.parsed, ExecutionCreated), created.parsed
    assert created.parsed.created.execution_id == execution_id
    assert created.parsed.created.public_state == PublicState.WAITING
    return execution_id


def rotation(client: AuthenticatedClient, base: str) -> None:
    rotated = rotate_waitpoint_secret.sync_detailed(
        client=client,
        body=RotateWaitpointSecretRequest(new_kid="py-kid", new_secret_hex="c3" * 32),
    )
    assert rotated.status_code == 200, rotated
    assert isinstance(rotated.parsed, RotateWaitpointSecretResponse), rotated.parsed
    assert rotated.parsed.rotated >= 1 and rotated.parsed.failed == [], rotated.parsed
    step("rotate", f"rotated={rotated.parsed.rotated} new_kid={rotated.parsed.new_kid}")

    bad = rotate_waitpoint_secret.sync_detailed(
        client=client,
        body=RotateWaitpointSecretRequest(new_kid="a:b", new_secret_hex="c3" * 32),
    )
    assert bad.status_code == 400 and isinstance(bad.parsed, ErrorBody), bad
    step("rotate bad kid", f"400 {bad.parsed.error!r}")

    anonymous = rotate_waitpoint_secret.sync_detailed(
        client=AuthenticatedClient(base_url=base, token="wrong"),
        body=RotateWaitpointSecretRequest(new_kid="py-kid", new_secret_hex="c3" * 32),
    )
    assert anonymous.status_code == 401, anonymous
    assert isinstance(anonymous.parsed, ErrorBody), anonymous.parsed
    step("rotate with a wrong token", "401")


def reclaim(client: AuthenticatedClient) -> None:
    def ask(target: str):
        return issue_reclaim_grant.sync_detailed(
            execution_id=target,
            client=client,
            body=IssueReclaimGrantRequest(
                worker_id="py-worker",
                worker_instance_id="py-worker-1",
                lane_id="python-reclaim",
                grant_ttl_ms=1000,
            ),
        )

    execution_id = new_execution(client, 0, "python-reclaim")
    fresh = ask(execution_id)
    assert fresh.status_code == 200, fresh
    assert isinstance(fresh.parsed, ReclaimNotReclaimable), fresh.parsed
    assert fresh.parsed.execution_id == execution_id
    step("reclaim fresh", f"not_reclaimable ({fresh.parsed.detail})")

    missing = ask(f"{{fp:0}}:{uuid.uuid4()}")
    assert missing.status_code == 404 and isinstance(missing.parsed, ErrorBody), missing
    step("reclaim unknown", f"404 {missing.parsed.error!r}")


def execution_lifecycle(client: AuthenticatedClient) -> None:
    # A lane of its own, so that the claim below can only grant this one.
    lane = f"py-lane-{uuid.uuid4().hex[:8]}"
    execution_id = new_execution(client, 5, lane)
    step("create execution", f"201 Created {execution_id}")

    again = create_execution.sync_detailed(
        client=client,
        body=CreateExecutionRequest(
            execution_id=execution_id,
            namespace="default",
            lane_id=lane,
            execution_kind="python",
            input_payload=[104, 105],
            priority=0,
            creator_identity="python_live",
            partition_id=5,
            now=now_ms(),
        ),
    )
    assert again.status_code == 200, again
    assert isinstance(again.parsed, ExecutionDuplicate), again.parsed
    assert again.parsed.duplicate.execution_id == execution_id
    step("create it again", "200 Duplicate")

    info = get_execution.sync_detailed(execution_id, client=client)
    assert info.status_code == 200, info
    assert isinstance(info.parsed, ExecutionInfo), info.parsed
    assert info.parsed.execution_id == execution_id
    assert info.parsed.lane_id == lane and info.parsed.namespace == "default"
    assert info.parsed.public_state == PublicState.WAITING
    assert info.parsed.state_vector.lifecycle_phase == "runnable", info.parsed.state_vector
    assert info.parsed.flow_id is None
    step("get execution", f"200 {info.parsed.state_vector.lifecycle_phase}/{info.parsed.public_state}")

    state = get_execution_state.sync_detailed(execution_id, client=client)
    assert state.status_code == 200 and state.parsed == PublicState.WAITING, state
    step("get state", f"200 {state.parsed}")

    waitpoints = list_pending_waitpoints.sync_detailed(execution_id, client=client)
    assert waitpoints.status_code == 200 and waitpoints.parsed == [], waitpoints
    step("pending waitpoints", "200 []")

    claim_body = ClaimForWorkerRequest(
        lane_id=lane, worker_instance_id="py-worker-1", grant_ttl_ms=30_000
    )
    grant = None
    for poll in range(1, CLAIM_POLLS + 1):
        claimed = claim_for_worker.sync_detailed("py-worker", client=client, body=claim_body)
        if claimed.status_code == 200:
            grant = claimed.parsed
            break
        assert claimed.status_code == 204 and claimed.parsed is None, claimed
        time.sleep(CLAIM_POLL_INTERVAL_S)
    assert isinstance(grant, ClaimForWorkerResponse), f"no grant after {CLAIM_POLLS} polls"
    assert grant.execution_id == execution_id, grant
    assert grant.partition_key == "{fp:5}" and grant.expires_at_ms > now_ms(), grant
    step("claim", f"200 grant for {grant.execution_id} after {poll} poll(s)")

    cancelled = cancel_execution.sync_detailed(
        execution_id,
        client=client,
        body=CancelExecutionRequest(execution_id=execution_id, reason="python_live", now=now_ms()),
    )
    assert cancelled.status_code == 200, cancelled
    assert isinstance(cancelled.parsed, ExecutionCancelled), cancelled.parsed
    assert cancelled.parsed.cancelled.execution_id == execution_id
    assert cancelled.parsed.cancelled.public_state == PublicState.CANCELLED
    step("cancel", "200 Cancelled")

    state = get_execution_state.sync_detailed(execution_id, client=client)
    assert state.status_code == 200 and state.parsed == PublicState.CANCELLED, state
    step("get state", f"200 {state.parsed}")

    result = get_execution_result.sync_detailed(execution_id, client=client)
    assert result.status_code == 404 and isinstance(result.parsed, ErrorBody), result
    assert result.parsed.error == f"execution result not found: {execution_id}", result.parsed
    step("get result", f"404 {result.parsed.error!r} (no result)")

    replayed = replay_execution.sync_detailed(execution_id, client=client)
    assert replayed.status_code == 200, replayed
    assert isinstance(replayed.parsed, ExecutionReplayed), replayed.parsed
    assert replayed.parsed.replayed.public_state == PublicState.WAITING
    step("replay the cancelled execution (Valkey)", "200 Replayed waiting")


def budget_lifecycle(client: AuthenticatedClient) -> None:
    budget_id = str(uuid.uuid4())
    created = create_budget.sync_detailed(
        client=client,
        body=CreateBudgetRequest(
            budget_id=budget_id,
            scope_type="lane",
            scope_id="python",
            enforcement_mode="strict",
            on_hard_limit="fail",
            on_soft_limit="warn",
            reset_interval_ms=3_600_000,
            dimensions=["tokens"],
            hard_limits=[1000],
            soft_limits=[800],
            now=now_ms(),
        ),
    )
    assert created.status_code == 201, created
    assert isinstance(created.parsed, BudgetCreated), created.parsed
    assert created.parsed.created.budget_id == budget_id
    step("create budget", f"201 Created {budget_id}")

    def report(tokens: int, dedup_key: str | None = None):
        dimensions = ReportUsageRequestDimensions()
        dimensions["tokens"] = tokens
        body = ReportUsageRequest(dimensions=dimensions, now=now_ms())
        if dedup_key is not None:
            body.dedup_key = dedup_key
        answer = report_usage.sync_detailed(budget_id, client=client, body=body)
        assert answer.status_code == 200, answer
        return answer.parsed

    first = report(10, "py-report-1")
    assert first == UsageAccepted.OK, first
    step("report 10 tokens", f"200 {first}")
    repeat = report(10, "py-report-1")
    assert repeat == UsageAccepted.ALREADYAPPLIED, repeat
    step("report them again, same dedup_key", f"200 {repeat}")
    soft = report(850)
    assert isinstance(soft, UsageSoftBreach), soft
    assert soft.soft_breach.dimension == "tokens", soft
    assert soft.soft_breach.current_usage == 860 and soft.soft_breach.soft_limit == 800, soft
    step("report 850 more", "200 SoftBreach tokens 860 > 800")

    status = get_budget_status.sync_detailed(budget_id, client=client)
    assert status.status_code == 200 and isinstance(status.parsed, BudgetStatus), status
    assert status.parsed.budget_id == budget_id
    assert status.parsed.usage["tokens"] == 860, status.parsed.usage
    assert status.parsed.hard_limits["tokens"] == 1000 and status.parsed.soft_limits["tokens"] == 800
    assert status.parsed.soft_breach_count == 1 and status.parsed.breach_count == 0, status.parsed
    step("budget status", "200 usage 860, 1 soft breach")

    before = now_ms()
    reset = reset_budget.sync_detailed(budget_id, client=client)
    assert reset.status_code == 200 and isinstance(reset.parsed, BudgetReset), reset
    assert reset.parsed.reset.next_reset_at > before, reset.parsed
    step("reset budget", f"200 next reset at {reset.parsed.reset.next_reset_at}")

    status = get_budget_status.sync_detailed(budget_id, client=client)
    assert status.status_code == 200 and isinstance(status.parsed, BudgetStatus), status
    assert status.parsed.usage.additional_properties.get("tokens", 0) == 0, status.parsed.usage
    step("budget status", "200 usage 0 after the reset")


def flow_lifecycle(client: AuthenticatedClient) -> None:
    flow_id = str(uuid.uuid4())
    created = create_flow.sync_detailed(
        client=client,
        body=CreateFlowRequest(flow_id=flow_id, flow_kind="pipeline", namespace="default", now=now_ms()),
    )
    assert created.status_code == 201, created
    assert isinstance(created.parsed, FlowCreated), created.parsed
    assert created.parsed.created.flow_id == flow_id
    partition = flow_partition(flow_id)
    step("create flow", f"201 Created {flow_id} (partition {partition})")

    member = new_execution(client, partition, "python-flow")

    def add(execution_id: str):
        return add_execution_to_flow.sync_detailed(
            flow_id,
            client=client,
            body=AddExecutionToFlowRequest(flow_id=flow_id, execution_id=execution_id, now=now_ms()),
        )

    added = add(member)
    assert added.status_code == 201, added
    assert isinstance(added.parsed, FlowMemberAdded), added.parsed
    assert added.parsed.added.execution_id == member and added.parsed.added.new_node_count == 1
    step("add member on the flow's partition", "201 Added, 1 node")

    again = add(member)
    assert again.status_code == 200, again
    assert isinstance(again.parsed, FlowMemberAlreadyPresent), again.parsed
    assert again.parsed.already_member.node_count == 1, again.parsed
    step("add it again", "200 AlreadyMember")

    info = get_execution.sync_detailed(member, client=client)
    assert info.status_code == 200 and isinstance(info.parsed, ExecutionInfo), info
    assert info.parsed.flow_id == flow_id, info.parsed.flow_id
    step("get member", f"200 flow_id {info.parsed.flow_id}")

    elsewhere = new_execution(client, (partition + 1) % FLOW_PARTITIONS, "python-flow")
    refused = add(elsewhere)
    assert refused.status_code == 400 and isinstance(refused.parsed, ErrorBody), refused
    assert f"flow_id's partition {partition}" in refused.parsed.error, refused.parsed.error
    step("add an execution of another partition", "400 partition mismatch")


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    client = AuthenticatedClient(base_url=base, token=token)
    rotation(client, base)
    reclaim(client)
    execution_lifecycle(client)
    budget_lifecycle(client)
    flow_lifecycle(client)
    print("python: every step passed")


if __name__ == "__main__":
    main()
