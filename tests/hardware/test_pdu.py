"""PDU codec against published vectors, then round trips.

Sources of the vectors (each test names its own):
- [GSMMODEM] python-gsmmodem test suite, test/test_pdu.py
  (https://github.com/faucamp/python-gsmmodem), vectors captured from real
  networks and modems (South Africa, Netherlands, Hong Kong).
- [DEVHOME] developershome.com "SMS Tutorial: Decoding SMS-DELIVER PDU" worked
  example (also reused by python-gsmmodem): "It is easy to read text messages
  via AT commands." from +85291234567.
- [DREAMFABRIC] Lars Pettersson, "SMS and the PDU format" (dreamfabric.com),
  the classic "hellohello" SMS-SUBMIT to +46708251358 with TP-VP 0xAA.
- [23.038] 3GPP TS 23.038 6.1.2.1 / 6.2.1: the default alphabet and extension
  table code points.
- [23.040] 3GPP TS 23.040 9.2.3.12 (relative validity), 9.2.3.11 (time stamp),
  9.2.3.24.1 (concatenation IE).
"""

from datetime import datetime, timedelta, timezone

import pytest

from hardware.modem import pdu


def tz(hours):
    return timezone(timedelta(hours=hours))


# --- alphabet and septet packing ---------------------------------------------

# [GSMMODEM] TestGsm7: (text, septet values, packed octets)
GSM7_VECTORS = [
    ("123", [49, 50, 51], bytes([49, 217, 12])),
    ("12345678", list(b"12345678"), bytes([49, 217, 140, 86, 179, 221, 112])),
    ("123456789", list(b"123456789"), bytes([49, 217, 140, 86, 179, 221, 112, 57])),
    ("Hello World!", [0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x20, 0x57, 0x6F, 0x72, 0x6C, 0x64, 0x21],
     bytes([200, 50, 155, 253, 6, 93, 223, 114, 54, 57, 4])),
    ("[{abc}]~", [0x1B, 0x3C, 0x1B, 0x28, 0x61, 0x62, 0x63, 0x1B, 0x29, 0x1B, 0x3E, 0x1B, 0x3D],
     bytes([27, 222, 6, 21, 22, 143, 55, 169, 141, 111, 211, 3])),
    ("{åΦΓΛΩΠΨΣΘ€}", [27, 40, 15, 18, 19, 20, 21, 22, 23, 24, 25, 27, 101, 27, 41],
     bytes([27, 212, 67, 50, 161, 84, 44, 23, 76, 102, 83, 222, 164, 0])),
    ("a[]{}€", [97, 27, 60, 27, 62, 27, 40, 27, 41, 27, 101],
     bytes([225, 13, 111, 227, 219, 160, 54, 169, 77, 25])),
    # [DREAMFABRIC] "hellohello" -> E8 32 9B FD 46 97 D9 EC 37
    ("hellohello", list(b"hellohello"), bytes.fromhex("E8329BFD4697D9EC37")),
]


@pytest.mark.parametrize("text,septets,packed", GSM7_VECTORS)
def test_gsm7_vectors(text, septets, packed):
    assert pdu.gsm7_septets(text) == septets
    assert pdu.pack_septets(septets) == packed
    assert pdu.unpack_septets(packed, len(septets)) == septets
    assert pdu.gsm7_decode(septets) == text


def test_gsm7_extension_table_code_points():
    # [23.038] 6.2.1.1: the ten characters reached through ESC (0x1B).
    assert pdu.gsm7_septets("^{}\\[~]|€\f") == [
        0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C,
        0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40, 0x1B, 0x65, 0x1B, 0x0A]


def test_cyrillic_is_not_gsm7():
    # [GSMMODEM] test_encodeInvalid uses CJK; the shop's case is Cyrillic.
    assert not pdu.fits_gsm7("Ваш заказ")
    with pytest.raises(pdu.PduError):
        pdu.gsm7_septets("世界您好！")


def test_ucs2_vectors():
    # [GSMMODEM] TestUcs2
    assert pdu.ucs2_encode("あ叶葉") == bytes([0x30, 0x42, 0x53, 0xF6, 0x84, 0x49])
    assert pdu.ucs2_decode(bytes([0x30, 0x6F, 0x30, 0x44])) == "はい"
    # Cyrillic code points U+041F U+0440 U+0438 U+0432 U+0435 U+0442 (Unicode chart)
    assert pdu.ucs2_encode("Привет").hex().upper() == "041F04400438043204350442"


# --- addresses, timestamps, validity ------------------------------------------

# [GSMMODEM] TestSmsPduAddressFields: (number, hex)
@pytest.mark.parametrize("number,hexfield", [
    ("+9876543210", "0A918967452301"),
    ("+987654321", "099189674523F1"),
    ("+27829135934", "0B917228195339F4"),
    ("0129998765", "0AA11092997856"),
])
def test_address_field(number, hexfield):
    assert pdu.encode_address(number).hex().upper() == hexfield
    assert pdu._decode_address(bytes.fromhex(hexfield + "000000"), 0) == (number, len(hexfield) // 2)


@pytest.mark.parametrize("hexfield,name", [
    ("06D061F118", "abc"),                       # [GSMMODEM]
    ("0ED04669D0397C26A7", "FRANCOIS"),          # [GSMMODEM]
])
def test_alphanumeric_sender(hexfield, name):
    assert pdu._decode_address(bytes.fromhex(hexfield), 0)[0] == name


@pytest.mark.parametrize("number,hexfield", [
    ("+9876543210", "06918967452301"),            # [GSMMODEM] TestSmsPduSmscFields
    ("+2782913593", "06917228195339"),
])
def test_smsc_field(number, hexfield):
    assert pdu.encode_address(number, smsc=True).hex().upper() == hexfield
    assert pdu._decode_address(bytes.fromhex(hexfield), 0, smsc=True)[0] == number


# [GSMMODEM] TestTimestamp; zone in quarter hours with the sign bit ([23.040] 9.2.3.11)
@pytest.mark.parametrize("dt,hexts", [
    (datetime(2015, 11, 27, 0, 0, 0, tzinfo=tz(0)), "51117200000000"),
    (datetime(2015, 11, 27, 0, 0, 0, tzinfo=tz(2)), "51117200000080"),
    (datetime(2007, 4, 12, 23, 25, 42, tzinfo=tz(8)), "70402132522423"),
    (datetime(2007, 4, 12, 23, 25, 42, tzinfo=tz(-8)), "7040213252242B"),
    (datetime(2026, 11, 22, 15, 4, 5, tzinfo=tz(3)), "62112251405021"),  # Moscow, +3 = 12 quarters
])
def test_timestamp(dt, hexts):
    assert pdu.encode_timestamp(dt).hex().upper() == hexts
    assert pdu.decode_timestamp(bytes.fromhex(hexts)) == dt


# [GSMMODEM] TestRelativeValidityPeriod, ranges of [23.040] 9.2.3.12.1
@pytest.mark.parametrize("period,vp", [
    (timedelta(minutes=30), 5), (timedelta(hours=16), 151),
    (timedelta(days=3), 169), (timedelta(weeks=5), 197), (timedelta(days=4), 0xAA),
])
def test_relative_validity(period, vp):
    assert pdu.encode_relative_validity(period) == vp
    assert pdu.decode_relative_validity(vp) == period


def test_concat_ie():
    # [GSMMODEM] TestUdhConcatenation; [23.040] 9.2.3.24.1 / 9.2.3.24.8
    assert pdu.Concat(23, 3, 1).encode().hex() == "0003170301"
    assert pdu.Concat(384, 4, 2).encode().hex() == "080401800402"
    assert pdu.parse_udh(bytes.fromhex("080401800402"))[0] == pdu.Concat(384, 4, 2)


# --- SMS-SUBMIT encoding --------------------------------------------------------

@pytest.mark.parametrize("kwargs,expected", [
    # [GSMMODEM] test_encodeSmsSubmit #1
    (dict(number="+27820001111", text="Hello World!"),
     "0001000B917228001011F100000CC8329BFD065DDF72363904"),
    # [GSMMODEM] #2: UCS2, 52 weeks relative validity, explicit SMSC
    (dict(number="+123456789", text="世界您好！", validity=timedelta(weeks=52), smsc="+44000000000"),
     "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01"),
    # [GSMMODEM] #3: national number, TP-MR 13, 3 days, status report requested
    (dict(number="0126541234", text="Test message: local numbers", reference=13,
          validity=timedelta(days=3), smsc="12345", status_report=True),
     "04A12143F5310D0AA110624521430000A91BD4F29C0E6A97E7F3F0B9AC03B1DFE3301BE4AEB7C565F91C"),
    # [GSMMODEM] #4: absolute validity period
    (dict(number="+27820001111", text="Timestamp validity test",
          validity=datetime(2013, 7, 10, 13, 39, tzinfo=tz(2))),
     "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301"),
    # [DREAMFABRIC] "hellohello", VP 0xAA (4 days)
    (dict(number="+46708251358", text="hellohello", validity=timedelta(days=4)),
     "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"),
])
def test_encode_submit_vectors(kwargs, expected):
    (result,) = pdu.encode_submit(**kwargs)
    assert result.hex == expected
    smsc_len = bytes.fromhex(expected)[0] + 1
    assert result.tpdu_length == len(expected) // 2 - smsc_len


LOREM = ("Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut "
         "labore et dolore magna aliqua.Ut enim ad minim veniam, quinostrud exercitation ullamco laboris "
         "nisi ut aliquip ex ea commodo consequat.Duis aute irure dolor in reprehenderit in voluptate velit "
         "esse cillum doloe eu fugiat nulla pariatur.Excepteur sint occaecat cupidatat non proident, sunt in "
         "culpa qui officia deserunt mollit anim id est laborum")


def test_encode_concatenated_gsm7_vector():
    # [GSMMODEM] test_encodeSmsSubmit_concatenated: 3 parts, 153 septets each, reference 0
    expected = [
        "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD",
        "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA",
        "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
    ]
    result = pdu.encode_submit("+15125551234", LOREM, reject_duplicates=True, concat_ref=0)
    assert [p.hex for p in result] == expected
    assert [(p.seq, p.total) for p in result] == [(1, 3), (2, 3), (3, 3)]


# --- decoding ---------------------------------------------------------------------

def test_decode_deliver_gsm7():
    # [GSMMODEM] test_decode #1 (captured on a South African network)
    sms = pdu.decode("06917228195339040B917228214365F700003130805120618005D4F29C2E03")
    assert (sms.kind, sms.smsc, sms.number, sms.text) == ("deliver", "+2782913593", "+27821234567", "Test2")
    assert sms.time == datetime(2013, 3, 8, 15, 2, 16, tzinfo=tz(2))


def test_decode_deliver_developershome():
    # [DEVHOME] / [GSMMODEM] test_decode #2
    sms = pdu.decode("07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC"
                     "6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E")
    assert sms.smsc == "+85290000000" and sms.number == "+85291234567"
    assert sms.time == datetime(2007, 4, 12, 23, 25, 42, tzinfo=tz(8))
    assert sms.text == "It is easy to read text messages via AT commands."


def test_decode_deliver_extension_chars():
    # [GSMMODEM] test_decode #3
    sms = pdu.decode("06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910")
    assert sms.text == "@{tést}!"


def test_decode_deliver_concatenated_with_udh():
    # [GSMMODEM] test_decode #6: airtime notice, part 1 of 1 with reference 0xC3
    sms = pdu.decode("0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B1"
                     "9CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D"
                     "82C55EB0DB4B068BCD5C20")
    assert sms.number == "2781188" and sms.smsc == "+2781191"
    assert sms.concat == pdu.Concat(0xC3, 1, 1)
    assert sms.text == "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. "


def test_decode_submit_vectors():
    # [GSMMODEM] test_decode #4 (diafaan.com), #7 (UCS2), #8 (UDL too long), #9 (8-bit)
    sms = pdu.decode("07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701")
    assert (sms.kind, sms.number, sms.validity, sms.text) == (
        "submit", "+31628870634", timedelta(days=3), "www.diafaan.com")
    assert pdu.decode("07914346466554F601000B914316565811F9000806304253F68449").text == "あ叶葉"
    sms = pdu.decode("0041010C910661345542F60008A0050003000301306F3044")
    assert sms.text == "はい" and sms.concat == pdu.Concat(0, 3, 1) and sms.smsc is None
    assert pdu.decode("0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421").text == "Hello world!"


def test_decode_status_report():
    # [GSMMODEM] test_decode #5 (diafaan.com)
    sms = pdu.decode("0006D60B911326880736F4111011719551401110117195714000")
    assert (sms.kind, sms.number, sms.reference, sms.status) == ("status-report", "+31628870634", 214, 0)
    assert sms.delivered and sms.final
    assert sms.discharge == datetime(2011, 1, 11, 17, 59, 17, tzinfo=tz(1))


def test_decode_garbage_raises_pdu_error():
    with pytest.raises(pdu.PduError):
        pdu.decode("0006D6")
    with pytest.raises(pdu.PduError):
        pdu.decode("zz")


# --- segmentation and round trips ------------------------------------------------

@pytest.mark.parametrize("text,encoding,parts", [
    ("", "gsm7", 0),
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("€" * 80, "gsm7", 1),            # 160 septets
    ("€" * 81, "gsm7", 2),
    ("Ж" * 70, "ucs2", 1),
    ("Ж" * 71, "ucs2", 2),
    ("Ж" * 134, "ucs2", 2),
    ("Ж" * 135, "ucs2", 3),
])
def test_segmentation(text, encoding, parts):
    seg = pdu.segment(text)
    assert (seg.encoding, seg.parts) == (encoding, parts)
    assert "".join(seg.chunks) == text


def test_escape_pair_is_never_cut():
    text = "a" * 152 + "€" + "b" * 10
    seg = pdu.segment(text)
    assert seg.chunks[0] == "a" * 152 and seg.chunks[1].startswith("€")


ROUND_TRIP_TEXTS = [
    "Ваш заказ №1234 прибыл. Ждём вас в магазине «Прилавок» до 20:00. Сумма к оплате: 3 500 ₽.",
    "Здравствуйте, Иван! " * 12,
    "Order 42 {ready} [x] ~ | \\ ^ €" * 8,
    "Смайлик 🙂 на границе " * 6,
    "Hi",
]


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_submit_round_trip(text):
    pdus = pdu.encode_submit("+79161234567", text, concat_ref=201, status_report=True)
    decoded = [pdu.decode(p.hex) for p in pdus]
    assert all(d.number == "+79161234567" and d.status_report_requested for d in decoded)
    if len(pdus) > 1:
        assert [d.concat for d in decoded] == [pdu.Concat(201, len(pdus), i + 1) for i in range(len(pdus))]
    assert "".join(d.text for d in decoded) == text
    assert all(p.tpdu_length <= 164 for p in pdus)
    assert all(len(p.data) - 1 == p.tpdu_length for p in pdus)
