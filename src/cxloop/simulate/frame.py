"""The in-memory event frame: one numpy array per column, codes instead of strings.

Generators emit partial frames (only the columns they know); :func:`concat_frames` fills the
rest with their defaults. Strings (ids, text, JSON) are only made when the world is written.
"""

from __future__ import annotations

import numpy as np

Frame = dict[str, np.ndarray]

COLUMNS: dict[str, tuple[type, object]] = {
    # where the event belongs (truth; never written to events.jsonl as such)
    "person": (np.int32, -1),
    "journey": (np.int32, -1),
    "contact": (np.int32, -1),
    "contact_index": (np.int8, -1),
    "intent": (np.int8, -1),
    "lang": (np.int8, 0),
    "resolved": (np.bool_, False),
    # the canonical event
    "ts_ms": (np.int64, 0),
    "channel": (np.int8, -1),
    "etype": (np.int8, -1),
    "actor": (np.int8, -1),
    "conv": (np.uint64, 0),
    "session": (np.uint64, 0),
    "agent": (np.int32, -1),
    "queue": (np.int16, -1),
    "duration_s": (np.float64, np.nan),
    "wait_s": (np.float64, np.nan),
    "csat": (np.int8, -1),
    "nps": (np.int8, -1),
    "ces": (np.int8, -1),
    "value": (np.float64, np.nan),
    "currency": (np.int8, -1),
    # identifiers shown on the event
    "id_cookie": (np.uint64, 0),
    "id_device": (np.uint64, 0),
    "id_customer": (np.bool_, False),
    "id_account": (np.bool_, False),
    "id_email": (np.int8, -1),  # 0 own, 1 work, 2 household, 3 mistyped
    "id_phone": (np.int8, -1),  # phone slot * 4 + written form
    "id_social": (np.bool_, False),
    # attributes, by kind (see catalog.ATTR_KINDS)
    "attr_kind": (np.int8, 0),
    "a_i1": (np.int64, -1),
    "a_i2": (np.int64, -1),
    "a_f1": (np.float64, np.nan),
    "a_f2": (np.float64, np.nan),
    "a_f3": (np.float64, np.nan),
    # text: what is said, and the truth about it
    "text_role": (np.int8, -1),
    "friction": (np.float64, 0.0),
    "reauth": (np.bool_, False),  # said right after being asked to identify again
}


def empty_column(name: str, n: int) -> np.ndarray:
    """A column of ``n`` default values."""
    dtype, default = COLUMNS[name]
    return np.full(n, default, dtype=dtype)


def concat_frames(frames: list[Frame]) -> Frame:
    """Concatenate partial frames into one frame with every column."""
    frames = [f for f in frames if len(f["ts_ms"])]
    out: Frame = {}
    for name, (dtype, _) in COLUMNS.items():
        parts = [
            f[name].astype(dtype, copy=False) if name in f else empty_column(name, len(f["ts_ms"]))
            for f in frames
        ]
        out[name] = np.concatenate(parts) if parts else empty_column(name, 0)
    return out


def take(frame: Frame, index: np.ndarray) -> Frame:
    """Rows ``index`` of a frame (a boolean mask or positions)."""
    return {name: values[index] for name, values in frame.items()}


def frame_length(frame: Frame) -> int:
    """Number of events in a frame."""
    return len(frame["ts_ms"])
