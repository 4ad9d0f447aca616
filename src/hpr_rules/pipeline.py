"""Work done ahead in a second thread: the next batch of a file is read (Arrow's readers let go
of the interpreter) while the current one is checked; a file's first pass while the rules load."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def ahead(items: Iterable[T], name: str = "hpr-reader") -> Iterator[T]:
    """The items of ``items`` in order, each made in a second thread while the caller works on
    the one before (at most one made ahead). An exception there is raised here, where its item
    would have come; a caller that stops early stops the thread after its current item."""
    todo: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                if stop.is_set():
                    return
                todo.put((item, None))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            todo.put((None, exc))
            return
        todo.put((_DONE, None))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, exc = todo.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                todo.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def later(make: Callable[[], T], name: str = "hpr-later") -> Callable[[], T]:
    """``make()`` begun in a second thread now; the returned function waits for it and gives
    its result, or raises its exception, in the caller's thread (each time it is called)."""
    done: list = []

    def run():
        try:
            done.append((make(), None))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            done.append((None, exc))

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()

    def result() -> T:
        worker.join()
        value, exc = done[0]
        if exc is not None:
            raise exc
        return value
    return result


__all__ = ["ahead", "later"]
