//! How the generated methods read a documented JSON answer.
//!
//! `codegen.rs` puts [`json_answer`] in place of progenitor-client's
//! `ResponseValue::from_response`. The result and every error are the
//! same; the difference is that the answer's headers are moved into the
//! [`ResponseValue`] rather than cloned (a clone costs a `HeaderMap`
//! allocation per call).

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// Reads `response`'s body (within the client's answer limit, applied in
/// the `exec` hook) and decodes it as `T`.
///
/// # Errors
///
/// [`Error::ResponseBodyError`] when the body cannot be read (including a
/// body over the limit); [`Error::InvalidResponsePayload`], with the body,
/// when it is not `T`'s JSON.
pub(crate) async fn json_answer<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}
