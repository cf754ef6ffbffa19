"""Reading saved Terraform plans (`terraform show -json`): what a plan changes, and what one
change of input causes compared with the plan without it."""

from __future__ import annotations

from collections.abc import Mapping

# Actions that leave the infrastructure as it is.
_UNCHANGED = (["no-op"], ["read"])


def _changes(plan: Mapping) -> dict[str, dict]:
    return {rc["address"]: rc["change"] for rc in plan.get("resource_changes", [])}


def _has_unknown(marks: object) -> bool:
    """after_unknown marks an unknown value True, at any depth of a nested attribute."""
    if isinstance(marks, dict):
        return any(_has_unknown(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_has_unknown(v) for v in marks)
    return marks is True


def _planned(change: Mapping) -> tuple:
    """The actions and the attributes they change (new value, or which parts are unknown until
    apply). Attributes a refresh read but the plan leaves alone (timestamps) are not part of it."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    changed = {
        name: (after.get(name), unknown.get(name))
        for name in sorted(before.keys() | after.keys() | unknown.keys())
        if before.get(name) != after.get(name) or _has_unknown(unknown.get(name))
    }
    return (change["actions"], changed)


def changed_resources(plan: Mapping) -> dict[str, list[str]]:
    """Address -> actions of every resource the plan creates, updates, replaces or deletes."""
    return {
        address: change["actions"] for address, change in _changes(plan).items() if change["actions"] not in _UNCHANGED
    }


def changes_caused(baseline: Mapping, candidate: Mapping) -> dict[str, list[str]]:
    """The resources `candidate` changes differently from `baseline` (two plans of the same
    state that differ in some inputs): what those inputs alone cause.

    Comparing plans, not reading one, separates the effect of an input from changes that are
    pending anyway (a configuration change not yet applied, or an emulator's harmless drift).
    """
    before, after = _changes(baseline), _changes(candidate)
    caused = {}
    for address in before.keys() | after.keys():
        old, new = before.get(address), after.get(address)
        if new is None:
            continue  # gone from the candidate: nothing in it to apply
        if old is None:
            if new["actions"] not in _UNCHANGED:
                caused[address] = new["actions"]
            continue
        if old["actions"] in _UNCHANGED and new["actions"] in _UNCHANGED:
            continue  # both leave it alone, whatever values a refresh read
        if _planned(old) != _planned(new):
            caused[address] = new["actions"]
    return caused


def module_of(address: str) -> str | None:
    """The module instance an address is in (`module.service["api"]`), None for the root."""
    if not address.startswith("module."):
        return None
    parts, depth = [], 0
    for index, char in enumerate(address):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            parts.append(index)
    # module.NAME[KEY].TYPE.NAME: the module instance ends at the second top-level dot.
    return address[: parts[1]] if len(parts) >= 2 else address
