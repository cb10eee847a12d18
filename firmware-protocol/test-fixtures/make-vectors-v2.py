# Builds vectors-v2.json beside this file (python3 make-vectors-v2.py). Checksums come from Python's binascii
# (crc_hqx with init 0xFFFF is CRC-16/CCITT-FALSE), independently of the TypeScript codec.
import binascii, json, os

def line(body):
    crc = binascii.crc_hqx(body.encode('latin1'), 0xFFFF)
    return f"{body}*{crc:04X}\n", f"{crc:04X}"

def valid(body, sender, verb=None, decoded=None):
    l, crc = line(body)
    v = {"line": l, "body": body, "crc": crc, "from": sender}
    if verb: v["verb"] = verb
    if decoded is not None: v["decoded"] = decoded
    return v

def invalid(body, sender, reason):
    l, _ = line(body)
    return {"line": l, "from": sender, "reason": reason}

out = {
  "about": "Protocol v2 lines (PROTOCOL.md §v2 ...), read as a v2 session reads them. Checksums computed with Python binascii.crc_hqx(body, 0xFFFF). 'from' says who sends the line; 'verb' types an OK reply; 'decoded' (where given) is what a JavaScript host reads, for lines that do not re-encode to the same bytes.",
  "crc": {"algorithm": "CRC-16/CCITT-FALSE", "check": {"input": "123456789", "crc": "%04X" % binascii.crc_hqx(b"123456789", 0xFFFF)}},
  "valid": [
    valid("1 HELLO 2", "host"),
    valid("1 HELLO 1", "host"),
    valid("2 ACK 1", "host"),
    valid("3 ACK 65535", "host"),
    valid("3 ACK 7 RESEND", "host"),
    valid("3 ACK 0", "host"),
    valid("3 ACK 0 RESEND", "host"),
    valid("4 MOVE 1 140737488355327 4000 20000", "host"),
    valid("5 MOVE 2 -9007199254740991 100 500", "host"),
    valid("6 TMOVE 2 5000 20000 400000 1 1250000 1", "host"),
    valid("7 TMOVE 3 -50 100 100 1 -1250000 -1", "host"),
    valid("8 JOG 1 -2500 10000 300", "host"),
    valid("9 RENEW 1 300", "host"),
    valid("10 GET 1", "host"),
    valid("11 SET 1 MAX 140737488355327", "host"),
    valid("12 STOP 0", "host"),
    valid("1 OK proto=2 fw=2.0.0 axes=4 rx=256 win=8 qd=8 wd=1000 ev=16 pmax=140737488355327 feat=TRIG,LEASE", "device", "HELLO"),
    valid("1 OK proto=2 fw=0.3.0 axes=2 rx=128 win=4 qd=4 wd=1000 ev=8 pmax=140737488355327 feat=NONE", "device", "HELLO"),
    valid("1 OK proto=2 fw=2.0.0 axes=4 rx=256 win=8 qd=8 wd=1000 ev=16 pmax=9223372036854775807 feat=TRIG,LEASE,SPLINE", "device", "HELLO",
          {"proto": 2, "fw": "2.0.0", "axes": 4, "rx": 256, "win": 8, "qd": 8, "wd": 1000, "ev": 16, "pmax": 9007199254740991, "feat": ["TRIG", "LEASE", "SPLINE"]}),
    valid("13 OK pos=12000 vel=0 tgt=12000 st=IDLE q=0 run=0", "device", "GET"),
    valid("14 OK pos=9007199254740991 vel=-4000 tgt=-9007199254740991 st=MOVING q=3 run=4", "device", "GET"),
    valid("2 OK", "device", "ACK"),
    valid("20 ERR RANGE", "device"),
    valid("! BOOT fw=2.0.0 proto=1 axes=4 max=2", "device"),
    valid("!1 DONE axis=1 seq=4 pos=12000", "device"),
    valid("!2 ABORTED axis=1 seq=5 pos=7311 why=ESTOP", "device"),
    valid("!3 ABORTED axis=2 seq=6 pos=0", "device"),
    valid("!4 HOMED axis=3 pos=0", "device"),
    valid("!5 FAULT axis=0 code=WATCHDOG", "device"),
    valid("!6 ESTOP src=host", "device"),
    valid("!7 STARTED axis=2 seq=7 t=81234567", "device"),
    valid("!8 LEASE axis=1 pos=-1210", "device"),
    valid("!65535 OVERFLOW lost=3", "device"),
    valid("! POS t=1034 p=12000,-350,0,0 v=0,0,0,0", "device"),
    valid("! POS t=4294967296 a=3 p=140737488355327 v=100000", "device"),
    valid("! BADFRAME", "device"),
  ],
  "invalid": [
    invalid("6 JOG 1 -2500 10000", "host", "ARGS: a v2 JOG carries a lease"),
    invalid("4 MOVE 1 9223372036854775808 4000 20000", "host", "ARGS: beyond 2^63-1"),
    invalid("4 MOVE 1 9007199254740992 4000 20000", "host", "RANGE: well formed, but beyond ±(2^53-1) and so beyond any pmax"),
    invalid("4 MOVE 1 -0 4000 20000", "host", "ARGS: -0"),
    invalid("4 MOVE 1 0123 4000 20000", "host", "ARGS: leading zero"),
    invalid("7 TMOVE 2 5000 20000 400000 1 1250000 0", "host", "ARGS: dir is 1 or -1"),
    invalid("2 ACK 7 NOW", "host", "ARGS: the only flag is RESEND"),
    invalid("2 ACK 7 RESEND 1", "host", "ARGS: ACK takes at most two arguments"),
    invalid("2 ACK -1", "host", "ARGS: eseq is 0..65535"),
    invalid("1 HELLO 0", "host", "ARGS: max is at least 1"),
    invalid("9 FLY 1", "host", "VERB: unknown verb"),
    invalid("! DONE axis=1 seq=4 pos=12000", "device", "SYNTAX: a sequenced event without its eseq"),
    invalid("!1 POS t=1 p=0 v=0", "device", "SYNTAX: POS carries no eseq"),
    invalid("!0 DONE axis=1 seq=4 pos=12000", "device", "SYNTAX: eseq 0 never occurs"),
    invalid("!65536 DONE axis=1 seq=4 pos=12000", "device", "SYNTAX: eseq beyond 65535"),
    invalid("!01 DONE axis=1 seq=4 pos=12000", "device", "SYNTAX: leading zero in eseq"),
    invalid("!1 DONE axis=1 seq=4 pos=9007199254740992", "device", "RANGE: a position beyond ±(2^53-1)"),
    invalid("!1 DONE axis=1 seq=4 pos=9223372036854775808", "device", "SYNTAX: beyond 2^63-1"),
    invalid("!1 ABORTED axis=1 seq=4 pos=0 why=BORED", "device", "SYNTAX: unknown why"),
    invalid("!1 STARTED axis=2 seq=7", "device", "SYNTAX: STARTED without t"),
    invalid("1 OK proto=2 fw=2.0.0 axes=4 rx=256 win=8 qd=8 wd=1000 ev=16 pmax=140737488355327 feat=trig", "device", "BAD_REPLY: feat tokens are upper case"),
    invalid("13 OK pos=12000 vel=0 tgt=12000 st=IDLE q=0", "device", "BAD_REPLY: a v2 GET reply carries run"),
  ],
  "refusedInV1": [
    invalid("!1 DONE axis=1 seq=4 pos=12000", "device", "SYNTAX: eseq only exists in v2"),
    invalid("! STARTED axis=2 seq=7 t=81234567", "device", "SYNTAX: STARTED only exists in v2"),
    invalid("2 ACK 1", "host", "VERB: ACK only exists in v2"),
    invalid("8 JOG 1 -2500 10000 300", "host", "ARGS: a v1 JOG has no lease"),
    invalid("4 MOVE 1 140737488355327 4000 20000", "host", "ARGS: v1 positions are 32-bit"),
  ],
}
# The BAD_REPLY lines are OK replies: their verb types them.
for v in out["invalid"]:
    if v["reason"].startswith("BAD_REPLY"):
        v["verb"] = "HELLO" if "proto=" in v["line"] else "GET"
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors-v2.json"), "w"), indent=1, ensure_ascii=True)
print(len(out["valid"]), len(out["invalid"]), len(out["refusedInV1"]))
