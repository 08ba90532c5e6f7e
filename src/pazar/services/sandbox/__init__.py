"""The sandbox's use cases: its clock, admin key, moderation controls, journal, faults and snapshots."""
