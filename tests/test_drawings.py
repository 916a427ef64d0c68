"""The course's diagrams: the sampling loop's feedback, the many-to-one BPTT, gradient checks on shared axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

from course_utils import drawing, nb07, unrolled
from course_utils.plots import draw_unrolled_rnn, plot_gradient_check, plot_gradient_checks


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _feedback_lines(ax):
    colour = mcolors.to_rgba(drawing.OUTPUT[1])
    return [line for line in ax.lines if mcolors.to_rgba(line.get_color()) == colour]


def test_sampling_figure_feeds_each_draw_back_into_the_next_input():
    ax = nb07.draw_sampling_rnn(T=4, tokens=["m", "a", "r"])
    lines = _feedback_lines(ax)
    assert len(lines) == 3  # from y_hat<1>, y_hat<2>, y_hat<3>
    xs = [unrolled.DX * t for t in range(1, 5)]
    for t, line in enumerate(lines, start=1):
        x, y = line.get_data()
        assert (x[0], y[0]) == (xs[t - 1] + unrolled.OUT_W / 2, unrolled.Y_OUT)  # leaves y_hat<t> ...
        assert y[-1] == unrolled.Y_IN and xs[t - 1] < x[-1] < xs[t]  # ... and goes on to x<t+1>
    texts = [t.get_text() for t in ax.texts]
    assert {"m", "a", "r"} <= set(texts)  # the drawn tokens, on the arrows
    assert texts.count(r"$\sim \hat{y}^{\langle 1 \rangle}$") == 1
    assert ax.get_legend().get_texts()[0].get_text().startswith("sampled from ŷ⟨t⟩")


def test_sampling_figure_ends_with_a_draw_that_is_not_fed_back():
    ax = nb07.draw_sampling_rnn(T=3, tokens=["m", "a", "<EOS>"])
    assert len(_feedback_lines(ax)) == 3 and "stop" in [t.get_text() for t in ax.texts]
    with pytest.raises(ValueError, match="tokens"):
        nb07.draw_sampling_rnn(T=3, tokens=["m"])
    with pytest.raises(ValueError, match="tokens"):
        nb07.draw_sampling_rnn(T=3, tokens="ma")


def test_the_label_is_in_chinese_too_where_a_chinese_font_exists(monkeypatch):
    monkeypatch.setattr(drawing, "cjk_font", lambda: "Some CJK Font")
    assert drawing.bilingual("sampled", "采样")[0] == "sampled · 采样"
    monkeypatch.setattr(drawing, "cjk_font", lambda: None)  # no empty boxes in place of the characters
    assert drawing.bilingual("sampled", "采样") == ("sampled", {})


def test_many_to_one_backpropagation_has_one_loss_at_the_last_step():
    ax = draw_unrolled_rnn(T=4, show_backward=True, many_to_one=True)
    texts = [t.get_text() for t in ax.texts]
    assert [s for s in texts if "hat{y}" in s] == [drawing.sup(r"\hat{y}", 4)]
    assert texts.count(r"$\mathcal{L}$") == 1 and not any(r"\mathcal{L}^" in s or r"\sum" in s for s in texts)
    assert sum(r"W_{aa}^{\top}" in s for s in texts) == 4  # the gradient still goes back through every step
    every_step = [t.get_text() for t in draw_unrolled_rnn(T=4, show_backward=True).texts]
    assert sum(r"\mathcal{L}^" in s for s in every_step) == 4 + 1  # one loss per step, and their sum


def test_gradient_check_panels_share_their_axes():
    axes = plot_gradient_checks({"yours": {"dW": 3e-11, "db": 2e-10}, "bug": {"dW": 0.4, "db": 2e-10}})
    assert len(axes) == 2 and axes[0].get_xlim() == axes[1].get_xlim()
    low, high = axes[0].get_xlim()
    assert low < 3e-11 and high > 0.4
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    assert axes[0].get_title() == "yours\n(all passed)" and axes[1].get_title() == "bug\n(1 of 2 failed)"
    assert len(axes[0].figure.legends) == 1  # one legend for the figure
    alone = plot_gradient_check({"dW": 3e-11, "db": 2e-10})
    assert alone.get_xlim() != axes[0].get_xlim()  # on its own, a check has a range of its own


@pytest.mark.parametrize("checks", [{}, {"a": {}}, {1: {"x": 1.0}}, [("a", {"x": 1.0})],
                                    {"a": {"x": -1.0}}, {str(i): {"x": 1.0} for i in range(5)}])
def test_gradient_check_panels_reject_bad_input(checks):
    with pytest.raises(ValueError):
        plot_gradient_checks(checks)


def test_drawing_imports_no_matplotlib_until_it_draws():
    """A module may take the colour scheme from course_utils.drawing without importing matplotlib."""
    import subprocess
    import sys

    code = "import sys, course_utils.drawing; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
