//! A real ff-server 0.15 on a backend it starts itself, for tools outside
//! Rust (schemathesis, generated clients).
//!
//! `ff-live-server --backend valkey|postgres|sqlite [--token T]` prints
//! `ready http://127.0.0.1:<port>` once it serves, and runs until its
//! standard input closes (or reaches end of file); then it stops the server
//! and removes the backend it started.

use anyhow::{bail, Context as _};
use ff_admin_contract_tests::live::{Backend, LiveServer};
use tokio::io::AsyncReadExt as _;

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
    let backend = backend.context("--backend valkey|postgres|sqlite is required")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let live = LiveServer::start(backend, token.as_deref()).await?;
        println!("ready {}", live.url);
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        drop(live);
        Ok(())
    })
}
