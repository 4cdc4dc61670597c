//! Reading an answer's whole body, keeping what arrived if the read fails.

use std::fmt;

use bytes::{Bytes, BytesMut};

/// An answer's body that could not be read to its end.
#[derive(Debug)]
pub struct BodyReadError {
    /// The chunks that arrived before the read failed, in order.
    pub received: Vec<Bytes>,
    /// Why the read failed: the connection broke, or the body passed the
    /// client's size limit ([`crate::ResponseTooLarge`] is then in its
    /// source chain).
    pub source: reqwest::Error,
}

impl fmt::Display for BodyReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes: usize = self.received.iter().map(Bytes::len).sum();
        write!(f, "the answer's body failed after {bytes} bytes")
    }
}

impl std::error::Error for BodyReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Reads the whole body of `response`, within the client's answer limit
/// (see [`crate::ClientSettings`]).
///
/// A body that arrives in one chunk (the usual case for a small answer) is
/// returned as it came. One in several chunks is joined once, when all have
/// arrived, into a buffer of the exact size: nothing is copied while
/// reading, so a body that turns out too large costs no more than what
/// arrived.
///
/// # Errors
///
/// [`BodyReadError`], with the chunks that arrived, when the read fails.
///
/// ```no_run
/// # async fn demo(mut response: reqwest::Response) {
/// match ff_admin_gen::read_body(&mut response).await {
///     Ok(body) => println!("{} bytes", body.len()),
///     Err(e) => println!("{e}: {}", e.source),
/// }
/// # }
/// ```
pub async fn read_body(response: &mut reqwest::Response) -> Result<Bytes, BodyReadError> {
    let mut first: Option<Bytes> = None;
    let mut more: Vec<Bytes> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if first.is_none() => first = Some(chunk),
            Ok(Some(chunk)) => more.push(chunk),
            Ok(None) => {
                return Ok(match first {
                    None => Bytes::new(),
                    Some(only) if more.is_empty() => only,
                    Some(first) => {
                        let size = first.len() + more.iter().map(Bytes::len).sum::<usize>();
                        let mut all = BytesMut::with_capacity(size);
                        all.extend_from_slice(&first);
                        for chunk in &more {
                            all.extend_from_slice(chunk);
                        }
                        all.freeze()
                    }
                })
            }
            Err(source) => {
                return Err(BodyReadError {
                    received: first.into_iter().chain(more).collect(),
                    source,
                })
            }
        }
    }
}
