"""Servers with knobs that tests run on 127.0.0.1 (free ports)."""
