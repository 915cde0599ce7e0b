"""Two uvicorn processes running different hosts share one broker: the room spans them."""

from __future__ import annotations

from contextlib import ExitStack

from websockets.sync.client import connect

from broker_tests.brokers import Broker
from broker_tests.rooms import answer_to, heard, still_open, until_everyone_hears


def test_a_message_from_a_client_of_one_host_reaches_clients_of_both(rooms: list[str]) -> None:
    first_host, second_host = rooms
    with ExitStack() as stack:
        a1, a2 = (stack.enter_context(connect(f"ws://{first_host}/ws")) for _ in range(2))
        b1 = stack.enter_context(connect(f"ws://{second_host}/ws"))
        everyone = [a1, a2, b1]
        until_everyone_hears(a1, everyone, "warm-up")  # every subscription is in place upstream
        a1.send("from the first host")
        assert all(heard(client, "from the first host", 10) for client in everyone)
        b1.send("from the second host")
        assert all(heard(client, "from the second host", 10) for client in everyone)


def test_after_a_broker_restart_delivery_resumes_and_no_websocket_drops(broker: Broker, rooms: list[str]) -> None:
    first_host, second_host = rooms
    with ExitStack() as stack:
        a = stack.enter_context(connect(f"ws://{first_host}/ws"))
        b = stack.enter_context(connect(f"ws://{second_host}/ws"))
        until_everyone_hears(a, [a, b], "before")
        broker.kill()
        try:
            # While the broker is away, a message is refused at once, and said so to its sender.
            a.send("lost")  # the first may go out before the room sees the broker go
            assert answer_to(a, "lost") in ("Not sent (the room is reconnecting): lost", "Message text was: lost")
            a.send("during")
            assert answer_to(a, "during") == "Not sent (the room is reconnecting): during"
        finally:
            broker.start()
        attempts = until_everyone_hears(b, [a, b], "after", timeout=30)
        assert attempts >= 1
        assert still_open(a)
        assert still_open(b)
        a.send("and back the other way")
        assert heard(b, "and back the other way", 10)
        assert heard(a, "and back the other way", 10)
