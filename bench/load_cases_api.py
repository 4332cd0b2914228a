"""Load test of the cases application API: N concurrent clients, loopback only, bounded.

    .venv/bin/python bench/load_cases_api.py \\
        --db postgres://postgres@127.0.0.1:5432/jz_cases_load --clients 200 --iterations 5

What it does, start to end:

1. (Re)creates the scratch database named in ``--db`` (PostgreSQL: dropdb/createdb; SQLite: the
   file), migrates it, loads the 泰州 area tree, and creates one 村居经办 account per client
   (spread over the communities of 海陵区) with a signed-in session, and ``--iterations``
   households per client for it to apply for.
2. Starts the real WSGI stack (waitress, ``--threads`` threads, DEBUG off) on 127.0.0.1 only.
3. Runs ``--clients`` asyncio clients (httpx), each with its own session and connection. Each
   iteration: ``POST /api/v1/cases/applications`` (with pledge and authorisation, and a
   ``client_ref`` idempotency key), ``GET`` the application back, ``GET`` the list page of the
   API, then a think time drawn from ``--think`` seconds. A POST that fails on the network or
   with a 5xx is retried (up to 3 times) with the *same* ``client_ref``. The whole run is cut
   off after ``--time-limit`` seconds.
4. Stops the server it started and counts in the database: every application the clients were
   told was created exists exactly once, nothing else was created, no household has two, and
   the audit chain verifies.

It prints a Markdown table (n, errors, p50/p95/p99/max per endpoint, throughput) for
docs/benchmarks.md. It never talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
PY = str(ROOT / ".venv" / "bin" / "python")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def reset_database(url: str) -> None:
    u = urlparse(url)
    if u.scheme.startswith("postgres"):
        name = u.path.lstrip("/")
        if name in ("test", "postgres", "template0", "template1"):
            raise SystemExit(f"refusing to reset database {name!r}: name a scratch database")
        args = [
            "-h",
            u.hostname or "127.0.0.1",
            "-p",
            str(u.port or 5432),
            "-U",
            u.username or "postgres",
        ]
        subprocess.run(["dropdb", "--if-exists", *args, name], check=True)
        subprocess.run(["createdb", *args, name], check=True)
    elif u.scheme == "sqlite":
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        raise SystemExit(f"unsupported database URL {url}")


def seed(clients: int, iterations: int, warm: int = 0) -> list[dict]:
    """Users with sessions and households; returns one dict per client (the last one, with
    ``warm`` households, is the warm-up client and is not measured)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections, transaction

    from jiuzhu.accounts.models import RoleAssignment, User
    from jiuzhu.accounts.roles import Role
    from jiuzhu.areas.models import Area, AreaLevel
    from jiuzhu.areas.services import DEMO_AREA_FILE, areas_import_csv
    from jiuzhu.core.idcard import make_id_number
    from jiuzhu.registry.models import Household, Person

    if not Area.objects.filter(code="321200000000").exists():
        areas_import_csv(path=DEMO_AREA_FILE)
    villages = list(
        Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith="321202")
        .order_by("code")
        .values_list("code", flat=True)
    )
    out = []
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"load{c:04d}", full_name=f"压测经办{c}") for c in range(clients + 1)]
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=u,
                    role=Role.VILLAGE_WORKER,
                    area_id=villages[c % len(villages)],
                    valid_from=datetime.date(2024, 1, 1),
                )
                for c, u in enumerate(users)
            ]
        )
        households, people = [], []
        counts = [iterations] * clients + [warm]
        for c in range(clients + 1):
            for i in range(counts[c]):
                households.append(
                    Household(
                        number=f"HL{c:04d}{i:04d}",
                        hukou_area_id=villages[c % len(villages)],
                        urban_rural="urban",
                        head_name=f"测试{c}-{i}",
                        size=1,
                    )
                )
        households = Household.objects.bulk_create(households)
        for n, hh in enumerate(households, start=1):
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000)
            people.append(
                Person(
                    household=hh,
                    relation="head",
                    name=hh.head_name,
                    sex="M" if n % 2 else "F",
                    birth_date=birth,
                    id_number=make_id_number("321202", birth, n % 997, "M" if n % 2 else "F"),
                )
            )
        Person.objects.bulk_create(people)
    start = 0
    for c, u in enumerate(users):
        s = SessionStore()
        s[SESSION_KEY] = str(u.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s.create()
        out.append(
            {
                "session": s.session_key,
                "csrf": secrets.token_hex(16),
                "households": [h.pk for h in households[start : start + counts[c]]],
            }
        )
        start += counts[c]
    connections.close_all()
    _ = settings.SESSION_COOKIE_NAME
    return out


class Stats:
    def __init__(self):
        self.lat: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.created: dict[str, int] = {}  # client_ref -> application id acknowledged
        self.retries = 0

    def add(self, name: str, seconds: float, ok: bool) -> None:
        self.lat.setdefault(name, []).append(seconds * 1000)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1


async def client_run(base, cfg, idx, run_id, think, stats: Stats, deadline):
    import httpx

    cookies = {"sessionid": cfg["session"], "csrftoken": cfg["csrf"]}
    headers = {"X-CSRFToken": cfg["csrf"], "Referer": base + "/"}
    rnd = random.Random(idx)
    async with httpx.AsyncClient(
        base_url=base,
        cookies=cookies,
        headers=headers,
        timeout=30.0,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    ) as http:
        await asyncio.sleep(rnd.uniform(0, think[1]))  # ramp-up: clients start spread out
        for i, hh in enumerate(cfg["households"]):
            if time.monotonic() > deadline:
                return
            ref = f"load-{run_id}-{idx}-{i}"
            body = {
                "household_id": hh,
                "programme": "dibao",
                "reason": "压测申请",
                "client_ref": ref,
                "channel": "online",
                "pledge": {"signer_name": "申请人"},
                "authorisation": {"signer_name": "申请人"},
            }
            app_id = None
            for attempt in range(4):
                t0 = time.perf_counter()
                try:
                    r = await http.post("/api/v1/cases/applications", json=body)
                    ok = r.status_code == 201
                    stats.add("POST /applications", time.perf_counter() - t0, ok)
                    if ok:
                        app_id = r.json()["id"]
                        break
                    if r.status_code < 500:
                        print("refused:", r.status_code, r.text[:200], file=sys.stderr)
                        break
                except httpx.HTTPError:
                    stats.add("POST /applications", time.perf_counter() - t0, False)
                stats.retries += 1
                await asyncio.sleep(0.5 * (attempt + 1))
            if app_id is None:
                continue
            stats.created[ref] = app_id
            t0 = time.perf_counter()
            try:
                r = await http.get(f"/api/v1/cases/applications/{app_id}")
                stats.add("GET /applications/{id}", time.perf_counter() - t0, r.status_code == 200)
            except httpx.HTTPError:
                stats.add("GET /applications/{id}", time.perf_counter() - t0, False)
            t0 = time.perf_counter()
            try:
                r = await http.get("/api/v1/cases/applications", params={"limit": 20})
                stats.add("GET /applications", time.perf_counter() - t0, r.status_code == 200)
            except httpx.HTTPError:
                stats.add("GET /applications", time.perf_counter() - t0, False)
            await asyncio.sleep(rnd.uniform(*think))


async def warm_up(bases, cfg, per_server: int) -> None:
    """Cold processes import lazily and open DB connections on first use: warm every thread."""
    import httpx

    cookies = {"sessionid": cfg["session"], "csrftoken": cfg["csrf"]}
    hh = iter(cfg["households"])

    async def one(base):
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, timeout=60.0, headers={"X-CSRFToken": cfg["csrf"]}
        ) as http:
            r = await http.post(
                "/api/v1/cases/applications",
                json={
                    "household_id": next(hh),
                    "programme": "dibao",
                    "client_ref": None,
                    "pledge": {"signer_name": "a"},
                    "authorisation": {"signer_name": "a"},
                },
            )
            await http.get(f"/api/v1/cases/applications/{r.json()['id']}")
            await http.get("/api/v1/cases/applications", params={"limit": 20})

    await asyncio.gather(*[one(b) for b in bases for _ in range(per_server)])


async def run_clients(bases, cfgs, run_id, think, time_limit) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + time_limit
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(
            client_run(bases[i % len(bases)], cfg, i, run_id, think, stats, deadline)
        )
        for i, cfg in enumerate(cfgs)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=time_limit + 60)
    except TimeoutError:
        for t in tasks:
            t.cancel()
    return stats, time.perf_counter() - t0


def verify(run_id: str, stats: Stats, expected_households: int, warm: int) -> dict:
    from django.db import connections
    from django.db.models import Count

    connections.close_all()
    from jiuzhu.audit.services import audit_verify
    from jiuzhu.cases.models import Application

    rows = dict(
        Application.objects.filter(client_ref__startswith=f"load-{run_id}-").values_list(
            "client_ref", "id"
        )
    )
    lost = [ref for ref, pk in stats.created.items() if rows.get(ref) != pk]
    unacknowledged = [ref for ref in rows if ref not in stats.created]
    dup_households = (
        Application.objects.values("household").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return {
        "acknowledged": len(stats.created),
        "in_database": len(rows),
        "total_applications_minus_warm_up": Application.objects.count() - warm,
        "lost": len(lost),
        "created_but_not_acknowledged": len(unacknowledged),
        "households_with_two": dup_households,
        "audit_chain_ok": audit_verify().ok,
        "households_seeded": expected_households,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/jz_cases_load")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--think", default="2,6", help="think time range in seconds, e.g. 2,6")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--servers",
        type=int,
        default=2,
        help="waitress processes (one per core); client i talks to server i %% servers",
    )
    ap.add_argument("--time-limit", type=float, default=300)
    args = ap.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    env = {
        **os.environ,
        "JIUZHU_DATABASE_URL": args.db,
        "JIUZHU_DEBUG": "0",
        # production settings refuse the development key: a random one for this run
        "JIUZHU_SECRET_KEY": os.environ.get("JIUZHU_SECRET_KEY") or secrets.token_urlsafe(50),
        # plain http on loopback (the demo's switch: no HTTPS redirect or secure-only cookies)
        "JIUZHU_DEMO": os.environ.get("JIUZHU_DEMO", "1"),
        "JIUZHU_ALLOWED_HOSTS": "127.0.0.1",
        "JIUZHU_VAR_DIR": os.environ.get("JIUZHU_VAR_DIR", "/tmp/jiuzhu-load"),
    }
    os.environ.update(
        {
            k: env[k]
            for k in (
                "JIUZHU_DATABASE_URL",
                "JIUZHU_DEBUG",
                "JIUZHU_SECRET_KEY",
                "JIUZHU_DEMO",
                "JIUZHU_ALLOWED_HOSTS",
                "JIUZHU_VAR_DIR",
            )
        }
    )
    Path(env["JIUZHU_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    print(f"reset {args.db}", flush=True)
    reset_database(args.db)
    subprocess.run([PY, "-m", "jiuzhu", "migrate", "-v0"], check=True, env=env)
    cfgs = seed(args.clients, args.iterations, warm=args.servers * args.threads)
    warm_cfg, cfgs = cfgs[-1], cfgs[:-1]
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
            for _ in range(100):
                try:
                    if httpx.get(base + "/login/", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise SystemExit("server did not start")
        asyncio.run(warm_up(bases, warm_cfg, args.threads))
        run_id = secrets.token_hex(3)
        print(
            f"run {run_id}: {args.clients} clients x {args.iterations} applications, "
            f"think {think[0]}-{think[1]} s, {args.servers} x {args.threads} server threads",
            flush=True,
        )
        stats, wall = asyncio.run(run_clients(bases, cfgs, run_id, think, args.time_limit))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    result = verify(run_id, stats, args.clients * args.iterations, warm=len(warm_cfg["households"]))
    total = sum(len(v) for v in stats.lat.values())
    print()
    print("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, lat in stats.lat.items():
        print(
            f"| {name} | {len(lat)} | {stats.errors.get(name, 0)} | {pct(lat, 50):.0f} | "
            f"{pct(lat, 95):.0f} | {pct(lat, 99):.0f} | {max(lat):.0f} |"
        )
    every = [x for v in stats.lat.values() for x in v]
    print(
        f"| all | {total} | {sum(stats.errors.values())} | {pct(every, 50):.0f} | "
        f"{pct(every, 95):.0f} | {pct(every, 99):.0f} | {max(every):.0f} |"
    )
    print()
    print(
        f"wall {wall:.1f} s, {total / wall:.1f} requests/s, retries {stats.retries}, "
        f"mean {statistics.mean(every):.0f} ms"
    )
    for k, v in result.items():
        print(f"{k}: {v}")
    ok = result["lost"] == 0 and result["households_with_two"] == 0 and result["audit_chain_ok"]
    ok = ok and result["created_but_not_acknowledged"] == 0
    print("RESULT:", "PASS" if ok else "FAIL", flush=True)


if __name__ == "__main__":
    main()
