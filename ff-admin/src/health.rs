//! The health probe and the metrics scrape (the spec's `health` tag), both
//! unauthenticated.

use ff_admin_gen::operations as op;

use crate::{FlowFabricAdminClient, SdkError};

impl FlowFabricAdminClient {
    /// Checks that the server can reach its backend (`GET /healthz`,
    /// never authenticated).
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`] with 503 (`kind: Some("unavailable")` on a
    /// SQLite backend, which has no ping) or 500 when the backend fails;
    /// [`SdkError::Http`] when the server cannot be reached.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy) repeats it after
    /// any transient failure.
    pub async fn healthz(&self) -> Result<(), SdkError> {
        self.call(&op::HEALTHZ, || self.raw.healthz())
            .await
            .map(|_| ())
    }

    /// Scrapes the server's Prometheus metrics (`GET /metrics`, never
    /// authenticated): the text exposition, as sent.
    ///
    /// # Errors
    ///
    /// [`SdkError::AdminApi`] 404 (401 when the server has a token) when
    /// ff-server was built without its `observability` feature;
    /// [`SdkError::Http`] when the server cannot be reached. A body that is
    /// not UTF-8 is a [`SdkError::Decode`].
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn get_metrics(&self) -> Result<String, SdkError> {
        let op = &op::GET_METRICS;
        let body = self.call_bytes(op, || self.raw.get_metrics()).await?;
        String::from_utf8(body).map_err(|e| {
            let raw_body = String::from_utf8_lossy(e.as_bytes()).into_owned();
            SdkError::Decode {
                status: 200,
                context: op.route.to_owned(),
                source: serde_json::Error::io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.utf8_error(),
                )),
                raw_body,
            }
        })
    }
}
