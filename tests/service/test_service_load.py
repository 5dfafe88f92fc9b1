"""A bounded load test of the HTTP service: a few hundred concurrent requests on 127.0.0.1.

``tariffcore serve --port 0`` runs in a process of its own on a port the system picks; the
test opens CONNECTIONS keep-alive connections and sends REQUESTS requests over them, at most
CONNECTIONS at a time, then stops the service (a time limit stops the test if the service
hangs). The client is a few lines of HTTP/1.1 on asyncio streams, so that the figures measure
the service rather than a client library. Every answer must be the right one; throughput and
latency are printed (``pytest -s``) and kept as test properties, never asserted: they depend on
the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from tariffcore.synthetic import synthetic_city  # noqa: E402

CONNECTIONS = 300
REQUESTS = 3000
ROWS = 10
LIMIT_SECONDS = 120


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tariffcore", "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "TARIFFCORE_TOKEN"},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"listening on http://(127\.0\.0\.1):(\d+)", line)
        assert found, line
        yield found.group(1), int(found.group(2))
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def _request(body: bytes) -> bytes:
    return (
        b"POST /bill HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
) -> tuple[int, bytes]:
    writer.write(_request(body))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
    assert length, head
    return status, await reader.readexactly(int(length.group(1)))


async def _load(
    host: str, port: int, bodies: list[bytes]
) -> tuple[dict[int, tuple[int, bytes]], list[float], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(bodies)):
        queue.put_nowait(index)
    answers: dict[int, tuple[int, bytes]] = {}
    latencies: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                index = queue.get_nowait()
                start = time.perf_counter()
                answers[index] = await _exchange(reader, writer, bodies[index])
                latencies.append(time.perf_counter() - start)
        finally:
            writer.close()
            await writer.wait_closed()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return answers, latencies, time.perf_counter() - start


def test_hundreds_of_concurrent_requests_all_get_their_own_bills(
    service: tuple[str, int], record_property: Any
) -> None:
    rows = list(synthetic_city(REQUESTS * ROWS, seed=15, small_meter=13))
    sent = [rows[i * ROWS : (i + 1) * ROWS] for i in range(REQUESTS)]
    bodies = [json.dumps({"ruleset": "kr/gimhae", "rows": part}).encode() for part in sent]

    async def alone(body: bytes) -> tuple[int, bytes]:  # one request on its own connection
        reader, writer = await asyncio.open_connection(*service)
        try:
            return await _exchange(reader, writer, body)
        finally:
            writer.close()
            await writer.wait_closed()

    expected = {i: asyncio.run(alone(bodies[i])) for i in (0, 1, REQUESTS - 1)}
    answers, latencies, seconds = asyncio.run(asyncio.wait_for(_load(*service, bodies), LIMIT_SECONDS))
    assert sorted(answers) == list(range(REQUESTS))
    assert all(status == 200 for status, _ in answers.values())
    for index, answer in expected.items():
        assert answers[index] == answer
    for index, part in enumerate(sent):
        body = json.loads(answers[index][1])
        assert [item["account"] for item in body["results"]] == [row["account"] for row in part]
    billed = sum(
        json.loads(answer)["rows"] - json.loads(answer)["error_rows"] for _, answer in answers.values()
    )
    assert billed > REQUESTS * ROWS // 2  # most rows of the city bill (Gimhae lacks some meter sizes)
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = REQUESTS / seconds
    record_property("requests_per_second", round(rate, 1))
    record_property("p99_latency_ms", round(p99 * 1000, 1))
    print(
        f"\nservice load: {REQUESTS} requests of {ROWS} rows over {CONNECTIONS} connections: "
        f"{rate:.0f} requests/s ({rate * ROWS:.0f} rows/s), latency p50 {p50 * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms; {seconds:.2f} s in all"
    )
