//! The one path every operation's HTTP call takes: send through the
//! generated client, then settle the answer into this crate's result.

use std::future::Future;

use ff_admin_gen::{ByteStream, Error as GenError, Operation, ResponseValue};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::response::{is_no_content, settle, settle_bytes};
use crate::{FlowFabricAdminClient, SdkError};

/// What one generated method returns.
pub(crate) type Sent<T> = Result<ResponseValue<T>, GenError<()>>;

impl FlowFabricAdminClient {
    /// Sends `op` with `send` and settles the answer: the documented 2xx
    /// body, or the [`SdkError`] for everything else.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        op: &'static Operation,
        send: F,
    ) -> Result<T, SdkError>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Sent<T>>,
    {
        settle(op, send().await).await
    }

    /// [`call`](Self::call) for an operation whose `204 No Content` means
    /// "nothing now" (see `ff_admin_gen::NO_CONTENT_OPERATIONS`): `None`.
    pub(crate) async fn call_or_no_content<T, F, Fut>(
        &self,
        op: &'static Operation,
        send: F,
    ) -> Result<Option<T>, SdkError>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Sent<T>>,
    {
        let result = send().await;
        if is_no_content(&result) {
            return Ok(None);
        }
        settle(op, result).await.map(Some)
    }
}

impl FlowFabricAdminClient {
    /// [`call`](Self::call) for an operation whose documented 2xx body is
    /// not JSON: the body's bytes.
    pub(crate) async fn call_bytes<F, Fut>(
        &self,
        op: &'static Operation,
        send: F,
    ) -> Result<Vec<u8>, SdkError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Sent<ByteStream>>,
    {
        settle_bytes(op, send().await).await
    }
}

/// Converts a hand-written request into the generated body type. Both
/// serialize to the same JSON (`cargo xtask spec-check` holds the
/// hand-written type against the spec), so this fails only when a value
/// breaks a rule the generated type enforces; that is a `Config` error,
/// raised before anything is sent.
pub(crate) fn to_wire<A: Serialize, B: DeserializeOwned>(
    op: &Operation,
    request: &A,
) -> Result<B, SdkError> {
    serde_json::to_value(request)
        .and_then(serde_json::from_value)
        .map_err(|e| SdkError::config(op.route, Some("body"), format!("cannot be sent: {e}")))
}

/// Converts a generated answer into the hand-written type. Both decode the
/// same JSON, so this fails only if they disagree: a `Decode` error that
/// keeps the answer (re-encoded) as its raw body.
pub(crate) fn from_wire<A: Serialize, B: DeserializeOwned>(
    op: &Operation,
    answer: A,
) -> Result<B, SdkError> {
    let value = serde_json::to_value(&answer).map_err(|source| SdkError::Decode {
        status: 200,
        context: op.route.to_owned(),
        raw_body: String::new(),
        source,
    })?;
    B::deserialize(&value).map_err(|source| SdkError::Decode {
        status: 200,
        context: op.route.to_owned(),
        raw_body: value.to_string(),
        source,
    })
}

/// Turns the one documented "nothing there" 404 of a read into `None`: an
/// `AdminApi` 404 whose server message starts with one of `absent`. Any
/// other 404 (a wrong base path, a proxy) stays an error.
pub(crate) fn absent_on_404<T>(
    result: Result<T, SdkError>,
    absent: &[&str],
) -> Result<Option<T>, SdkError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(SdkError::AdminApi {
            status: 404,
            message,
            ..
        }) if absent.iter().any(|prefix| message.starts_with(prefix)) => Ok(None),
        Err(e) => Err(e),
    }
}
