"""Bad arguments get argparse's clear error and exit status 2, before any AWS call."""

import pytest

PUBLISH = ["--name", "q", "--client-name", "a"]
RECEIVE = ["--name", "q", "--receive"]


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ([], "the following arguments are required: --name"),
        (["--name", "q"], "--client-name is required to publish"),
        ([*PUBLISH, "--count", "0"], "--count: must be at least 1"),
        ([*PUBLISH, "--count", "many"], "--count: not a whole number: 'many'"),
        ([*PUBLISH, "--check"], "--check and --idle-exit apply only with --receive"),
        ([*RECEIVE, "--idle-exit", "0"], "--idle-exit: must be more than 0"),
        ([*RECEIVE, "--count", "5"], "--count and --prepend apply only when publishing"),
        (["--name", "", "--receive"], "--name: must not be empty"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(offline_demo, args, complaint):
    result = offline_demo.run(*args)

    assert result.returncode == 2
    assert "usage: queue-demo" in result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr
