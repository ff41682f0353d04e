"""SMS PDU codec (3GPP TS 23.040 / 23.038): SMS-SUBMIT encoding, SMS-DELIVER,
SMS-SUBMIT and SMS-STATUS-REPORT decoding.

Modems are driven in PDU mode (AT+CMGF=0) because text mode cannot carry
Cyrillic reliably across vendors (AT+CSCS handling differs between Huawei,
SIMCom and Quectel firmware) and cannot send concatenated messages at all.

Plain values in, plain values out; no I/O and nothing of the project imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# --- GSM 03.38 alphabet -------------------------------------------------------

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128
ESC = 0x1B
GSM7_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
            0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}

_BASIC_REV = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != ESC}
_EXT_REV = {ch: code for code, ch in GSM7_EXT.items()}

# Data coding schemes we produce.
DCS_GSM7 = 0x00
DCS_8BIT = 0x04
DCS_UCS2 = 0x08

# Single-message and per-part capacities (characters for GSM7 count septets).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class PduError(ValueError):
    """A PDU that cannot be decoded, or a value that cannot be encoded."""


def gsm7_septets(text: str) -> list[int]:
    """Text -> septet values (escape sequences for the extension table).

    Raises PduError when a character is not in the GSM 7-bit alphabet."""
    out: list[int] = []
    for ch in text:
        if ch in _BASIC_REV:
            out.append(_BASIC_REV[ch])
        elif ch in _EXT_REV:
            out.extend((ESC, _EXT_REV[ch]))
        else:
            raise PduError(f"character {ch!r} is not in the GSM 7-bit alphabet")
    return out


def fits_gsm7(text: str) -> bool:
    return all(ch in _BASIC_REV or ch in _EXT_REV for ch in text)


def gsm7_decode(septets) -> str:
    out = []
    escaped = False
    for s in septets:
        if escaped:
            # An unknown extension code shows the basic character (23.038 6.2.1.1).
            out.append(GSM7_EXT.get(s, GSM7_BASIC[s] if s != ESC else " "))
            escaped = False
        elif s == ESC:
            escaped = True
        else:
            out.append(GSM7_BASIC[s])
    return "".join(out)


def pack_septets(septets, fill_bits: int = 0) -> bytes:
    """Pack 7-bit values LSB first; `fill_bits` zero bits lead (after a UDH)."""
    out = bytearray()
    acc, nbits = 0, fill_bits
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int | None = None, fill_bits: int = 0) -> list[int]:
    out: list[int] = []
    acc, nbits, skip = 0, 0, fill_bits
    for b in data:
        acc |= b << nbits
        nbits += 8
        if skip:
            acc >>= skip
            nbits -= skip
            skip = 0
        while nbits >= 7 and (count is None or len(out) < count):
            out.append(acc & 0x7F)
            acc >>= 7
            nbits -= 7
    return out


def ucs2_encode(text: str) -> bytes:
    # UTF-16: phones render surrogate pairs (emoji) although 23.038 says UCS2.
    return text.encode("utf-16-be")


def ucs2_decode(data: bytes) -> str:
    if len(data) % 2:
        data = data[:-1]
    return data.decode("utf-16-be", errors="replace")


# --- semi-octets, addresses, timestamps ----------------------------------------

def encode_semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def decode_semi_octets(data: bytes) -> str:
    out = []
    for b in data:
        for nibble in (b & 0x0F, b >> 4):
            if nibble == 0xF:
                continue
            out.append("0123456789*#abc"[nibble])
    return "".join(out)


TOA_INTERNATIONAL = 0x91
TOA_NATIONAL = 0xA1
TOA_UNKNOWN = 0x81
TOA_ALPHANUMERIC = 0xD0


def encode_address(number: str, smsc: bool = False) -> bytes:
    """Destination (TP-DA) or SMSC address field. `+7916...` is international,
    digits alone national. An SMSC field counts octets, a TP address digits."""
    if number.startswith("+"):
        digits, toa = number[1:], TOA_INTERNATIONAL
    else:
        digits, toa = number, TOA_NATIONAL
    if not digits.isdigit():
        raise PduError(f"not a phone number: {number!r}")
    body = encode_semi_octets(digits)
    length = len(body) + 1 if smsc else len(digits)
    return bytes([length, toa]) + body


def _decode_address(data: bytes, pos: int, smsc: bool = False) -> tuple[str | None, int]:
    length = data[pos]
    if smsc:
        if length == 0:
            return None, pos + 1
        toa = data[pos + 1]
        body = data[pos + 2:pos + 1 + length]
        end = pos + 1 + length
    else:
        toa = data[pos + 1]
        nbytes = (length + 1) // 2
        body = data[pos + 2:pos + 2 + nbytes]
        end = pos + 2 + nbytes
    if (toa & 0x70) == 0x50:  # alphanumeric sender ("MegaFon", "Sberbank")
        septets = (length * 4) // 7 if not smsc else (len(body) * 8) // 7
        return gsm7_decode(unpack_septets(body, septets)), end
    digits = decode_semi_octets(body)
    if not smsc:
        digits = digits[:length]
    if (toa & 0x70) == 0x10:
        digits = "+" + digits
    return digits, end


def _swap(b: int) -> int:
    return ((b & 0x0F) << 4) | (b >> 4)


def decode_timestamp(data: bytes) -> datetime:
    """7-octet TP-SCTS/TP-DT, with the zone in quarter hours (sign in bit 3)."""
    if len(data) < 7:
        raise PduError("timestamp too short")
    vals = []
    for b in data[:6]:
        s = _swap(b)
        vals.append((s >> 4) * 10 + (s & 0x0F))
    tz = _swap(data[6])
    quarters = ((tz & 0x70) >> 4) * 10 + (tz & 0x0F)
    if tz & 0x80:
        quarters = -quarters
    yy, mo, dd, hh, mi, ss = vals
    try:
        return datetime(2000 + yy, mo, dd, hh, mi, ss,
                        tzinfo=timezone(timedelta(minutes=15 * quarters)))
    except ValueError as exc:
        raise PduError(f"bad timestamp: {exc}") from exc


def encode_timestamp(dt: datetime) -> bytes:
    if dt.tzinfo is None:
        raise PduError("timestamp needs a time zone")
    offset = dt.utcoffset() or timedelta(0)
    quarters = int(offset.total_seconds() // 900)
    out = bytearray()
    for v in (dt.year % 100, dt.month, dt.day, dt.hour, dt.minute, dt.second):
        out.append(_swap(((v // 10) << 4) | (v % 10)))
    q = abs(quarters)
    tz = ((q // 10) << 4) | (q % 10)
    if quarters < 0:
        tz |= 0x80
    out.append(_swap(tz))
    return bytes(out)


def encode_relative_validity(period: timedelta) -> int:
    minutes = period.total_seconds() / 60
    if minutes <= 720:
        return max(0, int(round(minutes / 5)) - 1)
    if minutes <= 1440:
        return int(round((minutes - 720) / 30)) + 143
    days = minutes / 1440
    if days <= 30:
        return int(round(days)) + 166
    weeks = days / 7
    if weeks <= 63:
        return int(round(weeks)) + 192
    raise PduError("validity period longer than 63 weeks")


def decode_relative_validity(vp: int) -> timedelta:
    if vp < 0 or vp > 255:
        raise PduError("TP-VP out of range")
    if vp <= 143:
        return timedelta(minutes=(vp + 1) * 5)
    if vp <= 167:
        return timedelta(hours=12, minutes=(vp - 143) * 30)
    if vp <= 196:
        return timedelta(days=vp - 166)
    return timedelta(weeks=vp - 192)


# --- user data header -------------------------------------------------------

@dataclass(frozen=True)
class Concat:
    """Concatenation info (IEI 0x00 with an 8-bit reference, 0x08 with 16-bit)."""
    reference: int
    total: int
    seq: int

    def encode(self) -> bytes:
        if self.reference > 0xFF:
            return bytes([0x08, 0x04, self.reference >> 8, self.reference & 0xFF, self.total, self.seq])
        return bytes([0x00, 0x03, self.reference, self.total, self.seq])


def parse_udh(udh: bytes) -> tuple[Concat | None, dict[int, bytes]]:
    """UDH body (without UDHL) -> (concatenation info, all IEs by id)."""
    ies: dict[int, bytes] = {}
    pos = 0
    while pos + 1 < len(udh):
        iei, ln = udh[pos], udh[pos + 1]
        ies[iei] = bytes(udh[pos + 2:pos + 2 + ln])
        pos += 2 + ln
    concat = None
    if 0x00 in ies and len(ies[0x00]) == 3:
        r, t, s = ies[0x00]
        concat = Concat(r, t, s)
    elif 0x08 in ies and len(ies[0x08]) == 4:
        d = ies[0x08]
        concat = Concat((d[0] << 8) | d[1], d[2], d[3])
    return concat, ies


# --- splitting and counting ----------------------------------------------------

@dataclass(frozen=True)
class Segmentation:
    encoding: str          # "gsm7" or "ucs2"
    length: int            # septets (gsm7) or UTF-16 units (ucs2)
    parts: int
    per_part: int          # capacity of one part in this encoding
    chunks: tuple[str, ...]

    @property
    def left_in_part(self) -> int:
        """What still fits in the last part before another one starts."""
        if not self.chunks:
            return self.per_part
        return max(0, self.per_part - _units(self.chunks[-1], self.encoding))


def _units(text: str, encoding: str) -> int:
    if encoding == "gsm7":
        return sum(1 if ch in _BASIC_REV else 2 for ch in text)
    return len(text.encode("utf-16-be")) // 2


def segment(text: str, force_ucs2: bool = False) -> Segmentation:
    """Choose the alphabet and split text into parts the way phones do: an escape
    pair or a surrogate pair is never cut between two parts."""
    encoding = "gsm7" if (not force_ucs2 and fits_gsm7(text)) else "ucs2"
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_PART)
    total = _units(text, encoding)
    if total <= single:
        chunks = (text,) if text else ()
        return Segmentation(encoding, total, 1 if text else 0, single, chunks)
    chunks, cur, used = [], [], 0
    for ch in text:
        n = _units(ch, encoding)
        if used + n > part:
            chunks.append("".join(cur))
            cur, used = [], 0
        cur.append(ch)
        used += n
    if cur:
        chunks.append("".join(cur))
    return Segmentation(encoding, total, len(chunks), part, tuple(chunks))


# --- SMS-SUBMIT ---------------------------------------------------------------

@dataclass(frozen=True)
class SubmitPdu:
    """One PDU ready for AT+CMGS=<tpdu_length>."""
    data: bytes
    tpdu_length: int
    seq: int = 1
    total: int = 1

    @property
    def hex(self) -> str:
        return self.data.hex().upper()


def encode_submit(number: str, text: str, *, reference: int = 0,
                  validity: timedelta | datetime | None = None, smsc: str | None = None,
                  status_report: bool = False, reject_duplicates: bool = False,
                  concat_ref: int = 0, force_ucs2: bool = False) -> list[SubmitPdu]:
    """Encode `text` to `number` as one or more SMS-SUBMIT PDUs.

    `concat_ref` is the concatenation reference shared by the parts; the caller
    keeps it rotating so a phone never glues parts of two messages together."""
    seg = segment(text, force_ucs2=force_ucs2)
    chunks = seg.chunks or ("",)
    total = len(chunks)
    if total > 255:
        raise PduError("message too long")
    smsc_field = encode_address(smsc, smsc=True) if smsc else b"\x00"
    fo = 0x01
    if reject_duplicates:
        fo |= 0x04
    vp = b""
    if isinstance(validity, timedelta):
        fo |= 0x10
        vp = bytes([encode_relative_validity(validity)])
    elif isinstance(validity, datetime):
        fo |= 0x18
        vp = encode_timestamp(validity)
    elif validity is not None:
        raise TypeError("validity must be a timedelta or a datetime")
    if status_report:
        fo |= 0x20
    if total > 1:
        fo |= 0x40
    da = encode_address(number)
    dcs = DCS_GSM7 if seg.encoding == "gsm7" else DCS_UCS2
    out = []
    for i, chunk in enumerate(chunks, start=1):
        ud = _user_data(chunk, seg.encoding, concat_ref, total, i)
        tpdu = bytes([fo, reference & 0xFF]) + da + bytes([0x00, dcs]) + vp + ud
        out.append(SubmitPdu(smsc_field + tpdu, len(tpdu), i, total))
    return out


def _user_data(chunk: str, encoding: str, concat_ref: int, total: int, seq: int) -> bytes:
    """TP-UDL followed by TP-UD (with the concatenation UDH when total > 1)."""
    udh = b""
    if total > 1:
        ie = Concat(concat_ref & 0xFF, total, seq).encode()
        udh = bytes([len(ie)]) + ie
    if encoding == "gsm7":
        septets = gsm7_septets(chunk)
        udh_septets = (len(udh) * 8 + 6) // 7
        fill = udh_septets * 7 - len(udh) * 8
        return bytes([udh_septets + len(septets)]) + udh + pack_septets(septets, fill)
    ud = udh + ucs2_encode(chunk)
    return bytes([len(ud)]) + ud


# --- network side (what an SMSC hands a phone): used by the simulator and tests ---

def encode_deliver(sender: str, text: str, when: datetime, *, smsc: str | None = None,
                   concat_ref: int = 0) -> list[str]:
    """SMS-DELIVER PDUs (hex, SMSC field first) as a modem would store them."""
    seg = segment(text)
    chunks = seg.chunks or ("",)
    total = len(chunks)
    dcs = DCS_GSM7 if seg.encoding == "gsm7" else DCS_UCS2
    smsc_field = encode_address(smsc, smsc=True) if smsc else b"\x00"
    fo = 0x04 | (0x40 if total > 1 else 0)
    out = []
    for i, chunk in enumerate(chunks, start=1):
        body = (bytes([fo]) + encode_address(sender) + bytes([0x00, dcs]) + encode_timestamp(when)
                + _user_data(chunk, seg.encoding, concat_ref, total, i))
        out.append((smsc_field + body).hex().upper())
    return out


def encode_status_report(recipient: str, reference: int, submitted: datetime,
                         discharged: datetime, status: int = 0, smsc: str | None = None) -> str:
    smsc_field = encode_address(smsc, smsc=True) if smsc else b"\x00"
    body = (bytes([0x06, reference & 0xFF]) + encode_address(recipient)
            + encode_timestamp(submitted) + encode_timestamp(discharged) + bytes([status]))
    return (smsc_field + body).hex().upper()


# --- decoding -----------------------------------------------------------------

@dataclass
class Sms:
    """A decoded PDU. `kind` is "deliver", "submit" or "status-report"."""
    kind: str
    smsc: str | None = None
    number: str | None = None
    text: str = ""
    time: datetime | None = None
    concat: Concat | None = None
    reference: int | None = None        # TP-MR (submit, status report)
    validity: timedelta | datetime | None = None
    discharge: datetime | None = None   # status report: when delivered / failed
    status: int | None = None           # status report TP-ST
    dcs: int = 0
    status_report_requested: bool = False
    udh: dict[int, bytes] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        return self.status is not None and self.status < 0x20

    @property
    def final(self) -> bool:
        """False while the SMSC is still trying (TP-ST 0x20..0x3F)."""
        return self.status is not None and not (0x20 <= self.status < 0x40)


def _alphabet(dcs: int) -> str:
    group = dcs & 0xF0
    if group & 0xC0 in (0x00, 0x40):
        if dcs & 0x20:
            raise PduError("compressed user data is not supported")
        return ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03]
    if group == 0xF0:
        return "8bit" if dcs & 0x04 else "gsm7"
    if group == 0xE0:
        return "ucs2"
    return "gsm7"


def _decode_user_data(data: bytes, pos: int, dcs: int, udhi: bool) -> tuple[str, Concat | None, dict]:
    udl = data[pos]
    ud = data[pos + 1:]
    alphabet = _alphabet(dcs)
    concat, ies, udh_len = None, {}, 0
    if udhi and ud:
        udh_len = ud[0] + 1
        concat, ies = parse_udh(ud[1:udh_len])
    if alphabet == "gsm7":
        udh_septets = (udh_len * 8 + 6) // 7
        fill = udh_septets * 7 - udh_len * 8
        count = max(0, udl - udh_septets)
        septets = unpack_septets(ud[udh_len:], count, fill)
        return gsm7_decode(septets), concat, ies
    body = ud[udh_len:udl] if udl <= len(ud) else ud[udh_len:]
    if alphabet == "ucs2":
        return ucs2_decode(body), concat, ies
    return body.decode("latin-1"), concat, ies


def decode(pdu: str | bytes, has_smsc: bool = True) -> Sms:
    """Decode a PDU as a modem lists it (+CMGL/+CMGR/+CMT/+CDS), SMSC first.

    The message type (TP-MTI) is read as a phone's own storage holds it:
    00 DELIVER, 01 SUBMIT, 10 STATUS-REPORT."""
    try:
        data = bytes.fromhex(pdu) if isinstance(pdu, str) else bytes(pdu)
    except ValueError as exc:
        raise PduError(f"not hex: {exc}") from exc
    try:
        return _decode(data, has_smsc)
    except IndexError as exc:
        raise PduError("PDU truncated") from exc


def _decode(data: bytes, has_smsc: bool) -> Sms:
    pos = 0
    smsc = None
    if has_smsc:
        smsc, pos = _decode_address(data, 0, smsc=True)
    fo = data[pos]
    pos += 1
    mti = fo & 0x03
    udhi = bool(fo & 0x40)
    if mti == 0x00:
        number, pos = _decode_address(data, pos)
        dcs = data[pos + 1]
        pos += 2
        ts = decode_timestamp(data[pos:pos + 7])
        pos += 7
        text, concat, ies = _decode_user_data(data, pos, dcs, udhi)
        return Sms("deliver", smsc=smsc, number=number, text=text, time=ts, concat=concat,
                   dcs=dcs, udh=ies, status_report_requested=bool(fo & 0x20))
    if mti == 0x01:
        ref = data[pos]
        number, pos = _decode_address(data, pos + 1)
        dcs = data[pos + 1]
        pos += 2
        vpf = (fo >> 3) & 0x03
        validity = None
        if vpf == 0x02:
            validity = decode_relative_validity(data[pos])
            pos += 1
        elif vpf == 0x03:
            validity = decode_timestamp(data[pos:pos + 7])
            pos += 7
        elif vpf == 0x01:
            pos += 7
        text, concat, ies = _decode_user_data(data, pos, dcs, udhi)
        return Sms("submit", smsc=smsc, number=number, text=text, concat=concat, reference=ref,
                   validity=validity, dcs=dcs, udh=ies, status_report_requested=bool(fo & 0x20))
    if mti == 0x02:
        ref = data[pos]
        number, pos = _decode_address(data, pos + 1)
        scts = decode_timestamp(data[pos:pos + 7])
        discharge = decode_timestamp(data[pos + 7:pos + 14])
        status = data[pos + 14]
        return Sms("status-report", smsc=smsc, number=number, reference=ref, time=scts,
                   discharge=discharge, status=status)
    raise PduError(f"unsupported message type {mti}")


# TP-Status meanings (23.040 9.2.3.15), for the SMS log.
STATUS_REASONS_RU = {
    0x00: "доставлено",
    0x01: "передано, доставка не подтверждена",
    0x02: "заменено центром SMS",
    0x20: "абонент занят, центр SMS повторяет",
    0x21: "нет ответа от абонента, центр SMS повторяет",
    0x22: "услуга отклонена, центр SMS повторяет",
    0x24: "ошибка в телефоне абонента, центр SMS повторяет",
    0x41: "несовместимый адресат",
    0x42: "соединение отклонено абонентом",
    0x45: "ошибка в телефоне абонента",
    0x46: "истёк срок хранения в центре SMS",
    0x47: "сообщение удалено отправителем",
    0x48: "сообщение удалено администратором центра SMS",
    0x49: "сообщение не существует",
    0x60: "абонент занят",
    0x61: "нет ответа от абонента",
    0x62: "услуга отклонена",
    0x65: "ошибка в телефоне абонента",
}


def status_reason(status: int) -> str:
    if status in STATUS_REASONS_RU:
        return STATUS_REASONS_RU[status]
    if status < 0x20:
        return "доставлено"
    if status < 0x40:
        return "центр SMS ещё пытается доставить"
    if status < 0x60:
        return f"не доставлено (код {status:#04x})"
    return f"не доставлено, центр SMS прекратил попытки (код {status:#04x})"
