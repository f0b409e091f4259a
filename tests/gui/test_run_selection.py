"""The shared run selection: order, current run, and colours that stay with their run."""

from __future__ import annotations

from workbench.gui.run_selection import PALETTE, RunSelection
from workbench.runs import Run


def test_colours_stay_with_their_run_and_freed_colours_are_reused(qtbot, tmp_path):
    runs = [Run(tmp_path / name) for name in ("a", "b", "c", "d")]
    selection = RunSelection()
    with qtbot.waitSignal(selection.changed):
        selection.set_runs(runs[:3])
    assert selection.run_ids() == ["a", "b", "c"] and selection.current().id == "c"
    assert [selection.colour(r).name() for r in "abc"] == [c.lower() for c in PALETTE[:3]]
    selection.set_runs([runs[2], runs[0]], current=runs[0])  # b leaves: a and c keep their colours
    assert selection.colour("c").name() == PALETTE[2].lower() and selection.colour("a").name() == PALETTE[0].lower()
    assert selection.current().id == "a" and selection.colour("b").name() == "#9e9e9e"
    selection.set_runs([runs[2], runs[0], runs[3]])  # d takes the colour b freed
    assert selection.colour("d").name() == PALETTE[1].lower()
    with qtbot.assertNotEmitted(selection.changed):
        selection.set_runs([runs[2], runs[0], runs[3]])
    selection.clear()
    assert selection.runs() == [] and selection.current() is None
