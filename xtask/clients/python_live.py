"""Drives the live ff-server through the Python client generated from
openapi.yaml by openapi-python-client: rotate and reclaim, with typed
results. Usage: python_live.py <base-url> <token>"""

import sys
import uuid

import httpx

from ff_admin_client import AuthenticatedClient
from ff_admin_client.api.admin import rotate_waitpoint_secret
from ff_admin_client.api.executions import issue_reclaim_grant
from ff_admin_client.models import (
    ErrorBody,
    IssueReclaimGrantBody,
    ReclaimNotReclaimable,
    RotateWaitpointSecretBody,
    RotateWaitpointSecretResult,
)


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    client = AuthenticatedClient(base_url=base, token=token)

    rotated = rotate_waitpoint_secret.sync_detailed(
        client=client,
        body=RotateWaitpointSecretBody(new_kid="py-kid", new_secret_hex="c3" * 32),
    )
    assert rotated.status_code == 200, rotated
    assert isinstance(rotated.parsed, RotateWaitpointSecretResult), rotated.parsed
    assert rotated.parsed.rotated >= 1 and rotated.parsed.failed == [], rotated.parsed
    print(f"python: rotate -> rotated={rotated.parsed.rotated} new_kid={rotated.parsed.new_kid}")

    bad = rotate_waitpoint_secret.sync_detailed(
        client=client,
        body=RotateWaitpointSecretBody(new_kid="a:b", new_secret_hex="c3" * 32),
    )
    assert bad.status_code == 400 and isinstance(bad.parsed, ErrorBody), bad
    print(f"python: rotate bad kid -> 400 {bad.parsed.error!r}")

    # An execution to reclaim, created over plain HTTP (not an admin route).
    execution_id = f"{{fp:0}}:{uuid.uuid4()}"
    created = httpx.post(
        f"{base}/v1/executions",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "execution_id": execution_id,
            "namespace": "default",
            "lane_id": "python-lane",
            "execution_kind": "py",
            "input_payload": [1],
            "priority": 0,
            "creator_identity": "python",
            "partition_id": 0,
            "now": 0,
        },
    )
    assert created.status_code == 201, created.text

    def reclaim(target: str):
        return issue_reclaim_grant.sync_detailed(
            execution_id=target,
            client=client,
            body=IssueReclaimGrantBody(
                worker_id="py-worker",
                worker_instance_id="py-worker-1",
                lane_id="python-lane",
                grant_ttl_ms=1000,
            ),
        )

    fresh = reclaim(execution_id)
    assert fresh.status_code == 200, fresh
    assert isinstance(fresh.parsed, ReclaimNotReclaimable), fresh.parsed
    assert fresh.parsed.execution_id == execution_id
    print(f"python: reclaim fresh -> not_reclaimable ({fresh.parsed.detail})")

    missing = reclaim(f"{{fp:0}}:{uuid.uuid4()}")
    assert missing.status_code == 404 and isinstance(missing.parsed, ErrorBody), missing
    print(f"python: reclaim unknown -> 404 {missing.parsed.error!r}")

    anonymous = rotate_waitpoint_secret.sync_detailed(
        client=AuthenticatedClient(base_url=base, token="wrong"),
        body=RotateWaitpointSecretBody(new_kid="py-kid", new_secret_hex="c3" * 32),
    )
    assert anonymous.status_code == 401, anonymous
    print("python: rotate with a wrong token -> 401")


if __name__ == "__main__":
    main()
