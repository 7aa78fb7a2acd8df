"""The coach's text heuristics (pure; used by :mod:`reachout.compose.rules`).

The word lists they use live in :mod:`reachout.compose.wordlists`. Every function takes plain
text and returns offsets into it; nothing here reads a clock, a file or the database. They are
tuned for speed (set tests and byte-table gates before any regex scan): the benchmark lints
100,000 messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reachout.compose.wordlists import (
    ACRONYMS,
    COMMON_CAPITALISED,
    CUE_PHRASES,
    CUE_WORDS,
    EMPHASIS_WORDS,
    FILLER_WORDS,
    GENERIC_SUBJECTS,
    NON_PERSONAL_VARIABLES,
    SPAM_PHRASES,
)

# --- unresolved placeholders ---------------------------------------------------------------

UNRESOLVED_RE = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\}\}|\{%|%\}"  # Jinja leftovers
    r"|\{[A-Za-z_][\w.]*\}"  # {first_name}
    r"|\{[^{}\n]*\|[^{}\n]*\}"  # spintax {a|b} left as is
    r"|\[(?i:first[ _]?name|last[ _]?name|full[ _]?name|name|company(?:[ _]?name)?|job[ _]?title|title)\]"
)

# --- generic subjects ----------------------------------------------------------------------


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_WORD_RE = re.compile(r"[a-z0-9]+")


def subject_words(subject: str) -> tuple[str, ...]:
    """Lower-cased, apostrophe-free, plural-folded words without filler (for generic checks)."""
    text = subject.lower().replace("'", "").replace("’", "")
    return tuple(_stem(w) for w in _WORD_RE.findall(text) if w not in FILLER_WORDS)


_GENERIC = tuple(subject_words(s) for s in GENERIC_SUBJECTS)
_GENERIC_SET = frozenset(_GENERIC)
_GENERIC_MAX = max(len(g) for g in _GENERIC) + 1
# Every word a generic subject can hold (with plural and apostrophe forms): a subject with
# none of them cannot be generic, which settles most subjects with one set test.
_GENERIC_ANCHORS = frozenset(
    form
    for phrase in GENERIC_SUBJECTS
    for word in phrase.split()
    if word not in FILLER_WORDS
    for form in (word, word + "s", word[:-1] + "ies", "let's", "let’s", "lets")
)


def is_generic_subject(subject: str, words: set[str] | None = None) -> bool:
    """Whether the subject is a stock phrase; ``words`` is ``tokens(subject.lower())`` if known."""
    if words is not None and words.isdisjoint(_GENERIC_ANCHORS):
        return False
    text = subject.lower().replace("'", "").replace("’", "")
    raw = [w for w in _WORD_RE.findall(text) if w not in FILLER_WORDS]
    if not raw or len(raw) > _GENERIC_MAX:  # too specific to be one of the stock phrases
        return False
    stems = tuple(_stem(w) for w in raw)
    if stems in _GENERIC_SET:
        return True
    n = len(stems)
    for core in _GENERIC:
        size = len(core)
        if size >= 2 and n - size <= 1:
            for start in range(n - size + 1):
                if stems[start : start + size] == core:
                    return True
    return False


# --- shouting ------------------------------------------------------------------------------

_CAPS_RE = re.compile(r"\b[A-Z]{3,}\b")
_CAPS_TABLE = bytes(65 if 65 <= b <= 90 else 32 for b in range(256))


_SHORT_EMPHASIS = tuple(w for w in EMPHASIS_WORDS if len(w) == 3)
_SHORT_EMPHASIS_LOWER = frozenset(w.lower() for w in _SHORT_EMPHASIS)


def _loud(word: str) -> bool:
    return word not in ACRONYMS and (word in EMPHASIS_WORDS or len(word) >= 4)


def find_shouting(text: str, words: set[str] | None = None) -> tuple[str, tuple[int, int]] | None:
    """Capitalised words (beyond acronyms) or several exclamation marks: (message, span).

    ``words`` is ``tokens(text.lower())`` when the caller has it (a cheaper gate)."""
    bangs = text.count("!")
    many_bangs = bangs >= 3 or "!!" in text
    # A byte-table pass (capitals -> 'A', all else -> ' ') is far cheaper than a regex scan.
    if not many_bangs:
        shape = text.encode("utf-8", "surrogatepass").translate(_CAPS_TABLE)
        if b"AAAA" not in shape:
            if b"AAA" not in shape:
                return None
            if words is not None and words.isdisjoint(_SHORT_EMPHASIS_LOWER):
                return None
            if not any(w in text for w in _SHORT_EMPHASIS):
                return None
    loud_words = [w for w in _CAPS_RE.findall(text) if _loud(w)]
    words_loud = len(loud_words) >= 2 or any(w in EMPHASIS_WORDS for w in loud_words)
    if not words_loud and not many_bangs:
        return None
    loud = [m for m in _CAPS_RE.finditer(text) if _loud(m.group(0))]
    parts = []
    if words_loud:
        names = ", ".join(repr(m.group(0)) for m in loud[:3])
        parts.append(f"{names} in capitals")
    if many_bangs:
        parts.append(f"{bangs} exclamation marks")
    starts = [m.start() for m in loud] + ([text.index("!")] if many_bangs else [])
    ends = [m.end() for m in loud] + ([text.rindex("!") + 1] if many_bangs else [])
    message = f"{' and '.join(parts)} read as shouting: use sentence case and at most one '!'."
    return message[0].upper() + message[1:], (min(starts), max(ends))


# --- spam phrases --------------------------------------------------------------------------

_SPAM_RES = {p: re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)", re.IGNORECASE) for p in SPAM_PHRASES}
_PUNCT_TO_SPACE = str.maketrans({c: " " for c in '.,!?;:()[]{}<>"“”«»*_/…'})


_PUNCT_BYTES = b'.,!?;:()[]{}<>"*_/'
_PUNCT_TABLE = bytes.maketrans(_PUNCT_BYTES, b" " * len(_PUNCT_BYTES))


def tokens(lower: str) -> set[str]:
    """The set of words in already lower-cased text (apostrophes and hyphens kept: "let's").

    ASCII punctuation is blanked with a byte table (str.translate is slow on non-ASCII text);
    curly quotes and ellipses are rare enough to be blanked by the slow path only when present.
    """
    raw = lower.encode("utf-8", "surrogatepass").translate(_PUNCT_TABLE).decode("utf-8", "surrogatepass")
    if not raw.isascii() and ("“" in raw or "”" in raw or "«" in raw or "»" in raw or "…" in raw):
        raw = raw.translate(_PUNCT_TO_SPACE)
    return set(raw.split())


# Each phrase is looked up only when its rarest-looking (longest) word is among the text's words.
_SPAM_BY_KEY: dict[str, list[str]] = {}
for _phrase in SPAM_PHRASES:
    _key = max(_phrase.translate(_PUNCT_TO_SPACE).split(), key=len)
    _SPAM_BY_KEY.setdefault(_key, []).append(_phrase)
_SPAM_KEYS = frozenset(_SPAM_BY_KEY)


def find_spam(
    text: str, words: set[str] | None = None, lower: str | None = None
) -> list[tuple[str, tuple[int, int]]]:
    """Every spam-filter phrase in ``text`` with its span (whole words, case-insensitive)."""
    lower = lower if lower is not None else text.lower()
    if words is None:
        words = tokens(lower)
    hits = words & _SPAM_KEYS
    if not hits:
        return []
    out: list[tuple[str, tuple[int, int]]] = []
    for key in hits:
        for phrase in _SPAM_BY_KEY[key]:
            if phrase in lower:
                for m in _SPAM_RES[phrase].finditer(text):
                    out.append((phrase, (m.start(), m.end())))
    out.sort(key=lambda item: item[1])
    return out


# --- structure: greeting, sign-off, sentences ----------------------------------------------

_GREETING = (
    r"\s*(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b[^\n,!.:;?]{0,40}[,!.:;]?\s*"
)
_SIGNOFF = (
    r"\n[ \t]*(?:(?:best|thanks|thank you|many thanks|cheers|regards|kind regards|best regards|warm regards|"
    r"all the best|sincerely|talk soon|speak soon)\b|--)[^\n]{0,30}(?:\n|$)"
)
# Case-sensitive patterns run on the lower-cased text (faster); the others when lower-casing
# would change the length (a few Unicode letters) and shift the offsets.
_GREETING_RE, _GREETING_RE_I = re.compile(_GREETING), re.compile(_GREETING, re.IGNORECASE)
_SIGNOFF_RE, _SIGNOFF_RE_I = re.compile(_SIGNOFF), re.compile(_SIGNOFF, re.IGNORECASE)


def core_span(body: str, lower: str | None = None) -> tuple[int, int]:
    """The message without its greeting ('Hi Anna,') and sign-off ('Best,\\nBob')."""
    if lower is None:
        lower = body.lower()
    if len(lower) == len(body):
        text, greeting, signoff = lower, _GREETING_RE, _SIGNOFF_RE
    else:
        text, greeting, signoff = body, _GREETING_RE_I, _SIGNOFF_RE_I
    start = 0
    m = greeting.match(text)
    if m is not None:
        start = m.end()
    end = len(body)
    s = signoff.search(text, start) if "\n" in text else None
    if s is not None:
        end = s.start()
    if end <= start:  # nothing but a greeting and a sign-off: judge the whole text
        return 0, len(body)
    return start, end


_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
_SELF_RE = re.compile(r"(?:I|We|My|Our|Me)(?:['’](?:m|d|ve|ll|re))?\b")


# I, W, M, O stay; other capitals -> A, small letters -> a, digits -> 0, everything else -> space.
_SELF_TABLE = bytes(
    b if chr(b) in "IWMO" else 65 if 65 <= b <= 90 else 97 if 97 <= b <= 122 else 48 if 48 <= b <= 57 else 32
    for b in range(256)
)
_SELF_START_RE = re.compile(r"(?:^|[.!?\n])\s*(?:I|We|My|Our|Me)(?:['’](?:m|d|ve|ll|re))?\b")


def self_centered(core: str, offset: int = 0) -> tuple[int, int, tuple[int, int]] | None:
    """(sentences starting with I/we, sentences, span) when most sentences do, else None."""
    # Cheap gate: flagging needs two first-person words (I, We, My, Our, Me) standing alone.
    shape = b" " + core.encode("utf-8", "surrogatepass").translate(_SELF_TABLE) + b" "
    c = shape.count
    if c(b" I ") + c(b" Wa ") + c(b" Ma ") + c(b" Oaa ") < 2 or len(_SELF_START_RE.findall(core)) < 2:
        return None
    total = 0
    selfish: list[tuple[int, int]] = []
    for m in _SENTENCE_RE.finditer(core):
        sentence = m.group(0)
        stripped = sentence.lstrip()
        if len(stripped) < 2:
            continue
        total += 1
        if _SELF_RE.match(stripped):
            lead = len(sentence) - len(stripped)
            selfish.append((offset + m.start() + lead, offset + m.end()))
    if len(selfish) >= 2 and len(selfish) * 2 > total:
        return len(selfish), total, (selfish[0][0], selfish[-1][1])
    return None


# --- call to action ------------------------------------------------------------------------

_QUESTION_RE = re.compile(r"\?(?=[\s\"')\]]|$)")
ASK_RE = re.compile(
    r"\b(?:let me know|are you (?:open|free|around|available)|would you|could we|can we|shall we|"
    r"open to|worth a (?:chat|call|look)|grab (?:a )?(?:coffee|call|time)|book (?:a )?(?:call|time|slot|meeting)|"
    r"schedule (?:a )?(?:call|chat|meeting|time)|\d+[- ]min(?:ute)?s?\b|reply (?:with|if)|send me|"
    r"hop on a call|jump on a call|happy to (?:share|send|show)|my calendar|calendly)",
    re.IGNORECASE,
)


def has_call_to_action(text: str) -> bool:
    if "?" in text and _QUESTION_RE.search(text) is not None:
        return True
    return ASK_RE.search(text) is not None


# --- personalisation -----------------------------------------------------------------------

_DETAIL_RE = re.compile(
    r"\d+(?![\d,.]|[- ]?(?:min(?:ute)?s?|hours?|h|days?|weeks?)\b)"  # a number, not "15-minute call"
    r"|[\"“«][^\"”»\n]{3,}[\"”»]"
    r"|\byour (?:recent |latest |last )?(?:post|article|talk|podcast|launch|announcement|book|paper|"
    r"interview|webinar|keynote|comment|promotion|move|round|raise|hire|hiring)\b"
    r"|\byou (?:wrote|said|shared|mentioned|posted|spoke|announced|launched|joined|moved|raised)\b"
    r"|\bcongrat",
    re.IGNORECASE,
)
_MIDCAP_RE = re.compile(r"(?<=[a-z,;:)] )[A-Z][\w&'’.-]*")


def is_personal(core: str, variables_used: Iterable[str] = ()) -> bool:
    """Anything specific to the recipient: a variable beyond the first name, or a concrete detail
    (a number, a quote, a reference to their post or talk, a proper name mid-sentence)."""
    for name in variables_used:
        if name not in NON_PERSONAL_VARIABLES:
            return True
    if _DETAIL_RE.search(core) is not None:
        return True
    for m in _MIDCAP_RE.finditer(core):
        word = m.group(0).rstrip(".'’-")
        upper = word.upper()
        if word == upper and upper in EMPHASIS_WORDS:
            continue  # shouting, not a detail
        if len(word) >= 2 and word not in COMMON_CAPITALISED and upper not in ACRONYMS:
            return True
    return False


# --- links ---------------------------------------------------------------------------------

_LINK_RE = re.compile(
    r"https?://[^\s<>()\"]+|www\.[^\s<>()\"]+"
    r"|(?<![@\w.])(?:[a-z0-9-]+\.)+(?:com|io|ai|co|net|org|dev|app|me|ly|gl|xyz|tech)(?:/[^\s<>()\"]*)?(?!\w)",
    re.IGNORECASE,
)


_TLD_RE = re.compile(r"\.(?:com|io|ai|co|net|org|dev|app|me|ly|gl|xyz|tech)\b")


def find_links(text: str, lower: str | None = None) -> list[tuple[int, int]]:
    lower = lower if lower is not None else text.lower()
    if "http" not in lower and "www." not in lower and _TLD_RE.search(lower) is None:
        return []
    return [(m.start(), m.end()) for m in _LINK_RE.finditer(text)]


# --- frameworks ----------------------------------------------------------------------------


_CUE_PHRASE_FIRST = {name: frozenset(p.split()[0] for p in phrases) for name, phrases in CUE_PHRASES.items()}


def _has(name: str, lower: str, words: set[str]) -> bool:
    """Whether any cue of ``name`` is present (set tests first; phrases only when plausible)."""
    if not words.isdisjoint(CUE_WORDS[name]):
        return True
    if words.isdisjoint(_CUE_PHRASE_FIRST[name]):
        return False
    return any(phrase in lower for phrase in CUE_PHRASES[name])


def _cue(name: str, lower: str, words: set[str]) -> int:
    """Position of the first cue of ``name`` in ``lower`` (-1 when absent)."""
    best = -1
    for word in words & CUE_WORDS[name]:
        pos = lower.find(word)
        if pos >= 0 and (best < 0 or pos < best):
            best = pos
    if words.isdisjoint(_CUE_PHRASE_FIRST[name]):
        return best
    for phrase in CUE_PHRASES[name]:
        pos = lower.find(phrase)
        if pos >= 0 and (best < 0 or pos < best):
            best = pos
    return best


def detect_framework(
    body: str,
    span: tuple[int, int] | None = None,
    words: set[str] | None = None,
    lower_body: str | None = None,
) -> tuple[str, tuple[int, int]] | None:
    """Which of PAS, RABT or AIDA the body follows, when its cues appear in order."""
    start, end = span if span is not None else core_span(body)
    core = body[start:end]
    lower = (lower_body if lower_body is not None else body.lower())[start:end]
    if words is None:
        words = tokens(lower)
    if (
        _has("problem", lower, words)
        and _has("solution", lower, words)
        and _has("agitation", lower, words)
        and _cue("solution", lower, words) > _cue("problem", lower, words)
    ):
        return "PAS", (start, end)
    question = _QUESTION_RE.search(core) if "?" in core else None
    ask = question or ASK_RE.search(core)
    if ask is None:
        return None
    if _has("reason", lower, words) and (_has("benefit", lower, words) or _has("tease", lower, words)):
        return "RABT", (start, end)
    first_stop = min(
        (p for p in (core.find("."), core.find("!"), core.find("\n")) if p >= 0), default=len(core)
    )
    opens_with_question = question is not None and question.start() < first_stop
    attention = opens_with_question or "%" in core or _cue("attention", lower, words) >= 0
    desire = _cue("desire", lower, words)
    if "%" in core and (desire < 0 or core.find("%") < desire):
        desire = core.find("%")
    if attention and desire >= 0 and ask.start() >= desire:
        return "AIDA", (start, end)
    return None
