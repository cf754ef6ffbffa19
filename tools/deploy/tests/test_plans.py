"""Reading what a plan changes, and what one input change causes beside the changes pending anyway."""

from __future__ import annotations

from taskoverflow_deploy.plans import changed_resources, changes_caused, module_of

WORKER_TASK = 'module.service["calendar-worker"].aws_ecs_task_definition.this'
WORKER_SERVICE = 'module.service["calendar-worker"].aws_ecs_service.this'
API_SERVICE = 'module.service["api"].aws_ecs_service.this'


def change(
    address: str, actions: list[str], before: dict | None = None, after: dict | None = None, unknown: dict | None = None
) -> dict:
    return {
        "address": address,
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {}},
    }


def plan(*changes: dict) -> dict:
    return {"resource_changes": list(changes)}


def test_changed_resources_leaves_out_no_ops_and_reads() -> None:
    p = plan(
        change("a.x", ["no-op"]),
        change("data.b.y", ["read"]),
        change("c.z", ["update"]),
        change("d.w", ["delete", "create"]),
    )
    assert changed_resources(p) == {"c.z": ["update"], "d.w": ["delete", "create"]}


def test_a_tag_change_is_told_apart_from_drift_pending_in_both_plans() -> None:
    # Given drift on both services (pending in every plan), and a new worker tag in the candidate
    drift = {"before": {"grace": 0, "task_definition": "td:1"}, "after": {"grace": 60, "task_definition": "td:1"}}
    baseline = plan(
        change(WORKER_TASK, ["no-op"], {"image": "w:1"}, {"image": "w:1"}),
        change(WORKER_SERVICE, ["update"], **drift),
        change(API_SERVICE, ["update"], **drift),
    )
    candidate = plan(
        change(WORKER_TASK, ["delete", "create"], {"image": "w:1"}, {"image": "w:2"}, {"arn": True}),
        change(WORKER_SERVICE, ["update"], drift["before"], {"grace": 60}, {"task_definition": True}),
        change(API_SERVICE, ["update"], **drift),
    )
    # Then only the worker's task definition and service are the tag's doing
    assert changes_caused(baseline, candidate) == {WORKER_TASK: ["delete", "create"], WORKER_SERVICE: ["update"]}


def test_values_a_refresh_reads_but_no_plan_changes_are_not_a_difference() -> None:
    baseline = plan(
        change("aws_db_instance.main", ["update"], {"restorable": "10:00", "p": 1}, {"restorable": "10:00", "p": 2})
    )
    candidate = plan(
        change("aws_db_instance.main", ["update"], {"restorable": "10:05", "p": 1}, {"restorable": "10:05", "p": 2})
    )
    assert changes_caused(baseline, candidate) == {}


def test_a_resource_only_the_candidate_creates_is_caused_by_it() -> None:
    assert changes_caused(plan(), plan(change("aws_sqs_queue.new", ["create"], None, {"name": "q"}))) == {
        "aws_sqs_queue.new": ["create"]
    }


def test_module_of_an_address() -> None:
    assert module_of(WORKER_TASK) == 'module.service["calendar-worker"]'
    assert module_of('module.service["a.b"].aws_iam_role.task') == 'module.service["a.b"]'
    assert module_of('aws_sqs_queue.service["ical"]') is None
