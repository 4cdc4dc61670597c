//! The built `ff-admin` binary against typed mocks of ff-server
//! (ff-admin-mock): every exit code, both output modes, every source of the
//! token and the secret, and the token kept out of every output.

mod support;

use std::time::Duration;

use ff_admin_contract_tests::spec_doc::{self, Operation};
use ff_admin_mock::{answers, types, MockServerExt as _};
use httpmock::MockServer;
use serde_json::{json, Value};
use support::{Cli, TempFile};

const TOKEN: &str = "cli-token-5d8e2b";
const EXEC: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const WAITPOINT: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

fn cli(server: &MockServer) -> Cli {
    Cli::new(&server.base_url()).env("FF_API_TOKEN", TOKEN)
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn claim_args(worker: &str) -> Vec<String> {
    [
        "claim-for-worker",
        "--worker-id",
        worker,
        "--lane-id",
        "lane-a",
        "--worker-instance-id",
        "w1-i1",
        "--capabilities",
        "gpu",
        "--capabilities",
        "x86",
        "--grant-ttl-ms",
        "5000",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn claim_body() -> types::ClaimForWorkerRequest {
    types::ClaimForWorkerRequest {
        lane_id: "lane-a".into(),
        worker_instance_id: "w1-i1".into(),
        capabilities: vec!["gpu".into(), "x86".into()],
        grant_ttl_ms: 5000,
    }
}

fn reclaim_args() -> Vec<String> {
    [
        "issue-reclaim-grant",
        "--execution-id",
        EXEC,
        "--worker-id",
        "w1",
        "--worker-instance-id",
        "w1-i2",
        "--lane-id",
        "lane-a",
        "--grant-ttl-ms",
        "30000",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn reclaim_body() -> types::IssueReclaimGrantRequest {
    types::IssueReclaimGrantRequest {
        worker_id: "w1".into(),
        worker_instance_id: "w1-i2".into(),
        lane_id: "lane-a".into(),
        capability_hash: None,
        grant_ttl_ms: 30_000,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec![],
    }
}

/// One successful call of an operation: the command line, its mock (which
/// checks the request), the response body and the human output.
struct Case {
    id: &'static str,
    args: Vec<String>,
    stdin: &'static str,
    mock: fn(&MockServer) -> httpmock::Mock<'_>,
    expect: Expect,
}

/// What a successful run prints.
enum Expect {
    /// `--output json` prints exactly `body`, the default `human`.
    Json { body: Value, human: &'static str },
    /// A body that is not JSON: both modes print exactly these bytes.
    Raw(&'static [u8]),
}

fn success_cases() -> Vec<Case> {
    let mut cases = first_cases();
    cases.extend(execution_cases());
    cases.extend(flow_budget_cases());
    cases
}

/// The five operations the CLI started with.
fn first_cases() -> Vec<Case> {
    vec![
        Case {
            id: "claim_for_worker",
            args: claim_args("pool/w 1"),
            stdin: "",
            mock: |server| {
                server.claim_for_worker(|when, then| {
                    when.worker_id("pool/w 1")
                        .body(&claim_body())
                        .into_inner()
                        .header("authorization", bearer());
                    then.ok(&answers::claim_grant(EXEC, "ff:exec:g1", 1_764_000_000_000));
                })
            },
            expect: Expect::Json {
                body: json!({
                    "execution_id": EXEC,
                    "partition_key": "{fp:7}",
                    "grant_key": "ff:exec:g1",
                    "expires_at_ms": 1_764_000_000_000u64,
                }),
                human: "execution_id: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\n\
                    expires_at_ms: 1764000000000\ngrant_key: ff:exec:g1\npartition_key: {fp:7}\n",
            },
        },
        Case {
            id: "rotate_waitpoint_secret",
            args: [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k2",
                "--secret-file",
                "-",
            ]
            .map(str::to_owned)
            .to_vec(),
            stdin: "abababababababababababababababababababababababababababababababab\n",
            mock: |server| {
                server.rotate_waitpoint_secret(|when, then| {
                    when.body(&types::RotateWaitpointSecretRequest {
                        new_kid: "k2".into(),
                        new_secret_hex: "ab".repeat(32),
                    })
                    .into_inner()
                    .header("authorization", bearer());
                    then.ok(&types::RotateWaitpointSecretResponse {
                        rotated: 256,
                        failed: vec![3, 9],
                        new_kid: "k2".into(),
                    });
                })
            },
            expect: Expect::Json {
                body: json!({"rotated": 256, "failed": [3, 9], "new_kid": "k2"}),
                human: "failed: 3, 9\nnew_kid: k2\nrotated: 256\n",
            },
        },
        Case {
            id: "issue_reclaim_grant",
            args: reclaim_args(),
            stdin: "",
            mock: |server| {
                server.issue_reclaim_grant(|when, then| {
                    when.execution_id(EXEC)
                        .body(&reclaim_body())
                        .into_inner()
                        .header("authorization", bearer());
                    then.granted(EXEC, "lane-a", "g-1", 99);
                })
            },
            expect: Expect::Json {
                body: json!({
                    "status": "granted",
                    "execution_id": EXEC,
                    "partition_key": "{fp:7}",
                    "grant_key": "g-1",
                    "expires_at_ms": 99,
                    "lane_id": "lane-a",
                }),
                human:
                    "execution_id: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\nexpires_at_ms: 99\n\
                    grant_key: g-1\nlane_id: lane-a\npartition_key: {fp:7}\nstatus: granted\n",
            },
        },
        Case {
            id: "read_waitpoint_token",
            args: [
                "read-waitpoint-token",
                "--execution-id",
                EXEC,
                "--waitpoint-id",
                WAITPOINT,
            ]
            .map(str::to_owned)
            .to_vec(),
            stdin: "",
            mock: |server| {
                server.read_waitpoint_token(|when, then| {
                    when.execution_id(EXEC)
                        .waitpoint_id(WAITPOINT)
                        .into_inner()
                        .header("authorization", bearer());
                    then.token("k2:00ff");
                })
            },
            expect: Expect::Json {
                body: json!({"token": "k2:00ff"}),
                human: "k2:00ff\n",
            },
        },
        Case {
            id: "healthz",
            args: vec!["healthz".to_owned()],
            stdin: "",
            mock: |server| {
                server.healthz(|_, then| {
                    then.ok(&types::HealthResponse {
                        status: types::HealthResponseStatus::Ok,
                    });
                })
            },
            expect: Expect::Json {
                body: json!({"status": "ok"}),
                human: "status: ok\n",
            },
        },
    ]
}

// Executions, flows, budgets, quotas and metrics.

const EXEC_2: &str = "{fp:7}:00000000-0000-4000-8000-0000000000b2";
const FLOW: &str = "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b";
const EDGE: &str = "9e8d7c6b-5a49-4382-9716-0f1e2d3c4b5a";
const BUDGET: &str = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
const QUOTA: &str = "1f2e3d4c-5b6a-4798-8877-665544332211";
const SIGNAL: &str = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
const NOW: i64 = 1_764_000_000_000;
const RESULT_BYTES: &[u8] = b"\x00\xff{\"not\":\"json\"";
const METRICS: &str = "# TYPE ff_http_requests_total counter\nff_http_requests_total 3\n";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| (*a).to_owned()).collect()
}

fn exec_id(id: &str) -> String {
    id.into()
}

fn uuid(id: &str) -> String {
    id.into()
}

/// Matches the bearer token the CLI sends.
fn authed<W>(when: W) -> httpmock::When
where
    W: Into<httpmock::When>,
{
    when.into().header("authorization", bearer())
}

/// The body `create-execution` sends for [`create_execution_args`], with
/// `input_payload` and `priority` given.
fn create_execution_body(input_payload: Vec<u8>, priority: i32) -> types::CreateExecutionRequest {
    types::CreateExecutionRequest {
        creator_identity: "ops".into(),
        delay_until: None,
        execution_deadline_at: None,
        execution_id: exec_id(EXEC),
        execution_kind: "email".into(),
        idempotency_key: None,
        input_payload,
        lane_id: "lane-a".into(),
        namespace: "tenant-a".into(),
        now: NOW,
        partition_id: 7,
        payload_encoding: None,
        policy: Some(types::ExecutionPolicy {
            max_replay_count: Some(3),
            ..Default::default()
        }),
        priority,
        tags: [("team".to_owned(), "core".to_owned())].into(),
    }
}

fn create_execution_args() -> Vec<String> {
    args(&[
        "create-execution",
        "--execution-id",
        EXEC,
        "--namespace",
        "tenant-a",
        "--lane-id",
        "lane-a",
        "--execution-kind",
        "email",
        "--input-payload",
        "104",
        "--input-payload",
        "105",
        "--priority",
        "5",
        "--creator-identity",
        "ops",
        "--tags",
        r#"{"team":"core"}"#,
        "--policy",
        r#"{"max_replay_count":3}"#,
        "--partition-id",
        "7",
        "--now",
        "1764000000000",
    ])
}

fn execution_info() -> types::ExecutionInfo {
    types::ExecutionInfo {
        blocking_detail: String::new(),
        completed_at: None,
        created_at: NOW.to_string(),
        current_attempt_index: 0,
        execution_id: exec_id(EXEC),
        execution_kind: "email".into(),
        flow_id: None,
        lane_id: "lane-a".into(),
        namespace: "tenant-a".into(),
        priority: 5,
        public_state: types::PublicState::Waiting,
        started_at: None,
        state_vector: types::StateVector {
            attempt_state: "pending_first_attempt".into(),
            blocking_reason: "waiting_for_worker".into(),
            eligibility_state: "eligible_now".into(),
            lifecycle_phase: "runnable".into(),
            ownership_state: "unowned".into(),
            public_state: types::PublicState::Waiting,
            terminal_outcome: "none".into(),
        },
    }
}

fn pending_waitpoint() -> types::PendingWaitpoint {
    types::PendingWaitpoint {
        activated_at: None,
        created_at: NOW,
        execution_id: exec_id(EXEC),
        expires_at: None,
        required_signal_names: vec!["approved".into()],
        state: "pending".into(),
        token_fingerprint: "00ff00ff00ff00ff".into(),
        token_kid: "k2".into(),
        waitpoint_id: uuid(WAITPOINT),
        waitpoint_key: "approval".into(),
    }
}

fn frames() -> types::StreamFrames {
    types::StreamFrames {
        closed_at: None,
        closed_reason: None,
        count: 1,
        frames: vec![types::StreamFrame {
            fields: [("payload".to_owned(), "hello".to_owned())].into(),
            id: "1764000000001-0".into(),
        }],
    }
}

const FRAMES_HUMAN: &str =
    "count: 1\nframes: [{\"fields\":{\"payload\":\"hello\"},\"id\":\"1764000000001-0\"}]\n";

fn frames_json() -> Value {
    json!({"count": 1, "frames": [{"id": "1764000000001-0", "fields": {"payload": "hello"}}]})
}

fn budget_status() -> types::BudgetStatus {
    types::BudgetStatus {
        breach_count: 0,
        budget_id: BUDGET.into(),
        created_at: Some(NOW.to_string()),
        enforcement_mode: "strict".into(),
        hard_limits: [("tokens".to_owned(), 1000)].into(),
        last_breach_at: None,
        last_breach_dim: None,
        next_reset_at: None,
        scope_id: "lane-a".into(),
        scope_type: "lane".into(),
        soft_breach_count: 0,
        soft_limits: [("tokens".to_owned(), 800)].into(),
        usage: [("tokens".to_owned(), 50)].into(),
    }
}

fn execution_cases() -> Vec<Case> {
    vec![
        Case {
            id: "list_executions",
            args: args(&["list-executions", "--partition", "7", "--cursor", EXEC_2, "--limit", "2"]),
            stdin: "",
            mock: |server| {
                server.list_executions(|when, then| {
                    authed(when.partition(7).cursor(&exec_id(EXEC_2)).limit(2).into_inner());
                    then.ok(&types::ExecutionPage {
                        executions: vec![exec_id(EXEC)],
                        next_cursor: None,
                    });
                })
            },
            expect: Expect::Json {
                body: json!({"executions": [EXEC], "next_cursor": null}),
                human: "executions: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\nnext_cursor: -\n",
            },
        },
        Case {
            id: "create_execution",
            args: create_execution_args(),
            stdin: "",
            mock: |server| {
                server.create_execution(|when, then| {
                    authed(when.body(&create_execution_body(b"hi".to_vec(), 5)).into_inner());
                    then.created(&types::CreateExecutionResponse::Created {
                            execution_id: exec_id(EXEC),
                            public_state: types::PublicState::Waiting,
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Created": {"execution_id": EXEC, "public_state": "waiting"}}),
                human: "Created: {\"execution_id\":\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\",\
                        \"public_state\":\"waiting\"}\n",
            },
        },
        Case {
            id: "get_execution",
            args: args(&["get-execution", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.get_execution(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(&execution_info());
                })
            },
            expect: Expect::Json {
                body: json!({
                    "execution_id": EXEC,
                    "namespace": "tenant-a",
                    "lane_id": "lane-a",
                    "priority": 5,
                    "execution_kind": "email",
                    "state_vector": {
                        "lifecycle_phase": "runnable",
                        "ownership_state": "unowned",
                        "eligibility_state": "eligible_now",
                        "blocking_reason": "waiting_for_worker",
                        "terminal_outcome": "none",
                        "attempt_state": "pending_first_attempt",
                        "public_state": "waiting",
                    },
                    "public_state": "waiting",
                    "created_at": "1764000000000",
                    "current_attempt_index": 0,
                    "flow_id": null,
                    "blocking_detail": "",
                }),
                human: "blocking_detail: \ncreated_at: 1764000000000\ncurrent_attempt_index: 0\n\
                        execution_id: {fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\n\
                        execution_kind: email\nflow_id: -\nlane_id: lane-a\nnamespace: tenant-a\n\
                        priority: 5\npublic_state: waiting\n\
                        state_vector: {\"attempt_state\":\"pending_first_attempt\",\
                        \"blocking_reason\":\"waiting_for_worker\",\"eligibility_state\":\"eligible_now\",\
                        \"lifecycle_phase\":\"runnable\",\"ownership_state\":\"unowned\",\
                        \"public_state\":\"waiting\",\"terminal_outcome\":\"none\"}\n",
            },
        },
        Case {
            id: "get_execution_state",
            args: args(&["get-execution-state", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.get_execution_state(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(types::PublicState::Suspended);
                })
            },
            expect: Expect::Json {
                body: json!("suspended"),
                human: "suspended\n",
            },
        },
        Case {
            id: "list_pending_waitpoints",
            args: args(&["list-pending-waitpoints", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.list_pending_waitpoints(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(&vec![pending_waitpoint()]);
                })
            },
            expect: Expect::Json {
                body: json!([{
                    "waitpoint_id": WAITPOINT,
                    "waitpoint_key": "approval",
                    "state": "pending",
                    "required_signal_names": ["approved"],
                    "created_at": NOW,
                    "execution_id": EXEC,
                    "token_kid": "k2",
                    "token_fingerprint": "00ff00ff00ff00ff",
                }]),
                human: "[{\"created_at\":1764000000000,\
                        \"execution_id\":\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\",\
                        \"required_signal_names\":[\"approved\"],\"state\":\"pending\",\
                        \"token_fingerprint\":\"00ff00ff00ff00ff\",\"token_kid\":\"k2\",\
                        \"waitpoint_id\":\"6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b\",\
                        \"waitpoint_key\":\"approval\"}]\n",
            },
        },
        Case {
            id: "get_execution_result",
            args: args(&["get-execution-result", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.get_execution_result(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(RESULT_BYTES);
                })
            },
            expect: Expect::Raw(RESULT_BYTES),
        },
        Case {
            id: "cancel_execution",
            args: args(&[
                "cancel-execution",
                "--execution-id",
                EXEC,
                "--reason",
                "operator",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.cancel_execution(|when, then| {
                    let body = types::CancelExecutionRequest {
                        attempt_id: None,
                        execution_id: exec_id(EXEC),
                        lease_epoch: None,
                        lease_id: None,
                        now: NOW,
                        reason: "operator".into(),
                        source: None,
                    };
                    authed(when.execution_id(EXEC).body(&body).into_inner());
                    then.ok(&types::CancelExecutionResponse::Cancelled {
                            execution_id: exec_id(EXEC),
                            public_state: types::PublicState::Cancelled,
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Cancelled": {"execution_id": EXEC, "public_state": "cancelled"}}),
                human: "Cancelled: {\"execution_id\":\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\",\
                        \"public_state\":\"cancelled\"}\n",
            },
        },
        Case {
            id: "deliver_signal",
            args: args(&[
                "deliver-signal",
                "--execution-id",
                EXEC,
                "--waitpoint-id",
                WAITPOINT,
                "--signal-id",
                SIGNAL,
                "--signal-name",
                "approved",
                "--signal-category",
                "human",
                "--source-type",
                "operator",
                "--source-identity",
                "ops",
                "--target-scope",
                "waitpoint",
                "--payload",
                "1",
                "--payload",
                "2",
                "--now",
                "1764000000000",
                "--secret-file",
                "-",
            ]),
            stdin: "k2:00ff\n",
            mock: |server| {
                server.deliver_signal(|when, then| {
                    let body = types::DeliverSignalRequest {
                        correlation_id: None,
                        created_at: None,
                        dedup_ttl_ms: None,
                        execution_id: exec_id(EXEC),
                        idempotency_key: None,
                        max_signals_per_execution: None,
                        now: NOW,
                        payload: Some(vec![1, 2]),
                        payload_encoding: None,
                        resume_delay_ms: None,
                        signal_category: "human".into(),
                        signal_id: uuid(SIGNAL),
                        signal_maxlen: None,
                        signal_name: "approved".into(),
                        source_identity: "ops".into(),
                        source_type: "operator".into(),
                        target_scope: "waitpoint".into(),
                        waitpoint_id: uuid(WAITPOINT),
                        waitpoint_token: "k2:00ff".into(),
                    };
                    authed(when.execution_id(EXEC).body(&body).into_inner());
                    then.ok(&types::DeliverSignalResponse::Accepted {
                            effect: "resume_condition_satisfied".into(),
                            signal_id: uuid(SIGNAL),
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Accepted": {
                    "signal_id": SIGNAL,
                    "effect": "resume_condition_satisfied",
                }}),
                human: "Accepted: {\"effect\":\"resume_condition_satisfied\",\
                        \"signal_id\":\"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f\"}\n",
            },
        },
        Case {
            id: "change_priority",
            args: args(&["change-priority", "--execution-id", EXEC, "--new-priority", "42"]),
            stdin: "",
            mock: |server| {
                server.change_priority(|when, then| {
                    authed(
                        when.execution_id(EXEC)
                            .body(&types::ChangePriorityRequest { new_priority: 42 })
                            .into_inner(),
                    );
                    then.ok(&types::ChangePriorityResponse::Changed {
                            execution_id: exec_id(EXEC),
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Changed": {"execution_id": EXEC}}),
                human: "Changed: {\"execution_id\":\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\"}\n",
            },
        },
        Case {
            id: "replay_execution",
            args: args(&["replay-execution", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.replay_execution(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(&types::ReplayExecutionResponse::Replayed {
                            public_state: types::PublicState::Waiting,
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Replayed": {"public_state": "waiting"}}),
                human: "Replayed: {\"public_state\":\"waiting\"}\n",
            },
        },
        Case {
            id: "revoke_lease",
            args: args(&["revoke-lease", "--execution-id", EXEC]),
            stdin: "",
            mock: |server| {
                server.revoke_lease(|when, then| {
                    authed(when.execution_id(EXEC).into_inner());
                    then.ok(&types::RevokeLeaseResponse::AlreadySatisfied {
                                reason: "no_active_lease".into(),
                            });
                })
            },
            expect: Expect::Json {
                body: json!({"AlreadySatisfied": {"reason": "no_active_lease"}}),
                human: "AlreadySatisfied: {\"reason\":\"no_active_lease\"}\n",
            },
        },
        Case {
            id: "read_attempt_stream",
            args: args(&[
                "read-attempt-stream",
                "--execution-id",
                EXEC,
                "--attempt-index",
                "2",
                "--from",
                "start",
                "--to",
                "1764000000009-0",
                "--limit",
                "10",
            ]),
            stdin: "",
            mock: |server| {
                server.read_attempt_stream(|when, then| {
                    authed(
                        when.execution_id(EXEC)
                            .attempt_index(2)
                            .from(&"start".to_owned())
                            .to(&"1764000000009-0".to_owned())
                            .limit(10)
                            .into_inner(),
                    );
                    then.ok(&frames());
                })
            },
            expect: Expect::Json {
                body: frames_json(),
                human: FRAMES_HUMAN,
            },
        },
        Case {
            id: "tail_attempt_stream",
            args: args(&[
                "tail-attempt-stream",
                "--execution-id",
                EXEC,
                "--attempt-index",
                "0",
                "--after",
                "1764000000000-0",
                "--block-ms",
                "250",
            ]),
            stdin: "",
            mock: |server| {
                server.tail_attempt_stream(|when, then| {
                    authed(
                        when.execution_id(EXEC)
                            .attempt_index(0)
                            .after("1764000000000-0")
                            .block_ms(250)
                            .limit(None)
                            .into_inner(),
                    );
                    then.ok(&frames());
                })
            },
            expect: Expect::Json {
                body: frames_json(),
                human: FRAMES_HUMAN,
            },
        },
    ]
}

fn flow_budget_cases() -> Vec<Case> {
    vec![
        Case {
            id: "create_flow",
            args: args(&[
                "create-flow",
                "--flow-id",
                FLOW,
                "--flow-kind",
                "pipeline",
                "--namespace",
                "tenant-a",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.create_flow(|when, then| {
                    let body = types::CreateFlowRequest {
                        flow_id: uuid(FLOW),
                        flow_kind: "pipeline".into(),
                        namespace: "tenant-a".into(),
                        now: NOW,
                    };
                    authed(when.body(&body).into_inner());
                    then.created(&types::CreateFlowResponse::Created {
                            flow_id: uuid(FLOW),
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Created": {"flow_id": FLOW}}),
                human: "Created: {\"flow_id\":\"0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b\"}\n",
            },
        },
        Case {
            id: "add_execution_to_flow",
            args: args(&[
                "add-execution-to-flow",
                "--flow-id",
                FLOW,
                "--execution-id",
                EXEC,
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.add_execution_to_flow(|when, then| {
                    let body = types::AddExecutionToFlowRequest {
                        execution_id: exec_id(EXEC),
                        flow_id: uuid(FLOW),
                        now: NOW,
                    };
                    authed(when.flow_id(FLOW).body(&body).into_inner());
                    then.ok(&types::AddExecutionToFlowResponse::AlreadyMember {
                                execution_id: exec_id(EXEC),
                                node_count: 2,
                            });
                })
            },
            expect: Expect::Json {
                body: json!({"AlreadyMember": {"execution_id": EXEC, "node_count": 2}}),
                human: "AlreadyMember: {\"execution_id\":\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\",\
                        \"node_count\":2}\n",
            },
        },
        Case {
            id: "cancel_flow",
            args: args(&[
                "cancel-flow",
                "--flow-id",
                FLOW,
                "--wait",
                "true",
                "--reason",
                "abandoned",
                "--cancellation-policy",
                "cancel_all",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.cancel_flow(|when, then| {
                    let body = types::CancelFlowRequest {
                        cancellation_policy: "cancel_all".into(),
                        flow_id: uuid(FLOW),
                        now: NOW,
                        reason: "abandoned".into(),
                    };
                    authed(when.flow_id(FLOW).wait("true").body(&body).into_inner());
                    then.ok(&types::CancelFlowResponse::PartiallyCancelled {
                                cancellation_policy: "cancel_all".into(),
                                failed_member_execution_ids: vec![EXEC_2.into()],
                                member_execution_ids: vec![EXEC.into(), EXEC_2.into()],
                            });
                })
            },
            expect: Expect::Json {
                body: json!({"PartiallyCancelled": {
                    "cancellation_policy": "cancel_all",
                    "member_execution_ids": [EXEC, EXEC_2],
                    "failed_member_execution_ids": [EXEC_2],
                }}),
                human: "PartiallyCancelled: {\"cancellation_policy\":\"cancel_all\",\
                        \"failed_member_execution_ids\":[\"{fp:7}:00000000-0000-4000-8000-0000000000b2\"],\
                        \"member_execution_ids\":[\"{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f\",\
                        \"{fp:7}:00000000-0000-4000-8000-0000000000b2\"]}\n",
            },
        },
        Case {
            id: "stage_dependency_edge",
            args: args(&[
                "stage-dependency-edge",
                "--flow-id",
                FLOW,
                "--edge-id",
                EDGE,
                "--upstream-execution-id",
                EXEC,
                "--downstream-execution-id",
                EXEC_2,
                "--expected-graph-revision",
                "2",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.stage_dependency_edge(|when, then| {
                    let body = types::StageDependencyEdgeRequest {
                        data_passing_ref: None,
                        dependency_kind: None,
                        downstream_execution_id: exec_id(EXEC_2),
                        edge_id: uuid(EDGE),
                        expected_graph_revision: 2,
                        flow_id: uuid(FLOW),
                        now: NOW,
                        upstream_execution_id: exec_id(EXEC),
                    };
                    authed(when.flow_id(FLOW).body(&body).into_inner());
                    then.created(&types::StageDependencyEdgeResponse::Staged {
                            edge_id: uuid(EDGE),
                            new_graph_revision: 3,
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Staged": {"edge_id": EDGE, "new_graph_revision": 3}}),
                human: "Staged: {\"edge_id\":\"9e8d7c6b-5a49-4382-9716-0f1e2d3c4b5a\",\
                        \"new_graph_revision\":3}\n",
            },
        },
        Case {
            id: "apply_dependency_to_child",
            args: args(&[
                "apply-dependency-to-child",
                "--flow-id",
                FLOW,
                "--edge-id",
                EDGE,
                "--downstream-execution-id",
                EXEC_2,
                "--upstream-execution-id",
                EXEC,
                "--graph-revision",
                "3",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.apply_dependency_to_child(|when, then| {
                    let body = types::ApplyDependencyToChildRequest {
                        data_passing_ref: None,
                        dependency_kind: None,
                        downstream_execution_id: exec_id(EXEC_2),
                        edge_id: uuid(EDGE),
                        flow_id: uuid(FLOW),
                        graph_revision: 3,
                        now: NOW,
                        upstream_execution_id: exec_id(EXEC),
                    };
                    authed(when.flow_id(FLOW).body(&body).into_inner());
                    then.ok(&types::ApplyDependencyToChildResponse::AlreadyApplied);
                })
            },
            expect: Expect::Json {
                body: json!("AlreadyApplied"),
                human: "AlreadyApplied\n",
            },
        },
        Case {
            id: "create_budget",
            args: args(&[
                "create-budget",
                "--budget-id",
                BUDGET,
                "--scope-type",
                "lane",
                "--scope-id",
                "lane-a",
                "--enforcement-mode",
                "strict",
                "--on-hard-limit",
                "reject",
                "--on-soft-limit",
                "warn",
                "--reset-interval-ms",
                "3600000",
                "--dimensions",
                "tokens",
                "--dimensions",
                "calls",
                "--hard-limits",
                "1000",
                "--hard-limits",
                "10",
                "--soft-limits",
                "800",
                "--soft-limits",
                "8",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.create_budget(|when, then| {
                    let body = types::CreateBudgetRequest {
                        budget_id: uuid(BUDGET),
                        dimensions: vec!["tokens".into(), "calls".into()],
                        enforcement_mode: "strict".into(),
                        hard_limits: vec![1000, 10],
                        now: NOW,
                        on_hard_limit: "reject".into(),
                        on_soft_limit: "warn".into(),
                        reset_interval_ms: 3_600_000,
                        scope_id: "lane-a".into(),
                        scope_type: "lane".into(),
                        soft_limits: vec![800, 8],
                    };
                    authed(when.body(&body).into_inner());
                    then.created(&types::CreateBudgetResponse::Created {
                            budget_id: uuid(BUDGET),
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Created": {"budget_id": BUDGET}}),
                human: "Created: {\"budget_id\":\"7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\"}\n",
            },
        },
        Case {
            id: "get_budget_status",
            args: args(&["get-budget-status", "--budget-id", BUDGET]),
            stdin: "",
            mock: |server| {
                server.get_budget_status(|when, then| {
                    authed(when.budget_id(BUDGET).into_inner());
                    then.ok(&budget_status());
                })
            },
            expect: Expect::Json {
                body: json!({
                    "budget_id": BUDGET,
                    "scope_type": "lane",
                    "scope_id": "lane-a",
                    "enforcement_mode": "strict",
                    "usage": {"tokens": 50},
                    "hard_limits": {"tokens": 1000},
                    "soft_limits": {"tokens": 800},
                    "breach_count": 0,
                    "soft_breach_count": 0,
                    "last_breach_at": null,
                    "last_breach_dim": null,
                    "next_reset_at": null,
                    "created_at": "1764000000000",
                }),
                human: "breach_count: 0\nbudget_id: 7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\n\
                        created_at: 1764000000000\nenforcement_mode: strict\n\
                        hard_limits: {\"tokens\":1000}\nlast_breach_at: -\nlast_breach_dim: -\n\
                        next_reset_at: -\nscope_id: lane-a\nscope_type: lane\n\
                        soft_breach_count: 0\nsoft_limits: {\"tokens\":800}\nusage: {\"tokens\":50}\n",
            },
        },
        Case {
            id: "report_usage",
            args: args(&[
                "report-usage",
                "--budget-id",
                BUDGET,
                "--dimensions",
                r#"{"tokens":50}"#,
                "--dedup-key",
                "report-1",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.report_usage(|when, then| {
                    let body = types::ReportUsageRequest {
                        dedup_key: Some("report-1".into()),
                        dimensions: [("tokens".to_owned(), 50)].into(),
                        now: NOW,
                    };
                    authed(when.budget_id(BUDGET).body(&body).into_inner());
                    then.ok(&types::ReportUsageResponse::Ok);
                })
            },
            expect: Expect::Json {
                body: json!("Ok"),
                human: "Ok\n",
            },
        },
        Case {
            id: "reset_budget",
            args: args(&["reset-budget", "--budget-id", BUDGET]),
            stdin: "",
            mock: |server| {
                server.reset_budget(|when, then| {
                    authed(when.budget_id(BUDGET).into_inner());
                    then.ok(&types::ResetBudgetResponse::Reset {
                            next_reset_at: NOW + 3_600_000,
                        });
                })
            },
            expect: Expect::Json {
                body: json!({"Reset": {"next_reset_at": 1_764_003_600_000i64}}),
                human: "Reset: {\"next_reset_at\":1764003600000}\n",
            },
        },
        Case {
            id: "create_quota_policy",
            args: args(&[
                "create-quota-policy",
                "--quota-policy-id",
                QUOTA,
                "--window-seconds",
                "60",
                "--max-requests-per-window",
                "100",
                "--max-concurrent",
                "4",
                "--now",
                "1764000000000",
            ]),
            stdin: "",
            mock: |server| {
                server.create_quota_policy(|when, then| {
                    let body = types::CreateQuotaPolicyRequest {
                        max_concurrent: 4,
                        max_requests_per_window: 100,
                        now: NOW,
                        quota_policy_id: uuid(QUOTA),
                        window_seconds: 60,
                    };
                    authed(when.body(&body).into_inner());
                    then.ok(&types::CreateQuotaPolicyResponse::AlreadySatisfied {
                                quota_policy_id: uuid(QUOTA),
                            });
                })
            },
            expect: Expect::Json {
                body: json!({"AlreadySatisfied": {"quota_policy_id": QUOTA}}),
                human: "AlreadySatisfied: {\"quota_policy_id\":\"1f2e3d4c-5b6a-4798-8877-665544332211\"}\n",
            },
        },
        Case {
            id: "get_metrics",
            args: args(&["get-metrics"]),
            stdin: "",
            mock: |server| {
                server.get_metrics(|_, then| {
                    then.ok(METRICS);
                })
            },
            expect: Expect::Raw(METRICS.as_bytes()),
        },
    ]
}

/// Exit 0 for every operation: `--output json` prints exactly the mocked
/// body, the default prints the human summary, stderr stays empty.
#[test]
fn every_operation_succeeds_in_both_output_modes() {
    let cases = success_cases();
    let spec = ff_admin_contract_tests::spec();
    for Operation { op, .. } in spec_doc::operations(&spec).expect("paths") {
        if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
            assert!(
                cases.iter().any(|c| c.id == id),
                "no success case for spec operation {id}"
            );
        }
    }
    for case in cases {
        let server = MockServer::start();
        let mock = (case.mock)(&server);
        let run = cli(&server)
            .args(&case.args)
            .args(["--output", "json"])
            .stdin(case.stdin)
            .run();
        run.code(0);
        match &case.expect {
            Expect::Json { body, .. } => {
                assert_eq!(&run.json(), body, "{}", case.id);
                assert!(run.stdout.ends_with('\n') && run.stdout.lines().count() == 1);
            }
            Expect::Raw(bytes) => assert_eq!(run.stdout_bytes, *bytes, "{}", case.id),
        }
        assert_eq!(run.stderr, "", "{}", case.id);

        let run = cli(&server).args(&case.args).stdin(case.stdin).run();
        run.code(0);
        match &case.expect {
            Expect::Json { human, .. } => assert_eq!(run.stdout, *human, "{}", case.id),
            Expect::Raw(bytes) => assert_eq!(run.stdout_bytes, *bytes, "{}", case.id),
        }
        assert_eq!(run.stderr, "", "{}", case.id);
        mock.assert_calls(2);
    }
}

/// Exit 1: the server's error as one stderr line with status, kind and
/// message; nothing on stdout, in both output modes.
#[test]
fn server_errors_exit_1_with_one_line() {
    let server = MockServer::start();
    server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.service_unavailable(&answers::unavailable("claim_for_worker"));
    });
    for output in ["human", "json"] {
        let run = cli(&server)
            .args(claim_args("w1"))
            .args(["--output", output])
            .run();
        run.code(1);
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.one_stderr_line(),
            "error: claim-for-worker: status 503, kind unavailable, retryable false: \
             backend op unavailable: claim_for_worker"
        );
    }

    server.rotate_waitpoint_secret(|_, then| {
        then.too_many_requests(&answers::too_many_requests("admin_rotate", 1));
    });
    let secret = TempFile::new(&"cd".repeat(32));
    let run = cli(&server)
        .args([
            "rotate-waitpoint-secret",
            "--new-kid",
            "k3",
            "--secret-file",
        ])
        .arg_path(&secret)
        .run();
    run.code(1);
    assert_eq!(
        run.one_stderr_line(),
        "error: rotate-waitpoint-secret: status 429, kind -, retryable true: \
         too many concurrent admin_rotate calls (server max: 1); retry with backoff"
    );
}

/// Exit 2: usage and configuration errors, with nothing sent.
#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let server = MockServer::start();
    let any_request = server.mock(|_, then| {
        then.status(500);
    });
    let empty = TempFile::new("  \n");
    let foreign_body = TempFile::new(r#"{"worker_id":"w1","lane":"typo"}"#);
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["claim-for-worker".into(), "--lane-id".into(), "l".into()],
            "",
            "--worker-id",
        ),
        (
            claim_args("w1")
                .into_iter()
                .map(|a| if a == "5000" { "soon".to_owned() } else { a })
                .collect(),
            "",
            "not a whole number",
        ),
        (
            vec!["claim-for-worker".into(), "--worker-id".into(), "w1".into()],
            "",
            "missing --grant-ttl-ms, --lane-id, --worker-instance-id (or the same fields in --body)",
        ),
        (
            [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k",
                "--new-secret-hex",
                "abab",
            ]
            .map(str::to_owned)
            .to_vec(),
            "",
            "--new-secret-hex",
        ),
        (
            ["rotate-waitpoint-secret", "--new-kid", "k"]
                .map(str::to_owned)
                .to_vec(),
            "",
            "missing --secret-file",
        ),
        (
            vec![
                "rotate-waitpoint-secret".into(),
                "--new-kid".into(),
                "k".into(),
                "--secret-file".into(),
                empty.arg(),
            ],
            "",
            "is empty",
        ),
        (
            vec![
                "healthz".into(),
                "--token-file".into(),
                "-".into(),
                "--output".into(),
                "yaml".into(),
            ],
            "",
            "yaml",
        ),
        (
            [
                "rotate-waitpoint-secret",
                "--new-kid",
                "k",
                "--secret-file",
                "-",
                "--token-file",
                "-",
            ]
            .map(str::to_owned)
            .to_vec(),
            "x",
            "cannot both read standard input",
        ),
        (
            reclaim_args()
                .into_iter()
                .chain(["--body".to_owned(), foreign_body.arg()])
                .collect(),
            "",
            "`lane` is not a field of this request",
        ),
        (
            vec!["healthz".into(), "--url".into(), "ftp://127.0.0.1:1".into()],
            "",
            "base_url",
        ),
        (vec!["no-such-operation".into()], "", "no-such-operation"),
        (vec![], "", "Usage"),
    ];
    for (args, stdin, needle) in cases {
        let run = cli(&server).args(&args).stdin(stdin).run();
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.contains(needle),
            "{args:?}: `{needle}` not in {run:#?}"
        );
    }
    any_request.assert_calls(0);
}

/// Exit 3: nothing listens, or the answer comes after `--timeout`.
#[test]
fn unreachable_and_timeouts_exit_3() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let run = Cli::new(&url).args(["healthz", "--output", "json"]).run();
    run.code(3);
    assert_eq!(run.stdout, "");
    let line = run.one_stderr_line();
    assert!(
        line.starts_with("error: healthz: server unreachable: "),
        "{line}"
    );

    let server = MockServer::start();
    server.healthz(|_, then| {
        then.ok(&types::HealthResponse {
            status: types::HealthResponseStatus::Ok,
        })
        .into_inner()
        .delay(Duration::from_secs(3));
    });
    let run = cli(&server).args(["healthz", "--timeout", "300ms"]).run();
    run.code(3);
    assert_eq!(run.stdout, "");
    assert!(
        run.one_stderr_line()
            .starts_with("error: healthz: timed out: "),
        "{run:#?}"
    );
}

/// Exit 4: claim's 204 and the documented "token not found", with an empty
/// stdout (also in JSON mode) and a note on stderr; any other 404 is exit 1.
#[test]
fn nothing_there_exits_4_with_empty_stdout() {
    let server = MockServer::start();
    server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.no_content();
    });
    server.read_waitpoint_token(|when, then| {
        when.waitpoint_id(WAITPOINT);
        then.token_not_found();
    });
    let token_args = [
        "read-waitpoint-token",
        "--execution-id",
        EXEC,
        "--waitpoint-id",
        WAITPOINT,
    ];
    for output in ["human", "json"] {
        let run = cli(&server)
            .args(claim_args("w1"))
            .args(["--output", output])
            .run();
        run.code(4);
        assert_eq!(run.stdout, "");
        assert!(run
            .one_stderr_line()
            .starts_with("claim-for-worker: nothing there: no eligible execution"));

        let run = cli(&server)
            .args(token_args)
            .args(["--output", output])
            .run();
        run.code(4);
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.one_stderr_line(),
            "read-waitpoint-token: nothing there: waitpoint token not found (consumed, expired, or unknown id)"
        );
    }

    // A 404 that is not the documented one (a wrong base path) is an error.
    let run = Cli::new(&format!("{}/wrong", server.base_url()))
        .args(token_args)
        .run();
    run.code(1);
    assert!(run.one_stderr_line().contains("status 404"), "{run:#?}");
}

/// Exit 4 for each read whose documented 404 means "nothing there" (empty
/// stdout in both modes, a note on stderr); a 404 with another text is the
/// server's error, exit 1.
#[test]
fn documented_not_found_reads_exit_4_and_other_404s_exit_1() {
    type NotFound = fn(&MockServer, types::ErrorBody) -> httpmock::Mock<'_>;
    let cases: [(&str, &str, types::ErrorBody, &str, NotFound); 5] = [
        (
            "get-execution",
            "--execution-id",
            answers::execution_not_found(EXEC),
            "no such execution (404)",
            |server, body| {
                server.get_execution(|when, then| {
                    when.execution_id(EXEC);
                    then.not_found(&body);
                })
            },
        ),
        (
            "get-execution-state",
            "--execution-id",
            answers::entity_not_found("execution"),
            "no such execution (404)",
            |server, body| {
                server.get_execution_state(|when, then| {
                    when.execution_id(EXEC);
                    then.not_found(&body);
                })
            },
        ),
        (
            "list-pending-waitpoints",
            "--execution-id",
            answers::execution_not_found(EXEC),
            "no such execution (404)",
            |server, body| {
                server.list_pending_waitpoints(|when, then| {
                    when.execution_id(EXEC);
                    then.not_found(&body);
                })
            },
        ),
        (
            "get-execution-result",
            "--execution-id",
            answers::result_not_found(EXEC),
            "no result stored for this execution (404)",
            |server, body| {
                server.get_execution_result(|when, then| {
                    when.execution_id(EXEC);
                    then.not_found(&body);
                })
            },
        ),
        (
            "get-budget-status",
            "--budget-id",
            answers::entity_not_found("budget"),
            "no such budget (404)",
            |server, body| {
                server.get_budget_status(|when, then| {
                    when.budget_id(BUDGET);
                    then.not_found(&body);
                })
            },
        ),
    ];
    for (command, flag, documented, note, not_found) in cases {
        let id = if flag == "--budget-id" { BUDGET } else { EXEC };
        let server = MockServer::start();
        let mut mock = not_found(&server, documented);
        for output in ["human", "json"] {
            let run = cli(&server)
                .args([command, flag, id, "--output", output])
                .run();
            run.code(4);
            assert_eq!(run.stdout, "", "{command}");
            assert_eq!(
                run.one_stderr_line(),
                format!("{command}: nothing there: {note}")
            );
        }
        mock.assert_calls(2);
        mock.delete();

        let mock = not_found(&server, answers::error("no route for this path"));
        let run = cli(&server).args([command, flag, id]).run();
        run.code(1);
        assert_eq!(run.stdout, "", "{command}");
        assert_eq!(
            run.one_stderr_line(),
            format!("error: {command}: status 404, kind -, retryable -: no route for this path")
        );
        mock.assert();
    }
}

/// `create-execution --body FILE|-` takes a large body (a 48 KiB payload
/// as a JSON array of integers); field flags override its fields.
#[test]
fn create_execution_large_body_with_flags_overriding() {
    let payload: Vec<u8> = (0..48 * 1024).map(|i| (i % 251) as u8).collect();
    let mut body = serde_json::to_value(create_execution_body(payload.clone(), 5)).expect("JSON");
    body["lane_id"] = json!("lane-from-file");
    let file = TempFile::new(&body.to_string());
    let server = MockServer::start();
    let mut expected = create_execution_body(payload, 9);
    expected.lane_id = "lane-b".into();
    let mock = server.create_execution(|when, then| {
        when.body(&expected);
        then.ok(&types::CreateExecutionResponse::Duplicate {
            execution_id: exec_id(EXEC),
        });
    });
    for (source, stdin) in [
        (file.arg(), String::new()),
        ("-".to_owned(), body.to_string()),
    ] {
        let run = cli(&server)
            .args(["create-execution", "--body", &source])
            .args(["--priority", "9", "--lane-id", "lane-b", "--output", "json"])
            .stdin(&stdin)
            .run();
        run.code(0);
        assert_eq!(run.json(), json!({"Duplicate": {"execution_id": EXEC}}));
    }
    mock.assert_calls(2);
}

/// `deliver-signal` reads the waitpoint token from `--secret-file` only: a
/// flag for it does not exist, and the token never reaches an output.
#[test]
fn deliver_signal_token_only_from_the_secret_file() {
    let server = MockServer::start();
    let mut any_request = server.mock(|_, then| {
        then.status(500);
    });
    let base = [
        "deliver-signal",
        "--execution-id",
        EXEC,
        "--waitpoint-id",
        WAITPOINT,
        "--signal-id",
        SIGNAL,
        "--signal-name",
        "approved",
        "--signal-category",
        "human",
        "--source-type",
        "operator",
        "--source-identity",
        "ops",
        "--target-scope",
        "waitpoint",
        "--now",
        "1764000000000",
    ];
    let run = cli(&server)
        .args(base)
        .args(["--waitpoint-token", "k2:00ff"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("--waitpoint-token"), "{run:#?}");
    let run = cli(&server).args(base).run();
    run.code(2);
    assert!(run.stderr.contains("missing --secret-file"), "{run:#?}");
    any_request.assert_calls(0);
    any_request.delete();

    let secret = "k9:5ecre7";
    let file = TempFile::new(&format!("{secret}\n"));
    let rejected = server.deliver_signal(|when, then| {
        when.execution_id(EXEC);
        then.bad_request(&answers::error(format!("invalid token {secret}")));
    });
    let run = cli(&server)
        .args(base)
        .args(["--secret-file"])
        .arg_path(&file)
        .run();
    run.code(1);
    rejected.assert();
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("status 400"), "{run:#?}");
    assert!(!run.stderr.contains(secret), "{run:#?}");
}

/// `--poll` calls again while claims answer 204 and stops at `--max-wait`
/// with exit 4, or at the first grant with exit 0.
#[test]
fn claim_poll_backs_off_until_a_grant_or_the_deadline() {
    let server = MockServer::start();
    let mut idle = server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.no_content();
    });
    let started = std::time::Instant::now();
    let run = cli(&server)
        .args(claim_args("w1"))
        .args(["--poll", "--max-wait", "1s"])
        .run();
    run.code(4);
    assert_eq!(run.stdout, "");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let calls = idle.calls();
    // One call, then one every 260 ms until the deadline, and one at it.
    assert!((4..=6).contains(&calls), "{calls} calls");
    assert!(
        run.one_stderr_line()
            .contains(&format!("still nothing after 1s ({calls} calls)")),
        "{run:#?}"
    );

    // A grant appears while polling.
    let child = cli(&server)
        .args(claim_args("w1"))
        .args(["--poll", "--max-wait", "20s", "--output", "json"])
        .spawn();
    while idle.calls() < calls + 2 {
        std::thread::sleep(Duration::from_millis(20));
    }
    idle.delete();
    let granted = server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.ok(&answers::claim_grant(EXEC, "g-poll", 1));
    });
    let run = support::finish(child);
    run.code(0);
    assert_eq!(run.json()["grant_key"], "g-poll");
    granted.assert_calls(1);
}

/// The token comes from `FF_API_TOKEN` or `--token-file` (which wins), and
/// is never printed: not in errors that echo it, not in `--help`.
#[test]
fn token_sources_and_the_token_never_printed() {
    let server = MockServer::start();
    let from_file = "file-token-91c4";
    let by_file = server.healthz(|when, then| {
        when.into_inner()
            .header("authorization", format!("Bearer {from_file}"));
        then.ok(&types::HealthResponse {
            status: types::HealthResponseStatus::Ok,
        });
    });
    let file = TempFile::new(&format!("{from_file}\n"));
    cli(&server)
        .args(["healthz", "--token-file"])
        .arg_path(&file)
        .run()
        .code(0);
    Cli::new(&server.base_url())
        .args(["healthz", "--token-file", "-"])
        .stdin(from_file)
        .run()
        .code(0);
    by_file.assert_calls(2);

    // A proxy that echoes the token in its error.
    let echo = server.claim_for_worker(|when, then| {
        when.worker_id("w1")
            .into_inner()
            .header("authorization", bearer());
        then.unauthorized(&answers::error(format!("bad credentials: Bearer {TOKEN}")));
    });
    let run = cli(&server).args(claim_args("w1")).run();
    run.code(1);
    echo.assert();
    assert!(!run.stderr.contains(TOKEN), "{run:#?}");
    assert!(run.stderr.contains("<redacted>"), "{run:#?}");

    for args in [
        vec!["--help"],
        vec!["claim-for-worker", "--help"],
        vec!["healthz", "--bogus"],
    ] {
        let run = cli(&server).args(&args).run();
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains(TOKEN), "{args:?}: {run:#?}");
    }
}

/// `--body FILE|-` supplies the body; field flags override its fields.
#[test]
fn body_file_with_flags_overriding() {
    let server = MockServer::start();
    let mut expected = reclaim_body();
    expected.grant_ttl_ms = 999;
    expected.worker_capabilities = vec!["gpu".into()];
    let mock = server.issue_reclaim_grant(|when, then| {
        when.execution_id(EXEC).body(&expected);
        then.not_reclaimable(EXEC, "execution_not_reclaimable");
    });
    let body = json!({
        "worker_id": "w1",
        "worker_instance_id": "w1-i2",
        "lane_id": "lane-a",
        "grant_ttl_ms": 30000,
        "worker_capabilities": ["gpu"],
    });
    let run = cli(&server)
        .args(["issue-reclaim-grant", "--execution-id", EXEC, "--body", "-"])
        .args(["--grant-ttl-ms", "999", "--output", "json"])
        .stdin(&body.to_string())
        .run();
    run.code(0);
    assert_eq!(run.json()["status"], "not_reclaimable");
    mock.assert();
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let run = Cli::new("http://127.0.0.1:1")
            .args(["completions", shell])
            .run();
        run.code(0);
        assert!(run.stdout.contains("claim-for-worker"), "{shell}");
        assert!(run.stdout.contains("secret-file"), "{shell}");
        assert!(!run.stdout.contains("new-secret-hex"), "{shell}");
    }
    Cli::new("http://127.0.0.1:1")
        .args(["completions", "tcsh"])
        .run()
        .code(2);
}

/// Every spec operation is a subcommand whose `--help` shows a flag per
/// parameter and body field (secrets excepted), and the exit codes in
/// `--help` are the README's table.
#[test]
fn help_shows_spec_flags_and_the_readme_exit_codes() {
    let spec = ff_admin_contract_tests::spec();
    let resolve = |v| spec_doc::resolve(&spec, v).expect("ref");
    let mut commands = Vec::new();
    for Operation { op, .. } in spec_doc::operations(&spec).expect("paths") {
        let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
            continue;
        };
        let command = id.replace('_', "-");
        commands.push(command.clone());
        let run = Cli::new("http://127.0.0.1:1")
            .args([&command, "--help"])
            .run();
        run.code(0);
        let mut names = Vec::new();
        for p in op
            .get("parameters")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            names.push(resolve(p)["name"].as_str().expect("name").to_owned());
        }
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            let schema = resolve(schema);
            names.extend(
                schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.clone()),
            );
        }
        for name in names {
            let flag = format!("--{}", name.replace('_', "-"));
            // Credentials are read from --secret-file (the binary's
            // `credential_fields_never_become_flags` test forces it).
            if ["secret", "token", "password"]
                .iter()
                .any(|w| name.contains(w))
            {
                assert!(
                    !run.stdout.contains(&flag),
                    "{command}: {flag} must not exist"
                );
                assert!(run.stdout.contains("--secret-file"), "{command}");
            } else {
                assert!(run.stdout.contains(&flag), "{command} --help lacks {flag}");
            }
        }
    }

    let run = Cli::new("http://127.0.0.1:1").args(["--help"]).run();
    run.code(0);
    // `--help` lists every operation of the spec as a subcommand.
    let mut listed: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues on a deeper-indented line.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| !["completions", "help"].contains(c))
        .collect();
    listed.sort_unstable();
    commands.sort();
    assert_eq!(listed, commands, "ff-admin --help");
    let readme = include_str!("../README.md");
    let rows: Vec<(String, String)> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let (code, text) = l.trim().split_once("  ").expect("code and meaning");
            (code.to_owned(), text.to_owned())
        })
        .collect();
    assert_eq!(
        rows.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["0", "1", "2", "3", "4"]
    );
    for (code, text) in rows {
        let row = format!("| {code} | {} |", text.replace('|', "\\|"));
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}

trait ArgPath {
    fn arg_path(self, file: &TempFile) -> Self;
}

impl ArgPath for Cli {
    fn arg_path(self, file: &TempFile) -> Self {
        self.args([file.path()])
    }
}

/// The client honours `HTTP_PROXY` (as reqwest does): a base URL whose host
/// does not resolve is reached through the proxy, and fails without it.
#[test]
fn an_http_proxy_variable_sends_calls_through_the_proxy() {
    let proxy = MockServer::start();
    let through_proxy = proxy.mock(|when, then| {
        when.method(httpmock::Method::GET).path("/healthz");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"status":"ok"}"#);
    });
    let unresolvable = "http://ff-server.invalid:9090";
    Cli::new(unresolvable)
        .env("HTTP_PROXY", &proxy.base_url())
        .args(["healthz"])
        .run()
        .code(0);
    through_proxy.assert_calls(1);
    let direct = Cli::new(unresolvable)
        .env("NO_PROXY", "*")
        .args(["healthz"])
        .run();
    direct.code(3);
    through_proxy.assert_calls(1);
}
