// Compiled with `tsc --strict` (never run) against the types that
// openapi-typescript generates from openapi.yaml. It proves that the spec
// yields usable TypeScript for every operation:
//
// * `call` is a small fetch wrapper typed from `operations` alone: the
//   request (path and query parameters, JSON body) and the answer (a union
//   of `{ status, body }`, one member per documented status) of each
//   operation come from the generated types.
// * `ROUTES` and `usage` are mapped types over the keys of `operations`:
//   an operation added to the spec and missing here (or a route that does
//   not match `paths`) fails to compile.
// * Each entry of `usage` sends a typed request and reads typed fields of
//   the answers it handles; every other answer goes through `problem`,
//   which only accepts the error bodies the spec declares.
import type { components, operations, paths } from "./schema";

type OperationId = keyof operations;
type Method = "get" | "post" | "put";
type Schemas = components["schemas"];
type ErrorBody = Schemas["ErrorBody"];

// ---- Requests ---------------------------------------------------------

type Params<K extends OperationId> = operations[K]["parameters"];
type JsonBody<K extends OperationId> = operations[K] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : undefined;

/** A field that is required, optional, or absent, as the generated type says. */
type Field<N extends string, T> = [T] extends [undefined]
  ? { [F in N]?: undefined }
  : undefined extends T
    ? { [F in N]?: T }
    : { [F in N]: T };

/** What `call` needs for operation `K`. */
type Request<K extends OperationId> = Field<"path", Params<K>["path"]> &
  Field<"query", Params<K>["query"]> &
  Field<"body", JsonBody<K>>;

// ---- Answers ----------------------------------------------------------

type Responses<K extends OperationId> = operations[K]["responses"];
/** The body of one response: any of its media types, `undefined` when it has none. */
type BodyOf<R> = R extends { content: infer C } ? (C extends object ? C[keyof C] : undefined) : undefined;
/** One member per documented status of operation `K`. */
type Answer<K extends OperationId> = {
  [S in keyof Responses<K>]: { status: S; body: BodyOf<Responses<K>[S]> };
}[keyof Responses<K>];

// ---- Routes -----------------------------------------------------------

/** The `[path, method]` pairs of `paths` whose operation is `K`. */
type RouteOf<K extends OperationId> = {
  [P in keyof paths]: {
    [M in Method]: paths[P][M] extends operations[K]
      ? operations[K] extends paths[P][M]
        ? readonly [P, M]
        : never
      : never;
  }[Method];
}[keyof paths];

const ROUTES: { readonly [K in OperationId]: RouteOf<K> } = {
  claim_for_worker: ["/v1/workers/{worker_id}/claim", "post"],
  rotate_waitpoint_secret: ["/v1/admin/rotate-waitpoint-secret", "post"],
  issue_reclaim_grant: ["/v1/executions/{execution_id}/reclaim", "post"],
  read_waitpoint_token: ["/v1/executions/{execution_id}/waitpoints/{waitpoint_id}/token", "get"],
  healthz: ["/healthz", "get"],
  list_executions: ["/v1/executions", "get"],
  create_execution: ["/v1/executions", "post"],
  get_execution: ["/v1/executions/{execution_id}", "get"],
  get_execution_state: ["/v1/executions/{execution_id}/state", "get"],
  list_pending_waitpoints: ["/v1/executions/{execution_id}/pending-waitpoints", "get"],
  get_execution_result: ["/v1/executions/{execution_id}/result", "get"],
  cancel_execution: ["/v1/executions/{execution_id}/cancel", "post"],
  deliver_signal: ["/v1/executions/{execution_id}/signal", "post"],
  change_priority: ["/v1/executions/{execution_id}/priority", "put"],
  replay_execution: ["/v1/executions/{execution_id}/replay", "post"],
  revoke_lease: ["/v1/executions/{execution_id}/revoke-lease", "post"],
  read_attempt_stream: ["/v1/executions/{execution_id}/attempts/{attempt_index}/stream", "get"],
  tail_attempt_stream: ["/v1/executions/{execution_id}/attempts/{attempt_index}/stream/tail", "get"],
  create_flow: ["/v1/flows", "post"],
  add_execution_to_flow: ["/v1/flows/{flow_id}/members", "post"],
  cancel_flow: ["/v1/flows/{flow_id}/cancel", "post"],
  stage_dependency_edge: ["/v1/flows/{flow_id}/edges", "post"],
  apply_dependency_to_child: ["/v1/flows/{flow_id}/edges/apply", "post"],
  create_budget: ["/v1/budgets", "post"],
  get_budget_status: ["/v1/budgets/{budget_id}", "get"],
  report_usage: ["/v1/budgets/{budget_id}/usage", "post"],
  reset_budget: ["/v1/budgets/{budget_id}/reset", "post"],
  create_quota_policy: ["/v1/quotas", "post"],
  get_metrics: ["/metrics", "get"],
};

// ---- The wrapper ------------------------------------------------------

/** A client for one server: base URL and bearer token. */
interface Api {
  base: string;
  token: string;
}

type Scalar = string | number | boolean;

/**
 * Sends operation `op` and returns its answer, typed by status. JSON bodies
 * are parsed; any other body is read as text (openapi-typescript types
 * `application/octet-stream` and `text/plain` bodies as `string`).
 */
async function call<K extends OperationId>(api: Api, op: K, request: Request<K>): Promise<Answer<K>> {
  const [template, method] = ROUTES[op];
  const pathParams = (request.path ?? {}) as Record<string, Scalar>;
  let url = api.base + template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(pathParams[name])));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, Scalar | undefined>)) {
    if (value !== undefined) query.set(name, String(value));
  }
  if ([...query].length > 0) url += `?${query}`;
  const headers: Record<string, string> = { Authorization: `Bearer ${api.token}` };
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (request.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(request.body);
  }
  const response = await fetch(url, init);
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("application/json")
    ? await response.json()
    : response.status === 204
      ? undefined
      : await response.text();
  return { status: response.status, body } as Answer<K>;
}

/** Words for an answer the caller does not handle: only declared error bodies fit. */
function problem(status: number, body: ErrorBody | Schemas["PayloadTooLarge"] | string | undefined): string {
  if (body === undefined) return `${status} (no body)`;
  if (typeof body === "string") return `${status} ${body}`;
  if ("limit_bytes" in body) return `${status} over ${body.limit_bytes} bytes on ${body.route}`;
  const retry = body.retryable ?? [429, 502, 503, 504].includes(status);
  return `${status} ${body.kind ?? "error"}: ${body.error}${retry ? " (retryable)" : ""}`;
}

// ---- One typed use of every operation -----------------------------------

const EXEC = "{fp:7}:3f2a9c4e-8d1b-4a6f-9e2c-5b7d0a1c3e4f";
const FLOW = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1af3";
const UUID = "6c1f2e3d-4b5a-4978-8a6b-5c4d3e2f1a0b";
const NOW = 1764355200000;

function publicState(state: Schemas["PublicState"]): string {
  return state === "waiting" ? "waiting to be claimed" : state;
}

function cancelOutcome(result: Schemas["CancelFlowResponse"]): string {
  if ("Cancelled" in result) return `cancelled ${result.Cancelled.member_execution_ids.length} members`;
  if ("CancellationScheduled" in result) return `cancelling ${result.CancellationScheduled.member_count} members`;
  return `failed on ${result.PartiallyCancelled.failed_member_execution_ids.join(", ")}`;
}

function reclaimOutcome(r: Schemas["IssueReclaimGrantResponse"]): string {
  switch (r.status) {
    case "granted":
      return `granted ${r.grant_key} on ${r.lane_id} until ${r.expires_at_ms}`;
    case "not_reclaimable":
      return `not reclaimable: ${r.detail}`;
    case "reclaim_cap_exceeded":
      return `cap exceeded after ${r.reclaim_count}`;
  }
}

type Usage = { readonly [K in OperationId]: (api: Api) => Promise<string> };

export const usage: Usage = {
  async claim_for_worker(api) {
    const a = await call(api, "claim_for_worker", {
      path: { worker_id: "worker-1" },
      body: { lane_id: "default", worker_instance_id: "worker-1-a", capabilities: ["gpu"], grant_ttl_ms: 30000 },
    });
    if (a.status === 200) return `claimed ${a.body.execution_id} (${a.body.partition_key}) until ${a.body.expires_at_ms}`;
    if (a.status === 204) return "nothing eligible in this window";
    return problem(a.status, a.body);
  },
  async rotate_waitpoint_secret(api) {
    const a = await call(api, "rotate_waitpoint_secret", { body: { new_kid: "k2", new_secret_hex: "ab".repeat(32) } });
    if (a.status === 200) return `${a.body.new_kid} on ${a.body.rotated} partitions, failed ${a.body.failed.length}`;
    return problem(a.status, a.body);
  },
  async issue_reclaim_grant(api) {
    const a = await call(api, "issue_reclaim_grant", {
      path: { execution_id: EXEC },
      body: { worker_id: "worker-1", worker_instance_id: "worker-1-a", lane_id: "default", grant_ttl_ms: 5000, capability_hash: null },
    });
    return a.status === 200 ? reclaimOutcome(a.body) : problem(a.status, a.body);
  },
  async read_waitpoint_token(api) {
    const a = await call(api, "read_waitpoint_token", { path: { execution_id: EXEC, waitpoint_id: UUID } });
    if (a.status === 200) return `token of length ${a.body.token.length}`;
    if (a.status === 404 && typeof a.body !== "string") return `no token: ${a.body.error}`;
    return problem(a.status, a.body);
  },
  async healthz(api) {
    const a = await call(api, "healthz", {});
    return a.status === 200 ? `healthy: ${a.body.status}` : problem(a.status, a.body);
  },
  async list_executions(api) {
    const a = await call(api, "list_executions", { query: { partition: 7, limit: 100 } });
    if (a.status === 200) return `${a.body.executions.length} ids, next ${a.body.next_cursor ?? "none"}`;
    return problem(a.status, a.body);
  },
  async create_execution(api) {
    const a = await call(api, "create_execution", {
      body: {
        execution_id: EXEC,
        namespace: "default",
        lane_id: "default",
        execution_kind: "op",
        input_payload: [104, 105],
        priority: 0,
        creator_identity: "operator",
        partition_id: 7,
        now: NOW,
        tags: { team: "core" },
        policy: { max_replay_count: 3, budget_ids: [UUID], delay_until: null },
        idempotency_key: null,
      },
    });
    if (a.status === 201) return `created ${a.body.Created.execution_id}, ${publicState(a.body.Created.public_state)}`;
    if (a.status === 200) return `already there: ${a.body.Duplicate.execution_id}`;
    return problem(a.status, a.body);
  },
  async get_execution(api) {
    const a = await call(api, "get_execution", { path: { execution_id: EXEC } });
    if (a.status === 200) {
      const v = a.body.state_vector;
      return `${a.body.lane_id}: ${v.lifecycle_phase}/${v.ownership_state}, flow ${a.body.flow_id ?? "none"}, attempt ${a.body.current_attempt_index}`;
    }
    return problem(a.status, a.body);
  },
  async get_execution_state(api) {
    const a = await call(api, "get_execution_state", { path: { execution_id: EXEC } });
    return a.status === 200 ? publicState(a.body) : problem(a.status, a.body);
  },
  async list_pending_waitpoints(api) {
    const a = await call(api, "list_pending_waitpoints", { path: { execution_id: EXEC } });
    if (a.status === 200) return a.body.map((w) => `${w.waitpoint_id} ${w.state} (${w.token_kid}:${w.token_fingerprint})`).join("; ");
    return problem(a.status, a.body);
  },
  async get_execution_result(api) {
    const a = await call(api, "get_execution_result", { path: { execution_id: EXEC } });
    if (a.status === 200) return `result of ${a.body.length} characters`;
    if (a.status === 404) return `no result yet: ${a.body.error}`;
    return problem(a.status, a.body);
  },
  async cancel_execution(api) {
    const a = await call(api, "cancel_execution", {
      path: { execution_id: EXEC },
      body: { execution_id: EXEC, reason: "operator request", source: "operator_override", now: NOW, lease_epoch: null },
    });
    if (a.status === 200) return `${a.body.Cancelled.execution_id} is ${a.body.Cancelled.public_state}`;
    return problem(a.status, a.body);
  },
  async deliver_signal(api) {
    const a = await call(api, "deliver_signal", {
      path: { execution_id: EXEC },
      body: {
        execution_id: EXEC,
        waitpoint_id: UUID,
        signal_id: UUID,
        signal_name: "approved",
        signal_category: "approval",
        source_type: "operator",
        source_identity: "alice",
        target_scope: "waitpoint",
        waitpoint_token: "kid:00",
        payload: [1, 2, 3],
        now: NOW,
      },
    });
    if (a.status === 200) {
      return "Accepted" in a.body ? `accepted: ${a.body.Accepted.effect}` : `duplicate of ${a.body.Duplicate.existing_signal_id}`;
    }
    return problem(a.status, a.body);
  },
  async change_priority(api) {
    const a = await call(api, "change_priority", { path: { execution_id: EXEC }, body: { new_priority: 10 } });
    return a.status === 200 ? `changed ${a.body.Changed.execution_id}` : problem(a.status, a.body);
  },
  async replay_execution(api) {
    const a = await call(api, "replay_execution", { path: { execution_id: EXEC } });
    return a.status === 200 ? `replayed, now ${publicState(a.body.Replayed.public_state)}` : problem(a.status, a.body);
  },
  async revoke_lease(api) {
    const a = await call(api, "revoke_lease", { path: { execution_id: EXEC } });
    if (a.status === 200) {
      return "Revoked" in a.body
        ? `revoked ${a.body.Revoked.lease_id} epoch ${a.body.Revoked.lease_epoch}`
        : `nothing to revoke: ${a.body.AlreadySatisfied.reason}`;
    }
    return problem(a.status, a.body);
  },
  async read_attempt_stream(api) {
    const a = await call(api, "read_attempt_stream", {
      path: { execution_id: EXEC, attempt_index: 0 },
      query: { from: "start", to: "end", limit: 100 },
    });
    if (a.status === 200) return `${a.body.count} frames${a.body.closed_reason ? `, closed: ${a.body.closed_reason}` : ""}`;
    return problem(a.status, a.body);
  },
  async tail_attempt_stream(api) {
    const a = await call(api, "tail_attempt_stream", {
      path: { execution_id: EXEC, attempt_index: 0 },
      query: { after: "0-0", block_ms: 1000, limit: 10 },
    });
    if (a.status === 200) return a.body.frames.map((f) => `${f.id}: ${Object.keys(f.fields).join(",")}`).join("; ");
    return problem(a.status, a.body);
  },
  async create_flow(api) {
    const a = await call(api, "create_flow", { body: { flow_id: FLOW, flow_kind: "pipeline", namespace: "default", now: NOW } });
    if (a.status === 201) return `created flow ${a.body.Created.flow_id}`;
    if (a.status === 200) return `flow ${a.body.AlreadySatisfied.flow_id} exists`;
    return problem(a.status, a.body);
  },
  async add_execution_to_flow(api) {
    const a = await call(api, "add_execution_to_flow", { path: { flow_id: FLOW }, body: { flow_id: FLOW, execution_id: EXEC, now: NOW } });
    if (a.status === 201) return `added, ${a.body.Added.new_node_count} nodes`;
    if (a.status === 200) return `already a member of ${a.body.AlreadyMember.node_count} nodes`;
    return problem(a.status, a.body);
  },
  async cancel_flow(api) {
    const a = await call(api, "cancel_flow", {
      path: { flow_id: FLOW },
      query: { wait: "true" },
      body: { flow_id: FLOW, reason: "operator request", cancellation_policy: "cancel_all", now: NOW },
    });
    return a.status === 200 ? cancelOutcome(a.body) : problem(a.status, a.body);
  },
  async stage_dependency_edge(api) {
    const a = await call(api, "stage_dependency_edge", {
      path: { flow_id: FLOW },
      body: {
        flow_id: FLOW,
        edge_id: UUID,
        upstream_execution_id: EXEC,
        downstream_execution_id: "{fp:7}:8d2e4f6a-1b3c-4d5e-9f70-a1b2c3d4e5f6",
        expected_graph_revision: 2,
        now: NOW,
      },
    });
    if (a.status === 201) return `staged ${a.body.Staged.edge_id}, revision ${a.body.Staged.new_graph_revision}`;
    return problem(a.status, a.body);
  },
  async apply_dependency_to_child(api) {
    const a = await call(api, "apply_dependency_to_child", {
      path: { flow_id: FLOW },
      body: {
        flow_id: FLOW,
        edge_id: UUID,
        upstream_execution_id: EXEC,
        downstream_execution_id: "{fp:7}:8d2e4f6a-1b3c-4d5e-9f70-a1b2c3d4e5f6",
        graph_revision: 3,
        now: NOW,
      },
    });
    if (a.status === 200) {
      return typeof a.body === "string" ? `already applied (${a.body})` : `${a.body.Applied.unsatisfied_count} upstreams left`;
    }
    return problem(a.status, a.body);
  },
  async create_budget(api) {
    const a = await call(api, "create_budget", {
      body: {
        budget_id: UUID,
        scope_type: "lane",
        scope_id: "default",
        enforcement_mode: "strict",
        on_hard_limit: "fail",
        on_soft_limit: "warn",
        reset_interval_ms: 3600000,
        dimensions: ["tokens"],
        hard_limits: [1000],
        soft_limits: [800],
        now: NOW,
      },
    });
    if (a.status === 201) return `created budget ${a.body.Created.budget_id}`;
    if (a.status === 200) return `budget ${a.body.AlreadySatisfied.budget_id} exists`;
    return problem(a.status, a.body);
  },
  async get_budget_status(api) {
    const a = await call(api, "get_budget_status", { path: { budget_id: UUID } });
    if (a.status === 200) {
      const used = Object.entries(a.body.usage).map(([dim, n]) => `${dim}=${n}/${a.body.hard_limits[dim] ?? "∞"}`);
      return `${used.join(" ")}, ${a.body.breach_count} breaches, next reset ${a.body.next_reset_at ?? "none"}`;
    }
    return problem(a.status, a.body);
  },
  async report_usage(api) {
    const a = await call(api, "report_usage", {
      path: { budget_id: UUID },
      body: { dimensions: { tokens: 10 }, now: NOW, dedup_key: "report-1" },
    });
    if (a.status === 200) {
      const r = a.body;
      if (typeof r === "string") return r === "Ok" ? "within limits" : "counted before";
      if ("SoftBreach" in r) return `soft limit ${r.SoftBreach.soft_limit} passed on ${r.SoftBreach.dimension}`;
      return `hard limit ${r.HardBreach.hard_limit} passed on ${r.HardBreach.dimension} at ${r.HardBreach.current_usage}`;
    }
    return problem(a.status, a.body);
  },
  async reset_budget(api) {
    const a = await call(api, "reset_budget", { path: { budget_id: UUID } });
    return a.status === 200 ? `next reset at ${a.body.Reset.next_reset_at}` : problem(a.status, a.body);
  },
  async create_quota_policy(api) {
    const a = await call(api, "create_quota_policy", {
      body: { quota_policy_id: UUID, window_seconds: 60, max_requests_per_window: 100, max_concurrent: 10, now: NOW },
    });
    if (a.status === 201) return `created quota ${a.body.Created.quota_policy_id}`;
    if (a.status === 200) return `quota ${a.body.AlreadySatisfied.quota_policy_id} exists`;
    return problem(a.status, a.body);
  },
  async get_metrics(api) {
    const a = await call(api, "get_metrics", {});
    if (a.status === 200) return `${a.body.split("\n").filter((l) => l.startsWith("ff_http_requests_total")).length} request series`;
    if (a.status === 404) return "metrics not built into this server";
    return problem(a.status, a.body);
  },
};
