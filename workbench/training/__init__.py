"""The training loop (a generator of events), checkpoints, control and guards."""
