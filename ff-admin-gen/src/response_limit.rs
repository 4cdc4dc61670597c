//! The bound on the size of every answer the generated [`crate::Client`]
//! reads: JSON bodies, error bodies and byte streams alike.
//!
//! Applied in the client's `exec` hook, before progenitor (or anyone) reads
//! the body. An answer whose `Content-Length` is within the limit passes
//! through untouched, at no cost. Any other answer (no length, or a length
//! over the limit) has its body wrapped: the wrapper counts bytes as they
//! arrive and fails the read with [`ResponseTooLarge`] once the count passes
//! the limit, or once the first [`PREFIX_BYTES`] have arrived when the
//! declared length already does. Dropping the failed body closes the connection, so nothing
//! more is read.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use reqwest::StatusCode;

/// The default limit on the size of one answer's body: 8 MiB.
///
/// Sized from ff-server 0.15's own limits, with headroom: its largest
/// answer at default page sizes is an attempt-stream read of 100 frames
/// (the server's default `limit`) at the 64 KiB default frame cap, 6.4 MiB
/// of payload plus JSON framing. A 1000-id execution page or a 1000-member
/// flow is about 60 KB, a page of pending waitpoints well under 1 MiB, and
/// every control-plane answer a few hundred bytes. Reading pages of more
/// than about 120 maximum-size frames (the server allows 1000 per page), or
/// an execution result over 8 MiB, needs a larger limit.
///
/// The limit is also what one call in flight may hold in memory while a
/// broken or hostile server streams an endless body, which is why it stays
/// at a few MiB rather than the 64 MiB of the rare 1000-frame page of
/// maximum-size frames.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// How many leading bytes of an oversized body [`ResponseTooLarge`] keeps.
pub const PREFIX_BYTES: usize = 1024;

/// An answer body longer than the client's limit; the read stopped there.
///
/// Reaches the caller as the source of the `reqwest::Error` that ended the
/// body read (`Error::ResponseBodyError` for a typed 2xx, the error of
/// `Response::chunk` or of a `ByteStream` otherwise); find it with
/// [`ResponseTooLarge::find`].
#[derive(Debug, Clone)]
pub struct ResponseTooLarge {
    status: StatusCode,
    limit: u64,
    declared: Option<u64>,
    prefix: Bytes,
}

impl ResponseTooLarge {
    /// The status of the oversized answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The limit the body passed, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The body length the server declared (`Content-Length`), if any.
    pub fn declared_length(&self) -> Option<u64> {
        self.declared
    }

    /// The first bytes of the body, at most [`PREFIX_BYTES`].
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// The `ResponseTooLarge` behind `error` or any error in its source
    /// chain, if there is one.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }
}

impl std::fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} answer's body exceeds the {}-byte limit",
            self.status.as_u16(),
            self.limit
        )?;
        if let Some(declared) = self.declared {
            write!(f, " (Content-Length: {declared})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ResponseTooLarge {}

/// Returns `response` with its body limited to `limit` bytes (see the
/// module docs). A response whose `Content-Length` is within the limit is
/// returned as it is.
pub(crate) fn bound(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let declared = response.content_length();
    if declared.is_some_and(|length| length <= limit) {
        return response;
    }
    let status = response.status();
    let url = response.url().clone();
    let (mut parts, body) = http::Response::from(response).into_parts();
    // Converting back would lose the URL; carry it over the way reqwest
    // itself attaches it.
    if let Ok(mut carrier) =
        reqwest::ResponseBuilderExt::url(http::Response::builder(), url).body(())
    {
        parts
            .extensions
            .extend(std::mem::take(carrier.extensions_mut()));
    }
    let limited = LimitedBody {
        inner: body,
        status,
        limit,
        declared,
        read: 0,
        prefix: BytesMut::new(),
        finished: false,
    };
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap(limited),
    ))
}

/// A response body that fails with [`ResponseTooLarge`] past `limit` bytes.
struct LimitedBody {
    inner: reqwest::Body,
    status: StatusCode,
    limit: u64,
    declared: Option<u64>,
    read: u64,
    prefix: BytesMut,
    finished: bool,
}

impl LimitedBody {
    fn too_large(&mut self) -> ResponseTooLarge {
        self.finished = true;
        ResponseTooLarge {
            status: self.status,
            limit: self.limit,
            declared: self.declared,
            prefix: std::mem::take(&mut self.prefix).freeze(),
        }
    }
}

impl Body for LimitedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let frame = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
            None => {
                self.finished = true;
                return Poll::Ready(None);
            }
            Some(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            let room = PREFIX_BYTES.saturating_sub(self.prefix.len());
            let keep = room.min(data.len());
            self.prefix.extend_from_slice(&data[..keep]);
            self.read = self
                .read
                .saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
            // A declared length over the limit fails once the prefix is in.
            let declared_over = self.declared.is_some_and(|length| length > self.limit);
            let prefix_in = self.read >= PREFIX_BYTES as u64;
            if self.read > self.limit || (declared_over && prefix_in) {
                return Poll::Ready(Some(Err(Box::new(self.too_large()))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match self.declared {
            Some(length) if length <= self.limit => SizeHint::with_exact(length),
            _ => {
                // At most `limit` bytes are ever yielded.
                let mut hint = SizeHint::new();
                hint.set_upper(self.limit);
                hint
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use bytes::Bytes;
    use futures_util::StreamExt as _;
    use http_body::{Body, Frame, SizeHint};
    use progenitor_client::ResponseValue;

    use super::{bound, ResponseTooLarge, PREFIX_BYTES};

    /// A body without a length that never ends: 100-byte frames of `x`.
    struct Endless;

    impl Body for Endless {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&[b'x'; 100])))))
        }
    }

    /// A body that declares 5000 bytes (an exact size hint, which becomes
    /// the response's `Content-Length`) and sends them in 100-byte frames.
    struct Declared5000 {
        sent: usize,
    }

    impl Body for Declared5000 {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.sent >= 5000 {
                return Poll::Ready(None);
            }
            self.sent += 100;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&[b'd'; 100])))))
        }

        fn size_hint(&self) -> SizeHint {
            SizeHint::with_exact(5000)
        }
    }

    fn response(body: reqwest::Body) -> reqwest::Response {
        reqwest::Response::from(http::Response::new(body))
    }

    /// Reads `response` as a `ByteStream` (how progenitor hands out binary
    /// answers): the bytes yielded, then the error that ended the stream.
    async fn drain(response: reqwest::Response) -> (usize, Option<reqwest::Error>) {
        let mut stream = ResponseValue::stream(response).into_inner_stream();
        let mut read = 0;
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => read += chunk.len(),
                Err(e) => return (read, Some(e)),
            }
        }
        (read, None)
    }

    #[tokio::test]
    async fn a_length_within_the_limit_passes_untouched() {
        let (read, error) = drain(bound(response(vec![b'a'; 500].into()), 500)).await;
        assert_eq!(read, 500);
        assert!(error.is_none());
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_fails_after_the_prefix() {
        let (read, error) = drain(bound(response(vec![b'a'; 5000].into()), 1000)).await;
        assert_eq!(read, 0, "the first frame already passed the limit");
        let error = error.expect("too large");
        let large = ResponseTooLarge::find(&error).expect("the cause");
        assert_eq!(large.status(), 200);
        assert_eq!(large.limit(), 1000);
        assert_eq!(large.declared_length(), Some(5000));
        assert_eq!(large.prefix(), &[b'a'; PREFIX_BYTES][..]);
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_stops_once_the_prefix_is_in() {
        // Limit 4000: the plain limit alone would read 4000 bytes; the
        // declared 5000 stops the read at the first frame that completes
        // the 1024-byte prefix (the 11th).
        let body = reqwest::Body::wrap(Declared5000 { sent: 0 });
        let (read, error) = drain(bound(response(body), 4000)).await;
        assert_eq!(read, 1000, "ten frames pass, the eleventh fails");
        let error = error.expect("too large");
        let large = ResponseTooLarge::find(&error).expect("the cause");
        assert_eq!(large.declared_length(), Some(5000));
        assert_eq!(large.limit(), 4000);
        assert_eq!(large.prefix(), &[b'd'; PREFIX_BYTES][..]);
    }

    #[tokio::test]
    async fn an_endless_body_stops_at_the_limit() {
        let (read, error) = drain(bound(response(reqwest::Body::wrap(Endless)), 1000)).await;
        assert_eq!(read, 1000, "everything up to the limit, nothing past it");
        let error = error.expect("too large");
        let large = ResponseTooLarge::find(&error).expect("the cause");
        assert_eq!(large.declared_length(), None);
        assert_eq!(large.prefix().len(), PREFIX_BYTES);
        assert_eq!(
            large.to_string(),
            "the 200 answer's body exceeds the 1000-byte limit"
        );
    }
}
