"""Worker processes that can neither hang a run nor outlive it.

:class:`WorkerPool` starts ``jobs`` processes, each holding the batch engine (forked with the
rulesets already compiled where that is safe, else spawned and given the engine's recipe), and
runs tasks on them, results in task order, at most a window of tasks ahead of the one awaited.

- **No hang.** Every wait is on the workers' results *and* on their process sentinels: a
  worker that dies (killed, out of memory, a crash in C) ends the run with an error naming
  it, and a worker that cannot start (a plug-in failing to load in a spawned process) says so
  before any task is sent. An exception raised by a task comes back whole (a plug-in's
  :class:`~tariffcore.PluginError` names the plug-in) and ends the run.
- **No orphan.** A worker asks the kernel to kill it when its parent dies (Linux
  ``PR_SET_PDEATHSIG``) and also watches its parent itself: a run killed outright (SIGKILL)
  leaves no worker behind. A run that stops otherwise (an error, SIGTERM, Ctrl-C) stops its
  workers on the way out.
- **No file.** Tasks and results travel through pipes; nothing is written to disk.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import TariffcoreError

__all__ = ["WorkerError", "WorkerPool"]


#: How worker processes start when no method is given (``None``: fork where safe, else spawn).
START_METHOD: str | None = None


class WorkerError(TariffcoreError):
    """A worker process stopped or failed in a way that was not a task's own exception."""


_READY = "ready"
_DONE = "done"
_FAILED = "failed"


class _Worker:
    def __init__(self, context: Any, engine: Any, parent: int) -> None:
        tasks_out, tasks_in = context.Pipe(duplex=False)
        results_out, results_in = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve, args=(engine, tasks_out, results_in, parent), daemon=True, name="tariffcore-worker"
        )
        self.process.start()
        tasks_out.close()
        results_in.close()
        self.tasks: Connection = tasks_in
        self.results: Connection = results_out
        self.task: int | None = None  # the index of the task it holds
        self.ready = False


class WorkerPool:
    """``jobs`` worker processes holding ``engine``; use it as a context manager.

    ``method`` is how they start: ``fork`` (with the rulesets already compiled) where that is
    safe, on Linux with no other thread running, else ``spawn`` (the default chooses).
    """

    def __init__(self, jobs: int, engine: Any, method: str | None = None) -> None:
        method = method or START_METHOD
        if method is None:
            method = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
        context = multiprocessing.get_context(method)
        self.workers: list[_Worker] = []
        parent = os.getpid()
        if method != "fork":  # a spawned worker loads the engine itself, and says if it cannot
            engine = pickle.dumps(engine)
        try:
            for _ in range(jobs):
                self.workers.append(_Worker(context, engine, parent))
            self._started()
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.close()
        else:
            self.stop()

    def _started(self) -> None:
        """Wait until every worker is ready, or raise why one is not."""
        while not all(worker.ready for worker in self.workers):
            for worker, message in self._messages([w for w in self.workers if not w.ready]):
                kind, _, value = message
                if kind == _READY:
                    worker.ready = True
                else:
                    raise value

    def _messages(self, workers: list[_Worker]) -> Iterator[tuple[_Worker, tuple[str, int, Any]]]:
        """The messages of ``workers`` ready now (waiting for one); a worker that has stopped
        without a message is a :class:`WorkerError`."""
        by_handle: dict[Any, _Worker] = {}
        for worker in workers:
            by_handle[worker.results] = worker
            by_handle[worker.process.sentinel] = worker
        for handle in wait(list(by_handle)):
            worker = by_handle[handle]
            if handle is worker.results:
                try:
                    message = worker.results.recv()
                except (EOFError, OSError):
                    raise self._died(worker) from None
                yield worker, message
            elif not worker.results.poll():  # stopped, with nothing left to say
                raise self._died(worker)

    def _died(self, worker: _Worker) -> WorkerError:
        worker.process.join(5)
        code = worker.process.exitcode
        how = (
            f"was killed by signal {-code}"
            if code is not None and code < 0
            else f"stopped (exit status {code})"
        )
        doing = f" while working on part {worker.task + 1}" if worker.task is not None else ""
        return WorkerError(f"worker process {worker.process.pid} {how}{doing}; the run cannot finish")

    def map(
        self, function: Callable[[Any, Any], Any], items: Iterable[Any], window: int | None = None
    ) -> Iterator[Any]:
        """``function(engine, item)`` for every item, on the workers, yielded in item order;
        at most ``window`` items (default: twice the workers) are handed out ahead of the
        one yielded next. An exception a task raises is raised here."""
        window = window or 2 * len(self.workers)
        source = iter(items)
        done: dict[int, Any] = {}
        sent = next_out = 0
        exhausted = False
        idle = list(self.workers)
        while True:
            while idle and not exhausted and sent - next_out < window:
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                worker = idle.pop()
                worker.task = sent
                worker.tasks.send((sent, function, item))
                sent += 1
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and next_out == sent:
                return
            busy = [worker for worker in self.workers if worker.task is not None]
            if not busy:  # every task handed out is back: hand out the next ones
                continue
            for worker, (kind, index, value) in self._messages(busy):
                if kind == _FAILED:
                    raise value
                done[index] = value
                worker.task = None
                idle.append(worker)

    def close(self) -> None:
        """Let the workers finish and stop (the run has succeeded)."""
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.tasks.send(None)
        deadline = time.monotonic() + 10
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
        self.stop()

    def stop(self) -> None:
        """Stop every worker now (SIGTERM, then SIGKILL) and wait for it to go."""
        for worker in self.workers:
            if worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.process.terminate()
        deadline = time.monotonic() + 5
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                with contextlib.suppress(OSError):
                    worker.process.kill()
                worker.process.join(5)
            for conn in (worker.tasks, worker.results):
                with contextlib.suppress(OSError):
                    conn.close()


_END = object()


# --------------------------------------------------------------------------- in the worker


def _serve(engine: Any, tasks: Connection, results: Connection, parent: int) -> None:
    """A worker's life: die with the parent, hold the engine, run tasks until told to stop."""
    _bound_to(parent)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stop when told to, quietly
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        if isinstance(engine, bytes):  # spawned: the engine's recipe, loaded here
            engine = pickle.loads(engine)
    except BaseException as exc:  # a plug-in that cannot load in this process, and the like
        results.send((_FAILED, -1, _portable(exc)))
        return
    results.send((_READY, -1, None))
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, function, item = task
        try:
            answer = (_DONE, index, function(engine, item))
        except BaseException as exc:
            answer = (_FAILED, index, _portable(exc))
        try:
            results.send(answer)
        except Exception as exc:  # a result that cannot be sent (pickled) is the task's error
            results.send((_FAILED, index, _portable(exc)))


def _bound_to(parent: int) -> None:
    """Make this process die with ``parent``: the kernel's parent-death signal on Linux, and a
    watch of its own everywhere."""
    if sys.platform == "linux":
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="tariffcore-parent-watch", daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` as it can travel back to the parent: itself when it pickles (and unpickles), else
    a :class:`WorkerError` holding its type, message and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        details = "".join(traceback.format_exception(exc))
        return WorkerError(f"a worker process failed: {type(exc).__name__}: {exc}\n{details}")
