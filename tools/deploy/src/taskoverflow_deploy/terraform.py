"""Running the terraform CLI on deploy/terraform: variables in, saved plans and outputs out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import SERVICES

CONFIGURATION = Path(__file__).resolve().parents[4] / "deploy" / "terraform"
DEFAULT_PLUGIN_MIRROR = "/opt/tf-plugins"
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class TerraformError(RuntimeError):
    """terraform exited with an error; the message carries what it printed."""


def tag_variable(service: str) -> str:
    """The input variable holding a service's image tag: calendar-worker -> calendar_worker_image_tag."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}: one of {', '.join(SERVICES)}")
    return f"{service.replace('-', '_')}_image_tag"


def cli_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for terraform: where a local provider mirror exists (TF_PLUGIN_MIRROR,
    by default /opt/tf-plugins), a CLI configuration installing hashicorp providers from it
    only, so that init works without the registry."""
    env = dict(os.environ if base is None else base)
    mirror = Path(env.get("TF_PLUGIN_MIRROR", DEFAULT_PLUGIN_MIRROR))
    if (mirror / "registry.terraform.io").is_dir():
        config = Path(tempfile.gettempdir()) / f"taskoverflow-terraform-{os.getuid()}.tfrc"
        config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }}\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n'
            "}\n"
        )
        env["TF_CLI_CONFIG_FILE"] = str(config)
    env.setdefault("TF_IN_AUTOMATION", "1")  # no "run terraform apply next" hints in captured output
    return env


class Terraform:
    """The terraform CLI in one working directory (deploy/terraform, or a test's copy of it)."""

    def __init__(
        self,
        directory: Path = CONFIGURATION,
        env: Mapping[str, str] | None = None,
        binary: str = "terraform",
        timeout: float | None = None,
    ):
        self.directory = Path(directory)
        self.env = cli_environment(env)
        self.binary = binary
        self.timeout = timeout  # seconds any one command may take (None: no limit)

    def run(self, *args: str, capture: bool = True, timeout: float | None = None) -> str:
        """Run `terraform ARGS` and return its standard output; raise TerraformError on failure."""
        result = subprocess.run(
            [self.binary, *args],
            cwd=self.directory,
            env=self.env,
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            timeout=timeout or self.timeout,
        )
        if result.returncode != 0:
            detail = _COLOUR.sub("", (result.stderr or "") + (result.stdout or "")[-4000:]) if capture else ""
            raise TerraformError(f"terraform {' '.join(args)} failed (exit {result.returncode})\n{detail}".rstrip())
        return result.stdout or ""

    def outputs(self) -> dict[str, object]:
        """The root module's outputs in the current state (empty before the first apply)."""
        return {name: value["value"] for name, value in json.loads(self.run("output", "-json")).items()}

    def state(self) -> dict:
        """The current state, as stored (`terraform state pull`: no provider to load, unlike `show -json`)."""
        return json.loads(self.run("state", "pull") or "{}")

    def plan(self, plan_file: Path, variables: Mapping[str, str], *extra: str, timeout: float | None = None) -> dict:
        """Save a plan with `variables` to `plan_file` and return it as JSON (`terraform show -json`)."""
        self.run("plan", "-input=false", f"-out={plan_file}", *_var_args(variables), *extra, timeout=timeout)
        return json.loads(self.run("show", "-json", str(plan_file), timeout=timeout))

    def apply_plan(self, plan_file: Path, *, capture: bool = True, timeout: float | None = None) -> None:
        """Apply exactly the saved plan (what was shown is what happens)."""
        self.run("apply", "-input=false", str(plan_file), capture=capture, timeout=timeout)

    def apply(
        self,
        variables: Mapping[str, str],
        *extra: str,
        auto_approve: bool,
        capture: bool = True,
        timeout: float | None = None,
    ) -> None:
        """`terraform apply` with `variables`; without auto_approve terraform shows the plan and asks."""
        approve = ["-auto-approve"] if auto_approve else []
        self.run("apply", *approve, *_var_args(variables), *extra, capture=capture, timeout=timeout)


def _var_args(variables: Mapping[str, str]) -> Sequence[str]:
    return [f"-var={name}={value}" for name, value in sorted(variables.items())]


if __name__ == "__main__":  # `make terraform ARGS=...`: the CLI in deploy/terraform, with the mirror if there is one
    import sys

    sys.exit(subprocess.call(["terraform", *sys.argv[1:]], cwd=CONFIGURATION, env=cli_environment()))
