"""A second process for the archive's many documents: it parses (or dumps) ahead while this one
writes the ones already done to the database, so that an import or an export costs about the
larger of the two, not their sum. The worker ends with the process that started it."""

import contextlib
import gc
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from .documents import Document, DocumentError, _content_pickle, parse, sha256, write_back

# Below this many documents a worker process costs more than it saves.
PARALLEL_MIN = 16


def parse_many(raws, parallel=True, worker=None):
    """Parse documents in order, yielding each Document or the DocumentError it raised.

    With many documents a second process parses ahead while the caller writes the ones already
    parsed to the database, so an import costs about the larger of the two, not their sum.
    ``worker``: that process, started earlier by ``parse_worker``."""
    for raw, result in zip(raws, _many(_parse_or_error, raws, parallel, pool=worker)):
        if not isinstance(result, tuple):
            yield result
        elif result[0] == "error":
            yield DocumentError(*result[1:])
        else:
            _, content, known_digest, head, closing = result
            data, body = pickle.loads(content)
            yield Document(data, body, head, closing, text=raw.decode("utf-8"), known_digest=known_digest)


def write_back_many(jobs, count=None):
    """``write_back`` over many (source, synced_digest, data, body, reformat), in order; in a
    second process when there are many, so dumping overlaps with reading the database. ``jobs``
    is a list, or an iterable of ``count`` jobs: a generator lets the caller build the next
    documents while the second process dumps the first ones. Reading the database takes less
    time than dumping, so this process dumps one job in four itself, in its turn."""
    return _many(_write_back_job, jobs, count=count, own_share=4)


def _write_back_job(job):
    return write_back(*job)


@contextlib.contextmanager
def parse_worker(expected):
    """The worker process ``parse_many`` would start, started now if ``expected`` documents are
    enough to want one (else None): its interpreter starts while the caller reads the files."""
    if not _worker_helps(expected, True):
        yield None
        return
    with _worker_pool() as pool:
        pool.submit(int)  # a process starts on the first task
        yield pool


def _worker_helps(count, parallel):
    return parallel and count >= PARALLEL_MIN and (os.cpu_count() or 1) >= 2


def _worker_pool():
    # spawn, not fork: a forked child would share the parent's open database connection.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),))


# How often a worker looks whether the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def _start_worker(parent):
    """In the worker, first: it ends with the process that started it. A parent killed outright
    (kill -9, the out-of-memory killer) runs no clean-up, and its worker would otherwise wait
    on its pipe for ever; once the parent is gone the worker's parent is another process."""
    # The worker only turns text into trees of plain values and back, which hold no reference
    # cycles: the cyclic garbage collector would find nothing, in a tenth of the worker's time.
    gc.disable()

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _many(function, items, parallel=True, count=None, own_share=0, pool=None):
    """``map(function, items)``, in a worker process when there are many items (``pool``, or
    one of its own); with ``own_share`` n, every n-th item is left to this process, done when its
    turn to be yielded comes (the worker meanwhile doing the next ones)."""
    if pool is None and not _worker_helps(len(items) if count is None else count, parallel):
        yield from map(function, items)
        return
    with contextlib.nullcontext(pool) if pool is not None else _worker_pool() as worker:
        own = {}  # index -> item, for this process
        drawn = []  # the indexes of all items

        def theirs():
            for index, item in enumerate(items):
                drawn.append(index)
                if own_share and index % own_share == own_share - 1:
                    own[index] = item
                else:
                    yield item

        # map() takes every item at once (the worker starts on the first while later ones are
        # still being made), and gives the worker's results back in order.
        results = worker.map(function, theirs(), chunksize=8)
        for index in drawn:
            yield function(own.pop(index)) if index in own else next(results)


def _parse_or_error(raw):
    in_worker = multiprocessing.parent_process() is not None
    try:
        doc = parse(raw)
    except DocumentError as exc:
        if not in_worker:
            return exc
        return ("error", exc.message, exc.line)  # an exception would lose its line crossing processes
    if not in_worker:
        return doc
    # Back across processes only what parsing made (the caller has the file's bytes, and decodes
    # the text again quicker than it would unpickle it), pickled as ``digest`` pickles it: the
    # digest the caller needs then costs this process a hash, and the caller nothing.
    content = _content_pickle(doc.data, doc.body)
    return ("document", content, sha256(content), doc.head, doc.closing)
