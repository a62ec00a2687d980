"""The benchmark: a seven-rule workload policy, a seeded event generator, a hand-written baseline."""
