//! Tracing of calls (feature `tracing`): one span per call and one event
//! per retry. Without the feature every method here is empty and inlined
//! away.
//!
//! The span (`ff_admin.call`) carries OpenTelemetry's HTTP client fields:
//! `otel.name` (`METHOD /route/{template}`), `otel.kind`,
//! `http.request.method`, `url.template`, `server.address`, `server.port`,
//! `http.response.status_code`, `http.request.resend_count` (when retried)
//! and `error.type` (on failure), plus `ff_admin.operation_id`,
//! `ff_admin.attempts` and `ff_admin.elapsed_ms`. A retry event carries
//! `ff_admin.attempt` (the attempt that failed), `ff_admin.retry.reason`
//! and `ff_admin.retry.wait_ms`.
//!
//! Nothing else is recorded: no path id, no request or answer body, no
//! header, so never a token, a secret or a waitpoint token.

use std::future::Future;

use ff_admin_gen::Operation;

use crate::retry::Retry;
use crate::{FlowFabricAdminClient, SdkError};

/// The trace of one call.
#[cfg(feature = "tracing")]
pub(crate) struct CallTrace {
    span: tracing::Span,
    started: std::time::Instant,
}

#[cfg(feature = "tracing")]
impl CallTrace {
    /// Opens the call's span.
    pub(crate) fn start(op: &'static Operation, client: &FlowFabricAdminClient) -> Self {
        let span = tracing::info_span!(
            "ff_admin.call",
            otel.name = op.route,
            otel.kind = "client",
            ff_admin.operation_id = op.id,
            http.request.method = op.method,
            url.template = op.path,
            server.address = &*client.server.address,
            server.port = client.server.port,
            http.response.status_code = tracing::field::Empty,
            http.request.resend_count = tracing::field::Empty,
            error.type = tracing::field::Empty,
            ff_admin.attempts = tracing::field::Empty,
            ff_admin.elapsed_ms = tracing::field::Empty,
        );
        Self {
            span,
            started: std::time::Instant::now(),
        }
    }

    /// Records that attempt `attempt` failed and another follows.
    pub(crate) fn retry(&self, attempt: u32, retry: Retry) {
        tracing::info!(
            parent: &self.span,
            ff_admin.attempt = attempt,
            ff_admin.retry.reason = retry.reason.as_str(),
            ff_admin.retry.wait_ms = u64::try_from(retry.wait.as_millis()).unwrap_or(u64::MAX),
            "ff-admin: retrying after a failed attempt"
        );
    }

    /// Records the call's outcome after `attempts` attempts; `status` is
    /// the last answer's status, when one arrived.
    pub(crate) fn finish<R>(
        &self,
        attempts: u32,
        status: Option<u16>,
        result: &Result<R, SdkError>,
    ) {
        let span = &self.span;
        span.record("ff_admin.attempts", attempts);
        if attempts > 1 {
            span.record("http.request.resend_count", attempts - 1);
        }
        let status = status.or_else(|| result.as_ref().err().and_then(SdkError::status));
        if let Some(status) = status {
            span.record("http.response.status_code", status);
        }
        if let Err(error) = result {
            span.record("error.type", error.type_name());
        }
        span.record(
            "ff_admin.elapsed_ms",
            self.started.elapsed().as_secs_f64() * 1000.0,
        );
    }

    /// Runs `future` inside the call's span.
    pub(crate) fn instrument<F: Future>(&self, future: F) -> tracing::instrument::Instrumented<F> {
        tracing::Instrument::instrument(future, self.span.clone())
    }
}

/// Where the client sends its calls, for the span's `server.*` fields.
#[cfg(feature = "tracing")]
#[derive(Debug)]
pub(crate) struct ServerAddress {
    address: Box<str>,
    port: u16,
}

#[cfg(feature = "tracing")]
impl ServerAddress {
    /// The host and port of a base URL already checked by `base_url`.
    pub(crate) fn of(base_url: &str) -> Self {
        let url = reqwest::Url::parse(base_url).ok();
        Self {
            address: url
                .as_ref()
                .and_then(|u| u.host_str())
                .unwrap_or_default()
                .into(),
            port: url
                .as_ref()
                .and_then(reqwest::Url::port_or_known_default)
                .unwrap_or(0),
        }
    }
}

/// The trace of one call: nothing without the `tracing` feature.
#[cfg(not(feature = "tracing"))]
pub(crate) struct CallTrace;

#[cfg(not(feature = "tracing"))]
impl CallTrace {
    #[inline(always)]
    pub(crate) fn start(_op: &'static Operation, _client: &FlowFabricAdminClient) -> Self {
        Self
    }

    #[inline(always)]
    pub(crate) fn retry(&self, _attempt: u32, _retry: Retry) {}

    #[inline(always)]
    pub(crate) fn finish<R>(
        &self,
        _attempts: u32,
        _status: Option<u16>,
        _result: &Result<R, SdkError>,
    ) {
    }

    #[inline(always)]
    pub(crate) fn instrument<F: Future>(&self, future: F) -> F {
        future
    }
}
