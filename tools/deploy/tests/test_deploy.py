"""A one-service deploy with a stand-in for terraform: what it refuses, what it applies."""

from __future__ import annotations

from pathlib import Path

import pytest
from taskoverflow_deploy.deploy import DeployError, deploy_service, tag_variables

WORKER = 'module.service["calendar-worker"]'


def change(address: str, actions: list[str], after: dict) -> dict:
    return {
        "address": address,
        "change": {"actions": actions, "before": {"image": "1"}, "after": after, "after_unknown": {}},
    }


class FakeTerraform:
    """Answers outputs/state/plan as terraform would for a deployment at tag 1; records applies."""

    def __init__(self, baseline_changes=(), candidate_extra=()):
        self.baseline_changes, self.candidate_extra = list(baseline_changes), list(candidate_extra)
        self.applied: list[Path] = []

    def outputs(self) -> dict:
        return {"image_tags": {"api": "1", "calendar-worker": "1", "notifier": "1"}}

    def state(self) -> dict:
        return {
            "resources": [
                {
                    "module": f'module.service["{s}"]',
                    "type": "aws_ecr_repository",
                    "name": "this",
                    "instances": [{"attributes": {"repository_url": f"r/{s}"}}],
                }
                for s in ("api", "calendar-worker", "notifier")
            ]
        }

    def plan(self, plan_file: Path, variables: dict, *extra: str) -> dict:
        changes = list(self.baseline_changes)
        if variables["calendar_worker_image_tag"] != "1":
            changes += [
                change(
                    f"{WORKER}.aws_ecs_task_definition.this",
                    ["create"],
                    {"image": variables["calendar_worker_image_tag"]},
                )
            ]
            changes += self.candidate_extra
        return {"resource_changes": changes}

    def apply_plan(self, plan_file: Path) -> None:
        self.applied.append(plan_file)


def deploy(terraform: FakeTerraform, tag: str = "2", **options):
    pushed = []
    options.setdefault("confirm", lambda _: True)
    plan = deploy_service(
        terraform,
        "calendar-worker",
        tag,
        push=lambda *a: pushed.append(a) or True,
        plan_dir=Path("/plans"),
        say=lambda _: None,
        **options,
    )
    return plan, pushed


def test_the_tag_variables_are_named_after_the_services() -> None:
    assert tag_variables({"calendar-worker": "abc", "api": "def"}) == {
        "calendar_worker_image_tag": "abc",
        "api_image_tag": "def",
    }


def test_a_deploy_pushes_then_applies_the_plan_it_showed() -> None:
    terraform = FakeTerraform()
    plan, pushed = deploy(terraform)
    assert pushed == [("calendar-worker", "2", "r/calendar-worker")]
    assert plan.caused == {f"{WORKER}.aws_ecs_task_definition.this": ["create"]}
    assert terraform.applied == [Path("/plans/calendar-worker.tfplan")]


def test_a_change_reaching_another_service_is_refused() -> None:
    terraform = FakeTerraform(
        candidate_extra=[change('module.service["api"].aws_ecs_service.this', ["update"], {"x": 1})]
    )
    with pytest.raises(DeployError, match=r'module.service\["api"\]'):
        deploy(terraform)
    assert terraform.applied == []


def test_changes_already_waiting_are_not_applied_by_a_one_service_deploy_unless_asked() -> None:
    waiting = [change("aws_sqs_queue.service", ["update"], {"x": 2})]
    with pytest.raises(DeployError, match=r"aws_sqs_queue\.service"):
        deploy(FakeTerraform(baseline_changes=waiting))

    terraform = FakeTerraform(baseline_changes=waiting)
    deploy(terraform, include_pending=True)
    assert len(terraform.applied) == 1


def test_the_tag_already_running_applies_nothing() -> None:
    terraform = FakeTerraform()
    plan, _ = deploy(terraform, tag="1")
    assert plan.caused == {} and terraform.applied == []


def test_a_declined_plan_is_not_applied() -> None:
    terraform = FakeTerraform()
    with pytest.raises(DeployError, match="Not applied"):
        deploy(terraform, confirm=lambda _: False)
    assert terraform.applied == []
