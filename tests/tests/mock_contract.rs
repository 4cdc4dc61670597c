//! Contract tests against httpmock: for every operation and every status the
//! spec documents, the request the client sends (method, encoded path, query,
//! JSON body, Authorization) and the typed result it returns.
//!
//! The operations are described once, in [`cases`]: one entry per operation.

#[path = "mock_contract/cases.rs"]
mod cases;

use std::collections::BTreeSet;
use std::time::Duration;

use cases::{case, cases, Case, Outcome, Success, EXEC_ID, TOKEN, WAITPOINT_ID};
use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, IssueReclaimGrantResponse,
    RotateWaitpointSecretRequest, SdkError, StreamRange, StreamTail,
};
use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use ff_admin_contract_tests::{closed_port, documented_answers, DocumentedAnswer};
use futures_util::StreamExt as _;
use httpmock::prelude::*;
use httpmock::When;
use serde_json::{json, Value};

/// Adds to `when` the exact request `case` must send: method, path, query
/// parameters (no others), Authorization present or absent, and the JSON
/// body (or no body at all).
fn expect_request(when: When, case: &Case, authorized: bool) -> When {
    let when = when
        .method(operation(case.id).method)
        .path(case.path.clone());
    let when = if authorized {
        when.header("authorization", format!("Bearer {TOKEN}"))
    } else {
        when.header_missing("authorization")
    };
    let mut query: Vec<(String, String)> = case
        .query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    query.sort();
    let when = when.is_true(move |req| {
        let mut got = req.query_params();
        got.sort();
        got == query
    });
    match &case.body {
        Some(body) => when
            .header("content-type", "application/json")
            .json_body(body.clone()),
        None => when.is_true(|req| req.body_ref().is_empty()),
    }
}

/// Mocks `case` answering `status` with `body` (and content type), matching
/// only the exact request the client must send.
async fn mock_answer<'a>(
    server: &'a MockServer,
    case: &Case,
    authorized: bool,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            expect_request(when, case, authorized);
            let then = then.status(status);
            let then = match content_type {
                Some(content_type) => then.header("content-type", content_type),
                None => then,
            };
            then.body(body);
        })
        .await
}

/// A mock server and a client for it with and without a token (building a
/// client costs far more than a call, so each test builds two).
struct MockApi {
    server: MockServer,
    with_token: FlowFabricAdminClient,
    without_token: FlowFabricAdminClient,
}

impl MockApi {
    async fn start() -> Self {
        let server = MockServer::start_async().await;
        let with_token = client(&server, true);
        let without_token = client(&server, false);
        Self {
            server,
            with_token,
            without_token,
        }
    }

    /// One call of `case` answered with `status` and `body`; fails unless
    /// the server got exactly the expected request once. The mock is gone
    /// afterwards.
    async fn exchange(
        &self,
        case: &Case,
        authorized: bool,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Outcome, SdkError> {
        let mock = mock_answer(&self.server, case, authorized, status, content_type, body).await;
        let client = if authorized {
            &self.with_token
        } else {
            &self.without_token
        };
        let got = case.call(client).await;
        mock.assert_async().await;
        mock.delete_async().await;
        got
    }
}

fn client(server: &MockServer, authorized: bool) -> FlowFabricAdminClient {
    if authorized {
        FlowFabricAdminClient::with_token(server.base_url(), TOKEN).expect("client")
    } else {
        FlowFabricAdminClient::new(server.base_url()).expect("client")
    }
}

/// The error body the generic error answers carry, and the assertions on
/// what the client makes of it.
fn error_body(status: u16, content_type: Option<&str>) -> Value {
    match content_type {
        Some("application/json") if status == 413 => {
            json!({"error": "payload_too_large", "limit_bytes": 65536, "route": "/r"})
        }
        Some("application/json") => {
            json!({"error": format!("failure {status}"), "kind": "k", "retryable": status == 503})
        }
        Some("text/plain") => Value::String("Invalid URL: Cannot parse `x`".into()),
        None => Value::Null,
        Some(other) => panic!("no error body for {other}"),
    }
}

fn assert_error(err: &SdkError, status: u16, body: &Value, label: &str) {
    match (err, body) {
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
            assert_eq!(*s, status, "{label}");
            assert_eq!(raw_body, &body.to_string(), "{label}");
            if status == 413 {
                assert_eq!(
                    message, "payload_too_large: the body exceeds 65536 bytes on /r",
                    "{label}"
                );
                assert_eq!(kind, &None, "{label}");
            } else {
                assert_eq!(message, &format!("failure {status}"), "{label}");
                assert_eq!(kind.as_deref(), Some("k"), "{label}");
                assert_eq!(*retryable, fields["retryable"].as_bool(), "{label}");
                assert_eq!(err.is_retryable(), status == 503, "{label}");
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
            assert_eq!(*s, status, "{label}");
            assert_eq!(message, text, "{label}");
            assert_eq!(raw_body, text, "{label}");
        }
        (
            SdkError::AdminApi {
                status: s,
                message,
                kind: None,
                retryable: None,
                raw_body,
            },
            Value::Null,
        ) => {
            assert_eq!(*s, status, "{label}");
            assert_eq!(message, "(empty body)", "{label}");
            assert_eq!(raw_body, "", "{label}");
        }
        _ => panic!("{label}: unexpected error {err:?}"),
    }
    assert_eq!(err.status(), Some(status), "{label}");
}

/// Every documented answer of every operation, with and without a token:
/// each success body gives its typed result, each error status its
/// `SdkError`, and each documented "nothing there" 404 of a read `None`.
#[tokio::test]
async fn every_documented_answer_of_every_operation() {
    let answers = documented_answers();
    assert!(!answers.is_empty(), "the spec documents no answers");
    let cases = cases();
    let api = MockApi::start().await;
    let mut exchanges = 0;
    for DocumentedAnswer {
        operation_id,
        status,
        content_type,
    } in &answers
    {
        let case = cases
            .iter()
            .find(|c| c.id == operation_id)
            .unwrap_or_else(|| panic!("no case for the spec's operation {operation_id}"));
        let ct = content_type.as_deref();
        for authorized in [true, false] {
            let label = format!("{operation_id} {status} {ct:?} authorized={authorized}");
            if (200..300).contains(status) {
                let successes: Vec<&Success> = case
                    .successes
                    .iter()
                    .filter(|s| s.status == *status && s.content_type == ct)
                    .collect();
                assert!(
                    !successes.is_empty(),
                    "{label}: the case has no body for it"
                );
                for success in successes {
                    let got = api
                        .exchange(case, authorized, *status, ct, &success.body)
                        .await;
                    assert_eq!(got.expect(&label), success.want, "{label}");
                    exchanges += 1;
                }
                continue;
            }
            let body = error_body(*status, ct);
            let raw = match &body {
                Value::String(text) => text.clone().into_bytes(),
                Value::Null => Vec::new(),
                json => json.to_string().into_bytes(),
            };
            let err = api
                .exchange(case, authorized, *status, ct, &raw)
                .await
                .expect_err(&label);
            assert_error(&err, *status, &body, &label);
            exchanges += 1;

            if let (404, Some(absent)) = (*status, &case.absent) {
                for message in &absent.messages {
                    let body = json!({"error": message}).to_string();
                    let got = api
                        .exchange(case, authorized, 404, ct, body.as_bytes())
                        .await;
                    assert_eq!(got.expect(&label), absent.want, "{label}: {message}");
                    exchanges += 1;
                }
            }
        }
    }
    assert!(
        exchanges >= answers.len() * 2,
        "every documented answer is exchanged with and without a token"
    );
    println!(
        "{} documented answers of {} operations: {exchanges} exchanges",
        answers.len(),
        cases.len()
    );
}

/// The operation `id` of the spec's table.
fn operation(id: &str) -> &'static ff_admin::raw::Operation {
    ff_admin::raw::OPERATIONS
        .iter()
        .find(|op| op.id == id)
        .unwrap_or_else(|| panic!("{id} is not an operation of the spec"))
}

/// Every success body a case gives is one the spec documents (the other
/// direction, every documented answer, is what the exchange test walks).
#[test]
fn every_case_success_is_documented() {
    let documented: BTreeSet<(String, u16, Option<String>)> = documented_answers()
        .into_iter()
        .map(|a| (a.operation_id, a.status, a.content_type))
        .collect();
    for case in cases() {
        for s in &case.successes {
            let answer = (
                case.id.to_owned(),
                s.status,
                s.content_type.map(str::to_owned),
            );
            assert!(documented.contains(&answer), "not in the spec: {answer:?}");
        }
    }
}

/// One case per operation of the spec, none for anything else, and each
/// case's method and path agree with the operation's.
#[test]
fn every_operation_has_exactly_one_case() {
    let cases = cases();
    let ids: Vec<&str> = cases.iter().map(|c| c.id).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a case appears twice: {ids:?}");
    for op in ff_admin::raw::OPERATIONS {
        let case = case(op.id);
        let template: Vec<&str> = op.path.split('/').collect();
        let path: Vec<&str> = case.path.split('/').collect();
        assert_eq!(path.len(), template.len(), "{}: {}", op.id, case.path);
        for (segment, pattern) in path.iter().zip(&template) {
            assert!(
                pattern.starts_with('{') || segment == pattern,
                "{}: {} does not fit {}",
                op.id,
                case.path,
                op.path
            );
        }
    }
    let known: BTreeSet<&str> = ff_admin::raw::OPERATIONS.iter().map(|o| o.id).collect();
    let stale: Vec<&&str> = unique.difference(&known).collect();
    assert!(
        stale.is_empty(),
        "cases for operations the spec lacks: {stale:?}"
    );
}

/// Each read whose documented 404 means "nothing there" returns `None` for
/// exactly its documented texts, and an error for any other 404 (an empty
/// one from a wrong base path, another read's text, a proxy's) and for its
/// text under another status.
#[tokio::test]
async fn only_the_documented_404_of_each_read_means_nothing_there() {
    let cases = cases();
    let reads: Vec<&Case> = cases.iter().filter(|c| c.absent.is_some()).collect();
    assert_eq!(
        reads.iter().map(|c| c.id).collect::<Vec<_>>(),
        [
            "read_waitpoint_token",
            "get_execution",
            "get_execution_state",
            "list_pending_waitpoints",
            "get_execution_result",
            "get_budget_status",
        ]
    );
    let every_text: BTreeSet<&String> = reads
        .iter()
        .flat_map(|c| &c.absent.as_ref().unwrap().messages)
        .collect();
    let json = Some("application/json");
    let api = MockApi::start().await;
    for case in &reads {
        let absent = case.absent.as_ref().unwrap();
        for message in &absent.messages {
            let body = json!({"error": message}).to_string();
            let got = api.exchange(case, true, 404, json, body.as_bytes()).await;
            assert_eq!(got.expect(message), absent.want, "{}: {message}", case.id);

            let err = api
                .exchange(case, true, 400, json, body.as_bytes())
                .await
                .expect_err(message);
            assert_eq!(err.status(), Some(400), "{}: {message} under 400", case.id);
        }
        let others = every_text
            .iter()
            .filter(|t| !absent.messages.contains(t))
            .map(|t| (*t).clone())
            .chain([
                "not found: flow".to_owned(),
                format!("proxy: {}", absent.messages[0]),
            ]);
        for other in others {
            let body = json!({"error": other}).to_string();
            let err = api
                .exchange(case, true, 404, json, body.as_bytes())
                .await
                .expect_err(&other);
            assert!(
                matches!(&err, SdkError::AdminApi { status: 404, message, .. } if *message == other),
                "{}: {other}: {err:?}",
                case.id
            );
        }

        // A wrong base path: the mock server's fallback 404, not JSON.
        let prefixed = FlowFabricAdminClient::new(format!("{}/wrong/", api.server.base_url()))
            .expect("client");
        let err = case.call(&prefixed).await.expect_err("plain 404");
        assert!(
            matches!(
                &err,
                SdkError::AdminApi {
                    status: 404,
                    kind: None,
                    ..
                }
            ),
            "{}: {err:?}",
            case.id
        );
    }
}

#[tokio::test]
async fn list_executions_stream_follows_the_cursor_to_the_last_page() {
    let server = MockServer::start_async().await;
    let page = |cursor: Option<&str>, ids: &[&str], next: Option<&str>| {
        let cursor = cursor.map(str::to_owned);
        let body = json!({"executions": ids, "next_cursor": next});
        server.mock_async(move |when, then| {
            let when = when
                .method(GET)
                .path("/v1/executions")
                .query_param("partition", "3")
                .query_param("limit", "1000");
            match cursor {
                Some(cursor) => when.query_param("cursor", cursor),
                None => when.query_param_missing("cursor"),
            };
            then.status(200).json_body(body);
        })
    };
    let first = page(None, &["{fp:3}:a", "{fp:3}:b"], Some("{fp:3}:b")).await;
    let second = page(Some("{fp:3}:b"), &["{fp:3}:c"], Some("{fp:3}:c")).await;
    let last = page(Some("{fp:3}:c"), &[], None).await;
    let client = client(&server, false);
    let ids: Vec<String> = client
        .list_executions_stream(3)
        .map(|id| id.expect("page"))
        .collect()
        .await;
    assert_eq!(ids, ["{fp:3}:a", "{fp:3}:b", "{fp:3}:c"]);
    for mock in [&first, &second, &last] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn list_executions_stream_ends_with_the_first_error() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path("/v1/executions").query_param_missing("cursor");
            then.status(200)
                .json_body(json!({"executions": ["{fp:3}:a"], "next_cursor": "{fp:3}:a"}));
        })
        .await;
    let failing = server
        .mock_async(|when, then| {
            when.path("/v1/executions")
                .query_param("cursor", "{fp:3}:a");
            then.status(500)
                .json_body(json!({"error": "backend down", "retryable": true}));
        })
        .await;
    let client = client(&server, false);
    let mut stream = std::pin::pin!(client.list_executions_stream(3));
    assert_eq!(
        stream.next().await.expect("first id").expect("ok"),
        "{fp:3}:a"
    );
    let err = stream
        .next()
        .await
        .expect("an error item")
        .expect_err("500");
    assert!(
        matches!(&err, SdkError::AdminApi { status: 500, message, .. } if message == "backend down"),
        "{err:?}"
    );
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );
    first.assert_async().await;
    failing.assert_async().await;
}

/// Raw ids, and how each travels as one path segment.
const AWKWARD_IDS: &[(&str, &str)] = &[
    ("{fp:7}:abc", "%7Bfp:7%7D:abc"),
    ("a/b", "a%2Fb"),
    ("a\\b", "a%5Cb"),
    ("a b", "a%20b"),
    ("100%", "100%25"),
    ("ünï", "%C3%BCn%C3%AF"),
    ("q?x#y", "q%3Fx%23y"),
    ("a&b=c", "a&b=c"),
    ("1+1", "1+1"),
];

/// Mocks one answer to `method path` whose query parameters are exactly
/// `query` (decoded).
async fn answer_at<'a>(
    server: &'a MockServer,
    method: &str,
    path: String,
    query: Vec<(&str, &str)>,
    body: Value,
) -> httpmock::Mock<'a> {
    let mut query: Vec<(String, String)> = query
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    query.sort();
    server
        .mock_async(|when, then| {
            when.method(method).path(path).is_true(move |req| {
                let mut got = req.query_params();
                got.sort();
                got == query
            });
            then.status(200).json_body(body);
        })
        .await
}

/// Every kind of id the client puts into a URL: path ids as one
/// percent-encoded segment, cursors as one query value.
#[tokio::test]
async fn path_ids_are_encoded_as_one_segment() {
    let server = MockServer::start_async().await;
    let client = client(&server, false);
    for (raw, encoded) in AWKWARD_IDS {
        let label = format!("{raw:?}");

        let path = format!("/v1/executions/{encoded}/waitpoints/{encoded}/token");
        let mock = answer_at(&server, "GET", path, vec![], json!({"token": raw})).await;
        let got = client.read_waitpoint_token(*raw, *raw).await.expect(&label);
        assert_eq!(got.as_deref(), Some(*raw));
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/workers/{encoded}/claim");
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path(path);
                then.status(204);
            })
            .await;
        let got = client
            .claim_for_worker(ClaimForWorkerRequest {
                worker_id: (*raw).into(),
                lane_id: "l".into(),
                worker_instance_id: "i".into(),
                capabilities: vec![],
                grant_ttl_ms: 1,
            })
            .await
            .expect(&label);
        assert_eq!(got, None);
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/executions/{encoded}/state");
        let mock = answer_at(&server, "GET", path, vec![], json!("active")).await;
        client.get_execution_state(*raw).await.expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/flows/{encoded}/members");
        let mock = answer_at(
            &server,
            "POST",
            path,
            vec![],
            json!({"AlreadyMember": {"execution_id": EXEC_ID, "node_count": 1}}),
        )
        .await;
        client
            .add_execution_to_flow(&cases::add_member_request(raw))
            .await
            .expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/budgets/{encoded}/reset");
        let mock = answer_at(
            &server,
            "POST",
            path,
            vec![],
            json!({"Reset": {"next_reset_at": 1}}),
        )
        .await;
        client.reset_budget(*raw).await.expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;

        let page = json!({"executions": [], "next_cursor": null});
        let query = vec![("partition", "0"), ("cursor", *raw)];
        let mock = answer_at(&server, "GET", "/v1/executions".into(), query, page).await;
        client
            .list_executions(0, Some(raw), None)
            .await
            .expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;

        let frames = json!({"frames": [], "count": 0});
        let path = format!("/v1/executions/{encoded}/attempts/0/stream");
        let query = vec![("from", *raw), ("to", *raw)];
        let mock = answer_at(&server, "GET", path, query, frames.clone()).await;
        let range = StreamRange {
            from: Some((*raw).into()),
            to: Some((*raw).into()),
            limit: None,
        };
        client
            .read_attempt_stream(*raw, 0, &range)
            .await
            .expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;

        let path = format!("/v1/executions/{encoded}/attempts/0/stream/tail");
        let mock = answer_at(&server, "GET", path, vec![("after", *raw)], frames).await;
        let tail = StreamTail {
            after: Some((*raw).into()),
            ..StreamTail::default()
        };
        client
            .tail_attempt_stream(*raw, 0, &tail)
            .await
            .expect(&label);
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

/// The route of operation `id`, as `Config` errors name it.
fn route(id: &str) -> &'static str {
    ff_admin::raw::OPERATIONS
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
        .route
}

#[tokio::test]
async fn empty_and_dot_ids_are_rejected_before_sending() {
    use cases::*;
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = client(&server, false);
    let c = &client;
    for bad in ["", ".", ".."] {
        let range = |from: Option<&str>, to: Option<&str>| StreamRange {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            limit: None,
        };
        // (operation, the field to blame, the call's result)
        let checks: Vec<(&str, &str, Result<Outcome, SdkError>)> = vec![
            (
                "claim_for_worker",
                "worker_id",
                c.claim_for_worker(ClaimForWorkerRequest {
                    worker_id: bad.into(),
                    lane_id: "l".into(),
                    worker_instance_id: "i".into(),
                    capabilities: vec![],
                    grant_ttl_ms: 1,
                })
                .await
                .map(Outcome::from),
            ),
            (
                "issue_reclaim_grant",
                "execution_id",
                c.issue_reclaim_grant(bad, reclaim_request())
                    .await
                    .map(Outcome::from),
            ),
            (
                "read_waitpoint_token",
                "execution_id",
                c.read_waitpoint_token(bad, WAITPOINT_ID)
                    .await
                    .map(Outcome::from),
            ),
            (
                "read_waitpoint_token",
                "waitpoint_id",
                c.read_waitpoint_token(EXEC_ID, bad)
                    .await
                    .map(Outcome::from),
            ),
            (
                "list_executions",
                "cursor",
                c.list_executions(0, Some(bad), None)
                    .await
                    .map(Outcome::from),
            ),
            (
                "get_execution",
                "execution_id",
                c.get_execution(bad).await.map(Outcome::from),
            ),
            (
                "get_execution_state",
                "execution_id",
                c.get_execution_state(bad).await.map(Outcome::from),
            ),
            (
                "list_pending_waitpoints",
                "execution_id",
                c.list_pending_waitpoints(bad).await.map(Outcome::from),
            ),
            (
                "get_execution_result",
                "execution_id",
                c.get_execution_result(bad).await.map(Outcome::from),
            ),
            (
                "cancel_execution",
                "execution_id",
                c.cancel_execution(&cancel_execution_request(bad))
                    .await
                    .map(Outcome::from),
            ),
            (
                "deliver_signal",
                "execution_id",
                c.deliver_signal(&deliver_signal_request(bad))
                    .await
                    .map(Outcome::from),
            ),
            (
                "change_priority",
                "execution_id",
                c.change_priority(bad, 1).await.map(Outcome::from),
            ),
            (
                "replay_execution",
                "execution_id",
                c.replay_execution(bad).await.map(Outcome::from),
            ),
            (
                "revoke_lease",
                "execution_id",
                c.revoke_lease(bad).await.map(Outcome::from),
            ),
            (
                "read_attempt_stream",
                "execution_id",
                c.read_attempt_stream(bad, 0, &range(None, None))
                    .await
                    .map(Outcome::from),
            ),
            (
                "read_attempt_stream",
                "from",
                c.read_attempt_stream(EXEC_ID, 0, &range(Some(bad), None))
                    .await
                    .map(Outcome::from),
            ),
            (
                "read_attempt_stream",
                "to",
                c.read_attempt_stream(EXEC_ID, 0, &range(None, Some(bad)))
                    .await
                    .map(Outcome::from),
            ),
            (
                "tail_attempt_stream",
                "execution_id",
                c.tail_attempt_stream(bad, 0, &StreamTail::default())
                    .await
                    .map(Outcome::from),
            ),
            (
                "add_execution_to_flow",
                "flow_id",
                c.add_execution_to_flow(&add_member_request(bad))
                    .await
                    .map(Outcome::from),
            ),
            (
                "cancel_flow",
                "flow_id",
                c.cancel_flow(&cancel_flow_request(bad), false)
                    .await
                    .map(Outcome::from),
            ),
            (
                "stage_dependency_edge",
                "flow_id",
                c.stage_dependency_edge(&stage_edge_request(bad))
                    .await
                    .map(Outcome::from),
            ),
            (
                "apply_dependency_to_child",
                "flow_id",
                c.apply_dependency_to_child(&apply_edge_request(bad))
                    .await
                    .map(Outcome::from),
            ),
            (
                "get_budget_status",
                "budget_id",
                c.get_budget_status(bad).await.map(Outcome::from),
            ),
            (
                "report_usage",
                "budget_id",
                c.report_usage(bad, &report_usage_request())
                    .await
                    .map(Outcome::from),
            ),
            (
                "reset_budget",
                "budget_id",
                c.reset_budget(bad).await.map(Outcome::from),
            ),
        ];
        for (op, field, result) in checks {
            let label = format!("{op} {field}={bad:?}");
            let err = result.expect_err(&label);
            match &err {
                SdkError::Config {
                    context,
                    field: Some(f),
                    ..
                } => {
                    assert_eq!(f, field, "{label}");
                    assert_eq!(context, route(op), "{label}");
                }
                other => panic!("{label}: {other:?}"),
            }
            assert!(!err.is_retryable(), "{label}");
        }
    }
    assert_eq!(
        any.calls_async().await,
        0,
        "nothing may be sent for an invalid id"
    );
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
                when.method(POST).path(case("issue_reclaim_grant").path);
                then.status(200).json_body(body.clone());
            })
            .await;
        let got = case("issue_reclaim_grant")
            .call(&client)
            .await
            .expect("200");
        assert_eq!(got, Outcome::Reclaim(want));
        mock.delete_async().await;
    }
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(case("issue_reclaim_grant").path);
            then.status(200)
                .json_body(json!({"status": "rehomed", "execution_id": EXEC_ID}));
        })
        .await;
    let err = case("issue_reclaim_grant")
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
async fn only_the_documented_404_reads_as_no_token() {
    let server = MockServer::start_async().await;
    let client = client(&server, true);
    let documented = server
        .mock_async(|when, then| {
            when.method(GET).path(case("read_waitpoint_token").path);
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
    let err = case("rotate_waitpoint_secret")
        .call(&client)
        .await
        .expect_err("502");
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
    let err = case("claim_for_worker")
        .call(&client)
        .await
        .expect_err("503");
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
    // Bodies near the documented ones, then one body no JSON answer reads.
    let mut bodies: Vec<(String, &str)> = [
        ("claim_for_worker", r#"{"execution_id": 7}"#),
        ("rotate_waitpoint_secret", "not json"),
        ("issue_reclaim_grant", r#"{"status":"granted"}"#),
        ("read_waitpoint_token", ""),
        ("healthz", r#"{"status":"degraded"}"#),
        ("get_execution_state", r#""sleeping""#),
        ("report_usage", r#""Maybe""#),
        ("apply_dependency_to_child", r#"{"Applied": {}}"#),
        (
            "create_execution",
            r#"{"Created": {"execution_id": "x", "public_state": "gone"}}"#,
        ),
    ]
    .into_iter()
    .map(|(op, body)| (op.to_owned(), body))
    .collect();
    for case in cases() {
        if case.successes[0].content_type == Some("application/json") {
            bodies.push((case.id.to_owned(), r#"{"surprise": true}"#));
        }
    }
    for (op, body) in &bodies {
        let mock = server
            .mock_async(|when, then| {
                when.any_request();
                then.status(200)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let err = case(op).call(&client).await.expect_err(body);
        match &err {
            SdkError::Decode {
                status: 200,
                raw_body,
                ..
            } => assert_eq!(raw_body, *body, "{op}"),
            other => panic!("{op}: {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(
            std::error::Error::source(&err).is_some(),
            "the serde error is the source"
        );
        mock.delete_async().await;
    }
    let json_operations: BTreeSet<String> = documented_answers()
        .into_iter()
        .filter(|a| (200..300).contains(&a.status))
        .filter(|a| a.content_type.as_deref() == Some("application/json"))
        .map(|a| a.operation_id)
        .collect();
    assert_eq!(
        bodies.len(),
        9 + json_operations.len(),
        "every operation with a JSON answer is tried"
    );
}

#[tokio::test]
async fn metrics_that_are_not_utf8_are_a_decode_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/metrics");
            then.status(200)
                .header("content-type", "text/plain")
                .body(b"ok \xff\xfe");
        })
        .await;
    let err = client(&server, false)
        .get_metrics()
        .await
        .expect_err("not UTF-8");
    assert!(
        matches!(&err, SdkError::Decode { status: 200, raw_body, .. } if raw_body.starts_with("ok ")),
        "{err:?}"
    );
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
    for case in cases() {
        let err = case.call(&client).await.expect_err("418");
        assert!(
            matches!(&err, SdkError::AdminApi { status: 418, message, .. } if message == "teapot"),
            "{}: {err:?}",
            case.id
        );
        assert!(!err.is_retryable());
    }
    mock.delete_async().await;

    let rotate = case("rotate_waitpoint_secret");
    // An undeclared 2xx with the documented body is accepted; 204 where no
    // 204 is documented is a decode error, not a silent default.
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(201)
                .header("content-type", "application/json")
                .body(&rotate.success(200).body);
        })
        .await;
    assert_eq!(
        rotate.call(&client).await.expect("201"),
        rotate.success(200).want
    );
    mock.delete_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(204);
        })
        .await;
    let err = rotate.call(&client).await.expect_err("204");
    assert!(
        matches!(err, SdkError::Decode { status: 204, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_a_retryable_http_error() {
    let addr = closed_port().await;
    let client = FlowFabricAdminClient::new(format!("http://{addr}")).expect("client");
    let err = case("claim_for_worker")
        .call(&client)
        .await
        .expect_err("refused");
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
async fn a_user_agent_is_sent_only_when_set() {
    let server = MockServer::start_async().await;
    let with_agent = server
        .mock_async(|when, then| {
            when.header("user-agent", "ops-tool/2.0");
            then.status(200)
                .header("content-type", "application/json")
                .body(&case("read_waitpoint_token").success(200).body);
        })
        .await;
    let without_agent = server
        .mock_async(|when, then| {
            when.header_missing("user-agent");
            then.status(200)
                .header("content-type", "application/json")
                .body(&case("read_waitpoint_token").success(200).body);
        })
        .await;
    let plain = FlowFabricAdminClient::new(server.base_url()).expect("client");
    case("read_waitpoint_token")
        .call(&plain)
        .await
        .expect("no user agent by default");
    let named = FlowFabricAdminClient::builder(server.base_url())
        .user_agent("ops-tool/2.0")
        .build()
        .expect("client");
    case("read_waitpoint_token")
        .call(&named)
        .await
        .expect("the set user agent");
    without_agent.assert_async().await;
    with_agent.assert_async().await;
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_retryable_timeout() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .header("content-type", "application/json")
                .body(&case("read_waitpoint_token").success(200).body)
                .delay(Duration::from_secs(3));
        })
        .await;
    let client = FlowFabricAdminClient::builder(server.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let err = case("read_waitpoint_token")
        .call(&client)
        .await
        .expect_err("timeout");
    assert!(
        matches!(&err, SdkError::Http { source, .. } if source.is_timeout()),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_body_cut_off_mid_read_keeps_status_and_what_arrived() {
    let server = ScriptedServer::start(vec![Reply::Cut(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"error\":\"engine: tra".to_vec(),
    )])
    .await;
    let client = FlowFabricAdminClient::new(server.url()).expect("client");
    let err = case("rotate_waitpoint_secret")
        .call(&client)
        .await
        .expect_err("cut");
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

    let server = ScriptedServer::start(vec![Reply::Cut(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 90\r\n\r\n{\"rotated\":1,".to_vec(),
    )])
    .await;
    let client = FlowFabricAdminClient::new(server.url()).expect("client");
    let err = case("rotate_waitpoint_secret")
        .call(&client)
        .await
        .expect_err("cut");
    assert!(matches!(err, SdkError::Body { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_gets_no_token() {
    let rotate = case("rotate_waitpoint_secret");
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .header("content-type", "application/json")
                .body(&rotate.success(200).body);
        })
        .await;
    let server = MockServer::start_async().await;
    // Another host: `localhost` instead of `127.0.0.1`, another port.
    let target = format!(
        "http://localhost:{}{}",
        elsewhere.address().port(),
        rotate.path
    );
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(307).header("location", target.clone());
        })
        .await;
    let client = client(&server, true);
    let err = rotate.call(&client).await.expect_err("307");
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
    let rotate = case("rotate_waitpoint_secret");
    let server = MockServer::start_async().await;
    let moved = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/moved{}", rotate.path))
                .header("authorization", format!("Bearer {TOKEN}"))
                .json_body(rotate.body.clone().expect("a body"));
            then.status(200)
                .header("content-type", "application/json")
                .body(&rotate.success(200).body);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path(rotate.path.clone());
            then.status(307)
                .header("location", format!("/moved{}", rotate.path));
        })
        .await;
    let got = rotate.call(&client(&server, true)).await.expect("followed");
    assert_eq!(got, rotate.success(200).want);
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
