"""Modem errors, following the +CMS ERROR (3GPP TS 27.005 3.2.5, causes from
TS 24.011 E.2 / TS 23.040 9.2.3.22) and +CME ERROR (TS 27.007 9.2) codes.

Every error carries `reason_ru` (what the shop's staff read in the SMS log and
on the devices page) and `kind`, which decides what the outbox does:

- "transient": try the same message again later (network congestion, 500...);
- "permanent": this message will never go (bad number, bad PDU) - fail it;
- "device":    the modem/SIM/network needs a person; messages wait, staff are told;
- "account":   the operator refuses to send (no credit, SMS barred by tariff);
               messages wait, staff are told.
"""

from __future__ import annotations

import re

CMS_ERRORS: dict[int, tuple[str, str]] = {
    1: ("permanent", "номер не существует"),
    8: ("account", "оператор запретил отправку (блокировка номера SIM-карты)"),
    10: ("account", "отправка SMS запрещена на SIM-карте"),
    21: ("account", "оператор отклонил SMS — проверьте баланс SIM-карты модема"),
    27: ("transient", "телефон получателя недоступен"),
    28: ("permanent", "неизвестный абонент"),
    29: ("account", "оператор отклонил услугу"),
    30: ("permanent", "неизвестный абонент"),
    38: ("transient", "сеть оператора не работает"),
    41: ("transient", "временный сбой сети"),
    42: ("transient", "сеть перегружена"),
    47: ("transient", "нет ресурсов в сети"),
    50: ("account", "услуга SMS не подключена на SIM-карте"),
    69: ("permanent", "функция не поддерживается сетью"),
    81: ("transient", "сбой номера ссылки SMS"),
    95: ("permanent", "неверное сообщение"),
    96: ("permanent", "неверные данные сообщения"),
    111: ("transient", "ошибка протокола"),
    127: ("transient", "ошибка взаимодействия сетей"),
    300: ("transient", "сбой модема"),
    301: ("device", "служба SMS модема занята"),
    302: ("device", "операция не разрешена модемом"),
    303: ("device", "операция не поддерживается модемом"),
    304: ("permanent", "неверный формат сообщения (PDU)"),
    305: ("permanent", "неверный текст сообщения"),
    310: ("device", "SIM-карта не вставлена"),
    311: ("device", "SIM-карта требует PIN-код"),
    312: ("device", "модем требует PIN-код телефона"),
    313: ("device", "неисправна SIM-карта"),
    314: ("transient", "SIM-карта занята"),
    315: ("device", "неподходящая SIM-карта"),
    316: ("device", "SIM-карта заблокирована, нужен PUK-код"),
    317: ("device", "SIM-карта требует PIN2-код"),
    318: ("device", "SIM-карта требует PUK2-код"),
    320: ("device", "сбой памяти SIM-карты"),
    321: ("permanent", "неверный номер ячейки памяти"),
    322: ("device", "память SMS заполнена"),
    330: ("device", "не задан номер SMS-центра"),
    331: ("device", "нет сети"),
    332: ("transient", "сеть не ответила вовремя"),
    340: ("transient", "подтверждение не ожидалось"),
    500: ("transient", "неизвестная ошибка модема"),
}

CME_ERRORS: dict[int, tuple[str, str]] = {
    0: ("device", "сбой модема"),
    3: ("device", "операция не разрешена"),
    4: ("device", "операция не поддерживается"),
    10: ("device", "SIM-карта не вставлена"),
    11: ("device", "SIM-карта требует PIN-код"),
    12: ("device", "SIM-карта заблокирована, нужен PUK-код"),
    13: ("device", "неисправна SIM-карта"),
    14: ("transient", "SIM-карта занята"),
    15: ("device", "неподходящая SIM-карта"),
    16: ("device", "неверный пароль"),
    17: ("device", "SIM-карта требует PIN2-код"),
    18: ("device", "SIM-карта требует PUK2-код"),
    20: ("device", "память заполнена"),
    21: ("permanent", "неверный номер ячейки памяти"),
    22: ("permanent", "не найдено"),
    23: ("device", "сбой памяти"),
    30: ("device", "нет сети"),
    31: ("transient", "сеть не ответила вовремя"),
    32: ("device", "сеть не разрешена — только экстренные вызовы"),
    100: ("transient", "неизвестная ошибка модема"),
    515: ("transient", "модем занят"),
}


class ModemError(Exception):
    """Anything that went wrong talking to the modem."""

    kind = "device"

    def __init__(self, reason_ru: str, *, detail: str = "") -> None:
        super().__init__(reason_ru if not detail else f"{reason_ru} ({detail})")
        self.reason_ru = reason_ru
        self.detail = detail


class ModemGone(ModemError):
    """The port vanished (USB unplugged) or could not be opened."""


class ModemTimeout(ModemError):
    """No final result in time; `partial` holds the lines that did arrive."""

    kind = "transient"

    def __init__(self, command: str, partial: list[str], timeout: float) -> None:
        super().__init__("модем не ответил вовремя", detail=f"{command!r} за {timeout:g} с")
        self.command = command
        self.partial = partial


class SendUncertain(ModemError):
    """The PDU was handed to the modem but no answer came: it may have gone out.
    Never resend automatically."""

    kind = "uncertain"


class CommandError(ModemError):
    """A plain ERROR (or a vendor's "COMMAND NOT SUPPORT")."""

    def __init__(self, command: str, line: str, code: int | None = None,
                 kind: str = "device", reason_ru: str = "модем ответил ошибкой") -> None:
        super().__init__(reason_ru, detail=f"{command}: {line}")
        self.command = command
        self.line = line
        self.code = code
        self.kind = kind


class CmsError(CommandError):
    """+CMS ERROR: n (message service)."""


class CmeError(CommandError):
    """+CME ERROR: n (equipment)."""


_ERR_RE = re.compile(r"^\+CM([ES]) ERROR: ?(.*)$")


def error_from_line(command: str, line: str) -> CommandError:
    """Final error line -> the exception to raise."""
    m = _ERR_RE.match(line)
    if not m:
        return CommandError(command, line)
    which, rest = m.groups()
    table, cls = (CMS_ERRORS, CmsError) if which == "S" else (CME_ERRORS, CmeError)
    rest = rest.strip()
    if rest.isdigit():
        code = int(rest)
        kind, reason = table.get(code, ("transient" if code >= 500 else "device",
                                        f"ошибка модема +CM{which} ERROR {code}"))
        return cls(command, line, code, kind, reason)
    # AT+CMEE=2 verbose text: keep the modem's words.
    return cls(command, line, None, "device", f"ошибка модема: {rest}")
