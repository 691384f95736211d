"""Two racers, each in its own thread with its own database connection, released together
by a barrier round after round (tests/moderation/test_concurrency.py races once per pair of
threads; hundreds of rounds need the threads, and their connections, kept)."""

import contextlib
import threading

from django.db import connection

TIMEOUT = 30


class Race:
    """`run(data)` releases every call at once with `data` and returns what each returned or
    raised, in the order given; the caller checks the database between rounds."""

    def __init__(self, *calls):
        self._start = threading.Barrier(len(calls) + 1)
        self._done = threading.Barrier(len(calls) + 1)
        self._data = None
        self._stopping = False
        self._outcomes: list = [None] * len(calls)
        self.backend_pids: list = [None] * len(calls)
        self._threads = [
            threading.Thread(target=self._loop, args=(i, call), daemon=True)
            for i, call in enumerate(calls)
        ]
        for thread in self._threads:
            thread.start()

    def _loop(self, index, call):
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backend_pids[index] = cursor.fetchone()[0]
            while True:
                self._start.wait(TIMEOUT)
                if self._stopping:
                    return
                try:
                    self._outcomes[index] = call(self._data)
                except Exception as error:  # noqa: BLE001 - the test inspects every outcome
                    self._outcomes[index] = error
                self._done.wait(TIMEOUT)
        except threading.BrokenBarrierError:
            return
        finally:
            connection.close()

    def run(self, data) -> list:
        self._data = data
        self._outcomes = [None] * len(self._threads)
        self._start.wait(TIMEOUT)
        self._done.wait(TIMEOUT)
        return list(self._outcomes)

    def close(self) -> None:
        self._stopping = True
        with contextlib.suppress(threading.BrokenBarrierError):
            self._start.wait(5)
        self._start.abort()
        self._done.abort()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)
            assert not thread.is_alive(), "a racing thread hung: a lock was never released"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
