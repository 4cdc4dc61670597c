//! A fault-injecting HTTP/1.1 proxy over TCP, for a client on one side and
//! a real server on the other.
//!
//! It forwards requests one at a time per connection (one upstream
//! connection per client connection), and can, for the next request whose
//! start line contains a given text: reset the client's connection before
//! the request reaches the server, reset it after the server answered,
//! stall the answer mid-way, or cut it off mid-way. It can also refuse
//! connections for a while (its port closed). It records every request it
//! received and every request it forwarded, and counts client connections.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

use crate::wire::{read_message, Kind, Message};

/// A fault applied to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reset the client's connection without forwarding the request.
    ResetBeforeRequest,
    /// Forward the request, wait for the server's answer, then reset the
    /// client's connection instead of answering.
    ResetAfterRequest,
    /// Forward the request, send the first half of the answer, then send
    /// nothing more until the client goes away.
    StallAnswer,
    /// Forward the request, send the first half of the answer, then close.
    CutAnswer,
}

/// The proxy; stopped on drop.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    refuse: mpsc::UnboundedSender<Refusal>,
    task: tokio::task::JoinHandle<()>,
}

/// Close the port for this long; say so once it is closed.
type Refusal = (Duration, oneshot::Sender<()>);

#[derive(Default)]
struct State {
    faults: VecDeque<(String, Fault)>,
    received: Vec<String>,
    forwarded: Vec<String>,
    answered: Vec<(String, u16)>,
    connections: usize,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port, forwarding to `upstream`
    /// (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("upstream is http://<ip>:<port>");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let (refuse, refusals) = mpsc::unbounded_channel();
        let task = tokio::spawn(accept_loop(
            listener,
            addr,
            upstream,
            state.clone(),
            refusals,
        ));
        Self {
            addr,
            state,
            refuse,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to the next request whose start line contains
    /// `matching` (faults queue up in order).
    pub fn inject(&self, matching: &str, fault: Fault) {
        self.lock().faults.push_back((matching.to_owned(), fault));
    }

    /// Closes the proxy's port for `duration` (connections are refused),
    /// then opens it again. Connections already open are not touched.
    /// Returns once the port is closed.
    pub async fn refuse_for(&self, duration: Duration) {
        let (closed, is_closed) = oneshot::channel();
        self.refuse
            .send((duration, closed))
            .expect("the proxy runs");
        is_closed.await.expect("the proxy closes its port");
    }

    /// How many requests whose start line contains `matching` the proxy
    /// received from clients.
    pub fn received(&self, matching: &str) -> usize {
        self.lock()
            .received
            .iter()
            .filter(|l| l.contains(matching))
            .count()
    }

    /// How many requests whose start line contains `matching` reached the
    /// server.
    pub fn forwarded(&self, matching: &str) -> usize {
        self.lock()
            .forwarded
            .iter()
            .filter(|l| l.contains(matching))
            .count()
    }

    /// The statuses the server answered to the forwarded requests whose
    /// start line contains `matching`, whether or not the client got them.
    pub fn answers(&self, matching: &str) -> Vec<u16> {
        self.lock()
            .answered
            .iter()
            .filter(|(l, _)| l.contains(matching))
            .map(|(_, status)| *status)
            .collect()
    }

    /// Client connections accepted so far.
    pub fn connections(&self) -> usize {
        self.lock().connections
    }

    /// Faults injected but not yet applied.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("proxy state")
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
    mut refusals: mpsc::UnboundedReceiver<Refusal>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                state.lock().expect("proxy state").connections += 1;
                tokio::spawn(relay(socket, upstream, state.clone()));
            }
            Some((pause, closed)) = refusals.recv() => {
                drop(listener);
                let _ = closed.send(());
                tokio::time::sleep(pause).await;
                listener = loop {
                    match TcpListener::bind(addr).await {
                        Ok(listener) => break listener,
                        Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                };
            }
        }
    }
}

/// Serves one client connection.
async fn relay(socket: TcpStream, upstream: SocketAddr, state: Arc<Mutex<State>>) {
    let mut client = BufReader::new(socket);
    let mut server: Option<BufReader<TcpStream>> = None;
    while let Ok(Some(request)) = read_message(&mut client, Kind::Request).await {
        let line = request.start_line();
        let fault = {
            let mut state = state.lock().expect("proxy state");
            state.received.push(line.clone());
            let at = state
                .faults
                .iter()
                .position(|(m, _)| line.contains(m.as_str()));
            at.and_then(|i| state.faults.remove(i)).map(|(_, f)| f)
        };
        if fault == Some(Fault::ResetBeforeRequest) {
            reset(client.into_inner());
            return;
        }
        let Some(answer) = forward(&mut server, upstream, &request, &line, &state).await else {
            return;
        };
        let socket = client.get_mut();
        let half = {
            let bytes = answer.bytes();
            let cut = answer.head.len() + answer.body.len() / 2;
            // An answer without a body is cut inside its head.
            let cut = if answer.body.is_empty() {
                answer.head.len() / 2
            } else {
                cut
            };
            bytes[..cut].to_vec()
        };
        match fault {
            None => {
                if socket.write_all(&answer.bytes()).await.is_err() {
                    return;
                }
            }
            Some(Fault::ResetBeforeRequest) => unreachable!("handled above"),
            Some(Fault::ResetAfterRequest) => {
                reset(client.into_inner());
                return;
            }
            Some(Fault::CutAnswer) => {
                let _ = socket.write_all(&half).await;
                let _ = socket.shutdown().await;
                return;
            }
            Some(Fault::StallAnswer) => {
                let _ = socket.write_all(&half).await;
                let mut sink = [0u8; 1024];
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
        }
    }
}

/// Sends `request` upstream (connecting first if needed) and reads the
/// answer; `None` when the server cannot be reached or answers nothing.
async fn forward(
    server: &mut Option<BufReader<TcpStream>>,
    upstream: SocketAddr,
    request: &Message,
    line: &str,
    state: &Mutex<State>,
) -> Option<Message> {
    if server.is_none() {
        *server = Some(BufReader::new(TcpStream::connect(upstream).await.ok()?));
    }
    let stream = server.as_mut()?;
    stream.get_mut().write_all(&request.bytes()).await.ok()?;
    state
        .lock()
        .expect("proxy state")
        .forwarded
        .push(line.to_owned());
    let answer = read_message(stream, Kind::Answer).await.ok().flatten()?;
    state
        .lock()
        .expect("proxy state")
        .answered
        .push((line.to_owned(), answer.status()));
    Some(answer)
}

/// Closes `socket` with a TCP reset (`SO_LINGER` 0).
fn reset(socket: TcpStream) {
    let _ = socket.set_zero_linger();
    drop(socket);
}
