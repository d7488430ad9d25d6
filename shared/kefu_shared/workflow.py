"""State machines of aggregates (complaints, tickets…), declared as a transition table.

An aggregate declares its states and a table of :class:`Transition` (action → from-states
→ to-state, guard, required and optional fields). :meth:`Workflow.apply` is the one way
to change its state: it checks the action against the current state (else
:class:`IllegalTransition`, answered 409 problem+json with the allowed actions), the
required fields (else :class:`~kefu_shared.errors.InvalidInput`, 422, naming each field)
and the guard (else :class:`TransitionRefused`, 422); then sets the state and the fields,
hands a :class:`TransitionRecord` (who, when, why, which fields changed) to the audit
hook, and lets the aggregate raise its event (:meth:`WorkflowAggregate.transitioned`).

:meth:`Workflow.mermaid` prints the table as a Mermaid state diagram for the service docs
(``python -m kefu_shared.workflow complaint.workflow:COMPLAINT_WORKFLOW``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from kefu_shared.errors import BusinessRuleViolation, Conflict, InvalidInput


class IllegalTransition(Conflict):
    """The action is not possible from the aggregate's current state (409)."""

    slug = "illegal-transition"
    title = "Action not allowed in the current state"

    def __init__(self, *, action: str, state: str, allowed: list[str], subject: str) -> None:
        super().__init__(
            f"{subject} is {state}: {action} is not possible "
            f"(allowed: {', '.join(allowed) or 'none'})",
            action=action,
            state=state,
            allowed_actions=allowed,
        )


class TransitionRefused(BusinessRuleViolation):
    """The action is possible from this state, but a rule refuses it now (422)."""

    def __init__(self, *, action: str, state: str, reason: str) -> None:
        super().__init__(reason, action=action, state=state)


# A guard returns why the action is refused, or None to let it pass.
Guard = Callable[[Any, Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Transition:
    """One row of the table: ``action`` leads from any of ``sources`` to ``target``
    (``None``: stays in the state it was in, e.g. reassigning)."""

    action: str
    sources: tuple[str, ...]
    target: str | None
    guard: Guard | None = None
    required: tuple[str, ...] = ()  # fields that must be given (and not be blank)
    optional: tuple[str, ...] = ()  # fields that may be given
    reason_required: bool = False  # the "why" of the audit entry must be given

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class TransitionRecord:
    """The audit entry of one applied action."""

    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str | None = None
    # field → (before, after), only for fields whose value changed.
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


class WorkflowAggregate(Protocol):
    """An aggregate under a workflow raises its event from the applied transition."""

    def transitioned(self, record: TransitionRecord) -> None: ...


A = TypeVar("A", bound=WorkflowAggregate)
AuditHook = Callable[[TransitionRecord], None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Workflow(Generic[A]):
    """States and transition table of one kind of aggregate."""

    def __init__(
        self,
        name: str,
        *,
        states: Iterable[str],
        initial: str,
        transitions: Iterable[Transition],
        state_attr: str = "status",
    ) -> None:
        self.name = name
        self.states = tuple(states)
        self.initial = initial
        self.transitions = tuple(transitions)
        self.state_attr = state_attr
        self._table: dict[tuple[str, str], Transition] = {}
        known = set(self.states)
        if initial not in known:
            raise ValueError(f"{name}: initial state {initial!r} is not a state")
        for t in self.transitions:
            unknown = {*t.sources, *([t.target] if t.target else [])} - known
            if unknown:
                raise ValueError(f"{name}: {t.action} names unknown states {sorted(unknown)}")
            for source in t.sources:
                if (t.action, source) in self._table:
                    raise ValueError(f"{name}: {t.action} from {source} is declared twice")
                self._table[(t.action, source)] = t

    # --- questions ---------------------------------------------------------------------

    def allowed_actions(self, state: str) -> list[str]:
        """Actions possible from ``state``, in table order (guards not evaluated)."""
        return [t.action for t in self.transitions if state in t.sources]

    def transition(self, state: str, action: str) -> Transition | None:
        return self._table.get((action, state))

    def final_states(self) -> list[str]:
        return [s for s in self.states if not self.allowed_actions(s)]

    # --- the one way to change state ---------------------------------------------------

    def apply(
        self,
        aggregate: A,
        action: str,
        *,
        actor: str,
        audit: AuditHook,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> TransitionRecord:
        """Apply ``action`` to ``aggregate`` or raise without changing anything."""
        fields = dict(fields or {})
        state: str = getattr(aggregate, self.state_attr)
        t = self.transition(state, action)
        if t is None:
            raise IllegalTransition(
                action=action, state=state, allowed=self.allowed_actions(state), subject=self.name
            )
        errors = [
            {"field": f, "message": f"required to {action}", "type": "missing"}
            for f in t.required
            if _blank(fields.get(f))
        ]
        errors += [
            {"field": f, "message": f"not a field of {action}", "type": "extra_forbidden"}
            for f in fields
            if f not in t.fields
        ]
        if t.reason_required and _blank(reason):
            errors.append(
                {"field": "reason", "message": f"required to {action}", "type": "missing"}
            )
        if errors:
            raise InvalidInput(f"{action}: {', '.join(e['field'] for e in errors)}", errors=errors)
        if t.guard is not None:
            refusal = t.guard(aggregate, fields)
            if refusal:
                raise TransitionRefused(action=action, state=state, reason=refusal)

        target = t.target or state
        changes: dict[str, tuple[Any, Any]] = {}
        for name, value in fields.items():
            before = getattr(aggregate, name, None)
            if before != value:
                changes[name] = (before, value)
            setattr(aggregate, name, value)
        setattr(aggregate, self.state_attr, target)
        record = TransitionRecord(
            action=action,
            from_state=state,
            to_state=target,
            actor=actor,
            at=at or datetime.now(UTC),
            reason=reason,
            changes=changes,
        )
        audit(record)
        aggregate.transitioned(record)
        return record

    # --- documentation -----------------------------------------------------------------

    def mermaid(self) -> str:
        """The table as a Mermaid ``stateDiagram-v2`` (paste into the service's docs)."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for t in self.transitions:
            label = t.action
            guard_name = getattr(t.guard, "__name__", "") if t.guard else ""
            if guard_name and not guard_name.startswith("<"):
                label += f" [{guard_name}]"
            needs = list(t.required) + (["reason"] if t.reason_required else [])
            if needs:
                label += f" ({', '.join(needs)})"
            for source in t.sources:
                lines.append(f"    {source} --> {t.target or source}: {label}")
        lines += [f"    {s} --> [*]" for s in self.final_states()]
        return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a workflow as a Mermaid diagram.")
    parser.add_argument("target", help="module:attribute of a Workflow")
    args = parser.parse_args(argv)
    module_name, _, attr = args.target.partition(":")
    workflow = getattr(importlib.import_module(module_name), attr)
    # Run as ``python -m`` this module is ``__main__``; the target's class is the imported one.
    from kefu_shared.workflow import Workflow as ImportedWorkflow

    if not isinstance(workflow, Workflow | ImportedWorkflow):
        parser.error(f"{args.target} is not a Workflow")
    sys.stdout.write(workflow.mermaid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
