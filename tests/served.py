"""The in-process stack (tests.support.running_stack) served over real HTTP by uvicorn, in
a thread with its own event loop: for tools that need a URL (schemathesis) and for
behaviour that only shows on real connections."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import uvicorn

from kefu_shared.devbroker import free_port
from tests.support import SERVICES, DatabaseFactory, Stack, running_stack


class ServedStack:
    def __init__(self, dbs: DatabaseFactory, bootstrap: str, **overrides: Any) -> None:
        self.dbs = dbs
        self.bootstrap = bootstrap
        self.overrides = overrides
        self.ports: dict[str, int] = {}
        self.stack: Stack | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="served-stack", daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def __enter__(self) -> ServedStack:
        self._thread.start()
        self._ready.wait(120)
        if self._error is not None:
            raise self._error
        if not self._ready.is_set():
            raise RuntimeError("the served stack did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        async with running_stack(self.dbs, self.bootstrap, SERVICES, **self.overrides) as stack:
            self.stack = stack
            servers = []
            for name, app in stack.apps.items():
                port = free_port()
                config = uvicorn.Config(
                    app,
                    host="127.0.0.1",
                    port=port,
                    lifespan="off",  # running_stack owns the lifespans
                    log_config=None,
                    access_log=False,
                )
                server = uvicorn.Server(config)
                servers.append((server, asyncio.create_task(server.serve())))
                self.ports[name] = port
            while not all(s.started for s, _ in servers):  # noqa: ASYNC110 - uvicorn's flag
                await asyncio.sleep(0.05)
            self._ready.set()
            await asyncio.to_thread(self._stop.wait)
            for server, _ in servers:
                server.should_exit = True
            await asyncio.gather(*(task for _, task in servers), return_exceptions=True)
