"""Image-to-image translation with a trained run (Pix2Pix, CycleGAN), headless: what the Translate pane and
`workbench translate` use.

    from workbench.translation import TranslationModel, translate_folder
    model = TranslationModel.from_run(run)
    y = model.translate(x, "AtoB")                      # N×C×H×W in [-1, 1]
    for done, total, path, problem in translate_folder(model, "in/", "out/"):
        ...
"""

from __future__ import annotations

from workbench.translation.batch import FileProgress, output_path, summarize, translate_files, translate_folder
from workbench.translation.errors import TranslationError
from workbench.translation.images import abs_difference, load_image_file, save_png, to_uint8
from workbench.translation.model import Examples, TranslationModel, is_translation_method

__all__ = [
    "Examples",
    "FileProgress",
    "TranslationError",
    "TranslationModel",
    "abs_difference",
    "is_translation_method",
    "load_image_file",
    "output_path",
    "save_png",
    "summarize",
    "to_uint8",
    "translate_files",
    "translate_folder",
]
