"""The transport layer, below targets and load: how bytes go to a target and come back.

- ``sse``: the server-sent-events parser;
- ``openai``: the one OpenAI chat-completions stream decoder (targets and load alike);
- ``http``: aiohttp sessions, bounded bodies, safe URLs, and wire trouble -> failure mode;
- ``stamped``: the HTTP/1.1 client that stamps reads with the kernel's arrival time;
- ``exchange``: one raw request/reply kept as reads and times, decoded after the fact;
- ``route``: ``RawRoute``, what a target hands the load engine to send its requests itself.

It imports nothing from ``golive.targets`` or ``golive.load``.
"""

from golive.transport.exchange import EndCheck, Exchange, StreamDecoder, decode, read_stream
from golive.transport.openai import OpenAIStreamDecoder, ends_with_done
from golive.transport.route import RawRoute
from golive.transport.sse import SSEEvent, SSEParser
from golive.transport.stamped import DelaySink, StampedPool, stamped_reads, stamped_supported

__all__ = [
    "DelaySink",
    "EndCheck",
    "Exchange",
    "OpenAIStreamDecoder",
    "RawRoute",
    "SSEEvent",
    "SSEParser",
    "StampedPool",
    "StreamDecoder",
    "decode",
    "ends_with_done",
    "read_stream",
    "stamped_reads",
    "stamped_supported",
]
