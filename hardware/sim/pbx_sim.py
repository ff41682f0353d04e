"""A small Asterisk PBX as seen through AMI, over a real TCP socket.

Written apart from hardware.pbx (own packet reader and writer) so the client's bugs show.
It speaks the Asterisk 16 FreePBX dialect of the sample transcripts
(../shared/samples/ami): Newchannel, DialBegin, DialState, DialEnd, BridgeEnter,
Hangup with Cause, an async Originate answered first by ``Response: Success`` and then
by an ``OriginateResponse`` event (``Failure`` for an extension that is not registered).

Scripted scenarios, driven from tests step by step or all at once:

- `ring(number, exts)` an outside call rings a ring group; `answer(call, ext)` one
  picks up (the rest get DialEnd CANCEL, Hangup cause 26); `hangup(call)`;
- `missed(number, exts)` nobody answers (DialEnd NOANSWER, Hangup 19);
- Originate action: ``Local/{ext}@from-internal`` rings the desk phone, then the
  outside number; the callee answers unless listed in ``busy_numbers``.

Faults: `refuse_logins`, `mute` (stop answering: a half-open link), `drop_all()` (the
PBX restarts), `storm(...)`. `demo=True` makes calls now and then for `make run`.
Every event carries ``Timestamp`` (Asterisk's ``timestampevents = yes``).
"""
from __future__ import annotations

import random
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

TRUNK_CONTEXT = "from-pstn"
BANNER = b"Asterisk Call Manager/5.0.1\r\n"


def packet(pairs: list[tuple[str, str]]) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in pairs) + b"\r\n"


def read_packets(rfile):
    fields: dict[str, str] = {}
    for raw in rfile:
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            if fields:
                yield fields
                fields = {}
            continue
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()


@dataclass
class SimCall:
    linkedid: str
    number: str
    exts: list[str]
    root_channel: str
    legs: dict[str, tuple[str, str]] = field(default_factory=dict)  # ext -> (channel, uniqueid)
    answered_by: str | None = None
    done: bool = False


class _Session(socketserver.StreamRequestHandler):
    def handle(self):
        sim: PbxSim = self.server.sim  # type: ignore[attr-defined]
        self.logged_in = False
        self.wlock = threading.Lock()
        self.wfile.write(BANNER)
        try:
            for req in read_packets(self.rfile):
                if sim.mute:
                    continue
                sim.handle_action(self, req)
        except OSError:
            pass  # the client went away
        finally:
            sim.forget(self)

    def write(self, data: bytes) -> None:
        with self.wlock:
            self.wfile.write(data)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class PbxSim:
    def __init__(self, port: int = 0, username: str = "prilavok", secret: str = "sim-secret",
                 registered=("101", "102", "103", "104"), demo: bool = False, demo_interval: float = 40.0,
                 seed: int | None = None):
        self.username, self.secret = username, secret
        self.registered = set(registered)
        self.busy_numbers: set[str] = set()
        self.refuse_logins = False
        self.mute = False
        self.demo = demo
        self.demo_interval = demo_interval
        self.rng = random.Random(seed)
        self.sessions: list[_Session] = []
        self.actions: list[dict] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._base = int(time.time())
        self._server = _Server(("127.0.0.1", port), _Session)
        self._server.sim = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._stop = threading.Event()

    # --- life ---------------------------------------------------------------------------
    def start(self) -> PbxSim:
        threading.Thread(target=self._server.serve_forever, name="pbx-sim", daemon=True).start()
        if self.demo:
            threading.Thread(target=self._demo_loop, name="pbx-sim-demo", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.drop_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@127.0.0.1:{self.port}"

    def forget(self, session) -> None:
        with self._lock:
            if session in self.sessions:
                self.sessions.remove(session)

    def drop_all(self) -> None:
        """The PBX restarts: every manager session is cut."""
        with self._lock:
            sessions, self.sessions = list(self.sessions), []
        for s in sessions:
            try:
                s.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    def wait_for_session(self, timeout: float = 5.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.sessions:
                return True
            time.sleep(0.02)
        return False

    # --- actions ------------------------------------------------------------------------
    def handle_action(self, session: _Session, req: dict) -> None:
        action = req.get("action", "").lower()
        aid = req.get("actionid", "")
        self.actions.append(req)
        head = [("ActionID", aid)] if aid else []
        if action == "login":
            if self.refuse_logins or req.get("username") != self.username or req.get("secret") != self.secret:
                session.write(packet([("Response", "Error")] + head + [("Message", "Authentication failed")]))
                return
            session.logged_in = True
            session.write(packet([("Response", "Success")] + head + [("Message", "Authentication accepted")]))
            with self._lock:
                self.sessions.append(session)
            session.write(packet([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted")]))
            return
        if not session.logged_in:
            session.write(packet([("Response", "Error")] + head + [("Message", "Permission denied")]))
            return
        if action == "ping":
            session.write(packet([("Response", "Success")] + head + [("Ping", "Pong"),
                                                                      ("Timestamp", f"{time.time():.6f}")]))
        elif action == "originate":
            session.write(packet([("Response", "Success")] + head + [("Message", "Originate successfully queued")]))
            threading.Thread(target=self._originate, args=(req,), daemon=True).start()
        elif action == "logoff":
            session.write(packet([("Response", "Goodbye")] + head + [("Message", "Thanks for all the fish.")]))
            session.connection.shutdown(socket.SHUT_RDWR)
        else:
            session.write(packet([("Response", "Error")] + head + [("Message", "Invalid/unknown command")]))

    # --- events -------------------------------------------------------------------------
    def _ids(self) -> str:
        with self._lock:
            self._seq += 1
            return f"{self._base}.{self._seq}"

    def emit(self, name: str, pairs: list[tuple[str, str]]) -> None:
        data = packet([("Event", name), ("Privilege", "call,all")] + pairs + [("Timestamp", f"{time.time():.6f}")])
        with self._lock:
            sessions = list(self.sessions)
        for s in sessions:
            try:
                s.write(data)
            except OSError:
                self.forget(s)

    @staticmethod
    def _chan(channel, uid, linkedid, cid, context, exten, state="4", desc="Ring"):
        return [("Channel", channel), ("ChannelState", state), ("ChannelStateDesc", desc),
                ("CallerIDNum", cid), ("CallerIDName", "<unknown>"), ("ConnectedLineNum", "<unknown>"),
                ("ConnectedLineName", "<unknown>"), ("Language", "ru"), ("AccountCode", ""),
                ("Context", context), ("Exten", exten), ("Priority", "1"), ("Uniqueid", uid), ("Linkedid", linkedid)]

    @staticmethod
    def _dest(channel, uid, linkedid, cid, state="0", desc="Down"):
        return [("DestChannel", channel), ("DestChannelState", state), ("DestChannelStateDesc", desc),
                ("DestCallerIDNum", cid), ("DestContext", "from-internal"), ("DestExten", cid),
                ("DestUniqueid", uid), ("DestLinkedid", linkedid)]

    def ring(self, number: str, exts, did: str = "74951234567") -> SimCall:
        """An outside call reaches the shop's trunk and rings every phone of the group."""
        lid = self._ids()
        root = f"PJSIP/trunk-{lid.replace('.', '')[-8:]}"
        call = SimCall(lid, number, list(exts), root)
        self.emit("Newchannel", self._chan(root, lid, lid, number, TRUNK_CONTEXT, did))
        for ext in call.exts:
            uid = self._ids()
            chan = f"PJSIP/{ext}-{uid.replace('.', '')[-8:]}"
            call.legs[ext] = (chan, uid)
            self.emit("Newchannel", self._chan(chan, uid, lid, ext, "from-internal", "s", "0", "Down"))
            self.emit("DialBegin", self._chan(root, lid, lid, number, "ext-group", "s")
                      + self._dest(chan, uid, lid, ext) + [("DialString", f"{ext}")])
            self.emit("DialState", self._chan(root, lid, lid, number, "ext-group", "s")
                      + self._dest(chan, uid, lid, ext, "5", "Ringing") + [("DialStatus", "RINGING")])
        return call

    def answer(self, call: SimCall, ext: str, recording: str | None = None) -> None:
        call.answered_by = ext
        for other, (chan, uid) in call.legs.items():
            status = "ANSWER" if other == ext else "CANCEL"
            self.emit("DialEnd", self._chan(call.root_channel, call.linkedid, call.linkedid, call.number,
                                            "ext-group", "s")
                      + self._dest(chan, uid, call.linkedid, other, "6" if other == ext else "5",
                                   "Up" if other == ext else "Ringing") + [("DialStatus", status)])
            if other != ext:
                self.emit("Hangup", self._chan(chan, uid, call.linkedid, other, "from-internal", other, "5", "Ringing")
                          + [("Cause", "26"), ("Cause-txt", "Answered elsewhere")])
        chan, uid = call.legs[ext]
        bridge = f"bridge-{call.linkedid}"
        for c, u, cid in ((chan, uid, ext), (call.root_channel, call.linkedid, call.number)):
            self.emit("BridgeEnter", [("BridgeUniqueid", bridge), ("BridgeType", "basic")]
                      + self._chan(c, u, call.linkedid, cid, "macro-dial", "s", "6", "Up"))
        if recording:
            self.emit("VarSet", self._chan(call.root_channel, call.linkedid, call.linkedid, call.number,
                                           "macro-dial", "s", "6", "Up")
                      + [("Variable", "MIXMONITOR_FILENAME"), ("Value", recording)])

    def hangup(self, call: SimCall, cause: str = "16") -> None:
        if call.done:
            return
        call.done = True
        if call.answered_by:
            chan, uid = call.legs[call.answered_by]
            self.emit("Hangup", self._chan(chan, uid, call.linkedid, call.answered_by, "macro-dial", "s", "6", "Up")
                      + [("Cause", cause), ("Cause-txt", "Normal Clearing")])
        self.emit("Hangup", self._chan(call.root_channel, call.linkedid, call.linkedid, call.number,
                                       TRUNK_CONTEXT, "h", "6" if call.answered_by else "4",
                                       "Up" if call.answered_by else "Ring")
                  + [("Cause", cause), ("Cause-txt", "Normal Clearing")])

    def no_answer(self, call: SimCall) -> None:
        for ext, (chan, uid) in call.legs.items():
            self.emit("DialEnd", self._chan(call.root_channel, call.linkedid, call.linkedid, call.number,
                                            "ext-group", "s")
                      + self._dest(chan, uid, call.linkedid, ext, "5", "Ringing") + [("DialStatus", "NOANSWER")])
            self.emit("Hangup", self._chan(chan, uid, call.linkedid, ext, "from-internal", ext, "5", "Ringing")
                      + [("Cause", "19"), ("Cause-txt", "User alerting, no answer")])
        self.hangup(call, "19")

    def answered(self, number: str, exts, by: str, talk: float = 0.0, recording: str | None = None) -> SimCall:
        call = self.ring(number, exts)
        self.answer(call, by, recording)
        if talk:
            time.sleep(talk)
        self.hangup(call)
        return call

    def missed(self, number: str, exts) -> SimCall:
        call = self.ring(number, exts)
        self.no_answer(call)
        return call

    def _originate(self, req: dict) -> None:
        """Click-to-call: ring the desk phone first, then the number dialled as Exten."""
        aid = req.get("actionid", "")
        channel = req.get("channel", "")
        number = req.get("exten", "")
        ext = channel.split("/", 1)[-1].split("@", 1)[0]
        lid = self._ids()
        local1 = f"Local/{ext}@from-internal-{lid.replace('.', '')[-8:]};1"
        self.emit("Newchannel", self._chan(local1, lid, lid, "<unknown>", "from-internal", ext, "0", "Down"))
        if ext not in self.registered:
            self.emit("Hangup", self._chan(local1, lid, lid, "<unknown>", "from-internal", ext, "0", "Down")
                      + [("Cause", "20"), ("Cause-txt", "Subscriber absent")])
            self.emit("OriginateResponse", [("ActionID", aid), ("Response", "Failure"), ("Channel", channel),
                                            ("Context", req.get("context", "")), ("Exten", number),
                                            ("Reason", "0"), ("Uniqueid", "<null>"),
                                            ("CallerIDNum", "<unknown>"), ("CallerIDName", "<unknown>")])
            return
        self.emit("Newstate", self._chan(local1, lid, lid, ext, "from-internal", ext, "6", "Up"))
        self.emit("OriginateResponse", [("ActionID", aid), ("Response", "Success"), ("Channel", local1),
                                        ("Context", req.get("context", "")), ("Exten", number), ("Reason", "4"),
                                        ("Uniqueid", lid), ("CallerIDNum", ext), ("CallerIDName", ext)])
        uid = self._ids()
        trunk = f"PJSIP/trunk-{uid.replace('.', '')[-8:]}"
        self.emit("Newchannel", self._chan(trunk, uid, lid, number, "from-internal", number, "0", "Down"))
        self.emit("DialBegin", self._chan(local1, lid, lid, ext, "macro-dialout-trunk", "s")
                  + [("DestChannel", trunk), ("DestChannelState", "0"), ("DestChannelStateDesc", "Down"),
                     ("DestCallerIDNum", number), ("DestContext", "from-trunk"), ("DestExten", number),
                     ("DestUniqueid", uid), ("DestLinkedid", lid), ("DialString", f"trunk/{number}")])
        status, cause = ("BUSY", "17") if number in self.busy_numbers else ("ANSWER", "16")
        self.emit("DialEnd", self._chan(local1, lid, lid, ext, "macro-dialout-trunk", "s")
                  + [("DestChannel", trunk), ("DestCallerIDNum", number), ("DestUniqueid", uid),
                     ("DestLinkedid", lid), ("DialStatus", status)])
        if status == "ANSWER":
            for c, u, cid in ((local1, lid, ext), (trunk, uid, number)):
                self.emit("BridgeEnter", [("BridgeUniqueid", f"bridge-{lid}"), ("BridgeType", "basic")]
                          + self._chan(c, u, lid, cid, "macro-dialout-trunk", "s", "6", "Up"))
            time.sleep(float(req.get("variable_talk", 0) or 0))
        self.emit("Hangup", self._chan(trunk, uid, lid, number, "from-trunk", number, "6", "Up")
                  + [("Cause", cause), ("Cause-txt", "Normal Clearing")])
        self.emit("Hangup", self._chan(local1, lid, lid, ext, "from-internal", ext, "6", "Up")
                  + [("Cause", cause), ("Cause-txt", "Normal Clearing")])

    def storm(self, seconds: float, per_second: int, exts=("101", "102")) -> list[SimCall]:
        """Calls whose events add up to `per_second` events a second (about 12 a call)."""
        made = []
        end = time.monotonic() + seconds
        interval = 12.0 / per_second
        while time.monotonic() < end:
            t0 = time.monotonic()
            number = f"+7916{self.rng.randrange(10**7):07d}"
            if self.rng.random() < 0.7:
                made.append(self.answered(number, exts, self.rng.choice(list(exts))))
            else:
                made.append(self.missed(number, exts))
            time.sleep(max(0.0, interval - (time.monotonic() - t0)))
        return made

    def _demo_loop(self) -> None:
        while not self._stop.wait(self.rng.uniform(0.5, 1.5) * self.demo_interval):
            if not self.sessions:
                continue
            exts = sorted(self.registered)[:3]
            number = self.rng.choice(["+79161234567", "+79035550101", f"+7926{self.rng.randrange(10**7):07d}"])
            call = self.ring(number, exts)
            self._stop.wait(self.rng.uniform(3, 8))
            if self.rng.random() < 0.75:
                self.answer(call, self.rng.choice(exts))
                self._stop.wait(self.rng.uniform(5, 20))
                self.hangup(call)
            else:
                self.no_answer(call)
