# Writes testdata/mixed: an outbox with hand-written envelopes (one with
# attachments, log events, a rejected one) and files that are not
# envelopes or are corrupt. Run from cmd/supportkit: python3 testdata/make_mixed.py
import hashlib, json, os, shutil, datetime

out = "testdata/mixed"
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out + "/rejected")
os.makedirs(out + "/crashes")

def ts(s):
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int(d.timestamp()) * 10**9 + d.microsecond * 1000

def tag(dest):
    return "local" if not dest else hashlib.sha256(dest.encode()).hexdigest()[:8]

def envelope(ev, dest="", items=()):
    header = {"event_id": ev["event_id"], "sdk": {"name": "supportkit.go", "version": "devel"}}
    if dest:
        header["supportkit_destination"] = dest
    payload = json.dumps(ev, sort_keys=True).encode()
    b = json.dumps(header, sort_keys=True).encode() + b"\n"
    b += json.dumps({"length": len(payload), "type": "event"}).encode() + b"\n" + payload + b"\n"
    for h, data in items:
        h = dict(h, length=len(data))
        b += json.dumps(h, sort_keys=True).encode() + b"\n" + data + b"\n"
    return b

def write(ev, dest="", items=(), where=""):
    name = "%020d-%s-%s.envelope" % (ts(ev["timestamp"]), ev["event_id"], tag(dest))
    path = os.path.join(out, where, name)
    with open(path, "wb") as f:
        f.write(envelope(ev, dest, items))
    return path

def frames(*fs):
    return {"frames": [dict(function=f, module=m, abs_path=p, lineno=l, in_app=a) for (m, f, p, l, a) in fs]}

trace = "4bf92f3577b34da6a3ce929d0e0e4736"
req = {"url": "http://shop.example/checkout", "method": "POST",
       "headers": {"Authorization": "[REDACTED]", "User-Agent": "Mozilla/5.0"}, "data": "[REDACTED]"}

# A slow checkout: a timeout error with a flight-recorder trace and a CPU profile attached.
write({
    "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "timestamp": "2026-11-30T06:10:00.5Z", "level": "error",
    "transaction": "POST /checkout", "release": "shop@1.4.0", "environment": "production",
    "server_name": "web-1", "tags": {"code": "deadline_exceeded", "http.status": "504"},
    "contexts": {"trace": {"trace_id": trace, "span_id": "00f067aa0ba902b7"}},
    "fingerprint": ["deadline_exceeded", "main.(*shop).checkout"], "request": req,
    "user": {"id": "u-1001"},
    "breadcrumbs": [{"timestamp": "2026-11-30T06:09:58Z", "category": "log", "level": "info", "message": "calling payments", "data": {"provider": "acme"}}],
    "exception": [{"type": "deadline_exceeded", "value": "checkout: payments did not answer in 2s",
                   "stacktrace": frames(("net/http", "HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go", 2286, False),
                                        ("main", "(*shop).checkout", "/src/shop/checkout.go", 88, True))}],
}, dest="https://o1.ingest.example/42", items=[
    ({"type": "attachment", "filename": "flight.trace", "content_type": "application/octet-stream", "attachment_type": "event.attachment"}, b"go 1.26 trace\x00\x01\x02"),
    ({"type": "attachment", "filename": "cpu.pprof", "content_type": "application/octet-stream"}, b"\x1f\x8b fake profile"),
    ({"type": "attachment", "filename": "../../etc/notes.txt", "content_type": "text/plain"}, b"a note\n"),
])

# The same trace: a warning logged by the payments client.
write({
    "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2", "timestamp": "2026-11-30T06:10:00.4Z", "level": "warning",
    "logger": "payments", "message": "payment 7731 declined", "transaction": "POST /checkout",
    "release": "shop@1.4.0", "contexts": {"trace": {"trace_id": trace, "span_id": "00f067aa0ba902b8"}},
})
# Two more log lines that differ only in a number: one group.
for i, (sec, n) in enumerate([("06:20:01", 7732), ("06:20:30", 7733)]):
    write({
        "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab%d" % i, "timestamp": "2026-11-30T%sZ" % sec, "level": "warning",
        "logger": "payments", "message": "payment %d declined" % n, "transaction": "POST /checkout",
        "release": "shop@1.4.1",
    })
# A foreign error without a fingerprint and no in-app frame: type and value.
write({
    "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaac1", "timestamp": "2026-11-30T06:30:00Z", "level": "error",
    "transaction": "GET /orders/{id}", "release": "shop@1.4.1",
    "exception": {"values": [{"type": "*fs.PathError", "value": "open /data/orders.db: no such file or directory"}]},
    "threads": [{"id": 7, "name": "goroutine 7", "crashed": True}],
})
# A health check turning to fail.
write({
    "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaad1", "timestamp": "2026-11-30T06:05:00Z", "level": "warning",
    "logger": "health", "message": "health: check inventory turned to fail",
})
# Rejected by Sentry, with its reason.
p = write({
    "event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaae1", "timestamp": "2026-11-30T06:40:00Z", "level": "error",
    "message": "an event Sentry refused",
}, dest="https://o1.ingest.example/42", where="rejected")
with open(p + ".reason", "w") as f:
    f.write("400 Bad Request: invalid event")

# What is skipped and counted.
with open(out + "/README.txt", "w") as f:
    f.write("a file someone left here\n")
def raw(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
raw("%020d-%s-local.envelope" % (ts("2026-11-30T06:50:00Z"), "b" * 32), b"this is not JSON\n")
raw("%020d-%s-local.envelope" % (ts("2026-11-30T06:51:00Z"), "c" * 32), b'{"event_id":"' + b"c" * 32 + b'"}\n{"type":"event","length":500}\n{"truncated":\n')
raw("%020d-%s-local.envelope" % (ts("2026-11-30T06:52:00Z"), "d" * 32), b'{"event_id":"' + b"d" * 32 + b'"}\n{"type":"session"}\n{"sid":"x"}\n')
raw("%020d-%s-local.envelope" % (ts("2026-11-30T06:53:00Z"), "e" * 32), b'{"event_id":"' + b"e" * 32 + b'"}\n{"type":"event"}\n[1,2]\n')
# A raw crash file the crash monitor has not reported yet (it died too),
# one of a live application (empty), and one already reported.
raw("crashes/%020d-4567-%s.crash" % (ts("2026-11-30T06:45:00Z"), "f" * 32),
    b"fatal error: concurrent map writes\n\ngoroutine 9 [running]:\nmain.(*cache).put(...)\n\t/src/shop/cache.go:40 +0x2a\n")
raw("crashes/%020d-4568-%s.crash" % (ts("2026-11-30T06:46:00Z"), "0" * 32), b"")
raw("crashes/%020d-4569-%s.crash" % (ts("2026-11-30T06:10:00.5Z"), "a" * 31 + "1"), b"panic: already reported\n")
# Ignored, not counted: the outbox's own hidden files.
raw(".tmp-123", b"half written")
