//! How the generated methods read a documented JSON answer.
//!
//! `codegen.rs` puts [`json_answer`] in place of progenitor-client's
//! `ResponseValue::from_response`. The result and every error are the
//! same; what differs is the cost: the answer's headers are moved into the
//! [`ResponseValue`] rather than cloned (a clone costs a `HeaderMap`
//! allocation per call), and the body is read by [`crate::read_body`]
//! rather than `Response::bytes`, whose collector allocates a queue even
//! for a body of one chunk and whose future is about 400 bytes larger (the
//! generated method's future holds this one).

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
    let full = crate::read_body(&mut response)
        .await
        .map_err(|e| Error::ResponseBodyError(e.source.with_url(response.url().clone())))?;
    let inner =
        serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}
