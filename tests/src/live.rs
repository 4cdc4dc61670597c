//! The real ff-server 0.15, booted in-process on a backend this module
//! starts and removes itself: a `valkey-server` child process, a cluster of
//! three `valkey-server` processes, a throwaway PostgreSQL cluster, or an
//! in-memory SQLite database.
//!
//! Everything started here is stopped and deleted when its guard drops,
//! including while a panicking test unwinds.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use ff_server::config::{
    BackendKind, PostgresServerConfig, SqliteServerConfig, ValkeyServerConfig,
};
use ff_server::{Server, ServerConfig};

/// The backends a live server can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A `valkey-server` child process (ff-server's primary backend).
    Valkey,
    /// A Valkey cluster of three primaries (ff-server in cluster mode).
    ValkeyCluster,
    /// A throwaway PostgreSQL cluster.
    Postgres,
    /// An in-memory SQLite database, unique to the server.
    Sqlite,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Self; 4] = [
        Self::Valkey,
        Self::ValkeyCluster,
        Self::Postgres,
        Self::Sqlite,
    ];

    /// Parses a [`name`](Self::name): `valkey`, `valkey-cluster`,
    /// `postgres` or `sqlite`.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|b| b.name() == name)
            .with_context(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|b| b.name()).collect();
                format!("unknown backend `{name}` ({})", names.join(", "))
            })
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Valkey => "valkey",
            Self::ValkeyCluster => "valkey-cluster",
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }

    /// Whether it is Valkey, standalone or cluster: the same engine, so the
    /// same answers.
    pub fn is_valkey(self) -> bool {
        matches!(self, Self::Valkey | Self::ValkeyCluster)
    }
}

/// Runs `start` (which probes its own free port) up to three times: a port
/// probed free can be taken by another process (the live tests start
/// servers in parallel) before the server binds it. Returns the last error.
async fn on_a_new_port<T, F: Future<Output = anyhow::Result<T>>>(
    start: impl Fn() -> F,
) -> anyhow::Result<T> {
    let mut result = start().await;
    for _ in 1..3 {
        if result.is_ok() {
            break;
        }
        result = start().await;
    }
    result
}

/// A free loopback port (bound, then released).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A `valkey-server` child on a free loopback port, without persistence.
/// Killed on drop.
pub struct ValkeyProcess {
    child: Child,
    /// Its port.
    pub port: u16,
    dir: PathBuf,
}

impl ValkeyProcess {
    /// Starts it on a free port and waits until it answers `PING` (so the
    /// port is not another process's); retried on a new port, three times
    /// at most, when the probed port was taken.
    pub async fn start() -> anyhow::Result<Self> {
        on_a_new_port(Self::start_once).await
    }

    async fn start_once() -> anyhow::Result<Self> {
        Self::spawn(free_port()?, false).await
    }

    /// Starts it on `port` (as a cluster node, with its cluster state file
    /// in its own folder, when `cluster_node`) and waits until it answers
    /// `PING`.
    async fn spawn(port: u16, cluster_node: bool) -> anyhow::Result<Self> {
        let binary = ff_admin_devenv::valkey_server().map_err(anyhow::Error::msg)?;
        let dir = std::env::temp_dir().join(format!("ff-admin-valkey-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        let mut cmd = Command::new(&binary);
        cmd.args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&dir);
        if cluster_node {
            cmd.args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(dir.join("nodes.conf"));
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", binary.display()))?;
        // Dropped on every error below: the child is killed, the dir removed.
        let mut valkey = Self { child, port, dir };
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = valkey.child.try_wait() {
                bail!("valkey-server on port {port} exited with {status}");
            }
            if answers_ping(port).await {
                return Ok(valkey);
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("valkey-server did not answer PING on 127.0.0.1:{port} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Whether a Redis-protocol server on `port` answers `PING` with `PONG`.
async fn answers_ping(port: u16) -> bool {
    resp_command(port, &["PING"])
        .await
        .is_ok_and(|reply| reply == "PONG")
}

/// Sends one command to the Redis-protocol server on `127.0.0.1:<port>` on
/// a new connection and returns its reply: the text of a simple string,
/// bulk string or integer. An error reply, another reply type, or no reply
/// within a second is an error.
async fn resp_command(port: u16, args: &[&str]) -> anyhow::Result<String> {
    let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let reply = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        send_command(port, &args, Duration::from_secs(1))
    })
    .await?
    .with_context(|| format!("{} on 127.0.0.1:{port}", args.join(" ")))?;
    match reply {
        Resp::Simple(text) | Resp::Bulk(Some(text)) => Ok(text),
        Resp::Integer(n) => Ok(n.to_string()),
        Resp::Error(e) => bail!("{} on 127.0.0.1:{port}: {e}", args.join(" ")),
        other => bail!(
            "{} on 127.0.0.1:{port}: unexpected reply {other:?}",
            args.join(" ")
        ),
    }
}

impl Drop for ValkeyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Valkey cluster of three primaries on loopback, the 16384 hash slots
/// split evenly between them, each node a [`ValkeyProcess`] in cluster mode.
/// Every node is killed and its folder removed on drop.
pub struct ValkeyCluster {
    nodes: Vec<ValkeyProcess>,
}

impl ValkeyCluster {
    /// The number of primaries.
    pub const NODES: usize = 3;

    /// The number of hash slots a Valkey cluster has.
    const SLOTS: usize = 16384;

    /// Starts the nodes, assigns the slots (`CLUSTER ADDSLOTSRANGE`), joins
    /// them (`CLUSTER MEET`) and waits until every node reports
    /// `cluster_state:ok` with all three primaries known; retried on new
    /// ports, three times at most, when a probed port was taken.
    pub async fn start() -> anyhow::Result<Self> {
        on_a_new_port(Self::start_once).await
    }

    async fn start_once() -> anyhow::Result<Self> {
        let mut nodes = Vec::with_capacity(Self::NODES);
        for port in free_cluster_ports(Self::NODES)? {
            // Dropped on every error below: each started node is killed.
            nodes.push(ValkeyProcess::spawn(port, true).await?);
        }
        let cluster = Self { nodes };
        for (i, node) in cluster.nodes.iter().enumerate() {
            let first = i * Self::SLOTS / Self::NODES;
            let last = (i + 1) * Self::SLOTS / Self::NODES - 1;
            resp_command(
                node.port,
                &[
                    "CLUSTER",
                    "ADDSLOTSRANGE",
                    &first.to_string(),
                    &last.to_string(),
                ],
            )
            .await?;
        }
        let seed = cluster.seed_port();
        for node in &cluster.nodes[1..] {
            resp_command(
                seed,
                &["CLUSTER", "MEET", "127.0.0.1", &node.port.to_string()],
            )
            .await?;
        }
        let start = Instant::now();
        loop {
            let mut pending = None;
            for node in &cluster.nodes {
                let info = resp_command(node.port, &["CLUSTER", "INFO"]).await?;
                if !cluster_info_ready(&info, Self::NODES) {
                    pending = Some((node.port, info));
                    break;
                }
            }
            let Some((port, info)) = pending else {
                return Ok(cluster);
            };
            if start.elapsed() > Duration::from_secs(30) {
                bail!("the Valkey cluster did not form within 30 s; node {port} says:\n{info}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The port of the node clients are pointed at (any node would do).
    pub fn seed_port(&self) -> u16 {
        self.nodes[0].port
    }

    /// The ports of every node.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }
}

/// Whether a `CLUSTER INFO` answer says the cluster is ok and the node
/// knows `primaries` nodes, each serving slots.
fn cluster_info_ready(info: &str, primaries: usize) -> bool {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    let count = primaries.to_string();
    field("cluster_state") == Some("ok")
        && field("cluster_known_nodes") == Some(count.as_str())
        && field("cluster_size") == Some(count.as_str())
}

/// `count` distinct free loopback ports usable by cluster nodes: each at
/// most 55535 and with its cluster bus port (port + 10000) free too. Every
/// candidate is held until all are found, so they differ.
fn free_cluster_ports(count: usize) -> anyhow::Result<Vec<u16>> {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..200 {
        if ports.len() == count {
            return Ok(ports);
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        held.push(listener);
        let Some(bus) = port.checked_add(10_000) else {
            continue;
        };
        if let Ok(bus_listener) = std::net::TcpListener::bind(("127.0.0.1", bus)) {
            held.push(bus_listener);
            ports.push(port);
        }
    }
    if ports.len() == count {
        return Ok(ports);
    }
    bail!(
        "found {} of {count} free port pairs (port, port + 10000) in 200 tries",
        ports.len()
    )
}

/// A throwaway PostgreSQL cluster (`initdb` into a temp dir, `pg_ctl` on a
/// free loopback port with `fsync=off`) and a fresh database. Stopped and
/// deleted on drop.
pub struct PostgresCluster {
    bin: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    run_as: Option<String>,
    /// Its port.
    pub port: u16,
    /// `postgres://` URL of the fresh database.
    pub url: String,
}

impl PostgresCluster {
    /// Creates and starts the cluster, and creates database `ff`; retried on
    /// a new port, three times at most, when the probed port was taken.
    pub async fn start() -> anyhow::Result<Self> {
        on_a_new_port(Self::start_once).await
    }

    async fn start_once() -> anyhow::Result<Self> {
        let bin = ff_admin_devenv::postgres_bin().map_err(anyhow::Error::msg)?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("ff-admin-pg-{}", uuid::Uuid::new_v4()));
        let data = dir.join("data");
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root: use the `postgres` system user then.
        let run_as = is_root().then(|| "postgres".to_owned());
        let cluster = Self {
            bin,
            dir,
            data,
            run_as,
            port,
            url: format!("postgres://postgres@127.0.0.1:{port}/ff"),
        };
        if let Some(user) = &cluster.run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&cluster.dir)
                .status()?;
            if !status.success() {
                bail!(
                    "chown {} to {user} failed (is the `postgres` user there?)",
                    cluster.dir.display()
                );
            }
        }
        cluster
            .pg(
                "initdb",
                &[
                    "-D",
                    &path_str(&cluster.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
            .context("initdb")?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            path_str(&cluster.dir)
        );
        let log = path_str(&cluster.dir.join("server.log"));
        cluster
            .pg(
                "pg_ctl",
                &[
                    "-D",
                    &path_str(&cluster.data),
                    "-o",
                    &options,
                    "-l",
                    &log,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            )
            .context("pg_ctl start")?;
        let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .context("connect to the new cluster")?;
        sqlx::query("CREATE DATABASE ff").execute(&pool).await?;
        pool.close().await;
        Ok(cluster)
    }

    fn pg(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = cmd.args(args).current_dir(&self.dir).output()?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        let _ = self.pg(
            "pg_ctl",
            &["-D", &path_str(&self.data), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// What keeps a backend alive while its server runs.
pub enum BackendGuard {
    /// The Valkey process.
    Valkey(ValkeyProcess),
    /// The Valkey cluster's processes.
    ValkeyCluster(ValkeyCluster),
    /// The PostgreSQL cluster.
    Postgres(PostgresCluster),
    /// Nothing to keep: the SQLite database lives in the server. Holds
    /// its shared-cache URI, which another connection in this process can
    /// open.
    Sqlite(String),
}

/// How long a [`LiveServer`] took to start, measured once by its start.
#[derive(Debug, Clone, Copy)]
pub struct BootTimes {
    /// Starting the backend until it answers (retries included).
    pub backend: Duration,
    /// `Server::start` on the ready backend (migrations, library loads).
    pub server: Duration,
}

/// A real ff-server on `127.0.0.1:<port>`, and the backend under it.
/// Dropping it stops the server, then the backend.
pub struct LiveServer {
    /// The backend kind.
    pub backend: Backend,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The bearer token the server demands, if any.
    pub token: Option<String>,
    /// The server, for in-process backend calls.
    pub server: Arc<Server>,
    /// The number of flow partitions configured.
    pub flow_partitions: u16,
    /// How long the backend and then the server took to start.
    pub boot: BootTimes,
    serve: tokio::task::JoinHandle<()>,
    // Dropped after the server task is aborted: declared last.
    guard: BackendGuard,
}

impl LiveServer {
    /// Starts `backend` and an ff-server on it, serving the real router
    /// (with `token` as its bearer token, and the unauthenticated
    /// `/metrics`) on a free loopback port.
    pub async fn start(backend: Backend, token: Option<&str>) -> anyhow::Result<Self> {
        let mut cfg = ServerConfig::new();
        let started = Instant::now();
        let guard = match backend {
            Backend::Valkey => {
                let valkey = ValkeyProcess::start().await?;
                cfg.backend = BackendKind::Valkey;
                cfg.valkey = ValkeyServerConfig {
                    host: "127.0.0.1".into(),
                    port: valkey.port,
                    ..ValkeyServerConfig::default()
                };
                BackendGuard::Valkey(valkey)
            }
            Backend::ValkeyCluster => {
                let cluster = ValkeyCluster::start().await?;
                cfg.backend = BackendKind::Valkey;
                cfg.valkey = ValkeyServerConfig {
                    host: "127.0.0.1".into(),
                    port: cluster.seed_port(),
                    cluster: true,
                    ..ValkeyServerConfig::default()
                };
                BackendGuard::ValkeyCluster(cluster)
            }
            Backend::Postgres => {
                let cluster = PostgresCluster::start().await?;
                cfg.backend = BackendKind::Postgres;
                cfg.postgres = PostgresServerConfig::new(cluster.url.clone());
                BackendGuard::Postgres(cluster)
            }
            Backend::Sqlite => {
                require_dev_mode()?;
                cfg.backend = BackendKind::Sqlite;
                // A unique in-memory database: a bare `:memory:` is shared by
                // every server in the process.
                let uri = format!(
                    "file:ff-admin-{}?mode=memory&cache=shared",
                    uuid::Uuid::new_v4()
                );
                cfg.sqlite = SqliteServerConfig::new(uri.clone());
                BackendGuard::Sqlite(uri)
            }
        };
        cfg.listen_addr = "127.0.0.1:0".into();
        cfg.api_token = token.map(str::to_owned);
        let flow_partitions = cfg.partition_config.num_flow_partitions;
        let backend_ready = started.elapsed();
        let server = Arc::new(
            Server::start(cfg)
                .await
                .with_context(|| format!("ff-server did not boot on {}", backend.name()))?,
        );
        let boot = BootTimes {
            backend: backend_ready,
            server: started.elapsed() - backend_ready,
        };
        // As ff-server's own binary does: `/metrics` served from the
        // server's registry (the `observability` feature is on).
        let app = ff_server::api::router_with_metrics(
            server.clone(),
            &["*".to_owned()],
            token.map(str::to_owned),
            Some(server.metrics().clone()),
        )
        .context("build the ff-server router")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let serve = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            backend,
            url: format!("http://{addr}"),
            token: token.map(str::to_owned),
            server,
            flow_partitions,
            boot,
            serve,
            guard,
        })
    }

    /// The Postgres URL, when the backend is Postgres.
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.guard {
            BackendGuard::Postgres(c) => Some(&c.url),
            _ => None,
        }
    }

    /// The Valkey connection ff-server uses (`cluster` set on a cluster),
    /// when the backend is Valkey.
    pub fn valkey_connection(&self) -> Option<ff_core::backend::ValkeyConnection> {
        let (port, cluster) = match &self.guard {
            BackendGuard::Valkey(v) => (v.port, false),
            BackendGuard::ValkeyCluster(c) => (c.seed_port(), true),
            _ => return None,
        };
        let mut connection = ff_core::backend::ValkeyConnection::new("127.0.0.1", port);
        connection.cluster = cluster;
        Some(connection)
    }

    /// The SQLite database's shared-cache URI, when the backend is SQLite.
    pub fn sqlite_uri(&self) -> Option<&str> {
        match &self.guard {
            BackendGuard::Sqlite(uri) => Some(uri),
            _ => None,
        }
    }

    /// The Valkey port, when the backend is Valkey.
    pub fn valkey_port(&self) -> Option<u16> {
        match &self.guard {
            BackendGuard::Valkey(v) => Some(v.port),
            _ => None,
        }
    }

    /// A plain HTTP client for routes `ff-admin` does not cover (creating
    /// executions), sending the server's token.
    pub fn http(&self) -> Http {
        Http {
            base: self.url.clone(),
            token: self.token.clone(),
            client: reqwest::Client::new(),
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.serve.abort();
    }
}

/// A Valkey reply, as far as the tests read one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resp {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`.
    Error(String),
    /// `:1`.
    Integer(i64),
    /// `$3 abc`, or `None` for a nil.
    Bulk(Option<String>),
    /// `*2 ...`.
    Array(Vec<Resp>),
}

/// Sends one command to the Valkey server on `port` and reads its reply.
pub fn valkey_command(port: u16, args: &[&str]) -> anyhow::Result<Resp> {
    send_command(port, args, Duration::from_secs(5))
}

/// [`valkey_command`] on a new connection, waiting at most `timeout` for
/// the reply.
fn send_command(port: u16, args: &[&str], timeout: Duration) -> anyhow::Result<Resp> {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(timeout))?;
    let mut command = format!("*{}\r\n", args.len());
    for arg in args {
        command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(command.as_bytes())?;
    fn read(reader: &mut BufReader<std::net::TcpStream>) -> anyhow::Result<Resp> {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let (tag, rest) = line.trim_end().split_at(1.min(line.len()));
        Ok(match tag {
            "+" => Resp::Simple(rest.to_owned()),
            "-" => Resp::Error(rest.to_owned()),
            ":" => Resp::Integer(rest.parse()?),
            "$" => {
                let len: i64 = rest.parse()?;
                if len < 0 {
                    Resp::Bulk(None)
                } else {
                    let mut data = vec![0u8; usize::try_from(len)? + 2];
                    reader.read_exact(&mut data)?;
                    data.truncate(data.len() - 2);
                    Resp::Bulk(Some(String::from_utf8(data)?))
                }
            }
            "*" => {
                let len: i64 = rest.parse()?;
                let mut items = Vec::new();
                for _ in 0..len.max(0) {
                    items.push(read(reader)?);
                }
                Resp::Array(items)
            }
            other => bail!("unexpected RESP reply `{other}{rest}`"),
        })
    }
    read(&mut BufReader::new(stream))
}

/// Checks that `FF_DEV_MODE=1` is in the environment: the SQLite backend
/// reads it from the process environment and has no setting for it, so it
/// cannot be passed to the server. The workspace's `.cargo/config.toml`
/// sets it for everything cargo runs; setting it from a multi-threaded test
/// process would race with other threads reading the environment.
pub fn require_dev_mode() -> anyhow::Result<()> {
    if std::env::var("FF_DEV_MODE").as_deref() != Ok("1") {
        bail!("the SQLite backend needs FF_DEV_MODE=1 in the environment (cargo sets it from .cargo/config.toml; export it when running a test binary directly)");
    }
    Ok(())
}

/// Raw HTTP to a live server, for setup calls outside the admin surface.
pub struct Http {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Http {
    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// `POST /v1/executions` for a new execution on `lane` in partition
    /// `partition`; returns its id. Fails unless the server answers 201.
    pub async fn create_execution(&self, partition: u16, lane: &str) -> anyhow::Result<String> {
        let id = format!("{{fp:{partition}}}:{}", uuid::Uuid::new_v4());
        self.create_execution_with_id(&id, lane).await?;
        Ok(id)
    }

    /// `POST /v1/executions` for execution `id` (`{fp:N}:<uuid>`) on `lane`.
    /// Fails unless the server answers 201.
    pub async fn create_execution_with_id(&self, id: &str, lane: &str) -> anyhow::Result<()> {
        let (partition, _) = split_execution_id(id)?;
        let body = serde_json::json!({
            "execution_id": id,
            "namespace": "default",
            "lane_id": lane,
            "execution_kind": "ff-admin-live-test",
            "input_payload": [104, 105],
            "priority": 0,
            "creator_identity": "ff-admin-tests",
            "partition_id": partition,
            "now": now_ms(),
        });
        let (status, text) = self.post("/v1/executions", &body).await?;
        if status != 201 {
            bail!("create execution answered {status}: {text}");
        }
        Ok(())
    }

    /// `POST <path>` with `body`; returns the status and body text.
    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<(u16, String)> {
        let resp = self
            .auth(self.client.post(format!("{}{path}", self.base)))
            .json(body)
            .send()
            .await?;
        Ok((resp.status().as_u16(), resp.text().await?))
    }
}

/// Now, in Unix epoch milliseconds.
pub fn now_ms() -> u64 {
    u64::try_from(ff_admin::now_ms()).unwrap_or(0)
}

/// Splits `{fp:N}:<uuid>` into `(N, uuid)`.
pub fn split_execution_id(id: &str) -> anyhow::Result<(i16, uuid::Uuid)> {
    let rest = id.strip_prefix("{fp:").context("no {fp: prefix")?;
    let (partition, uuid) = rest.split_once("}:").context("no }: separator")?;
    Ok((partition.parse()?, uuid::Uuid::parse_str(uuid)?))
}

/// Postgres keeps executions created over HTTP in `submitted`; nothing in
/// ff-server 0.15 promotes them. Moves one to `runnable` in SQL so that a
/// claim can grant it.
pub async fn promote_to_runnable(live: &LiveServer, execution_id: &str) -> anyhow::Result<()> {
    pg_update_execution(live, execution_id, "lifecycle_phase = 'runnable'").await
}

/// Flow partitions one claim call scans: the scheduler's default window,
/// which ff-server 0.15 runs with.
pub const CLAIM_SCAN_WINDOW: u16 = ff_scheduler::SchedulerConfig::DEFAULT_MAX_PARTITIONS_PER_SCAN;

/// How often the scheduler moves its scan window to the next partitions.
pub const CLAIM_WINDOW_MOVES_EVERY_MS: u64 =
    ff_scheduler::SchedulerConfig::DEFAULT_ROTATION_WINDOW_MS;

/// How many claim calls, one per window, scan `partitions` flow partitions
/// once (8 for the default 256).
pub fn claim_sweep(partitions: u16) -> usize {
    usize::from(partitions.div_ceil(CLAIM_SCAN_WINDOW))
}

/// How many claim calls [`claim_polling`] makes at most: two per window
/// (see [`CLAIM_POLL_INTERVAL`]) for three sweeps of a live server's
/// partitions (the default count, as [`LiveServer`] configures). The
/// scheduler's cursor moves one window per 250 ms epoch in which any worker
/// claims, so with other workers claiming (the live tests run many at once)
/// a poller that calls less often than once per epoch can skip windows; the
/// margin covers slow calls on a loaded machine.
pub fn claim_polls() -> usize {
    let sweep = claim_sweep(ff_core::partition::PartitionConfig::default().num_flow_partitions);
    sweep * 2 * 3
}

/// The spacing of claim polls: half the window's move interval, so that a
/// poller sees every window even while other workers move the cursor.
pub const CLAIM_POLL_INTERVAL: Duration = Duration::from_millis(CLAIM_WINDOW_MOVES_EVERY_MS / 2);

/// Creates one execution on `lane` in each block of [`CLAIM_SCAN_WINDOW`]
/// flow partitions, so that any claim's scan window holds exactly one.
pub async fn one_eligible_per_scan_window(live: &LiveServer, lane: &str) {
    for partition in (0..live.flow_partitions).step_by(usize::from(CLAIM_SCAN_WINDOW)) {
        live.http()
            .create_execution(partition, lane)
            .await
            .expect("create execution");
    }
}

/// Claims until a grant arrives or [`claim_polls`] calls answered 204.
/// Returns the grant (if any) and how many calls it took.
pub async fn claim_polling(
    client: &ff_admin::FlowFabricAdminClient,
    request: impl Fn() -> ff_admin::ClaimForWorkerRequest,
) -> Result<(Option<ff_admin::ClaimForWorkerResponse>, usize), ff_admin::SdkError> {
    let polls = claim_polls();
    for call in 1..=polls {
        if let Some(grant) = client.claim_for_worker(request()).await? {
            return Ok((Some(grant), call));
        }
        tokio::time::sleep(CLAIM_POLL_INTERVAL).await;
    }
    Ok((None, polls))
}

/// Runs `UPDATE ff_exec_core SET <assignments>` on one execution's row of a
/// Postgres server; fails unless exactly one row changed.
pub async fn pg_update_execution(
    live: &LiveServer,
    execution_id: &str,
    assignments: &str,
) -> anyhow::Result<()> {
    let url = live.postgres_url().context("not a Postgres server")?;
    let (partition, uuid) = split_execution_id(execution_id)?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await?;
    let sql = format!(
        "UPDATE ff_exec_core SET {assignments} WHERE partition_key = $1 AND execution_id = $2"
    );
    let done = sqlx::query(&sql)
        .bind(partition)
        .bind(uuid)
        .execute(&pool)
        .await?;
    pool.close().await;
    if done.rows_affected() != 1 {
        bail!(
            "update {execution_id}: {} rows changed",
            done.rows_affected()
        );
    }
    Ok(())
}

/// Redeems a claim grant with ff-sdk's worker (`claim_from_grant`), which
/// takes a real lease on the execution for `worker`. Keep the returned task
/// alive while the lease is needed.
///
/// On Valkey the worker dials its own connection, as a worker process does
/// (`FlowFabricWorker::connect`, in cluster mode on a cluster); on the other
/// backends it shares the server's backend (`connect_with`).
pub async fn redeem_with_sdk(
    live: &LiveServer,
    worker: &str,
    lane: &str,
    grant: ff_admin::ClaimForWorkerResponse,
) -> anyhow::Result<ff_sdk::ClaimedTask> {
    use ff_core::backend::{BackendConfig, BackendConnection};
    use ff_core::types::{LaneId, Namespace, WorkerId, WorkerInstanceId};
    let valkey = live.valkey_connection();
    let config = ff_sdk::WorkerConfig {
        backend: valkey
            .clone()
            .map(|v| BackendConfig::new(BackendConnection::Valkey(v))),
        worker_id: WorkerId::new(worker),
        worker_instance_id: WorkerInstanceId::new(format!("{worker}-i1")),
        namespace: Namespace::new("default"),
        lanes: vec![LaneId::new(lane)],
        capabilities: vec![],
        lease_ttl_ms: 30_000,
        claim_poll_interval_ms: 1_000,
        max_concurrent_tasks: 1,
        partition_config: None,
    };
    let sdk_worker = match valkey {
        Some(_) => ff_sdk::FlowFabricWorker::connect(config).await?,
        None => {
            ff_sdk::FlowFabricWorker::connect_with(config, live.server.backend().clone(), None)
                .await?
        }
    };
    Ok(sdk_worker
        .claim_from_grant(LaneId::new(lane), grant.into_grant()?)
        .await?)
}

/// `POST /v1/executions/{id}/revoke-lease`; fails unless it answers 200.
pub async fn revoke_lease(live: &LiveServer, execution_id: &str) -> anyhow::Result<()> {
    let encoded = execution_id.replace('{', "%7B").replace('}', "%7D");
    let (status, body) = live
        .http()
        .post(
            &format!("/v1/executions/{encoded}/revoke-lease"),
            &serde_json::json!({}),
        )
        .await?;
    if status != 200 {
        bail!("revoke-lease answered {status}: {body}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_round_trip() {
        for backend in Backend::ALL {
            assert_eq!(Backend::parse(backend.name()).expect("known"), backend);
        }
        let err = Backend::parse("redis").expect_err("unknown");
        assert!(
            err.to_string()
                .contains("(valkey, valkey-cluster, postgres, sqlite)"),
            "{err}"
        );
    }

    #[test]
    fn cluster_info_ready_needs_ok_and_every_primary() {
        let info = |state: &str, known: u8, size: u8| {
            format!(
                "cluster_enabled:1\r\ncluster_state:{state}\r\ncluster_slots_assigned:16384\r\n\
                 cluster_known_nodes:{known}\r\ncluster_size:{size}\r\n"
            )
        };
        assert!(cluster_info_ready(&info("ok", 3, 3), 3));
        assert!(!cluster_info_ready(&info("fail", 3, 3), 3));
        assert!(!cluster_info_ready(&info("ok", 2, 2), 3));
        assert!(!cluster_info_ready(&info("ok", 3, 1), 3));
        assert!(!cluster_info_ready("", 3));
    }

    #[test]
    fn cluster_ports_leave_room_for_their_bus() {
        let ports = free_cluster_ports(3).expect("ports");
        assert_eq!(ports.len(), 3);
        for port in &ports {
            assert!(*port <= 55535, "{port}");
        }
        let mut distinct = ports.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct, {
            let mut p = ports;
            p.sort();
            p
        });
    }

    /// The cluster forms, and dropping it stops every node and removes
    /// every node's folder.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_cluster_leaves_nothing_behind() {
        let cluster = ValkeyCluster::start()
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        let ports = cluster.ports();
        let dirs: Vec<PathBuf> = cluster.nodes.iter().map(|n| n.dir.clone()).collect();
        assert_eq!(ports.len(), ValkeyCluster::NODES);
        for port in &ports {
            let info = resp_command(*port, &["CLUSTER", "INFO"])
                .await
                .expect("info");
            assert!(cluster_info_ready(&info, ValkeyCluster::NODES), "{info}");
            assert!(dirs.iter().all(|d| d.join("nodes.conf").exists()));
        }
        drop(cluster);
        for port in &ports {
            assert!(!answers_ping(*port).await, "node {port} still answers");
        }
        for dir in &dirs {
            assert!(!dir.exists(), "{} is left", dir.display());
        }
    }
}
