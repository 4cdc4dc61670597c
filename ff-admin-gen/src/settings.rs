//! The per-client state of the generated [`crate::Client`] (its progenitor
//! "inner type") and the hooks that apply it to every call.

use progenitor_client::{ClientHooks, ClientInfo as _, OperationInfo};

use crate::request_url::BaseUrlCache;
use crate::response_limit::{self, DEFAULT_MAX_RESPONSE_BYTES};
use crate::RequestAuth;

/// What the generated [`crate::Client`] applies to every call: the
/// credentials, and the limit on the size of an answer. It also keeps the
/// client's base URL parsed after the first call, so that a call's URL is
/// built by parsing only its path.
///
/// `Debug` never shows the credentials.
///
/// ```
/// let settings = ff_admin_gen::ClientSettings::new(ff_admin_gen::RequestAuth::none())
///     .with_max_response_bytes(1024 * 1024);
/// assert_eq!(settings.max_response_bytes(), 1024 * 1024);
/// ```
#[derive(Clone, Debug)]
pub struct ClientSettings {
    auth: RequestAuth,
    max_response_bytes: u64,
    base_url: BaseUrlCache,
}

impl ClientSettings {
    /// `auth` on every call, and answers limited to
    /// [`DEFAULT_MAX_RESPONSE_BYTES`].
    pub fn new(auth: RequestAuth) -> Self {
        Self {
            auth,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            base_url: BaseUrlCache::default(),
        }
    }

    /// Limits every answer's body to `limit` bytes: a longer body fails its
    /// read with [`crate::ResponseTooLarge`] and is not read further.
    pub fn with_max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The credentials sent on every call.
    pub fn auth(&self) -> &RequestAuth {
        &self.auth
    }

    /// The limit on an answer's body, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// The parsed base URL, kept for `request_url`.
    pub(crate) fn base_url_cache(&self) -> &BaseUrlCache {
        &self.base_url
    }

    /// The pre-request hook: adds the credentials.
    #[doc(hidden)]
    pub fn apply(&self, request: &mut reqwest::Request) {
        self.auth.apply(request);
    }
}

impl Default for ClientSettings {
    /// No credentials, the default answer limit.
    fn default() -> Self {
        Self::new(RequestAuth::none())
    }
}

impl From<RequestAuth> for ClientSettings {
    fn from(auth: RequestAuth) -> Self {
        Self::new(auth)
    }
}

/// Sends each request and bounds the answer's body (see
/// [`crate::ResponseTooLarge`]).
impl ClientHooks<ClientSettings> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(response_limit::bound(
            response,
            self.inner().max_response_bytes,
        ))
    }
}
