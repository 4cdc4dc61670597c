//! The `tracing` feature: one span per call with OpenTelemetry's HTTP
//! client fields, an event per retry, and never a token, a secret, a
//! waitpoint token or a body, in anything any layer of the client emits.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ff_admin::{
    ClaimForWorkerRequest, FlowFabricAdminClient, RetryPolicy, RotateWaitpointSecretRequest,
};
use ff_admin_contract_tests::closed_port;
use ff_admin_contract_tests::scripted::{Reply, ScriptedServer};
use ff_admin_contract_tests::wire::answer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

const TOKEN: &str = "bearer-SECRET-7f3e";
const SECRET_HEX: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
const WAITPOINT_TOKEN: &str = "kid1:WAITPOINT-SECRET-0a9b8c";
const EXEC_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const WAITPOINT_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

/// A closed span or an event, with every field recorded on it.
#[derive(Debug, Clone)]
struct Captured {
    /// The span's name, or the event's parent span's name.
    name: String,
    /// `span` or `event`.
    kind: &'static str,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// Records every span (when it closes) and every event, at every level,
/// from every crate.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        ctx.span(id)
            .expect("new span")
            .extensions_mut()
            .insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("recorded span");
        let mut extensions = span.extensions_mut();
        let fields = extensions.get_mut::<Fields>().expect("fields");
        values.record(fields);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let name = ctx
            .event_span(event)
            .map(|s| s.name().to_owned())
            .unwrap_or_default();
        self.0.lock().expect("capture").push(Captured {
            name,
            kind: "event",
            fields: fields.0,
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).expect("closed span");
        let fields = span.extensions_mut().remove::<Fields>().unwrap_or_default();
        self.0.lock().expect("capture").push(Captured {
            name: span.name().to_owned(),
            kind: "span",
            fields: fields.0,
        });
    }
}

fn client(base: String) -> FlowFabricAdminClient {
    FlowFabricAdminClient::builder(base)
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::standard().with_initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client")
}

#[tokio::test]
async fn each_call_is_one_span_with_the_http_fields_and_no_secret() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));

    let token_body = format!(r#"{{"token":"{WAITPOINT_TOKEN}"}}"#);
    let server = ScriptedServer::start(vec![
        Reply::Send(answer(503, &[], r#"{"error":"busy"}"#)),
        Reply::Send(answer(
            200,
            &[],
            r#"{"rotated":256,"failed":[],"new_kid":"kid2"}"#,
        )),
        Reply::Send(answer(200, &[], &token_body)),
        Reply::Send(answer(204, &[], "")),
    ])
    .await;
    let port = server.url().rsplit(':').next().expect("port").to_owned();
    let client = client(server.url());
    client
        .rotate_waitpoint_secret(RotateWaitpointSecretRequest {
            new_kid: "kid2".into(),
            new_secret_hex: SECRET_HEX.into(),
        })
        .await
        .expect("rotated on the second attempt");
    let token = client
        .read_waitpoint_token(EXEC_ID, WAITPOINT_ID)
        .await
        .expect("token");
    assert_eq!(token.as_deref(), Some(WAITPOINT_TOKEN));
    let claimed = client
        .claim_for_worker(ClaimForWorkerRequest {
            worker_id: "w1".into(),
            lane_id: "default".into(),
            worker_instance_id: "w1-i1".into(),
            capabilities: vec![],
            grant_ttl_ms: 5000,
        })
        .await
        .expect("204");
    assert_eq!(claimed, None);
    let refused = self::client(format!("http://{}", closed_port().await));
    refused.healthz().await.expect_err("connection refused");

    let captured = capture.0.lock().expect("capture").clone();
    let calls: Vec<&Captured> = captured
        .iter()
        .filter(|c| c.kind == "span" && c.name == "ff_admin.call")
        .collect();
    assert_eq!(calls.len(), 4, "{captured:#?}");

    let rotate = calls[0];
    for (field, value) in [
        ("otel.name", "POST /v1/admin/rotate-waitpoint-secret"),
        ("otel.kind", "client"),
        ("ff_admin.operation_id", "rotate_waitpoint_secret"),
        ("http.request.method", "POST"),
        ("url.template", "/v1/admin/rotate-waitpoint-secret"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("http.response.status_code", "200"),
        ("ff_admin.attempts", "2"),
        ("http.request.resend_count", "1"),
    ] {
        assert_eq!(rotate.field(field), Some(value), "{field}: {rotate:#?}");
    }
    let elapsed: f64 = rotate
        .field("ff_admin.elapsed_ms")
        .expect("elapsed")
        .parse()
        .expect("a number of ms");
    assert!(elapsed > 0.0);
    assert_eq!(rotate.field("error.type"), None);

    let token = calls[1];
    assert_eq!(
        token.field("url.template"),
        Some("/v1/executions/{execution_id}/waitpoints/{waitpoint_id}/token")
    );
    assert_eq!(token.field("http.request.method"), Some("GET"));
    assert_eq!(token.field("http.response.status_code"), Some("200"));
    assert_eq!(token.field("ff_admin.attempts"), Some("1"));
    assert_eq!(token.field("http.request.resend_count"), None);

    let claim = calls[2];
    assert_eq!(
        claim.field("ff_admin.operation_id"),
        Some("claim_for_worker")
    );
    assert_eq!(claim.field("http.response.status_code"), Some("204"));

    let healthz = calls[3];
    assert_eq!(healthz.field("ff_admin.operation_id"), Some("healthz"));
    assert_eq!(healthz.field("ff_admin.attempts"), Some("3"));
    assert_eq!(healthz.field("error.type"), Some("http"));
    assert_eq!(healthz.field("http.response.status_code"), None);

    // One event per retry, inside the call's span: the reason and the wait.
    let retries: Vec<&Captured> = captured
        .iter()
        .filter(|c| c.kind == "event" && c.fields.contains_key("ff_admin.retry.reason"))
        .collect();
    let reasons: Vec<(&str, &str)> = retries
        .iter()
        .map(|r| {
            assert_eq!(r.name, "ff_admin.call");
            assert!(r.field("ff_admin.retry.wait_ms").is_some(), "{r:?}");
            (
                r.field("ff_admin.attempt").expect("attempt"),
                r.field("ff_admin.retry.reason").expect("reason"),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("1", "status_503"),
            ("1", "connect_failed"),
            ("2", "connect_failed")
        ]
    );

    // Nothing anyone emitted holds a credential, a body or a concrete path.
    let everything = format!("{captured:?}");
    for secret in [
        TOKEN,
        "Bearer",
        SECRET_HEX,
        WAITPOINT_TOKEN,
        "new_secret_hex",
        "rotated",
        "busy",
        EXEC_ID,
        "3f2a9c4e",
        WAITPOINT_ID,
    ] {
        assert!(
            !everything.contains(secret),
            "`{secret}` appears in the trace: {everything}"
        );
    }
}
