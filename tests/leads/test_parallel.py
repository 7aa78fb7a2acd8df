"""The reader process's messages: plain batches go through marshal, anything else through
pickle, and a cut pipe reads as the end, never as a half message."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from reachout.leads.parallel import _HEADER, _receive, _send


def test_messages_come_back_as_sent_in_order() -> None:
    batch = ("batch", [({"first_name": "Ada", "open_profile": True, "degree": 2}, {}, ["vip"], [])], 123)
    odd = ("end", 5, 0, datetime(2026, 3, 2, tzinfo=UTC))  # marshal cannot write a datetime
    pipe = io.BytesIO()
    _send(pipe, batch)
    _send(pipe, odd)
    raw = pipe.getvalue()
    first_kind, first_size = _HEADER.unpack_from(raw)
    second_kind, _ = _HEADER.unpack_from(raw, _HEADER.size + first_size)
    assert (first_kind, second_kind) == (b"M", b"P")  # one of each kind
    pipe.seek(0)
    assert _receive(pipe) == batch
    assert _receive(pipe) == odd
    with pytest.raises(EOFError):
        _receive(pipe)


def test_a_message_cut_short_is_the_end_of_the_stream() -> None:
    pipe = io.BytesIO()
    _send(pipe, ("batch", [({"first_name": "Ada"}, {}, [], [])], 1))
    cut = io.BytesIO(pipe.getvalue()[:-3])
    with pytest.raises(EOFError, match="middle of a message"):
        _receive(cut)
    with pytest.raises(ValueError, match="unknown message kind"):
        _receive(io.BytesIO(b"X" + pipe.getvalue()[1:]))
