//! Reading an attempt's output stream (the spec's `streams` tag): a range
//! of frames, or the frames after a point, waiting for the first.

use ff_admin_gen::operations as op;

use crate::path_id::{self, PathId};
use crate::{FlowFabricAdminClient, SdkError, StreamFrames};

/// The range of a stream read (`GET …/attempts/{attempt_index}/stream`):
/// the operation's query parameters. `Default` reads the first 100 frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRange {
    /// Start (inclusive): `start`, `end`, `<ms>` or `<ms>-<seq>`; `None`
    /// means `start`.
    pub from: Option<String>,
    /// End (inclusive), same forms; `None` means `end`.
    pub to: Option<String>,
    /// How many frames at most, 1 to 1000; `None` means 100.
    pub limit: Option<u64>,
}

/// Where a stream tail starts and how long it waits
/// (`GET …/attempts/{attempt_index}/stream/tail`): the operation's query
/// parameters. `Default` peeks from the beginning without waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamTail {
    /// Read strictly after this frame id (`<ms>-<seq>`); `None` means `0-0`.
    pub after: Option<String>,
    /// How long to wait for a first frame, 0 to 30000 ms; `None` means 0.
    pub block_ms: Option<u64>,
    /// How many frames at most, 1 to 1000; `None` means 50.
    pub limit: Option<u64>,
}

impl FlowFabricAdminClient {
    /// Reads frames of attempt `attempt_index`'s output stream in `range`
    /// (`GET /v1/executions/{execution_id}/attempts/{attempt_index}/stream`).
    ///
    /// An unknown execution or attempt reads as an empty stream.
    ///
    /// # Errors
    ///
    /// [`SdkError::Config`] for an empty, `.` or `..` id or cursor;
    /// [`SdkError::AdminApi`]: 400 for a limit outside 1..=1000 or a
    /// malformed cursor or id; 401; 429 when Valkey's stream pool is full;
    /// 500, 503.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn read_attempt_stream(
        &self,
        execution_id: &(impl PathId + ?Sized),
        attempt_index: u32,
        range: &StreamRange,
    ) -> Result<StreamFrames, SdkError> {
        let op = &op::READ_ATTEMPT_STREAM;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        let cursor = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| path_id::checked(op.route, field, v).map(|v| v.into_owned()))
                .transpose()
        };
        let from = cursor("from", &range.from)?;
        let to = cursor("to", &range.to)?;
        self.call(op, || {
            self.raw.read_attempt_stream(
                &id,
                attempt_index,
                from.as_ref(),
                range.limit,
                to.as_ref(),
            )
        })
        .await
    }

    /// Returns the frames of attempt `attempt_index`'s stream after
    /// `tail.after`, waiting up to `tail.block_ms` for the first one
    /// (`GET /v1/executions/{execution_id}/attempts/{attempt_index}/stream/tail`).
    ///
    /// The call can take `block_ms` before answering: keep the client's
    /// timeout above it.
    ///
    /// # Errors
    ///
    /// As [`read_attempt_stream`](Self::read_attempt_stream); also 400 for
    /// `block_ms` above 30000 or an `after` of `start`/`end`.
    ///
    /// # Retries
    ///
    /// Read-only (`x-idempotent: true`): a [`RetryPolicy`](crate::RetryPolicy)
    /// repeats it after any transient failure.
    pub async fn tail_attempt_stream(
        &self,
        execution_id: &(impl PathId + ?Sized),
        attempt_index: u32,
        tail: &StreamTail,
    ) -> Result<StreamFrames, SdkError> {
        let op = &op::TAIL_ATTEMPT_STREAM;
        let id = path_id::checked(op.route, "execution_id", execution_id)?;
        self.call(op, || {
            self.raw.tail_attempt_stream(
                &id,
                attempt_index,
                tail.after.as_deref(),
                tail.block_ms,
                tail.limit,
            )
        })
        .await
    }
}
