"""Every CSV the desk hands out opens right in a pt_BR Excel and cannot run a customer's text as a formula."""
import csv
import io

from wms import csv_export


def test_csv_is_semicolon_separated_with_a_bom_and_formulas_stay_text():
    data = csv_export.text(["name", "quantity"], [["=HYPERLINK(\"http://x\")", 3], ["@SUM(A1)", 0], ["Ana", 1]])
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:]), delimiter=";"))
    assert rows == [["name", "quantity"], ["'=HYPERLINK(\"http://x\")", "3"], ["'@SUM(A1)", "0"], ["Ana", "1"]]
