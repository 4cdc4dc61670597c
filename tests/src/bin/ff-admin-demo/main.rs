//! The demo: boots the real ff-server 0.15 in-process on a local backend and
//! plays an operator's session through `ff-admin`, chapter by chapter,
//! printing each call, its typed outcome and the outcome expected. Exits
//! non-zero if any outcome differs from the expected one. Run it with
//! `cargo xtask demo`.
//!
//! Backend choice: Valkey when its binary is available (claims grant for
//! real, and the whole session runs), else a throwaway PostgreSQL cluster,
//! else SQLite (which cannot show claims: the demo says so). Force one with
//! `FF_ADMIN_DEMO_BACKEND=valkey|postgres|sqlite`.

mod admin;
mod operator;

use std::fmt::Debug;
use std::time::Duration;

use ff_admin::{ClaimForWorkerResponse, FlowFabricAdminClient};
use ff_admin_contract_tests::live::{Backend, LiveServer};
use ff_admin_contract_tests::live_ops::{self as ops, Family, Outcomes};
use futures_util::future::BoxFuture;

const TOKEN: &str = "demo-token";
const LANE: &str = "demo-lane";

/// What the chapters share: the server, the client, the recorder, and what
/// one chapter leaves for the next.
struct Session {
    live: LiveServer,
    family: Family,
    client: FlowFabricAdminClient,
    out: Outcomes,
    /// The claims chapter's grant, which the lease chapter redeems.
    grant: Option<ClaimForWorkerResponse>,
    /// The execution the reclaim and token chapters ask about.
    target: Option<String>,
}

impl Session {
    /// One step: the call as shown, its answer, and what is expected of it,
    /// written together: the text an operator reads and the check that
    /// holds the answer to it.
    fn step<T: Debug, E: std::fmt::Display>(
        &self,
        call: &str,
        result: &Result<T, E>,
        expected: &str,
        check: impl FnOnce(&Result<T, E>) -> bool,
    ) -> bool {
        let shown = match result {
            Ok(v) => format!("Ok({v:?})"),
            Err(e) => format!("Err({e})"),
        };
        self.out.record(call, &shown, expected, check(result))
    }

    fn note(&self, text: &str) {
        println!("       ({text})");
    }

    /// Creates an execution on `partition` and `lane`; fails the chapter
    /// unless it is created.
    async fn new_execution(&self, partition: u16, lane: &str) -> anyhow::Result<String> {
        let id = ops::execution_id_on(partition);
        ops::create(&self.client, &id, lane).await?;
        Ok(id)
    }
}

/// A chapter's steps.
type Steps = for<'a> fn(&'a mut Session) -> BoxFuture<'a, anyhow::Result<()>>;

/// One chapter of the session: its title, the backends it runs on, its
/// steps.
struct Chapter {
    title: &'static str,
    runs_on: fn(Family) -> bool,
    steps: Steps,
}

fn every(_: Family) -> bool {
    true
}

fn valkey(family: Family) -> bool {
    family == Family::Valkey
}

/// The session, in order. The operator chapters after `Authentication` use
/// the whole API; they run on Valkey, where every answer is the documented
/// one (the live tests hold the other backends' answers).
const CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "Health",
        runs_on: every,
        steps: |s| Box::pin(admin::health(s)),
    },
    Chapter {
        title: "Waitpoint secret rotation",
        runs_on: every,
        steps: |s| Box::pin(admin::rotation(s)),
    },
    Chapter {
        title: "Claims",
        runs_on: every,
        steps: |s| Box::pin(admin::claims(s)),
    },
    Chapter {
        title: "A worker's lease, its waitpoint token, a revoke and a reclaim",
        runs_on: valkey,
        steps: |s| Box::pin(admin::lease(s)),
    },
    Chapter {
        title: "Reclaims",
        runs_on: every,
        steps: |s| Box::pin(admin::reclaims(s)),
    },
    Chapter {
        title: "Waitpoint tokens",
        runs_on: every,
        steps: |s| Box::pin(admin::tokens(s)),
    },
    Chapter {
        title: "Authentication",
        runs_on: every,
        steps: |s| Box::pin(admin::authentication(s)),
    },
    Chapter {
        title: "Create and inspect an execution",
        runs_on: valkey,
        steps: |s| Box::pin(operator::inspect(s)),
    },
    Chapter {
        title: "Reprioritise, cancel, replay",
        runs_on: valkey,
        steps: |s| Box::pin(operator::operate(s)),
    },
    Chapter {
        title: "A worker's output: stream frames and the result",
        runs_on: valkey,
        steps: |s| Box::pin(operator::output(s)),
    },
    Chapter {
        title: "Flows",
        runs_on: valkey,
        steps: |s| Box::pin(operator::flows(s)),
    },
    Chapter {
        title: "Budgets and quotas",
        runs_on: valkey,
        steps: |s| Box::pin(operator::budgets(s)),
    },
    Chapter {
        title: "Metrics",
        runs_on: every,
        steps: |s| Box::pin(operator::metrics(s)),
    },
];

fn choose_backend() -> Backend {
    if let Ok(name) = std::env::var("FF_ADMIN_DEMO_BACKEND") {
        return Backend::parse(&name).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    }
    if ff_admin_devenv::valkey_server().is_ok() {
        Backend::Valkey
    } else if ff_admin_devenv::postgres_bin().is_ok() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = runtime.block_on(run());
    std::process::exit(code);
}

async fn run() -> i32 {
    let backend = choose_backend();
    println!(
        "ff-admin demo: booting ff-server 0.15 on {} ...",
        backend.name()
    );
    if backend == Backend::Postgres {
        println!("(PostgreSQL runs its migrations at boot: expect about 20 s)");
    }
    let live = match LiveServer::start(backend, Some(TOKEN)).await {
        Ok(live) => live,
        Err(e) => {
            eprintln!("could not start the server: {e:#}");
            return 1;
        }
    };
    println!(
        "ff-server listening on {} (bearer token required)",
        live.url
    );
    let client = FlowFabricAdminClient::builder(&live.url)
        .bearer_token(TOKEN)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a valid base URL and token");
    let mut session = Session {
        family: Family::of(backend),
        out: Outcomes::new(backend.name()),
        live,
        client,
        grant: None,
        target: None,
    };
    for chapter in CHAPTERS {
        println!("\n== {}", chapter.title);
        if !(chapter.runs_on)(session.family) {
            println!("   (shown on Valkey only: run with the Valkey backend to see it)");
            continue;
        }
        if let Err(e) = (chapter.steps)(&mut session).await {
            eprintln!("chapter `{}` stopped: {e:#}", chapter.title);
            session.out.record(
                chapter.title,
                &format!("{e:#}"),
                "the chapter runs to its end",
                false,
            );
        }
    }
    let failures = session.out.failures();
    drop(session);
    println!();
    if failures.is_empty() {
        println!(
            "demo: every outcome was the expected one ({} backend); server and backend stopped",
            backend.name()
        );
        0
    } else {
        println!("demo: {} unexpected outcome(s):", failures.len());
        for failure in &failures {
            println!("  {failure}");
        }
        1
    }
}
