"""Evaluating a stored run: its latest checkpoint scored with the measures that fit its method (FID, KID, IS,
reconstruction, disentanglement...) and the scores stored in the run folder. The Evaluate tab and `workbench eval`
use it; the measures themselves (on plain arrays and feature extractors) are `workbench.metrics`."""
