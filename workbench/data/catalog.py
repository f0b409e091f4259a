"""The list of datasets the app offers, without importing torch (the new-run form reads it at start-up)."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import ConfigError


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    summary: str
    labelled: bool
    needs_root: bool
    default_channels: int
    # "images" (N×C×H×W in [-1, 1]), "points" (N×2), or an image-to-image kind whose batches are (input, target):
    # "paired", "unpaired" or "super_resolution", or "voxels" (occupancy grids; see workbench.data.dataset.DataInfo)
    kind: str = "images"
    options: str = ""  # which DataConfig fields matter and how, one line for `workbench datasets` and the form
    factors: bool = False  # known factors / attributes available through `dataset.factors(indices)`
    label_maps: bool = False  # paired data whose input side (AtoB) is a semantic label map (SPADE trains on it)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind of data this dataset offers a method: label-map pairs are also plain pairs (Pix2Pix)."""
        return (self.kind, "label_maps") if self.label_maps else (self.kind,)


_IMAGE_OPTIONS = "image_size (resized), channels 1 or 3"
_ROOT_OPTIONS = "root (the folder holding {folder}/, never downloaded), image_size, channels 1 or 3"
_PHOTOS = "2,000 crops (fewer above 128 px) of 7 photos shipped with scikit-image/scikit-learn; test: 2 held-out photos"
_VOXEL_OPTIONS = "image_size = grid side: 16, 32 (default) or 64 voxels; channels ignored (one occupancy channel)"
_TRANSLATION_OPTIONS = "image_size (crop size), channels 1 or 3, direction (BtoA swaps input and target)"

def _torchvision_root(name: str, summary: str, channels: int, folder: str) -> DatasetSpec:
    """A labelled torchvision dataset read from the user's local root (never downloaded)."""
    return DatasetSpec(name, summary, labelled=True, needs_root=True, default_channels=channels,
                       options=_ROOT_OPTIONS.format(folder=folder))


_DATASETS = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "digits",
            "1,797 real handwritten digits 0-9 (scikit-learn), 8×8 upsampled to the image size, labelled",
            labelled=True,
            needs_root=False,
            default_channels=1,
            options=_IMAGE_OPTIONS,
        ),
        DatasetSpec(
            "shapes2d",
            "dSprites factor grid: 737,280 white shapes on black (3 shapes × 6 scales × 40 orientations × 32×32 "
            "positions), rendered on the fly, labelled by shape, all five factors known",
            labelled=True,
            needs_root=False,
            default_channels=1,
            options="image_size (64 = dSprites' size; 32 renders the same scene at 32×32), channels 1 or 3",
            factors=True,
        ),
        DatasetSpec(
            "shapes2d-correlated",
            "100,000 fixed shapes2d factor tuples in which scale follows shape (squares small, hearts large; "
            "correlation ≈ 0.86): entangled attributes",
            labelled=True,
            needs_root=False,
            default_channels=1,
            options="image_size (64 = dSprites' size; 32 renders the same scene at 32×32), channels 1 or 3",
            factors=True,
        ),
        DatasetSpec(
            "gaussians2d-ring",
            "50,000 2-D points from 8 Gaussians on a circle of radius 2 (std 0.02), labelled by mode",
            labelled=True,
            needs_root=False,
            default_channels=1,
            kind="points",
            options="none (image_size and channels are ignored)",
        ),
        DatasetSpec(
            "gaussians2d-grid",
            "50,000 2-D points from 25 Gaussians on a 5×5 grid with spacing 2 (std 0.05), labelled by mode",
            labelled=True,
            needs_root=False,
            default_channels=1,
            kind="points",
            options="none (image_size and channels are ignored)",
        ),
        DatasetSpec(
            "voxels3d",
            "2,000 procedural 3-D shapes of 7 classes (sphere, box, cylinder, cone, torus, chair, table) with random "
            "size, proportions and orientation, labelled by class; test: 200 other shapes",
            labelled=True,
            needs_root=False,
            default_channels=1,
            kind="voxels",
            options=_VOXEL_OPTIONS,
        ),
        DatasetSpec(
            "edges2photos",
            f"paired: Canny edge maps (black on white) → photos; {_PHOTOS}",
            labelled=False,
            needs_root=False,
            default_channels=3,
            kind="paired",
            options=_TRANSLATION_OPTIONS + "; AtoB = edges → photos",
        ),
        DatasetSpec(
            "gray2color",
            f"paired: greyscale → colour photos; {_PHOTOS}",
            labelled=False,
            needs_root=False,
            default_channels=3,
            kind="paired",
            options="image_size (crop size), channels must be 3, direction (AtoB = gray → color; BtoA swaps)",
        ),
        DatasetSpec(
            "labels2scenes",
            "paired: semantic label maps (sky, ground, square, ellipse, heart; one colour per class) → scenes that "
            "paint each class with its own texture, details varying per image; 2,000 generated scenes (fewer above "
            "128 px); test: 200 others",
            labelled=False,
            needs_root=False,
            default_channels=3,
            kind="paired",
            label_maps=True,
            options="image_size (16 or more), channels must be 3, direction (AtoB = label map → scene; BtoA swaps)",
        ),
        DatasetSpec(
            "photo2stylized",
            "unpaired: photos → the same kind of photos in one fixed colour/tone style, 1,000 different crops on "
            "each side; 7 photos shipped with scikit-image/scikit-learn; test: 2 held-out photos",
            labelled=False,
            needs_root=False,
            default_channels=3,
            kind="unpaired",
            options=_TRANSLATION_OPTIONS + "; AtoB = photo → stylized",
        ),
        DatasetSpec(
            "sr-photos",
            f"super-resolution: bicubic downscale by data.scale → photos; {_PHOTOS}",
            labelled=False,
            needs_root=False,
            default_channels=3,
            kind="super_resolution",
            options="image_size (HR crop size; LR = image_size ÷ scale, at least 4), scale 2 or 4, channels 1 or 3",
        ),
        _torchvision_root("mnist", "MNIST from your local torchvision root: "
                          "60,000 handwritten digits 28×28, labelled", 1, "MNIST"),
        _torchvision_root("fashion-mnist", "FashionMNIST from your local torchvision root: "
                          "60,000 clothing images 28×28, 10 classes", 1, "FashionMNIST"),
        _torchvision_root("cifar10", "CIFAR-10 from your local torchvision root: "
                          "50,000 colour photos 32×32, 10 classes", 3, "cifar-10-batches-py"),
        DatasetSpec(
            "celeba",
            "CelebA from your local torchvision root: 202,599 aligned faces with 40 binary attributes, "
            "decoded lazily",
            labelled=False,
            needs_root=True,
            default_channels=3,
            options=_ROOT_OPTIONS.format(folder="celeba"),
            factors=True,
        ),
        DatasetSpec(
            "folder",
            "your own folder of images: flat, or one subfolder per class (torchvision ImageFolder)",
            labelled=True,
            needs_root=True,
            default_channels=3,
            options="root (your folder), image_size (centre-cropped and resized), channels 1 or 3",
        ),
        DatasetSpec(
            "voxel-folder",
            "your own 3-D shapes: .npy grids, .binvox files and .obj/.stl/.ply meshes (voxelised, filled when "
            "closed), flat or one subfolder per class; test split: root/test/",
            labelled=True,
            needs_root=True,
            default_channels=1,
            kind="voxels",
            options="root (your folder; root/train/ if present), image_size = grid side: 16, 32 (default) or 64 "
                    "voxels (larger grids max-pooled, smaller ones enlarged); channels ignored",
        ),
        DatasetSpec(
            "cyclegan-folder",
            "your unpaired images of two domains (CycleGAN layout): root/trainA/ and root/trainB/, testA/ and testB/ "
            "for the test split",
            labelled=False,
            needs_root=True,
            default_channels=3,
            kind="unpaired",
            options="root (holding trainA/ and trainB/), image_size (centre-cropped and resized), channels 1 or 3, "
                    "direction (AtoB = A → B)",
        ),
        DatasetSpec(
            "pix2pix-folder",
            "your aligned pairs (pix2pix layout): A|B side by side in each image, in root/train/ or root; test/ or "
            "val/ for the test split",
            labelled=False,
            needs_root=True,
            default_channels=3,
            kind="paired",
            options="root (holding train/, or the A|B images themselves), image_size (each half resized), "
                    "channels 1 or 3, direction (AtoB = left half → right half)",
        ),
        DatasetSpec(
            "spade-folder",
            "your label maps and photos (SPADE layout): root/labels/ (pixel value = class id, greyscale or palette "
            "PNGs) and root/images/ matched by name, optional root/classes.txt; test/labels/ and test/images/ for "
            "the test split",
            labelled=False,
            needs_root=True,
            default_channels=3,
            kind="paired",
            label_maps=True,
            options="root (holding labels/ and images/), image_size (centre-cropped; labels resized nearest, photos "
                    "bicubic), channels must be 3, direction (AtoB = label map → photo)",
        ),
        DatasetSpec(
            "sr-folder",
            "your high-resolution images: native-resolution crops (HR) and their bicubic downscale (LR); test split: "
            "root/test/ or every 10th image",
            labelled=False,
            needs_root=True,
            default_channels=3,
            kind="super_resolution",
            options="root (your HR images), image_size (HR crop size, cut and never resized; LR = image_size ÷ "
                    "scale, at least 4), scale 2 or 4, channels 1 or 3",
        ),
    )
}


def available_datasets() -> list[DatasetSpec]:
    return list(_DATASETS.values())


def dataset_spec(name: str) -> DatasetSpec:
    if name not in _DATASETS:
        raise ConfigError(f"data.name: unknown dataset {name!r}; valid: {', '.join(_DATASETS)}")
    return _DATASETS[name]
