"""The two deploys README.md walks through: all three services (the first deploy from nothing),
and one service, whose plan may change that service's resources and nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import SERVICES
from .plans import changed_resources, changes_caused, module_of
from .terraform import Terraform, tag_variable

# push(service, tag, repository_url) -> whether it pushed (False: the repository had the tag).
Push = Callable[[str, str, str], bool]
Confirm = Callable[[str], bool]


class DeployError(RuntimeError):
    """The deploy cannot go on; the message says why and what to do."""


def tag_variables(tags: Mapping[str, str]) -> dict[str, str]:
    """{service: tag} -> the input variables that carry them."""
    return {tag_variable(service): tag for service, tag in tags.items()}


def deployed_tags(terraform: Terraform) -> dict[str, str]:
    """The image tag each service runs, from the state (output `image_tags`)."""
    tags = terraform.outputs().get("image_tags")
    if not isinstance(tags, dict) or set(tags) != set(SERVICES):
        raise DeployError("Nothing is deployed yet (the state has no image_tags): run `make deploy-all` first.")
    return tags


def service_module(service: str) -> str:
    return f'module.service["{service}"]'


def repository_urls(terraform: Terraform) -> dict[str, str]:
    """Each service's ECR repository URL, from the state (after the first deploy's targeted
    apply the state holds the repositories but no outputs yet)."""
    urls = {}
    for resource in terraform.state().get("resources", []):
        module, kind = resource.get("module", ""), resource["type"]
        if kind == "aws_ecr_repository" and module in {service_module(s) for s in SERVICES}:
            urls[module.split('"')[1]] = resource["instances"][0]["attributes"]["repository_url"]
    if set(urls) != set(SERVICES):
        raise DeployError(
            f"The state has repositories for {sorted(urls) or 'no service'}: run `make deploy-all` first."
        )
    return urls


@dataclasses.dataclass(frozen=True)
class ServicePlan:
    """A saved plan that changes one service's image tag, and what it would change."""

    service: str
    tag: str
    plan_file: Path
    caused: dict[str, list[str]]  # address -> actions the tag change causes
    pending: dict[str, list[str]]  # changes the plan makes without it (not yet applied, or drift)

    @property
    def outside_service(self) -> list[str]:
        return sorted(a for a in self.caused if module_of(a) != service_module(self.service))


def plan_service(terraform: Terraform, service: str, tag: str, plan_dir: Path) -> ServicePlan:
    """Plan the deployed state with and without `service` at `tag`, and compare the two."""
    tags = deployed_tags(terraform)
    plan_file = plan_dir / f"{service}.tfplan"
    # Both at once: each mostly waits on AWS while refreshing. The baseline is never applied, so
    # it need not hold the state lock the candidate takes.
    with ThreadPoolExecutor(max_workers=2) as pool:
        baseline = pool.submit(terraform.plan, plan_dir / "deployed.tfplan", tag_variables(tags), "-lock=false")
        candidate = pool.submit(terraform.plan, plan_file, tag_variables({**tags, service: tag}))
        baseline, candidate = baseline.result(), candidate.result()
    return ServicePlan(service, tag, plan_file, changes_caused(baseline, candidate), changed_resources(baseline))


def describe(changes: Mapping[str, list[str]]) -> str:
    return "\n".join(f"  {'/'.join(actions):<16} {address}" for address, actions in sorted(changes.items()))


def deploy_service(
    terraform: Terraform,
    service: str,
    tag: str,
    *,
    push: Push,
    confirm: Confirm,
    plan_dir: Path,
    include_pending: bool = False,
    say: Callable[[str], None] = print,
) -> ServicePlan:
    """Push `service`'s image at `tag` and roll its ECS service; nothing else changes."""
    repository_url = repository_urls(terraform)[service]
    say(f"{service}: {'pushed' if push(service, tag, repository_url) else 'already in'} {repository_url}:{tag}")
    plan = plan_service(terraform, service, tag, plan_dir)
    if plan.outside_service:
        # A tag is meant to reach its own task definition only; anything else is a configuration bug.
        raise DeployError(
            f"Changing {service}'s tag would also change:\n{describe({a: plan.caused[a] for a in plan.outside_service})}"
        )
    if plan.pending and not include_pending:
        raise DeployError(
            "The deployment has changes waiting that are not this deploy's (apply or revert them first,"
            f" or pass --include-pending to apply them with it):\n{describe(plan.pending)}"
        )
    if not plan.caused:
        say(f"{service} already runs {tag}: nothing to deploy.")
        return plan
    say(f"Deploying {service} {tag} changes:\n{describe(plan.caused)}")
    if plan.pending:
        say(f"and applies the changes that were waiting:\n{describe(plan.pending)}")
    if not confirm("Apply this plan?"):
        raise DeployError("Not applied.")
    terraform.apply_plan(plan.plan_file)
    say(f"{service} is rolling to {tag}; ECS replaces its tasks (and rolls back if the new ones keep failing).")
    return plan


def repository_targets() -> list[str]:
    return [f"-target={service_module(s)}.aws_ecr_repository.this" for s in SERVICES]


def deploy_all(
    terraform: Terraform,
    tag: str,
    *,
    push: Push,
    auto_approve: bool,
    interactive: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    """The first deploy (or all three at once): repositories, then images, then everything else.

    Without auto_approve, terraform shows the whole plan and asks before applying it."""
    variables = tag_variables(dict.fromkeys(SERVICES, tag))
    # The repositories must exist before an image can be pushed, and the services need the images.
    terraform.apply(variables, *repository_targets(), auto_approve=True)
    repositories = repository_urls(terraform)
    for service in SERVICES:
        say(
            f"{service}: {'pushed' if push(service, tag, repositories[service]) else 'already in'} {repositories[service]}:{tag}"
        )
    terraform.apply(variables, auto_approve=auto_approve, capture=not interactive)
