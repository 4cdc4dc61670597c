//! The limit on the size of an answer: on a 2xx and on an error status,
//! with and without a declared `Content-Length`, at the boundary, through
//! a caller's `reqwest::Client` and through the raw bindings.

use std::time::Duration;

use ff_admin::{
    FlowFabricAdminClient, RetryPolicy, RotateWaitpointSecretRequest, SdkError,
    DEFAULT_MAX_RESPONSE_BYTES,
};
use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use ff_admin_contract_tests::wire::answer;

const LIMIT: u64 = 4096;
const PREFIX: usize = ff_admin::raw::PREFIX_BYTES;

/// A JSON rotate answer of exactly `len` bytes.
fn rotate_body(len: usize) -> String {
    let head = r#"{"rotated":1,"failed":[],"new_kid":""#;
    let tail = r#""}"#;
    format!("{head}{}{tail}", "k".repeat(len - head.len() - tail.len()))
}

/// A JSON error body of exactly `len` bytes.
fn error_body(len: usize) -> String {
    let head = r#"{"error":""#;
    let tail = r#""}"#;
    format!("{head}{}{tail}", "e".repeat(len - head.len() - tail.len()))
}

/// `body` as a chunked answer with `status`, in 1000-byte chunks.
fn chunked(status: u16, body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.as_bytes().chunks(1000) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn client(base: String) -> FlowFabricAdminClient {
    FlowFabricAdminClient::builder(base)
        .max_response_bytes(LIMIT)
        .retry_policy(RetryPolicy::standard().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client")
}

async fn rotate(client: &FlowFabricAdminClient) -> Result<(), SdkError> {
    client
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "k".into(),
            new_secret_hex: "ab".repeat(32),
        })
        .await
        .map(|_| ())
}

/// Asserts a `ResponseTooLarge` with `status`, the declared length and the
/// body's first bytes.
#[track_caller]
fn assert_too_large(err: &SdkError, status: u16, declared: Option<u64>, body: &str) {
    match err {
        SdkError::ResponseTooLarge {
            status: s,
            context,
            limit,
            declared_length,
            prefix,
        } => {
            assert_eq!(*s, status, "{err:?}");
            assert_eq!(context, "POST /v1/admin/rotate-waitpoint-secret");
            assert_eq!(*limit, LIMIT);
            assert_eq!(*declared_length, declared);
            assert_eq!(prefix, &body[..PREFIX.min(body.len())]);
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    assert_eq!(err.status(), Some(status));
    assert_eq!(err.raw_body(), Some(&body[..PREFIX.min(body.len())]));
    assert!(!err.is_retryable());
    let line = err.to_string();
    assert!(line.contains(&format!("{LIMIT}-byte limit")), "{line}");
}

#[tokio::test]
async fn an_answer_over_the_limit_is_a_typed_error_with_status_and_prefix() {
    let big = LIMIT as usize * 3;
    for (status, body) in [(200, rotate_body(big)), (500, error_body(big))] {
        // Declared length over the limit.
        let server = ScriptedServer::start(vec![Reply::Send(answer(status, &[], &body))]).await;
        let err = rotate(&client(server.url())).await.expect_err("too large");
        assert_too_large(&err, status, Some(big as u64), &body);
        assert_eq!(server.requests().len(), 1, "never retried");

        // No declared length: counted as it arrives.
        let server = ScriptedServer::start(vec![Reply::Send(chunked(status, &body))]).await;
        let err = rotate(&client(server.url())).await.expect_err("too large");
        assert_too_large(&err, status, None, &body);
        assert_eq!(server.requests().len(), 1, "never retried");
    }
}

#[tokio::test]
async fn an_answer_of_exactly_the_limit_is_read() {
    let at = LIMIT as usize;
    let server = ScriptedServer::start(vec![
        Reply::Send(answer(200, &[], &rotate_body(at))),
        Reply::Send(chunked(200, &rotate_body(at))),
        Reply::Send(chunked(200, &rotate_body(at + 1))),
        Reply::Send(answer(409, &[], &error_body(at))),
        Reply::Send(chunked(409, &error_body(at + 1))),
    ])
    .await;
    let client = client(server.url());
    rotate(&client).await.expect("declared, at the limit");
    rotate(&client).await.expect("chunked, at the limit");
    let err = rotate(&client).await.expect_err("one byte over");
    assert_too_large(&err, 200, None, &rotate_body(at + 1));
    let err = rotate(&client).await.expect_err("409");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 409, raw_body, .. } if raw_body.len() == at),
        "{err:?}"
    );
    let err = rotate(&client).await.expect_err("one byte over");
    assert_too_large(&err, 409, None, &error_body(at + 1));
}

#[tokio::test]
async fn a_callers_reqwest_client_is_bounded_too() {
    let body = rotate_body(LIMIT as usize + 10);
    let server = ScriptedServer::start(vec![Reply::Send(answer(200, &[], &body))]).await;
    let client = FlowFabricAdminClient::builder(server.url())
        .http_client(reqwest::Client::new())
        .max_response_bytes(LIMIT)
        .build()
        .expect("client");
    let err = rotate(&client).await.expect_err("too large");
    assert_too_large(&err, 200, Some(body.len() as u64), &body);
}

#[tokio::test]
async fn the_raw_bindings_are_bounded_and_name_the_cause() {
    let body = format!(r#"{{"status":"ok","pad":"{}"}}"#, "p".repeat(2000));
    let server = ScriptedServer::start(vec![Reply::Send(chunked(200, &body))]).await;
    let raw = ff_admin::raw::Client::new_with_client(
        &server.url(),
        reqwest::Client::new(),
        ff_admin::raw::ClientSettings::new(ff_admin::raw::RequestAuth::none())
            .with_max_response_bytes(1000),
    );
    let err = raw.healthz().await.expect_err("too large");
    let ff_admin::raw::Error::ResponseBodyError(source) = &err else {
        panic!("{err:?}");
    };
    let large = ff_admin::raw::ResponseTooLarge::find(source).expect("the cause is named");
    assert_eq!(large.status(), 200);
    assert_eq!(large.limit(), 1000);
    assert_eq!(large.declared_length(), None);
    assert_eq!(large.prefix(), &body.as_bytes()[..PREFIX]);
}

#[test]
fn the_limit_defaults_to_8_mib_and_must_be_positive() {
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 8 * 1024 * 1024);
    let client = FlowFabricAdminClient::new("http://127.0.0.1:9").expect("client");
    assert_eq!(client.max_response_bytes(), DEFAULT_MAX_RESPONSE_BYTES);
    let err = FlowFabricAdminClient::builder("http://127.0.0.1:9")
        .max_response_bytes(0)
        .build()
        .expect_err("0 bytes");
    assert!(
        matches!(&err, SdkError::Config { field: Some(f), .. } if f == "max_response_bytes"),
        "{err:?}"
    );
}
