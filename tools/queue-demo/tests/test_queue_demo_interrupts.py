"""Ctrl-C in the middle of showing a message waits for it; a second Ctrl-C does not."""

import os
import signal

import pytest

from queue_demo.interrupts import Interrupts


@pytest.fixture
def interrupts():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    # As at a terminal: a suite run in the background starts with SIGINT ignored, and install()
    # rightly leaves an ignored SIGINT alone (its own test is the tool's, run as a process).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupts = Interrupts()
    interrupts.install()
    yield interrupts
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_stop_inside_held_waits_until_the_block_is_done(interrupts):
    finished = False

    with pytest.raises(KeyboardInterrupt), interrupts.held():
        os.kill(os.getpid(), signal.SIGINT)
        finished = True

    assert finished


def test_a_second_stop_inside_held_is_not_held_back(interrupts):
    finished = False

    with pytest.raises(KeyboardInterrupt), interrupts.held():
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        finished = True

    assert not finished


def test_a_stop_outside_held_is_immediate(interrupts):
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
