from __future__ import annotations

import pytest

from reachout.inbox.language import detect_language
from reachout.inbox.rules import ReplyClass, classify, stopword_language

CASES = [
    # (text, class, language)
    ("Sounds good, let's talk next week. What time works for you?", ReplyClass.INTERESTED, "en"),
    ("Not interested, thanks. We already have a provider for this.", ReplyClass.NOT_INTERESTED, "en"),
    ("Please remove me from your list and stop emailing me.", ReplyClass.UNSUBSCRIBE, "en"),
    ("I am out of the office until Monday with limited access to email.", ReplyClass.OUT_OF_OFFICE, "en"),
    ("Merci pour votre message, ça m'intéresse, je suis disponible jeudi.", ReplyClass.INTERESTED, "fr"),
    ("Non merci, ce n'est pas pour nous, pas intéressé.", ReplyClass.NOT_INTERESTED, "fr"),
    ("Merci, c'est intéressant. On peut en parler la semaine prochaine ?", ReplyClass.INTERESTED, "fr"),
    ("Ce n'est pas intéressant pour nous.", ReplyClass.NOT_INTERESTED, "fr"),
    ("Je suis absent du bureau jusqu'au 5 décembre.", ReplyClass.OUT_OF_OFFICE, "fr"),
    ("Danke für die Nachricht, klingt gut, lassen Sie uns einen Termin finden.", ReplyClass.INTERESTED, "de"),
    ("Kein Interesse, danke. Bitte nicht mehr kontaktieren.", ReplyClass.UNSUBSCRIBE, "de"),
    ("Hola, me interesa, hablemos el lunes por una llamada.", ReplyClass.INTERESTED, "es"),
    ("No me interesa, gracias por su mensaje.", ReplyClass.NOT_INTERESTED, "es"),
    ("Gracias, pero no nos interesa en este momento.", ReplyClass.NOT_INTERESTED, "es"),
    ("Grazie, mi interessa: sentiamoci per una chiamata.", ReplyClass.INTERESTED, "it"),
    ("Grazie ma non sono interessato al momento.", ReplyClass.NOT_INTERESTED, "it"),
    ("Bedankt voor uw bericht, geen interesse.", ReplyClass.NOT_INTERESTED, "nl"),
    ("Ik ben op vakantie tot 4 december, ik ben niet op kantoor.", ReplyClass.OUT_OF_OFFICE, "nl"),
    ("Obrigado pela mensagem, tenho interesse, vamos conversar.", ReplyClass.INTERESTED, "pt"),
    ("Não tenho interesse, obrigado.", ReplyClass.NOT_INTERESTED, "pt"),
    ("Who gave you my address?", ReplyClass.OTHER, "en"),
]


@pytest.mark.parametrize(("text", "klass", "language"), CASES)
def test_reply_class_and_language(text: str, klass: ReplyClass, language: str) -> None:
    assert classify(text) is klass
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("kind", "klass"),
    [
        ("bounce_hard", ReplyClass.BOUNCE),
        ("bounce_soft", ReplyClass.BOUNCE),
        ("out_of_office", ReplyClass.OUT_OF_OFFICE),
        ("unsubscribe", ReplyClass.UNSUBSCRIBE),
        ("declined", ReplyClass.NOT_INTERESTED),
        ("accepted", ReplyClass.OTHER),
    ],
)
def test_event_kind_decides_before_the_text(kind: str, klass: ReplyClass) -> None:
    assert classify("Sounds great, let's talk", kind=kind) is klass


def test_not_interested_wins_over_interested_and_short_words_are_whole_words() -> None:
    assert classify("I'm not interested") is ReplyClass.NOT_INTERESTED
    assert classify("Democracy is a topic I write about") is ReplyClass.OTHER
    assert classify("Yes, please send details") is ReplyClass.INTERESTED
    assert classify("STOP") is ReplyClass.UNSUBSCRIBE


def test_language_is_deterministic_and_none_for_empty_text() -> None:
    text = "Gracias, lo vemos la semana que viene"
    assert len({detect_language(text) for _ in range(5)}) == 1
    assert detect_language("   ") is None
    assert stopword_language("") == (None, 0)
