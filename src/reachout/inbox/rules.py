"""Pure inbox rules: classify a reply and guess its language, in seven languages.

Classes: interested, not_interested, out_of_office, unsubscribe, bounce, other. The event kind
decides first (a bounce is a bounce whatever it says); then keywords, strongest intent first:
an unsubscribe request beats everything, "not interested" beats "interested" (it contains it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class ReplyClass(StrEnum):
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    OUT_OF_OFFICE = "out_of_office"
    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"
    OTHER = "other"


LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")

_UNSUBSCRIBE = [
    # en
    "unsubscribe", "remove me", "take me off", "stop emailing", "stop contacting", "stop messaging",
    "do not contact", "don't contact", "dont contact", "opt out", "opt-out", "no more emails",
    "stop sending", "leave me alone",
    # fr
    "désabonner", "désinscri", "desinscri", "retirez-moi", "ne plus recevoir", "ne me contactez plus",
    "supprimez-moi", "arrêtez de m'écrire",
    # de
    "abmelden", "austragen", "keine weiteren e-mails", "nicht mehr kontaktieren", "entfernen sie mich",
    "keine mails mehr",
    # es
    "darme de baja", "dar de baja", "no me contacte", "no me contactes", "elimíname", "no quiero recibir",
    # it
    "disiscriv", "cancellami", "non contattarmi", "rimuovetemi", "rimuovimi",
    # nl
    "uitschrijven", "afmelden", "verwijder mij", "verwijder me", "geen contact meer",
    # pt
    "descadastr", "cancelar inscrição", "não me contate", "remova-me", "remover da lista",
]  # fmt: skip

_NOT_INTERESTED = [
    # en
    "not interested", "no thanks", "no thank you", "not a fit", "not the right time", "we already have",
    "we already use", "not looking", "pass on this", "no need", "not for us", "not relevant",
    "no interest", "please don't", "not at this time",
    # fr
    "pas intéress", "pas interess", "pas vraiment intéress", "non merci", "pas besoin", "pas pour nous",
    "aucun intérêt", "pas le moment",
    # de
    "kein interesse", "nein danke", "nicht interessiert", "kein bedarf", "nicht relevant",
    # es
    "no me interesa", "no nos interesa", "no estamos interesados", "no estoy interesad", "no gracias", "no, gracias",
    "no es para nosotros",
    # it
    "non mi interessa", "non sono interessat", "no grazie", "non siamo interessati",
    # nl
    "geen interesse", "nee bedankt", "niet geïnteresseerd", "niet geinteresseerd", "geen behoefte",
    # pt
    "não tenho interesse", "não estou interessad", "não, obrigad", "sem interesse", "não temos interesse",
]  # fmt: skip

_OUT_OF_OFFICE = [
    # en
    "out of office", "out of the office", "on vacation", "on holiday", "on leave", "away until",
    "currently away", "limited access to email", "automatic reply", "auto-reply", "parental leave",
    # fr
    "absent du bureau", "absente du bureau", "en congé", "en vacances", "réponse automatique",
    "je suis absent", "je suis absente",
    # de
    "abwesend", "im urlaub", "außer haus", "nicht im büro", "automatische antwort", "abwesenheitsnotiz",
    # es
    "de vacaciones", "fuera de la oficina", "respuesta automática", "estoy ausente",
    # it
    "in ferie", "fuori ufficio", "risposta automatica", "sono assente",
    # nl
    "op vakantie", "afwezig", "niet op kantoor", "automatisch antwoord",
    # pt
    "de férias", "fora do escritório", "resposta automática", "estou ausente",
]  # fmt: skip

_INTERESTED = [
    # en
    "interested", "sounds good", "sounds great", "sounds interesting", "let's talk", "lets talk",
    "let's chat", "happy to chat", "happy to talk", "book a call", "schedule a call", "set up a call",
    "call me", "tell me more", "send me more", "send more info", "more information", "calendly",
    "what time works", "when are you free", "i'd love to", "would love to", "let's connect",
    "keen", "open to", "demo",
    # fr
    "intéressé", "intéressée", "intéressant", "ça m'intéresse", "en parler", "parlons-en", "avec plaisir", "volontiers", "appelons-nous",
    "disponible", "rendez-vous", "d'accord", "pourquoi pas", "en savoir plus",
    # de
    "interessiert", "interessant", "gerne", "klingt gut", "termin", "telefonat", "lassen sie uns",
    "mehr erfahren",
    # es
    "me interesa", "interesado", "interesada", "hablemos", "llamada", "reunión", "con gusto",
    "me encantaría", "más información",
    # it
    "mi interessa", "interessato", "interessata", "volentieri", "sentiamoci", "chiamata",
    "mi piacerebbe", "più informazioni",
    # nl
    "interesse", "graag", "klinkt goed", "afspraak", "bellen", "meer informatie",
    # pt
    "tenho interesse", "interessado", "interessada", "vamos conversar", "reunião", "com prazer",
    "mais informações", "adoraria",
]  # fmt: skip

_YES = re.compile(r"^\s*(yes|yep|sure|ok|okay|oui|ja|sí|si|sim|certo|claro|bien sûr|natürlich)\b", re.I)

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "you",
            "your",
            "for",
            "with",
            "this",
            "that",
            "have",
            "are",
            "not",
            "thanks",
            "thank",
            "would",
            "will",
            "we",
            "our",
            "is",
            "it",
            "be",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "vous",
            "votre",
            "pour",
            "avec",
            "ce",
            "cette",
            "nous",
            "est",
            "pas",
            "merci",
            "je",
            "suis",
            "une",
            "des",
            "du",
            "au",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "sie",
            "ihr",
            "für",
            "mit",
            "ist",
            "nicht",
            "danke",
            "ich",
            "wir",
            "ein",
            "eine",
            "den",
            "dem",
            "zu",
            "bin",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "usted",
            "su",
            "para",
            "con",
            "este",
            "esta",
            "nosotros",
            "es",
            "no",
            "gracias",
            "yo",
            "una",
            "del",
            "estoy",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "lei",
            "suo",
            "per",
            "con",
            "questo",
            "questa",
            "noi",
            "è",
            "non",
            "grazie",
            "io",
            "una",
            "del",
            "sono",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "en",
            "u",
            "uw",
            "voor",
            "met",
            "dit",
            "deze",
            "wij",
            "is",
            "niet",
            "bedankt",
            "ik",
            "een",
            "van",
            "ben",
            "graag",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "e",
            "você",
            "seu",
            "para",
            "com",
            "este",
            "esta",
            "nós",
            "é",
            "não",
            "obrigado",
            "obrigada",
            "eu",
            "uma",
            "do",
            "estou",
        ]
    ),
}


def _fold(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u00a0", " ").casefold().split())


def _contains_any(text: str, phrases: Iterable[str]) -> bool:
    for phrase in phrases:
        if len(phrase) <= 5:
            # Short keywords must be whole words ("demo" not in "democracy", "keen" not in "keenly").
            if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
                return True
        elif phrase in text:
            return True
    return False


_KIND_CLASS = {
    "bounce_hard": ReplyClass.BOUNCE,
    "bounce_soft": ReplyClass.BOUNCE,
    "out_of_office": ReplyClass.OUT_OF_OFFICE,
    "unsubscribe": ReplyClass.UNSUBSCRIBE,
    "declined": ReplyClass.NOT_INTERESTED,
    "inmail_disabled": ReplyClass.OTHER,
    "accepted": ReplyClass.OTHER,
    "opened": ReplyClass.OTHER,
}


def classify(text: str, *, kind: str = "reply", subject: str = "") -> ReplyClass:
    """The class of a reply's ``text`` (and ``subject``) given the event ``kind``."""
    fixed = _KIND_CLASS.get(kind)
    if fixed is not None:
        return fixed
    body = _fold(text)
    both = _fold(f"{subject} {text}")
    if _contains_any(body, _UNSUBSCRIBE) or re.match(r"^\s*(stop|unsubscribe|remove)\s*[.!]?\s*$", body):
        return ReplyClass.UNSUBSCRIBE
    if _contains_any(both, _OUT_OF_OFFICE):
        return ReplyClass.OUT_OF_OFFICE
    if _contains_any(body, _NOT_INTERESTED):
        return ReplyClass.NOT_INTERESTED
    if _contains_any(body, _INTERESTED) or _YES.match(body):
        return ReplyClass.INTERESTED
    return ReplyClass.OTHER


def stopword_language(text: str) -> tuple[str | None, int]:
    """The supported language whose stopwords ``text`` uses most, and how many it uses."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if not words:
        return None, 0
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPWORDS.items()}
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None, ranked[0]
    return best, ranked[0]
