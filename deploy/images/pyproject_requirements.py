"""Print the third-party requirements of the given pyproject.toml files, one a line, leaving out our
own packages (taskoverflow-*). The Dockerfiles install these first, as a layer of their own, so that
a change to the code rebuilds only the small layer that installs our packages."""

from __future__ import annotations

import re
import sys
import tomllib

_OWN = re.compile(r"^taskoverflow-", re.IGNORECASE)


def third_party_requirements(pyprojects: list[str]) -> list[str]:
    found: list[str] = []
    for path in pyprojects:
        with open(path, "rb") as file:
            for requirement in tomllib.load(file)["project"].get("dependencies", []):
                if not _OWN.match(requirement) and requirement not in found:
                    found.append(requirement)
    return found


if __name__ == "__main__":
    print("\n".join(third_party_requirements(sys.argv[1:])))
