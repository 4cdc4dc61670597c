//! The answer path, fuzzed: a scripted loopback server answers each call
//! with a generated raw HTTP/1.1 answer (any status line, a lying, missing,
//! invalid or duplicated `Content-Length`, chunked framing with random
//! chunk sizes and random TCP splits, `Retry-After` in any form, invalid
//! UTF-8, truncated, deeply nested or oversized JSON, a close mid-body,
//! very long or very many headers) and one operation of
//! [`FlowFabricAdminClient`] reads it.
//!
//! Every case must:
//! * not panic, and end within a bound derived from the client's timeout
//!   and retry policy;
//! * be `Ok` only for a documented answer: a 2xx status (ff-admin decodes
//!   an undeclared 2xx as the operation's answer, as `ff_sdk::admin` does)
//!   or the operation's documented "nothing" answer (claim's 204, a read's
//!   not-found 404), a body that arrived whole under its framing, within
//!   the size limit, that is the operation's JSON (the value carries the
//!   sample's marker) or, for the metrics, exactly the text sent;
//! * be `Ok` whenever the answer is a clean documented one (so that the
//!   oracle above is not met by failing everything);
//! * when an answer head arrived, report that answer's status (a `Decode`
//!   of a 201 says 201), and for a well-formed error body its `kind` and
//!   `retryable`;
//! * raise the process's peak resident size (`VmHWM`, reset before each
//!   call) by at most twice the client's answer limit plus what the
//!   answer's head costs (hyper buffers it) plus a 12 MiB slack, whatever
//!   the size of the body offered (up to 48 MiB).
//!
//! `FF_ADMIN_FUZZ_CASES` sets the number of generated cases (default 120,
//! 5 to 20 s); `FF_ADMIN_FUZZ_SEED` fixes the generator's seed for a
//! replay. Failures found are kept below as deterministic regression tests.

use std::time::{Duration, Instant};

use ff_admin::{
    ClaimForWorkerRequest, CreateFlowRequest, FlowFabricAdminClient, IssueReclaimGrantRequest,
    RetryPolicy, RotateWaitpointSecretRequest, SdkError,
};
use ff_admin_contract_tests::memory::{proc_status, reset_peak};
use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

// ----------------------------------------------------------- operations

/// The client's answer limit in these tests.
const LIMIT: u64 = 64 * 1024;
/// The client's timeout per attempt.
const TIMEOUT: Duration = Duration::from_millis(300);
/// The longest back-off (and `Retry-After` honoured) of the retrying
/// client.
const MAX_BACKOFF: Duration = Duration::from_millis(20);
/// Attempts of the retrying client.
const ATTEMPTS: u32 = 2;
/// The peak resident size may rise by `2 × LIMIT + 4 × head + SLACK`:
/// the slack covers what the first large reads grow (the allocator's
/// heaps, hyper's read buffer), as in `bounded_memory.rs`; runs of 2500
/// cases peaked at 8.0 MiB, half the smallest huge body.
const SLACK: usize = 12 * 1024 * 1024;
/// The smallest and largest "huge" body offered: far over the slack, so
/// that a client reading it whole fails the bound.
const HUGE: std::ops::Range<usize> = (24 << 20)..(48 << 20);

/// A text that every sample success body carries and that the decoded
/// value shows in its `Debug`.
const MARK: &str = "fz7mark";
const FLOW_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1af3";

/// The operations driven (those with simple arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Healthz,
    GetExecutionState,
    GetExecution,
    ClaimForWorker,
    RotateWaitpointSecret,
    IssueReclaimGrant,
    GetBudgetStatus,
    ListExecutions,
    GetMetrics,
    CreateFlow,
}

const OPS: [Op; 10] = [
    Op::Healthz,
    Op::GetExecutionState,
    Op::GetExecution,
    Op::ClaimForWorker,
    Op::RotateWaitpointSecret,
    Op::IssueReclaimGrant,
    Op::GetBudgetStatus,
    Op::ListExecutions,
    Op::GetMetrics,
    Op::CreateFlow,
];

/// What a call returned, when it succeeded: `None` for "nothing" (claim's
/// 204, a read's not-found 404), else the value's `Debug`.
type Value = Option<String>;

impl Op {
    /// The documented success answers: status and a sample body.
    fn successes(self) -> Vec<(u16, String)> {
        let exec = format!("{{fp:1}}:{MARK}");
        match self {
            Op::Healthz => vec![(200, r#"{"status":"ok"}"#.into())],
            Op::GetExecutionState => vec![(200, r#""active""#.into())],
            Op::GetExecution => vec![(
                200,
                serde_json::json!({
                    "execution_id": exec, "namespace": "n", "lane_id": "l", "priority": 0,
                    "execution_kind": "k", "public_state": "active", "created_at": "1",
                    "current_attempt_index": 0, "flow_id": null, "blocking_detail": "",
                    "state_vector": {
                        "lifecycle_phase": "active", "ownership_state": "leased",
                        "eligibility_state": "not_applicable", "blocking_reason": "none",
                        "terminal_outcome": "none", "attempt_state": "running_attempt",
                        "public_state": "active"
                    }
                })
                .to_string(),
            )],
            Op::ClaimForWorker => vec![(
                200,
                serde_json::json!({"execution_id": exec, "partition_key": "{fp:1}",
                    "grant_key": "g", "expires_at_ms": 5})
                .to_string(),
            )],
            Op::RotateWaitpointSecret => vec![(
                200,
                serde_json::json!({"rotated": 1, "failed": [], "new_kid": MARK}).to_string(),
            )],
            Op::IssueReclaimGrant => vec![(
                200,
                serde_json::json!({"status": "granted", "execution_id": exec,
                    "partition_key": "{fp:1}", "grant_key": "g", "expires_at_ms": 1,
                    "lane_id": "l"})
                .to_string(),
            )],
            Op::GetBudgetStatus => vec![(
                200,
                serde_json::json!({"budget_id": MARK, "scope_type": "lane", "scope_id": "l",
                    "enforcement_mode": "strict", "usage": {"tokens": 1},
                    "hard_limits": {"tokens": 10}, "soft_limits": {}, "breach_count": 0,
                    "soft_breach_count": 0, "last_breach_at": null, "last_breach_dim": null,
                    "next_reset_at": null, "created_at": "1"})
                .to_string(),
            )],
            Op::ListExecutions => vec![(
                200,
                serde_json::json!({"executions": [exec], "next_cursor": null}).to_string(),
            )],
            Op::GetMetrics => vec![(200, format!("# TYPE {MARK} counter\n{MARK} 1\n"))],
            Op::CreateFlow => vec![
                (
                    201,
                    serde_json::json!({"Created": {"flow_id": FLOW_ID}}).to_string(),
                ),
                (
                    200,
                    serde_json::json!({"AlreadySatisfied": {"flow_id": FLOW_ID}}).to_string(),
                ),
            ],
        }
    }

    /// The documented answer that means "nothing", as `Ok(None)`: status
    /// and body.
    fn nothing(self) -> Option<(u16, &'static str)> {
        match self {
            Op::ClaimForWorker => Some((204, "")),
            Op::GetExecution | Op::GetExecutionState => {
                Some((404, r#"{"error":"execution not found"}"#))
            }
            Op::GetBudgetStatus => Some((404, r#"{"error":"not found: budget"}"#)),
            _ => None,
        }
    }

    /// Whether the decoded value shows [`MARK`] (or the flow id).
    fn marked(self, value: &str) -> bool {
        match self {
            // `()` and a bare enum carry nothing to check.
            Op::Healthz | Op::GetExecutionState => true,
            Op::CreateFlow => value.contains(FLOW_ID),
            _ => value.contains(MARK),
        }
    }

    fn is_json(self) -> bool {
        self != Op::GetMetrics
    }

    /// Makes the call.
    async fn call(self, client: &FlowFabricAdminClient) -> Result<Value, SdkError> {
        let exec = "{fp:1}:00000000-0000-4000-8000-000000000001";
        let some = |v: &dyn std::fmt::Debug| Some(format!("{v:?}"));
        match self {
            Op::Healthz => client.healthz().await.map(|()| Some("()".into())),
            Op::GetExecutionState => client
                .get_execution_state(exec)
                .await
                .map(|v| v.map(|v| format!("{v:?}"))),
            Op::GetExecution => client
                .get_execution(exec)
                .await
                .map(|v| v.map(|v| format!("{v:?}"))),
            Op::ClaimForWorker => client
                .claim_for_worker(ClaimForWorkerRequest {
                    worker_id: "w".into(),
                    lane_id: "l".into(),
                    worker_instance_id: "i".into(),
                    capabilities: vec![],
                    grant_ttl_ms: 1000,
                })
                .await
                .map(|v| v.map(|v| format!("{v:?}"))),
            Op::RotateWaitpointSecret => client
                .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
                    new_kid: "k".into(),
                    new_secret_hex: "ab".repeat(32),
                })
                .await
                .map(|v| some(&v)),
            Op::IssueReclaimGrant => client
                .issue_reclaim_grant(
                    exec,
                    IssueReclaimGrantRequest {
                        worker_id: "w".into(),
                        worker_instance_id: "i".into(),
                        lane_id: "l".into(),
                        capability_hash: None,
                        grant_ttl_ms: 1000,
                        route_snapshot_json: None,
                        admission_summary: None,
                        worker_capabilities: vec![],
                    },
                )
                .await
                .map(|v| some(&v)),
            Op::GetBudgetStatus => client
                .get_budget_status("6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b")
                .await
                .map(|v| v.map(|v| format!("{v:?}"))),
            Op::ListExecutions => client
                .list_executions(1, None, Some(10))
                .await
                .map(|v| some(&v)),
            Op::GetMetrics => client.get_metrics().await.map(Some),
            Op::CreateFlow => client
                .create_flow(&CreateFlowRequest {
                    flow_id: FLOW_ID.into(),
                    flow_kind: "k".into(),
                    namespace: "n".into(),
                    now: 1,
                })
                .await
                .map(|v| some(&v)),
        }
    }
}

// ---------------------------------------------------------------- cases

/// The answer's status line.
#[derive(Debug, Clone)]
enum StatusLine {
    /// `HTTP/1.1 <code> <reason>`.
    Code(u16, String),
    /// A start line that is not HTTP.
    Garbage(Vec<u8>),
}

/// The answer's body.
#[derive(Debug, Clone)]
enum Body {
    /// The n-th documented success body of the operation (modulo their
    /// number).
    Sample(usize),
    /// The operation's "nothing" body (`""` or the not-found error).
    Nothing,
    /// The server's JSON error shape.
    Error {
        message: String,
        kind: Option<String>,
        retryable: Option<bool>,
    },
    /// A sample cut after `at` bytes (modulo its length).
    Truncated(usize, usize),
    /// `[` or `{"a":` nested `depth` times, closed or not.
    Nested {
        depth: usize,
        object: bool,
        closed: bool,
    },
    /// A sample with a string value made of these bytes (invalid UTF-8
    /// among them).
    BadUtf8(Vec<u8>),
    /// Any bytes.
    Bytes(Vec<u8>),
    /// A sample padded to `len` bytes with spaces (valid JSON of that
    /// size; over the limit when `len > LIMIT`).
    Padded(usize, usize),
    /// Valid JSON of the wrong shape.
    WrongShape(&'static str),
    /// A sample padded with spaces to this many bytes, far over the limit
    /// and the memory slack.
    Huge(usize, usize),
}

/// How the body is framed.
#[derive(Debug, Clone)]
enum Framing {
    /// `Content-Length` of the body's length.
    Exact,
    /// `Content-Length` off by `delta` (clamped at 0).
    Lying(i64),
    /// No length: the body ends where the connection closes.
    None,
    /// A `Content-Length` that is not a number.
    Invalid(String),
    /// Two `Content-Length` headers, the second off by `delta`.
    Duplicate(i64),
    /// Chunked, in chunks of these sizes (cycled), with or without the
    /// last chunk, with chunk extensions or not.
    Chunked {
        sizes: Vec<usize>,
        last: bool,
        extension: bool,
    },
    /// Chunked and a `Content-Length` both.
    ChunkedAndLength,
}

/// `Retry-After`, in any form.
#[derive(Debug, Clone)]
enum RetryAfter {
    Seconds(u64),
    Text(String),
    Raw(Vec<u8>),
    Twice(u64, u64),
}

/// One generated answer and how it is delivered.
#[derive(Debug, Clone)]
struct Case {
    op: Op,
    status: StatusLine,
    body: Body,
    framing: Framing,
    content_type: Option<String>,
    retry_after: Option<RetryAfter>,
    /// One header with a value of this many bytes.
    long_header: Option<usize>,
    /// This many extra small headers.
    many_headers: usize,
    /// Where the answer's bytes are split into separately written pieces
    /// (fractions of its length, in thousandths).
    splits: Vec<u16>,
    /// Cut the answer after this fraction (thousandths) and close.
    cut: Option<u16>,
    /// Close the connection after the answer.
    close: bool,
    /// Use the retrying client.
    retry: bool,
}

fn op() -> impl Strategy<Value = Op> {
    proptest::sample::select(OPS.to_vec())
}

fn status() -> impl Strategy<Value = StatusLine> {
    let reason = prop_oneof![Just("X".to_owned()), Just(String::new()), "[ -~]{0,40}",];
    prop_oneof![
        4 => (proptest::sample::select(vec![200u16, 201, 204, 404]), reason.clone())
            .prop_map(|(c, r)| StatusLine::Code(c, r)),
        3 => (proptest::sample::select(vec![
            202u16, 206, 301, 302, 304, 400, 401, 408, 409, 413, 429, 500, 502, 503, 504,
        ]), reason.clone())
            .prop_map(|(c, r)| StatusLine::Code(c, r)),
        2 => (100u16..=999, reason).prop_map(|(c, r)| StatusLine::Code(c, r)),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(StatusLine::Garbage),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        6 => (0usize..2).prop_map(Body::Sample),
        2 => Just(Body::Nothing),
        3 => (
            "[ -~]{0,60}",
            proptest::option::of("[a-z_]{1,20}"),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(message, kind, retryable)| Body::Error { message, kind, retryable }),
        2 => (0usize..2, any::<usize>()).prop_map(|(i, at)| Body::Truncated(i, at)),
        1 => (1usize..200_000, any::<bool>(), any::<bool>())
            .prop_map(|(depth, object, closed)| Body::Nested { depth, object, closed }),
        1 => proptest::collection::vec(any::<u8>(), 1..64).prop_map(Body::BadUtf8),
        1 => proptest::collection::vec(any::<u8>(), 0..256).prop_map(Body::Bytes),
        2 => (0usize..2, prop_oneof![
            0usize..(LIMIT as usize),
            (LIMIT as usize - 16)..(LIMIT as usize + 16),
            (LIMIT as usize)..(16 * LIMIT as usize),
        ]).prop_map(|(i, len)| Body::Padded(i, len)),
        1 => proptest::sample::select(vec!["null", "0", "[]", "{}", "\"ok\"", "{\"status\":1}"])
            .prop_map(Body::WrongShape),
        // Rare: each costs tens of MiB of writes.
        1 => (0usize..2, HUGE).prop_map(|(i, len)| Body::Huge(i, len)),
    ]
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        8 => Just(Framing::Exact),
        2 => prop_oneof![-40i64..-1, 1i64..40].prop_map(Framing::Lying),
        2 => Just(Framing::None),
        1 => prop_oneof![
            Just("abc".to_owned()),
            Just("-1".to_owned()),
            Just("99999999999999999999999".to_owned()),
            Just("5 5".to_owned()),
            Just("1,2".to_owned()),
            Just("0x10".to_owned()),
        ].prop_map(Framing::Invalid),
        1 => prop_oneof![Just(0i64), -5i64..5].prop_map(Framing::Duplicate),
        4 => (
            proptest::collection::vec(1usize..5000, 1..6),
            prop_oneof![5 => Just(true), 1 => Just(false)],
            any::<bool>()
        )
            .prop_map(|(sizes, last, extension)| Framing::Chunked { sizes, last, extension }),
        1 => Just(Framing::ChunkedAndLength),
    ]
}

fn retry_after() -> impl Strategy<Value = RetryAfter> {
    prop_oneof![
        (0u64..3).prop_map(RetryAfter::Seconds),
        any::<u64>().prop_map(RetryAfter::Seconds),
        prop_oneof![
            Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
            Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
            Just("-1".to_owned()),
            Just("1.5".to_owned()),
            Just("".to_owned()),
            Just("99999999999999999999999999".to_owned()),
            Just(" 0 ".to_owned()),
            "[ -~]{0,30}",
        ]
        .prop_map(RetryAfter::Text),
        proptest::collection::vec(0x80u8..=0xff, 1..8).prop_map(RetryAfter::Raw),
        (0u64..3, any::<u64>()).prop_map(|(a, b)| RetryAfter::Twice(a, b)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (op(), status(), body(), framing()),
        (
            proptest::option::weighted(
                0.8,
                prop_oneof![
                    Just("application/json".to_owned()),
                    Just("text/plain".to_owned()),
                ],
            ),
            proptest::option::weighted(0.3, retry_after()),
            proptest::option::weighted(0.1, prop_oneof![1usize..9000, 9000usize..600_000]),
            prop_oneof![6 => Just(0usize), 1 => 1usize..160],
        ),
        (
            proptest::collection::vec(0u16..1000, 0..6),
            proptest::option::weighted(0.15, 0u16..1000),
            prop_oneof![3 => Just(false), 1 => Just(true)],
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (op, status, body, framing),
                (content_type, retry_after, long_header, many_headers),
                (splits, cut, close, retry, coherent),
            )| Case {
                op,
                // Half the cases answer the status documented for their
                // body, so that documented answers are common.
                status: if coherent {
                    coherent_status(op, &body).unwrap_or(status)
                } else {
                    status
                },
                body,
                framing,
                content_type,
                retry_after,
                long_header,
                many_headers,
                splits,
                cut,
                close,
                retry,
            },
        )
}

/// The status documented for `body`, when it is a sample or "nothing".
fn coherent_status(op: Op, body: &Body) -> Option<StatusLine> {
    let successes = op.successes();
    let code = match body {
        Body::Sample(i) | Body::Truncated(i, _) | Body::Padded(i, _) | Body::Huge(i, _) => {
            successes[i % successes.len()].0
        }
        Body::Nothing => op.nothing()?.0,
        _ => return None,
    };
    Some(StatusLine::Code(code, "X".into()))
}

// ------------------------------------------------------------ rendering

/// A case turned into bytes, with what a correct client can know of it.
struct Rendered {
    bytes: Vec<u8>,
    /// Where the head ends (the body starts).
    head_len: usize,
    /// The status, when the start line is a valid one.
    status: Option<u16>,
    /// The body as a client reading the framing correctly sees it, when
    /// the framing delimits it unambiguously and it all arrives.
    seen_body: Option<Vec<u8>>,
    /// The body bytes offered (for the size checks).
    body_len: usize,
}

fn pad_json(sample: &str, len: usize) -> Vec<u8> {
    let mut out = sample.as_bytes().to_vec();
    out.resize(len.max(sample.len()), b' ');
    out
}

impl Case {
    fn body_bytes(&self) -> Vec<u8> {
        let samples = self.op.successes();
        let sample = |i: usize| samples[i % samples.len()].1.clone();
        match &self.body {
            Body::Sample(i) => sample(*i).into_bytes(),
            Body::Nothing => self.op.nothing().map_or("", |(_, b)| b).as_bytes().to_vec(),
            Body::Error {
                message,
                kind,
                retryable,
            } => {
                let mut v = serde_json::json!({ "error": message });
                if let Some(kind) = kind {
                    v["kind"] = kind.clone().into();
                }
                if let Some(r) = retryable {
                    v["retryable"] = (*r).into();
                }
                v.to_string().into_bytes()
            }
            Body::Truncated(i, at) => {
                let s = sample(*i).into_bytes();
                s[..at % s.len()].to_vec()
            }
            Body::Nested {
                depth,
                object,
                closed,
            } => {
                let (open, close) = if *object {
                    (&b"{\"a\":"[..], &b"}"[..])
                } else {
                    (&b"["[..], &b"]"[..])
                };
                let mut out = open.repeat(*depth);
                out.extend_from_slice(b"1");
                if *closed {
                    out.extend_from_slice(&close.repeat(*depth));
                }
                out
            }
            Body::BadUtf8(bytes) => {
                let s = sample(0);
                let mut out = Vec::new();
                match s.find(MARK) {
                    Some(at) => {
                        out.extend_from_slice(&s.as_bytes()[..at]);
                        // At least one byte that is never UTF-8.
                        out.push(0xff);
                        out.extend(bytes.iter().filter(|b| **b != b'"' && **b != b'\\'));
                        out.extend_from_slice(&s.as_bytes()[at + MARK.len()..]);
                    }
                    None => out.extend_from_slice(bytes),
                }
                out
            }
            Body::Bytes(bytes) => bytes.clone(),
            Body::Padded(i, len) => pad_json(&sample(*i), *len),
            Body::WrongShape(s) => s.as_bytes().to_vec(),
            Body::Huge(i, len) => pad_json(&sample(*i), *len),
        }
    }

    fn render(&self) -> Rendered {
        let body = self.body_bytes();
        let mut head = Vec::new();
        let status = match &self.status {
            StatusLine::Code(code, reason) => {
                head.extend_from_slice(format!("HTTP/1.1 {code:03} {reason}\r\n").as_bytes());
                Some(*code)
            }
            StatusLine::Garbage(bytes) => {
                head.extend(bytes.iter().filter(|b| **b != b'\n'));
                head.extend_from_slice(b"\r\n");
                None
            }
        };
        let mut header = |name: &str, value: &[u8]| {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value);
            head.extend_from_slice(b"\r\n");
        };
        if let Some(ct) = &self.content_type {
            header("content-type", ct.as_bytes());
        }
        match &self.retry_after {
            Some(RetryAfter::Seconds(s)) => header("retry-after", s.to_string().as_bytes()),
            Some(RetryAfter::Text(t)) => header("retry-after", t.as_bytes()),
            Some(RetryAfter::Raw(r)) => header("retry-after", r),
            Some(RetryAfter::Twice(a, b)) => {
                header("retry-after", a.to_string().as_bytes());
                header("retry-after", b.to_string().as_bytes());
            }
            None => {}
        }
        if let Some(len) = self.long_header {
            header("x-long", &vec![b'v'; len]);
        }
        for i in 0..self.many_headers {
            header(&format!("x-h{i}"), b"1");
        }
        // Whether the framing alone delimits the body, and how much of it.
        let len = body.len() as i64;
        let mut framed = Vec::new();
        let seen: Option<Vec<u8>> = match &self.framing {
            Framing::Exact => {
                header("content-length", len.to_string().as_bytes());
                framed.extend_from_slice(&body);
                Some(body.clone())
            }
            Framing::Lying(delta) => {
                let claimed = (len + delta).max(0);
                header("content-length", claimed.to_string().as_bytes());
                framed.extend_from_slice(&body);
                // Longer than sent: never completes.
                (claimed <= len).then(|| body[..claimed as usize].to_vec())
            }
            Framing::None => {
                framed.extend_from_slice(&body);
                // Delimited by the close, if there is one.
                (self.close || self.cut.is_some()).then(|| body.clone())
            }
            Framing::Invalid(v) => {
                header("content-length", v.as_bytes());
                framed.extend_from_slice(&body);
                None
            }
            Framing::Duplicate(delta) => {
                header("content-length", len.to_string().as_bytes());
                header(
                    "content-length",
                    (len + delta).max(0).to_string().as_bytes(),
                );
                framed.extend_from_slice(&body);
                (*delta == 0).then(|| body.clone())
            }
            Framing::Chunked {
                sizes,
                last,
                extension,
            } => {
                header("transfer-encoding", b"chunked");
                let mut rest = &body[..];
                let mut i = 0;
                while !rest.is_empty() {
                    let n = sizes[i % sizes.len()].min(rest.len());
                    let ext = if *extension { ";x=1" } else { "" };
                    framed.extend_from_slice(format!("{n:x}{ext}\r\n").as_bytes());
                    framed.extend_from_slice(&rest[..n]);
                    framed.extend_from_slice(b"\r\n");
                    rest = &rest[n..];
                    i += 1;
                }
                if *last {
                    framed.extend_from_slice(b"0\r\n\r\n");
                }
                last.then(|| body.clone())
            }
            Framing::ChunkedAndLength => {
                header("transfer-encoding", b"chunked");
                header("content-length", len.to_string().as_bytes());
                framed.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                framed.extend_from_slice(&body);
                framed.extend_from_slice(b"\r\n0\r\n\r\n");
                // RFC 9112 §6.3: chunked framing wins over the length.
                Some(body.clone())
            }
        };
        head.extend_from_slice(b"\r\n");
        let head_len = head.len();
        let mut bytes = head;
        bytes.extend_from_slice(&framed);
        // A bodiless status has no body whatever the headers say; a 1xx
        // is an interim answer, after which the client waits for more.
        let seen = match status {
            Some(204 | 304) => Some(Vec::new()),
            Some(100..=199) => None,
            _ => seen,
        };
        let seen = match self.cut {
            // A body delimited by the close ends where it is cut.
            Some(at)
                if matches!(self.framing, Framing::None)
                    && seen.is_some()
                    && !matches!(status, Some(204 | 304)) =>
            {
                let cut = bytes.len() * usize::from(at) / 1000;
                bytes.truncate(cut);
                (cut >= head_len).then(|| bytes[head_len..].to_vec())
            }
            Some(at) => {
                let cut = bytes.len() * usize::from(at) / 1000;
                bytes.truncate(cut);
                // What is left may still hold the whole body.
                let body_end = match status {
                    Some(204 | 304) => head_len,
                    _ => head_len + seen.as_ref().map_or(0, |b| framed_len_of(&self.framing, b)),
                };
                seen.filter(|_| cut >= body_end)
            }
            None => seen,
        };
        Rendered {
            bytes,
            head_len,
            status,
            seen_body: seen,
            body_len: body.len(),
        }
    }

    fn reply(&self, rendered: &Rendered) -> Reply {
        let bytes = &rendered.bytes;
        let mut at: Vec<usize> = self
            .splits
            .iter()
            .map(|s| bytes.len() * usize::from(*s) / 1000)
            .collect();
        at.sort_unstable();
        at.dedup();
        let mut pieces = Vec::new();
        let mut from = 0;
        for to in at {
            if to > from {
                pieces.push(bytes[from..to].to_vec());
                from = to;
            }
        }
        pieces.push(bytes[from..].to_vec());
        Reply::Pieces {
            pieces,
            close: self.close || self.cut.is_some(),
        }
    }

    /// Whether this is a clean documented answer, which must be `Ok`.
    fn clean(&self, rendered: &Rendered) -> bool {
        let documented_status = match (&self.body, rendered.status) {
            (Body::Sample(i), Some(code)) => {
                let s = self.op.successes();
                s[i % s.len()].0 == code
            }
            (Body::Padded(i, len), Some(code)) => {
                let s = self.op.successes();
                s[i % s.len()].0 == code && (*len as u64) <= LIMIT
            }
            (Body::Nothing, Some(code)) => self.op.nothing().is_some_and(|(c, _)| c == code),
            _ => false,
        };
        let whole = match rendered.status {
            Some(204 | 304) => rendered.seen_body.is_some(),
            _ => rendered.seen_body.as_deref() == Some(self.body_bytes().as_slice()),
        };
        documented_status
            && whole
            && matches!(
                self.framing,
                Framing::Exact | Framing::Chunked { .. } | Framing::None
            )
            && self.long_header.is_none_or(|n| n < 8000)
            && self.many_headers < 50
    }
}

/// The length of `body` as framed by `framing` (only asked for the
/// framings that delimit it).
fn framed_len_of(framing: &Framing, body: &[u8]) -> usize {
    match framing {
        Framing::ChunkedAndLength => format!("{:x}\r\n", body.len()).len() + body.len() + 7,
        Framing::Chunked {
            sizes, extension, ..
        } => {
            let mut len = 0;
            let mut rest = body.len();
            let mut i = 0;
            while rest > 0 {
                let n = sizes[i % sizes.len()].min(rest);
                len += format!("{n:x}").len() + if *extension { 4 } else { 0 } + 2 + n + 2;
                rest -= n;
                i += 1;
            }
            len + 5
        }
        _ => body.len(),
    }
}

// --------------------------------------------------------------- oracle

fn client(url: String, retry: bool) -> FlowFabricAdminClient {
    let policy = if retry {
        RetryPolicy::standard()
            .with_max_attempts(ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(MAX_BACKOFF)
    } else {
        RetryPolicy::none()
    };
    FlowFabricAdminClient::builder(url)
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .max_response_bytes(LIMIT)
        .retry_policy(policy)
        .build()
        .expect("client")
}

/// What one case did.
#[derive(Debug)]
struct Outcome {
    result: Result<Value, SdkError>,
    requests: usize,
    elapsed: Duration,
    peak_rise: u64,
}

async fn run(case: &Case) -> (Rendered, Outcome) {
    let rendered = case.render();
    let server = ScriptedServer::start(vec![case.reply(&rendered)]).await;
    let client = client(server.url(), case.retry);
    let bound = (TIMEOUT + MAX_BACKOFF) * ATTEMPTS + Duration::from_secs(2);
    let start = Instant::now();
    reset_peak();
    let base = proc_status("VmRSS:");
    let result = tokio::time::timeout(bound, case.op.call(&client))
        .await
        .unwrap_or_else(|_| panic!("{case:?}: no result within {bound:?}"));
    let peak_rise = proc_status("VmHWM:").saturating_sub(base);
    let elapsed = start.elapsed();
    drop(client);
    let requests = server.requests().len();
    (
        rendered,
        Outcome {
            result,
            requests,
            elapsed,
            peak_rise,
        },
    )
}

/// Checks one case's outcome; `Err` says what is wrong.
fn check(case: &Case, r: &Rendered, o: &Outcome) -> Result<(), String> {
    let max_requests = if case.retry { ATTEMPTS as usize } else { 1 };
    if o.requests > max_requests {
        return Err(format!("{} requests, at most {max_requests}", o.requests));
    }
    let memory_bound = (2 * LIMIT as usize + 4 * r.head_len + SLACK) as u64;
    if o.peak_rise > memory_bound {
        return Err(format!(
            "peak heap rose by {} bytes, bound {memory_bound}",
            o.peak_rise
        ));
    }
    match &o.result {
        Ok(value) => {
            let Some(status) = r.status else {
                return Err("Ok from an answer without a valid status line".into());
            };
            let Some(seen) = &r.seen_body else {
                return Err("Ok from a body that did not arrive whole".into());
            };
            if seen.len() as u64 > LIMIT {
                return Err(format!("Ok from a {}-byte body over the limit", seen.len()));
            }
            match value {
                None => {
                    let Some((code, body)) = case.op.nothing() else {
                        return Err("Ok(None) from an operation without one".into());
                    };
                    if status != code || seen.as_slice() != body.as_bytes() {
                        return Err(format!("Ok(None) from {status} {seen:?}"));
                    }
                }
                Some(value) => {
                    // ff-admin decodes an undeclared 2xx as the operation's
                    // answer too (as `ff_sdk::admin` does: it checks
                    // `is_success()`); anything else must fail.
                    if !(200..300).contains(&status) {
                        return Err(format!("Ok from status {status}"));
                    }
                    if case.op.is_json() {
                        if serde_json::from_slice::<serde_json::Value>(seen).is_err() {
                            return Err("Ok from a body that is not JSON".into());
                        }
                        if !case.op.marked(value) {
                            return Err(format!("Ok({value}) is not the sample's value"));
                        }
                    } else if value.as_bytes() != seen.as_slice() {
                        return Err(format!("Ok({value:?}) is not the body {seen:?}"));
                    }
                }
            }
        }
        Err(e) => {
            if case.clean(r) {
                return Err(format!("a clean documented answer failed: {e:?}"));
            }
            let answered = matches!(
                e,
                SdkError::AdminApi { .. }
                    | SdkError::Decode { .. }
                    | SdkError::Body { .. }
                    | SdkError::ResponseTooLarge { .. }
            );
            // Known, not fixed here (the status does not reach
            // `get_metrics`: `call_bytes` in call.rs returns the bytes
            // alone): an undeclared 2xx whose text is not UTF-8 is a
            // `Decode` that says 200.
            let metrics_status_known = case.op == Op::GetMetrics
                && matches!(e, SdkError::Decode { status: 200, .. })
                && r.status.is_some_and(|s| (200..300).contains(&s));
            if answered && max_requests == 1 && !metrics_status_known {
                // With one attempt the answer seen is the generated one.
                if e.status() != r.status {
                    return Err(format!(
                        "error reports status {:?}, the answer's was {:?}: {e:?}",
                        e.status(),
                        r.status
                    ));
                }
            }
            if let SdkError::Decode { status, .. } = e {
                if !(200..300).contains(status) {
                    return Err(format!("Decode of a non-2xx answer: {e:?}"));
                }
            }
            if let SdkError::AdminApi { status, .. } = e {
                if (200..300).contains(status) {
                    return Err(format!("AdminApi for a 2xx answer: {e:?}"));
                }
            }
            if let SdkError::ResponseTooLarge { .. } = e {
                if r.body_len as u64 <= LIMIT && !matches!(case.framing, Framing::Lying(_)) {
                    return Err(format!("ResponseTooLarge for {} bytes", r.body_len));
                }
            }
            // A well-formed error body, delivered whole, keeps its fields.
            if let (
                Body::Error {
                    message,
                    kind,
                    retryable,
                },
                SdkError::AdminApi {
                    status,
                    message: got,
                    kind: got_kind,
                    retryable: got_retryable,
                    ..
                },
            ) = (&case.body, e)
            {
                let whole = r.seen_body.as_deref() == Some(case.body_bytes().as_slice())
                    && matches!(
                        case.framing,
                        Framing::Exact | Framing::Chunked { .. } | Framing::None
                    );
                if whole && max_requests == 1 && !matches!(*status, 204 | 304 | 413) {
                    if got != message || got_kind != kind || got_retryable != retryable {
                        return Err(format!("error body fields lost: {e:?}"));
                    }
                    if retryable.is_some_and(|r| r != e.is_retryable()) {
                        return Err(format!("`retryable` hint not followed: {e:?}"));
                    }
                }
            }
            // Display is one line and never the whole body.
            let line = e.to_string();
            if line.contains('\n') && !line.contains("\\n") {
                return Err(format!("multi-line Display: {line:?}"));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- tests

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn cases_from_env() -> u32 {
    std::env::var("FF_ADMIN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

#[test]
fn generated_answers_end_in_documented_outcomes() {
    let cases = cases_from_env();
    let seed: u64 = std::env::var("FF_ADMIN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let rt = runtime();
    let start = Instant::now();
    let stats = std::cell::RefCell::new(Stats::default());
    let result = runner.run(&case(), |case| {
        let (rendered, outcome) = rt.block_on(run(&case));
        stats.borrow_mut().count(&outcome);
        check(&case, &rendered, &outcome)
            .map_err(|why| TestCaseError::fail(format!("{why}\n  outcome: {:?}", outcome.result)))
    });
    let stats = stats.into_inner();
    println!(
        "fuzz: seed {seed}, {cases} cases ({} runs with shrinking) in {:.1} s: {} Ok, errors {:?}; slowest case {:?}, largest peak-RSS rise {} KiB",
        stats.runs,
        start.elapsed().as_secs_f64(),
        stats.oks,
        stats.errors,
        stats.slowest,
        stats.max_rise / 1024
    );
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
}

/// What the generated cases did, for the closing line.
#[derive(Default)]
struct Stats {
    runs: usize,
    oks: usize,
    errors: std::collections::BTreeMap<&'static str, usize>,
    slowest: Duration,
    max_rise: u64,
}

impl Stats {
    fn count(&mut self, outcome: &Outcome) {
        self.runs += 1;
        self.slowest = self.slowest.max(outcome.elapsed);
        self.max_rise = self.max_rise.max(outcome.peak_rise);
        match &outcome.result {
            Ok(_) => self.oks += 1,
            Err(e) => *self.errors.entry(error_name(e)).or_default() += 1,
        }
    }
}

fn error_name(e: &SdkError) -> &'static str {
    match e {
        SdkError::Config { .. } => "config",
        SdkError::AdminApi { .. } => "admin_api",
        SdkError::Http { .. } => "http",
        SdkError::Decode { .. } => "decode",
        SdkError::Body { .. } => "body",
        SdkError::ResponseTooLarge { .. } => "response_too_large",
        _ => "other",
    }
}

// ------------------------------------------------- regression cases

/// A plain case: `op` answered `status` with `body`, `Content-Length`
/// framing, one attempt.
fn plain(op: Op, status: u16, body: Body) -> Case {
    Case {
        op,
        status: StatusLine::Code(status, "X".into()),
        body,
        framing: Framing::Exact,
        content_type: Some("application/json".into()),
        retry_after: None,
        long_header: None,
        many_headers: 0,
        splits: vec![],
        cut: None,
        close: false,
        retry: false,
    }
}

#[test]
fn every_documented_answer_is_ok() {
    let rt = runtime();
    for op in OPS {
        let mut cases: Vec<Case> = (0..op.successes().len())
            .map(|i| plain(op, op.successes()[i].0, Body::Sample(i)))
            .collect();
        if let Some((status, _)) = op.nothing() {
            cases.push(plain(op, status, Body::Nothing));
        }
        for case in cases {
            let (rendered, outcome) = rt.block_on(run(&case));
            assert!(outcome.result.is_ok(), "{case:?}: {:?}", outcome.result);
            check(&case, &rendered, &outcome).unwrap_or_else(|e| panic!("{case:?}: {e}"));
        }
    }
}

/// Found by an earlier fuzz run: a 201 whose body did not decode was
/// reported as a `Decode` with status 200, and a 201 whose body was cut
/// off as a `Body` error with status 200.
#[test]
fn a_201_that_fails_to_decode_or_is_cut_off_reports_201() {
    let rt = runtime();
    let case = plain(Op::CreateFlow, 201, Body::WrongShape("{}"));
    let (_, outcome) = rt.block_on(run(&case));
    match &outcome.result {
        Err(
            e @ SdkError::Decode {
                status, raw_body, ..
            },
        ) => {
            assert_eq!(*status, 201, "{e:?}");
            assert_eq!(raw_body, "{}");
        }
        other => panic!("{other:?}"),
    }
    let mut cut = plain(Op::CreateFlow, 201, Body::Sample(0));
    cut.framing = Framing::Lying(10);
    cut.close = true;
    let (rendered, outcome) = rt.block_on(run(&cut));
    match &outcome.result {
        Err(e @ SdkError::Body { status, .. }) => assert_eq!(*status, 201, "{e:?}"),
        other => panic!("{other:?}"),
    }
    check(&cut, &rendered, &outcome).expect("consistent");
}
