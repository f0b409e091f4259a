"""The Latent panel's exploration tools (latent-gui-a): (tab title, widget class), each constructed as
`ToolWidget(session, parent)`. The analysis tools are in `tools.py`. No torch is imported here.
"""

from __future__ import annotations

from workbench.gui.panels.latent.arithmetic_tool import ArithmeticTool
from workbench.gui.panels.latent.interpolation_tool import InterpolationTool
from workbench.gui.panels.latent.sliders_tool import SlidersTool
from workbench.gui.panels.latent.traversal_tool import TraversalTool

BASIC_TOOL_TABS: list[tuple[str, type]] = [
    ("Interpolation", InterpolationTool),
    ("Arithmetic", ArithmeticTool),
    ("Traversal", TraversalTool),
    ("Sliders", SlidersTool),
]
