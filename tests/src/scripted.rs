//! A test server that answers successive requests from a script, over
//! raw TCP: for sequences of answers, and for faults an HTTP mock cannot
//! produce (a dropped connection, a body cut off or stalled mid-way).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::wire::{read_message, Kind};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Writes these bytes (a whole answer) and keeps the connection.
    Send(Vec<u8>),
    /// Closes the connection without answering.
    Drop,
    /// Writes these bytes (an answer cut short), then closes.
    Cut(Vec<u8>),
    /// Writes these bytes, then neither writes nor closes until the client
    /// goes away.
    Stall(Vec<u8>),
    /// Writes these pieces one after the other, each flushed on its own
    /// (so that the client reads them in separate TCP segments), then
    /// closes the connection when `close` is set, or keeps it.
    Pieces {
        /// The answer's bytes, split where the client should see a pause.
        pieces: Vec<Vec<u8>>,
        /// Whether the connection is closed after the last piece.
        close: bool,
    },
}

/// A loopback server answering the n-th request with the script's n-th
/// reply (the last reply repeats). Stopped on drop.
pub struct ScriptedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts the server on a free loopback port.
    pub async fn start(script: Vec<Reply>) -> Self {
        assert!(!script.is_empty(), "a script needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, script.clone(), log.clone()));
            }
        });
        Self { addr, seen, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The start line of every request received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().expect("log").clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: TcpStream, script: Arc<Vec<Reply>>, seen: Arc<Mutex<Vec<String>>>) {
    let mut stream = BufReader::new(socket);
    while let Ok(Some(request)) = read_message(&mut stream, Kind::Request).await {
        // Borrowed, not cloned: a test that measures the client's memory
        // does not see a copy of the answer made here.
        let reply = {
            let mut seen = seen.lock().expect("log");
            seen.push(request.start_line());
            &script[(seen.len() - 1).min(script.len() - 1)]
        };
        let socket = stream.get_mut();
        match reply {
            Reply::Send(bytes) => {
                if socket.write_all(bytes).await.is_err() {
                    return;
                }
            }
            Reply::Drop => return,
            Reply::Cut(bytes) => {
                let _ = socket.write_all(bytes).await;
                return;
            }
            Reply::Stall(bytes) => {
                let _ = socket.write_all(bytes).await;
                let mut sink = [0u8; 1024];
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Reply::Pieces { pieces, close } => {
                let _ = socket.set_nodelay(true);
                for piece in pieces {
                    if socket.write_all(piece).await.is_err() || socket.flush().await.is_err() {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_micros(300)).await;
                }
                if *close {
                    return;
                }
            }
        }
    }
}
