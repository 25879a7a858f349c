#!/usr/bin/env python3
"""bench/cluster's driver: the demo retailer on SQLite beside PostgreSQL, then 1, 2 and 3
hub nodes on PostgreSQL behind nginx. Prints markdown tables. Loopback and Unix sockets
only. Run through bench/cluster, which builds the release and installs what is missing."""

import argparse
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
VITRINE = os.path.join(ROOT, "build/release/app/vitrine")
PG_BIN = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
PGBENCH = f"/usr/lib/postgresql/{PG_BIN}/bin/pgbench"
OUT = os.path.join(ROOT, "bench/out/cluster")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class Client:
    def __init__(self, token):
        self.token = token

    def request(self, url, method="GET", body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read()

    def json(self, url, **kw):
        return json.loads(self.request(url, **kw))


class Node:
    """One `vitrine serve` in a working directory of its own."""

    def __init__(self, db, workdir, images, key):
        self.port = free_port()
        os.makedirs(workdir, exist_ok=True)
        self.log = open(os.path.join(workdir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [VITRINE, "serve", "--db", db, "--address", "127.0.0.1", "--port", str(self.port),
             "--images", images, "--secrets-key", key,
             # Measured at full speed: the per-token rate limit would answer 429.
             "--rate-limit", "off"],
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
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


class Nginx:
    def __init__(self, nodes, workdir):
        self.port = free_port()
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        servers = "".join(f"    server 127.0.0.1:{n.port};\n" for n in nodes)
        conf = f"""worker_processes 2;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  upstream vitrine {{
{servers}    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://vitrine; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_next_upstream error timeout;
    }}
  }}
}}
"""
        with open(os.path.join(workdir, "nginx.conf"), "w") as f:
            f.write(conf)
        run(["nginx", "-p", workdir, "-c", workdir + "/nginx.conf", "-e", workdir + "/error.log"])
        self.url = f"http://127.0.0.1:{self.port}"
        time.sleep(0.3)

    def stop(self):
        subprocess.run(["nginx", "-p", self.dir, "-c", self.dir + "/nginx.conf", "-e",
                        self.dir + "/error.log", "-s", "stop"], capture_output=True)
        time.sleep(0.3)


def quiesce(client, nodes):
    """Waits until every node has generated each of its feeds and none regenerates for 2 s:
    a node busy rebuilding feeds after a write would measure that, not the reads."""
    def state():
        return [sorted((f["name"], f.get("etag"), f.get("generated_at"))
                       for f in client.json(n.url + "/api/v1/feeds")["feeds"]) for n in nodes]
    deadline = time.time() + 300
    before = state()
    while time.time() < deadline:
        time.sleep(2)
        now = state()
        if now == before and all(g for s in now for (_, _, g) in s):
            return
        before = now


def wrk(url, token, seconds, connections):
    out = run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-H", "Authorization: Bearer " + token, url]).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99.group(1) if p99 else "?", int(errors.group(1)) if errors else 0


def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    sys.stdout.flush()


def seed(db, workdir):
    """The demo retailer into `db`: seconds in all and the assembly's own milliseconds."""
    os.makedirs(workdir, exist_ok=True)
    started = time.time()
    out = run([VITRINE, "demo", "--db", db], cwd=workdir).stdout
    seconds = time.time() - started
    m = re.search(r"published offers: ([\d,]+) inserted.*\((\d+) ms\)", out)
    offers = int(m.group(1).replace(",", "")) if m else 0
    return seconds, int(m.group(2)) if m else 0, offers


def stock_rows(workdir, count):
    products = [line.split(",")[0] for line in
                open(os.path.join(workdir, "vitrine-data/demo/products.csv")).read().splitlines()[1:]]
    stores = [f"S{i:03d}" for i in range(1, 51)]
    rows = []
    i = 0
    while len(rows) < count:
        rows.append({"product_id": products[i % len(products)],
                     "store_id": stores[(i // len(products)) % len(stores)],
                     "quantity": (i * 7 + int(time.time())) % 97})
        i += 1
    return rows


def burst_to_feed(client, node, rows):
    """PUT `rows` of stock on `node`: seconds the PUT took, and seconds until the last offer
    change it caused was on the node's change feed (the feed then stays still for 1 s)."""
    last = seq_now(client, node.url)
    started = time.time()
    client.request(node.url + "/api/v1/stock", method="PUT", body=rows, timeout=300)
    written = time.time() - started
    last_change_at = written
    quiet_from = time.time()
    while time.time() - quiet_from < 1.0:
        page = client.json(f"{node.url}/api/v1/offers/changes?since={last}&limit=1000")
        if page["changes"]:
            last = page["changes"][-1]["seq"]
            last_change_at = time.time() - started
            quiet_from = time.time()
        else:
            time.sleep(0.01)
    return written, last_change_at


def seq_now(client, base):
    last = 0
    while True:
        page = client.json(f"{base}/api/v1/offers/changes?since={last}&limit=1000")
        if not page["changes"]:
            return last
        last = page["changes"][-1]["seq"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10, help="each wrk measurement")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--burst", type=int, default=10000, help="stock rows of the burst")
    args = ap.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    pg_state = os.path.join(OUT, "postgres.url")
    pg_url = run([os.path.join(ROOT, "scripts/pg-cluster"), "start", pg_state]).stdout.strip()
    cleanup = []
    try:
        print(f"# bench/cluster ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
              f"load {open('/proc/loadavg').read().split()[0]})")

        # 1. One node: SQLite beside PostgreSQL.
        lite_dir = os.path.join(OUT, "sqlite")
        pg_dir = os.path.join(OUT, "postgres")
        lite_db = "sqlite:" + os.path.join(lite_dir, "vitrine.db")
        lite_seed = seed(lite_db, lite_dir)
        pg_seed = seed(pg_url, pg_dir)
        token = re.search(r"token:\s*(\S+)",
                          open(os.path.join(pg_dir, "vitrine-data/demo-credentials.txt")).read()).group(1)
        lite_token = re.search(r"token:\s*(\S+)", open(
            os.path.join(lite_dir, "vitrine-data/demo-credentials.txt")).read()).group(1)
        rows = stock_rows(pg_dir, args.burst)
        single = []
        for name, db, workdir, tok, seeded in (("SQLite", lite_db, lite_dir, lite_token, lite_seed),
                                                ("PostgreSQL", pg_url, pg_dir, token, pg_seed)):
            node = Node(db, os.path.join(workdir, "node"), os.path.join(workdir, "vitrine-data/demo"),
                        os.path.join(OUT, "secrets.key"))
            cleanup.append(node.stop)
            client = Client(tok)
            written, to_feed = burst_to_feed(client, node, rows)
            quiesce(client, [node])
            rps, p99, errors = wrk(node.url + "/api/v1/offers?store=S001&limit=50", tok,
                                   args.seconds, args.connections)
            single.append((name, f"{seeded[0]:.1f}", f"{seeded[1]:,} ms ({seeded[2]:,} offers)",
                           f"{written * 1000:,.0f} ms", f"{to_feed * 1000:,.0f} ms",
                           f"{rps:,.0f} (p99 {p99}, {errors} errors)"))
            node.stop()
            cleanup.remove(node.stop)
        table("One node: the demo retailer on SQLite and on PostgreSQL",
              ["database", "demo seed s (imports + assembly)", "full assembly",
               f"stock burst PUT ({args.burst:,} rows)", "burst on the change feed",
               f"GET /offers?store= req/s ({args.connections} conn.)"], single)

        # pgbench on the same server: the raw baseline.
        bench_db = pg_url.replace("/vitrine?", "/pgbench?")
        host = re.search(r"host=([^&]+)", pg_url).group(1)
        user = re.search(r"user=([^&]+)", pg_url).group(1)
        run(["createdb", "-h", host, "-U", user, "pgbench"])
        run([PGBENCH, "-i", "-s", "10", "-q", bench_db])
        baseline = []
        for name, extra in (("select-only (-S -M prepared)", ["-S", "-M", "prepared"]),
                            ("TPC-B-like", [])):
            out = run([PGBENCH, "-n", "-c", str(args.connections // 4 or 1), "-j", "2", "-T",
                       str(args.seconds)] + extra + [bench_db]).stdout
            tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
            baseline.append((name, f"{tps:,.0f}"))
        table("Baseline: pgbench on the same PostgreSQL server", ["pgbench", "transactions/s"],
              baseline)

        # 2. Several nodes behind nginx.
        images = os.path.join(pg_dir, "vitrine-data/demo")
        nodes = []
        for k in range(3):
            n = Node(pg_url, os.path.join(OUT, f"node-{k + 1}"), images,
                     os.path.join(OUT, "secrets.key"))
            nodes.append(n)
            cleanup.append(n.stop)
        client = Client(token)
        quiesce(client, nodes)
        scaling = []
        base_rps = {}
        for count in (1, 2, 3):
            lb = Nginx(nodes[:count], os.path.join(OUT, f"nginx-{count}"))
            cells = [str(count)]
            for route in ("/api/v1/offers?store=S001&limit=50", "/feeds/google/promotions.xml"):
                rps, p99, errors = wrk(lb.url + route, token, args.seconds, args.connections)
                base_rps.setdefault(route, rps)
                cells.append(f"{rps:,.0f} ({rps / base_rps[route]:.2f}×, p99 {p99}, {errors} err.)")
            lb.stop()
            scaling.append(cells)
        table("Reads through nginx: 1, 2 and 3 nodes on PostgreSQL",
              ["nodes", "GET /api/v1/offers?store=S001&limit=50 req/s", "GET /feeds/google/promotions.xml req/s"],
              scaling)

        # Write on node A, seen on node B's change feed.
        delays = []
        a, b = nodes[0], nodes[1]
        # Stock levels that are published offers' (a product without a promotion in the
        # store changes no offer), each written once with a quantity it does not have.
        offered = client.json(a.url + "/api/v1/offers?store=S002&limit=20")["items"]
        for i, offer in enumerate(offered):
            last = seq_now(client, b.url)
            row = {"product_id": offer["product_id"], "store_id": "S002",
                   "quantity": offer["stock"]["quantity"] + 1000 + i}
            started = time.time()
            client.request(a.url + "/api/v1/stock", method="PUT", body=[row])
            while True:
                page = client.json(f"{b.url}/api/v1/offers/changes?since={last}&limit=1000")
                if any(c["offer_id"].endswith("~" + row["product_id"]) and c["store_id"] == row["store_id"]
                       for c in page["changes"]):
                    delays.append(time.time() - started)
                    break
                if time.time() - started > 10:
                    delays.append(float("inf"))
                    break
                time.sleep(0.005)
        finite = [d for d in delays if d != float("inf")]
        table("A write on node A (PUT /api/v1/stock) on node B's change feed",
              ["writes", "median", "max", "target"],
              [(len(delays), f"{statistics.median(finite) * 1000:,.0f} ms" if finite else "-",
                f"{max(delays) * 1000:,.0f} ms", "≤ 1,000 ms")])

        # 3. Correctness: writes to different nodes while a client mirrors the change feed
        # through the load balancer; then the mirror against the listing, and the feeds.
        lb = Nginx(nodes, os.path.join(OUT, "nginx-mirror"))
        mirror = {}
        stop = threading.Event()

        def writer(node, offset):
            i = 0
            while not stop.is_set():
                chunk = [dict(r, quantity=(r["quantity"] + i + offset) % 97)
                         for r in rows[(i * 50) % len(rows):(i * 50) % len(rows) + 50]]
                client.request(node.url + "/api/v1/stock", method="PUT", body=chunk)
                i += 1

        threads = [threading.Thread(target=writer, args=(n, k)) for k, n in enumerate(nodes)]
        for t in threads:
            t.start()
        since = 0
        started = time.time()
        seqs = []
        while time.time() - started < 20:
            page = client.json(f"{lb.url}/api/v1/offers/changes?since={since}&limit=1000")
            for c in page["changes"]:
                seqs.append(c["seq"])
                key = (c["offer_id"], c["store_id"])
                if c["op"] == "delete":
                    mirror.pop(key, None)
                else:
                    mirror[key] = c["offer"]["version"]
                since = c["seq"]
        stop.set()
        for t in threads:
            t.join()
        time.sleep(1.5)
        while True:
            page = client.json(f"{lb.url}/api/v1/offers/changes?since={since}&limit=1000")
            if not page["changes"]:
                break
            for c in page["changes"]:
                seqs.append(c["seq"])
                key = (c["offer_id"], c["store_id"])
                if c["op"] == "delete":
                    mirror.pop(key, None)
                else:
                    mirror[key] = c["offer"]["version"]
                since = c["seq"]
        listing = {}
        stores = [f"S{i:03d}" for i in range(1, 51)]
        for s in stores:
            cursor = ""
            while True:
                page = client.json(f"{lb.url}/api/v1/offers?store={s}&limit=1000" +
                                   (f"&cursor={cursor}" if cursor else ""))
                for o in page["items"]:
                    listing[(o["offer_id"], o["store_id"])] = o["version"]
                cursor = page.get("next_cursor") or ""
                if not cursor:
                    break
        increasing = all(x < y for x, y in zip(seqs, seqs[1:]))
        lb.stop()
        # Feeds, once quiet: every node regenerates on its own; compare each with node 1's.
        time.sleep(5)
        feeds = client.json(nodes[0].url + "/api/v1/feeds")["feeds"]
        identical, differing = 0, []
        for f in feeds:
            bodies = [hashlib.sha256(client.request(n.url + f["path"], timeout=120)).hexdigest()
                      for n in nodes]
            if len(set(bodies)) == 1:
                identical += 1
            else:
                differing.append(f["name"])
        table("Several nodes at once: a mirror of the change feed through nginx, and the feeds",
              ["check", "result"],
              [("changes mirrored (seqs strictly increasing through the balancer)",
                f"{len(seqs):,} ({'yes' if increasing else 'NO'})"),
               ("mirror equal to the listing (offer, store → version)",
                f"{'yes' if mirror == listing else 'NO'}: {len(mirror):,} mirrored, {len(listing):,} listed"),
               ("feeds byte-identical on the 3 nodes", f"{identical} of {len(feeds)}" +
                (f" (differ: {', '.join(differing)})" if differing else ""))])
    finally:
        for stop_node in reversed(cleanup):
            try:
                stop_node()
            except Exception:
                pass
        subprocess.run([os.path.join(ROOT, "scripts/pg-cluster"), "stop", pg_state])


if __name__ == "__main__":
    main()
