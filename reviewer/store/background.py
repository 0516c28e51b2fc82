"""The store's periodic work beside the API (ADR 0014): the retention job (then events pruning, events_prune.py)
and the probe worker. Installed into an app by install(app): wraps the app's lifespan so the tasks start and stop
with the server, in every process."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool

from reviewer.store import events, events_prune, probe_worker, retention, routes_library, routes_retention

PROBE_IDLE_S = 0.5
log = logging.getLogger("reviewer.store")


def install(app) -> None:
    """Routes (events, retention, probe) and the background tasks; one line in create_app."""
    retention.Settings.of(app.state.ctx.config)  # a bad [retention] value stops the server before it starts
    events_prune.keep_days(app.state.ctx.config)
    for router in (events.router, routes_retention.router, probe_worker.router, routes_library.router):
        app.include_router(router)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        c = a.state.ctx
        st = retention.Settings.of(c.config)
        keep = events_prune.keep_days(c.config)

        async def retention_loop():
            while True:
                try:
                    now = dt.datetime.now(dt.timezone.utc)
                    report = await run_in_threadpool(retention.run, c.sessions, c.blobs, st, now)
                    for line in report.lines():
                        log.info("retention: %s", line)
                except Exception:
                    log.exception("retention pass failed")
                try:
                    pruned = await run_in_threadpool(events_prune.prune, c.sessions, keep, now,
                                                     events_prune.live_floor())
                    if pruned:
                        log.info("events: pruned %d older than %g days", pruned, keep)
                except Exception:
                    log.exception("pruning the events table failed")
                await asyncio.sleep(st.interval_s)

        async def probe_loop():
            while True:
                try:
                    busy = await run_in_threadpool(probe_worker.probe_next, c)
                except Exception:
                    log.exception("probe worker")
                    busy = False
                if not busy:
                    await asyncio.sleep(PROBE_IDLE_S)

        async with inner(a) as state:
            tasks = [asyncio.create_task(retention_loop()), asyncio.create_task(probe_loop())]
            try:
                yield state
            finally:
                for t in tasks:
                    t.cancel()

    app.router.lifespan_context = lifespan
