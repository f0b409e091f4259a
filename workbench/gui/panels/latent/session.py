"""The Latent panel's shared state: the loaded latent space and the pinned codes every tool takes its inputs from.

A `LatentSession` lives in the GUI thread. Tools read `session.space` (a `workbench.latent.model.LatentSpace`, or
None) and `session.pins` (a list of `workbench.latent.codes.PinnedCode`), listen to `space_changed`,
`pins_changed` and `directions_changed`, and report with `status` / `error`. Long work goes through
`session.run_task`, which runs it in the background (a `TaskGroup`: one torch thread) and drops results that
arrive after another run was loaded. Pins are saved to the run folder after every change while `autosave` is on, so the
codes a user collected survive a restart.

A model with an intermediate latent space (StyleGAN's W, `IntermediateLatent`) can be explored in W instead of z
(`set_latent_kind("w")`): `space` becomes the W view of the loaded space (`base_space`), whose codes are styles
w = f(z), so every tool works in W unchanged. The pins of z are mapped through the mapping network (the same images:
decoding z is decoding f(z)); codes pinned and directions found in W are kept in the run's `latent/w/`, apart from
the z files of `latent/` (`run` is then a `WSpaceFiles` around the run; `loaded_run` is the run either way).

This module imports no torch: the core is imported inside methods, after a run is chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal

from workbench.compat import one_torch_thread
from workbench.gui.panels.base import TaskGroup
from workbench.methods.capabilities import IntermediateLatent
from workbench.runs.examples import is_example

LATENT_KINDS = ("z", "w")
MAPPED_NOTE = "mapped to W through the mapping network"


def to_uint8(images) -> np.ndarray:  # noqa: ANN001 - a float tensor N×C×H×W in [-1, 1]
    """Images in [-1, 1] (N×C×H×W tensor) → uint8 N×H×W×C numpy, the form that crosses threads and is shown."""
    return images.detach().clamp(-1, 1).add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).contiguous().numpy()


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`... so that every pin has its own name."""
    if name not in taken:
        return name
    i = 2
    while f"{name} ({i})" in taken:
        i += 1
    return f"{name} ({i})"


class LatentSession(QObject):
    """The loaded LatentSpace, its run, and the pinned codes; every slot and signal is in the GUI thread."""

    space_changed = Signal()  # `space` (and `run`) changed; `space` may be None
    pins_changed = Signal()  # `pins` changed (added, removed, renamed, loaded)
    directions_changed = Signal()  # saved directions of the run changed (emit after save_directions)
    status = Signal(str)  # one line for the panel's status bar
    error = Signal(str, str)  # message, details (a traceback or "")
    busy_changed = Signal(bool)  # a load or a task started / ended
    closing = Signal()  # the window is closing: tools stop their threads

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.space = None  # workbench.latent.model.LatentSpace | None: what the tools explore (z, or W)
        self.base_space = None  # the loaded LatentSpace of z (the run's model), also while W is explored
        self.run = None  # workbench.runs.Run | None: where pins and directions are saved (None while in W)
        self.loaded_run = None  # the run whose checkpoint is loaded, also while W is explored
        self.latent_kind = "z"  # "z" or "w": which space `space` is
        self._z_pins: list = []  # while in W: the pins of z, given back on the way back
        self._w_pins: list = []  # codes pinned in W, kept across switches until another space is loaded
        self.pins: list = []  # PinnedCode, in the order they were pinned
        self.autosave = True
        self.loading = False
        self.tasks = TaskGroup(self, self.status.emit, self.error.emit, ("LatentError: ",))  # one torch thread each
        self.tasks.busy_changed.connect(lambda _busy: self.busy_changed.emit(self.busy))
        self._thumbnails: dict[int, tuple[object, np.ndarray]] = {}  # id(pin) → (pin, uint8 H×W×C)

    # ---- loading -----------------------------------------------------------------------------------------
    def load_run(self, run) -> None:  # noqa: ANN001 - a workbench.runs.Run
        """Load `run`'s latest checkpoint and its saved pins in the background; `space_changed` follows."""
        self.tasks.invalidate()
        self.loading = True
        self.busy_changed.emit(True)
        self.status.emit(f"Loading the latest checkpoint of {run.id}…")

        def work():  # noqa: ANN202 - background thread: no Qt
            from workbench.latent.codes import load_codes
            from workbench.latent.model import LatentSpace

            space = LatentSpace.from_run(run)
            try:
                pins, problem = load_codes(run), ""
            except ValueError as err:  # a corrupt codes file must not keep the model from loading
                pins, problem = [], f"The saved pins could not be read: {err}"
            return space, pins, problem

        def done(value) -> None:  # noqa: ANN001
            space, pins, problem = value
            self._loaded()
            self.set_space(space, run, pins)
            if problem:
                self.error.emit(problem, "")

        def failed(_message: str, _details: str) -> None:  # the message is shown by the task group
            self._loaded()
            self.set_space(None, run)

        self.tasks.start(work, done, on_failed=failed)

    def _loaded(self) -> None:
        self.loading = False
        self.busy_changed.emit(self.busy)

    def set_space(self, space, run=None, pins: Sequence = ()) -> None:  # noqa: ANN001
        """Show `space` (None: nothing loaded) with `pins`; used by `load_run` and by tests with a live method."""
        self.tasks.invalidate()
        if self.loading:  # a load still under way is superseded: its result will be dropped
            self.loading = False
            self.busy_changed.emit(self.busy)
        self.space = self.base_space = space
        self.run = self.loaded_run = run if run is not None else getattr(space, "run", None)
        self.latent_kind = "z"
        self._z_pins, self._w_pins = [], []
        self.pins = list(pins)
        self._thumbnails.clear()
        self.space_changed.emit()
        self.pins_changed.emit()
        if space is not None:
            self.status.emit(f"Loaded {self.describe()}.")

    # ---- z or W ------------------------------------------------------------------------------------------
    @property
    def offers_w(self) -> bool:
        """The loaded model has an intermediate latent space W that the tools can explore instead of z."""
        return self.base_space is not None and isinstance(self.base_space.method, IntermediateLatent)

    def set_latent_kind(self, kind: str) -> None:
        """Explore z ("z") or the W space ("w") of the loaded model; the pins follow (see the module's docstring)."""
        if kind not in LATENT_KINDS:
            raise ValueError(f"the latent space is 'z' or 'w', got {kind!r}")
        if kind == self.latent_kind or self.base_space is None:
            return
        if kind == "w" and not self.offers_w:
            raise ValueError(f"{self.base_space.method_name} has no intermediate latent space W")
        if kind == "w":
            from workbench.latent.w_space import WSpaceFiles, w_latent_space

            space = w_latent_space(self.base_space)
            run = WSpaceFiles(self.loaded_run) if self.loaded_run is not None else None
            self._z_pins = list(self.pins)
            if not self._w_pins and run is not None:  # codes pinned in W on an earlier visit, kept in latent/w/
                from workbench.latent.codes import load_codes
                from workbench.latent.errors import LatentError

                try:
                    self._w_pins = load_codes(run)
                except LatentError as err:
                    self.status.emit(f"The codes pinned in W could not be read: {err}")
            mapped = self._mapped_to_w(self._z_pins)
            kept = [p for p in self._w_pins if not _same_code_in(p, mapped)]
            taken = {p.name for p in mapped}
            pins = mapped + [dataclasses.replace(p, name=unique_name(p.name, taken)) for p in kept]
            message = (f"Exploring W: {len(mapped)} pinned code{'s' if len(mapped) != 1 else ''} of z "
                       f"{MAPPED_NOTE} (the same images).")
        else:
            mapped = self._mapped_to_w(self._z_pins)
            self._w_pins = [p for p in self.pins if not _same_code_in(p, mapped)]
            space, run, pins = self.base_space, self.loaded_run, self._z_pins
            kept = len(self._w_pins)
            message = "Exploring z again" + (f"; {kept} code{'s' if kept != 1 else ''} pinned in W kept for W."
                                             if kept else ".")
        self.tasks.invalidate()
        # Pass through "nothing loaded" first: a tool that keeps results without a run to save them in (the
        # directions list) forgets them only then, so nothing found in one space is offered in the other.
        self.space = None
        self.space_changed.emit()
        self.space, self.run, self.latent_kind = space, run, kind
        self.pins = list(pins)
        self._thumbnails.clear()
        self.space_changed.emit()
        self.pins_changed.emit()
        self.status.emit(message)

    def _mapped_to_w(self, pins: Sequence) -> list:
        """The pins of z as codes of W: w = f(z), which decodes to the same image."""
        if not pins:
            return []
        import torch

        with one_torch_thread():
            ws = self.base_space.method.map_to_w(torch.stack([p.z.float() for p in pins])).float()
        return [dataclasses.replace(p, z=w.clone(), detail=f"{p.detail}; {MAPPED_NOTE}" if p.detail else MAPPED_NOTE)
                for p, w in zip(pins, ws, strict=True)]

    def describe(self, with_run: bool = True) -> str:
        """One line about the loaded space: run, method, latent size, what it can do."""
        space = self.space
        if space is None:
            return "nothing loaded"
        if self.latent_kind == "w":
            latent = (f"exploring W: {space.latent_dim}-D styles w = f(z) of the {self.base_space.latent_dim}-D z, "
                      f"pins of z {MAPPED_NOTE}; what is found in W is kept in the run's latent/w/")
        else:
            latent = f"{space.latent_dim}-D latent" + (" z (W available)" if self.offers_w else "")
        parts = [latent, "×".join(str(s) for s in space.image_shape[1:]) + f" px, {space.image_shape[0]} ch"]
        if space.has_encoder:
            parts.append("encoder")
        if space.is_vae:
            parts.append("VAE posterior (KL ordering)")
        if space.classes:
            parts.append(f"conditional on {len(space.classes)} classes")
        if not space.has_encoder:
            parts.append("no encoder: images are inverted")
        where = f"{self.loaded_run.id} · " if self.loaded_run is not None and with_run else ""
        return where + " · ".join(parts)

    # ---- pins --------------------------------------------------------------------------------------------
    def add_pins(self, codes: Sequence) -> list:
        """Pin `codes` (PinnedCode), renaming duplicates; returns the pins as stored."""
        taken = {p.name for p in self.pins}
        added = []
        for code in codes:
            name = unique_name(code.name, taken)
            taken.add(name)
            added.append(dataclasses.replace(code, name=name) if name != code.name else code)
        if added:
            self.pins.extend(added)
            self._pins_edited(f"Pinned {', '.join(p.name for p in added)}.")
        return added

    def remove_pins(self, indices: Sequence[int]) -> None:
        drop = set(indices)
        if not drop:
            return
        self.pins = [p for i, p in enumerate(self.pins) if i not in drop]
        self._pins_edited(f"Removed {len(drop)} pinned code{'s' if len(drop) != 1 else ''}.")

    def rename_pin(self, index: int, name: str) -> None:
        name = name.strip()
        if not name or name == self.pins[index].name:
            return
        taken = {p.name for i, p in enumerate(self.pins) if i != index}
        self.pins[index] = dataclasses.replace(self.pins[index], name=unique_name(name, taken))
        self._pins_edited(f"Renamed to {self.pins[index].name}.")

    def move_pin(self, index: int, to: int) -> None:
        pin = self.pins.pop(index)
        self.pins.insert(max(0, min(to, len(self.pins))), pin)
        self._pins_edited("")

    def clear_pins(self) -> None:
        if self.pins:
            self.pins = []
            self._pins_edited("Cleared the pinned codes.")

    def save_pins(self):  # noqa: ANN201 - the Path written, or None without a run
        """Write the pins to `<run>/latent/codes.*` (also called after every change while `autosave` is on)."""
        if self.run is None:
            return None
        from workbench.latent.codes import save_codes

        return save_codes(self.run, self.pins)

    def reload_pins(self) -> None:
        """Replace the pins with those saved in the run."""
        if self.run is None:
            return
        from workbench.latent.codes import load_codes

        try:
            pins = load_codes(self.run)
        except ValueError as err:
            self.error.emit(f"The saved pins could not be read: {err}", "")
            return
        self.pins = list(pins)
        self.pins_changed.emit()
        self.status.emit(f"Loaded {len(pins)} pinned code{'s' if len(pins) != 1 else ''} from the run.")

    def _pins_edited(self, message: str) -> None:
        live = {id(p) for p in self.pins}
        self._thumbnails = {k: v for k, v in self._thumbnails.items() if k in live}
        self.pins_changed.emit()
        if self.autosave and self.run is not None and not is_example(self.run):  # an example's stay in memory
            try:
                self.save_pins()
            except Exception as err:  # noqa: BLE001 - a read-only run folder must not lose the pins in memory
                self.error.emit(f"Pins kept in memory but not saved to the run: {err}", "")
        if message:
            self.status.emit(message)

    # ---- decoding ----------------------------------------------------------------------------------------
    def labels_tensor(self, labels: Sequence[int | None]):  # noqa: ANN201 - LongTensor N, or None
        """Class labels for `decode` (None where the model is not conditional)."""
        if self.space is None or not self.space.classes:
            return None
        import torch

        return torch.tensor([0 if label is None else int(label) for label in labels], dtype=torch.long)

    def decode(self, z, labels: Sequence[int | None] | None = None) -> np.ndarray:  # noqa: ANN001 - tensor N×D
        """Decode codes on the calling thread, one torch thread: uint8 N×H×W×C."""
        return to_uint8(self.decode_tensor(z, labels))

    def decode_tensor(self, z, labels: Sequence[int | None] | None = None):  # noqa: ANN001, ANN201
        """Decode codes to float images in [-1, 1] (N×C×H×W), one torch thread."""
        if self.space is None:
            raise RuntimeError("no latent space loaded")
        label_tensor = self.labels_tensor(labels if labels is not None else [None] * z.shape[0])
        with one_torch_thread():
            return self.space.decode(z, label_tensor)

    def thumbnail(self, pin) -> np.ndarray:  # noqa: ANN001 - a PinnedCode
        """The pin decoded (uint8 H×W×C), cached while it stays pinned."""
        cached = self._thumbnails.get(id(pin))
        if cached is not None and cached[0] is pin:
            return cached[1]
        image = self.decode(pin.z.reshape(1, -1), [pin.label])[0]
        self._thumbnails[id(pin)] = (pin, image)
        return image

    def pin_labels(self, pins: Sequence) -> list[int | None]:
        return [p.label for p in pins]

    def class_name(self, label: int | None) -> str:
        if label is None or self.space is None or not self.space.classes:
            return ""
        return self.space.classes[label] if 0 <= label < len(self.space.classes) else str(label)

    # ---- background work ---------------------------------------------------------------------------------
    def run_task(self, work: Callable[[], object], on_done: Callable[[object], None], what: str = "",
                 on_failed: Callable[[str, str], None] | None = None):  # noqa: ANN201 - the BackgroundTask
        """Run `work()` in a background thread on one torch thread; `on_done(result)` in the GUI thread.

        Results that arrive after another space was loaded are dropped. Failures are reported through
        `error` (and `on_failed`, if given). Returns the started task.
        """
        return self.tasks.start(work, on_done, what, on_failed)

    @property
    def busy(self) -> bool:
        return self.loading or self.tasks.busy


def _same_code_in(pin, pins: Sequence) -> bool:  # noqa: ANN001 - a PinnedCode
    """`pin`'s code is one of `pins`' codes (a code of z mapped to W, met again)."""
    return any(p.z.shape == pin.z.shape and bool((p.z == pin.z).all()) for p in pins)
