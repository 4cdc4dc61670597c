//! What the spec says about each operation, beyond its Rust signature.

/// One operation of `openapi.yaml`, as the generator read it.
///
/// Every operation of the spec has one, in [`crate::OPERATIONS`] and as a
/// constant in [`crate::operations`]. Tools that handle every operation the
/// same way (retries, tracing, the CLI, the mocks) read this table instead of
/// keeping lists of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `claim_for_worker`.
    pub id: &'static str,
    /// The HTTP method in upper case, e.g. `POST`.
    pub method: &'static str,
    /// The path template, e.g. `/v1/workers/{worker_id}/claim`.
    pub path: &'static str,
    /// `METHOD path`, e.g. `POST /v1/workers/{worker_id}/claim`.
    pub route: &'static str,
    /// The spec's `x-idempotent`: whether sending the same request twice
    /// has the effect of sending it once. Every operation declares it; the
    /// build fails when one does not.
    pub idempotent: bool,
}
