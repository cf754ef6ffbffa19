"""What the Terraform tests share: whether terraform is there, and a private copy of deploy/terraform
to initialise and apply (so that no test writes .terraform or state into the repository)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from taskoverflow_deploy.terraform import CONFIGURATION

TERRAFORM = shutil.which("terraform")

# Every Terraform test needs the CLI; without it they are skipped, and say so (-ra lists the reason).
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None,
    reason="terraform is not installed (https://developer.hashicorp.com/terraform/install): the deployment is not checked",
)


def copy_configuration(destination: Path) -> Path:
    """deploy/terraform as it is in the working tree, without anything terraform wrote there."""
    shutil.copytree(
        CONFIGURATION,
        destination,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "*.tfplan"),
    )
    return destination
