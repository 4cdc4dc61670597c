//! ff-admin-mock used the way a downstream crate uses it: a typed mock per
//! operation, then `FlowFabricAdminClient` against it, asserting what the
//! client returned and that the typed matchers saw the request.

use std::collections::BTreeMap;

use ff_admin::{
    AddExecutionToFlowRequest, AddExecutionToFlowResponse, ApplyDependencyToChildRequest,
    ApplyDependencyToChildResponse, BudgetStatus, CancelExecutionRequest, CancelExecutionResponse,
    CancelFlowRequest, CancelFlowResponse, ChangePriorityResponse, ClaimForWorkerRequest,
    ClaimForWorkerResponse, CreateBudgetRequest, CreateBudgetResponse, CreateExecutionRequest,
    CreateExecutionResponse, CreateFlowRequest, CreateFlowResponse, CreateQuotaPolicyRequest,
    CreateQuotaPolicyResponse, DeliverSignalRequest, DeliverSignalResponse, ExecutionInfo,
    ExecutionPage, FlowFabricAdminClient, IssueReclaimGrantRequest, IssueReclaimGrantResponse,
    PendingWaitpoint, PublicState, ReplayExecutionResponse, ReportUsageRequest,
    ReportUsageResponse, ResetBudgetResponse, RevokeLeaseResponse, RotateWaitpointSecretRequest,
    RotateWaitpointSecretResponse, SdkError, StageDependencyEdgeRequest,
    StageDependencyEdgeResponse, StateVector, StreamFrame, StreamFrames, StreamRange, StreamTail,
};
use ff_admin_mock::{answers, types, MockServerExt as _};
use httpmock::MockServer;

const TOKEN: &str = "downstream-token";
const EXEC: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const WAITPOINT: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

fn client(server: &MockServer) -> FlowFabricAdminClient {
    FlowFabricAdminClient::with_token(server.base_url(), TOKEN).expect("client")
}

fn claim_request(worker_id: &str) -> ClaimForWorkerRequest {
    ClaimForWorkerRequest {
        worker_id: worker_id.into(),
        lane_id: "lane-a".into(),
        worker_instance_id: "w1-i1".into(),
        capabilities: vec!["gpu".into()],
        grant_ttl_ms: 5000,
    }
}

fn reclaim_request() -> IssueReclaimGrantRequest {
    IssueReclaimGrantRequest {
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

/// Asserts an `AdminApi` error with these fields.
#[track_caller]
fn assert_api(
    err: &SdkError,
    status: u16,
    message: &str,
    kind: Option<&str>,
    retryable: Option<bool>,
) {
    match err {
        SdkError::AdminApi {
            status: s,
            message: m,
            kind: k,
            retryable: r,
            ..
        } => {
            assert_eq!(
                (*s, m.as_str(), k.as_deref(), *r),
                (status, message, kind, retryable)
            );
        }
        other => panic!("expected AdminApi {status}, got {other:?}"),
    }
}

#[tokio::test]
async fn claim_for_worker_grant_no_content_and_unauthorized() {
    let server = MockServer::start();
    let grant = answers::claim_grant(EXEC, "ff:exec:grant-1", 1_764_000_000_000);
    let granted = server.claim_for_worker(|when, then| {
        when.worker_id("pool/w 1")
            .body(&types::ClaimForWorkerRequest {
                lane_id: "lane-a".into(),
                worker_instance_id: "w1-i1".into(),
                capabilities: vec!["gpu".into()],
                grant_ttl_ms: 5000,
            });
        then.ok(&grant);
    });
    let got = client(&server)
        .claim_for_worker(claim_request("pool/w 1"))
        .await
        .expect("200");
    assert_eq!(
        got,
        Some(ClaimForWorkerResponse {
            execution_id: EXEC.into(),
            partition_key: "{fp:7}".into(),
            grant_key: "ff:exec:grant-1".into(),
            expires_at_ms: 1_764_000_000_000,
        })
    );
    granted.assert();

    let idle = server.claim_for_worker(|when, then| {
        when.worker_id("w1");
        then.no_content();
    });
    let got = client(&server).claim_for_worker(claim_request("w1")).await;
    assert_eq!(got.expect("204"), None);
    idle.assert();

    let rejected = server.claim_for_worker(|when, then| {
        when.worker_id("w2");
        then.unauthorized(&answers::unauthorized());
    });
    let err = client(&server)
        .claim_for_worker(claim_request("w2"))
        .await
        .expect_err("401");
    assert_api(&err, 401, answers::UNAUTHORIZED_MESSAGE, None, None);
    assert!(!err.is_retryable());
    rejected.assert();
}

#[tokio::test]
async fn rotate_waitpoint_secret_ok_and_too_many_requests() {
    let server = MockServer::start();
    let secret = "ab".repeat(32);
    let rotated = server.rotate_waitpoint_secret(|when, then| {
        when.body(&types::RotateWaitpointSecretRequest {
            new_kid: "k2".into(),
            new_secret_hex: secret.clone(),
        });
        then.ok(&types::RotateWaitpointSecretResponse {
            rotated: 256,
            failed: vec![3],
            new_kid: "k2".into(),
        });
    });
    let request = || RotateWaitpointSecretRequest {
        new_kid: "k2".into(),
        new_secret_hex: secret.clone(),
    };
    let got = client(&server)
        .rotate_waitpoint_secret(request())
        .await
        .expect("200");
    assert_eq!(
        got,
        RotateWaitpointSecretResponse {
            rotated: 256,
            failed: vec![3],
            new_kid: "k2".into(),
        }
    );
    rotated.assert();

    let server = MockServer::start();
    let busy = server.rotate_waitpoint_secret(|_, then| {
        then.too_many_requests(&answers::too_many_requests("admin_rotate", 1));
    });
    let err = client(&server)
        .rotate_waitpoint_secret(request())
        .await
        .expect_err("429");
    assert_api(
        &err,
        429,
        "too many concurrent admin_rotate calls (server max: 1); retry with backoff",
        None,
        Some(true),
    );
    assert!(err.is_retryable());
    busy.assert();
}

#[tokio::test]
async fn issue_reclaim_grant_every_outcome_and_not_found() {
    let server = MockServer::start();
    let cases = [
        (
            "{fp:7}:00000000-0000-4000-8000-000000000001",
            IssueReclaimGrantResponse::Granted {
                execution_id: "{fp:7}:00000000-0000-4000-8000-000000000001".into(),
                partition_key: "{fp:7}".into(),
                grant_key: "g-1".into(),
                expires_at_ms: 99,
                lane_id: "lane-a".into(),
            },
        ),
        (
            "{fp:8}:00000000-0000-4000-8000-000000000002",
            IssueReclaimGrantResponse::NotReclaimable {
                execution_id: "{fp:8}:00000000-0000-4000-8000-000000000002".into(),
                detail: "execution_not_reclaimable".into(),
            },
        ),
        (
            "{fp:9}:00000000-0000-4000-8000-000000000003",
            IssueReclaimGrantResponse::ReclaimCapExceeded {
                execution_id: "{fp:9}:00000000-0000-4000-8000-000000000003".into(),
                reclaim_count: 1000,
            },
        ),
    ];
    for (id, expected) in &cases {
        let mock = server.issue_reclaim_grant(|when, then| {
            when.execution_id(id).body(&reclaim_request());
            match expected {
                IssueReclaimGrantResponse::Granted { .. } => {
                    then.granted(id, "lane-a", "g-1", 99);
                }
                IssueReclaimGrantResponse::NotReclaimable { .. } => {
                    then.not_reclaimable(id, "execution_not_reclaimable");
                }
                IssueReclaimGrantResponse::ReclaimCapExceeded { .. } => {
                    then.reclaim_cap_exceeded(id, 1000);
                }
            }
        });
        let got = client(&server)
            .issue_reclaim_grant(*id, reclaim_request())
            .await
            .expect("200");
        assert_eq!(&got, expected);
        mock.assert();
    }

    let missing = server.issue_reclaim_grant(|when, then| {
        when.execution_id(EXEC);
        then.not_found(&answers::error("not found: execution"));
    });
    let err = client(&server)
        .issue_reclaim_grant(EXEC, reclaim_request())
        .await
        .expect_err("404");
    assert_api(&err, 404, "not found: execution", None, None);
    missing.assert();
}

#[tokio::test]
async fn read_waitpoint_token_found_and_not_found() {
    let server = MockServer::start();
    let found = server.read_waitpoint_token(|when, then| {
        when.execution_id(EXEC).waitpoint_id(WAITPOINT);
        then.token("k2:00ff");
    });
    let got = client(&server)
        .read_waitpoint_token(EXEC, WAITPOINT)
        .await
        .expect("200");
    assert_eq!(got.as_deref(), Some("k2:00ff"));
    found.assert();

    // The answer carries the header the real server sends with a credential.
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/v1/executions/%7Bfp:7%7D:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f/waitpoints/{WAITPOINT}/token",
            server.base_url()
        ))
        .send()
        .await
        .expect("raw GET");
    assert_eq!(raw.headers()["cache-control"], "no-store");

    let server = MockServer::start();
    let gone = server.read_waitpoint_token(|when, then| {
        when.waitpoint_id(WAITPOINT);
        then.token_not_found();
    });
    let got = client(&server)
        .read_waitpoint_token(EXEC, WAITPOINT)
        .await
        .expect("documented 404");
    assert_eq!(got, None);
    gone.assert();
}

#[tokio::test]
async fn healthz_ok_and_unavailable() {
    let server = MockServer::start();
    let healthy = server.healthz(|_, then| {
        then.ok(&types::HealthResponse {
            status: types::HealthResponseStatus::Ok,
        });
    });
    client(&server).healthz().await.expect("200");
    healthy.assert();

    let server = MockServer::start();
    let down = server.healthz(|_, then| {
        then.service_unavailable(&answers::unavailable("ping"));
    });
    let err = client(&server).healthz().await.expect_err("503");
    assert_api(
        &err,
        503,
        "backend op unavailable: ping",
        Some("unavailable"),
        Some(false),
    );
    assert!(!err.is_retryable(), "the server says retryable: false");
    down.assert();
}

/// A typed path matcher does not match another id: the request falls
/// through to httpmock's 404.
#[tokio::test]
async fn path_matchers_do_not_match_other_ids() {
    let server = MockServer::start();
    let other = server.read_waitpoint_token(|when, then| {
        when.execution_id("{fp:1}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f");
        then.token("k:1");
    });
    let err = client(&server)
        .read_waitpoint_token(EXEC, WAITPOINT)
        .await
        .expect_err("no mock matches");
    assert_eq!(err.status(), Some(404));
    other.assert_calls(0);
}

/// Every operation of the spec is mocked by at least one test above, with
/// its typed `MockServerExt` method. A new operation in `openapi.yaml`
/// fails here until a test uses its mock.
#[test]
fn every_spec_operation_is_used_here() {
    let source = include_str!("downstream.rs");
    let missing: Vec<&str> = ff_admin_gen::OPERATIONS
        .iter()
        .map(|op| op.id)
        .filter(|id| !source.contains(&format!("server.{id}(|")))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a downstream test using `server.<op>(|when, then| ..)`: {missing:?}"
    );
}

// Executions, flows, budgets, quotas and metrics.

const EXEC_2: &str = "{fp:7}:00000000-0000-4000-8000-0000000000b2";
const FLOW: &str = "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b";
const EDGE: &str = "9e8d7c6b-5a49-4382-9716-0f1e2d3c4b5a";
const BUDGET: &str = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
const QUOTA: &str = "1f2e3d4c-5b6a-4798-8877-665544332211";
const SIGNAL: &str = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
const NOW: i64 = 1_764_000_000_000;

fn exec_id(id: &str) -> String {
    id.into()
}

fn uuid(id: &str) -> String {
    id.into()
}

/// The state vector of a fresh execution, on the wire.
fn waiting_vector() -> types::StateVector {
    types::StateVector {
        attempt_state: "pending_first_attempt".into(),
        blocking_reason: "waiting_for_worker".into(),
        eligibility_state: "eligible_now".into(),
        lifecycle_phase: "runnable".into(),
        ownership_state: "unowned".into(),
        public_state: types::PublicState::Waiting,
        terminal_outcome: "none".into(),
    }
}

#[tokio::test]
async fn list_executions_first_and_next_page() {
    let server = MockServer::start();
    let first = server.list_executions(|when, then| {
        when.partition(7).cursor(None).limit(1);
        then.ok(&types::ExecutionPage {
            executions: vec![exec_id(EXEC_2)],
            next_cursor: Some(EXEC_2.into()),
        });
    });
    let cursor = exec_id(EXEC_2);
    let last = server.list_executions(|when, then| {
        when.partition(7).cursor(&cursor).limit(1);
        then.ok(&types::ExecutionPage {
            executions: vec![exec_id(EXEC)],
            next_cursor: None,
        });
    });
    let client = client(&server);
    let page = client.list_executions(7, None, Some(1)).await.expect("200");
    assert_eq!(
        page,
        ExecutionPage {
            executions: vec![EXEC_2.into()],
            next_cursor: Some(EXEC_2.into()),
        }
    );
    let page = client
        .list_executions(7, page.next_cursor.as_deref(), Some(1))
        .await
        .expect("200");
    assert_eq!(
        page,
        ExecutionPage {
            executions: vec![EXEC.into()],
            next_cursor: None,
        }
    );
    first.assert();
    last.assert();
}

fn create_execution_request() -> CreateExecutionRequest {
    CreateExecutionRequest {
        execution_id: EXEC.into(),
        namespace: "tenant-a".into(),
        lane_id: "lane-a".into(),
        execution_kind: "email".into(),
        input_payload: b"hi".to_vec(),
        payload_encoding: Some("text".into()),
        priority: 5,
        creator_identity: "ops".into(),
        idempotency_key: None,
        tags: BTreeMap::from([("team".to_owned(), "core".to_owned())]),
        policy: None,
        delay_until: None,
        execution_deadline_at: None,
        partition_id: 7,
        now: NOW,
    }
}

fn create_execution_body() -> types::CreateExecutionRequest {
    types::CreateExecutionRequest {
        creator_identity: "ops".into(),
        delay_until: None,
        execution_deadline_at: None,
        execution_id: exec_id(EXEC),
        execution_kind: "email".into(),
        idempotency_key: None,
        input_payload: b"hi".to_vec(),
        lane_id: "lane-a".into(),
        namespace: "tenant-a".into(),
        now: NOW,
        partition_id: 7,
        payload_encoding: Some("text".into()),
        policy: None,
        priority: 5,
        tags: [("team".to_owned(), "core".to_owned())].into(),
    }
}

#[tokio::test]
async fn create_execution_created_then_duplicate() {
    let server = MockServer::start();
    let mut created = server.create_execution(|when, then| {
        when.body(&create_execution_body());
        then.created(&types::CreateExecutionResponse::Created {
            execution_id: exec_id(EXEC),
            public_state: types::PublicState::Waiting,
        });
    });
    let got = client(&server)
        .create_execution(&create_execution_request())
        .await
        .expect("201");
    assert_eq!(
        got,
        CreateExecutionResponse::Created {
            execution_id: EXEC.into(),
            public_state: PublicState::Waiting,
        }
    );
    created.assert();
    created.delete();

    let duplicate = server.create_execution(|when, then| {
        when.body(&create_execution_body());
        then.ok(&types::CreateExecutionResponse::Duplicate {
            execution_id: exec_id(EXEC),
        });
    });
    let got = client(&server)
        .create_execution(&create_execution_request())
        .await
        .expect("200");
    assert_eq!(
        got,
        CreateExecutionResponse::Duplicate {
            execution_id: EXEC.into()
        }
    );
    duplicate.assert();
}

#[tokio::test]
async fn get_execution_found_not_found_and_another_404() {
    let server = MockServer::start();
    let found = server.get_execution(|when, then| {
        when.execution_id(EXEC);
        then.ok(&types::ExecutionInfo {
            blocking_detail: String::new(),
            completed_at: None,
            created_at: NOW.to_string(),
            current_attempt_index: 0,
            execution_id: exec_id(EXEC),
            execution_kind: "email".into(),
            flow_id: Some(FLOW.into()),
            lane_id: "lane-a".into(),
            namespace: "tenant-a".into(),
            priority: 5,
            public_state: types::PublicState::Waiting,
            started_at: None,
            state_vector: waiting_vector(),
        });
    });
    let got = client(&server).get_execution(EXEC).await.expect("200");
    assert_eq!(
        got,
        Some(ExecutionInfo {
            execution_id: EXEC.into(),
            namespace: "tenant-a".into(),
            lane_id: "lane-a".into(),
            priority: 5,
            execution_kind: "email".into(),
            state_vector: StateVector {
                lifecycle_phase: "runnable".into(),
                ownership_state: "unowned".into(),
                eligibility_state: "eligible_now".into(),
                blocking_reason: "waiting_for_worker".into(),
                terminal_outcome: "none".into(),
                attempt_state: "pending_first_attempt".into(),
                public_state: PublicState::Waiting,
            },
            public_state: PublicState::Waiting,
            created_at: NOW.to_string(),
            started_at: None,
            completed_at: None,
            current_attempt_index: 0,
            flow_id: Some(FLOW.into()),
            blocking_detail: String::new(),
        })
    );
    found.assert();

    let gone = server.get_execution(|when, then| {
        when.execution_id(EXEC_2);
        then.not_found(&answers::execution_not_found(EXEC_2));
    });
    assert_eq!(
        client(&server).get_execution(EXEC_2).await.expect("404"),
        None
    );
    gone.assert();

    // A 404 with another text (a proxy, a wrong route) stays an error.
    let other = server.get_execution(|when, then| {
        when.execution_id("{fp:1}:00000000-0000-4000-8000-000000000001");
        then.not_found(&answers::error("no route"));
    });
    let err = client(&server)
        .get_execution("{fp:1}:00000000-0000-4000-8000-000000000001")
        .await
        .expect_err("404");
    assert_api(&err, 404, "no route", None, None);
    other.assert();
}

#[tokio::test]
async fn get_execution_state_bare_string_and_not_found() {
    let server = MockServer::start();
    let state = server.get_execution_state(|when, then| {
        when.execution_id(EXEC);
        then.ok(types::PublicState::RateLimited);
    });
    let got = client(&server)
        .get_execution_state(EXEC)
        .await
        .expect("200");
    assert_eq!(got, Some(PublicState::RateLimited));
    state.assert();

    let gone = server.get_execution_state(|when, then| {
        when.execution_id(EXEC_2);
        then.not_found(&answers::entity_not_found("execution"));
    });
    let got = client(&server)
        .get_execution_state(EXEC_2)
        .await
        .expect("404");
    assert_eq!(got, None);
    gone.assert();
}

#[tokio::test]
async fn list_pending_waitpoints_list_and_not_found() {
    let server = MockServer::start();
    let listed = server.list_pending_waitpoints(|when, then| {
        when.execution_id(EXEC);
        then.ok(&vec![types::PendingWaitpoint {
            activated_at: Some(NOW + 5),
            created_at: NOW,
            execution_id: exec_id(EXEC),
            expires_at: None,
            required_signal_names: vec!["approved".into()],
            state: "active".into(),
            token_fingerprint: "00ff00ff00ff00ff".into(),
            token_kid: "k2".into(),
            waitpoint_id: uuid(WAITPOINT),
            waitpoint_key: "approval".into(),
        }]);
    });
    let got = client(&server)
        .list_pending_waitpoints(EXEC)
        .await
        .expect("200");
    assert_eq!(
        got,
        Some(vec![PendingWaitpoint {
            waitpoint_id: WAITPOINT.into(),
            waitpoint_key: "approval".into(),
            state: "active".into(),
            required_signal_names: vec!["approved".into()],
            created_at: NOW,
            activated_at: Some(NOW + 5),
            expires_at: None,
            execution_id: EXEC.into(),
            token_kid: "k2".into(),
            token_fingerprint: "00ff00ff00ff00ff".into(),
        }])
    );
    listed.assert();

    let gone = server.list_pending_waitpoints(|when, then| {
        when.execution_id(EXEC_2);
        then.not_found(&answers::execution_not_found(EXEC_2));
    });
    let got = client(&server)
        .list_pending_waitpoints(EXEC_2)
        .await
        .expect("404");
    assert_eq!(got, None);
    gone.assert();
}

#[tokio::test]
async fn get_execution_result_raw_bytes_and_not_found() {
    let server = MockServer::start();
    let bytes: &[u8] = b"\x00\xff{\"not\":\"json\"\n";
    let result = server.get_execution_result(|when, then| {
        when.execution_id(EXEC);
        then.ok(bytes);
    });
    let got = client(&server)
        .get_execution_result(EXEC)
        .await
        .expect("200");
    assert_eq!(got.as_deref(), Some(bytes));
    result.assert();

    // The answer is the spec's octet stream, not a JSON string.
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/v1/executions/%7Bfp:7%7D:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f/result",
            server.base_url()
        ))
        .send()
        .await
        .expect("raw GET");
    assert_eq!(raw.headers()["content-type"], "application/octet-stream");

    let gone = server.get_execution_result(|when, then| {
        when.execution_id(EXEC_2);
        then.not_found(&answers::result_not_found(EXEC_2));
    });
    let got = client(&server)
        .get_execution_result(EXEC_2)
        .await
        .expect("404");
    assert_eq!(got, None);
    gone.assert();
}

#[tokio::test]
async fn cancel_execution_cancelled_and_not_found() {
    let server = MockServer::start();
    let request = CancelExecutionRequest {
        execution_id: EXEC.into(),
        reason: "operator".into(),
        source: Some("operator_override".into()),
        lease_id: None,
        lease_epoch: None,
        attempt_id: None,
        now: NOW,
    };
    let cancelled = server.cancel_execution(|when, then| {
        when.execution_id(EXEC)
            .body(&types::CancelExecutionRequest {
                attempt_id: None,
                execution_id: exec_id(EXEC),
                lease_epoch: None,
                lease_id: None,
                now: NOW,
                reason: "operator".into(),
                source: Some("operator_override".into()),
            });
        then.ok(&types::CancelExecutionResponse::Cancelled {
            execution_id: exec_id(EXEC),
            public_state: types::PublicState::Cancelled,
        });
    });
    let got = client(&server)
        .cancel_execution(&request)
        .await
        .expect("200");
    assert_eq!(
        got,
        CancelExecutionResponse::Cancelled {
            execution_id: EXEC.into(),
            public_state: PublicState::Cancelled,
        }
    );
    cancelled.assert();

    let gone = server.cancel_execution(|when, then| {
        when.execution_id(EXEC_2);
        then.not_found(&answers::execution_not_found(EXEC_2));
    });
    let err = client(&server)
        .cancel_execution(&CancelExecutionRequest {
            execution_id: EXEC_2.into(),
            ..request
        })
        .await
        .expect_err("a cancel's 404 is an error");
    assert_api(
        &err,
        404,
        &format!("execution not found: {EXEC_2}"),
        None,
        None,
    );
    gone.assert();
}

fn signal_request() -> DeliverSignalRequest {
    DeliverSignalRequest {
        execution_id: EXEC.into(),
        waitpoint_id: WAITPOINT.into(),
        signal_id: SIGNAL.into(),
        signal_name: "approved".into(),
        signal_category: "human".into(),
        source_type: "operator".into(),
        source_identity: "ops".into(),
        payload: Some(vec![1, 2]),
        payload_encoding: None,
        correlation_id: None,
        idempotency_key: None,
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

#[tokio::test]
async fn deliver_signal_accepted_and_duplicate() {
    let server = MockServer::start();
    let body = types::DeliverSignalRequest {
        correlation_id: None,
        created_at: None,
        dedup_ttl_ms: Some(60_000),
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
    let mut accepted = server.deliver_signal(|when, then| {
        when.execution_id(EXEC).body(&body);
        then.ok(&types::DeliverSignalResponse::Accepted {
            effect: "resume_condition_satisfied".into(),
            signal_id: uuid(SIGNAL),
        });
    });
    let got = client(&server)
        .deliver_signal(&signal_request())
        .await
        .expect("200");
    assert_eq!(
        got,
        DeliverSignalResponse::Accepted {
            signal_id: SIGNAL.into(),
            effect: "resume_condition_satisfied".into(),
        }
    );
    accepted.assert();
    accepted.delete();

    let duplicate = server.deliver_signal(|when, then| {
        when.execution_id(EXEC).body(&body);
        then.ok(&types::DeliverSignalResponse::Duplicate {
            existing_signal_id: uuid(SIGNAL),
        });
    });
    let got = client(&server)
        .deliver_signal(&signal_request())
        .await
        .expect("200");
    assert_eq!(
        got,
        DeliverSignalResponse::Duplicate {
            existing_signal_id: SIGNAL.into()
        }
    );
    duplicate.assert();
}

#[tokio::test]
async fn change_priority_changed_and_contention() {
    let server = MockServer::start();
    let changed = server.change_priority(|when, then| {
        when.execution_id(EXEC)
            .body(&types::ChangePriorityRequest { new_priority: 42 });
        then.ok(&types::ChangePriorityResponse::Changed {
            execution_id: exec_id(EXEC),
        });
    });
    let got = client(&server)
        .change_priority(EXEC, 42)
        .await
        .expect("200");
    assert_eq!(
        got,
        ChangePriorityResponse::Changed {
            execution_id: EXEC.into()
        }
    );
    changed.assert();

    let busy = server.change_priority(|when, then| {
        when.execution_id(EXEC_2);
        then.conflict(&types::ErrorBody {
            error: "contention: execution not eligible".into(),
            kind: Some("contention".into()),
            retryable: Some(true),
        });
    });
    let err = client(&server)
        .change_priority(EXEC_2, 1)
        .await
        .expect_err("409");
    assert_api(
        &err,
        409,
        "contention: execution not eligible",
        Some("contention"),
        Some(true),
    );
    assert!(err.is_retryable());
    busy.assert();
}

#[tokio::test]
async fn replay_execution_replayed_and_not_terminal() {
    let server = MockServer::start();
    let replayed = server.replay_execution(|when, then| {
        when.execution_id(EXEC);
        then.ok(&types::ReplayExecutionResponse::Replayed {
            public_state: types::PublicState::Waiting,
        });
    });
    let got = client(&server).replay_execution(EXEC).await.expect("200");
    assert_eq!(
        got,
        ReplayExecutionResponse::Replayed {
            public_state: PublicState::Waiting
        }
    );
    replayed.assert();

    let refused = server.replay_execution(|when, then| {
        when.execution_id(EXEC_2);
        then.conflict(&answers::error("execution_not_terminal"));
    });
    let err = client(&server)
        .replay_execution(EXEC_2)
        .await
        .expect_err("409");
    assert_api(&err, 409, "execution_not_terminal", None, None);
    refused.assert();
}

#[tokio::test]
async fn revoke_lease_revoked_and_already_satisfied() {
    let server = MockServer::start();
    let revoked = server.revoke_lease(|when, then| {
        when.execution_id(EXEC);
        then.ok(&types::RevokeLeaseResponse::Revoked {
            lease_epoch: "3".into(),
            lease_id: "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f".into(),
        });
    });
    let got = client(&server).revoke_lease(EXEC).await.expect("200");
    assert_eq!(
        got,
        RevokeLeaseResponse::Revoked {
            lease_id: "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f".into(),
            lease_epoch: "3".into(),
        }
    );
    revoked.assert();

    let none = server.revoke_lease(|when, then| {
        when.execution_id(EXEC_2);
        then.ok(&types::RevokeLeaseResponse::AlreadySatisfied {
            reason: "no_active_lease".into(),
        });
    });
    let got = client(&server).revoke_lease(EXEC_2).await.expect("200");
    assert_eq!(
        got,
        RevokeLeaseResponse::AlreadySatisfied {
            reason: "no_active_lease".into()
        }
    );
    none.assert();
}

fn frames_answer() -> types::StreamFrames {
    types::StreamFrames {
        closed_at: Some(NOW + 9),
        closed_reason: Some("attempt_success".into()),
        count: 1,
        frames: vec![types::StreamFrame {
            fields: [("payload".to_owned(), "hello".to_owned())].into(),
            id: "1764000000001-0".into(),
        }],
    }
}

fn frames_expected() -> StreamFrames {
    StreamFrames {
        frames: vec![StreamFrame {
            id: "1764000000001-0".into(),
            fields: BTreeMap::from([("payload".to_owned(), "hello".to_owned())]),
        }],
        count: 1,
        closed_at: Some(NOW + 9),
        closed_reason: Some("attempt_success".into()),
    }
}

#[tokio::test]
async fn read_attempt_stream_range() {
    let server = MockServer::start();
    let from: String = "start".into();
    let to: String = "1764000000009-0".into();
    let read = server.read_attempt_stream(|when, then| {
        when.execution_id(EXEC)
            .attempt_index(2)
            .from(&from)
            .to(&to)
            .limit(10);
        then.ok(&frames_answer());
    });
    let range = StreamRange {
        from: Some("start".into()),
        to: Some("1764000000009-0".into()),
        limit: Some(10),
    };
    let got = client(&server)
        .read_attempt_stream(EXEC, 2, &range)
        .await
        .expect("200");
    assert_eq!(got, frames_expected());
    read.assert();
}

#[tokio::test]
async fn tail_attempt_stream_after_a_frame() {
    let server = MockServer::start();
    let tail = server.tail_attempt_stream(|when, then| {
        when.execution_id(EXEC)
            .attempt_index(0)
            .after("1764000000000-0")
            .block_ms(250)
            .limit(None);
        then.ok(&frames_answer());
    });
    let request = StreamTail {
        after: Some("1764000000000-0".into()),
        block_ms: Some(250),
        limit: None,
    };
    let got = client(&server)
        .tail_attempt_stream(EXEC, 0, &request)
        .await
        .expect("200");
    assert_eq!(got, frames_expected());
    tail.assert();
}

#[tokio::test]
async fn create_flow_created_then_already_satisfied() {
    let server = MockServer::start();
    let request = CreateFlowRequest {
        flow_id: FLOW.into(),
        flow_kind: "pipeline".into(),
        namespace: "tenant-a".into(),
        now: NOW,
    };
    let body = types::CreateFlowRequest {
        flow_id: uuid(FLOW),
        flow_kind: "pipeline".into(),
        namespace: "tenant-a".into(),
        now: NOW,
    };
    let mut created = server.create_flow(|when, then| {
        when.body(&body);
        then.created(&types::CreateFlowResponse::Created {
            flow_id: uuid(FLOW),
        });
    });
    let got = client(&server).create_flow(&request).await.expect("201");
    assert_eq!(
        got,
        CreateFlowResponse::Created {
            flow_id: FLOW.into()
        }
    );
    created.assert();
    created.delete();

    let exists = server.create_flow(|when, then| {
        when.body(&body);
        then.ok(&types::CreateFlowResponse::AlreadySatisfied {
            flow_id: uuid(FLOW),
        });
    });
    let got = client(&server).create_flow(&request).await.expect("200");
    assert_eq!(
        got,
        CreateFlowResponse::AlreadySatisfied {
            flow_id: FLOW.into()
        }
    );
    exists.assert();
}

#[tokio::test]
async fn add_execution_to_flow_added_then_already_member() {
    let server = MockServer::start();
    let request = AddExecutionToFlowRequest {
        flow_id: FLOW.into(),
        execution_id: EXEC.into(),
        now: NOW,
    };
    let body = types::AddExecutionToFlowRequest {
        execution_id: exec_id(EXEC),
        flow_id: uuid(FLOW),
        now: NOW,
    };
    let mut added = server.add_execution_to_flow(|when, then| {
        when.flow_id(FLOW).body(&body);
        then.created(&types::AddExecutionToFlowResponse::Added {
            execution_id: exec_id(EXEC),
            new_node_count: 1,
        });
    });
    let got = client(&server)
        .add_execution_to_flow(&request)
        .await
        .expect("201");
    assert_eq!(
        got,
        AddExecutionToFlowResponse::Added {
            execution_id: EXEC.into(),
            new_node_count: 1,
        }
    );
    added.assert();
    added.delete();

    let member = server.add_execution_to_flow(|when, then| {
        when.flow_id(FLOW).body(&body);
        then.ok(&types::AddExecutionToFlowResponse::AlreadyMember {
            execution_id: exec_id(EXEC),
            node_count: 1,
        });
    });
    let got = client(&server)
        .add_execution_to_flow(&request)
        .await
        .expect("200");
    assert_eq!(
        got,
        AddExecutionToFlowResponse::AlreadyMember {
            execution_id: EXEC.into(),
            node_count: 1,
        }
    );
    member.assert();
}

#[tokio::test]
async fn cancel_flow_waits_or_schedules() {
    let server = MockServer::start();
    let request = CancelFlowRequest {
        flow_id: FLOW.into(),
        reason: "abandoned".into(),
        cancellation_policy: "cancel_all".into(),
        now: NOW,
    };
    let body = types::CancelFlowRequest {
        cancellation_policy: "cancel_all".into(),
        flow_id: uuid(FLOW),
        now: NOW,
        reason: "abandoned".into(),
    };
    let waited = server.cancel_flow(|when, then| {
        when.flow_id(FLOW).wait("true").body(&body);
        then.ok(&types::CancelFlowResponse::Cancelled {
            cancellation_policy: "cancel_all".into(),
            member_execution_ids: vec![EXEC.into()],
        });
    });
    let scheduled = server.cancel_flow(|when, then| {
        when.flow_id(FLOW).wait("false").body(&body);
        then.ok(&types::CancelFlowResponse::CancellationScheduled {
            cancellation_policy: "cancel_all".into(),
            member_count: 1,
            member_execution_ids: vec![EXEC.into()],
        });
    });
    let client = client(&server);
    let got = client.cancel_flow(&request, true).await.expect("200");
    assert_eq!(
        got,
        CancelFlowResponse::Cancelled {
            cancellation_policy: "cancel_all".into(),
            member_execution_ids: vec![EXEC.into()],
        }
    );
    let got = client.cancel_flow(&request, false).await.expect("200");
    assert_eq!(
        got,
        CancelFlowResponse::CancellationScheduled {
            cancellation_policy: "cancel_all".into(),
            member_count: 1,
            member_execution_ids: vec![EXEC.into()],
        }
    );
    waited.assert();
    scheduled.assert();
}

#[tokio::test]
async fn stage_dependency_edge_staged_and_stale_revision() {
    let server = MockServer::start();
    let request = StageDependencyEdgeRequest {
        flow_id: FLOW.into(),
        edge_id: EDGE.into(),
        upstream_execution_id: EXEC.into(),
        downstream_execution_id: EXEC_2.into(),
        dependency_kind: Some("success_only".into()),
        data_passing_ref: None,
        expected_graph_revision: 2,
        now: NOW,
    };
    let staged = server.stage_dependency_edge(|when, then| {
        when.flow_id(FLOW).body(&types::StageDependencyEdgeRequest {
            data_passing_ref: None,
            dependency_kind: Some("success_only".into()),
            downstream_execution_id: exec_id(EXEC_2),
            edge_id: uuid(EDGE),
            expected_graph_revision: 2,
            flow_id: uuid(FLOW),
            now: NOW,
            upstream_execution_id: exec_id(EXEC),
        });
        then.created(&types::StageDependencyEdgeResponse::Staged {
            edge_id: uuid(EDGE),
            new_graph_revision: 3,
        });
    });
    let got = client(&server)
        .stage_dependency_edge(&request)
        .await
        .expect("201");
    assert_eq!(
        got,
        StageDependencyEdgeResponse::Staged {
            edge_id: EDGE.into(),
            new_graph_revision: 3,
        }
    );
    staged.assert();

    let server = MockServer::start();
    let stale = server.stage_dependency_edge(|when, then| {
        when.flow_id(FLOW);
        then.conflict(&types::ErrorBody {
            error: "contention: stale graph revision".into(),
            kind: Some("contention".into()),
            retryable: Some(true),
        });
    });
    let err = client(&server)
        .stage_dependency_edge(&request)
        .await
        .expect_err("409");
    assert!(err.is_retryable());
    stale.assert();
}

#[tokio::test]
async fn apply_dependency_to_child_applied_and_bare_already_applied() {
    let server = MockServer::start();
    let request = ApplyDependencyToChildRequest {
        flow_id: FLOW.into(),
        edge_id: EDGE.into(),
        downstream_execution_id: EXEC_2.into(),
        upstream_execution_id: EXEC.into(),
        graph_revision: 3,
        dependency_kind: Some("success_only".into()),
        data_passing_ref: None,
        now: NOW,
    };
    let body = types::ApplyDependencyToChildRequest {
        data_passing_ref: None,
        dependency_kind: Some("success_only".into()),
        downstream_execution_id: exec_id(EXEC_2),
        edge_id: uuid(EDGE),
        flow_id: uuid(FLOW),
        graph_revision: 3,
        now: NOW,
        upstream_execution_id: exec_id(EXEC),
    };
    let mut applied = server.apply_dependency_to_child(|when, then| {
        when.flow_id(FLOW).body(&body);
        then.ok(&types::ApplyDependencyToChildResponse::Applied {
            unsatisfied_count: 1,
        });
    });
    let got = client(&server)
        .apply_dependency_to_child(&request)
        .await
        .expect("200");
    assert_eq!(
        got,
        ApplyDependencyToChildResponse::Applied {
            unsatisfied_count: 1
        }
    );
    applied.assert();
    applied.delete();

    let again = server.apply_dependency_to_child(|when, then| {
        when.flow_id(FLOW).body(&body);
        // The bare JSON string `"AlreadyApplied"`.
        then.ok(&types::ApplyDependencyToChildResponse::AlreadyApplied);
    });
    let got = client(&server)
        .apply_dependency_to_child(&request)
        .await
        .expect("200");
    assert_eq!(got, ApplyDependencyToChildResponse::AlreadyApplied);
    again.assert();
}

#[tokio::test]
async fn create_budget_created_then_already_satisfied() {
    let server = MockServer::start();
    let request = CreateBudgetRequest {
        budget_id: BUDGET.into(),
        scope_type: "lane".into(),
        scope_id: "lane-a".into(),
        enforcement_mode: "strict".into(),
        on_hard_limit: "reject".into(),
        on_soft_limit: "warn".into(),
        reset_interval_ms: 3_600_000,
        dimensions: vec!["tokens".into()],
        hard_limits: vec![1000],
        soft_limits: vec![800],
        now: NOW,
    };
    let body = types::CreateBudgetRequest {
        budget_id: uuid(BUDGET),
        dimensions: vec!["tokens".into()],
        enforcement_mode: "strict".into(),
        hard_limits: vec![1000],
        now: NOW,
        on_hard_limit: "reject".into(),
        on_soft_limit: "warn".into(),
        reset_interval_ms: 3_600_000,
        scope_id: "lane-a".into(),
        scope_type: "lane".into(),
        soft_limits: vec![800],
    };
    let mut created = server.create_budget(|when, then| {
        when.body(&body);
        then.created(&types::CreateBudgetResponse::Created {
            budget_id: uuid(BUDGET),
        });
    });
    let got = client(&server).create_budget(&request).await.expect("201");
    assert_eq!(
        got,
        CreateBudgetResponse::Created {
            budget_id: BUDGET.into()
        }
    );
    created.assert();
    created.delete();

    let exists = server.create_budget(|when, then| {
        when.body(&body);
        then.ok(&types::CreateBudgetResponse::AlreadySatisfied {
            budget_id: uuid(BUDGET),
        });
    });
    let got = client(&server).create_budget(&request).await.expect("200");
    assert_eq!(
        got,
        CreateBudgetResponse::AlreadySatisfied {
            budget_id: BUDGET.into()
        }
    );
    exists.assert();
}

#[tokio::test]
async fn get_budget_status_found_and_not_found() {
    let server = MockServer::start();
    let found = server.get_budget_status(|when, then| {
        when.budget_id(BUDGET);
        then.ok(&types::BudgetStatus {
            breach_count: 0,
            budget_id: BUDGET.into(),
            created_at: Some(NOW.to_string()),
            enforcement_mode: "strict".into(),
            hard_limits: [("tokens".to_owned(), 1000)].into(),
            last_breach_at: None,
            last_breach_dim: None,
            next_reset_at: Some((NOW + 3_600_000).to_string()),
            scope_id: "lane-a".into(),
            scope_type: "lane".into(),
            soft_breach_count: 1,
            soft_limits: [("tokens".to_owned(), 800)].into(),
            usage: [("tokens".to_owned(), 850)].into(),
        });
    });
    let got = client(&server)
        .get_budget_status(BUDGET)
        .await
        .expect("200");
    assert_eq!(
        got,
        Some(BudgetStatus {
            budget_id: BUDGET.into(),
            scope_type: "lane".into(),
            scope_id: "lane-a".into(),
            enforcement_mode: "strict".into(),
            usage: BTreeMap::from([("tokens".to_owned(), 850)]),
            hard_limits: BTreeMap::from([("tokens".to_owned(), 1000)]),
            soft_limits: BTreeMap::from([("tokens".to_owned(), 800)]),
            breach_count: 0,
            soft_breach_count: 1,
            last_breach_at: None,
            last_breach_dim: None,
            next_reset_at: Some((NOW + 3_600_000).to_string()),
            created_at: Some(NOW.to_string()),
        })
    );
    found.assert();

    let server = MockServer::start();
    let gone = server.get_budget_status(|when, then| {
        when.budget_id(BUDGET);
        then.not_found(&answers::entity_not_found("budget"));
    });
    let got = client(&server)
        .get_budget_status(BUDGET)
        .await
        .expect("404");
    assert_eq!(got, None);
    gone.assert();
}

#[tokio::test]
async fn report_usage_every_outcome() {
    let server = MockServer::start();
    let request = ReportUsageRequest {
        dimensions: BTreeMap::from([("tokens".to_owned(), 50)]),
        now: NOW,
        dedup_key: Some("report-1".into()),
    };
    let body = types::ReportUsageRequest {
        dedup_key: Some("report-1".into()),
        dimensions: [("tokens".to_owned(), 50)].into(),
        now: NOW,
    };
    let cases = [
        (types::ReportUsageResponse::Ok, ReportUsageResponse::Ok),
        (
            types::ReportUsageResponse::AlreadyApplied,
            ReportUsageResponse::AlreadyApplied,
        ),
        (
            types::ReportUsageResponse::SoftBreach {
                current_usage: 850,
                dimension: "tokens".into(),
                soft_limit: 800,
            },
            ReportUsageResponse::SoftBreach {
                dimension: "tokens".into(),
                current_usage: 850,
                soft_limit: 800,
            },
        ),
        (
            types::ReportUsageResponse::HardBreach {
                current_usage: 1050,
                dimension: "tokens".into(),
                hard_limit: 1000,
            },
            ReportUsageResponse::HardBreach {
                dimension: "tokens".into(),
                current_usage: 1050,
                hard_limit: 1000,
            },
        ),
    ];
    for (answer, expected) in cases {
        let mut mock = server.report_usage(|when, then| {
            when.budget_id(BUDGET).body(&body);
            then.ok(&answer);
        });
        let got = client(&server)
            .report_usage(BUDGET, &request)
            .await
            .expect("200");
        assert_eq!(got, expected);
        mock.assert();
        mock.delete();
    }
}

#[tokio::test]
async fn reset_budget_reset_and_not_found() {
    let server = MockServer::start();
    let reset = server.reset_budget(|when, then| {
        when.budget_id(BUDGET);
        then.ok(&types::ResetBudgetResponse::Reset {
            next_reset_at: NOW + 3_600_000,
        });
    });
    let got = client(&server).reset_budget(BUDGET).await.expect("200");
    assert_eq!(
        got,
        ResetBudgetResponse::Reset {
            next_reset_at: NOW + 3_600_000
        }
    );
    reset.assert();

    let server = MockServer::start();
    let gone = server.reset_budget(|when, then| {
        when.budget_id(BUDGET);
        then.not_found(&answers::entity_not_found("budget"));
    });
    let err = client(&server)
        .reset_budget(BUDGET)
        .await
        .expect_err("a reset's 404 is an error");
    assert_api(&err, 404, "not found: budget", None, None);
    gone.assert();
}

#[tokio::test]
async fn create_quota_policy_created_then_already_satisfied() {
    let server = MockServer::start();
    let request = CreateQuotaPolicyRequest {
        quota_policy_id: QUOTA.into(),
        window_seconds: 60,
        max_requests_per_window: 100,
        max_concurrent: 4,
        now: NOW,
    };
    let body = types::CreateQuotaPolicyRequest {
        max_concurrent: 4,
        max_requests_per_window: 100,
        now: NOW,
        quota_policy_id: uuid(QUOTA),
        window_seconds: 60,
    };
    let mut created = server.create_quota_policy(|when, then| {
        when.body(&body);
        then.created(&types::CreateQuotaPolicyResponse::Created {
            quota_policy_id: uuid(QUOTA),
        });
    });
    let got = client(&server)
        .create_quota_policy(&request)
        .await
        .expect("201");
    assert_eq!(
        got,
        CreateQuotaPolicyResponse::Created {
            quota_policy_id: QUOTA.into()
        }
    );
    created.assert();
    created.delete();

    let exists = server.create_quota_policy(|when, then| {
        when.body(&body);
        then.ok(&types::CreateQuotaPolicyResponse::AlreadySatisfied {
            quota_policy_id: uuid(QUOTA),
        });
    });
    let got = client(&server)
        .create_quota_policy(&request)
        .await
        .expect("200");
    assert_eq!(
        got,
        CreateQuotaPolicyResponse::AlreadySatisfied {
            quota_policy_id: QUOTA.into()
        }
    );
    exists.assert();
}

#[tokio::test]
async fn get_metrics_text_and_unrouted() {
    let server = MockServer::start();
    let text = "# TYPE ff_http_requests_total counter\nff_http_requests_total 3\n";
    let metrics = server.get_metrics(|_, then| {
        then.ok(text);
    });
    let got = client(&server).get_metrics().await.expect("200");
    assert_eq!(got, text);
    metrics.assert();

    let server = MockServer::start();
    let unrouted = server.get_metrics(|_, then| {
        then.not_found();
    });
    let err = client(&server).get_metrics().await.expect_err("404");
    assert_eq!(err.status(), Some(404));
    unrouted.assert();
}
