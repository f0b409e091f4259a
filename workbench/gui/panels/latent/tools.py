"""The analysis tools the Latent panel shows as tabs: (title, widget class), each constructed as
`ToolWidget(session, parent)`. Their modules import no torch: the core is imported inside methods and tasks.
"""

from __future__ import annotations

from workbench.gui.panels.latent.directions_tool import DirectionsTool
from workbench.gui.panels.latent.disentanglement_tool import DisentanglementTool
from workbench.gui.panels.latent.embedding_tool import EmbeddingTool
from workbench.gui.panels.latent.outliers_tool import OutliersTool

TOOL_TABS: list[tuple[str, type]] = [
    ("Directions", DirectionsTool),
    ("Embedding", EmbeddingTool),
    ("Disentanglement", DisentanglementTool),
    ("Outliers", OutliersTool),
]
