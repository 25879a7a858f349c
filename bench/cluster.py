#!/usr/bin/env python3
"""bench/cluster's driver: the demo retailer on SQLite beside PostgreSQL (pgbench as the raw
baseline), then 1, 2 and 3 hub nodes on one PostgreSQL behind nginx: read throughput, a
write's delay from one node to another's change feed, and whether the nodes agree. Prints
markdown tables. Loopback and Unix sockets only. Run through bench/cluster, which builds the
release and installs what is missing. Python 3 standard library only."""

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VITRINE = os.environ.get("VITRINE_BIN", os.path.join(ROOT, "build/release/app/vitrine"))
WEB = os.path.join(ROOT, "build/release/web")
PG_BIN = "/usr/lib/postgresql/" + sorted(os.listdir("/usr/lib/postgresql"),
                                         key=lambda v: [int(x) for x in v.split(".")])[-1] + "/bin"
OUT = os.path.join(ROOT, "bench/out/cluster")
API_ROUTE = "/api/v1/offers?store=S001&limit=50"
FEED_ROUTE = "/feeds/google/promotions.xml"
# Nodes serve at full speed: the per-token rate limit (admin 100/s) would answer 429.
NODE_FLAGS = ["--rate-limit", "off"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, **kw):
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True, **kw)
    except subprocess.CalledProcessError as e:
        sys.stderr.write(f"failed: {' '.join(args)}\n{e.stdout}\n{e.stderr}\n")
        raise


class Client:
    def __init__(self, token):
        self.token = token

    def request(self, url, method="GET", body=None, timeout=120, headers=False):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
            return (body, dict(r.headers)) if headers else body

    def json(self, url, **kw):
        return json.loads(self.request(url, **kw))


# ---- CPU accounting: where the cores went during a measurement -------------------------

def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[1]), int(rest[11]) + int(rest[12])  # ppid, utime + stime
    except (OSError, IndexError):
        return None


def _tree(roots):
    """The pids of `roots` and all their descendants."""
    parents = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            s = _stat(p)
            if s:
                parents[int(p)] = s[0]
    found = set(r for r in roots if r in parents)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _busy_total():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)  # busy (all but idle, iowait), all


class CpuMeter:
    """Cores used by named groups of processes (and by everything else) between start and
    stop, from /proc: utime + stime of each group's process trees."""

    def __init__(self, groups):
        self.groups = groups  # name -> callable returning root pids

    def _sample(self):
        out = {}
        for name, roots in self.groups.items():
            out[name] = {p: (_stat(p) or (0, 0))[1] for p in _tree(roots())}
        return out, _busy_total()

    def start(self):
        self.t0 = time.time()
        self.s0 = self._sample()

    def stop(self):
        s1 = self._sample()
        hz = os.sysconf("SC_CLK_TCK")
        secs = time.time() - self.t0
        used = {}
        for name in self.groups:
            before, after = self.s0[0][name], s1[0][name]
            used[name] = sum(after[p] - before.get(p, 0) for p in after) / hz / secs
        total_busy = (s1[1][0] - self.s0[1][0]) / hz / secs
        used["other"] = max(0.0, total_busy - sum(used.values()))
        return used


def cpu_text(used):
    return ", ".join(f"{k} {v:.2f}" for k, v in used.items())


# ---- processes ---------------------------------------------------------------------------

class Node:
    """One `vitrine serve` in a working directory of its own."""

    def __init__(self, db, workdir, images, key, public_url):
        self.port = free_port()
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.log = open(os.path.join(workdir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [VITRINE, "serve", "--db", db, "--address", "127.0.0.1", "--port", str(self.port),
             "--images", images, "--secrets-key", key, "--web", WEB] + NODE_FLAGS +
            (["--public-url", public_url] if public_url else []),
            cwd=workdir, stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/readyz", timeout=2).read()
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError("node exited; see " + workdir + "/serve.log")
                time.sleep(0.1)
        raise RuntimeError("node not ready: " + workdir)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Nginx:
    def __init__(self, nodes, workdir, port):
        self.port = port
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        servers = "".join(f"    server 127.0.0.1:{n.port} max_fails=1 fail_timeout=5s;\n"
                          for n in nodes)
        conf = f"""worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  client_max_body_size 0;
  upstream vitrine {{
{servers}    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://vitrine; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host:$server_port;
      proxy_buffering on; proxy_buffer_size 16k; proxy_buffers 16 16k;
      proxy_max_temp_file_size 0; proxy_request_buffering off;
      proxy_next_upstream error timeout http_502 http_503; proxy_next_upstream_tries {len(nodes)};
    }}
  }}
}}
"""
        with open(os.path.join(workdir, "nginx.conf"), "w") as f:
            f.write(conf)
        self.cmd = ["nginx", "-p", workdir, "-c", workdir + "/nginx.conf", "-e",
                    workdir + "/error.log"]
        run(self.cmd)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

    def master(self):
        try:
            return [int(open(self.dir + "/nginx.pid").read())]
        except (OSError, ValueError):
            return []

    def stop(self):
        subprocess.run(self.cmd + ["-s", "stop"], capture_output=True)
        for _ in range(50):
            if not os.path.exists(self.dir + "/nginx.pid"):
                break
            time.sleep(0.1)


class CpuCaps:
    """Each node in a cgroup of its own holding it to `cores` of CPU: a machine of its own,
    on a machine whose cores wrk, nginx and PostgreSQL share with the nodes. cgroup v1's cpu
    controller or cgroup v2's cpu.max; `error` says why when neither can be written."""

    def __init__(self, procs, cores):
        self.dirs, self.root, self.error = [], None, None
        quota = int(cores * 100000)
        v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
        base = "/sys/fs/cgroup" if v2 else "/sys/fs/cgroup/cpu"
        try:
            if v2:
                with open(base + "/cgroup.subtree_control", "w") as f:
                    f.write("+cpu")
            self.root = base
            for k, proc in enumerate(procs):
                d = f"{base}/vitrine-bench-{os.getpid()}-node{k + 1}"
                os.mkdir(d)
                self.dirs.append(d)
                if v2:
                    with open(d + "/cpu.max", "w") as f:
                        f.write(f"{quota} 100000")
                else:
                    with open(d + "/cpu.cfs_period_us", "w") as f:
                        f.write("100000")
                    with open(d + "/cpu.cfs_quota_us", "w") as f:
                        f.write(str(quota))
                with open(d + "/cgroup.procs", "w") as f:  # every thread of the process
                    f.write(str(proc.pid))
        except OSError as e:
            self.error = f"{e.strerror}: {e.filename}"
            self.release()

    def release(self):
        for d in self.dirs:
            try:
                for pid in open(d + "/cgroup.procs").read().split():
                    with open(self.root + "/cgroup.procs", "w") as f:
                        f.write(pid)
                os.rmdir(d)
            except OSError as e:
                sys.stderr.write(f"cgroup {d}: {e}\n")
        self.dirs = []


def wrk(url, token, seconds, connections, meter=None):
    proc_holder = []

    def wrk_pid():
        return [p.pid for p in proc_holder]

    if meter:
        meter.groups["wrk"] = wrk_pid
    p = subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", "Authorization: Bearer " + token, url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc_holder.append(p)
    time.sleep(0.2)
    if meter:
        meter.start()
    time.sleep(max(0.1, seconds - 0.6))
    used = meter.stop() if meter else None
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError("wrk failed: " + err)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p99": p99.group(1) if p99 else "?",
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": sock.group(1) if sock else "", "cpu": used}


def table(title, header, rows, note=None):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    if note:
        print("\n" + note)
    sys.stdout.flush()


def token_of(workdir):
    return re.search(r"token:\s*(\S+)",
                     open(os.path.join(workdir, "vitrine-data/demo-credentials.txt")).read()).group(1)


# ---- part 1: one node, SQLite beside PostgreSQL --------------------------------------------

def generate(workdir, now):
    """The demo retailer's CSV files, written once (by a demo into a scratch SQLite file) so
    that both databases import the same bytes."""
    os.makedirs(workdir, exist_ok=True)
    run([VITRINE, "demo", "--db", "sqlite:" + os.path.join(workdir, "scratch.db"), "--now", now],
        cwd=workdir)
    return os.path.join(workdir, "vitrine-data/demo")


def seed(db, workdir, now):
    """`vitrine demo` on a database that already holds the demo's products, prices and stock:
    its imports find every row unchanged, then it adds the campaigns and runs one full
    assembly. Wall seconds, the assembly's own milliseconds and the offers it published."""
    started = time.time()
    out = run([VITRINE, "demo", "--db", db, "--now", now], cwd=workdir).stdout
    seconds = time.time() - started
    m = re.search(r"published offers: ([\d,]+) inserted.*\((\d+) ms\)", out)
    return seconds, int(m.group(2)), int(m.group(1).replace(",", ""))


def changed_stock(demo, workdir, now):
    """Every stock level with a changed quantity, measured at `now`: a full nightly drop."""
    with open(os.path.join(demo, "stock.csv"), newline="") as f:
        rows = list(csv.reader(f))
    q, at = rows[0].index("quantity"), rows[0].index("measured_at")
    for r in rows[1:]:
        r[q] = str((int(r[q]) + 11) % 97)
        r[at] = now
    path = os.path.join(workdir, "stock-changed.csv")
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def timed_import(db, workdir, kind, path):
    """`vitrine import KIND FILE`: wall seconds, rows, rows written, and the assembly of what
    changed when there was one."""
    started = time.time()
    out = run([VITRINE, "import", kind, path, "--db", db], cwd=workdir).stdout
    seconds = time.time() - started
    rows = int(re.search(r"([\d,]+) rows read", out).group(1).replace(",", ""))
    ins = int(re.search(r"([\d,]+) inserted", out).group(1).replace(",", ""))
    upd = int(re.search(r"([\d,]+) updated", out).group(1).replace(",", ""))
    m = re.search(r"published offers: [\d,]+ inserted, ([\d,]+) updated.*\((\d+) ms\)", out)
    text = f"{seconds:.1f} s, {rows / seconds:,.0f} rows/s ({ins + upd:,} of {rows:,} written"
    if m:
        text += f"; assembly {int(m.group(2)):,} ms, {int(m.group(1)):,} offers updated"
    return text + ")"


def offer_pairs(client, base, count):
    """(product, store) pairs that carry published offers → (their offer ids, [the quantity
    the offers show]), from the listing: a stock change on them changes an offer (the offer
    carries the quantity)."""
    pairs = {}
    for s in range(1, 51):
        cursor = ""
        while len(pairs) < count:
            page = client.json(f"{base}/api/v1/offers?store=S{s:03d}&limit=1000" +
                               (f"&cursor={cursor}" if cursor else ""))
            for o in page["items"]:
                ids, _ = pairs.setdefault((o["product_id"], o["store_id"]), (set(), [0]))
                ids.add(o["offer_id"])
                pairs[(o["product_id"], o["store_id"])][1][0] = (o.get("stock") or {}).get("quantity") or 0
            cursor = page.get("next_cursor") or ""
            if not cursor:
                break
        if len(pairs) >= count:
            break
    return dict(list(pairs.items())[:count])


_LAST_SEQ = {}


def current_seq(client, base):
    """The node's last seq, read on from the last one seen there (a seq once listed stays
    behind every later one, so there is no need to read from 0 again)."""
    since = _LAST_SEQ.get(base, 0)
    while True:
        page = client.json(f"{base}/api/v1/offers/changes?since={since}&limit=1000")
        if not page["changes"]:
            _LAST_SEQ[base] = since
            return since
        since = page["next_since"]


def burst_to_feed(client, node, pairs, round_):
    """PUT one stock row per pair (one transaction) on `node`: seconds until the PUT answered,
    and until every offer of those pairs was on the node's change feed."""
    since = current_seq(client, node.url)
    # A quantity other than the stored one: every row changes its offers.
    body = [{"product_id": p, "store_id": s, "quantity": q[0] + round_}
            for (p, s), (_, q) in pairs.items()]
    expected = {(oid, s) for (p, s), (ids, _) in pairs.items() for oid in ids}
    started = time.time()
    client.request(node.url + "/api/v1/stock", method="PUT", body=body, timeout=600)
    written = time.time() - started
    seen = set()
    while time.time() - started < 300:
        page = client.json(f"{node.url}/api/v1/offers/changes?since={since}&limit=1000")
        for c in page["changes"]:
            seen.add((c["offer_id"], c["store_id"]))
        since = page["next_since"]
        if expected <= seen:
            return written, time.time() - started, len(expected)
        if not page["changes"]:
            time.sleep(0.01)
    return written, float("inf"), len(expected)


# ---- part 3: a mirror of the change feed ---------------------------------------------------

def read_changes(client, base, since, mirror, seqs):
    page = client.json(f"{base}/api/v1/offers/changes?since={since}&limit=1000")
    for c in page["changes"]:
        seqs.append(c["seq"])
        key = (c["offer_id"], c["store_id"])
        if c["op"] == "delete":
            mirror.pop(key, None)
        else:
            mirror[key] = c["offer"]["version"]
    return page["next_since"], len(page["changes"])


def listing(client, base):
    out = {}
    for s in range(1, 51):
        cursor = ""
        while True:
            page = client.json(f"{base}/api/v1/offers?store=S{s:03d}&limit=1000" +
                               (f"&cursor={cursor}" if cursor else ""))
            for o in page["items"]:
                out[(o["offer_id"], o["store_id"])] = o["version"]
            cursor = page.get("next_cursor") or ""
            if not cursor:
                break
    return out


def pulls_drained(pg_sql, since, quiet=3.0, limit=600):
    """Seconds from `since` until the nodes have written their feed-pull backlog: no session
    of the database inside a transaction on feed_pulls or waiting for a lock, and the table
    no longer growing, for `quiet` s in a row. Also the rows the table then holds. (A flush
    is one transaction: the row count moves only when it commits.)"""
    busy_sql = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') "
                "AND (query ILIKE '%feed_pull%' OR wait_event_type = 'Lock')")
    last, last_busy = -1, time.time()
    while time.time() - since < limit:
        n = int(pg_sql("SELECT count(*) FROM feed_pulls"))
        if n != last or int(pg_sql(busy_sql)) > 0:
            last, last_busy = n, time.time()
        elif time.time() - last_busy >= quiet:
            return n, max(0.0, last_busy - since)
        time.sleep(0.25)
    return last, float("inf")


def first_difference(a, b):
    """Where two bodies first differ, with a few bytes of context on each side."""
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    lo = max(0, n - 40)
    return n, a[lo:n + 30].decode("utf-8", "replace"), b[lo:n + 30].decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10, help="each wrk measurement")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--burst", type=int, default=10000, help="stock rows of the burst")
    ap.add_argument("--writes", type=int, default=20, help="writes timed from node A to node B")
    ap.add_argument("--mirror-seconds", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the 1-2-3 node reads")
    ap.add_argument("--node-cpu", type=float, default=0.2,
                    help="cores each node may use in the capped 1-2-3 node reads (0: skip)")
    args = ap.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    key = os.path.join(OUT, "secrets.key")
    pg_state = os.path.join(OUT, "postgres.url")
    pg_url = run([os.path.join(ROOT, "scripts/pg-cluster"), "start", pg_state]).stdout.strip()
    pg_dir = open(pg_state + ".dir").read().strip()
    postmaster = lambda: [int(open(pg_dir + "/data/postmaster.pid").readline())]
    pg_host = re.search(r"host=([^&]+)", pg_url).group(1)
    pg_user = re.search(r"user=([^&]+)", pg_url).group(1)

    def pg_sql(sql, db="vitrine"):
        return run([PG_BIN + "/psql", "-h", pg_host, "-U", pg_user, "-d", db, "-At", "-c",
                    sql]).stdout.strip()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    cleanup = []
    try:
        load = open("/proc/loadavg").read().split()[0]
        print(f"# bench/cluster ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
              f"load {load} at start; PostgreSQL {os.path.basename(os.path.dirname(PG_BIN))} on a "
              f"Unix socket, fsync off; wrk -t2 -c{args.connections} -d{args.seconds}s)")

        # 1. One node: the demo retailer on SQLite beside PostgreSQL.
        demo = generate(os.path.join(OUT, "generated"), now)
        single = []
        tokens = {}
        for name in ("SQLite", "PostgreSQL"):
            workdir = os.path.join(OUT, name.lower())
            os.makedirs(workdir)
            db = "sqlite:" + os.path.join(workdir, "vitrine.db") if name == "SQLite" else pg_url
            imports = {kind: timed_import(db, workdir, kind, os.path.join(demo, kind + ".csv"))
                       for kind in ("stores", "products", "prices", "stock")}
            seeded = seed(db, workdir, now)
            stock = timed_import(db, workdir, "stock", changed_stock(demo, workdir, now))
            token = tokens[name] = token_of(workdir)
            node = Node(db, os.path.join(workdir, "node"),
                        os.path.join(workdir, "vitrine-data/demo"), key, None)
            cleanup.append(node.stop)
            client = Client(token)
            pairs = offer_pairs(client, node.url, args.burst)
            written, to_feed, offers = burst_to_feed(client, node, pairs, 1)
            meter = CpuMeter({"node": lambda n=node: [n.proc.pid], "postgres": postmaster})
            w = wrk(node.url + API_ROUTE, token, args.seconds, args.connections, meter)
            single.append((name, imports["products"], imports["stock"],
                           f"{seeded[1]:,} ms ({seeded[2]:,} offers; whole demo command "
                           f"{seeded[0]:.1f} s)", stock,
                           f"{written * 1000:,.0f} ms / {to_feed * 1000:,.0f} ms "
                           f"({len(pairs):,} rows, {offers:,} offers)",
                           f"{w['rps']:,.0f} (p99 {w['p99']}, {w['errors']} non-2xx)",
                           cpu_text(w["cpu"])))
            node.stop()
            cleanup.remove(node.stop)
        table("One node: the demo retailer on SQLite and on PostgreSQL",
              ["database", "import products (empty database)", "import stock (after prices)",
               "full assembly (vitrine demo: campaigns, then every offer)",
               "re-import stock, every quantity changed (+ assembly)",
               "stock burst PUT answered / all on the change feed",
               f"GET {API_ROUTE} req/s", "cores used during wrk"],
              single,
              "Imports are `vitrine import KIND FILE` of the demo's CSVs (a process: open, "
              "import, assemble what changed); stores and prices are imported too (not shown). "
              "The burst is one `PUT /api/v1/stock` on a serving node, timed until "
              "`GET /api/v1/offers/changes` on that node lists every offer of those rows.")

        # pgbench on the same server: the raw baseline.
        host = re.search(r"host=([^&]+)", pg_url).group(1)
        user = re.search(r"user=([^&]+)", pg_url).group(1)
        run([PG_BIN + "/createdb", "-h", host, "-U", user, "pgbench"])
        conn = ["-h", host, "-U", user, "pgbench"]
        run([PG_BIN + "/pgbench", "-i", "-s", "10", "-q"] + conn)
        baseline = []
        clients = max(1, args.connections // 4)
        for name, extra in (("select-only (`-S -M prepared`)", ["-S", "-M", "prepared"]),
                            ("TPC-B-like (default script)", [])):
            out = run([PG_BIN + "/pgbench", "-n", "-c", str(clients), "-j", "2", "-T",
                       str(args.seconds)] + extra + conn).stdout
            tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
            baseline.append((name, f"{tps:,.0f}"))
        table(f"Baseline: pgbench on the same PostgreSQL server (scale 10, {clients} clients, "
              f"2 threads, {args.seconds} s)", ["pgbench", "transactions/s"], baseline)

        # 2. Several nodes on the seeded PostgreSQL behind nginx (one balancer port, so every
        # node writes the same public URL into its feeds).
        token = tokens["PostgreSQL"]
        client = Client(token)
        lb_port = free_port()
        images = os.path.join(OUT, "postgresql/vitrine-data/demo")
        nodes = []
        for k in range(3):
            n = Node(pg_url, os.path.join(OUT, f"node-{k + 1}"), images, key,
                     f"http://127.0.0.1:{lb_port}")
            nodes.append(n)
            cleanup.append(n.stop)
        time.sleep(3)  # the nodes' first feed snapshots
        # Rounds of 1-direct, 1, 2, 3: each configuration's best round is shown, so a burst
        # of someone else's work on the machine during one round counts less.
        configs = [("1, direct (no nginx)", None)] + [(str(c), c) for c in (1, 2, 3)]
        best = {}
        for _ in range(args.rounds):
            for label, count in configs:
                lb = (Nginx(nodes[:count], os.path.join(OUT, f"nginx-{count}"), lb_port)
                      if count else None)
                target = lb.url if lb else nodes[0].url
                for route in (API_ROUTE, FEED_ROUTE):
                    groups = {"nodes": lambda c=count: [n.proc.pid for n in nodes[:c or 1]],
                              "nginx": (lb.master if lb else (lambda: [])),
                              "postgres": postmaster}
                    w = wrk(target + route, token, args.seconds, args.connections,
                            CpuMeter(groups))
                    if route == FEED_ROUTE:
                        # The pulls just logged are written before the next run starts.
                        w["drain"] = pulls_drained(pg_sql, time.time())[1]
                    w["all"] = best.get((label, route), {}).get("all", []) + [w["rps"]]
                    if w["rps"] >= best.get((label, route), {}).get("rps", -1):
                        best[(label, route)] = w
                    else:
                        best[(label, route)]["all"] = w["all"]
                if lb:
                    lb.stop()
        scaling = []
        for label, count in configs:
            cells = [label]
            for route in (API_ROUTE, FEED_ROUTE):
                w = best[(label, route)]
                one = best[("1", route)]["rps"]
                ratio = f"{w['rps'] / one:.2f}×" if count else "-"
                rounds = " / ".join(f"{r:,.0f}" for r in w["all"])
                cells.append(f"**{w['rps']:,.0f}** ({ratio}; rounds {rounds}; p99 {w['p99']}, "
                             f"{w['errors']} non-2xx)")
            cells += [cpu_text(best[(label, r)]["cpu"]) for r in (API_ROUTE, FEED_ROUTE)]
            cells.append(f"{best[(label, FEED_ROUTE)]['drain']:,.0f} s")
            scaling.append(cells)
        # Every feed download is logged (feed_pulls, written by each node once a second under
        # the cluster's write lock): wait until the nodes have written their backlog, which
        # holds back every write meanwhile, before timing writes.
        drained_at = time.time()
        pulls, drain = pulls_drained(pg_sql, drained_at)
        table("Reads through nginx: 1, 2 and 3 nodes on one PostgreSQL (ratio to 1 node behind nginx)",
              ["nodes", f"GET {API_ROUTE} req/s", f"GET {FEED_ROUTE} req/s",
               "cores used (API run)", "cores used (feed run)",
               "feed-pull log written after the feed run"], scaling,
              f"Best of {args.rounds} rounds (each round measures every row in turn); the "
              "ratio is to 1 node behind nginx. Cores used (during the best round): CPU "
              "seconds per second of each process group, from "
              "/proc (2 cores = 2.00); `other` is everything else on the machine, including "
              "anyone else's work. Every feed download is logged in the database "
              "(`feed_pulls`, by each node once a second, under the cluster's write lock); "
              "the last column is how long the nodes took to write the backlog of the feed "
              "run (until no session is writing `feed_pulls` or waiting for a lock, for 3 s), "
              "during which every "
              f"write waits; the next run starts after it. {pulls:,} pulls were logged in all.")

        # The same reads with every node held to --node-cpu cores (a machine of its own):
        # on 2 cores shared with wrk, nginx and PostgreSQL, a second uncapped node only
        # splits the CPU the first one had; capped, the node tier is what limits, as it is
        # when each node has its own machine, and adding a node adds capacity.
        if args.node_cpu > 0:
            caps = CpuCaps([n.proc for n in nodes], args.node_cpu)
            cleanup.append(caps.release)
            capped, rates = [], {}
            for count in (1, 2, 3):
                if caps.error:
                    break
                lb = Nginx(nodes[:count], os.path.join(OUT, f"nginx-capped-{count}"), lb_port)
                cells = [str(count)]
                used = []
                for route in (API_ROUTE, FEED_ROUTE):
                    groups = {"nodes": lambda c=count: [n.proc.pid for n in nodes[:c]],
                              "nginx": lb.master, "postgres": postmaster}
                    w = wrk(lb.url + route, token, args.seconds, args.connections,
                            CpuMeter(groups))
                    if route == FEED_ROUTE:
                        pulls_drained(pg_sql, time.time())
                    rates[(count, route)] = w["rps"]
                    one = rates[(1, route)]
                    cells.append(f"**{w['rps']:,.0f}** ({w['rps'] / one:.2f}×; p99 {w['p99']}, "
                                 f"{w['errors']} non-2xx)")
                    used.append(cpu_text(w["cpu"]))
                lb.stop()
                capped.append(cells + used)
            caps.release()
            if caps.error:
                print(f"\n(Capped reads skipped: cgroups cannot be written here: {caps.error}.)")
            else:
                table(f"Reads through nginx with each node held to {args.node_cpu:g} cores "
                      "(a machine of its own): the scaling figure on this machine",
                      ["nodes", f"GET {API_ROUTE} req/s", f"GET {FEED_ROUTE} req/s",
                       "cores used (API run)", "cores used (feed run)"], capped,
                      f"Each node runs in a cgroup of its own with a CPU quota of "
                      f"{args.node_cpu:g} cores (cpu.cfs_quota_us / cpu.max); wrk, nginx and "
                      "PostgreSQL are not capped and share the rest of the 2 cores "
                      f"(2 - 3 × {args.node_cpu:g} = {2 - 3 * args.node_cpu:.1f} cores with 3 "
                      "nodes). Uncapped, a second node on this machine only splits the CPU "
                      "the first had (table above); capped, the nodes are the bottleneck, as "
                      "when each has a machine, and the ratio to 1 node is what adding a "
                      "node adds, until the uncapped tier (nginx, PostgreSQL, wrk: their cores "
                      "are in the last columns) runs out of the machine's cores. One round "
                      f"of {args.seconds} s per cell.")

        # A write on node A, on node B's change feed (B polled directly, every 5 ms).
        pairs = list(offer_pairs(client, nodes[0].url, args.writes).items())
        delays = []
        for i in range(args.writes):
            a, b = nodes[i % 3], nodes[(i + 1) % 3]
            (product, store), (ids, qty) = pairs[i]
            since = current_seq(client, b.url)
            started = time.time()
            client.request(a.url + "/api/v1/stock", method="PUT",
                           body=[{"product_id": product, "store_id": store, "quantity": qty[0] + 1}])
            acked = time.time() - started
            delay = float("inf")
            while time.time() - started < acked + 10:
                page = client.json(f"{b.url}/api/v1/offers/changes?since={since}&limit=1000")
                since = page["next_since"]
                if any(c["offer_id"] in ids for c in page["changes"]):
                    delay = time.time() - started
                    break
                time.sleep(0.005)
            delays.append((acked, delay))
            time.sleep(0.2)
        acks = [d[0] for d in delays]
        seen = [d[1] for d in delays]
        finite = [d for d in seen if d != float("inf")]
        table("A write on node A (`PUT /api/v1/stock`, 1 row) on node B's change feed",
              ["writes", "PUT answered: median / max", "on B's feed: median / max",
               "over 1 s", "target"],
              [(len(delays), f"{statistics.median(acks) * 1000:,.0f} / {max(acks) * 1000:,.0f} ms",
                (f"{statistics.median(finite) * 1000:,.0f} / " if finite else "- / ") +
                (f"{max(seen) * 1000:,.0f} ms" if max(seen) != float("inf")
                 else "not within 10 s of the PUT's answer"),
                sum(1 for d in seen if d > 1.0), "≤ 1,000 ms")],
              "Timed from sending the PUT to node A until node B's "
              "`/api/v1/offers/changes?since=` lists an offer of that (product, store); writes "
              "rotate A→B over the 3 nodes (1→2, 2→3, 3→1).")

        # 3. Correctness: writes to each node directly while a client mirrors the change feed
        # through the balancer; then the mirror against the listing, and the feeds.
        lb = Nginx(nodes, os.path.join(OUT, "nginx-mirror"), lb_port)
        cleanup.append(lb.stop)
        write_pairs = list(offer_pairs(client, nodes[0].url, 3000).keys())
        stop = threading.Event()
        acked = [0, 0, 0]
        failed = [0, 0, 0]

        def writer(k):
            i = 0
            while not stop.is_set():
                lo = (i * 100 + k * 1000) % len(write_pairs)
                body = [{"product_id": p, "store_id": s, "quantity": (i + k + j) % 60 + 1}
                        for j, (p, s) in enumerate(write_pairs[lo:lo + 100])]
                try:
                    client.request(nodes[k].url + "/api/v1/stock", method="PUT", body=body)
                    acked[k] += 1
                except Exception:
                    failed[k] += 1
                i += 1
                time.sleep(0.05)

        mirror, seqs = {}, []
        since = 0
        threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        started = time.time()
        while time.time() - started < args.mirror_seconds:
            since, got = read_changes(client, lb.url, since, mirror, seqs)
            if not got:
                time.sleep(0.02)
        stop.set()
        for t in threads:
            t.join()
        # Quiet: read to the end, then until nothing comes for 2 s.
        quiet_from = time.time()
        while time.time() - quiet_from < 2:
            since, got = read_changes(client, lb.url, since, mirror, seqs)
            if got:
                quiet_from = time.time()
            else:
                time.sleep(0.1)
        listed = listing(client, lb.url)
        increasing = all(x < y for x, y in zip(seqs, seqs[1:]))
        gaps = sum(1 for x, y in zip(seqs, seqs[1:]) if y != x + 1)
        differ = [k for k in set(mirror) | set(listed) if mirror.get(k) != listed.get(k)]
        last_seqs = [current_seq(client, n.url) for n in nodes]
        lb.stop()
        cleanup.remove(lb.stop)

        # Feeds, once quiet: every node regenerates on its own; compare each node's bytes.
        time.sleep(5)
        feeds = client.json(nodes[0].url + "/api/v1/feeds")["feeds"]
        feed_rows = []
        for f in feeds:
            got = [client.request(n.url + f["path"], timeout=300, headers=True) for n in nodes]
            digests = [hashlib.sha256(body).hexdigest()[:12] for body, _ in got]
            if len(set(digests)) == 1:
                verdict = "identical"
            else:
                other = next(i for i, d in enumerate(digests) if d != digests[0])
                at, x, y = first_difference(got[0][0], got[other][0])
                verdict = (f"DIFFER at byte {at:,} (node 1 vs {other + 1}): "
                           f"`…{x.strip()}…` vs `…{y.strip()}…`")
            heads = {h: sorted({hd.get(h, "") for _, hd in got}) for h in ("ETag", "Last-Modified")}
            feed_rows.append((f["path"], f"{len(got[0][0]):,}", " / ".join(digests), verdict,
                              f"{len(heads['ETag'])} / {len(heads['Last-Modified'])}"))
        table("Several nodes at once: writes on every node, a mirror of the change feed through nginx",
              ["check", "result"],
              [("stock PUTs acknowledged (failed) on nodes 1 / 2 / 3",
                " / ".join(f"{a} ({f})" for a, f in zip(acked, failed))),
               ("changes mirrored through the balancer", f"{len(seqs):,}"),
               ("seqs strictly increasing / gaps between consecutive seqs (expected: an offer "
                "written again keeps only its latest seq)",
                f"{'yes' if increasing else 'NO'} / {gaps}"),
               ("mirror (offer, store → version) equal to the listing (GET /api/v1/offers paged)",
                f"{'yes' if not differ else 'NO, ' + str(len(differ)) + ' differ, e.g. ' + str(differ[:3])}"
                f": {len(mirror):,} mirrored, {len(listed):,} listed"),
               ("last seq on nodes 1 / 2 / 3 (read directly)", " / ".join(map(str, last_seqs)))])
        table("Feeds from each node directly, once quiet (sha256 prefix per node)",
              ["feed", "bytes (node 1)", "sha256 node 1 / 2 / 3", "bodies",
               "distinct ETag / Last-Modified"], feed_rows)
    finally:
        for stop_proc in reversed(cleanup):
            try:
                stop_proc()
            except Exception as e:
                sys.stderr.write(f"cleanup: {e}\n")
        subprocess.run([os.path.join(ROOT, "scripts/pg-cluster"), "stop", pg_state])


if __name__ == "__main__":
    main()
