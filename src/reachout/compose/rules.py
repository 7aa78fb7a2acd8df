"""Pure message rules: channel length limits and the quality coach (``lint``).

Lengths are counted in UTF-16 code units after normalising CRLF/CR to LF, which is what a
browser text box counts (an emoji outside the BMP counts 2). Hard limits are errors (a message
that breaks one is never sent); best-practice findings are warnings; ``framework`` is an info.

Spans are ``(start, end)`` offsets in the same UTF-16 code units into the normalised text of
the field the issue names (``subject`` or ``body``): one unit for every number the coach reports
(lengths, limits, "cut N", spans), and what a browser editor's selection and JavaScript's
``String.slice`` use. Python callers slice with :func:`span_text`. The checks work on code
points internally; :func:`lint` converts the spans at the end. The coach's heuristics (word
lists, thresholds) live in :mod:`reachout.compose.phrases`; ``docs/coach.md`` documents every code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from reachout.compose import phrases, wordlists
from reachout.compose.rules_text import cut_index, normalize_newlines, text_length, utf16_offset
from reachout.compose.rules_text import span_text as span_text  # re-exported for callers

Channel = Literal["inmail", "connection_note", "message", "email"]
Severity = Literal["error", "warning", "info"]
Account = Literal["premium", "free"]

CHANNELS: tuple[str, ...] = ("inmail", "connection_note", "message", "email")
LINKEDIN_CHANNELS = frozenset({"inmail", "connection_note", "message"})
CHANNEL_LABELS = {
    "inmail": "InMail",
    "connection_note": "a connection note",
    "message": "a LinkedIn message",
    "email": "an email",
}

ERROR_CODES = ("subject_missing", "subject_too_long", "body_too_long", "body_empty", "unresolved_variable")
WARNING_CODES = (
    "body_long",
    "subject_wordy",
    "generic_subject",
    "no_call_to_action",
    "no_personalization",
    "too_many_links",
    "shouting",
    "spam_phrases",
    "self_centered",
)
INFO_CODES = ("framework",)
ALL_CODES = ERROR_CODES + WARNING_CODES + INFO_CODES


def _to_units(issues: list[Issue], subject: str, body: str, body_len: int) -> None:
    """Convert code-point spans to UTF-16 units where a field holds astral characters.

    ``body_len`` is ``text_length(body)``, already known (a cheap test for the common case)."""
    astral: dict[str, str] = {}
    if body_len != len(body):
        astral["body"] = body
    if subject and any(i.field == "subject" for i in issues) and text_length(subject) != len(subject):
        astral["subject"] = subject
    if not astral:
        return
    for issue in issues:
        text = astral.get(issue.field)
        if text is not None:
            issue.span = (utf16_offset(text, issue.span[0]), utf16_offset(text, issue.span[1]))


@dataclass(frozen=True)
class ChannelLimits:
    """Hard limits and best-practice thresholds; defaults follow PLATFORM.md, all overridable."""

    inmail_subject: int = 200
    inmail_body: int = 1900
    connection_note_premium: int = 300
    connection_note_free: int = 200
    message_body: int = 8000
    email_subject: int = 200
    email_body: int = 20000
    short_body: int = 400  # InMail / message bodies answer better below this
    subject_words: int = 10

    def subject_limit(self, channel: str) -> int | None:
        """The subject limit, or None when the channel has no subject."""
        if channel == "inmail":
            return self.inmail_subject
        if channel == "email":
            return self.email_subject
        return None

    def body_limit(self, channel: str, account: str = "premium") -> int:
        if channel == "inmail":
            return self.inmail_body
        if channel == "connection_note":
            return self.connection_note_free if account == "free" else self.connection_note_premium
        if channel == "message":
            return self.message_body
        if channel == "email":
            return self.email_body
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ChannelLimits:
        """Overrides from settings-like data; unknown keys are ignored, values must be int."""
        known = {k: int(v) for k, v in values.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known)


DEFAULT_LIMITS = ChannelLimits()


@dataclass(slots=True)
class Issue:
    code: str
    severity: Severity
    message: str
    span: tuple[int, int]
    field: Literal["subject", "body"] = "body"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "span": [self.span[0], self.span[1]],
            "field": self.field,
        }


@dataclass(slots=True)
class LintResult:
    channel: str
    ok: bool
    score: int
    issues: tuple[Issue, ...]
    length: dict[str, int]
    limit: dict[str, int | None]
    framework: str | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def clean(self) -> bool:
        """No errors and no warnings (infos are fine)."""
        return all(i.severity == "info" for i in self.issues)

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "score": self.score,
            "channel": self.channel,
            "length": dict(self.length),
            "limit": dict(self.limit),
            "issues": [i.to_dict() for i in self.issues],
        }


def score_issues(issues: Iterable[Issue]) -> int:
    """100 minus 40 for the first error (20 each after), 10 per warning code (+2 per repeat).

    Any error caps the score at 40 so a broken message never looks good.
    """
    seen: set[str] = set()
    penalty = 0
    errors = 0
    for issue in issues:
        if issue.severity == "error":
            penalty += 40 if errors == 0 else 20
            errors += 1
        elif issue.severity == "warning":
            penalty += 2 if issue.code in seen else 10
        seen.add(issue.code)
    score = max(0, 100 - penalty)
    return min(score, 40) if errors else score


def lint(
    channel: str,
    subject: str | None,
    body: str,
    *,
    account: str = "premium",
    limits: ChannelLimits | None = None,
    variables_used: Iterable[str] = (),
) -> LintResult:
    """Check one message against the channel's hard limits and the coach's best practice.

    ``variables_used`` names the template variables the message was rendered from: anything
    beyond the first name (and the sender's own fields) counts as personalisation.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    limits = limits or DEFAULT_LIMITS
    subject = normalize_newlines(subject or "")
    body = normalize_newlines(body or "")
    subject_limit = limits.subject_limit(channel)
    body_limit = limits.body_limit(channel, account)
    label = CHANNEL_LABELS[channel]
    issues: list[Issue] = []
    subject_len = text_length(subject) if subject_limit is not None else 0
    body_len = text_length(body)

    if subject_limit is not None:
        stripped = subject.strip()
        if not stripped:
            issues.append(
                Issue(
                    "subject_missing",
                    "error",
                    f"{label[0].upper()}{label[1:]} needs a subject: add a short, specific one "
                    f"(under {limits.subject_words} words).",
                    (0, len(subject)),
                    "subject",
                )
            )
        elif subject_len > subject_limit:
            cut = subject_len - subject_limit
            issues.append(
                Issue(
                    "subject_too_long",
                    "error",
                    f"Subject is {subject_len:,} characters; {label} allows {subject_limit:,}: cut {cut:,}.",
                    (cut_index(subject, subject_limit), len(subject)),
                    "subject",
                )
            )
        if stripped:
            issues.extend(_subject_checks(subject, limits))

    has_body = bool(body.strip())
    lower = body.lower()
    span = phrases.core_span(body, lower) if has_body else (0, len(body))
    words = phrases.tokens(lower) if has_body else set()
    if not has_body:
        issues.append(
            Issue("body_empty", "error", f"The body is empty: write the message for {label}.", (0, len(body)))
        )
    else:
        if body_len > body_limit:
            cut = body_len - body_limit
            issues.append(
                Issue(
                    "body_too_long",
                    "error",
                    f"Body is {body_len:,} characters; {label} allows {body_limit:,}"
                    f"{' on a free account' if channel == 'connection_note' and account == 'free' else ''}"
                    f": cut {cut:,}.",
                    (cut_index(body, body_limit), len(body)),
                )
            )
        elif channel in ("inmail", "message") and body_len > limits.short_body:
            issues.append(
                Issue(
                    "body_long",
                    "warning",
                    f"Body is {body_len:,} characters; {label} answers best under "
                    f"{limits.short_body:,}: cut about {body_len - limits.short_body:,}.",
                    (cut_index(body, limits.short_body), len(body)),
                )
            )
        issues.extend(_body_checks(channel, body, variables_used, span, words, lower))

    issues.extend(_unresolved(subject, "subject"))
    issues.extend(_unresolved(body, "body"))
    framework = phrases.detect_framework(body, span, words, lower) if has_body else None
    if framework is not None:
        name, span = framework
        issues.append(
            Issue("framework", "info", f"Reads as {name} ({wordlists.FRAMEWORK_NAMES[name]}).", span)
        )
    _to_units(issues, subject, body, body_len)
    if len(issues) > 1:
        issues.sort(key=_issue_order)
    ok = not any(i.severity == "error" for i in issues)
    return LintResult(
        channel=channel,
        ok=ok,
        score=score_issues(issues),
        issues=tuple(issues),
        length={"subject": subject_len, "body": body_len},
        limit={"subject": subject_limit, "body": body_limit},
        framework=framework[0] if framework else None,
    )


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _issue_order(issue: Issue) -> tuple[int, bool, int]:
    return _SEVERITY_ORDER[issue.severity], issue.field != "subject", issue.span[0]


def _unresolved(text: str, where: Literal["subject", "body"]) -> list[Issue]:
    if "{" not in text and "}" not in text and "[" not in text:
        return []
    out: list[Issue] = []
    for match in phrases.UNRESOLVED_RE.finditer(text):
        out.append(
            Issue(
                "unresolved_variable",
                "error",
                f"{where.capitalize()} contains {match.group(0)!r} at character "
                f"{utf16_offset(text, match.start()) + 1}: "
                "a placeholder was not filled in; fix the template or give the variable a default.",
                (match.start(), match.end()),
                where,
            )
        )
    return out


def _subject_checks(subject: str, limits: ChannelLimits) -> list[Issue]:
    out: list[Issue] = []
    words = subject.split()
    if len(words) > limits.subject_words:  # a lone dash or emoji is not a word
        words = [w for w in words if any(ch.isalnum() for ch in w)]
    if len(words) > limits.subject_words:
        out.append(
            Issue(
                "subject_wordy",
                "warning",
                f"Subject has {len(words)} words; keep it under {limits.subject_words + 1} "
                f"(drop {len(words) - limits.subject_words}) and make it specific to the reader.",
                (0, len(subject)),
                "subject",
            )
        )
    subject_tokens = phrases.tokens(subject.lower())
    if phrases.is_generic_subject(subject, subject_tokens):
        out.append(
            Issue(
                "generic_subject",
                "warning",
                f"Subject {subject.strip()!r} is generic: name something specific to the reader "
                "(their company, a post, a shared connection).",
                (0, len(subject)),
                "subject",
            )
        )
    shout = phrases.find_shouting(subject, subject_tokens)
    if shout is not None:
        out.append(Issue("shouting", "warning", shout[0], shout[1], "subject"))
    for phrase, span in phrases.find_spam(subject, subject_tokens):
        out.append(
            Issue(
                "spam_phrases",
                "warning",
                f"Subject uses the spam-filter phrase {phrase!r}: say it plainly instead.",
                span,
                "subject",
            )
        )
    return out


def _body_checks(
    channel: str,
    body: str,
    variables_used: Iterable[str],
    span: tuple[int, int],
    words: set[str],
    lower: str,
) -> list[Issue]:
    out: list[Issue] = []
    core_start, core_end = span
    core = body[core_start:core_end]
    if not phrases.has_call_to_action(core):
        out.append(
            Issue(
                "no_call_to_action",
                "warning",
                "No question or concrete ask: end with one small, specific question "
                "(e.g. 'Would a 15-minute call next week be useful?').",
                (core_start, core_end),
            )
        )
    if not phrases.is_personal(core, variables_used):
        out.append(
            Issue(
                "no_personalization",
                "warning",
                "Nothing in the message is specific to the recipient: mention their company, role, "
                "a recent post or a concrete detail (a variable beyond the first name).",
                (core_start, core_end),
            )
        )
    if channel in LINKEDIN_CHANNELS:
        links = phrases.find_links(body, lower)
        if len(links) > 1:
            out.append(
                Issue(
                    "too_many_links",
                    "warning",
                    f"{len(links)} links in a LinkedIn message; keep at most one (remove {len(links) - 1}).",
                    (links[1][0], links[-1][1]),
                )
            )
    shout = phrases.find_shouting(body, words)
    if shout is not None:
        out.append(Issue("shouting", "warning", shout[0], shout[1]))
    for phrase, where in phrases.find_spam(body, words, lower):
        out.append(
            Issue(
                "spam_phrases",
                "warning",
                f"Uses the spam-filter phrase {phrase!r}: say it plainly instead.",
                where,
            )
        )
    selfish = phrases.self_centered(core, core_start)
    if selfish is not None:
        count, total, span = selfish
        out.append(
            Issue(
                "self_centered",
                "warning",
                f"{count} of {total} sentences start with I/we: lead with the reader "
                "('You', 'Your team') and what is in it for them.",
                span,
            )
        )
    return out
