// Compiled with `tsc --strict` against the types openapi-typescript
// generates from openapi.yaml: proves the spec yields usable TypeScript.
import type { components, paths } from "./schema";

type ClaimBody = components["schemas"]["ClaimForWorkerBody"];
type ClaimGrant = components["schemas"]["ClaimGrant"];
type Reclaim = components["schemas"]["IssueReclaimGrantResponse"];
type ErrorBody = components["schemas"]["ErrorBody"];
type ClaimResponses = paths["/v1/workers/{worker_id}/claim"]["post"]["responses"];

const body: ClaimBody = {
  lane_id: "default",
  worker_instance_id: "w1-i1",
  capabilities: ["gpu"],
  grant_ttl_ms: 30000,
};

// The 204 has no body; the 200 carries a grant.
type NoContent = ClaimResponses[204]["content"];
const nothing: NoContent = undefined as never;

function describe(r: Reclaim): string {
  switch (r.status) {
    case "granted":
      return `granted ${r.grant_key} until ${r.expires_at_ms}`;
    case "not_reclaimable":
      return `not reclaimable: ${r.detail}`;
    case "reclaim_cap_exceeded":
      return `cap exceeded after ${r.reclaim_count}`;
  }
}

function retryable(e: ErrorBody, status: number): boolean {
  return e.retryable ?? [429, 502, 503, 504].includes(status);
}

const grant: ClaimGrant = {
  execution_id: "{fp:0}:00000000-0000-4000-8000-000000000000",
  partition_key: "{fp:0}",
  grant_key: "g",
  expires_at_ms: 0,
};

export const checks = [body, nothing, describe, retryable, grant];
