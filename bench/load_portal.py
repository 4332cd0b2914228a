"""Load test of the citizen portal (/m/): N concurrent citizens on the demo database, loopback
only, bounded; with a static file measured in the same run as the baseline.

    .venv/bin/python bench/load_portal.py \\
        --db postgres://postgres@127.0.0.1:5432/jz_portal_load --clients 200 --rounds 5

What it does, start to end:

1. (Re)creates the scratch database named in ``--db`` and builds the demo database in it
   (``jiuzhu demo --no-serve``: synthetic households, a policy run, example cases at every
   stage, payments, alerts). With ``--reuse`` an existing demo database is kept.
2. Binds ``--clients`` citizens to household heads of the demo (海陵区 first), each with a
   signed-in portal session, as the SMS sign-in would leave them.
3. Starts the real WSGI stack (waitress, production settings, ``--servers`` processes of
   ``--threads`` threads) on 127.0.0.1 only.
4. Each client, ``--rounds`` times: its home page, 我的救助, 主动申报, its open case (if it has
   one), then the public pages of its village (公示, the standing recipient list) and the local
   standards; plus one static file (the portal's stylesheet, served by WhiteNoise) as the
   baseline of the machine in that same second. Think time ``--think`` seconds between pages.
   The whole run is cut off after ``--time-limit`` seconds.

It prints the load average before and after, a Markdown table (n, errors, p50/p95/p99/max per
page), the ratio of the pages' p95 to the static file's p95, and the CPU time the web processes
spent per request (what the pages cost, whatever else the machine
runs), for docs/benchmarks.md. ``--src`` serves another checkout's code (say the base of a
change, exported with ``git archive``) with the same script, database and settings, so that a
change and its base are measured in one sitting:

    .venv/bin/python bench/load_portal.py --reuse --src /tmp/base/src   # then without --src
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
PY = str(ROOT / ".venv" / "bin" / "python")

from load_cases_api import pct, reset_database  # noqa: E402

STATIC = "static file (baseline)"


def seed(clients: int) -> list[dict]:
    """Citizens bound to demo household heads, each with a portal session."""
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections, transaction

    from jiuzhu.cases.models import Application
    from jiuzhu.portal.models import Citizen
    from jiuzhu.portal.views import SESSION_KEY
    from jiuzhu.registry.models import Person

    heads = list(
        Person.objects.filter(relation="head", death_date__isnull=True)
        .select_related("household")
        .order_by("-household__hukou_area_id", "id")[:clients]
    )
    if len(heads) < clients:
        raise SystemExit(f"the demo database has only {len(heads)} household heads")
    apps = {}
    for a in Application.objects.filter(household_id__in=[p.household_id for p in heads]):
        apps.setdefault(a.household_id, a.pk)
    out = []
    now = datetime.datetime.now(datetime.UTC)
    with transaction.atomic():
        Citizen.objects.filter(phone__startswith="199").delete()
        for i, p in enumerate(heads):
            Citizen.objects.filter(person=p).delete()
            c = Citizen.objects.create(
                phone=f"199{i:08d}", person=p, household=p.household, bound_at=now
            )
            s = SessionStore()
            s[SESSION_KEY] = c.pk
            s.create()
            village = p.household.hukou_area_id
            out.append(
                {
                    "session": s.session_key,
                    "village": village,
                    "township": village[:9] + "000",
                    "case": apps.get(p.household_id),
                }
            )
    connections.close_all()
    return out


def cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Stats:
    def __init__(self):
        self.lat: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def add(self, name: str, seconds: float, ok: bool) -> None:
        self.lat.setdefault(name, []).append(seconds * 1000)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1


def pages(cfg: dict) -> list[tuple[str, str]]:
    out = [
        ("/m/ (home)", "/m/"),
        ("/m/assistance/", "/m/assistance/"),
        ("/m/change/", "/m/change/"),
    ]
    if cfg["case"]:
        out.append(("/m/case/{id}/", f"/m/case/{cfg['case']}/"))
    out += [
        ("/m/v/{village}/notices/", f"/m/v/{cfg['village']}/notices/"),
        ("/m/roll/{village}/", f"/m/roll/{cfg['village']}/"),
        ("/m/standards/", f"/m/standards/?area={cfg['township']}"),
        (STATIC, "/static/portal/portal.css"),
    ]
    return out


async def client_run(base, cfg, idx, rounds, think, stats: Stats, deadline):
    import httpx

    rnd = random.Random(idx)
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"sessionid": cfg["session"]},
        timeout=30.0,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    ) as http:
        await asyncio.sleep(rnd.uniform(0, think[1]))  # ramp-up: clients start spread out
        for _ in range(rounds):
            for name, url in pages(cfg):
                if time.monotonic() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    r = await http.get(url)
                    stats.add(name, time.perf_counter() - t0, r.status_code == 200)
                except httpx.HTTPError:
                    stats.add(name, time.perf_counter() - t0, False)
                await asyncio.sleep(rnd.uniform(*think))


async def run_clients(bases, cfgs, rounds, think, time_limit) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + time_limit
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(
            client_run(bases[i % len(bases)], cfg, i, rounds, think, stats, deadline)
        )
        for i, cfg in enumerate(cfgs)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=time_limit + 60)
    except TimeoutError:
        for t in tasks:
            t.cancel()
    return stats, time.perf_counter() - t0


async def warm_up(bases, cfgs, per_server: int) -> None:
    import httpx

    async def one(base, cfg):
        async with httpx.AsyncClient(
            base_url=base, cookies={"sessionid": cfg["session"]}, timeout=60.0
        ) as http:
            for _name, url in pages(cfg):
                await http.get(url)

    await asyncio.gather(*[one(b, cfgs[k % len(cfgs)]) for b in bases for k in range(per_server)])


def audit_paths(threads: int, per_thread: int) -> None:
    """The audit of a page read alone, ``threads`` at once: straight into the hash chain (one
    chain-head row lock per read, as the portal did) against the read log (one INSERT; chained
    afterwards in one batch). Latency per recorded read, p50/p95, and the batch's time."""
    import threading

    import django

    django.setup()
    from django.db import connections, transaction

    from jiuzhu.audit.models import NATIONAL
    from jiuzhu.audit.services import audit_read_log, audit_reads_chain, audit_record

    def chained():
        with transaction.atomic():
            audit_record(
                actor=None,
                action="portal.view.home",
                subject_type="citizen",
                subject_id=0,
                area_code=NATIONAL,
                after={"subject": "bench"},
            )

    def logged():
        audit_read_log(
            actor=None,
            action="portal.view.home",
            subject_type="citizen",
            subject_id=0,
            area_code=NATIONAL,
            after={"subject": "bench"},
        )

    print(f"audit of one page read, {threads} threads x {per_thread} reads each:")
    for name, fn in (("chain lock per read", chained), ("read log", logged)):
        lat: list[float] = []
        lock = threading.Lock()

        def work(fn=fn, lat=lat, lock=lock):
            mine = []
            for _ in range(per_thread):
                t0 = time.perf_counter()
                fn()
                mine.append((time.perf_counter() - t0) * 1000)
            with lock:
                lat.extend(mine)
            connections.close_all()

        t0 = time.perf_counter()
        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        wall = time.perf_counter() - t0
        print(
            f"  {name}: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, "
            f"{len(lat) / wall:.0f} reads/s"
        )
    t0 = time.perf_counter()
    n = audit_reads_chain()
    print(f"  chaining the read log: {n} reads in {(time.perf_counter() - t0) * 1000:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/jz_portal_load")
    ap.add_argument("--households", type=int, default=5000, help="demo size (jiuzhu demo)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing demo database")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--think", default="1,4", help="think time range in seconds, e.g. 1,4")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--port", type=int, default=8775)
    ap.add_argument("--servers", type=int, default=2, help="waitress processes (one per core)")
    ap.add_argument("--time-limit", type=float, default=300)
    ap.add_argument(
        "--src",
        default=str(ROOT / "src"),
        help="the code to serve (another checkout's src/, e.g. the base of a change, for a "
        "same-machine comparison); default: this checkout",
    )
    ap.add_argument(
        "--audit-paths",
        type=int,
        default=0,
        metavar="THREADS",
        help="also time the audit of a page read alone, THREADS at once: chain lock vs read log",
    )
    args = ap.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    env = {
        **os.environ,
        "JIUZHU_DATABASE_URL": args.db,
        "JIUZHU_DEBUG": "0",
        "JIUZHU_SECRET_KEY": os.environ.get("JIUZHU_SECRET_KEY") or secrets.token_urlsafe(50),
        "JIUZHU_DEMO": os.environ.get("JIUZHU_DEMO", "1"),
        "JIUZHU_ALLOWED_HOSTS": "127.0.0.1",
        "JIUZHU_VAR_DIR": os.environ.get("JIUZHU_VAR_DIR", "/tmp/jiuzhu-portal-load"),
        "JIUZHU_SCHEDULE_OFF": "all",
        "JIUZHU_SMS_BACKEND": "memory",
        # this checkout's code (or --src), not whichever one the virtualenv's editable install
        # points at
        "PYTHONPATH": args.src,
    }
    keys = ("JIUZHU_DATABASE_URL", "JIUZHU_DEBUG", "JIUZHU_SECRET_KEY", "JIUZHU_DEMO")
    keys += ("JIUZHU_ALLOWED_HOSTS", "JIUZHU_VAR_DIR", "JIUZHU_SCHEDULE_OFF")
    os.environ.update({k: env[k] for k in keys})
    Path(env["JIUZHU_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        print(f"reset {args.db}; building the demo ({args.households} households)", flush=True)
        reset_database(args.db)
        t = time.monotonic()
        subprocess.run(
            [PY, "-m", "jiuzhu", "demo", "--no-serve", "--households", str(args.households)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        print(f"demo built in {time.monotonic() - t:.0f} s", flush=True)
    subprocess.run([PY, "-m", "jiuzhu", "migrate", "-v0"], check=True, env=env)
    # as a deployment does: the static files collected, hashed and compressed (settings.py)
    subprocess.run(
        [PY, "-m", "jiuzhu", "collectstatic", "--noinput", "-v0"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    if args.audit_paths:
        audit_paths(args.audit_paths, 50)
    cfgs = seed(args.clients)
    bases = [f"http://127.0.0.1:{args.port + k}" for k in range(args.servers)]
    servers = [
        subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "waitress-serve"),
                f"--listen=127.0.0.1:{args.port + k}",
                f"--threads={args.threads}",
                "--connection-limit=1000",
                "--backlog=2048",
                "--channel-timeout=60",
                "jiuzhu.wsgi:application",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for k in range(args.servers)
    ]
    try:
        import httpx

        for base in bases:
            for _ in range(150):
                try:
                    if httpx.get(base + "/m/login/", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise SystemExit("server did not start")
        asyncio.run(warm_up(bases, cfgs, args.threads))
        load_before = os.getloadavg()
        print(
            f"{args.clients} citizens x {args.rounds} rounds, think {think[0]}-{think[1]} s, "
            f"{args.servers} x {args.threads} server threads serving {args.src}; "
            f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
            f"on {os.cpu_count()} cores",
            flush=True,
        )
        cpu_before = cpu_seconds([sv.pid for sv in servers])
        stats, wall = asyncio.run(run_clients(bases, cfgs, args.rounds, think, args.time_limit))
        load_after = os.getloadavg()
        cpu_used = cpu_seconds([sv.pid for sv in servers]) - cpu_before
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    total = sum(len(v) for v in stats.lat.values())
    print()
    print("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, lat in stats.lat.items():
        print(
            f"| {name} | {len(lat)} | {stats.errors.get(name, 0)} | {pct(lat, 50):.0f} | "
            f"{pct(lat, 95):.0f} | {pct(lat, 99):.0f} | {max(lat):.0f} |"
        )
    portal = [x for k, v in stats.lat.items() if k != STATIC for x in v]
    base_p95 = pct(stats.lat.get(STATIC, []), 95)
    errors = sum(n for k, n in stats.errors.items() if k != STATIC)
    print(
        f"| all portal pages | {len(portal)} | {errors} | {pct(portal, 50):.0f} | "
        f"{pct(portal, 95):.0f} | {pct(portal, 99):.0f} | {max(portal):.0f} |"
    )
    print()
    print(
        f"wall {wall:.1f} s, {total / wall:.1f} requests/s; load average after "
        f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    print(f"portal p95 / static p95 = {pct(portal, 95) / base_p95:.1f}")
    # What the pages cost, whatever else runs on the machine: CPU time of the web processes per
    # request (the queue for the CPU does not count here; the database's backends come and go
    # with the connections' age, so they are not counted).
    print(f"web processes' CPU per request: {cpu_used / total * 1000:.1f} ms ({total} requests)")
    ok = errors == 0 and pct(portal, 95) <= 200
    print("RESULT:", "PASS (p95 <= 200 ms, no errors)" if ok else "FAIL", flush=True)


if __name__ == "__main__":
    main()
