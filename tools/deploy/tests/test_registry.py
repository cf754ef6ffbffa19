"""Where images go: the repository's region, and no second push of a tag the repository holds."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from taskoverflow_deploy import registry
from taskoverflow_deploy.registry import Registry, local_image, region_of

URL = "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/taskoverflow-notifier"


def test_the_region_comes_from_the_repository_url() -> None:
    assert region_of(URL) == "ap-southeast-2"
    with pytest.raises(ValueError):
        region_of("docker.io/library/python")


def test_the_local_image_is_the_one_make_image_builds() -> None:
    assert local_image("calendar-worker", "abc1234") == "taskoverflow-calendar-worker:abc1234"


def test_a_tag_already_in_the_repository_is_not_pushed_again(monkeypatch) -> None:
    ecr = boto3.client("ecr", region_name="ap-southeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    commands = []
    monkeypatch.setattr(registry.subprocess, "run", lambda cmd, **kw: commands.append(cmd))
    with Stubber(ecr) as stub:
        stub.add_response(
            "describe_images",
            {"imageDetails": [{"imageTags": ["abc1234"]}]},
            {"repositoryName": "taskoverflow-notifier", "imageIds": [{"imageTag": "abc1234"}]},
        )
        assert Registry("ap-southeast-2", ecr).push("notifier", "abc1234", URL) is False
    assert commands == []  # immutable tags: a second push would fail


def test_a_new_tag_is_tagged_and_pushed_after_logging_in(monkeypatch) -> None:
    ecr = boto3.client("ecr", region_name="ap-southeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    commands = []
    monkeypatch.setattr(registry.subprocess, "run", lambda cmd, **kw: commands.append(cmd))
    with Stubber(ecr) as stub:
        stub.add_client_error("describe_images", "ImageNotFoundException")
        stub.add_response(
            "get_authorization_token",
            {
                "authorizationData": [
                    {
                        "authorizationToken": "QVdTOnRva2Vu",
                        "proxyEndpoint": "https://123456789012.dkr.ecr.ap-southeast-2.amazonaws.com",
                    }
                ]
            },
        )
        assert Registry("ap-southeast-2", ecr).push("notifier", "abc1234", URL) is True
    assert commands == [
        [
            "docker",
            "login",
            "--username",
            "AWS",
            "--password-stdin",
            "https://123456789012.dkr.ecr.ap-southeast-2.amazonaws.com",
        ],
        ["docker", "tag", "taskoverflow-notifier:abc1234", f"{URL}:abc1234"],
        ["docker", "push", f"{URL}:abc1234"],
    ]
