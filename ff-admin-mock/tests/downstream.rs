//! ff-admin-mock used the way a downstream crate uses it: a typed mock per
//! operation, then `FlowFabricAdminClient` against it, asserting what the
//! client returned and that the typed matchers saw the request.

use ff_admin::{
    ClaimForWorkerRequest, ClaimForWorkerResponse, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, RotateWaitpointSecretResponse,
    SdkError,
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
        when.worker_id("pool/w 1").body(&types::ClaimForWorkerBody {
            lane_id: types::LaneId("lane-a".into()),
            worker_instance_id: types::Identifier("w1-i1".into()),
            capabilities: vec!["gpu".into()],
            grant_ttl_ms: types::GrantTtlMs(5000),
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
        when.body(&types::RotateWaitpointSecretBody {
            new_kid: "k2".into(),
            new_secret_hex: secret.clone(),
        });
        then.ok(&types::RotateWaitpointSecretResult {
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
            when.execution_id(id)
                .body(&types::IssueReclaimGrantBody::from(reclaim_request()));
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
    let spec: serde_json::Value =
        serde_yaml_ng::from_str(include_str!("../openapi.yaml")).expect("openapi.yaml parses");
    let source = include_str!("downstream.rs");
    let mut missing = Vec::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            if !source.contains(&format!("server.{id}(|")) {
                missing.push(id.to_owned());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a downstream test using `server.<op>(|when, then| ..)`: {missing:?}"
    );
}
