"""Position of an undecodable byte, for messages about non-UTF-8 files."""

from simulator.text_input import undecodable_at


def test_line_and_column_count_from_one():
    raw = b"a: 1\nb: caf\xe9\n"
    assert undecodable_at(raw, raw.index(b"\xe9")) == (2, 7)
    assert undecodable_at(b"\xff", 0) == (1, 1)
