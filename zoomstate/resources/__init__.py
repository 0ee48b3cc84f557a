"""One module per resource: the steps each part of a user (lifecycle, role, Zoom Phone,
Contact Center) needs, and the rules each kind of Zoom object must satisfy wherever it is
read from (a state file, a portal CSV file: `phone_rules.py`). Pure, like the core: no
I/O, no positions; callers say where."""
