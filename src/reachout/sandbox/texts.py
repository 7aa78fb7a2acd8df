"""Reply texts simulated members write, in their language (pure, picked by a seeded draw)."""

from __future__ import annotations

from datetime import datetime

from reachout.sandbox.world import Member

_POSITIVE = {
    "en": [
        "Thanks, this sounds interesting. Can we talk next week?",
        "Hi, yes I'm interested. Send me a few times that work for a call.",
    ],
    "fr": [
        "Merci, c'est intéressant. On peut en parler la semaine prochaine ?",
        "Bonjour, oui je suis intéressé(e). Quand seriez-vous disponible pour un appel ?",
    ],
    "de": [
        "Danke, das klingt interessant. Können wir nächste Woche telefonieren?",
        "Hallo, ja, ich bin interessiert. Schicken Sie mir gern ein paar Terminvorschläge.",
    ],
    "es": [
        "Gracias, me interesa. ¿Podemos hablar la semana que viene?",
        "Hola, sí, me interesa. ¿Cuándo te viene bien una llamada?",
    ],
    "it": ["Grazie, mi interessa. Possiamo sentirci la prossima settimana?"],
    "pt": ["Obrigado, tenho interesse. Podemos conversar na próxima semana?"],
    "nl": ["Bedankt, dat klinkt interessant. Kunnen we volgende week bellen?"],
}
_NEGATIVE = {
    "en": [
        "Thanks, but we're not interested at the moment.",
        "No thank you, this isn't a priority for us. Please remove me from your list.",
    ],
    "fr": [
        "Merci, mais ce n'est pas le moment pour nous. Pas intéressé.",
        "Non merci, ce n'est pas une priorité.",
    ],
    "de": ["Danke, aber kein Interesse im Moment.", "Nein danke, das ist für uns derzeit kein Thema."],
    "es": [
        "Gracias, pero no nos interesa en este momento.",
        "No, gracias. No es una prioridad para nosotros.",
    ],
    "it": ["Grazie, ma al momento non siamo interessati."],
    "pt": ["Obrigado, mas não temos interesse no momento."],
    "nl": ["Bedankt, maar we hebben op dit moment geen interesse."],
}
_OOO = {
    "en": "I am out of office until {date} with limited access to messages. I will reply when I am back.",
    "fr": "Je suis absent(e) du bureau jusqu'au {date}. Je vous répondrai à mon retour.",
    "de": "Ich bin bis zum {date} nicht im Büro und lese meine Nachrichten nach meiner Rückkehr.",
    "es": "Estoy fuera de la oficina hasta el {date}. Responderé a mi regreso.",
    "it": "Sono fuori ufficio fino al {date}. Risponderò al mio rientro.",
    "pt": "Estou fora do escritório até {date}. Responderei quando voltar.",
    "nl": "Ik ben afwezig tot {date}. Ik reageer wanneer ik terug ben.",
}


def reply(member: Member, positive: bool, pick: float) -> str:
    options = (_POSITIVE if positive else _NEGATIVE).get(member.language) or (
        _POSITIVE if positive else _NEGATIVE
    )["en"]
    text = options[int(pick * len(options)) % len(options)]
    sign = member.first_name
    return f"{text}\n\n{sign}" if sign else text


def out_of_office(member: Member, until: datetime, pick: float) -> str:
    template = _OOO.get(member.language) or _OOO["en"]
    return template.format(date=until.date().isoformat())
