#!/usr/bin/env python3
"""The measurements of bench/outbound (Python 3, standard library only), run by bench/outbound
once `vitrine serve` and bench/outbound_receiver.py are up. Configuration from the
environment (see bench/outbound); prints the table on stdout, progress on stderr.
"""
import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

E = os.environ
VITRINE = E["VITRINE"]
DB = E["DB"]
WORK = E["WORK"]
PORT = int(E["SERVER_PORT"])
SERVER_PID = int(E["SERVER_PID"])
RECEIVER_PID = int(E["RECEIVER_PID"])
ADMIN = E["ADMIN_TOKEN"]
ROWS = int(E["ROWS"])
DESTS = int(E["DESTINATIONS"])
PINGS = int(E["PINGS"])
PING_DESTS = int(E["PING_DESTINATIONS"])
WORKERS = int(E["WORKERS"])
SECRETS = E["SECRETS_FILE"]
LOG = E["RECEIVER_LOG"]
TARGET_MS = 2000
with open(E["PORTS_FILE"]) as f:
    PORTS = [int(x) for x in f.read().split()]
HANG_PORT = PORTS[0]
FANOUT_PORTS = PORTS[:DESTS]
FAST_PORT = PORTS[DESTS]


def log(*a):
    print("bench/outbound:", *a, file=sys.stderr, flush=True)


def fail(msg):
    log(msg)
    sys.exit(1)


def api(method, path, body=None, ok=(200, 201, 202, 204)):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Authorization": "Bearer " + ADMIN}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    raw = r.read()
    c.close()
    if r.status not in ok:
        fail(f"{method} {path}: {r.status} {raw[:300]!r}")
    return json.loads(raw) if raw else None


class ReceiverLog:
    """The receiver's JSON lines, read as they come."""

    def __init__(self):
        self.entries = []
        self.offset = 0

    def poll(self):
        with open(LOG, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            self.entries.append(json.loads(line))
        self.offset += end
        return len(self.entries)


RLOG = ReceiverLog()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_quiet(quiet_s=2.0, timeout=120):
    """Until the receivers got nothing for quiet_s and the server used < 10 % of a core."""
    deadline = time.time() + timeout
    n, since = RLOG.poll(), time.time()
    cpu, cpu_t = cpu_seconds(SERVER_PID), time.time()
    while time.time() < deadline:
        time.sleep(0.25)
        m = RLOG.poll()
        if m != n:
            n, since = m, time.time()
        now = time.time()
        if now - cpu_t >= 1.0:
            c = cpu_seconds(SERVER_PID)
            busy = (c - cpu) / (now - cpu_t)
            cpu, cpu_t = c, now
            if busy < 0.10 and now - since >= quiet_s:
                return
    log(f"not quiet after {timeout} s; going on")


def db():
    conn = sqlite3.connect(DB, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def last_seq():
    with db() as c:
        return c.execute("SELECT coalesce(max(seq), 0) FROM offer_records").fetchone()[0]


def write_secrets(lines):
    with open(SECRETS, "a") as f:
        for port, path, secret in lines:
            f.write(f"{port} {path} {secret}\n")


def create_webhook(port, path, **extra):
    body = {"kind": "webhook", "url": f"http://127.0.0.1:{port}{path}", "batch_seconds": 1}
    body.update(extra)
    d = api("POST", "/api/v1/destinations", body, ok=(201,))
    if not d.get("secret", "").startswith("whsec_"):
        fail("the 201 carried no whsec_ secret")
    return d["id"], d["secret"]


def deliveries(dest, state):
    page = api("GET", f"/api/v1/destinations/{dest}/deliveries?state={state}&limit=100")
    return page.get("items", [])


def stock_burst(run, exclude_pairs=()):
    """Imports ROWS changed stock levels, each of a (product, store) pair with one live offer
    (so exactly ROWS offer changes), from another process. Returns the timings."""
    with db() as c:
        # An offer id is CAMPAIGN~PRODUCT, or CAMPAIGN~PRODUCT~SUFFIX for a product offered
        # more than once in a campaign: the product is the second part.
        rows = c.execute(
            "WITH o AS (SELECT substr(offer_id, instr(offer_id, '~') + 1) AS rest, store_id,"
            "                  stock_quantity FROM offer_records WHERE deleted = 0),"
            " p AS (SELECT CASE WHEN instr(rest, '~') > 0"
            "                   THEN substr(rest, 1, instr(rest, '~') - 1) ELSE rest END"
            "              AS product, store_id, stock_quantity FROM o)"
            " SELECT product, store_id, max(stock_quantity) FROM p"
            " GROUP BY product, store_id HAVING count(*) = 1"
            " ORDER BY product, store_id LIMIT ?", (ROWS,)).fetchall()
    if len(rows) < ROWS:
        fail(f"only {len(rows)} (product, store) pairs with one live offer; --rows {ROWS}")
    csv = os.path.join(WORK, f"stock-{run}.csv")
    with open(csv, "w") as f:
        f.write("product_id,store_id,quantity\n")
        for product, store, qty in rows:
            f.write(f"{product},{store},{qty + 1000 + run}\n")
    since = last_seq()
    expected = since + ROWS
    mark = RLOG.poll()
    t0 = time.time()
    subprocess.run([VITRINE, "import", "stock", csv, "--db", "sqlite:" + DB],
                   stdout=subprocess.DEVNULL, check=True)
    t1 = time.time()
    # Baseline: the last change readable on the change feed (what bench/erp times).
    t_readable = None
    deadline = t1 + 60
    while time.time() < deadline:
        page = api("GET", f"/api/v1/offers/changes?since={expected - 1}&limit=1")
        if any(ch["seq"] == expected for ch in page["changes"]):
            t_readable = time.time()
            break
        time.sleep(0.01)
    if t_readable is None:
        fail(f"seq {expected} never showed on /api/v1/offers/changes")
    target = last_seq()
    if target != expected:
        log(f"run {run}: the change feed ends at {target}, expected {expected}")
    return {"since": since, "target": target, "mark": mark, "t0": t0, "t1": t1,
            "t_readable": t_readable}


def wait_covered(burst, ports, timeout=60):
    """Per port, the first verified offer.changed delivery whose seq_to >= target."""
    deadline = time.time() + timeout
    got = {}
    seen = burst["mark"]
    while time.time() < deadline:
        RLOG.poll()
        for e in RLOG.entries[seen:]:
            if (e["port"] in ports and e["port"] not in got and e["verified"]
                    and e.get("type") == "offer.changed" and e.get("seq_to") is not None
                    and e["seq_to"] >= burst["target"]):
                got[e["port"]] = e
        seen = len(RLOG.entries)
        if len(got) == len(ports):
            break
        time.sleep(0.02)
    return got


def summarize(burst, ports, got):
    lat = sorted((got[p]["t"] - burst["t1"]) * 1000 for p in got)
    missing = len(ports) - len(got)
    batches = {}
    unverified = 0
    for e in RLOG.entries[burst["mark"]:]:
        if e["port"] not in ports:
            continue
        if not e["verified"]:
            unverified += 1
        elif e.get("type") == "offer.changed" and e.get("seq_to", 0) > burst["since"]:
            batches.setdefault(e["port"], []).append(e)
    per_dest = [len(v) for v in batches.values()]
    sample = next(iter(got.values()), {})
    return {
        "p50": statistics.median(lat) if lat else None,
        "max": max(lat) if lat else None,
        "missing": missing,
        "unverified": unverified,
        "deliveries_per_dest": (min(per_dest), max(per_dest)) if per_dest else (0, 0),
        "sample": sample,
        "done_at": max(got[p]["t"] for p in got) if got else None,
    }


def fanout():
    log(f"creating {DESTS} webhook destinations (the first one's receiver hangs)")
    ids = {}
    lines = []
    for port in FANOUT_PORTS:
        dest, secret = create_webhook(port, "/hook")
        ids[port] = dest
        lines.append((port, "/hook", secret))
    write_secrets(lines)
    healthy = set(FANOUT_PORTS[1:])
    wait_quiet()

    log(f"burst 1: {ROWS} stock changes, the hanging destination enabled")
    b1 = stock_burst(1)
    got1 = wait_covered(b1, healthy)
    s1 = summarize(b1, healthy, got1)
    hang_inflight = deliveries(ids[HANG_PORT], "inflight")
    hang_delivered = deliveries(ids[HANG_PORT], "delivered")
    s1["hang_inflight"] = len(hang_inflight)
    s1["hang_delivered"] = len(hang_delivered)
    s1["hang_attempts"] = hang_inflight[0]["attempts"] if hang_inflight else 0
    log(f"burst 1: p50 {s1['p50']:.0f} ms, max {s1['max']:.0f} ms, {s1['missing']} missing; "
        f"hanging destination: {s1['hang_inflight']} in flight, {s1['hang_delivered']} delivered")

    log("burst 2: the same without the hanging destination (disabled)")
    api("PATCH", f"/api/v1/destinations/{ids[HANG_PORT]}", {"enabled": False})
    wait_quiet()
    b2 = stock_burst(2)
    got2 = wait_covered(b2, healthy)
    s2 = summarize(b2, healthy, got2)
    log(f"burst 2: p50 {s2['p50']:.0f} ms, max {s2['max']:.0f} ms, {s2['missing']} missing")
    for dest in ids.values():
        api("DELETE", f"/api/v1/destinations/{dest}")
    return b1, s1, b2, s2


def curl_config(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def throughput():
    log(f"throughput: {PING_DESTS} destinations on one receiver, {PINGS} pings queued while "
        "they are disabled")
    dests = []
    lines = []
    for i in range(PING_DESTS):
        path = f"/t/{i}"
        # Subscribed to campaign transitions only (none happen): the pings alone are sent.
        dest, secret = create_webhook(FAST_PORT, path, events=["campaign.transitioned"])
        dests.append(dest)
        lines.append((FAST_PORT, path, secret))
    write_secrets(lines)
    for dest in dests:
        api("PATCH", f"/api/v1/destinations/{dest}", {"enabled": False})
    cfg = [f'header = "Authorization: Bearer {ADMIN}"', 'request = "POST"',
           'write-out = "%{http_code}\\n"', "silent"]
    for n in range(PINGS):
        cfg.append(f'url = "http://127.0.0.1:{PORT}/api/v1/destinations/{dests[n % PING_DESTS]}/ping"')
        cfg.append('output = "/dev/null"')
    curl_config(os.path.join(WORK, "pings.curl"), cfg)
    q0 = time.time()
    out = subprocess.run(["curl", "--parallel", "--parallel-max", "8", "-K",
                          os.path.join(WORK, "pings.curl")], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True).stdout.decode().split()
    q1 = time.time()
    if out.count("202") != PINGS:
        fail(f"{out.count('202')} of {PINGS} pings answered 202")
    queue_rate = PINGS / (q1 - q0)
    log(f"queued {PINGS} pings in {q1 - q0:.2f} s ({queue_rate:.0f}/s through the API)")
    wait_quiet(quiet_s=1.0)

    mark = RLOG.poll()
    cpu0, rcpu0 = cpu_seconds(SERVER_PID), cpu_seconds(RECEIVER_PID)
    t0 = time.time()
    for dest in dests:
        api("PATCH", f"/api/v1/destinations/{dest}", {"enabled": True})
    prefix = "/t/"
    deadline = t0 + 300
    count = 0
    while time.time() < deadline:
        RLOG.poll()
        count = sum(1 for e in RLOG.entries[mark:]
                    if e["port"] == FAST_PORT and e["path"].startswith(prefix))
        if count >= PINGS:
            break
        time.sleep(0.05)
    entries = [e for e in RLOG.entries[mark:]
               if e["port"] == FAST_PORT and e["path"].startswith(prefix)]
    verified = sum(1 for e in entries if e["verified"] and e.get("type") == "ping")
    t_last = max(e["t"] for e in entries)
    cpu1, rcpu1 = cpu_seconds(SERVER_PID), cpu_seconds(RECEIVER_PID)
    seconds = t_last - t0
    body_bytes = entries[0]["bytes"]
    vitrine = {"n": len(entries), "verified": verified, "seconds": seconds,
               "rate": len(entries) / seconds, "server_cpu": cpu1 - cpu0,
               "receiver_cpu": rcpu1 - rcpu0, "queue_rate": queue_rate, "bytes": body_bytes}
    log(f"vitrine: {len(entries)} deliveries ({verified} verified) in {seconds:.2f} s = "
        f"{vitrine['rate']:.0f}/s; server CPU {vitrine['server_cpu']:.2f} s, receiver CPU "
        f"{vitrine['receiver_cpu']:.2f} s")
    for dest in dests:
        api("DELETE", f"/api/v1/destinations/{dest}")

    # Baselines: curl POSTing the same number of same-size bodies with the same three headers
    # (a signature of the right length, which the receiver checks as it does vitrine's).
    body = os.path.join(WORK, "ping-body.json")
    filler = max(body_bytes - len('{"type":"ping","pad":""}'), 0)
    with open(body, "w") as f:
        f.write('{"type":"ping","pad":"' + "x" * filler + '"}')
    results = []
    for name, extra in (("keep-alive", []), ("close", ["-H", "Connection: close"])):
        wait_quiet(quiet_s=1.0)
        mark = RLOG.poll()
        path = "/c/" + name
        rc0 = cpu_seconds(RECEIVER_PID)
        t0 = time.time()
        subprocess.run(["curl", "-s", "--parallel", "--parallel-max", str(WORKERS), "-X", "POST",
                        "-H", "Content-Type: application/json",
                        "-H", "webhook-id: msg_" + "0" * 24,
                        "-H", f"webhook-timestamp: {int(t0)}",
                        "-H", "webhook-signature: v1," + "A" * 43 + "=",
                        *extra, "--data-binary", "@" + body,
                        f"http://127.0.0.1:{FAST_PORT}{path}?n=[1-{PINGS}]"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            RLOG.poll()
            got = [e for e in RLOG.entries[mark:] if e["path"] == path]
            if len(got) >= PINGS:
                break
            time.sleep(0.05)
        seconds = max(e["t"] for e in got) - t0
        results.append({"name": name, "n": len(got), "seconds": seconds,
                        "rate": len(got) / seconds,
                        "receiver_cpu": cpu_seconds(RECEIVER_PID) - rc0})
        log(f"curl {name}: {len(got)} in {seconds:.2f} s = {results[-1]['rate']:.0f}/s")
    return vitrine, results


def main():
    b1, s1, b2, s2 = fanout()
    vitrine, curls = throughput()
    load = open("/proc/loadavg").read().split()[:3]
    ms = lambda v: "—" if v is None else f"{v:,.0f} ms"
    met = lambda v: "yes" if v is not None and v <= TARGET_MS else "NO"
    healthy = DESTS - 1
    smp = s1["sample"]
    print(f"\nOutbound webhooks: {DESTS} destinations on loopback receivers (the receiver of one "
          f"hangs), {ROWS:,} offer changes from `vitrine import stock` in another process;")
    print(f"`vitrine serve` with its {WORKERS} sender threads (the default); load average {' '.join(load)}\n")
    print("| measurement | vitrine | baseline, same run | target | met |")
    print("|---|---|---|---|---|")
    print(f"| fan-out, hanging destination present: import exit → verified delivery with "
          f"seq_to ≥ last seq, p50 / max over the {healthy} healthy "
          f"| {ms(s1['p50'])} / {ms(s1['max'])} "
          f"| last change readable on /offers/changes: {ms((b1['t_readable'] - b1['t1']) * 1000)} "
          f"| max ≤ 2 s | {met(s1['max'])} |")
    print(f"| fan-out, the same {healthy} with the hanging destination disabled (2nd burst) "
          f"| {ms(s2['p50'])} / {ms(s2['max'])} "
          f"| last change readable on /offers/changes: {ms((b2['t_readable'] - b2['t1']) * 1000)} "
          f"| max ≤ 2 s | {met(s2['max'])} |")
    print(f"| hanging destination when the {healthy - s1['missing']} were done "
          f"| {s1['hang_inflight']} delivery in flight (attempt {s1['hang_attempts']}), "
          f"{s1['hang_delivered']} delivered | — | does not delay the others | "
          f"{'yes' if s1['missing'] == 0 and s1['hang_inflight'] >= 1 else 'NO'} |")
    print(f"| `vitrine import stock` process, start → exit (burst 1 / 2) "
          f"| {ms((b1['t1'] - b1['t0']) * 1000)} / {ms((b2['t1'] - b2['t0']) * 1000)} | | | |")
    print(f"| outbox throughput: {PINGS:,} pings queued over {PING_DESTS} disabled destinations, "
          f"re-enabled → last received ({vitrine['bytes']} B bodies, one receiver) "
          f"| {vitrine['rate']:,.0f} deliveries/s ({vitrine['seconds']:.2f} s) "
          f"| curl --parallel-max {WORKERS}, keep-alive: {curls[0]['rate']:,.0f} req/s; "
          f"`Connection: close`: {curls[1]['rate']:,.0f} req/s | — | |")
    print(f"\nFan-out details: {s1['missing']} / {s2['missing']} healthy destinations without a "
          f"covering delivery within 60 s; {s1['unverified']} / {s2['unverified']} requests "
          f"failed verification; offer.changed deliveries per destination for the burst: "
          f"{s1['deliveries_per_dest'][0]}–{s1['deliveries_per_dest'][1]} / "
          f"{s2['deliveries_per_dest'][0]}–{s2['deliveries_per_dest'][1]}; a covering payload: "
          f"seq {smp.get('seq_from')}–{smp.get('seq_to')}, count {smp.get('count')}, "
          f"{smp.get('listed')} listed, complete {smp.get('complete')}.")
    print(f"Throughput details: {vitrine['verified']:,} of {vitrine['n']:,} verified; vitrine "
          f"serve used {vitrine['server_cpu']:.2f} s CPU and the receiver "
          f"{vitrine['receiver_cpu']:.2f} s over the {vitrine['seconds']:.2f} s; the receiver "
          f"used {curls[0]['receiver_cpu']:.2f} s / {curls[1]['receiver_cpu']:.2f} s for curl's "
          f"{curls[0]['seconds']:.2f} s / {curls[1]['seconds']:.2f} s; pings queued through "
          f"the API at {vitrine['queue_rate']:,.0f}/s (curl, 8 at once).")


if __name__ == "__main__":
    main()
