"""One set of modules per resource kind, all pure (no I/O, no positions; callers say where):

- `<kind>_spec.py`: the kind's block in the state (`phone_spec.py`, `contact_center_spec.py`);
  `zoomstate.model` composes them into `UserSpec`;
- `<kind>.py`: the steps the kind needs and, as an `Aspect` (`zoomstate/core/aspect.py`),
  how its live and desired values compare and how it exports (registry: `aspects.py`);
- `<kind>_rules.py`: the rules it must satisfy wherever it is read from (a state file, a
  portal CSV file), written once (`phone_rules.py`).
"""
