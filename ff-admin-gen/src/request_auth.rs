//! The per-request authentication hook of the generated [`crate::Client`].

use reqwest::header::{HeaderValue, AUTHORIZATION};

/// Credentials the generated [`crate::Client`] adds to every request.
///
/// Holds an optional `Authorization` value, marked sensitive so that
/// `reqwest` and this type's `Debug` never print it. Applied by a pre-request
/// hook rather than by `reqwest` default headers, so it works with any
/// `reqwest::Client`, including one the caller built.
#[derive(Clone, Default)]
pub struct RequestAuth {
    authorization: Option<HeaderValue>,
}

impl RequestAuth {
    /// No credentials: requests carry no `Authorization` header.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sends `value` as the `Authorization` header of every request.
    ///
    /// The value is marked sensitive before it is stored.
    pub fn authorization(mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        Self {
            authorization: Some(value),
        }
    }

    /// Whether requests carry an `Authorization` header.
    pub fn is_set(&self) -> bool {
        self.authorization.is_some()
    }

    /// Inserts the `Authorization` header, if any (the pre-request hook of
    /// [`crate::ClientSettings`] calls it).
    #[doc(hidden)]
    pub fn apply(&self, request: &mut reqwest::Request) {
        if let Some(value) = &self.authorization {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
        }
    }
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuth")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
