"""`python -m taskoverflow_devstack`: same as `make up`."""

from .up import main

raise SystemExit(main())
