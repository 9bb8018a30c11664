"""Garbage is collected only between events on the GUI thread once a window exists: Python's
automatic collection, run on the export's worker thread or inside a Qt call holding one of Qt's
locks, destroyed widgets where Qt forbids it and froze the window (both seen in test runs)."""

import gc
import threading
import weakref

from ui.worker import CancellableWorker, WorkerThread, _collector


class Cycle:
    """An object kept alive only by a reference to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


class Recording(CancellableWorker):
    """Records on which thread it worked and whether the collector was on automatically."""

    collector_on = None
    thread_name = ""

    def work(self) -> str:
        self.collector_on = gc.isenabled()
        self.thread_name = threading.current_thread().name
        return "done"


def test_with_a_window_the_collector_runs_between_events_only(window):
    assert not gc.isenabled()
    (collector,) = _collector
    assert collector.timer.isActive() and collector.timer.interval() == 1000
    gc.collect()  # a fresh start: what follows is young garbage
    cycle = Cycle()
    freed = weakref.ref(cycle)
    del cycle
    filler = [[] for _ in range(2 * gc.get_threshold()[0])]  # past the youngest generation's threshold
    assert freed() is not None  # no automatic collection
    collector.check()  # what the timer does, between events
    assert freed() is None
    del filler


def test_a_worker_runs_on_its_own_thread_without_the_automatic_collector(window, qtbot):
    worker = Recording()
    thread = WorkerThread(worker)
    results = []
    worker.finished.connect(results.append)
    with qtbot.waitSignal(thread.finished, timeout=10_000):
        thread.start()
    qtbot.waitUntil(lambda: results == ["done"])
    assert worker.thread_name != threading.main_thread().name
    assert worker.collector_on is False
