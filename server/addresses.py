"""Which `From` addresses the WhatsApp webhook accepts: `whatsapp:` and a phone number in E.164 form."""

from __future__ import annotations

import phonenumbers

PREFIX = "whatsapp:"
_MEXICO = "+521"
"""WhatsApp still writes Mexican mobiles with the "1" that Mexico dropped in 2019: +52 1 55 1234 5678."""


def is_whatsapp_address(value: str) -> bool:
    """True for `whatsapp:+<E.164 number>` that `phonenumbers` finds valid (Mexico's +521 form included).

    Anything else (a bare number, which Twilio would answer by SMS; `sms:`, `web:` threads; spaces or
    punctuation inside the number) is refused, so a request can only ever reach a WhatsApp thread.
    """
    if not value.startswith(PREFIX):
        return False
    number = value[len(PREFIX) :]
    if not number.startswith("+") or not number[1:].isdigit():
        return False
    candidates = [number]
    if number.startswith(_MEXICO) and len(number) == 14:
        candidates.append("+52" + number[len(_MEXICO) :])
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, None)
        except phonenumbers.NumberParseException:
            continue
        if (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == candidate
        ):
            return True
    return False
