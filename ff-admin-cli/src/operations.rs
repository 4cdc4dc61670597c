//! The one table that binds each spec operation to its `ff-admin` call.
//!
//! Its flags, help and subcommand name come from the spec (`build.rs`); an
//! entry adds only what the spec cannot say: which `ff-admin` method to
//! call, how "nothing there" reads, and the CLI-only behaviour (a secret
//! read from a file, `--poll`, the field printed alone).

use std::future::Future;
use std::pin::Pin;

use ff_admin::raw::types::{
    self as wire, HealthResponse, HealthResponseStatus, WaitpointTokenResponse,
};
use ff_admin::{ClaimForWorkerRequest, FlowFabricAdminClient, StreamRange, StreamTail};

use crate::input::Input;
use crate::output::{Answer, Failure, Human};

/// The future an operation's call returns.
pub(crate) type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Answer, Failure>> + 'a>>;

/// Makes one call of an operation with the request from the command line.
pub(crate) type Call = for<'a> fn(&'a FlowFabricAdminClient, &'a Input) -> CallFuture<'a>;

/// One subcommand: a spec operation and how the CLI runs it.
pub(crate) struct Binding {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The `ff-admin` call.
    pub call: Call,
    /// The body field read from `--secret-file` instead of a flag.
    pub secret: Option<&'static str>,
    /// Whether `--poll` is offered (calls again while "nothing there").
    pub poll: bool,
    /// How the human output prints the answer.
    pub human: Human,
}

impl Binding {
    const fn new(id: &'static str, call: Call) -> Self {
        Self {
            id,
            call,
            secret: None,
            poll: false,
            human: Human::Fields,
        }
    }

    /// Reads body field `field` from `--secret-file PATH|-`, never from a
    /// flag.
    const fn secret_file(mut self, field: &'static str) -> Self {
        self.secret = Some(field);
        self
    }

    /// Offers `--poll` and `--max-wait`.
    const fn polls(mut self) -> Self {
        self.poll = true;
        self
    }

    /// Prints only `field` of the answer in human output.
    const fn prints_field(mut self, field: &'static str) -> Self {
        self.human = Human::Field(field);
        self
    }
}

/// An async block as a [`Call`]: `call!(|client, input| expression)`.
macro_rules! call {
    (|$client:ident, $input:ident| $body:expr) => {{
        fn call<'a>($client: &'a FlowFabricAdminClient, $input: &'a Input) -> CallFuture<'a> {
            Box::pin(async move { $body })
        }
        call
    }};
}

const NO_ELIGIBLE_EXECUTION: &str =
    "no eligible execution in the partitions this call scanned (204); poll again or use --poll";
const TOKEN_NOT_FOUND: &str = "waitpoint token not found (consumed, expired, or unknown id)";
const EXECUTION_NOT_FOUND: &str = "no such execution (404)";
const RESULT_NOT_FOUND: &str = "no result stored for this execution (404)";
const BUDGET_NOT_FOUND: &str = "no such budget (404)";

/// Every operation the CLI covers, bound to its call. A spec operation missing here fails the
/// tests (`every_spec_operation_has_a_subcommand`).
pub(crate) static BINDINGS: &[Binding] = &[
    Binding::new(
        "claim_for_worker",
        call!(|client, input| {
            let body: wire::ClaimForWorkerRequest = input.body()?;
            let request = ClaimForWorkerRequest {
                worker_id: input.path("worker_id")?,
                lane_id: body.lane_id,
                worker_instance_id: body.worker_instance_id,
                capabilities: body.capabilities,
                grant_ttl_ms: body.grant_ttl_ms,
            };
            Answer::optional(
                client.claim_for_worker(request).await?,
                NO_ELIGIBLE_EXECUTION,
            )
        }),
    )
    .polls(),
    Binding::new(
        "rotate_waitpoint_secret",
        call!(|client, input| Answer::json(client.rotate_waitpoint_secret(input.body()?).await?)),
    )
    .secret_file("new_secret_hex"),
    Binding::new(
        "issue_reclaim_grant",
        call!(|client, input| Answer::json(
            client
                .issue_reclaim_grant(&input.path("execution_id")?, input.body()?)
                .await?
        )),
    ),
    Binding::new(
        "read_waitpoint_token",
        call!(|client, input| {
            let token = client
                .read_waitpoint_token(&input.path("execution_id")?, &input.path("waitpoint_id")?)
                .await?;
            Answer::optional(
                token.map(|token| WaitpointTokenResponse { token }),
                TOKEN_NOT_FOUND,
            )
        }),
    )
    .prints_field("token"),
    Binding::new(
        "healthz",
        call!(|client, _input| {
            client.healthz().await?;
            // The one body a 200 can carry: `ff-admin` checked it.
            Answer::json(HealthResponse {
                status: HealthResponseStatus::Ok,
            })
        }),
    ),
    Binding::new(
        "list_executions",
        call!(|client, input| Answer::json(
            client
                .list_executions(
                    input.param("partition")?,
                    input.param::<Option<String>>("cursor")?.as_deref(),
                    input.param("limit")?,
                )
                .await?
        )),
    ),
    Binding::new(
        "create_execution",
        call!(|client, input| Answer::json(client.create_execution(&input.body()?).await?)),
    ),
    Binding::new(
        "get_execution",
        call!(|client, input| Answer::optional(
            client.get_execution(&input.path("execution_id")?).await?,
            EXECUTION_NOT_FOUND
        )),
    ),
    Binding::new(
        "get_execution_state",
        call!(|client, input| Answer::optional(
            client
                .get_execution_state(&input.path("execution_id")?)
                .await?,
            EXECUTION_NOT_FOUND
        )),
    ),
    Binding::new(
        "list_pending_waitpoints",
        call!(|client, input| Answer::optional(
            client
                .list_pending_waitpoints(&input.path("execution_id")?)
                .await?,
            EXECUTION_NOT_FOUND
        )),
    ),
    Binding::new(
        "get_execution_result",
        call!(|client, input| match client
            .get_execution_result(&input.path("execution_id")?)
            .await?
        {
            Some(bytes) => Answer::raw(bytes),
            None => Ok(Answer::Nothing(RESULT_NOT_FOUND.to_owned())),
        }),
    ),
    Binding::new(
        "cancel_execution",
        call!(|client, input| Answer::json(client.cancel_execution(&input.body()?).await?)),
    ),
    Binding::new(
        "deliver_signal",
        call!(|client, input| Answer::json(client.deliver_signal(&input.body()?).await?)),
    )
    .secret_file("waitpoint_token"),
    Binding::new(
        "change_priority",
        call!(|client, input| Answer::json(
            client
                .change_priority(
                    &input.path("execution_id")?,
                    input.body::<wire::ChangePriorityRequest>()?.new_priority,
                )
                .await?
        )),
    ),
    Binding::new(
        "replay_execution",
        call!(|client, input| Answer::json(
            client
                .replay_execution(&input.path("execution_id")?)
                .await?
        )),
    ),
    Binding::new(
        "revoke_lease",
        call!(|client, input| Answer::json(
            client.revoke_lease(&input.path("execution_id")?).await?
        )),
    ),
    Binding::new(
        "read_attempt_stream",
        call!(|client, input| {
            let range = StreamRange {
                from: input.param("from")?,
                to: input.param("to")?,
                limit: input.param("limit")?,
            };
            Answer::json(
                client
                    .read_attempt_stream(
                        &input.path("execution_id")?,
                        input.param("attempt_index")?,
                        &range,
                    )
                    .await?,
            )
        }),
    ),
    Binding::new(
        "tail_attempt_stream",
        call!(|client, input| {
            let tail = StreamTail {
                after: input.param("after")?,
                block_ms: input.param("block_ms")?,
                limit: input.param("limit")?,
            };
            Answer::json(
                client
                    .tail_attempt_stream(
                        &input.path("execution_id")?,
                        input.param("attempt_index")?,
                        &tail,
                    )
                    .await?,
            )
        }),
    ),
    Binding::new(
        "create_flow",
        call!(|client, input| Answer::json(client.create_flow(&input.body()?).await?)),
    ),
    Binding::new(
        "add_execution_to_flow",
        call!(|client, input| Answer::json(client.add_execution_to_flow(&input.body()?).await?)),
    ),
    Binding::new(
        "cancel_flow",
        call!(|client, input| Answer::json(
            client
                .cancel_flow(
                    &input.body()?,
                    // The server waits for `true` or `1`; anything else
                    // schedules the members' cancellation.
                    input
                        .param::<Option<String>>("wait")?
                        .is_some_and(|v| v == "true" || v == "1")
                )
                .await?
        )),
    ),
    Binding::new(
        "stage_dependency_edge",
        call!(|client, input| Answer::json(client.stage_dependency_edge(&input.body()?).await?)),
    ),
    Binding::new(
        "apply_dependency_to_child",
        call!(|client, input| Answer::json(
            client.apply_dependency_to_child(&input.body()?).await?
        )),
    ),
    Binding::new(
        "create_budget",
        call!(|client, input| Answer::json(client.create_budget(&input.body()?).await?)),
    ),
    Binding::new(
        "get_budget_status",
        call!(|client, input| Answer::optional(
            client.get_budget_status(&input.path("budget_id")?).await?,
            BUDGET_NOT_FOUND
        )),
    ),
    Binding::new(
        "report_usage",
        call!(|client, input| Answer::json(
            client
                .report_usage(&input.path("budget_id")?, &input.body()?)
                .await?
        )),
    ),
    Binding::new(
        "reset_budget",
        call!(|client, input| Answer::json(client.reset_budget(&input.path("budget_id")?).await?)),
    ),
    Binding::new(
        "create_quota_policy",
        call!(|client, input| Answer::json(client.create_quota_policy(&input.body()?).await?)),
    ),
    Binding::new(
        "get_metrics",
        call!(|client, _input| Answer::raw(client.get_metrics().await?)),
    ),
];

/// The operation whose subcommand is `command`.
pub(crate) fn by_command(command: &str) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .find(|op| op.id.replace('_', "-") == command)
}
