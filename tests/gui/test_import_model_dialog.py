"""File → Import model… in the real window: the dialog warns that the Python file's code runs, fills its form from
a TOML or takes it filled by hand, shows a bad import's one line and writes nothing, and an imported run opens
in the Latent tab (interpolation renders) while the Training tab refuses to train it."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.methods.imported.example import write_tiny_model

LOAD_TIMEOUT = 60_000


@pytest.fixture
def dialog(window, qtbot):
    from workbench.gui.import_model_dialog import ImportModelDialog

    window.menus.actions["import-model"].trigger()
    found = window.findChild(ImportModelDialog)
    assert found is not None and found.isVisible() and found.isModal()
    return found


def test_the_menu_entry_and_the_warning(window, dialog):
    file_menu = window.menuBar().actions()[0].menu()
    assert "&Import model…" in [a.text() for a in file_menu.actions()]
    warning = dialog.findChild(type(dialog.error), "import-warning").text()
    assert "runs the Python file's code" in warning and "Nothing from a weights file is ever run" in warning


def test_import_from_a_toml_then_explore_in_the_latent_tab(window, dialog, qtbot, tmp_path, workspace):
    toml = write_tiny_model(tmp_path / "mine", latent_dim=4, image_size=16, encoder=True)
    assert dialog.load_toml(toml)
    assert dialog.model_class.text() == "TinyGen" and dialog.latent_dim.value() == 4
    assert dialog.image_size.currentText() == "16" and dialog.encoder_box.isChecked()
    assert (dialog.range_min.value(), dialog.range_max.value()) == (0.0, 1.0)
    dialog.name.setText("mine")
    dialog.import_button.click()
    assert not dialog.error.isVisible(), dialog.error.text()
    assert [r.id for r in workspace.runs()] == ["mine"]
    assert workspace.runs()[0].notes()["imported_from"] == str(toml)  # the TOML's own manifest was used

    panel = window.latent_panel
    assert window.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.session.space is not None and not panel.session.loading, timeout=LOAD_TIMEOUT)
    assert "4-D latent" in panel.title.text() and "encoder" in panel.title.text()
    panel.sources.pin_prior(1)
    panel.sources.pin_prior(2)
    tool = panel.tool("Interpolation")
    tool.steps_spin.setValue(5)
    tool.interpolate_button.click()
    qtbot.waitUntil(lambda: tool.frames is not None, timeout=LOAD_TIMEOUT)
    assert tool.frames.shape[0] == 5 and np.ptp(tool.frames_uint8[0]) > 0

    training = window.training_panel
    window.tabs.setCurrentWidget(training)
    assert not training.controls.resume_button.isEnabled() and not training.controls.step_button.isEnabled()
    assert "imported model (read-only)" in training.controls.refusal_to_continue(workspace.runs()[0])
    training.new_run_from(workspace.runs()[0])
    assert "cannot be trained" in training.error_label.text()


def test_a_filled_form_imports_and_a_bad_one_says_why_and_writes_nothing(window, dialog, tmp_path, workspace):
    write_tiny_model(tmp_path / "mine", latent_dim=4, image_size=8)
    dialog.model_file.setText(str(tmp_path / "mine" / "tinygen.py"))
    dialog.model_class.setText("TinyGenerator")
    dialog.model_kwargs.setText("latent_dim = 4, size = 8")
    dialog.weights.setText(str(tmp_path / "mine" / "tinygen.safetensors"))
    dialog.latent_dim.setValue(4)
    dialog.image_size.setCurrentText("8")
    dialog.range_min.setValue(0)
    dialog.import_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text() == ("[model] class: tinygen.py has no class 'TinyGenerator'; it defines "
                                   "TinyEnc, TinyGen")
    assert workspace.runs() == [] and not workspace.runs_dir.exists()

    dialog.model_class.setText("TinyGen")
    dialog.model_kwargs.setText("latent_dim = 4, size = ")
    dialog.import_button.click()
    assert dialog.error.text().startswith("Generator arguments: write keyword arguments as TOML")
    dialog.model_kwargs.setText("latent_dim = 4, size = 8")
    dialog.import_button.click()
    assert not dialog.isVisible() and dialog.run is not None
    (run,) = workspace.runs()
    assert run.config.method.value_min == 0 and (run.path / "model" / "model.toml").is_file()
    assert run.notes()["imported_from"] == "the Import model dialog"
