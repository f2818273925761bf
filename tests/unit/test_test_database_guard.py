"""The suite wipes the PostgreSQL database it is pointed at: only a database named for tests is accepted."""
import pytest

from tests.conftest import refuse_unless_test_database


@pytest.mark.parametrize("url", ["postgresql://wms@db/wms", "postgresql://u@h/production", "postgresql://u@h/test_x"])
def test_a_database_not_named_for_tests_is_refused(url):
    with pytest.raises(pytest.UsageError, match="_test"):
        refuse_unless_test_database(url)


def test_a_test_database_is_accepted():
    refuse_unless_test_database("postgresql://postgres@127.0.0.1/wms_test")
