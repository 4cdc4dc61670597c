//! Contract tests against httpmock: for every operation and every status the
//! spec documents, the request the client sends (method, encoded path, JSON
//! body, Authorization) and the typed result it returns.

use std::time::Duration;

use ff_admin::{
    ClaimForWorkerRequest, ClaimForWorkerResponse, FlowFabricAdminClient, IssueReclaimGrantRequest,
    IssueReclaimGrantResponse, RotateWaitpointSecretRequest, RotateWaitpointSecretResponse,
    SdkError,
};
use ff_admin_contract_tests::{closed_port, documented_answers, raw_http_server, DocumentedAnswer};
use httpmock::prelude::*;
use serde_json::{json, Value};

const TOKEN: &str = "tok-3f9a";
const EXEC_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const EXEC_ID_ENCODED: &str = "%7Bfp:7%7D:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const WAITPOINT_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

/// One call of each operation, with fixed inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Claim,
    Rotate,
    Reclaim,
    Token,
    Healthz,
}

impl Operation {
    fn from_id(id: &str) -> Self {
        match id {
            "claim_for_worker" => Self::Claim,
            "rotate_waitpoint_secret" => Self::Rotate,
            "issue_reclaim_grant" => Self::Reclaim,
            "read_waitpoint_token" => Self::Token,
            "healthz" => Self::Healthz,
            other => panic!("the spec has an operation these tests do not know: {other}"),
        }
    }

    fn method(self) -> httpmock::Method {
        match self {
            Self::Claim | Self::Rotate | Self::Reclaim => POST,
            Self::Token | Self::Healthz => GET,
        }
    }

    fn path(self) -> String {
        match self {
            Self::Claim => "/v1/workers/worker%2F1%20a/claim".to_owned(),
            Self::Rotate => "/v1/admin/rotate-waitpoint-secret".to_owned(),
            Self::Reclaim => format!("/v1/executions/{EXEC_ID_ENCODED}/reclaim"),
            Self::Token => {
                format!("/v1/executions/{EXEC_ID_ENCODED}/waitpoints/{WAITPOINT_ID}/token")
            }
            Self::Healthz => "/healthz".to_owned(),
        }
    }

    /// The JSON body the client must send.
    fn expected_body(self) -> Option<Value> {
        match self {
            Self::Claim => Some(json!({
                "lane_id": "lane-a",
                "worker_instance_id": "w1-i1",
                "capabilities": ["gpu", "x86"],
                "grant_ttl_ms": 5000,
            })),
            Self::Rotate => Some(json!({"new_kid": "k2", "new_secret_hex": "ab".repeat(32)})),
            Self::Reclaim => Some(json!({
                "worker_id": "w1",
                "worker_instance_id": "w1-i2",
                "lane_id": "lane-a",
                "grant_ttl_ms": 30000,
                "capability_hash": "caps-1",
                "worker_capabilities": ["gpu"],
            })),
            Self::Token | Self::Healthz => None,
        }
    }

    /// A documented 200 body.
    fn success_body(self) -> Value {
        match self {
            Self::Claim => json!({
                "execution_id": EXEC_ID,
                "partition_key": "{fp:7}",
                "grant_key": "ff:exec:{fp:7}:grant",
                "expires_at_ms": 1_764_000_000_000u64,
            }),
            Self::Rotate => json!({"rotated": 256, "failed": [3, 9], "new_kid": "k2"}),
            Self::Reclaim => json!({
                "status": "granted",
                "execution_id": EXEC_ID,
                "partition_key": "{fp:7}",
                "grant_key": "g-1",
                "expires_at_ms": 18_446_744_073_709_551_615u64,
                "lane_id": "lane-a",
            }),
            Self::Token => json!({"token": "k2:00ff"}),
            Self::Healthz => json!({"status": "ok"}),
        }
    }

    async fn call(self, client: &FlowFabricAdminClient) -> Result<Outcome, SdkError> {
        Ok(match self {
            Self::Claim => Outcome::Claim(
                client
                    .claim_for_worker(ClaimForWorkerRequest {
                        worker_id: "worker/1 a".into(),
                        lane_id: "lane-a".into(),
                        worker_instance_id: "w1-i1".into(),
                        capabilities: vec!["gpu".into(), "x86".into()],
                        grant_ttl_ms: 5000,
                    })
                    .await?,
            ),
            Self::Rotate => Outcome::Rotate(
                client
                    .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                        new_kid: "k2".into(),
                        new_secret_hex: "ab".repeat(32),
                    })
                    .await?,
            ),
            Self::Reclaim => Outcome::Reclaim(
                client
                    .issue_reclaim_grant(
                        EXEC_ID,
                        IssueReclaimGrantRequest {
                            worker_id: "w1".into(),
                            worker_instance_id: "w1-i2".into(),
                            lane_id: "lane-a".into(),
                            capability_hash: Some("caps-1".into()),
                            grant_ttl_ms: 30000,
                            route_snapshot_json: None,
                            admission_summary: None,
                            worker_capabilities: vec!["gpu".into()],
                        },
                    )
                    .await?,
            ),
            Self::Token => {
                Outcome::Token(client.read_waitpoint_token(EXEC_ID, WAITPOINT_ID).await?)
            }
            Self::Healthz => {
                client.healthz().await?;
                Outcome::Healthy
            }
        })
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Claim(Option<ClaimForWorkerResponse>),
    Rotate(RotateWaitpointSecretResponse),
    Reclaim(IssueReclaimGrantResponse),
    Token(Option<String>),
    Healthy,
}

/// Mocks `op` answering `status` with `body` (and content type), matching
/// only the exact request the client must send.
async fn mock_answer<'a>(
    server: &'a MockServer,
    op: Operation,
    authorized: bool,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> httpmock::Mock<'a> {
    let content_type = content_type.map(str::to_owned);
    let body = body.to_vec();
    server
        .mock_async(|when, then| {
            let mut when = when.method(op.method()).path(op.path());
            when = if authorized {
                when.header("authorization", format!("Bearer {TOKEN}"))
            } else {
                when.header_missing("authorization")
            };
            if let Some(expected) = op.expected_body() {
                when = when
                    .header("content-type", "application/json")
                    .json_body(expected);
            }
            let _ = when;
            let mut then = then.status(status);
            if let Some(content_type) = content_type {
                then = then.header("content-type", content_type);
            }
            then.body(body);
        })
        .await
}

fn client(server: &MockServer, authorized: bool) -> FlowFabricAdminClient {
    if authorized {
        FlowFabricAdminClient::with_token(server.base_url(), TOKEN).expect("client")
    } else {
        FlowFabricAdminClient::new(server.base_url()).expect("client")
    }
}

/// What the client must return for a documented answer.
fn expected_success(op: Operation, status: u16) -> Outcome {
    match (op, status) {
        (Operation::Claim, 204) => Outcome::Claim(None),
        (Operation::Claim, _) => Outcome::Claim(Some(ClaimForWorkerResponse {
            execution_id: EXEC_ID.into(),
            partition_key: "{fp:7}".into(),
            grant_key: "ff:exec:{fp:7}:grant".into(),
            expires_at_ms: 1_764_000_000_000,
        })),
        (Operation::Rotate, _) => Outcome::Rotate(RotateWaitpointSecretResponse {
            rotated: 256,
            failed: vec![3, 9],
            new_kid: "k2".into(),
        }),
        (Operation::Reclaim, _) => Outcome::Reclaim(IssueReclaimGrantResponse::Granted {
            execution_id: EXEC_ID.into(),
            partition_key: "{fp:7}".into(),
            grant_key: "g-1".into(),
            expires_at_ms: u64::MAX,
            lane_id: "lane-a".into(),
        }),
        (Operation::Token, _) => Outcome::Token(Some("k2:00ff".into())),
        (Operation::Healthz, _) => Outcome::Healthy,
    }
}

/// Every documented answer of every operation, with and without a token.
#[tokio::test]
async fn every_documented_answer_of_every_operation() {
    let answers = documented_answers();
    assert!(
        answers.len() > 40,
        "the spec documents {} answers",
        answers.len()
    );
    let mut checked = 0;
    for DocumentedAnswer {
        operation_id,
        status,
        content_type,
    } in &answers
    {
        let op = Operation::from_id(operation_id);
        for authorized in [true, false] {
            let server = MockServer::start_async().await;
            let label = format!("{operation_id} {status} {content_type:?} authorized={authorized}");
            let ct = content_type.as_deref();
            let result = match (*status, ct) {
                (200..=299, Some("application/json")) => {
                    let body = op.success_body().to_string();
                    let mock =
                        mock_answer(&server, op, authorized, *status, ct, body.as_bytes()).await;
                    let got = op.call(&client(&server, authorized)).await;
                    mock.assert_async().await;
                    assert_eq!(got.expect(&label), expected_success(op, *status), "{label}");
                    None
                }
                (200..=299, None) => {
                    let mock = mock_answer(&server, op, authorized, *status, None, b"").await;
                    let got = op.call(&client(&server, authorized)).await;
                    mock.assert_async().await;
                    assert_eq!(got.expect(&label), expected_success(op, *status), "{label}");
                    None
                }
                (_, Some("application/json")) => {
                    let body = if *status == 413 {
                        json!({"error": "payload_too_large", "limit_bytes": 65536, "route": "/r"})
                    } else {
                        json!({"error": format!("failure {status}"), "kind": "k", "retryable": *status == 503})
                    };
                    let mock = mock_answer(
                        &server,
                        op,
                        authorized,
                        *status,
                        ct,
                        body.to_string().as_bytes(),
                    )
                    .await;
                    let got = op.call(&client(&server, authorized)).await;
                    mock.assert_async().await;
                    Some((got, body))
                }
                (_, Some("text/plain")) => {
                    let body = "Invalid URL: Cannot parse `x`";
                    let mock =
                        mock_answer(&server, op, authorized, *status, ct, body.as_bytes()).await;
                    let got = op.call(&client(&server, authorized)).await;
                    mock.assert_async().await;
                    Some((got, Value::String(body.into())))
                }
                other => panic!("{label}: no case for {other:?}"),
            };
            if let Some((got, body)) = result {
                let err = got.expect_err(&label);
                match (&err, &body) {
                    (
                        SdkError::AdminApi {
                            status: s,
                            message,
                            kind,
                            retryable,
                            raw_body,
                        },
                        Value::Object(fields),
                    ) => {
                        assert_eq!(*s, *status, "{label}");
                        assert_eq!(raw_body, &body.to_string(), "{label}");
                        if *status == 413 {
                            assert_eq!(
                                message, "payload_too_large: the body exceeds 65536 bytes on /r",
                                "{label}"
                            );
                            assert_eq!(kind, &None, "{label}");
                        } else {
                            assert_eq!(message, &format!("failure {status}"), "{label}");
                            assert_eq!(kind.as_deref(), Some("k"), "{label}");
                            assert_eq!(*retryable, fields["retryable"].as_bool(), "{label}");
                            assert_eq!(err.is_retryable(), *status == 503, "{label}");
                        }
                    }
                    (
                        SdkError::AdminApi {
                            status: s,
                            message,
                            kind: None,
                            retryable: None,
                            raw_body,
                        },
                        Value::String(text),
                    ) => {
                        assert_eq!(*s, *status, "{label}");
                        assert_eq!(message, text, "{label}");
                        assert_eq!(raw_body, text, "{label}");
                    }
                    _ => panic!("{label}: unexpected error {err:?}"),
                }
                assert_eq!(err.status(), Some(*status), "{label}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, answers.len() * 2);
}

/// The answers the spec documents are exactly the ones these tests know.
#[test]
fn documented_answers_are_the_expected_set() {
    let got: Vec<String> = documented_answers()
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a.operation_id,
                a.status,
                a.content_type.as_deref().unwrap_or("-")
            )
        })
        .collect();
    let json = "application/json";
    let mut want = Vec::new();
    for (op, statuses) in [
        (
            "claim_for_worker",
            &[200, 400, 401, 409, 413, 415, 422, 429, 500, 503][..],
        ),
        ("healthz", &[200, 500, 503][..]),
        (
            "issue_reclaim_grant",
            &[200, 400, 401, 404, 409, 413, 415, 422, 429, 500, 503][..],
        ),
        ("read_waitpoint_token", &[200, 400, 401, 404, 500, 503][..]),
        (
            "rotate_waitpoint_secret",
            &[200, 400, 401, 409, 413, 415, 422, 429, 500, 503, 504][..],
        ),
    ] {
        for status in statuses {
            want.push(format!("{op} {status} {json}"));
        }
    }
    for extra in [
        "claim_for_worker 204 -",
        "claim_for_worker 400 text/plain",
        "claim_for_worker 413 text/plain",
        "issue_reclaim_grant 400 text/plain",
        "issue_reclaim_grant 413 text/plain",
        "read_waitpoint_token 400 text/plain",
        "rotate_waitpoint_secret 413 text/plain",
    ] {
        want.push(extra.to_owned());
    }
    want.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, want);
}

#[tokio::test]
async fn claim_without_capabilities_sends_the_minimal_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/workers/w1/claim").json_body(
                json!({"lane_id": "default", "worker_instance_id": "i", "grant_ttl_ms": 1}),
            );
            then.status(204);
        })
        .await;
    let got = client(&server, false)
        .claim_for_worker(ClaimForWorkerRequest {
            worker_id: "w1".into(),
            lane_id: "default".into(),
            worker_instance_id: "i".into(),
            capabilities: vec![],
            grant_ttl_ms: 1,
        })
        .await
        .expect("204");
    assert_eq!(got, None);
    mock.assert_async().await;
}

#[tokio::test]
async fn reclaim_decodes_every_status_variant() {
    let server = MockServer::start_async().await;
    let client = client(&server, true);
    let cases = [
        (
            json!({"status": "not_reclaimable", "execution_id": EXEC_ID, "detail": "lifecycle_phase=submitted (expected active)"}),
            IssueReclaimGrantResponse::NotReclaimable {
                execution_id: EXEC_ID.into(),
                detail: "lifecycle_phase=submitted (expected active)".into(),
            },
        ),
        (
            json!({"status": "reclaim_cap_exceeded", "execution_id": EXEC_ID, "reclaim_count": 1000}),
            IssueReclaimGrantResponse::ReclaimCapExceeded {
                execution_id: EXEC_ID.into(),
                reclaim_count: 1000,
            },
        ),
    ];
    for (body, want) in cases {
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path(Operation::Reclaim.path());
                then.status(200).json_body(body.clone());
            })
            .await;
        let got = Operation::Reclaim.call(&client).await.expect("200");
        assert_eq!(got, Outcome::Reclaim(want));
        mock.delete_async().await;
    }
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(Operation::Reclaim.path());
            then.status(200)
                .json_body(json!({"status": "rehomed", "execution_id": EXEC_ID}));
        })
        .await;
    let err = Operation::Reclaim
        .call(&client)
        .await
        .expect_err("unknown status");
    assert!(
        matches!(err, SdkError::Decode { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.raw_body().unwrap().contains("rehomed"));
    mock.assert_async().await;
}

#[tokio::test]
async fn path_ids_are_encoded_as_one_segment() {
    let server = MockServer::start_async().await;
    let client = client(&server, false);
    let cases = [
        ("{fp:7}:abc", "%7Bfp:7%7D:abc"),
        ("a/b", "a%2Fb"),
        ("a b", "a%20b"),
        ("100%", "100%25"),
        ("ünï", "%C3%BCn%C3%AF"),
        ("q?x#y", "q%3Fx%23y"),
    ];
    for (raw, encoded) in cases {
        let path = format!("/v1/executions/{encoded}/waitpoints/{encoded}/token");
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path(path.clone());
                then.status(200).json_body(json!({"token": raw}));
            })
            .await;
        let got = client.read_waitpoint_token(raw, raw).await.expect(raw);
        assert_eq!(got.as_deref(), Some(raw));
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/workers/{encoded}/claim");
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path(path.clone());
                then.status(204);
            })
            .await;
        let got = client
            .claim_for_worker(ClaimForWorkerRequest {
                worker_id: raw.into(),
                lane_id: "l".into(),
                worker_instance_id: "i".into(),
                capabilities: vec![],
                grant_ttl_ms: 1,
            })
            .await
            .expect(raw);
        assert_eq!(got, None);
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn empty_and_dot_ids_are_rejected_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = client(&server, false);
    for bad in ["", ".", ".."] {
        let err = client
            .read_waitpoint_token(bad, WAITPOINT_ID)
            .await
            .expect_err(bad);
        assert!(
            matches!(&err, SdkError::Config { field: Some(f), .. } if f == "execution_id"),
            "{err:?}"
        );
        let err = client
            .read_waitpoint_token(EXEC_ID, bad)
            .await
            .expect_err(bad);
        assert!(
            matches!(&err, SdkError::Config { field: Some(f), .. } if f == "waitpoint_id"),
            "{err:?}"
        );
        let err = client
            .issue_reclaim_grant(
                bad,
                IssueReclaimGrantRequest {
                    worker_id: "w".into(),
                    worker_instance_id: "i".into(),
                    lane_id: "l".into(),
                    capability_hash: None,
                    grant_ttl_ms: 1,
                    route_snapshot_json: None,
                    admission_summary: None,
                    worker_capabilities: vec![],
                },
            )
            .await
            .expect_err(bad);
        assert!(!err.is_retryable());
        let err = client
            .claim_for_worker(ClaimForWorkerRequest {
                worker_id: bad.into(),
                lane_id: "l".into(),
                worker_instance_id: "i".into(),
                capabilities: vec![],
                grant_ttl_ms: 1,
            })
            .await
            .expect_err(bad);
        assert!(
            matches!(&err, SdkError::Config { field: Some(f), .. } if f == "worker_id"),
            "{err:?}"
        );
    }
    assert_eq!(
        any.calls_async().await,
        0,
        "nothing may be sent for an invalid id"
    );
}

#[tokio::test]
async fn only_the_documented_404_reads_as_no_token() {
    let server = MockServer::start_async().await;
    let client = client(&server, true);
    let documented = server
        .mock_async(|when, then| {
            when.method(GET).path(Operation::Token.path());
            then.status(404)
                .header("cache-control", "no-store")
                .json_body(json!({"error": "waitpoint token not found (consumed, expired, or unknown id)"}));
        })
        .await;
    assert_eq!(
        client
            .read_waitpoint_token(EXEC_ID, WAITPOINT_ID)
            .await
            .expect("404"),
        None
    );
    documented.assert_async().await;

    // A wrong base path: the server's fallback 404 has an empty body.
    let prefixed =
        FlowFabricAdminClient::new(format!("{}/wrong/", server.base_url())).expect("client");
    let err = prefixed
        .read_waitpoint_token(EXEC_ID, WAITPOINT_ID)
        .await
        .expect_err("plain 404");
    assert!(
        matches!(err, SdkError::AdminApi { status: 404, .. }),
        "{err:?}"
    );

    // A 404 for the execution is not "no token" either.
    let other = MockServer::start_async().await;
    other
        .mock_async(|when, then| {
            when.any_request();
            then.status(404)
                .json_body(json!({"error": "not found: execution"}));
        })
        .await;
    let err = FlowFabricAdminClient::new(other.base_url())
        .expect("client")
        .read_waitpoint_token(EXEC_ID, WAITPOINT_ID)
        .await
        .expect_err("other 404");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 404, message, .. } if message == "not found: execution"),
        "{err:?}"
    );
}

#[tokio::test]
async fn non_json_and_empty_error_bodies_keep_status_and_text() {
    let server = MockServer::start_async().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(502)
                .header("content-type", "text/html")
                .body(html);
        })
        .await;
    let client = client(&server, true);
    let err = Operation::Rotate.call(&client).await.expect_err("502");
    match &err {
        SdkError::AdminApi {
            status: 502,
            message,
            kind: None,
            retryable: None,
            raw_body,
        } => {
            assert_eq!(raw_body, html);
            assert_eq!(message, html);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable(), "502 without a hint is retryable");
    mock.delete_async().await;

    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(503);
        })
        .await;
    let err = Operation::Claim.call(&client).await.expect_err("503");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 503, message, raw_body, .. } if message == "(empty body)" && raw_body.is_empty()),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "admin api: 503: (empty body)");
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors_with_the_raw_text() {
    let server = MockServer::start_async().await;
    let client = client(&server, false);
    for (op, body) in [
        (Operation::Claim, r#"{"execution_id": 7}"#),
        (Operation::Rotate, "not json"),
        (Operation::Reclaim, r#"{"status":"granted"}"#),
        (Operation::Token, ""),
        (Operation::Healthz, r#"{"status":"degraded"}"#),
    ] {
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(200)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let err = op.call(&client).await.expect_err(body);
        match &err {
            SdkError::Decode {
                status: 200,
                raw_body,
                ..
            } => assert_eq!(raw_body, body),
            other => panic!("{op:?}: {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(
            std::error::Error::source(&err).is_some(),
            "the serde error is the source"
        );
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn undeclared_statuses_are_typed() {
    let server = MockServer::start_async().await;
    let client = client(&server, false);
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(418).body("teapot");
        })
        .await;
    for op in [
        Operation::Claim,
        Operation::Rotate,
        Operation::Reclaim,
        Operation::Token,
        Operation::Healthz,
    ] {
        let err = op.call(&client).await.expect_err("418");
        assert!(
            matches!(&err, SdkError::AdminApi { status: 418, message, .. } if message == "teapot"),
            "{op:?}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
    mock.delete_async().await;

    // An undeclared 2xx with the documented body is accepted; 204 where no
    // 204 is documented is a decode error, not a silent default.
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(201).json_body(Operation::Rotate.success_body());
        })
        .await;
    assert_eq!(
        Operation::Rotate.call(&client).await.expect("201"),
        expected_success(Operation::Rotate, 200)
    );
    mock.delete_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(204);
        })
        .await;
    let err = Operation::Rotate.call(&client).await.expect_err("204");
    assert!(
        matches!(err, SdkError::Decode { status: 204, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_a_retryable_http_error() {
    let addr = closed_port().await;
    let client = FlowFabricAdminClient::new(format!("http://{addr}")).expect("client");
    let err = Operation::Claim.call(&client).await.expect_err("refused");
    match &err {
        SdkError::Http { source, context } => {
            assert!(source.is_connect(), "{source:?}");
            assert_eq!(context, "POST /v1/workers/{worker_id}/claim");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_retryable_timeout() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(Operation::Token.success_body())
                .delay(Duration::from_secs(3));
        })
        .await;
    let client = FlowFabricAdminClient::builder(server.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let err = Operation::Token.call(&client).await.expect_err("timeout");
    assert!(
        matches!(&err, SdkError::Http { source, .. } if source.is_timeout()),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_body_cut_off_mid_read_keeps_status_and_what_arrived() {
    let addr = raw_http_server(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"error\":\"engine: tra",
    )
    .await;
    let client = FlowFabricAdminClient::new(format!("http://{addr}")).expect("client");
    let err = Operation::Rotate.call(&client).await.expect_err("cut");
    match &err {
        SdkError::Body {
            status: 500,
            partial_body,
            ..
        } => assert_eq!(partial_body, "{\"error\":\"engine: tra"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());

    let addr = raw_http_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n{\"rotated\":1,",
    )
    .await;
    let client = FlowFabricAdminClient::new(format!("http://{addr}")).expect("client");
    let err = Operation::Rotate.call(&client).await.expect_err("cut");
    assert!(matches!(err, SdkError::Body { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_gets_no_token() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(Operation::Rotate.success_body());
        })
        .await;
    let server = MockServer::start_async().await;
    // Another host: `localhost` instead of `127.0.0.1`, another port.
    let target = format!(
        "http://localhost:{}{}",
        elsewhere.address().port(),
        Operation::Rotate.path()
    );
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(307).header("location", target.clone());
        })
        .await;
    let client = client(&server, true);
    let err = Operation::Rotate.call(&client).await.expect_err("307");
    match &err {
        SdkError::AdminApi {
            status: 307,
            message,
            ..
        } => assert!(message.contains(&target), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        stolen.calls_async().await,
        0,
        "the request went to another host"
    );
}

#[tokio::test]
async fn a_same_origin_307_is_followed_with_method_body_and_token() {
    let server = MockServer::start_async().await;
    let moved = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/moved{}", Operation::Rotate.path()))
                .header("authorization", format!("Bearer {TOKEN}"))
                .json_body(Operation::Rotate.expected_body().unwrap());
            then.status(200).json_body(Operation::Rotate.success_body());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(Operation::Rotate.path());
            then.status(307)
                .header("location", format!("/moved{}", Operation::Rotate.path()));
        })
        .await;
    let got = Operation::Rotate
        .call(&client(&server, true))
        .await
        .expect("followed");
    assert_eq!(got, expected_success(Operation::Rotate, 200));
    moved.assert_async().await;
}

#[tokio::test]
async fn a_base_path_prefix_and_trailing_slashes_are_kept_right() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/ff/healthz");
            then.status(200).json_body(json!({"status": "ok"}));
        })
        .await;
    let client =
        FlowFabricAdminClient::new(format!("{}/ff///", server.base_url())).expect("client");
    client.healthz().await.expect("healthz");
    mock.assert_async().await;
    assert_eq!(client.base_url(), format!("{}/ff", server.base_url()));
}

#[test]
fn bad_tokens_and_base_urls_are_config_errors_that_print_no_secret() {
    for token in ["", "   ", "\t\n"] {
        let err =
            FlowFabricAdminClient::with_token("http://127.0.0.1:9090", token).expect_err("empty");
        assert!(
            matches!(&err, SdkError::Config { field: Some(f), .. } if f == "bearer_token"),
            "{err:?}"
        );
    }
    let secret = "sup3r-secret\n";
    let err =
        FlowFabricAdminClient::with_token("http://127.0.0.1:9090", secret).expect_err("newline");
    assert!(matches!(&err, SdkError::Config { field: Some(f), .. } if f == "bearer_token"));
    assert!(!format!("{err:?}{err}").contains("sup3r"));

    for url in [
        "",
        "127.0.0.1:9090",
        "localhost:9090",
        "ftp://h",
        "http://u:sup3r@h",
        "http://h?x=1",
    ] {
        let err = FlowFabricAdminClient::new(url).expect_err(url);
        assert!(
            matches!(&err, SdkError::Config { field: Some(f), .. } if f == "base_url"),
            "{url}: {err:?}"
        );
        assert!(!format!("{err:?}{err}").contains("sup3r"), "{url}");
    }
}

#[test]
fn debug_never_shows_the_token() {
    let client =
        FlowFabricAdminClient::with_token("http://127.0.0.1:9090", "sup3r-secret").expect("client");
    let debug = format!("{client:?} {:?}", client.clone());
    assert!(!debug.contains("sup3r"), "{debug}");
    assert!(debug.contains("bearer <redacted>"), "{debug}");
    let builder = FlowFabricAdminClient::builder("http://h").bearer_token("sup3r-secret");
    assert!(!format!("{builder:?}").contains("sup3r"));
    let req = RotateWaitpointSecretRequest {
        new_kid: "k".into(),
        new_secret_hex: "sup3rsecret".into(),
    };
    assert!(!format!("{req:?}").contains("sup3r"));
}

#[test]
fn a_callers_client_cannot_be_combined_with_client_settings() {
    let err = FlowFabricAdminClient::builder("http://h")
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_secs(1))
        .build()
        .expect_err("conflict");
    assert!(
        matches!(&err, SdkError::Config { field: Some(f), message, .. } if f == "http_client" && message.contains("timeout"))
    );
}

#[tokio::test]
async fn a_callers_client_still_sends_the_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(json!({"status": "ok"}));
        })
        .await;
    let client = FlowFabricAdminClient::builder(server.base_url())
        .http_client(reqwest::Client::new())
        .bearer_token(TOKEN)
        .build()
        .expect("client");
    client.healthz().await.expect("healthz");
    mock.assert_async().await;
}

#[test]
fn display_is_one_short_line_with_the_cause_behind_source() {
    let err = SdkError::Config {
        context: "admin_client".into(),
        field: Some("base_url".into()),
        message: "has no host".into(),
    };
    assert_eq!(
        err.to_string(),
        "config: admin_client.base_url: has no host"
    );
    let err = SdkError::AdminApi {
        status: 429,
        message: "too many".into(),
        kind: None,
        retryable: Some(false),
        raw_body: String::new(),
    };
    assert_eq!(err.to_string(), "admin api: 429: too many");
    assert!(
        !err.is_retryable(),
        "the server's hint wins over the status"
    );
}
