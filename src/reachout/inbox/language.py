"""Language of a reply: ``langdetect`` (seeded, so results repeat) with a stopword fallback.

langdetect guesses poorly on very short texts, so a text that clearly uses one supported
language's stopwords is decided by them first.
"""

from __future__ import annotations

from threading import Lock

from reachout.inbox.rules import LANGUAGES, stopword_language

_lock = Lock()


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code, or None for an empty or undecidable text."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    guess, hits = stopword_language(cleaned)
    if guess is not None and hits >= 2:
        return guess
    if len(cleaned.split()) < 3:
        return guess  # "ok", "thanks!": too short for a statistical guess
    try:
        from langdetect import DetectorFactory, LangDetectException, detect_langs
    except ImportError:
        return guess
    with _lock:  # the seed is global state in langdetect
        DetectorFactory.seed = 0
        try:
            candidates = detect_langs(cleaned)
        except LangDetectException:
            return guess
    for candidate in candidates:
        if candidate.lang in LANGUAGES:
            return str(candidate.lang)
    return str(candidates[0].lang) if candidates else guess
