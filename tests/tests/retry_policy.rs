//! The retry policy against a mock server (exact statuses and headers) and
//! scripted raw TCP servers (sequences of answers, dropped connections,
//! cut-off and stalled bodies): what is retried for which operation class,
//! `Retry-After`, and the error returned after the last attempt.

use std::time::{Duration, Instant};

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, RetryPolicy, RotateWaitpointSecretRequest,
    SdkError,
};
use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use ff_admin_contract_tests::spec_doc::{self, Operation};
use ff_admin_contract_tests::wire::answer;
use httpmock::prelude::*;

const TOKEN: &str = "tok-retry-5d1c";

/// One operation of each retry class, with fixed inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// `GET /healthz`: read-only.
    Healthz,
    /// `POST /v1/admin/rotate-waitpoint-secret`: idempotent.
    Rotate,
    /// `POST /v1/workers/{worker_id}/claim`: not idempotent.
    Claim,
}

const CALLS: [Call; 3] = [Call::Healthz, Call::Rotate, Call::Claim];

impl Call {
    fn idempotent(self) -> bool {
        self != Self::Claim
    }

    fn method(self) -> httpmock::Method {
        match self {
            Self::Healthz => GET,
            Self::Rotate | Self::Claim => POST,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Healthz => "/healthz",
            Self::Rotate => "/v1/admin/rotate-waitpoint-secret",
            Self::Claim => "/v1/workers/w1/claim",
        }
    }

    /// Makes the call; `Ok` carries the answer's `Debug` text.
    async fn run(self, client: &FlowFabricAdminClient) -> Result<String, SdkError> {
        match self {
            Self::Healthz => client.healthz().await.map(|()| "healthy".to_owned()),
            Self::Rotate => client
                .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                    new_kid: "k2".into(),
                    new_secret_hex: "ab".repeat(32),
                })
                .await
                .map(|r| format!("{r:?}")),
            Self::Claim => client
                .claim_for_worker(ClaimForWorkerRequest {
                    worker_id: "w1".into(),
                    lane_id: "default".into(),
                    worker_instance_id: "w1-i1".into(),
                    capabilities: vec![],
                    grant_ttl_ms: 5000,
                })
                .await
                .map(|r| format!("{r:?}")),
        }
    }
}

/// `RetryPolicy::standard()` with back-offs short enough for tests.
fn fast_standard() -> RetryPolicy {
    RetryPolicy::standard().with_initial_backoff(Duration::from_millis(2))
}

fn client(base: impl Into<String>, policy: RetryPolicy) -> FlowFabricAdminClient {
    FlowFabricAdminClient::builder(base)
        .bearer_token(TOKEN)
        .timeout(Duration::from_millis(500))
        .retry_policy(policy)
        .build()
        .expect("client")
}

/// How many requests `call` makes against a mock always answering
/// `status` with `body`, and the error it returns.
async fn attempts_against(
    call: Call,
    policy: RetryPolicy,
    status: u16,
    body: &str,
) -> (usize, SdkError) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(call.method()).path(call.path());
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let err = call
        .run(&client(server.base_url(), policy))
        .await
        .expect_err("an error status");
    (mock.calls_async().await, err)
}

#[tokio::test]
async fn which_statuses_are_retried_depends_on_the_operation_class() {
    let body = r#"{"error":"x"}"#;
    for call in CALLS {
        for status in [400, 401, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504] {
            let retried = if call.idempotent() {
                matches!(status, 408 | 429 | 502 | 503 | 504)
            } else {
                matches!(status, 429 | 503)
            };
            let (calls, err) = attempts_against(call, fast_standard(), status, body).await;
            assert_eq!(
                calls,
                if retried { 3 } else { 1 },
                "{call:?} {status}: {err:?}"
            );
            assert_eq!(err.status(), Some(status), "{call:?}");
        }
    }
}

#[tokio::test]
async fn the_servers_retryable_hint_adds_for_idempotent_calls_and_vetoes_for_all() {
    for call in CALLS {
        // `retryable: true` on a status not retried for what it says.
        for status in [409, 500] {
            let body = r#"{"error":"contention","kind":"contention","retryable":true}"#;
            let (calls, _) = attempts_against(call, fast_standard(), status, body).await;
            let expected = if call.idempotent() { 3 } else { 1 };
            assert_eq!(calls, expected, "{call:?} {status} retryable:true");
        }
        // `retryable: false` (SQLite's claim 503) is never retried.
        let body =
            r#"{"error":"backend op unavailable: claim","kind":"unavailable","retryable":false}"#;
        let (calls, err) = attempts_against(call, fast_standard(), 503, body).await;
        assert_eq!(calls, 1, "{call:?} 503 retryable:false");
        assert_eq!(err.kind(), Some("unavailable"));
    }
}

#[tokio::test]
async fn without_a_policy_every_call_is_made_once() {
    for call in CALLS {
        for policy in [RetryPolicy::none(), RetryPolicy::default()] {
            let (calls, _) = attempts_against(call, policy, 503, r#"{"error":"busy"}"#).await;
            assert_eq!(calls, 1, "{call:?}");
        }
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(503);
            })
            .await;
        let default = FlowFabricAdminClient::with_token(server.base_url(), TOKEN).expect("client");
        assert_eq!(default.retry_policy(), RetryPolicy::none());
        call.run(&default).await.expect_err("503");
        assert_eq!(mock.calls_async().await, 1, "{call:?}");
    }
}

#[tokio::test]
async fn a_transient_failure_then_success_returns_the_success() {
    let rotated = r#"{"rotated":256,"failed":[],"new_kid":"k2"}"#;
    let server = ScriptedServer::start(vec![
        Reply::Send(answer(503, &[], r#"{"error":"busy"}"#)),
        Reply::Send(answer(502, &[], "<html>bad gateway</html>")),
        Reply::Send(answer(200, &[], rotated)),
    ])
    .await;
    let got = Call::Rotate
        .run(&client(server.url(), fast_standard()))
        .await
        .expect("the third attempt succeeds");
    assert_eq!(
        got,
        r#"RotateWaitpointSecretResponse { failed: [], new_kid: "k2", rotated: 256 }"#
    );
    assert_eq!(server.requests().len(), 3);

    // A claim after a 429 (the request was not processed).
    let server = ScriptedServer::start(vec![
        Reply::Send(answer(
            429,
            &[],
            r#"{"error":"slow down","retryable":true}"#,
        )),
        Reply::Send(answer(204, &[], "")),
    ])
    .await;
    let got = Call::Claim
        .run(&client(server.url(), fast_standard()))
        .await
        .expect("204 on the second attempt");
    assert_eq!(got, "None");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_error_after_the_last_attempt_is_that_attempts_error_unchanged() {
    let last = r#"{"error":"deadline","kind":"timeout","retryable":true}"#;
    let server = ScriptedServer::start(vec![
        Reply::Send(answer(503, &[], r#"{"error":"first"}"#)),
        Reply::Send(answer(502, &[], r#"{"error":"second"}"#)),
        Reply::Send(answer(504, &[], last)),
    ])
    .await;
    let err = Call::Rotate
        .run(&client(server.url(), fast_standard()))
        .await
        .expect_err("three failures");
    match &err {
        SdkError::AdminApi {
            status,
            message,
            kind,
            retryable,
            raw_body,
        } => {
            assert_eq!(*status, 504);
            assert_eq!(message, "deadline");
            assert_eq!(kind.as_deref(), Some("timeout"));
            assert_eq!(*retryable, Some(true));
            assert_eq!(raw_body, last);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_max_backoff() {
    for (call, status) in [(Call::Healthz, 429), (Call::Claim, 503)] {
        let server = ScriptedServer::start(vec![
            Reply::Send(answer(status, &[("retry-after", "1")], r#"{"error":"later"}"#)),
            Reply::Send(answer(
                200,
                &[],
                match call {
                    Call::Claim => r#"{"execution_id":"{fp:1}:x","partition_key":"{fp:1}","grant_key":"g","expires_at_ms":1}"#,
                    _ => r#"{"status":"ok"}"#,
                },
            )),
        ])
        .await;
        let started = Instant::now();
        call.run(&client(server.url(), fast_standard()))
            .await
            .expect("the second attempt succeeds");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{call:?}: waited {:?}, not the 1 s asked",
            started.elapsed()
        );
        assert_eq!(server.requests().len(), 2);
    }

    // Longer than max_backoff: the call stops with that answer's error.
    let server = ScriptedServer::start(vec![Reply::Send(answer(
        503,
        &[("retry-after", "30")],
        r#"{"error":"maintenance"}"#,
    ))])
    .await;
    let err = Call::Healthz
        .run(&client(server.url(), fast_standard()))
        .await
        .expect_err("not retried");
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn transport_faults_are_retried_only_for_idempotent_operations() {
    let cut_body =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"sta"
            .to_vec();
    let faults = [
        ("connection dropped before the answer", Reply::Drop),
        ("body cut off", Reply::Cut(cut_body.clone())),
        ("no answer within the timeout", Reply::Stall(Vec::new())),
        ("body stalled past the timeout", Reply::Stall(cut_body)),
    ];
    for (case, reply) in faults {
        for call in CALLS {
            let server = ScriptedServer::start(vec![reply.clone()]).await;
            let started = Instant::now();
            let err = call
                .run(&client(server.url(), fast_standard()))
                .await
                .expect_err(case);
            let expected = if call.idempotent() { 3 } else { 1 };
            assert_eq!(
                server.requests().len(),
                expected,
                "{case}, {call:?}: {err:?}"
            );
            assert!(
                matches!(err, SdkError::Http { .. } | SdkError::Body { .. }),
                "{case}, {call:?}: {err:?}"
            );
            // The error says what the policy did for an idempotent call.
            assert!(err.is_retryable(), "{case}, {call:?}: {err:?}");
            // No attempt outlives the 500 ms timeout (the slack covers the
            // back-offs and a loaded machine; the attempts are counted above).
            assert!(
                started.elapsed()
                    < Duration::from_millis(500) * expected as u32 + Duration::from_secs(2),
                "{case}, {call:?}: {:?}",
                started.elapsed()
            );
        }
    }
}

#[tokio::test]
async fn every_operation_takes_its_retry_class_from_the_spec() {
    let spec = ff_admin_contract_tests::spec();
    let mut in_spec = Vec::new();
    for Operation {
        path, method, op, ..
    } in spec_doc::operations(&spec).expect("paths")
    {
        let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
            continue;
        };
        let idempotent = op
            .get("x-idempotent")
            .and_then(|v| v.as_bool())
            .unwrap_or_else(|| panic!("{id}: no x-idempotent"));
        in_spec.push((
            id.to_owned(),
            method.to_uppercase(),
            path.to_owned(),
            idempotent,
        ));
    }
    let mut in_table: Vec<_> = ff_admin::raw::OPERATIONS
        .iter()
        .map(|op| {
            (
                op.id.to_owned(),
                op.method.to_owned(),
                op.path.to_owned(),
                op.idempotent,
            )
        })
        .collect();
    in_spec.sort();
    in_table.sort();
    assert_eq!(in_table, in_spec);
    assert!(
        in_table
            .iter()
            .any(|(id, _, _, idempotent)| id == "claim_for_worker" && !idempotent),
        "claims hand out grants: never idempotent"
    );
}
