"""The pure planning core: the operation vocabulary, the plan file, links between users,
seats, safety and order. No I/O."""
