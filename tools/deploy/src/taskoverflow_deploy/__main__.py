"""`python -m taskoverflow_deploy SERVICE|all TAG`: what `make deploy` and `make deploy-all` run."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import SERVICES
from .deploy import DeployError, deploy_all, deploy_service
from .registry import Registry, region_of
from .terraform import CONFIGURATION, Terraform, TerraformError


def _push(service: str, tag: str, repository_url: str) -> bool:
    return Registry(region_of(repository_url)).push(service, tag, repository_url)


def _confirm(question: str) -> bool:
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taskoverflow_deploy", description=__doc__)
    parser.add_argument("target", choices=[*SERVICES, "all"], help="the service to deploy, or all (the first deploy)")
    parser.add_argument("tag", help="the image tag: the git commit `make image` built it from")
    parser.add_argument("--yes", action="store_true", help="apply without asking")
    parser.add_argument(
        "--include-pending",
        action="store_true",
        help="also apply changes to the deployment that are waiting (otherwise a one-service deploy refuses)",
    )
    parser.add_argument(
        "--terraform-dir", type=Path, default=CONFIGURATION, help="the configuration (default: deploy/terraform)"
    )
    args = parser.parse_args(argv)

    terraform = Terraform(args.terraform_dir)
    if not (args.terraform_dir / ".terraform").is_dir():
        print(
            f"{args.terraform_dir} is not initialised: run `terraform init` there first (README.md, Deploying to AWS).",
            file=sys.stderr,
        )
        return 2
    confirm = (lambda _question: True) if args.yes else _confirm
    try:
        if args.target == "all":
            deploy_all(terraform, args.tag, push=_push, auto_approve=args.yes)
        else:
            with tempfile.TemporaryDirectory(prefix="taskoverflow-deploy-") as plan_dir:
                deploy_service(
                    terraform,
                    args.target,
                    args.tag,
                    push=_push,
                    confirm=confirm,
                    plan_dir=Path(plan_dir),
                    include_pending=args.include_pending,
                )
    except (DeployError, TerraformError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
