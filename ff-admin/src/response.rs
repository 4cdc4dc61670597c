//! Turns what the generated client returns into this crate's results: the
//! one place where statuses, bodies and transport faults become `SdkError`.

use bytes::Bytes;
use ff_admin_gen::{
    types::ErrorBody, ByteStream, Error as GenError, Operation, ResponseTooLarge, ResponseValue,
};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::SdkError;

/// Whether the generated client returned a `204 No Content`. The generator
/// does not see the 204 of the operations in
/// [`ff_admin_gen::NO_CONTENT_OPERATIONS`], so it arrives as an undeclared
/// answer; those operations check this before [`settle`], which treats any
/// other 204 as a malformed 2xx.
pub(crate) fn is_no_content(error: &GenError<()>) -> bool {
    matches!(error, GenError::UnexpectedResponse(r) if r.status() == reqwest::StatusCode::NO_CONTENT)
}

/// The longest `message` taken from a body that is not the JSON error shape;
/// `raw_body` always keeps the whole body.
const MESSAGE_LIMIT: usize = 512;

/// The status every generated method decodes as its documented success: any
/// typed success body that fails to read or decode arrived with it.
const DECLARED_SUCCESS: u16 = 200;

/// Settles a call for which the generated client returned `error`: an
/// undeclared 2xx decoded as `T`, or the `SdkError` for everything else.
/// (A documented success needs no settling: the caller unwraps it.)
pub(crate) async fn settle<T: DeserializeOwned>(
    op: &Operation,
    error: GenError<()>,
) -> Result<T, SdkError> {
    let (status, body) = failed(op, error).await?;
    serde_json::from_slice(&body).map_err(|source| SdkError::Decode {
        status,
        context: op.route.to_owned(),
        raw_body: String::from_utf8_lossy(&body).into_owned(),
        source,
    })
}

/// The body of a documented 2xx that is not JSON
/// (`application/octet-stream`, `text/plain`), read within the client's
/// answer limit like every other body.
pub(crate) async fn read_bytes(
    op: &Operation,
    value: ResponseValue<ByteStream>,
) -> Result<Vec<u8>, SdkError> {
    let mut stream = value.into_inner().into_inner();
    let mut chunks: Vec<Bytes> = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => chunks.push(chunk),
            Err(source) => return Err(body_fault(op, DECLARED_SUCCESS, &chunks, source)),
        }
    }
    Ok(chunks.concat())
}

/// [`settle`] for an operation whose documented 2xx body is not JSON: an
/// undeclared 2xx's bytes, or the `SdkError` for everything else.
pub(crate) async fn settle_bytes(op: &Operation, error: GenError<()>) -> Result<Vec<u8>, SdkError> {
    failed(op, error).await.map(|(_, body)| body.to_vec())
}

/// Every error of the generated client as an `SdkError`, except an
/// undeclared 2xx answer, returned as its status and body for the caller to
/// decode.
async fn failed(op: &Operation, error: GenError<()>) -> Result<(u16, Bytes), SdkError> {
    let context = || op.route.to_owned();
    match error {
        GenError::UnexpectedResponse(response) => undeclared(op, response).await,
        GenError::InvalidResponsePayload(bytes, source) => Err(SdkError::Decode {
            status: DECLARED_SUCCESS,
            context: context(),
            raw_body: String::from_utf8_lossy(&bytes).into_owned(),
            source,
        }),
        GenError::ResponseBodyError(source) => Err(body_fault(op, DECLARED_SUCCESS, &[], source)),
        GenError::CommunicationError(source) | GenError::InvalidUpgrade(source) => {
            Err(SdkError::Http {
                source,
                context: context(),
            })
        }
        GenError::InvalidRequest(message) | GenError::Custom(message) => {
            Err(SdkError::config(op.route, None, message))
        }
        // The generator is given no error responses (see ff-admin-gen's
        // codegen), so it never builds this variant; it is mapped rather
        // than unreachable!() so that a generator change cannot panic.
        GenError::ErrorResponse(value) => Err(SdkError::AdminApi {
            status: value.status().as_u16(),
            message: "(error body not kept by the generated client)".to_owned(),
            kind: None,
            retryable: None,
            raw_body: String::new(),
        }),
    }
}

/// Handles a status the generator was not told about: every non-2xx, and
/// any 2xx other than the declared ones (returned with its body).
async fn undeclared(
    op: &Operation,
    mut response: reqwest::Response,
) -> Result<(u16, Bytes), SdkError> {
    let status = response.status();
    let location = status
        .is_redirection()
        .then(|| response.headers().get(reqwest::header::LOCATION).cloned())
        .flatten();
    let body = ff_admin_gen::read_body(&mut response)
        .await
        .map_err(|e| body_fault(op, status.as_u16(), &e.received, e.source))?;
    // Done with the answer: released before its body becomes a `String`,
    // which saves an allocation per error answer (counted by the bench's
    // claim 409).
    drop(response);
    if status.is_success() {
        return Ok((status.as_u16(), body));
    }
    let raw_body = String::from_utf8(Vec::from(body))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let (message, kind, retryable) = match serde_json::from_str::<ErrorBody>(&raw_body) {
        Ok(parsed) => (
            (status == reqwest::StatusCode::PAYLOAD_TOO_LARGE)
                .then(|| payload_too_large_message(&raw_body))
                .flatten()
                .unwrap_or(parsed.error),
            parsed.kind,
            parsed.retryable,
        ),
        Err(_) => {
            let mut message = text_message(&raw_body);
            if let Some(location) = location {
                let target = location.to_str().unwrap_or("<not UTF-8>");
                message = format!("redirect to `{target}` not followed; {message}");
            }
            (message, None, None)
        }
    };
    Err(SdkError::AdminApi {
        status: status.as_u16(),
        message,
        kind,
        retryable,
        raw_body,
    })
}

/// The error for an answer whose body read failed with `source` after the
/// `partial` chunks arrived: [`SdkError::ResponseTooLarge`] when the body
/// passed the client's size limit, [`SdkError::Body`] when it was cut off.
pub(crate) fn body_fault(
    op: &Operation,
    status: u16,
    partial: &[Bytes],
    source: reqwest::Error,
) -> SdkError {
    match ResponseTooLarge::find(&source) {
        Some(large) => SdkError::ResponseTooLarge {
            status: large.status().as_u16(),
            context: op.route.to_owned(),
            limit: large.limit(),
            declared_length: large.declared_length(),
            prefix: String::from_utf8_lossy(large.prefix()).into_owned(),
        },
        None => SdkError::Body {
            status,
            context: op.route.to_owned(),
            partial_body: String::from_utf8_lossy(&partial.concat()).into_owned(),
            source,
        },
    }
}

/// The 413 body (`{"error":"payload_too_large","limit_bytes":N,"route":R}`)
/// as one message.
fn payload_too_large_message(raw: &str) -> Option<String> {
    let parsed: ff_admin_gen::types::PayloadTooLarge = serde_json::from_str(raw).ok()?;
    Some(format!(
        "payload_too_large: the body exceeds {} bytes on {}",
        parsed.limit_bytes, parsed.route
    ))
}

/// A one-line message from a body that is not the JSON error shape.
fn text_message(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut end = trimmed.len().min(MESSAGE_LIMIT);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    let mut message: String = trimmed[..end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if end < trimmed.len() {
        message.push('…');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::{payload_too_large_message, text_message};

    #[test]
    fn text_messages_are_one_bounded_line() {
        assert_eq!(text_message(""), "(empty body)");
        assert_eq!(text_message("  \n"), "(empty body)");
        assert_eq!(text_message("Invalid URL:\nbad"), "Invalid URL: bad");
        let long = "é".repeat(400);
        let message = text_message(&long);
        assert!(message.ends_with('…'));
        assert!(message.len() <= super::MESSAGE_LIMIT + '…'.len_utf8());
    }

    #[test]
    fn only_claims_answer_no_content() {
        // Only `claim_for_worker` goes through `call_or_no_content`: a 204
        // added to another operation in the spec must fail here.
        assert_eq!(ff_admin_gen::NO_CONTENT_OPERATIONS, ["claim_for_worker"]);
    }

    #[test]
    fn payload_too_large_names_limit_and_route() {
        let raw = r#"{"error":"payload_too_large","limit_bytes":65536,"route":"/v1/workers/{worker_id}/claim"}"#;
        assert_eq!(
            payload_too_large_message(raw).unwrap(),
            "payload_too_large: the body exceeds 65536 bytes on /v1/workers/{worker_id}/claim"
        );
        assert!(payload_too_large_message(r#"{"error":"x"}"#).is_none());
    }
}
