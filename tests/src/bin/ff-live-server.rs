//! A real ff-server 0.15 on a backend it starts itself, for tools outside
//! Rust (schemathesis, generated clients).
//!
//! `ff-live-server --backend valkey|valkey-cluster|postgres|sqlite [--token T]`
//! prints `ready http://127.0.0.1:<port>` once it serves, and runs until its
//! standard input closes (or reaches end of file), or until SIGINT or
//! SIGTERM; then it stops the server and removes the backend it started.
//!
//! On Postgres it first seeds the waitpoint HMAC keystore with a rotation
//! (kid `live-seed`), as any real deployment has: until then claims and
//! reclaims answer 503 `keystore empty`.
//!
//! It also creates the execution whose id is the example in `openapi.yaml`
//! ([`EXAMPLE_EXECUTION_ID`]), so that tools using the spec's examples reach
//! the reclaim's 200 answers instead of only 404s.

use anyhow::{bail, Context as _};
use ff_admin_contract_tests::live::{Backend, LiveServer};
use tokio::io::AsyncReadExt as _;

/// The `ExecutionId` example of `openapi.yaml`.
const EXAMPLE_EXECUTION_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";

fn main() -> anyhow::Result<()> {
    let mut backend = None;
    let mut token = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--backend" => {
                backend = Some(Backend::parse(
                    &args.next().context("--backend needs a value")?,
                )?)
            }
            "--token" => token = Some(args.next().context("--token needs a value")?),
            other => bail!("unknown argument `{other}`"),
        }
    }
    let backend = backend.context("--backend valkey|valkey-cluster|postgres|sqlite is required")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let live = LiveServer::start(backend, token.as_deref()).await?;
        if backend == Backend::Postgres {
            let mut builder = ff_admin::FlowFabricAdminClient::builder(&live.url);
            if let Some(token) = &token {
                builder = builder.bearer_token(token);
            }
            builder
                .build()?
                .rotate_waitpoint_secret(ff_admin::RotateWaitpointSecretRequest {
                    new_kid: "live-seed".into(),
                    new_secret_hex: "5e".repeat(32),
                })
                .await
                .context("seed the HMAC keystore")?;
        }
        live.http()
            .create_execution_with_id(EXAMPLE_EXECUTION_ID, "default")
            .await
            .context("create the spec's example execution")?;
        println!("ready {}", live.url);
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut stdin = tokio::io::stdin();
        let mut sink = Vec::new();
        tokio::select! {
            _ = stdin.read_to_end(&mut sink) => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        drop(live);
        Ok(())
    })
}
