//! The error type of every fallible call in this crate.

use std::fmt;

/// What went wrong, and where: building the client, reaching the server,
/// the server's answer, or reading that answer.
///
/// `Display` is one short line per variant; the underlying cause, when there
/// is one, is reachable through [`std::error::Error::source`] and is not
/// repeated in the line. No variant ever holds the bearer token.
///
/// Use [`SdkError::is_retryable`] to decide whether the same call may
/// succeed later, and [`SdkError::status`] / [`SdkError::raw_body`] to see
/// what the server actually sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdkError {
    /// The client was configured wrongly, or a call's input was rejected
    /// before anything was sent (an empty token, an invalid base URL, an
    /// empty or dot-segment path id). Retrying cannot help.
    #[error("{}", ConfigLine { context, field: field.as_deref(), message })]
    Config {
        /// The operation or constructor that rejected the input.
        context: String,
        /// The offending field, when one field is to blame.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },

    /// The server answered with a non-2xx status, or (from the `ff-core`
    /// feature's `into_grant()`, as in `ff_sdk::admin`) a 200 answer that
    /// cannot become a grant: `status` is then 200 and `kind` says why.
    ///
    /// `message`, `kind` and `retryable` come from the server's JSON error
    /// body (`{"error", "kind"?, "retryable"?}`). When the body is not that
    /// JSON (a proxy's HTML page, plain text, nothing at all), `message`
    /// holds the body's text (or a note that it was empty) and `kind` and
    /// `retryable` are `None`; `raw_body` always holds the body as received.
    #[error("admin api: {status}: {message}")]
    AdminApi {
        /// The HTTP status code.
        status: u16,
        /// The server's `error` text, or the body's text when it is not JSON.
        message: String,
        /// The server's machine-readable error class, when it sent one.
        kind: Option<String>,
        /// The server's retry hint, when it sent one.
        retryable: Option<bool>,
        /// The response body exactly as received (lossy UTF-8).
        raw_body: String,
    },

    /// The request could not be sent, or no response arrived: connection
    /// refused or dropped, DNS, TLS, or the client-side timeout.
    #[error("http: {context}")]
    Http {
        /// The transport error; `is_timeout()` / `is_connect()` tell the
        /// fault class.
        #[source]
        source: reqwest::Error,
        /// The operation that failed.
        context: String,
    },

    /// A 2xx answer whose body is not the documented JSON.
    ///
    /// Means the server and this client disagree on the wire format (or
    /// something between them rewrote the body). Not retryable.
    #[error("decode: {context}: status {status}: body is not the documented JSON")]
    Decode {
        /// The HTTP status code of the answer.
        status: u16,
        /// The operation whose answer failed to decode.
        context: String,
        /// The response body exactly as received (lossy UTF-8).
        raw_body: String,
        /// Why decoding failed.
        #[source]
        source: serde_json::Error,
    },

    /// The status line arrived but the body was cut off (connection dropped
    /// or the client-side timeout hit while reading it).
    #[error("http: {context}: status {status}: body cut off after {} bytes", partial_body.len())]
    Body {
        /// The HTTP status code of the answer.
        status: u16,
        /// The operation whose answer was cut off.
        context: String,
        /// What arrived before the body was cut off (lossy UTF-8). Empty when
        /// the answer was a 2xx, whose partial bytes are not kept.
        partial_body: String,
        /// The transport error that ended the read.
        #[source]
        source: reqwest::Error,
    },

    /// The answer's body was longer than the client's limit
    /// ([`FlowFabricAdminClientBuilder::max_response_bytes`]); reading
    /// stopped there and the connection was closed. Not retryable: the same
    /// call gets the same answer.
    ///
    /// [`FlowFabricAdminClientBuilder::max_response_bytes`]: crate::FlowFabricAdminClientBuilder::max_response_bytes
    #[error("response too large: {context}: status {status}: body over the {limit}-byte limit")]
    ResponseTooLarge {
        /// The HTTP status code of the answer.
        status: u16,
        /// The operation whose answer was too large.
        context: String,
        /// The limit the body passed, in bytes.
        limit: u64,
        /// The body length the server declared (`Content-Length`), if any.
        declared_length: Option<u64>,
        /// The first bytes of the body (at most 1 KiB, lossy UTF-8).
        prefix: String,
    },
}

impl SdkError {
    /// Whether the same call may succeed if made again later: exactly the
    /// failures a [`RetryPolicy`](crate::RetryPolicy) retries for an
    /// idempotent operation.
    ///
    /// * [`SdkError::AdminApi`]: the server's `retryable` hint when it sent
    ///   one; otherwise `true` for 408, 429, 502, 503 and 504 only.
    /// * [`SdkError::Http`]: `true` for a connect failure, a timeout, and a
    ///   failure while sending the request or reading the answer's status
    ///   line and headers (reqwest's `is_request()`: a connection dropped
    ///   before the answer, but also an answer that is not HTTP).
    /// * [`SdkError::Body`]: `true` (a transient transport fault).
    /// * [`SdkError::Config`], [`SdkError::Decode`] and
    ///   [`SdkError::ResponseTooLarge`]: `false`.
    ///
    /// Whether a retry is *safe* depends on the operation; each method's
    /// documentation says so (claims are not idempotent). A
    /// [`RetryPolicy`](crate::RetryPolicy) makes that distinction for you.
    pub fn is_retryable(&self) -> bool {
        crate::retry::RetryReason::of(true, self).is_some()
    }

    /// The HTTP status of the answer, when one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::AdminApi { status, .. }
            | Self::Decode { status, .. }
            | Self::Body { status, .. }
            | Self::ResponseTooLarge { status, .. } => Some(*status),
            Self::Http { source, .. } => source.status().map(|s| s.as_u16()),
            Self::Config { .. } => None,
        }
    }

    /// The response body as received, when an answer arrived (for a cut-off
    /// body, the part that arrived; for one over the size limit, its first
    /// bytes).
    pub fn raw_body(&self) -> Option<&str> {
        match self {
            Self::AdminApi { raw_body, .. } | Self::Decode { raw_body, .. } => Some(raw_body),
            Self::Body { partial_body, .. } => Some(partial_body),
            Self::ResponseTooLarge { prefix, .. } => Some(prefix),
            Self::Http { .. } | Self::Config { .. } => None,
        }
    }

    /// The server's machine-readable error class (`kind`), when it sent one.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::AdminApi { kind, .. } => kind.as_deref(),
            _ => None,
        }
    }

    /// The variant's name in snake case, for traces (`error.type`).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Config { .. } => "config",
            Self::AdminApi { .. } => "admin_api",
            Self::Http { .. } => "http",
            Self::Decode { .. } => "decode",
            Self::Body { .. } => "body",
            Self::ResponseTooLarge { .. } => "response_too_large",
        }
    }

    pub(crate) fn config(context: &str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Config {
            context: context.to_owned(),
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// Renders `config: <context>[.<field>]: <message>`.
struct ConfigLine<'a> {
    context: &'a str,
    field: Option<&'a str>,
    message: &'a str,
}

impl fmt::Display for ConfigLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "config: {}.{}: {}", self.context, field, self.message),
            None => write!(f, "config: {}: {}", self.context, self.message),
        }
    }
}
