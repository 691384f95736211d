"""A pytest plugin that runs every test as if today were $TODAY (YYYY-MM-DD), for
scripts/date_sweep. Not loaded by the default suite: `-p tests.time_travel`.

The application's clock moves (timezone.now, date.today, time.time) and keeps ticking; the
database's clock does not, so the code should stamp times from the application's clock, as it
does. Celery worker subprocesses and the browser are not moved: the sweep leaves those tests out.
"""

import datetime as dt
import os

import pytest
import time_machine


@pytest.fixture(autouse=True)
def _today_is_moved():
    today = dt.date.fromisoformat(os.environ["TODAY"])
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 10, tzinfo=dt.UTC)):
        yield
