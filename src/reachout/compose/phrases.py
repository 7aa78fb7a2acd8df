"""The coach's word lists and text heuristics (pure; used by :mod:`reachout.compose.rules`).

Kept apart from ``rules.py`` so the lists (documented in ``docs/coach.md``) are easy to find and
extend. Every function takes plain text and returns offsets into it; nothing here reads a clock,
a file or the database. The functions are tuned for speed: the benchmark lints 100,000 messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# --- unresolved placeholders ---------------------------------------------------------------

UNRESOLVED_RE = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\}\}|\{%|%\}"  # Jinja leftovers
    r"|\{[A-Za-z_][\w.]*\}"  # {first_name}
    r"|\{[^{}\n]*\|[^{}\n]*\}"  # spintax {a|b} left as is
    r"|\[(?i:first[ _]?name|last[ _]?name|full[ _]?name|name|company(?:[ _]?name)?|job[ _]?title|title)\]"
)

# --- generic subjects ----------------------------------------------------------------------

# Compared after lower-casing, dropping punctuation and apostrophes, folding plurals and removing
# FILLER words. A subject is generic when it equals one of these, or contains one with at most
# one other (non-filler) word around it.
GENERIC_SUBJECTS: tuple[str, ...] = (
    "exciting opportunity",
    "great opportunity",
    "amazing opportunity",
    "unique opportunity",
    "new opportunity",
    "job opportunity",
    "career opportunity",
    "business opportunity",
    "partnership opportunity",
    "opportunity",
    "lets connect",
    "let us connect",
    "connect",
    "connecting",
    "connection request",
    "love to pick brain",
    "pick brain",
    "would love to pick brain",
    "quick question",
    "question",
    "quick chat",
    "quick call",
    "quick note",
    "hello",
    "hi",
    "hey",
    "hi there",
    "introduction",
    "intro",
    "quick intro",
    "following up",
    "follow up",
    "checking in",
    "touching base",
    "just checking in",
    "exciting news",
    "networking",
    "can we talk",
    "meeting request",
    "collaboration",
    "partnership",
    "reaching out",
)
FILLER_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "for",
        "you",
        "your",
        "just",
        "with",
        "me",
        "to",
        "some",
        "re",
        "fwd",
        "fw",
        "i",
        "id",
        "so",
        "very",
        "really",
        "this",
        "my",
        "our",
        "at",
        "of",
        "on",
        "in",
        "and",
    }
)


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


def is_generic_subject(subject: str) -> bool:
    words = subject_words(subject)
    if not words:
        return False
    if words in _GENERIC_SET:
        return True
    n = len(words)
    for core in _GENERIC:
        size = len(core)
        if size >= 2 and n - size <= 1:
            for start in range(n - size + 1):
                if words[start : start + size] == core:
                    return True
    return False


# --- shouting ------------------------------------------------------------------------------

ACRONYMS = frozenset(
    {
        "HTML",
        "JSON",
        "HTTP",
        "HTTPS",
        "NASA",
        "GDPR",
        "HIPAA",
        "SAAS",
        "NYSE",
        "NASDAQ",
        "FINRA",
        "OKRS",
        "KPIS",
        "CISO",
        "AWS",
        "B2B",
        "CEO",
        "CTO",
        "CFO",
        "COO",
        "CMO",
        "CRM",
        "ERP",
        "API",
        "APIS",
        "SDK",
        "SQL",
        "UTC",
        "EMEA",
        "APAC",
        "LATAM",
        "DACH",
        "NATO",
        "UNICEF",
        "IKEA",
        "ASAP",
        "SOC",
        "ISO",
        "USA",
        "MBA",
        "PHD",
        "UCLA",
        "MIT",
        "IEEE",
        "ACME",
        "NVIDIA",
        "CSV",
        "YAML",
    }
)
EMPHASIS_WORDS = frozenset(
    {
        "FREE",
        "NOW",
        "URGENT",
        "LIMITED",
        "TODAY",
        "HUGE",
        "AMAZING",
        "IMPORTANT",
        "NEVER",
        "ALWAYS",
        "MUST",
        "BEST",
        "GUARANTEED",
        "EXCLUSIVE",
        "ACT",
        "WIN",
        "WOW",
        "LAST",
        "CHANCE",
        "OFFER",
        "NEW",
    }
)
_CAPS_RE = re.compile(r"\b[A-Z]{3,}\b")


def find_shouting(text: str) -> tuple[str, tuple[int, int]] | None:
    """Capitalised words (beyond acronyms) or several exclamation marks: (message, span)."""
    bangs = text.count("!")
    loud: list[re.Match[str]] = []
    if any(c.isupper() for c in text):
        for m in _CAPS_RE.finditer(text):
            word = m.group(0)
            if word in ACRONYMS:
                continue
            if word in EMPHASIS_WORDS or len(word) >= 4:
                loud.append(m)
    words_loud = len(loud) >= 2 or any(m.group(0) in EMPHASIS_WORDS for m in loud)
    many_bangs = bangs >= 3 or "!!" in text
    if not words_loud and not many_bangs:
        return None
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

SPAM_PHRASES: tuple[str, ...] = (
    "act now",
    "act fast",
    "limited time",
    "100% free",
    "risk-free",
    "risk free",
    "no obligation",
    "no strings attached",
    "guaranteed",
    "click here",
    "click below",
    "buy now",
    "order now",
    "call now",
    "apply now",
    "special promotion",
    "exclusive deal",
    "incredible deal",
    "once in a lifetime",
    "earn money",
    "make money",
    "extra income",
    "get paid",
    "cash bonus",
    "double your",
    "million dollars",
    "you have been selected",
    "you've been selected",
    "you are a winner",
    "winner",
    "dear friend",
    "to whom it may concern",
    "as seen on",
    "no cost",
    "best price",
    "lowest price",
    "cheap",
    "miracle",
    "this is not spam",
    "this isn't spam",
    "not a sales pitch",
    "100% satisfied",
    "increase your sales",
    "boost your sales",
    "work from home",
    "free trial",
    "free consultation",
    "sign up free",
    "$$$",
)
_SPAM_RES = {p: re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)", re.IGNORECASE) for p in SPAM_PHRASES}


def find_spam(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Every spam-filter phrase in ``text`` with its span (whole words, case-insensitive)."""
    lower = text.lower()
    out: list[tuple[str, tuple[int, int]]] = []
    for phrase in SPAM_PHRASES:
        if phrase in lower:
            for m in _SPAM_RES[phrase].finditer(text):
                out.append((phrase, (m.start(), m.end())))
    return out


# --- structure: greeting, sign-off, sentences ----------------------------------------------

_GREETING_RE = re.compile(
    r"\s*(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b[^\n,!.:;?]{0,40}[,!.:;]?\s*",
    re.IGNORECASE,
)
_SIGNOFF_RE = re.compile(
    r"\n[ \t]*(?:best|thanks|thank you|many thanks|cheers|regards|kind regards|best regards|warm regards|"
    r"all the best|sincerely|talk soon|speak soon|--)\b[^\n]{0,30}(?:\n|$)",
    re.IGNORECASE,
)


def core_span(body: str) -> tuple[int, int]:
    """The message without its greeting ('Hi Anna,') and sign-off ('Best,\\nBob')."""
    start = 0
    m = _GREETING_RE.match(body)
    if m is not None:
        start = m.end()
    end = len(body)
    s = _SIGNOFF_RE.search(body, start)
    if s is not None:
        end = s.start()
    if end <= start:  # nothing but a greeting and a sign-off: judge the whole text
        return 0, len(body)
    return start, end


_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
_SELF_RE = re.compile(r"(?:I|We|My|Our|Me)(?:['’](?:m|d|ve|ll|re))?\b")


def self_centered(core: str, offset: int = 0) -> tuple[int, int, tuple[int, int]] | None:
    """(sentences starting with I/we, sentences, span) when most sentences do, else None."""
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
    return _QUESTION_RE.search(text) is not None or ASK_RE.search(text) is not None


# --- personalisation -----------------------------------------------------------------------

NON_PERSONAL_VARIABLES = frozenset({"first_name", "sender_name", "sender_first_name", "sender_company"})
_DETAIL_RE = re.compile(
    r"\d"
    r"|[\"“«][^\"”»\n]{3,}[\"”»]"
    r"|\byour (?:recent |latest |last )?(?:post|article|talk|podcast|launch|announcement|book|paper|"
    r"interview|webinar|keynote|comment|promotion|move|round|raise|hire|hiring)\b"
    r"|\byou (?:wrote|said|shared|mentioned|posted|spoke|announced|launched|joined|moved|raised)\b"
    r"|\bcongrat",
    re.IGNORECASE,
)
_MIDCAP_RE = re.compile(r"(?<=[a-z,;:)] )[A-Z][\w&'’.-]*")
COMMON_CAPITALISED = frozenset(
    {
        "I",
        "I'm",
        "I’m",
        "I'd",
        "I've",
        "I'll",
        "LinkedIn",
        "InMail",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "OK",
        "AM",
        "PM",
        "Zoom",
        "Google",
        "Hi",
        "Hello",
        "Best",
        "Thanks",
        "English",
        "Internet",
        "AI",
    }
)


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


def find_links(text: str) -> list[tuple[int, int]]:
    if "." not in text:
        return []
    return [(m.start(), m.end()) for m in _LINK_RE.finditer(text)]


# --- frameworks ----------------------------------------------------------------------------

FRAMEWORK_NAMES = {
    "RABT": "Reason, Ask, Benefit, Tease",
    "AIDA": "Attention, Interest, Desire, Action",
    "PAS": "Problem, Agitation, Solution",
}
_CUES = {
    "reason": re.compile(
        r"\b(?:saw|noticed|read|came across|congrat\w*|reaching out because|following|watched|heard)\b", re.I
    ),
    "benefit": re.compile(
        r"\b(?:help(?:s|ed)? (?:you|your|teams?)|save[sd]?|so (?:you|your)|without|faster|fewer|"
        r"less time|more (?:time|replies|deals|pipeline)|cut(?:s|ting)?)\b",
        re.I,
    ),
    "tease": re.compile(
        r"\b(?:happy to (?:share|send|show)|i can (?:share|send|show)|curious|worth|want me to|shall i|"
        r"one idea|a few ideas|short answer)\b",
        re.I,
    ),
    "problem": re.compile(
        r"\b(?:struggl\w*|problem\w*|pain\w*|challeng\w*|hard to|tough|frustrat\w*|spend(?:s|ing)? hours|"
        r"wast\w*|manual(?:ly)?|bottleneck\w*)\b",
        re.I,
    ),
    "agitation": re.compile(
        r"\b(?:worse|costs?|which means|means|every (?:week|month|day|quarter)|risk\w*|pil\w+ up|"
        r"los(?:e|ing|t)|miss(?:ed|ing)?|churn\w*|slows?)\b",
        re.I,
    ),
    "solution": re.compile(
        r"\b(?:we built|we help|our (?:tool|platform|product|team|service)|fix(?:es|ed)?|solve[sd]?|"
        r"solution|automat\w+|removes?)\b",
        re.I,
    ),
    "attention": re.compile(r"^[^.!\n]*\?|\d+ ?%|\bimagine\b|\bwhat if\b|\bdid you know\b", re.I),
    "desire": re.compile(
        r"\bimagine\b|\bwould mean\b|\d+ ?%|\b\d+x\b|\bresults?\b|\bteams like\b|\bcustomers?\b|"
        r"\bso that\b|\bwithout\b",
        re.I,
    ),
}


def detect_framework(body: str) -> tuple[str, tuple[int, int]] | None:
    """Which of PAS, RABT or AIDA the body follows, when its cues appear in order."""
    start, end = core_span(body)
    core = body[start:end]

    def at(name: str) -> int:
        m = _CUES[name].search(core)
        return m.start() if m else -1

    ask = _QUESTION_RE.search(core) or ASK_RE.search(core)
    problem, solution = at("problem"), at("solution")
    if problem >= 0 and solution > problem and at("agitation") >= 0:
        return "PAS", (start, end)
    reason = at("reason")
    if reason >= 0 and ask is not None and (at("benefit") >= 0 or at("tease") >= 0):
        return "RABT", (start, end)
    attention, desire = at("attention"), at("desire")
    if attention >= 0 and desire >= 0 and ask is not None and ask.start() >= desire:
        return "AIDA", (start, end)
    return None
