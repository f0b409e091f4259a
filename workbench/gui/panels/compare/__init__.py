"""The Compare tab: several runs overlaid (curves and image grids)."""
