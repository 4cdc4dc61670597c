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
//! It also creates the objects whose ids are examples in `openapi.yaml`, so
//! that tools using the spec's examples reach the 200 answers instead of
//! only 404s: the execution [`EXAMPLE_EXECUTION_ID`] and a second one,
//! [`EXAMPLE_DOWNSTREAM_ID`] (both on flow partition 7); the flow
//! [`EXAMPLE_FLOW_ID`], whose partition is 7 on Valkey and Postgres (CRC-16
//! of its UUID modulo 256), with both executions as members (SQLite puts
//! every flow on partition 0, so there the flow stays empty); the flow
//! [`EXAMPLE_FLOW_TO_CANCEL_ID`] of the `cancel_flow` example (a flow of
//! its own, so that cancelling it leaves the other examples' flow open);
//! and the budget [`EXAMPLE_BUDGET_ID`] (the spec's `Uuid` example).

use anyhow::{bail, Context as _};
use ff_admin_contract_tests::live::{Backend, LiveServer};
use tokio::io::AsyncReadExt as _;

/// The `ExecutionId` example of `openapi.yaml`.
const EXAMPLE_EXECUTION_ID: &str = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";

/// The downstream execution of the spec's dependency-edge examples.
const EXAMPLE_DOWNSTREAM_ID: &str = "{fp:7}:8d2e4f6a-1b3c-4d5e-9f70-a1b2c3d4e5f6";

/// The flow id of the spec's flow examples (partition 7 with 256 flow
/// partitions, like the example executions).
const EXAMPLE_FLOW_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1af3";

/// The flow of the spec's `cancel_flow` example.
const EXAMPLE_FLOW_TO_CANCEL_ID: &str = "9b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";

/// The spec's `Uuid` example, used as the example budget's id.
const EXAMPLE_BUDGET_ID: &str = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";

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
        create_examples(&live)
            .await
            .context("create the spec's example objects")?;
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

/// Creates the objects named by the spec's examples (see the module docs).
async fn create_examples(live: &LiveServer) -> anyhow::Result<()> {
    let http = live.http();
    let now = ff_admin_contract_tests::live::now_ms();
    for id in [EXAMPLE_EXECUTION_ID, EXAMPLE_DOWNSTREAM_ID] {
        http.create_execution_with_id(id, "default").await?;
    }
    for flow_id in [EXAMPLE_FLOW_ID, EXAMPLE_FLOW_TO_CANCEL_ID] {
        expect_created(
            &http,
            "/v1/flows",
            serde_json::json!({
                "flow_id": flow_id, "flow_kind": "pipeline",
                "namespace": "default", "now": now,
            }),
        )
        .await?;
    }
    if live.backend != Backend::Sqlite {
        for id in [EXAMPLE_EXECUTION_ID, EXAMPLE_DOWNSTREAM_ID] {
            expect_created(
                &http,
                &format!("/v1/flows/{EXAMPLE_FLOW_ID}/members"),
                serde_json::json!({ "flow_id": EXAMPLE_FLOW_ID, "execution_id": id, "now": now }),
            )
            .await?;
        }
    }
    expect_created(
        &http,
        "/v1/budgets",
        serde_json::json!({
            "budget_id": EXAMPLE_BUDGET_ID, "scope_type": "lane", "scope_id": "default",
            "enforcement_mode": "strict", "on_hard_limit": "fail", "on_soft_limit": "warn",
            "reset_interval_ms": 3_600_000, "dimensions": ["tokens"],
            "hard_limits": [1000], "soft_limits": [800], "now": now,
        }),
    )
    .await
}

/// `POST path` with `body`; fails unless the server answers 201.
async fn expect_created(
    http: &ff_admin_contract_tests::live::Http,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<()> {
    let (status, text) = http.post(path, &body).await?;
    if status != 201 {
        bail!("POST {path} answered {status}: {text}");
    }
    Ok(())
}
