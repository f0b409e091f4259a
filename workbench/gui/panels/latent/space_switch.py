"""The "Space: Z | W" choice of the Latent tab, shown only for models with an intermediate latent space W
(StyleGAN's mapping output, `IntermediateLatent`).

In W every tool (interpolation, arithmetic, traversals, sliders, directions, inversion) works on the styles
w = f(z) instead of the codes z: the mapping network lets W follow the data's factors, so straight paths and linear
directions there change images more evenly than in z. The switch only asks the session (`set_latent_kind`), which
maps the pinned codes and says what happened in the status line. No torch is imported here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QWidget

from workbench.gui.widgets.factory import fill

SWITCH_TIP = ("Z: the codes z the model draws. W: the styles w = f(z) of the mapping network, less entangled than z, "
              "so interpolations and directions there change images more evenly (the StyleGAN paper's perceptual "
              "path length; it interpolates linearly in W). Pinned codes of z are mapped to W through the mapping "
              "network (the same images); codes pinned and directions found in W are not saved in the run, whose "
              "files hold z codes.")


class SpaceSwitch(QWidget):
    """Two radio buttons, Z and W, bound to `session.latent_kind`; hidden unless the model offers W."""

    def __init__(self, session, parent: QWidget | None = None) -> None:  # noqa: ANN001 - a LatentSession
        super().__init__(parent)
        self.session = session
        self.setObjectName("latent-space-switch")
        self.z_button = QRadioButton("Z")
        self.w_button = QRadioButton("W")
        self.z_button.setObjectName("latent-space-z")
        self.w_button.setObjectName("latent-space-w")
        self.group = QButtonGroup(self)
        for button in (self.z_button, self.w_button):
            button.setToolTip(SWITCH_TIP)
            self.group.addButton(button)
        self.z_button.setChecked(True)
        caption = QLabel("Space")
        caption.setToolTip(SWITCH_TIP)
        # What happened to the pins is said in the status line and the title (no room in this row on a laptop).
        fill(QHBoxLayout(self), caption, self.z_button, self.w_button, 16, margins=0, spacing=6)
        self.w_button.toggled.connect(self._toggled)
        session.space_changed.connect(self._follow)
        session.busy_changed.connect(lambda _busy: self._follow())
        self._follow()

    def _toggled(self, w_chosen: bool) -> None:
        kind = "w" if w_chosen else "z"
        try:
            if kind != self.session.latent_kind:
                self.session.set_latent_kind(kind)
        finally:  # a failure (reported by the window) leaves the buttons showing the space explored
            self._follow()

    def _follow(self) -> None:
        """Show the switch for a model with W, checked as the session explores, disabled while a load runs."""
        session = self.session
        if session.space is None and session.base_space is not None:
            return  # the session passes through "nothing loaded" while it switches
        self.setVisible(session.offers_w)
        self.setEnabled(not session.loading)
        in_w = session.latent_kind == "w"
        if self.w_button.isChecked() != in_w:
            self.w_button.blockSignals(True)
            self.z_button.blockSignals(True)
            (self.w_button if in_w else self.z_button).setChecked(True)
            self.w_button.blockSignals(False)
            self.z_button.blockSignals(False)
