"""Pushing a locally built image to its service's ECR repository (docker CLI, boto3 for the login)."""

from __future__ import annotations

import base64
import subprocess


def local_image(service: str, tag: str) -> str:
    """The name `make image SERVICE=... TAG=...` gives the image it builds."""
    return f"taskoverflow-{service}:{tag}"


def region_of(repository_url: str) -> str:
    """ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME -> REGION."""
    host = repository_url.split("/", 1)[0]
    parts = host.split(".")
    if len(parts) < 6 or parts[1:3] != ["dkr", "ecr"]:
        raise ValueError(f"not an ECR repository URL: {repository_url!r}")
    return parts[3]


class Registry:
    """One ECR registry (an account in a region), reached with the caller's AWS credentials."""

    def __init__(self, region: str, ecr_client=None):
        if ecr_client is None:
            import boto3

            ecr_client = boto3.client("ecr", region_name=region)
        self.ecr = ecr_client

    def has_image(self, repository_url: str, tag: str) -> bool:
        """Whether the repository already holds `tag` (tags are immutable: it cannot be pushed twice)."""
        name = repository_url.split("/", 1)[1]
        try:
            self.ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": tag}])
        except self.ecr.exceptions.ImageNotFoundException:
            return False
        return True

    def login(self) -> None:
        """`docker login` to the registry with a 12-hour token (the same as `aws ecr get-login-password`)."""
        data = self.ecr.get_authorization_token()["authorizationData"][0]
        user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
        subprocess.run(
            ["docker", "login", "--username", user, "--password-stdin", data["proxyEndpoint"]],
            input=password,
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def push(self, service: str, tag: str, repository_url: str) -> bool:
        """Push the local image of `service` at `tag`; False when the repository already has it."""
        if self.has_image(repository_url, tag):
            return False
        self.login()
        remote = f"{repository_url}:{tag}"
        subprocess.run(["docker", "tag", local_image(service, tag), remote], check=True)
        subprocess.run(["docker", "push", remote], check=True)
        return True
