"""Per-resource planning: the steps each part of a user (lifecycle, role, Zoom Phone,
Contact Center) needs. Pure, like the core."""
