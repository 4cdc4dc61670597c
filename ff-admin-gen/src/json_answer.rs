//! How the generated methods read a documented JSON answer.
//!
//! `codegen.rs` puts [`json_answer`] in place of progenitor-client's
//! `ResponseValue::from_response`. For a `200` the result and every error
//! are the same; what differs is the cost: the answer's headers are moved
//! into the [`ResponseValue`] rather than cloned (a clone costs a
//! `HeaderMap` allocation per call), and the body is read by
//! [`crate::read_body`] rather than `Response::bytes`, whose collector
//! allocates a queue even for a body of one chunk and whose future is about
//! 400 bytes larger (the generated method's future holds this one).
//!
//! For another documented status (the `201` of the `create_*` operations)
//! whose body cannot be read or decoded, the answer comes back as
//! [`Error::UnexpectedResponse`] instead: progenitor's
//! [`Error::InvalidResponsePayload`] and [`Error::ResponseBodyError`] carry
//! no status, so a caller (ff-admin among them) could only assume `200`.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use progenitor_client::{Error, ResponseValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

/// Reads `response`'s body (within the client's answer limit, applied in
/// the `exec` hook) and decodes it as `T`.
///
/// # Errors
///
/// For a `200` answer: [`Error::ResponseBodyError`] when the body cannot be
/// read (including a body over the limit); [`Error::InvalidResponsePayload`],
/// with the body, when it is not `T`'s JSON.
///
/// For any other status: [`Error::UnexpectedResponse`] with a response
/// rebuilt from the answer's status, headers and URL, whose body is the one
/// that arrived (when it is not `T`'s JSON) or fails with the same error
/// (when it could not be read).
pub(crate) async fn json_answer<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = match crate::read_body(&mut response).await {
        Ok(full) => full,
        Err(e) => {
            let source = e.source.with_url(response.url().clone());
            if status == StatusCode::OK {
                return Err(Error::ResponseBodyError(source));
            }
            let body = reqwest::Body::wrap(FailedBody(Some(source)));
            return Err(Error::UnexpectedResponse(rebuilt(
                status,
                headers,
                response.url(),
                body,
            )));
        }
    };
    match serde_json::from_slice(&full) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) if status == StatusCode::OK => Err(Error::InvalidResponsePayload(full, e)),
        Err(_) => Err(Error::UnexpectedResponse(rebuilt(
            status,
            headers,
            response.url(),
            full.into(),
        ))),
    }
}

/// A response with `status`, `headers`, `url` and `body`.
fn rebuilt(
    status: StatusCode,
    headers: http::HeaderMap,
    url: &reqwest::Url,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    // The URL travels in an extension, the way reqwest itself attaches it.
    if let Ok(carrier) =
        reqwest::ResponseBuilderExt::url(http::Response::builder(), url.clone()).body(())
    {
        answer
            .extensions_mut()
            .extend(carrier.into_parts().0.extensions);
    }
    reqwest::Response::from(answer)
}

/// A body whose first read fails with the error it holds.
struct FailedBody(Option<reqwest::Error>);

impl Body for FailedBody {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

#[cfg(test)]
mod tests {
    use progenitor_client::Error;
    use serde_json::Value;

    use super::json_answer;

    fn answer(status: u16, body: &'static str) -> reqwest::Response {
        let mut answer = http::Response::new(reqwest::Body::from(body));
        *answer.status_mut() = http::StatusCode::from_u16(status).expect("status");
        answer
            .headers_mut()
            .insert("x-mark", http::HeaderValue::from_static("kept"));
        reqwest::Response::from(answer)
    }

    #[tokio::test]
    async fn a_200_that_does_not_decode_is_an_invalid_payload() {
        let err = json_answer::<Value, ()>(answer(200, "{"))
            .await
            .expect_err("not JSON");
        assert!(
            matches!(&err, Error::InvalidResponsePayload(body, _) if body.as_ref() == b"{"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn another_status_that_does_not_decode_keeps_its_status_headers_and_body() {
        let err = json_answer::<Value, ()>(answer(201, "{"))
            .await
            .expect_err("not JSON");
        let Error::UnexpectedResponse(response) = err else {
            panic!("{err:?}");
        };
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["x-mark"], "kept");
        assert_eq!(response.bytes().await.expect("body").as_ref(), b"{");
    }

    #[tokio::test]
    async fn a_decoded_answer_keeps_status_and_headers() {
        let value = json_answer::<Value, ()>(answer(201, "{}"))
            .await
            .expect("JSON");
        assert_eq!(value.status(), 201);
        assert_eq!(value.headers()["x-mark"], "kept");
    }
}
