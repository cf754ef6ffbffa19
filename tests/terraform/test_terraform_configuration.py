"""deploy/terraform checked without applying it: formatting, validation, `terraform test` with a
mocked provider (names, redrive, IAM: deploy/terraform/tests), and checkov's security checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from taskoverflow_deploy.terraform import CONFIGURATION, Terraform, TerraformError
from terraform_helpers import copy_configuration, needs_terraform

CHECKOV = Path(sys.prefix) / "checkov" / "bin" / "checkov"  # its own virtualenv: it pins an older boto3


@needs_terraform
def test_the_configuration_is_formatted() -> None:
    try:
        Terraform(CONFIGURATION).run("fmt", "-check", "-recursive", "-diff")
    except TerraformError as error:
        pytest.fail(f"run `terraform fmt -recursive` in deploy/terraform:\n{error}")


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """A copy of the configuration, initialised without a backend (nothing is applied)."""
    terraform = Terraform(copy_configuration(tmp_path_factory.mktemp("terraform") / "configuration"))
    terraform.run("init", "-backend=false", "-input=false")
    return terraform


@needs_terraform
@pytest.mark.integration
def test_the_configuration_is_valid(initialised: Terraform) -> None:
    result = json.loads(initialised.run("validate", "-json"))
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=2)


@needs_terraform
@pytest.mark.integration
def test_terraform_test_passes_against_the_mocked_provider(initialised: Terraform) -> None:
    try:
        output = initialised.run("test", "-no-color")
    except TerraformError as error:
        pytest.fail(str(error))
    assert " 0 failed" in output and "Success!" in output, output


@pytest.fixture(scope="module")
def checkov_report() -> dict:
    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed at {CHECKOV}: `make install` installs it")
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(CONFIGURATION),
            "--framework",
            "terraform",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],  # --skip-download: it would call a remote service
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: checks failed (asserted below with their names)
    return json.loads(result.stdout)


@pytest.mark.integration
def test_checkov_finds_no_failed_check(checkov_report: dict) -> None:
    failed = [
        f"{c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']}:{c['file_line_range'][0]})"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert checkov_report["summary"]["parsing_errors"] == 0
    assert checkov_report["summary"]["passed"] > 100  # it did read the configuration


@pytest.mark.integration
def test_every_skipped_checkov_check_says_why(checkov_report: dict) -> None:
    skipped = checkov_report["results"]["skipped_checks"]
    without_reason = [
        f"{c['check_id']} on {c['resource']}"
        for c in skipped
        if len(c["check_result"].get("suppress_comment", "").strip()) < 20
    ]
    assert not without_reason, "each #checkov:skip=ID:reason needs a reason: " + ", ".join(without_reason)
