"""Per-resource rules: what each kind of Zoom object must satisfy, wherever it is read from
(a state file, a portal CSV file). Pure: no I/O, no positions; callers say where."""
