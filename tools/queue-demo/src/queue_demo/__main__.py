"""Lets the tool run as `python -m queue_demo`."""

import sys

from queue_demo.cli import main

sys.exit(main())
