//! Just enough HTTP/1.1 framing for the scripted test servers and the
//! fault proxy: one request or answer read whole from a stream, as bytes.

use std::io;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, BufReader};

/// One HTTP/1.1 message as it travelled: its head (start line and
/// headers, with the blank line) and its body (as framed on the wire).
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// Start line and headers, ending with `\r\n\r\n`.
    pub head: Vec<u8>,
    /// The body, exactly as framed on the wire (chunk framing included).
    pub body: Vec<u8>,
}

impl Message {
    /// The start line, e.g. `POST /v1/workers/w/claim HTTP/1.1`.
    pub fn start_line(&self) -> String {
        let head = String::from_utf8_lossy(&self.head);
        head.lines().next().unwrap_or_default().to_owned()
    }

    /// Head and body, as one buffer.
    pub fn bytes(&self) -> Vec<u8> {
        [self.head.as_slice(), self.body.as_slice()].concat()
    }

    /// The status of an answer (`0` when the start line has none).
    pub fn status(&self) -> u16 {
        self.start_line()
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn header(&self, name: &str) -> Option<String> {
        let head = String::from_utf8_lossy(&self.head);
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// Whether the message read is a request or the answer to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request: a body only with `Content-Length` or chunked framing.
    Request,
    /// An answer: no body for 1xx, 204 and 304; read to the end of the
    /// stream when it has neither `Content-Length` nor chunked framing.
    Answer,
}

/// Reads one message. `Ok(None)` when the stream ends before its first
/// byte.
pub async fn read_message<R: AsyncRead + Unpin>(
    stream: &mut BufReader<R>,
    kind: Kind,
) -> io::Result<Option<Message>> {
    let mut message = Message::default();
    loop {
        let before = message.head.len();
        let n = stream.read_until(b'\n', &mut message.head).await?;
        if n == 0 {
            if before == 0 {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if message.head[before..] == *b"\r\n" && before > 0 {
            break;
        }
    }
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = message
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    let bodiless = kind == Kind::Answer && matches!(message.status(), 100..=199 | 204 | 304);
    if bodiless {
        return Ok(Some(message));
    }
    if chunked {
        read_chunked(stream, &mut message.body).await?;
    } else if let Some(length) = length {
        message.body.resize(length, 0);
        stream.read_exact(&mut message.body).await?;
    } else if kind == Kind::Answer {
        stream.read_to_end(&mut message.body).await?;
    }
    Ok(Some(message))
}

/// Reads a chunked body, framing included, through the last chunk and the
/// trailers.
async fn read_chunked<R: AsyncRead + Unpin>(
    stream: &mut BufReader<R>,
    body: &mut Vec<u8>,
) -> io::Result<()> {
    loop {
        let start = body.len();
        if stream.read_until(b'\n', body).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = String::from_utf8_lossy(&body[start..]).trim().to_owned();
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let at = body.len();
                if stream.read_until(b'\n', body).await? == 0 || body[at..] == *b"\r\n" {
                    return Ok(());
                }
            }
        }
        let at = body.len();
        body.resize(at + size + 2, 0);
        stream.read_exact(&mut body[at..]).await?;
    }
}

/// An answer with `status`, `headers` and a JSON or text `body`, framed
/// with `Content-Length`.
pub fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        out.push_str("content-type: application/json\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}
