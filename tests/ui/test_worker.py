"""The worker thread shared by the Monte Carlo run and the export: Python's cyclic collector is
paused while any worker runs (a collection on a worker thread could destroy widgets off the GUI
thread, which deadlocked an export), and runs again on the GUI thread when the last one ends."""

import gc
import threading

from ui.worker import CancellableWorker, WorkerThread


class Recording(CancellableWorker):
    """Records whether the collector was on while it worked; waits for ``release`` if given."""

    def __init__(self, release: threading.Event | None = None) -> None:
        super().__init__()
        self.release = release
        self.collector_on_while_working: bool | None = None
        self.thread_name = ""

    def work(self) -> str:
        self.collector_on_while_working = gc.isenabled()
        self.thread_name = threading.current_thread().name
        if self.release is not None:
            self.release.wait(10)
        return "done"


def run(qtbot, worker: CancellableWorker, others_running: int = 0) -> None:
    """Run ``worker`` to its end, its thread's end handled on the GUI thread."""
    thread = WorkerThread(worker)
    results = []
    worker.finished.connect(results.append)
    with qtbot.waitSignal(thread.finished, timeout=10_000):
        thread.start()
    qtbot.waitUntil(lambda: WorkerThread.running == others_running)
    assert results == ["done"]


def test_the_collector_is_off_while_a_worker_runs_and_back_on_after(qtbot):
    assert gc.isenabled()
    worker = Recording()
    run(qtbot, worker)
    assert worker.collector_on_while_working is False
    assert worker.thread_name != threading.main_thread().name
    assert gc.isenabled()


def test_the_collector_stays_off_until_the_last_of_two_workers_ends(qtbot):
    release = threading.Event()
    first, second = Recording(release), Recording()
    first_thread = WorkerThread(first)
    first_thread.start()
    run(qtbot, second, others_running=1)
    assert not gc.isenabled(), "the first worker is still running"
    with qtbot.waitSignal(first_thread.finished, timeout=10_000):
        release.set()
    qtbot.waitUntil(lambda: WorkerThread.running == 0)
    assert gc.isenabled()
    assert first.collector_on_while_working is False and second.collector_on_while_working is False


def test_a_collector_turned_off_before_stays_off(qtbot):
    gc.disable()
    try:
        run(qtbot, Recording())
        assert not gc.isenabled()
    finally:
        gc.enable()
