"""The analysis tools the Latent panel shows as tabs: (title, widget class), each constructed as
`ToolWidget(session, parent)`. Their modules import no torch: the core is imported inside methods and tasks.
The last three are for the models that offer them (StyleGAN's styles, SAGAN's attention and class embedding);
for any other model they say which methods they need.
"""

from __future__ import annotations

from workbench.gui.panels.latent.attention_tool import AttentionTool
from workbench.gui.panels.latent.class_blend_tool import ClassBlendTool
from workbench.gui.panels.latent.directions_tool import DirectionsTool
from workbench.gui.panels.latent.disentanglement_tool import DisentanglementTool
from workbench.gui.panels.latent.embedding_tool import EmbeddingTool
from workbench.gui.panels.latent.outliers_tool import OutliersTool
from workbench.gui.panels.latent.style_tool import StyleTool

TOOL_TABS: list[tuple[str, type]] = [
    ("Directions", DirectionsTool),
    ("Embedding", EmbeddingTool),
    ("Disentanglement", DisentanglementTool),
    ("Outliers", OutliersTool),
    ("Style", StyleTool),
    ("Attention", AttentionTool),
    ("Class blend", ClassBlendTool),
]
