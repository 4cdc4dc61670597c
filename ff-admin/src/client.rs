//! Construction of [`FlowFabricAdminClient`]: base URL, authentication,
//! timeouts and the HTTP client underneath.

use std::time::Duration;

use ff_admin_gen::{ClientInfo as _, ClientSettings, RequestAuth};
use reqwest::header::HeaderValue;

use crate::{base_url, RetryPolicy, SdkError};

/// The default limit on each attempt of a call: later than ff-server's own
/// 120 s rotation deadline, so the server's 504 reaches the caller instead
/// of a client-side timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(130);

/// The default limit on establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub use ff_admin_gen::DEFAULT_MAX_RESPONSE_BYTES;

/// Redirects followed at most, and only to the same scheme, host and port.
const MAX_REDIRECTS: usize = 5;

const CONTEXT: &str = "admin_client";

/// Client for the ff-server admin REST API.
///
/// Cheap to clone (clones share one connection pool); build one and reuse
/// it. `Debug` shows the base URL and whether a token is set, never the
/// token.
///
/// Proxies are reqwest's: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and
/// `NO_PROXY` (or their lowercase forms) as set when the client is built.
/// When none of `ALL_PROXY`, `HTTP_PROXY` and `HTTPS_PROXY` is set, in
/// either case (on platforms other than macOS and Windows, which have
/// system proxy settings), the client skips reqwest's per-call proxy
/// lookup, which could not find a proxy.
///
/// ```no_run
/// use ff_admin::{ClaimForWorkerRequest, FlowFabricAdminClient};
///
/// # async fn demo() -> Result<(), ff_admin::SdkError> {
/// let client = FlowFabricAdminClient::with_token("http://127.0.0.1:9090", "s3cret")?;
/// let grant = client
///     .claim_for_worker(ClaimForWorkerRequest {
///         worker_id: "worker-1".into(),
///         lane_id: "default".into(),
///         worker_instance_id: "worker-1-a".into(),
///         capabilities: vec![],
///         grant_ttl_ms: 30_000,
///     })
///     .await?;
/// match grant {
///     Some(grant) => println!("claimed {}", grant.execution_id),
///     None => println!("nothing to do"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FlowFabricAdminClient {
    pub(crate) raw: ff_admin_gen::Client,
    pub(crate) policy: RetryPolicy,
    #[cfg(feature = "tracing")]
    pub(crate) server: std::sync::Arc<crate::trace::ServerAddress>,
}

impl FlowFabricAdminClient {
    /// A client without authentication, with the default timeouts.
    ///
    /// For a server started without `FF_API_TOKEN`; otherwise every call
    /// but [`healthz`](Self::healthz) answers 401.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] with `field: Some("base_url")` when `base_url`
    /// is not an `http://` or `https://` URL, carries credentials, a query or
    /// a fragment. Trailing slashes are dropped; a path prefix
    /// (`http://host/ff`) is kept.
    pub fn new(base_url: impl Into<String>) -> Result<Self, SdkError> {
        Self::builder(base_url).build()
    }

    /// A client that sends `Authorization: Bearer <token>` on every call,
    /// with the default timeouts.
    ///
    /// The header is marked sensitive, so neither this crate nor `reqwest`
    /// prints it.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] with `field: Some("bearer_token")` when the
    /// token is empty or all whitespace (often an unset variable expanded to
    /// `""`; use [`new`](Self::new) for an unauthenticated client) or holds
    /// characters that cannot appear in a header (such as a trailing
    /// newline); with `field: Some("base_url")` as for [`new`](Self::new).
    pub fn with_token(
        base_url: impl Into<String>,
        token: impl AsRef<str>,
    ) -> Result<Self, SdkError> {
        Self::builder(base_url).bearer_token(token).build()
    }

    /// A builder for the settings [`new`](Self::new) and
    /// [`with_token`](Self::with_token) leave at their defaults.
    pub fn builder(base_url: impl Into<String>) -> FlowFabricAdminClientBuilder {
        FlowFabricAdminClientBuilder {
            base_url: base_url.into(),
            token: None,
            timeout: None,
            connect_timeout: None,
            user_agent: None,
            http_client: None,
            root_certificates: Vec::new(),
            max_response_bytes: None,
            retry_policy: RetryPolicy::none(),
        }
    }

    /// The base URL every path is appended to, as normalised at
    /// construction.
    pub fn base_url(&self) -> &str {
        self.raw.baseurl()
    }

    /// The retry policy every call follows.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.policy
    }

    /// The limit on the size of one answer's body, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.raw.inner().max_response_bytes()
    }
}

impl std::fmt::Debug for FlowFabricAdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowFabricAdminClient")
            .field("base_url", &self.raw.baseurl())
            .field(
                "auth",
                &if self.raw.inner().auth().is_set() {
                    "bearer <redacted>"
                } else {
                    "none"
                },
            )
            .field("retry_policy", &self.policy)
            .field("max_response_bytes", &self.max_response_bytes())
            .finish_non_exhaustive()
    }
}

/// Settings for a [`FlowFabricAdminClient`]; see
/// [`FlowFabricAdminClient::builder`].
///
/// Nothing is checked until [`build`](Self::build). `Debug` never shows the
/// token.
#[must_use]
pub struct FlowFabricAdminClientBuilder {
    base_url: String,
    token: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    /// PEM texts of extra roots, read at `build`.
    root_certificates: Vec<Vec<u8>>,
    max_response_bytes: Option<u64>,
    retry_policy: RetryPolicy,
}

impl FlowFabricAdminClientBuilder {
    /// Sends `Authorization: Bearer <token>` on every call.
    pub fn bearer_token(mut self, token: impl AsRef<str>) -> Self {
        self.token = Some(token.as_ref().to_owned());
        self
    }

    /// Limits each whole attempt of a call (connect, send, and read the
    /// answer). Default [`DEFAULT_TIMEOUT`] (130 s). With a
    /// [`retry_policy`](Self::retry_policy), each attempt has this limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Limits establishing a connection. Default
    /// [`DEFAULT_CONNECT_TIMEOUT`] (10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends `user_agent` as the `User-Agent` header of every call.
    /// Default: no `User-Agent`, as `ff_sdk::admin` and `reqwest` send.
    /// ff-server does not read it; a proxy or access log in front of it
    /// may. Each call then carries the header, which both ends pay for on
    /// every call (see the README's Performance section).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sends every call through `client` (its pool, TLS, proxy, timeouts and
    /// redirect policy) instead of one built here.
    ///
    /// Cannot be combined with [`timeout`](Self::timeout),
    /// [`connect_timeout`](Self::connect_timeout) or
    /// [`user_agent`](Self::user_agent): set those on `client`. The bearer
    /// token is still added to each call.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Trusts the root certificates in `pem` (one or more PEM `CERTIFICATE`
    /// blocks) besides the operating system's, for a server whose
    /// certificate a private CA signed. May be called more than once.
    ///
    /// Read at [`build`](Self::build), which fails with
    /// [`SdkError::Config`] (`field: Some("root_certificate")`) when `pem`
    /// holds no certificate. Cannot be combined with
    /// [`http_client`](Self::http_client). Needs one of the TLS features
    /// (`rustls`, the default; `rustls-aws-lc`; `native-tls`).
    #[cfg(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls"))]
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Limits the body of every answer to `limit` bytes. Default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (8 MiB; the doc there says why).
    ///
    /// A longer answer, on any status, stops being read at the limit (at
    /// once when its `Content-Length` already says so) and the call fails
    /// with [`SdkError::ResponseTooLarge`], which keeps the status and the
    /// body's first bytes. Applies to a caller's
    /// [`http_client`](Self::http_client) too.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Repeats failed calls as `policy` says. Default [`RetryPolicy::none`]:
    /// every call is made once. See [`RetryPolicy`] for what is retried for
    /// which operation.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), ff_admin::SdkError> {
    /// let client = ff_admin::FlowFabricAdminClient::builder("http://127.0.0.1:9090")
    ///     .bearer_token("s3cret")
    ///     .retry_policy(ff_admin::RetryPolicy::standard())
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] naming the field (`base_url`, `bearer_token`,
    /// `user_agent`, `http_client`, `max_response_bytes`,
    /// `root_certificate`) that is invalid or conflicts with another, or
    /// `tls` when the TLS set-up fails (for example, the operating system
    /// has no root certificates); [`SdkError::Http`] when `reqwest` cannot
    /// build its client.
    pub fn build(self) -> Result<FlowFabricAdminClient, SdkError> {
        let base = base_url::normalize(&self.base_url)?;
        let auth = match &self.token {
            None => RequestAuth::none(),
            Some(token) => RequestAuth::authorization(bearer_header(token)?),
        };
        let mut settings = ClientSettings::new(auth);
        if let Some(limit) = self.max_response_bytes {
            if limit == 0 {
                return Err(SdkError::config(
                    CONTEXT,
                    Some("max_response_bytes"),
                    "must be at least 1",
                ));
            }
            settings = settings.with_max_response_bytes(limit);
        }
        let http = match self.http_client {
            Some(client) => {
                let conflicting = [
                    ("timeout", self.timeout.is_some()),
                    ("connect_timeout", self.connect_timeout.is_some()),
                    ("user_agent", self.user_agent.is_some()),
                    (
                        "add_root_certificate_pem",
                        !self.root_certificates.is_empty(),
                    ),
                ];
                if let Some((name, _)) = conflicting.iter().find(|(_, set)| *set) {
                    return Err(SdkError::config(
                        CONTEXT,
                        Some("http_client"),
                        format!("`{name}` cannot be combined with a caller's reqwest::Client; set it on that client"),
                    ));
                }
                client
            }
            None => {
                let mut http =
                    crate::tls::configure(reqwest::Client::builder(), &self.root_certificates)?
                        .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                        .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                        .redirect(same_origin_redirects());
                if !proxy_configured() {
                    // The same outcome as reqwest's own lookup, which finds
                    // nothing to intercept, without running it on every call.
                    http = http.no_proxy();
                }
                if let Some(user_agent) = &self.user_agent {
                    let user_agent = HeaderValue::from_str(user_agent).map_err(|_| {
                        SdkError::config(
                            CONTEXT,
                            Some("user_agent"),
                            "contains characters not valid in an HTTP header",
                        )
                    })?;
                    http = http.user_agent(user_agent);
                }
                http.build().map_err(|source| SdkError::Http {
                    source,
                    context: "build reqwest::Client".to_owned(),
                })?
            }
        };
        Ok(FlowFabricAdminClient {
            #[cfg(feature = "tracing")]
            server: std::sync::Arc::new(crate::trace::ServerAddress::of(&base)),
            raw: ff_admin_gen::Client::new_with_client(&base, http, settings),
            policy: self.retry_policy,
        })
    }
}

impl std::fmt::Debug for FlowFabricAdminClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowFabricAdminClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("http_client", &self.http_client.is_some())
            .field("root_certificates", &self.root_certificates.len())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry_policy", &self.retry_policy)
            .finish()
    }
}

/// `Bearer <token>` as a sensitive header value.
fn bearer_header(token: &str) -> Result<HeaderValue, SdkError> {
    if token.trim().is_empty() {
        return Err(SdkError::config(
            CONTEXT,
            Some("bearer_token"),
            "is empty or all-whitespace; use FlowFabricAdminClient::new for unauthenticated access",
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        SdkError::config(
            CONTEXT,
            Some("bearer_token"),
            "contains characters not valid in an HTTP header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Whether reqwest's system proxy lookup could send a call through a
/// proxy: one of the proxy variables it reads is set, or the platform has
/// proxy settings of its own (macOS, Windows), which are left to reqwest.
fn proxy_configured() -> bool {
    cfg!(any(target_os = "macos", target_os = "windows"))
        || [
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
        ]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// Follows `307`/`308` (which keep the method and body) to the same scheme,
/// host and port, at most [`MAX_REDIRECTS`] times. Any other redirect is
/// returned to the caller as an `AdminApi` error, so the request (and its
/// token) never goes to another origin.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let keeps_request = matches!(attempt.status().as_u16(), 307 | 308);
        let same_origin = attempt.previous().first().is_some_and(|first| {
            let next = attempt.url();
            first.scheme() == next.scheme()
                && first.host_str() == next.host_str()
                && first.port_or_known_default() == next.port_or_known_default()
        });
        if keeps_request && same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}
