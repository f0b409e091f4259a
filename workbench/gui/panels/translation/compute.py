"""What the Translate pane computes in background threads, as plain data (numpy arrays, strings).

An `InputItem` is one entry of the input strip: a held-out example of the run's dataset (both sides, so the
reverse direction and the ground truth are known) or an image file (one side only). `compute_rows` turns an item
into the rows the pane shows: input, translation, cycle reconstruction, ground truth and the absolute-difference
map. Nothing here touches Qt, and torch is imported inside the functions: the window builds the pane without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

STRIP_EXAMPLES = 8  # held-out examples per page of the strip


@dataclass(frozen=True)
class InputItem:
    """One input: float32 C×H×W arrays in [-1, 1] (plain data, safe to pass between threads)."""

    name: str
    a: np.ndarray  # the dataset's input side, or the image file
    b: np.ndarray | None = None  # the other side (ground truth of `a` when `paired`)
    paired: bool = False
    source: str = "example"  # "example" (held-out data), "file" or "painted" (a label map drawn in the pane)
    thumbnail: np.ndarray = field(default=None, repr=False)  # uint8 H×W×C of `a`

    @property
    def is_file(self) -> bool:
        return self.source == "file"


@dataclass(frozen=True)
class RowResult:
    """One row of views: a direction's input → translation (→ reconstruction), ground truth and |Δ| map."""

    direction: str  # "AtoB" or "BtoA"
    label: str  # "edges → photos"
    input_domain: str
    output_domain: str
    input: np.ndarray  # uint8 H×W×C
    translation: np.ndarray
    reconstruction: np.ndarray | None = None
    ground_truth: np.ndarray | None = None
    difference: np.ndarray | None = None  # H×W float32, pixel-range units
    difference_title: str = ""  # "|translation − ground truth|" or "|reconstruction − input|"
    note: str = ""  # why there is no difference map, for example
    comparison: np.ndarray | None = None  # the compared run's translation of the same input (uint8 H×W×C)
    comparison_title: str = ""  # "Pix2Pix · run-id"
    translation_title: str = ""  # the loaded run's method, named when a compared run is shown beside it


@dataclass(frozen=True)
class Loaded:
    """What a load hands the pane: the model (used only in background tasks) and the first examples."""

    model: Any
    items: list[InputItem]
    total: int  # examples in the split
    split: str
    note: str


def _item_from_example(examples: Any, k: int, to_uint8: Any) -> InputItem:
    a = examples.a[k].numpy().astype(np.float32)
    b = examples.b[k].numpy().astype(np.float32)
    return InputItem(name=f"{examples.split} #{examples.indices[k]}", a=a, b=b, paired=examples.paired,
                     source="example", thumbnail=to_uint8(examples.a[k]))


def example_items(model: Any, start: int = 0, n: int = STRIP_EXAMPLES) -> tuple[list[InputItem], int, str, str]:
    """Items for held-out examples start..start+n, the split's size, the split used and its note."""
    from workbench.translation.images import to_uint8

    examples = model.examples(n, split="test", start=start)
    total = model.example_count("test")
    return [_item_from_example(examples, k, to_uint8) for k in range(len(examples))], total, examples.split, \
        examples.note


def load(run: Any) -> Loaded:
    """Load the run's translation model and the first page of held-out examples (background thread)."""
    from workbench.translation.model import TranslationModel

    model = TranslationModel.from_run(run)
    items, total, split, note = example_items(model)
    return Loaded(model, items, total, split, note)


def load_files(model: Any, paths: list[Path]) -> tuple[list[InputItem], list[str]]:
    """Image files as items, prepared for the model; the problems of those that could not be read."""
    from workbench.translation.errors import TranslationError
    from workbench.translation.images import to_uint8

    items, problems = [], []
    for path in paths:
        try:
            image = model.load_image(path)
        except TranslationError as err:
            problems.append(str(err))
            continue
        items.append(InputItem(name=Path(path).name, a=image[0].numpy().astype(np.float32), source="file",
                               thumbnail=to_uint8(image[0])))
    return items, problems


def compute_rows(model: Any, item: InputItem, direction: str, partner: Any = None) -> list[RowResult]:
    """The chosen direction's row, and for CycleGAN the reverse row when the item has an other-domain image.

    `partner` (another TranslationModel taking the same inputs, e.g. a Pix2Pix run beside a SPADE run on the same
    label maps) adds its A→B translation of the forward input to the forward row."""
    import dataclasses

    import torch

    other = "BtoA" if direction == "AtoB" else "AtoB"
    if item.source != "example":
        forward_input, truth = item.a, None
        reverse_input, reverse_truth = None, None
    else:
        forward_input = item.a if direction == "AtoB" else item.b
        truth = (item.b if direction == "AtoB" else item.a) if item.paired else None
        reverse_input = item.b if direction == "AtoB" else item.a
        reverse_truth = forward_input if item.paired else None
    rows = [_row(model, torch.from_numpy(forward_input), direction, truth,
                 f"{'a painted label map' if item.source == 'painted' else 'a file'} has no ground truth")]
    if partner is not None and direction == "AtoB":
        from workbench.translation.images import to_uint8

        x = torch.from_numpy(forward_input).unsqueeze(0).float()
        rows[0] = dataclasses.replace(rows[0], comparison=to_uint8(partner.translate(x, "AtoB"))[0],
                                      comparison_title=partner_title(partner),
                                      translation_title=partner_title(model))
    if model.has_cycle and other in model.directions and reverse_input is not None:
        rows.append(_row(model, torch.from_numpy(reverse_input), other, reverse_truth, ""))
    return rows


def _row(model: Any, x: Any, direction: str, truth: np.ndarray | None, no_truth: str) -> RowResult:
    import torch

    from workbench.translation.images import abs_difference, to_uint8

    x = x.unsqueeze(0).float()
    translation = model.translate(x, direction)
    reconstruction = model.cycle(x, direction) if model.has_cycle else None
    difference, title, note = None, "", ""
    if truth is not None:
        difference = abs_difference(translation, torch.from_numpy(truth))
        title = "|translation − ground truth|"
    elif reconstruction is not None:
        difference = abs_difference(reconstruction, x)
        title = "|reconstruction − input|"
    else:
        note = f"No difference map: {no_truth}." if no_truth else "No ground truth."
    return RowResult(
        direction=direction, label=model.direction_label(direction), input_domain=model.input_domain(direction),
        output_domain=model.output_domain(direction), input=to_uint8(x)[0], translation=to_uint8(translation)[0],
        reconstruction=None if reconstruction is None else to_uint8(reconstruction)[0],
        ground_truth=None if truth is None else to_uint8(torch.from_numpy(truth)),
        difference=difference, difference_title=title, note=note)


def partner_title(partner: Any) -> str:
    """A translation view's title when two runs are shown: method and run, e.g. "Pix2Pix · pix2pix-0003"."""
    from workbench.methods.registry import method_spec

    name = method_spec(partner.method_name).display_name if partner.method_name else "other run"
    return f"{name} · {partner.run.id}" if partner.run is not None else name


def load_partner(run: Any, model: Any) -> Any:
    """The run to compare with, loaded (background thread); TranslationError when its inputs differ from
    `model`'s (another size, channel count or input domain)."""
    from workbench.translation.errors import TranslationError
    from workbench.translation.model import TranslationModel

    partner = TranslationModel.from_run(run)
    if not partner.accepts_inputs_of(model):
        raise TranslationError(f"run {run.id} translates {partner.direction_label('AtoB')} at "
                               f"{partner.image_size}×{partner.image_size} px, {partner.channels} channel(s); the "
                               f"loaded run takes {model.input_domain('AtoB')} at {model.image_size}×"
                               f"{model.image_size} px, {model.channels} channel(s): they cannot share an input")
    return partner


def label_ids(item: InputItem, colors: tuple[tuple[int, int, int], ...]) -> np.ndarray:
    """The class ids (int64 H×W) of an item's label map, read by the nearest palette colour."""
    import torch

    from workbench.data.label_maps import rgb_to_ids

    return rgb_to_ids(torch.from_numpy(item.a).unsqueeze(0), colors)[0].numpy()


def painted_item(ids: np.ndarray, colors: tuple[tuple[int, int, int], ...], name: str = "painted") -> InputItem:
    """A label map painted in the pane, as an input: drawn in the palette colours, in [-1, 1]."""
    from workbench.data.label_maps import ids_to_rgb

    rgb = ids_to_rgb(ids, colors)  # uint8 H×W×3
    a = rgb.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0
    return InputItem(name=name, a=a, source="painted", thumbnail=rgb)
