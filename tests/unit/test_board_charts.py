"""Charts drawn as SVG on the server."""
import re

import pytest

from wms.board.charts import bar_chart, nice_ceiling, stacked_bar_chart


def bars(svg: str) -> list[tuple[str, str]]:
    return re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)">', svg)


def heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)]


def test_one_bar_per_label_in_order_with_its_value():
    svg = str(bar_chart([("Jan", 3), ("Feb", 0), ("Mar", 6)], title="Lots"))
    assert bars(svg) == [("Jan", "3"), ("Feb", "0"), ("Mar", "6")]
    # Zero draws no rectangle; heights are proportional to the values.
    first, third = heights(svg)
    assert third == pytest.approx(2 * first)


def test_the_axis_reads_in_round_numbers():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 11, 250)] == [1, 1, 5, 10, 20, 500]
    assert ">10</text>" in str(bar_chart([("a", 7)], title="t"))


def test_stacked_bars_add_their_series_and_show_a_legend():
    svg = str(stacked_bar_chart(["08", "09"], [("Ana", [2, 5]), ("Rui", [3, 0])], title="Units per hour"))
    assert bars(svg) == [("08", "5"), ("09", "5")]
    assert len(heights(svg)) == 3 + 2  # three segments, two legend swatches
    assert ">Ana</text>" in svg and ">Rui</text>" in svg


def test_labels_and_titles_are_escaped():
    svg = str(bar_chart([("<script>", 1)], title='"x"<'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError):
        stacked_bar_chart(["a", "b"], [("x", [1])], title="t")


def test_nothing_to_show_still_draws_the_empty_bars():
    svg = str(bar_chart([("a", 0), ("b", 0)], title="t"))
    assert len(bars(svg)) == 2 and heights(svg) == []
