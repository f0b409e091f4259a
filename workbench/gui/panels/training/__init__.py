"""The Training panel: the new-run form, the run controls and the live views of one run."""
