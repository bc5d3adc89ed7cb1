"""The polite fetcher paces from when a request came back: the server always sees at least the
interval between two arrivals, however long a request took to reach it."""

from __future__ import annotations

import itertools

import httpx

from synthscope.observe.sources._http import Fetcher


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_next_request_waits_the_interval_after_a_slow_one_came_back() -> None:
    clock = FakeClock()
    arrivals: list[float] = []

    def slow_server(request: httpx.Request) -> httpx.Response:
        clock.t += 0.4  # on its way: a slow connection or a busy machine
        arrivals.append(clock.t)
        clock.t += 0.3  # the answer on its way back
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=httpx.MockTransport(slow_server))
    fetch = Fetcher("pacing-test", client, interval=1.0, clock=clock.now, sleep=clock.sleep)
    for _ in range(3):
        assert fetch.get("http://api.test/x", lambda r: r.json()) == {"ok": True}
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # paced from the start only, the gaps would be 1.0 + guard with the 0.4 s delay on both
    # sides; paced from the answer they include the way back and the next way in
    assert all(gap >= 1.0 + 0.3 + 0.4 for gap in gaps), gaps
