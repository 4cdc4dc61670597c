//! The 2 GiB test: a server offers a 2 GiB body (on an error status and on
//! a 2xx, with a declared length and as an endless chunked stream), and the
//! client stops reading at the answer limit while its peak memory
//! (`VmHWM`, reset before each call through `/proc/self/clear_refs`) rises
//! by at most twice the limit plus a few MiB. Each case is measured the
//! first time it happens in the process, growth of the allocator included.
//!
//! One test in its own binary: nothing else runs in the process while the
//! peak is measured. Prints `memory: ...` lines (visible with
//! `--nocapture`), the figures in the README.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ff_admin::{FlowFabricAdminClient, SdkError, DEFAULT_MAX_RESPONSE_BYTES};
use tokio::io::{AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use ff_admin_contract_tests::memory::{proc_status, reset_peak};
use ff_admin_contract_tests::wire::{read_message, Kind};

const OFFERED: u64 = 2 << 30;
const BLOCK: usize = 64 * 1024;
const MIB: u64 = 1024 * 1024;
/// The most the peak may rise: the body's chunks are held until they pass
/// the limit, and the first large read grows the allocator's heaps and
/// hyper's buffers by a few MiB whatever the limit (about 6 MiB with glibc,
/// measured with a 1 MiB limit).
const BOUND: u64 = 2 * DEFAULT_MAX_RESPONSE_BYTES + 8 * MIB;

/// How the server frames the 2 GiB body.
#[derive(Debug, Clone, Copy)]
enum Framing {
    /// `Content-Length: 2147483648`.
    Declared,
    /// Chunked, without a length: an endless stream as far as the client
    /// can tell.
    Chunked,
}

/// Serves one connection: reads the request, then writes a `status`
/// answer whose body offers 2 GiB in 64 KiB blocks until the client goes
/// away. Records the body bytes written in `written`.
async fn serve_2_gib(listener: &TcpListener, status: u16, framing: Framing, written: &AtomicU64) {
    let (socket, _) = listener.accept().await.expect("accept");
    let mut socket = BufReader::new(socket);
    read_message(&mut socket, Kind::Request)
        .await
        .expect("request")
        .expect("a request");
    let socket = socket.get_mut();
    let head = match framing {
        Framing::Declared => format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {OFFERED}\r\n\r\n"
        ),
        Framing::Chunked => format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        ),
    };
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut block = vec![b'x'; BLOCK];
    block[..12].copy_from_slice(br#"{"error":"xx"#);
    let chunk_head = format!("{BLOCK:x}\r\n");
    let mut sent = 0;
    while sent < OFFERED {
        let ok = match framing {
            Framing::Declared => socket.write_all(&block).await.is_ok(),
            Framing::Chunked => {
                socket.write_all(chunk_head.as_bytes()).await.is_ok()
                    && socket.write_all(&block).await.is_ok()
                    && socket.write_all(b"\r\n").await.is_ok()
            }
        };
        if !ok {
            break;
        }
        sent += BLOCK as u64;
        written.store(sent, Ordering::Relaxed);
        block[..12].copy_from_slice(b"xxxxxxxxxxxx");
    }
}

#[test]
fn a_2_gib_answer_is_read_up_to_the_limit_and_no_further() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.expect("bind"));
        let client = FlowFabricAdminClient::new(format!(
            "http://{}",
            listener.local_addr().expect("addr")
        ))
        .expect("client with the default limit");
        // One ordinary call first, so that the figures do not include the
        // client's and the runtime's first-call setup.
        let ok = tokio::spawn({
            let listener = listener.clone();
            async move {
                let (socket, _) = listener.accept().await.expect("accept");
                let mut socket = BufReader::new(socket);
                read_message(&mut socket, Kind::Request).await.expect("request");
                let ok = ff_admin_contract_tests::wire::answer(200, &[], r#"{"status":"ok"}"#);
                socket.get_mut().write_all(&ok).await.expect("answer");
            }
        });
        client.healthz().await.expect("an ordinary answer");
        ok.await.expect("server task");
        let client = FlowFabricAdminClient::new(format!(
            "http://{}",
            listener.local_addr().expect("addr")
        ))
        .expect("a client without an open connection");
        for (status, framing) in [
            (500, Framing::Declared),
            (500, Framing::Chunked),
            (200, Framing::Declared),
            (200, Framing::Chunked),
        ] {
            let written = Arc::new(AtomicU64::new(0));
            let server = tokio::spawn({
                let listener = listener.clone();
                let written = written.clone();
                async move { serve_2_gib(&listener, status, framing, &written).await }
            });
            reset_peak();
            let before = proc_status("VmRSS:");
            let err = client.healthz().await.expect_err("too large");
            let peak = proc_status("VmHWM:");
            server.await.expect("server task");
            let rise = peak.saturating_sub(before);
            let sent = written.load(Ordering::Relaxed);
            assert!(
                matches!(
                    &err,
                    SdkError::ResponseTooLarge { status: s, limit, .. }
                        if *s == status && *limit == DEFAULT_MAX_RESPONSE_BYTES
                ),
                // Display: one line, never the (possibly huge) body.
                "{status} {framing:?}: {err}"
            );
            println!(
                "memory: {status} {framing:?}: 2 GiB offered, {:.1} MiB sent before the client stopped, peak RSS +{:.1} MiB (limit {} MiB)",
                sent as f64 / MIB as f64,
                rise as f64 / MIB as f64,
                DEFAULT_MAX_RESPONSE_BYTES / MIB,
            );
            assert!(
                rise <= BOUND,
                "{status} {framing:?}: peak RSS rose by {rise} bytes"
            );
            assert!(
                sent < DEFAULT_MAX_RESPONSE_BYTES + 16 * MIB,
                "{status} {framing:?}: the server sent {sent} bytes: the client did not stop at the limit"
            );
        }
    });
}
