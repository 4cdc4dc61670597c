//! The one path every operation's HTTP call takes: send through the
//! generated client, then settle the answer into this crate's result.

use std::future::Future;

use ff_admin_gen::{Error as GenError, Operation, ResponseValue};
use serde::de::DeserializeOwned;

use crate::response::{is_no_content, settle};
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
