"""Print events of a topic as JSON lines: ``python -m kefu_shared.tail customer.events.v1``.

Reads from the beginning without joining a consumer group (it commits nothing), and
exits after ``--count`` events or ``--timeout`` seconds without new ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from aiokafka import AIOKafkaConsumer, TopicPartition


async def tail(bootstrap: str, topic: str, count: int | None, idle_timeout: float) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    printed = 0
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            print(f"topic {topic} not found on {bootstrap}", file=sys.stderr)
            return 1
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while count is None or printed < count:
            batch = await consumer.getmany(timeout_ms=int(idle_timeout * 1000))
            if not batch:
                break
            for records in batch.values():
                for r in records:
                    try:
                        value = json.loads(r.value)
                    except ValueError:
                        value = r.value.decode(errors="replace")
                    print(json.dumps(value, ensure_ascii=False), flush=True)
                    printed += 1
    finally:
        await consumer.stop()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kefu_shared.tail")
    parser.add_argument("topic", nargs="?", default="customer.events.v1")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=2.0, help="stop after idle seconds")
    args = parser.parse_args()
    sys.exit(asyncio.run(tail(args.bootstrap, args.topic, args.count, args.timeout)))


if __name__ == "__main__":
    main()
