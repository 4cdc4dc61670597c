//! One entry per operation of the spec: the call the tests make, the exact
//! request the client must send for it, every documented answer, and what
//! the client must return for each success.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use ff_admin::*;
use serde_json::{json, Value};

pub const TOKEN: &str = "tok-3f9a";
pub const EXEC_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
pub const EXEC_ID_ENCODED: &str = "%7Bfp:7%7D:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
pub const EXEC_ID_2: &str = "{fp:7}:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const WAITPOINT_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";
pub const FLOW_ID: &str = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a";
pub const BUDGET_ID: &str = "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9";
pub const EDGE_ID: &str = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901";
pub const SIGNAL_ID: &str = "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b";
pub const QUOTA_ID: &str = "4d5e6f70-8192-43a4-b5c6-d7e8f90a1b2c";
pub const LEASE_ID: &str = "5e6f7081-92a3-44b5-86c7-e8f90a1b2c3d";
/// The `now` every request body carries.
pub const NOW: i64 = 1_764_355_200_000;

/// What an operation returned: one variant per result type, so that two
/// outcomes compare with `==`.
macro_rules! outcomes {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// The typed result of one call.
        #[derive(Debug, PartialEq)]
        pub enum Outcome { $($variant($ty)),* }
        $(impl From<$ty> for Outcome {
            fn from(value: $ty) -> Self {
                Self::$variant(value)
            }
        })*
    };
}

outcomes! {
    Claim(Option<ClaimForWorkerResponse>),
    Rotate(RotateWaitpointSecretResponse),
    Reclaim(IssueReclaimGrantResponse),
    Token(Option<String>),
    Healthy(()),
    Page(ExecutionPage),
    CreatedExecution(CreateExecutionResponse),
    Execution(Option<ExecutionInfo>),
    State(Option<PublicState>),
    Waitpoints(Option<Vec<PendingWaitpoint>>),
    ResultBytes(Option<Vec<u8>>),
    CancelledExecution(CancelExecutionResponse),
    Signal(DeliverSignalResponse),
    Priority(ChangePriorityResponse),
    Replayed(ReplayExecutionResponse),
    Revoked(RevokeLeaseResponse),
    Frames(StreamFrames),
    CreatedFlow(CreateFlowResponse),
    Member(AddExecutionToFlowResponse),
    CancelledFlow(CancelFlowResponse),
    Edge(StageDependencyEdgeResponse),
    Applied(ApplyDependencyToChildResponse),
    CreatedBudget(CreateBudgetResponse),
    Budget(Option<BudgetStatus>),
    Usage(ReportUsageResponse),
    Reset(ResetBudgetResponse),
    CreatedQuota(CreateQuotaPolicyResponse),
    Metrics(String),
}

/// One call of an operation with the case's fixed inputs.
pub type Call = for<'a> fn(
    &'a FlowFabricAdminClient,
) -> Pin<Box<dyn Future<Output = Result<Outcome, SdkError>> + Send + 'a>>;

/// A documented 2xx answer and what the client must make of it.
pub struct Success {
    pub status: u16,
    /// `None` for an answer without a body.
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    pub want: Outcome,
}

impl Success {
    fn json(status: u16, body: Value, want: impl Into<Outcome>) -> Self {
        Self {
            status,
            content_type: Some("application/json"),
            body: body.to_string().into_bytes(),
            want: want.into(),
        }
    }

    fn raw(status: u16, content_type: &'static str, body: &[u8], want: impl Into<Outcome>) -> Self {
        Self {
            status,
            content_type: Some(content_type),
            body: body.to_vec(),
            want: want.into(),
        }
    }

    fn empty(status: u16, want: impl Into<Outcome>) -> Self {
        Self {
            status,
            content_type: None,
            body: Vec::new(),
            want: want.into(),
        }
    }
}

/// The documented 404 texts that mean "nothing there" for a read, and
/// what the client returns for them.
pub struct Absent {
    pub messages: Vec<String>,
    pub want: Outcome,
}

/// Everything the tests know about one operation.
pub struct Case {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The exact path the client must request, percent-encoded.
    pub path: String,
    /// The exact query parameters, decoded.
    pub query: Vec<(&'static str, String)>,
    /// The JSON body the client must send; `None`: no body at all.
    pub body: Option<Value>,
    /// Every documented 2xx answer (several per status where the body
    /// varies), with the expected result.
    pub successes: Vec<Success>,
    /// For reads whose documented 404 means "nothing there".
    pub absent: Option<Absent>,
    pub call: Call,
}

impl Case {
    /// Runs the case's call.
    pub async fn call(&self, client: &FlowFabricAdminClient) -> Result<Outcome, SdkError> {
        (self.call)(client).await
    }

    /// The first documented success body of `status`.
    pub fn success(&self, status: u16) -> &Success {
        self.successes
            .iter()
            .find(|s| s.status == status)
            .unwrap_or_else(|| panic!("{}: no {status} success", self.id))
    }
}

/// The case of `id`; fails naming an operation the table lacks.
pub fn case(id: &str) -> Case {
    cases().into_iter().find(|c| c.id == id).unwrap_or_else(|| {
        panic!("the spec has an operation these tests do not know: {id}: add it to cases()")
    })
}

fn executions_path(rest: &str) -> String {
    format!("/v1/executions/{EXEC_ID_ENCODED}{rest}")
}

fn execution_not_found() -> Vec<String> {
    vec![
        format!("execution not found: {EXEC_ID}"),
        "not found: execution".to_owned(),
    ]
}

pub fn create_execution_request() -> CreateExecutionRequest {
    CreateExecutionRequest {
        execution_id: EXEC_ID.into(),
        namespace: "default".into(),
        lane_id: "lane-a".into(),
        execution_kind: "op".into(),
        input_payload: vec![0, 104, 255],
        payload_encoding: Some("raw".into()),
        priority: 5,
        creator_identity: "operator".into(),
        idempotency_key: None,
        tags: BTreeMap::from([("team".to_owned(), "infra".to_owned())]),
        policy: Some(ExecutionPolicy {
            max_replay_count: Some(3),
            budget_ids: vec![BUDGET_ID.into()],
            ..ExecutionPolicy::default()
        }),
        delay_until: None,
        execution_deadline_at: Some(1_764_400_000_000),
        partition_id: 7,
        now: NOW,
    }
}

pub fn cancel_execution_request(execution_id: &str) -> CancelExecutionRequest {
    CancelExecutionRequest {
        execution_id: execution_id.into(),
        reason: "operator".into(),
        source: None,
        lease_id: Some(LEASE_ID.into()),
        lease_epoch: Some(4),
        attempt_id: None,
        now: NOW,
    }
}

pub fn deliver_signal_request(execution_id: &str) -> DeliverSignalRequest {
    DeliverSignalRequest {
        execution_id: execution_id.into(),
        waitpoint_id: WAITPOINT_ID.into(),
        signal_id: SIGNAL_ID.into(),
        signal_name: "approved".into(),
        signal_category: "approval".into(),
        source_type: "operator".into(),
        source_identity: "ops-1".into(),
        payload: Some(vec![1, 2]),
        payload_encoding: None,
        correlation_id: None,
        idempotency_key: Some("sig-1".into()),
        target_scope: "waitpoint".into(),
        created_at: None,
        dedup_ttl_ms: Some(60_000),
        resume_delay_ms: None,
        max_signals_per_execution: None,
        signal_maxlen: None,
        waitpoint_token: "k2:00ff".into(),
        now: NOW,
    }
}

pub fn add_member_request(flow_id: &str) -> AddExecutionToFlowRequest {
    AddExecutionToFlowRequest {
        flow_id: flow_id.into(),
        execution_id: EXEC_ID.into(),
        now: NOW,
    }
}

pub fn cancel_flow_request(flow_id: &str) -> CancelFlowRequest {
    CancelFlowRequest {
        flow_id: flow_id.into(),
        reason: "shutdown".into(),
        cancellation_policy: "cancel_all".into(),
        now: NOW,
    }
}

pub fn stage_edge_request(flow_id: &str) -> StageDependencyEdgeRequest {
    StageDependencyEdgeRequest {
        flow_id: flow_id.into(),
        edge_id: EDGE_ID.into(),
        upstream_execution_id: EXEC_ID.into(),
        downstream_execution_id: EXEC_ID_2.into(),
        dependency_kind: None,
        data_passing_ref: Some("ref-1".into()),
        expected_graph_revision: 2,
        now: NOW,
    }
}

pub fn apply_edge_request(flow_id: &str) -> ApplyDependencyToChildRequest {
    ApplyDependencyToChildRequest {
        flow_id: flow_id.into(),
        edge_id: EDGE_ID.into(),
        downstream_execution_id: EXEC_ID_2.into(),
        upstream_execution_id: EXEC_ID.into(),
        graph_revision: 3,
        dependency_kind: Some("success_only".into()),
        data_passing_ref: None,
        now: NOW,
    }
}

pub fn report_usage_request() -> ReportUsageRequest {
    ReportUsageRequest {
        dimensions: BTreeMap::from([("tokens".to_owned(), 10)]),
        now: NOW,
        dedup_key: Some("report-1".into()),
    }
}

pub fn stream_range() -> StreamRange {
    StreamRange {
        from: Some("start".into()),
        to: Some("1764000000000-5".into()),
        limit: Some(10),
    }
}

fn frames_json() -> Value {
    json!({"frames": [{"id": "1764000000000-0", "fields": {"payload": "hi", "encoding": "utf8"}}], "count": 1})
}

fn frames() -> StreamFrames {
    StreamFrames {
        frames: vec![StreamFrame {
            id: "1764000000000-0".into(),
            fields: BTreeMap::from([
                ("encoding".to_owned(), "utf8".to_owned()),
                ("payload".to_owned(), "hi".to_owned()),
            ]),
        }],
        count: 1,
        closed_at: None,
        closed_reason: None,
    }
}

/// Every operation of the spec, one entry each.
#[allow(clippy::too_many_lines)]
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "claim_for_worker",
            path: "/v1/workers/worker%2F1%20a/claim".into(),
            query: vec![],
            body: Some(json!({
                "lane_id": "lane-a",
                "worker_instance_id": "w1-i1",
                "capabilities": ["gpu", "x86"],
                "grant_ttl_ms": 5000,
            })),
            successes: vec![
                Success::json(
                    200,
                    json!({
                        "execution_id": EXEC_ID,
                        "partition_key": "{fp:7}",
                        "grant_key": "ff:exec:{fp:7}:grant",
                        "expires_at_ms": 1_764_000_000_000u64,
                    }),
                    Some(ClaimForWorkerResponse {
                        execution_id: EXEC_ID.into(),
                        partition_key: "{fp:7}".into(),
                        grant_key: "ff:exec:{fp:7}:grant".into(),
                        expires_at_ms: 1_764_000_000_000,
                    }),
                ),
                Success::empty(204, None::<ClaimForWorkerResponse>),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.claim_for_worker(ClaimForWorkerRequest {
                        worker_id: "worker/1 a".into(),
                        lane_id: "lane-a".into(),
                        worker_instance_id: "w1-i1".into(),
                        capabilities: vec!["gpu".into(), "x86".into()],
                        grant_ttl_ms: 5000,
                    })
                    .await
                    .map(Outcome::from)
                })
            },
        },
        Case {
            id: "rotate_waitpoint_secret",
            path: "/v1/admin/rotate-waitpoint-secret".into(),
            query: vec![],
            body: Some(json!({"new_kid": "k2", "new_secret_hex": "ab".repeat(32)})),
            successes: vec![Success::json(
                200,
                json!({"rotated": 256, "failed": [3, 9], "new_kid": "k2"}),
                RotateWaitpointSecretResponse {
                    rotated: 256,
                    failed: vec![3, 9],
                    new_kid: "k2".into(),
                },
            )],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                        new_kid: "k2".into(),
                        new_secret_hex: "ab".repeat(32),
                    })
                    .await
                    .map(Outcome::from)
                })
            },
        },
        Case {
            id: "issue_reclaim_grant",
            path: executions_path("/reclaim"),
            query: vec![],
            body: Some(json!({
                "worker_id": "w1",
                "worker_instance_id": "w1-i2",
                "lane_id": "lane-a",
                "grant_ttl_ms": 30000,
                "capability_hash": "caps-1",
                "worker_capabilities": ["gpu"],
            })),
            successes: vec![Success::json(
                200,
                json!({
                    "status": "granted",
                    "execution_id": EXEC_ID,
                    "partition_key": "{fp:7}",
                    "grant_key": "g-1",
                    "expires_at_ms": 18_446_744_073_709_551_615u64,
                    "lane_id": "lane-a",
                }),
                IssueReclaimGrantResponse::Granted {
                    execution_id: EXEC_ID.into(),
                    partition_key: "{fp:7}".into(),
                    grant_key: "g-1".into(),
                    expires_at_ms: u64::MAX,
                    lane_id: "lane-a".into(),
                },
            )],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.issue_reclaim_grant(EXEC_ID, reclaim_request())
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "read_waitpoint_token",
            path: executions_path(&format!("/waitpoints/{WAITPOINT_ID}/token")),
            query: vec![],
            body: None,
            successes: vec![Success::json(
                200,
                json!({"token": "k2:00ff"}),
                Some("k2:00ff".to_owned()),
            )],
            absent: Some(Absent {
                messages: vec![
                    "waitpoint token not found (consumed, expired, or unknown id)".into(),
                ],
                want: None::<String>.into(),
            }),
            call: |c| {
                Box::pin(async move {
                    c.read_waitpoint_token(EXEC_ID, WAITPOINT_ID)
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "healthz",
            path: "/healthz".into(),
            query: vec![],
            body: None,
            successes: vec![Success::json(200, json!({"status": "ok"}), ())],
            absent: None,
            call: |c| Box::pin(async move { c.healthz().await.map(Outcome::from) }),
        },
        Case {
            id: "list_executions",
            path: "/v1/executions".into(),
            query: vec![
                ("cursor", EXEC_ID.into()),
                ("limit", "2".into()),
                ("partition", "7".into()),
            ],
            body: None,
            successes: vec![
                Success::json(
                    200,
                    json!({"executions": [EXEC_ID_2, "{fp:7}:ffffffff-0000-4000-8000-000000000000"], "next_cursor": "{fp:7}:ffffffff-0000-4000-8000-000000000000"}),
                    ExecutionPage {
                        executions: vec![
                            EXEC_ID_2.into(),
                            "{fp:7}:ffffffff-0000-4000-8000-000000000000".into(),
                        ],
                        next_cursor: Some("{fp:7}:ffffffff-0000-4000-8000-000000000000".into()),
                    },
                ),
                Success::json(
                    200,
                    json!({"executions": [], "next_cursor": null}),
                    ExecutionPage {
                        executions: vec![],
                        next_cursor: None,
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.list_executions(7, Some(EXEC_ID), Some(2))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "create_execution",
            path: "/v1/executions".into(),
            query: vec![],
            body: Some(json!({
                "execution_id": EXEC_ID,
                "namespace": "default",
                "lane_id": "lane-a",
                "execution_kind": "op",
                "input_payload": [0, 104, 255],
                "payload_encoding": "raw",
                "priority": 5,
                "creator_identity": "operator",
                "tags": {"team": "infra"},
                // Only what the caller set: the server applies its defaults.
                "policy": {
                    "max_replay_count": 3,
                    "budget_ids": [BUDGET_ID],
                },
                "execution_deadline_at": 1_764_400_000_000i64,
                "partition_id": 7,
                "now": NOW,
            })),
            successes: vec![
                Success::json(
                    201,
                    json!({"Created": {"execution_id": EXEC_ID, "public_state": "waiting"}}),
                    CreateExecutionResponse::Created {
                        execution_id: EXEC_ID.into(),
                        public_state: PublicState::Waiting,
                    },
                ),
                Success::json(
                    200,
                    json!({"Duplicate": {"execution_id": EXEC_ID}}),
                    CreateExecutionResponse::Duplicate {
                        execution_id: EXEC_ID.into(),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.create_execution(&create_execution_request())
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "get_execution",
            path: executions_path(""),
            query: vec![],
            body: None,
            successes: vec![Success::json(
                200,
                json!({
                    "execution_id": EXEC_ID,
                    "namespace": "default",
                    "lane_id": "lane-a",
                    "priority": 5,
                    "execution_kind": "op",
                    "state_vector": {
                        "lifecycle_phase": "active",
                        "ownership_state": "leased",
                        "eligibility_state": "not_applicable",
                        "blocking_reason": "none",
                        "terminal_outcome": "none",
                        "attempt_state": "running_attempt",
                        "public_state": "active",
                    },
                    "public_state": "active",
                    "created_at": "1764000000000",
                    "started_at": "1764000001000",
                    "current_attempt_index": 1,
                    "flow_id": null,
                    "blocking_detail": "",
                }),
                Some(ExecutionInfo {
                    execution_id: EXEC_ID.into(),
                    namespace: "default".into(),
                    lane_id: "lane-a".into(),
                    priority: 5,
                    execution_kind: "op".into(),
                    state_vector: StateVector {
                        lifecycle_phase: "active".into(),
                        ownership_state: "leased".into(),
                        eligibility_state: "not_applicable".into(),
                        blocking_reason: "none".into(),
                        terminal_outcome: "none".into(),
                        attempt_state: "running_attempt".into(),
                        public_state: PublicState::Active,
                    },
                    public_state: PublicState::Active,
                    created_at: "1764000000000".into(),
                    started_at: Some("1764000001000".into()),
                    completed_at: None,
                    current_attempt_index: 1,
                    flow_id: None,
                    blocking_detail: String::new(),
                }),
            )],
            absent: Some(Absent {
                messages: execution_not_found(),
                want: None::<ExecutionInfo>.into(),
            }),
            call: |c| Box::pin(async move { c.get_execution(EXEC_ID).await.map(Outcome::from) }),
        },
        Case {
            id: "get_execution_state",
            path: executions_path("/state"),
            query: vec![],
            body: None,
            successes: vec![
                Success::json(200, json!("waiting"), Some(PublicState::Waiting)),
                Success::json(
                    200,
                    json!("waiting_children"),
                    Some(PublicState::WaitingChildren),
                ),
            ],
            absent: Some(Absent {
                messages: execution_not_found(),
                want: None::<PublicState>.into(),
            }),
            call: |c| {
                Box::pin(async move { c.get_execution_state(EXEC_ID).await.map(Outcome::from) })
            },
        },
        Case {
            id: "list_pending_waitpoints",
            path: executions_path("/pending-waitpoints"),
            query: vec![],
            body: None,
            successes: vec![
                Success::json(
                    200,
                    json!([{
                        "waitpoint_id": WAITPOINT_ID,
                        "waitpoint_key": "approval",
                        "state": "pending",
                        "required_signal_names": ["approved"],
                        "created_at": 1_764_000_000_000i64,
                        "expires_at": 1_764_000_060_000i64,
                        "execution_id": EXEC_ID,
                        "token_kid": "k2",
                        "token_fingerprint": "00ff00ff00ff00ff",
                    }]),
                    Some(vec![PendingWaitpoint {
                        waitpoint_id: WAITPOINT_ID.into(),
                        waitpoint_key: "approval".into(),
                        state: "pending".into(),
                        required_signal_names: vec!["approved".into()],
                        created_at: 1_764_000_000_000,
                        activated_at: None,
                        expires_at: Some(1_764_000_060_000),
                        execution_id: EXEC_ID.into(),
                        token_kid: "k2".into(),
                        token_fingerprint: "00ff00ff00ff00ff".into(),
                    }]),
                ),
                Success::json(200, json!([]), Some(Vec::<PendingWaitpoint>::new())),
            ],
            absent: Some(Absent {
                messages: execution_not_found(),
                want: None::<Vec<PendingWaitpoint>>.into(),
            }),
            call: |c| {
                Box::pin(async move { c.list_pending_waitpoints(EXEC_ID).await.map(Outcome::from) })
            },
        },
        Case {
            id: "get_execution_result",
            path: executions_path("/result"),
            query: vec![],
            body: None,
            successes: vec![Success::raw(
                200,
                "application/octet-stream",
                b"\x00\x9f\xffresult",
                Some(b"\x00\x9f\xffresult".to_vec()),
            )],
            absent: Some(Absent {
                messages: vec![format!("execution result not found: {EXEC_ID}")],
                want: None::<Vec<u8>>.into(),
            }),
            call: |c| {
                Box::pin(async move { c.get_execution_result(EXEC_ID).await.map(Outcome::from) })
            },
        },
        Case {
            id: "cancel_execution",
            path: executions_path("/cancel"),
            query: vec![],
            body: Some(json!({
                "execution_id": EXEC_ID,
                "reason": "operator",
                // No `source`: the server applies its default.
                "lease_id": LEASE_ID,
                "lease_epoch": 4,
                "now": NOW,
            })),
            successes: vec![Success::json(
                200,
                json!({"Cancelled": {"execution_id": EXEC_ID, "public_state": "cancelled"}}),
                CancelExecutionResponse::Cancelled {
                    execution_id: EXEC_ID.into(),
                    public_state: PublicState::Cancelled,
                },
            )],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.cancel_execution(&cancel_execution_request(EXEC_ID))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "deliver_signal",
            path: executions_path("/signal"),
            query: vec![],
            body: Some(json!({
                "execution_id": EXEC_ID,
                "waitpoint_id": WAITPOINT_ID,
                "signal_id": SIGNAL_ID,
                "signal_name": "approved",
                "signal_category": "approval",
                "source_type": "operator",
                "source_identity": "ops-1",
                "payload": [1, 2],
                "idempotency_key": "sig-1",
                "target_scope": "waitpoint",
                "dedup_ttl_ms": 60000,
                "waitpoint_token": "k2:00ff",
                "now": NOW,
            })),
            successes: vec![
                Success::json(
                    200,
                    json!({"Accepted": {"signal_id": SIGNAL_ID, "effect": "resume_condition_satisfied"}}),
                    DeliverSignalResponse::Accepted {
                        signal_id: SIGNAL_ID.into(),
                        effect: "resume_condition_satisfied".into(),
                    },
                ),
                Success::json(
                    200,
                    json!({"Duplicate": {"existing_signal_id": SIGNAL_ID}}),
                    DeliverSignalResponse::Duplicate {
                        existing_signal_id: SIGNAL_ID.into(),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.deliver_signal(&deliver_signal_request(EXEC_ID))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "change_priority",
            path: executions_path("/priority"),
            query: vec![],
            body: Some(json!({"new_priority": 10})),
            successes: vec![Success::json(
                200,
                json!({"Changed": {"execution_id": EXEC_ID}}),
                ChangePriorityResponse::Changed {
                    execution_id: EXEC_ID.into(),
                },
            )],
            absent: None,
            call: |c| {
                Box::pin(async move { c.change_priority(EXEC_ID, 10).await.map(Outcome::from) })
            },
        },
        Case {
            id: "replay_execution",
            path: executions_path("/replay"),
            query: vec![],
            body: None,
            successes: vec![Success::json(
                200,
                json!({"Replayed": {"public_state": "waiting"}}),
                ReplayExecutionResponse::Replayed {
                    public_state: PublicState::Waiting,
                },
            )],
            absent: None,
            call: |c| Box::pin(async move { c.replay_execution(EXEC_ID).await.map(Outcome::from) }),
        },
        Case {
            id: "revoke_lease",
            path: executions_path("/revoke-lease"),
            query: vec![],
            body: None,
            successes: vec![
                Success::json(
                    200,
                    json!({"Revoked": {"lease_id": LEASE_ID, "lease_epoch": "4"}}),
                    RevokeLeaseResponse::Revoked {
                        lease_id: LEASE_ID.into(),
                        lease_epoch: "4".into(),
                    },
                ),
                Success::json(
                    200,
                    json!({"AlreadySatisfied": {"reason": "no_active_lease"}}),
                    RevokeLeaseResponse::AlreadySatisfied {
                        reason: "no_active_lease".into(),
                    },
                ),
            ],
            absent: None,
            call: |c| Box::pin(async move { c.revoke_lease(EXEC_ID).await.map(Outcome::from) }),
        },
        Case {
            id: "read_attempt_stream",
            path: executions_path("/attempts/2/stream"),
            query: vec![
                ("from", "start".into()),
                ("limit", "10".into()),
                ("to", "1764000000000-5".into()),
            ],
            body: None,
            successes: vec![Success::json(200, frames_json(), frames())],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.read_attempt_stream(EXEC_ID, 2, &stream_range())
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "tail_attempt_stream",
            path: executions_path("/attempts/2/stream/tail"),
            query: vec![
                ("after", "1764000000000-5".into()),
                ("block_ms", "250".into()),
                ("limit", "20".into()),
            ],
            body: None,
            successes: vec![
                Success::json(200, frames_json(), frames()),
                Success::json(
                    200,
                    json!({"frames": [], "count": 0, "closed_at": 1_764_000_009_000i64, "closed_reason": "attempt_success"}),
                    StreamFrames {
                        frames: vec![],
                        count: 0,
                        closed_at: Some(1_764_000_009_000),
                        closed_reason: Some("attempt_success".into()),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    let tail = StreamTail {
                        after: Some("1764000000000-5".into()),
                        block_ms: Some(250),
                        limit: Some(20),
                    };
                    c.tail_attempt_stream(EXEC_ID, 2, &tail)
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "create_flow",
            path: "/v1/flows".into(),
            query: vec![],
            body: Some(
                json!({"flow_id": FLOW_ID, "flow_kind": "pipeline", "namespace": "default", "now": NOW}),
            ),
            successes: vec![
                Success::json(
                    201,
                    json!({"Created": {"flow_id": FLOW_ID}}),
                    CreateFlowResponse::Created {
                        flow_id: FLOW_ID.into(),
                    },
                ),
                Success::json(
                    200,
                    json!({"AlreadySatisfied": {"flow_id": FLOW_ID}}),
                    CreateFlowResponse::AlreadySatisfied {
                        flow_id: FLOW_ID.into(),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.create_flow(&CreateFlowRequest {
                        flow_id: FLOW_ID.into(),
                        flow_kind: "pipeline".into(),
                        namespace: "default".into(),
                        now: NOW,
                    })
                    .await
                    .map(Outcome::from)
                })
            },
        },
        Case {
            id: "add_execution_to_flow",
            path: format!("/v1/flows/{FLOW_ID}/members"),
            query: vec![],
            body: Some(json!({"flow_id": FLOW_ID, "execution_id": EXEC_ID, "now": NOW})),
            successes: vec![
                Success::json(
                    201,
                    json!({"Added": {"execution_id": EXEC_ID, "new_node_count": 2}}),
                    AddExecutionToFlowResponse::Added {
                        execution_id: EXEC_ID.into(),
                        new_node_count: 2,
                    },
                ),
                Success::json(
                    200,
                    json!({"AlreadyMember": {"execution_id": EXEC_ID, "node_count": 2}}),
                    AddExecutionToFlowResponse::AlreadyMember {
                        execution_id: EXEC_ID.into(),
                        node_count: 2,
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.add_execution_to_flow(&add_member_request(FLOW_ID))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "cancel_flow",
            path: format!("/v1/flows/{FLOW_ID}/cancel"),
            query: vec![("wait", "true".into())],
            body: Some(
                json!({"flow_id": FLOW_ID, "reason": "shutdown", "cancellation_policy": "cancel_all", "now": NOW}),
            ),
            successes: vec![
                Success::json(
                    200,
                    json!({"Cancelled": {"cancellation_policy": "cancel_all", "member_execution_ids": [EXEC_ID]}}),
                    CancelFlowResponse::Cancelled {
                        cancellation_policy: "cancel_all".into(),
                        member_execution_ids: vec![EXEC_ID.into()],
                    },
                ),
                Success::json(
                    200,
                    json!({"CancellationScheduled": {"cancellation_policy": "cancel_all", "member_count": 2, "member_execution_ids": [EXEC_ID, EXEC_ID_2]}}),
                    CancelFlowResponse::CancellationScheduled {
                        cancellation_policy: "cancel_all".into(),
                        member_count: 2,
                        member_execution_ids: vec![EXEC_ID.into(), EXEC_ID_2.into()],
                    },
                ),
                Success::json(
                    200,
                    json!({"PartiallyCancelled": {"cancellation_policy": "cancel_all", "member_execution_ids": [EXEC_ID, EXEC_ID_2], "failed_member_execution_ids": [EXEC_ID_2]}}),
                    CancelFlowResponse::PartiallyCancelled {
                        cancellation_policy: "cancel_all".into(),
                        member_execution_ids: vec![EXEC_ID.into(), EXEC_ID_2.into()],
                        failed_member_execution_ids: vec![EXEC_ID_2.into()],
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.cancel_flow(&cancel_flow_request(FLOW_ID), true)
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "stage_dependency_edge",
            path: format!("/v1/flows/{FLOW_ID}/edges"),
            query: vec![],
            body: Some(json!({
                "flow_id": FLOW_ID,
                "edge_id": EDGE_ID,
                "upstream_execution_id": EXEC_ID,
                "downstream_execution_id": EXEC_ID_2,
                // No `dependency_kind`: the server applies its default.
                "data_passing_ref": "ref-1",
                "expected_graph_revision": 2,
                "now": NOW,
            })),
            successes: vec![Success::json(
                201,
                json!({"Staged": {"edge_id": EDGE_ID, "new_graph_revision": 3}}),
                StageDependencyEdgeResponse::Staged {
                    edge_id: EDGE_ID.into(),
                    new_graph_revision: 3,
                },
            )],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.stage_dependency_edge(&stage_edge_request(FLOW_ID))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "apply_dependency_to_child",
            path: format!("/v1/flows/{FLOW_ID}/edges/apply"),
            query: vec![],
            body: Some(json!({
                "flow_id": FLOW_ID,
                "edge_id": EDGE_ID,
                "downstream_execution_id": EXEC_ID_2,
                "upstream_execution_id": EXEC_ID,
                "graph_revision": 3,
                "dependency_kind": "success_only",
                "now": NOW,
            })),
            successes: vec![
                Success::json(
                    200,
                    json!({"Applied": {"unsatisfied_count": 1}}),
                    ApplyDependencyToChildResponse::Applied {
                        unsatisfied_count: 1,
                    },
                ),
                Success::json(
                    200,
                    json!("AlreadyApplied"),
                    ApplyDependencyToChildResponse::AlreadyApplied,
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.apply_dependency_to_child(&apply_edge_request(FLOW_ID))
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "create_budget",
            path: "/v1/budgets".into(),
            query: vec![],
            body: Some(json!({
                "budget_id": BUDGET_ID,
                "scope_type": "lane",
                "scope_id": "lane-a",
                "enforcement_mode": "strict",
                "on_hard_limit": "fail",
                "on_soft_limit": "warn",
                "reset_interval_ms": 3_600_000,
                "dimensions": ["tokens", "calls"],
                "hard_limits": [1000, 50],
                "soft_limits": [800, 40],
                "now": NOW,
            })),
            successes: vec![
                Success::json(
                    201,
                    json!({"Created": {"budget_id": BUDGET_ID}}),
                    CreateBudgetResponse::Created {
                        budget_id: BUDGET_ID.into(),
                    },
                ),
                Success::json(
                    200,
                    json!({"AlreadySatisfied": {"budget_id": BUDGET_ID}}),
                    CreateBudgetResponse::AlreadySatisfied {
                        budget_id: BUDGET_ID.into(),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.create_budget(&CreateBudgetRequest {
                        budget_id: BUDGET_ID.into(),
                        scope_type: "lane".into(),
                        scope_id: "lane-a".into(),
                        enforcement_mode: "strict".into(),
                        on_hard_limit: "fail".into(),
                        on_soft_limit: "warn".into(),
                        reset_interval_ms: 3_600_000,
                        dimensions: vec!["tokens".into(), "calls".into()],
                        hard_limits: vec![1000, 50],
                        soft_limits: vec![800, 40],
                        now: NOW,
                    })
                    .await
                    .map(Outcome::from)
                })
            },
        },
        Case {
            id: "get_budget_status",
            path: format!("/v1/budgets/{BUDGET_ID}"),
            query: vec![],
            body: None,
            successes: vec![Success::json(
                200,
                json!({
                    "budget_id": BUDGET_ID,
                    "scope_type": "lane",
                    "scope_id": "lane-a",
                    "enforcement_mode": "strict",
                    "usage": {"tokens": 10},
                    "hard_limits": {"tokens": 1000},
                    "soft_limits": {"tokens": 800},
                    "breach_count": 0,
                    "soft_breach_count": 1,
                    "last_breach_at": "1764000000000",
                    "last_breach_dim": "tokens",
                    "next_reset_at": null,
                    "created_at": "1763990000000",
                }),
                Some(BudgetStatus {
                    budget_id: BUDGET_ID.into(),
                    scope_type: "lane".into(),
                    scope_id: "lane-a".into(),
                    enforcement_mode: "strict".into(),
                    usage: BTreeMap::from([("tokens".to_owned(), 10)]),
                    hard_limits: BTreeMap::from([("tokens".to_owned(), 1000)]),
                    soft_limits: BTreeMap::from([("tokens".to_owned(), 800)]),
                    breach_count: 0,
                    soft_breach_count: 1,
                    last_breach_at: Some("1764000000000".into()),
                    last_breach_dim: Some("tokens".into()),
                    next_reset_at: None,
                    created_at: Some("1763990000000".into()),
                }),
            )],
            absent: Some(Absent {
                messages: vec!["not found: budget".into()],
                want: None::<BudgetStatus>.into(),
            }),
            call: |c| {
                Box::pin(async move { c.get_budget_status(BUDGET_ID).await.map(Outcome::from) })
            },
        },
        Case {
            id: "report_usage",
            path: format!("/v1/budgets/{BUDGET_ID}/usage"),
            query: vec![],
            body: Some(json!({"dimensions": {"tokens": 10}, "now": NOW, "dedup_key": "report-1"})),
            successes: vec![
                Success::json(200, json!("Ok"), ReportUsageResponse::Ok),
                Success::json(
                    200,
                    json!("AlreadyApplied"),
                    ReportUsageResponse::AlreadyApplied,
                ),
                Success::json(
                    200,
                    json!({"SoftBreach": {"dimension": "tokens", "current_usage": 810, "soft_limit": 800}}),
                    ReportUsageResponse::SoftBreach {
                        dimension: "tokens".into(),
                        current_usage: 810,
                        soft_limit: 800,
                    },
                ),
                Success::json(
                    200,
                    json!({"HardBreach": {"dimension": "tokens", "current_usage": 1010, "hard_limit": 1000}}),
                    ReportUsageResponse::HardBreach {
                        dimension: "tokens".into(),
                        current_usage: 1010,
                        hard_limit: 1000,
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.report_usage(BUDGET_ID, &report_usage_request())
                        .await
                        .map(Outcome::from)
                })
            },
        },
        Case {
            id: "reset_budget",
            path: format!("/v1/budgets/{BUDGET_ID}/reset"),
            query: vec![],
            body: None,
            successes: vec![Success::json(
                200,
                json!({"Reset": {"next_reset_at": 1_764_003_600_000i64}}),
                ResetBudgetResponse::Reset {
                    next_reset_at: 1_764_003_600_000,
                },
            )],
            absent: None,
            call: |c| Box::pin(async move { c.reset_budget(BUDGET_ID).await.map(Outcome::from) }),
        },
        Case {
            id: "create_quota_policy",
            path: "/v1/quotas".into(),
            query: vec![],
            body: Some(json!({
                "quota_policy_id": QUOTA_ID,
                "window_seconds": 60,
                "max_requests_per_window": 100,
                "max_concurrent": 10,
                "now": NOW,
            })),
            successes: vec![
                Success::json(
                    201,
                    json!({"Created": {"quota_policy_id": QUOTA_ID}}),
                    CreateQuotaPolicyResponse::Created {
                        quota_policy_id: QUOTA_ID.into(),
                    },
                ),
                Success::json(
                    200,
                    json!({"AlreadySatisfied": {"quota_policy_id": QUOTA_ID}}),
                    CreateQuotaPolicyResponse::AlreadySatisfied {
                        quota_policy_id: QUOTA_ID.into(),
                    },
                ),
            ],
            absent: None,
            call: |c| {
                Box::pin(async move {
                    c.create_quota_policy(&CreateQuotaPolicyRequest {
                        quota_policy_id: QUOTA_ID.into(),
                        window_seconds: 60,
                        max_requests_per_window: 100,
                        max_concurrent: 10,
                        now: NOW,
                    })
                    .await
                    .map(Outcome::from)
                })
            },
        },
        Case {
            id: "get_metrics",
            path: "/metrics".into(),
            query: vec![],
            body: None,
            successes: vec![Success::raw(
                200,
                "text/plain",
                METRICS.as_bytes(),
                METRICS.to_owned(),
            )],
            absent: None,
            call: |c| Box::pin(async move { c.get_metrics().await.map(Outcome::from) }),
        },
    ]
}

const METRICS: &str = "# TYPE ff_http_requests_total counter\nff_http_requests_total{route=\"/healthz\",status=\"200\"} 3\n";

pub fn reclaim_request() -> IssueReclaimGrantRequest {
    IssueReclaimGrantRequest {
        worker_id: "w1".into(),
        worker_instance_id: "w1-i2".into(),
        lane_id: "lane-a".into(),
        capability_hash: Some("caps-1".into()),
        grant_ttl_ms: 30000,
        route_snapshot_json: None,
        admission_summary: None,
        worker_capabilities: vec!["gpu".into()],
    }
}
