//! The one path every operation's HTTP call takes: send through the
//! generated client, settle the answer into this crate's result, and repeat
//! the whole attempt when the client's [`RetryPolicy`](crate::RetryPolicy)
//! says so. Each call is one trace span (feature `tracing`).

use std::future::Future;
use std::time::Duration;

use ff_admin_gen::{ByteStream, Error as GenError, Operation, ResponseValue};
use serde::de::DeserializeOwned;

use crate::response::{is_no_content, read_bytes, settle, settle_bytes};
use crate::retry::retry_after;
use crate::trace::CallTrace;
use crate::{FlowFabricAdminClient, SdkError};

/// What one generated method returns.
pub(crate) type Sent<T> = Result<ResponseValue<T>, GenError<()>>;

/// The outcome of one attempt, with the answer's status and
/// `Retry-After`, when an answer arrived.
struct Attempt<R> {
    result: Result<R, SdkError>,
    status: Option<u16>,
    retry_after: Option<Duration>,
}

impl<R> Attempt<R> {
    /// The attempt of a documented success, mapped by `into`.
    ///
    /// Synchronous on purpose: the success path of a call then creates no
    /// future besides the generated method's (each nested future is copied
    /// into its parent when it starts; see `cargo xtask profile`).
    fn succeeded<T>(value: ResponseValue<T>, into: impl FnOnce(T) -> R) -> Self {
        Self {
            status: Some(value.status().as_u16()),
            retry_after: None,
            result: Ok(into(value.into_inner())),
        }
    }

    /// The attempt of a call whose generated method returned `error` (an
    /// undeclared answer, a documented answer whose body could not be read
    /// or decoded, a transport fault or a hook's error), settled by
    /// `settle`; the answer's status and `Retry-After` are read first.
    async fn failed<Fut>(error: GenError<()>, settle: impl FnOnce(GenError<()>) -> Fut) -> Self
    where
        Fut: Future<Output = Result<R, SdkError>>,
    {
        Self {
            status: error.status().map(|s| s.as_u16()),
            retry_after: retry_after(&error),
            result: settle(error).await,
        }
    }
}

impl FlowFabricAdminClient {
    /// Sends `op` with `send` (once per attempt) and settles the answer: the
    /// documented 2xx body, or the [`SdkError`] for everything else.
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
        self.attempts(op, || async {
            match send().await {
                Ok(value) => Attempt::succeeded(value, |v| v),
                Err(error) => Attempt::failed(error, |e| settle(op, e)).await,
            }
        })
        .await
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
        self.attempts(op, || async {
            match send().await {
                Ok(value) => Attempt::succeeded(value, Some),
                Err(error) if is_no_content(&error) => Attempt {
                    result: Ok(None),
                    status: Some(204),
                    retry_after: None,
                },
                Err(error) => {
                    Attempt::failed(error, |e| async move { settle(op, e).await.map(Some) }).await
                }
            }
        })
        .await
    }

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
        self.attempts(op, || async {
            match send().await {
                Ok(value) => Attempt {
                    status: Some(value.status().as_u16()),
                    retry_after: None,
                    result: read_bytes(op, value).await,
                },
                Err(error) => Attempt::failed(error, |e| settle_bytes(op, e)).await,
            }
        })
        .await
    }

    /// Runs `attempt` until it succeeds or the retry policy stops it, inside
    /// the call's trace span. Returns the last attempt's result unchanged.
    async fn attempts<R, A, Fut>(&self, op: &'static Operation, attempt: A) -> Result<R, SdkError>
    where
        A: Fn() -> Fut,
        Fut: Future<Output = Attempt<R>>,
    {
        let trace = CallTrace::start(op, self);
        let run = async {
            let mut number = 1;
            loop {
                let Attempt {
                    result,
                    status,
                    retry_after,
                } = attempt().await;
                let retry = match &result {
                    Ok(_) => None,
                    Err(error) => self.policy.after_failure(op, error, retry_after, number),
                };
                let Some(retry) = retry else {
                    trace.finish(number, status, &result);
                    return result;
                };
                trace.retry(number, retry);
                tokio::time::sleep(retry.wait).await;
                number += 1;
            }
        };
        trace.instrument(run).await
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
