"""Search per keystroke over a 5,000-service catalog, and payments per second end to end over HTTP.

    python -m bench.bench_catalog            # full run
    python -m bench.bench_catalog --quick    # small, for the test suite

Baselines in the same run: for search, the cheapest thinkable search (a plain substring scan over the
English names, no ranking, no Hindi, no typos); for payments, the ledger's own in-process posting rate on
the same machine (bench.bench_ledger), which is the ceiling a payment could reach.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_ledger import prepare, sqlite_ledger_tps  # noqa: E402
from server.catalog import CATALOG_FILE, Catalog  # noqa: E402
from server.core.config import Settings  # noqa: E402
from server.migrate import migrate  # noqa: E402
from tests.support.auth import ready_token  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

WORDS_EN = [
    "electricity",
    "water",
    "gas",
    "tax",
    "fee",
    "licence",
    "certificate",
    "bill",
    "recharge",
    "pension",
    "scholarship",
    "registration",
    "renewal",
    "permit",
    "form",
    "application",
    "deposit",
    "insurance",
]
WORDS_HI = [
    "बिजली",
    "पानी",
    "गैस",
    "कर",
    "शुल्क",
    "लाइसेंस",
    "प्रमाण पत्र",
    "बिल",
    "रिचार्ज",
    "पेंशन",
    "छात्रवृत्ति",
    "पंजीकरण",
    "नवीनीकरण",
    "परमिट",
    "प्रपत्र",
    "आवेदन",
    "जमा",
    "बीमा",
]
TOWNS = ["Jaipur", "Ajmer", "Jodhpur", "Udaipur", "Kota", "Bikaner", "Alwar", "Bharatpur", "Sikar", "Pali"]


def big_catalog(n: int, seed: int = 7) -> Catalog:
    """The real catalog plus synthetic services up to `n`, names in both languages."""
    data: dict[str, Any] = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    departments = [d["code"] for d in data["departments"]]
    i = 0
    while len(data["services"]) < n:
        i += 1
        a, b = rng.randrange(len(WORDS_EN)), rng.randrange(len(WORDS_EN))
        town = rng.choice(TOWNS)
        data["services"].append(
            {
                "code": f"SYN-{i:05d}",
                "department": rng.choice(departments),
                "kind": "fee",
                "biller": "bhamashah",
                "fee_paise": 1000,
                "fields": ["mobile"],
                "name_en": f"{town} {WORDS_EN[a].title()} {WORDS_EN[b].title()} {i}",
                "name_hi": f"{WORDS_HI[a]} {WORDS_HI[b]} {i}",
                "keywords": [WORDS_EN[a], town.lower()],
            }
        )
    return Catalog.from_data(data)


def keystrokes(word: str) -> list[str]:
    return [word[: k + 1] for k in range(len(word))]


def search_figures(catalog: Catalog, rounds: int) -> dict[str, float]:
    queries = [
        q for w in ["electricity", "बिजली", "scholarship", "electrcity", "jodhpur water", "पेंशन"] for q in keystrokes(w)
    ]
    index = catalog.index
    names = [s.name_en.casefold() for s in catalog.services.values()]
    ours: list[float] = []
    naive: list[float] = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            index.search(q)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            needle = q.casefold()
            [n for n in names if needle in n][:20]
            naive.append(time.perf_counter() - t)
    ours.sort()
    return {
        "services": len(catalog.services),
        "keystrokes": len(ours),
        "p50_ms": statistics.median(ours) * 1000,
        "p99_ms": ours[int(len(ours) * 0.99) - 1] * 1000,
        "naive_p50_ms": statistics.median(naive) * 1000,
    }


def payment_figures(seconds: float, clients: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="emitra-bench-pay-"))
    url = f"sqlite:///{work / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(url, log_path=work / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast"}).start()
    try:
        sessions = []
        for c in range(clients):
            code = f"RJ-BENCH-{c:03d}"
            token = ready_token(server, code)
            assert server.adjust(code, uuid.uuid4().hex, "credit", 10**10).status_code == 200
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {token}"
            sessions.append(s)
        api = server.url + "/api/v1"
        done = [0] * clients
        deadline = time.perf_counter() + seconds

        def client(n: int) -> None:
            rng = random.Random(n)
            while time.perf_counter() < deadline:
                k_no = f"2104{rng.randrange(10**8):08d}"
                if k_no.endswith(("0000", "9999")):
                    continue
                bill = (
                    sessions[n]
                    .post(
                        api + "/bills/fetch", timeout=60, json={"service_code": "ELEC-JVVNL", "fields": {"k_no": k_no}}
                    )
                    .json()
                )
                if "error" in bill:
                    continue
                r = sessions[n].post(
                    api + "/payments",
                    timeout=60,
                    json={
                        "operation_id": uuid.uuid4().hex,
                        "contact": {"mobile": "9876543210"},
                        "method": {"type": "wallet"},
                        "bills": [
                            {
                                "service_code": "ELEC-JVVNL",
                                "fields": {"k_no": k_no},
                                "amount_paise": bill["payable_now_paise"],
                            }
                        ],
                    },
                )
                assert r.status_code == 200, r.text
                done[n] += 1

        import threading

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = sum(done) / (time.perf_counter() - start)
        assert server.audit() == []
    finally:
        server.stop()
    codes = prepare(f"sqlite:///{work / 'ledger.sqlite3'}", 20)
    baseline = sqlite_ledger_tps(f"sqlite:///{work / 'ledger.sqlite3'}", codes, seconds)
    return {"payments_per_s": rate, "ledger_postings_per_s": baseline}


def run(quick: bool) -> dict[str, Any]:
    catalog = big_catalog(500 if quick else 5000)
    search = search_figures(catalog, rounds=1 if quick else 20)
    pay = payment_figures(seconds=0.5 if quick else 10.0, clients=2 if quick else 4)
    return {"search": search, "payments": pay}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    figures = run(parser.parse_args().quick)
    s, p = figures["search"], figures["payments"]
    print(f"{time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}")
    print(
        f"search over {s['services']:,} services, {s['keystrokes']} keystrokes: p50 {s['p50_ms']:.2f} ms, "
        f"p99 {s['p99_ms']:.2f} ms (target ≤ 5 ms); plain substring scan p50 {s['naive_p50_ms']:.2f} ms"
    )
    print(
        f"payments end to end over HTTP (fetch + pay, SQLite): {p['payments_per_s']:.0f}/s; "
        f"ledger postings in-process: {p['ledger_postings_per_s']:.0f}/s "
        f"(ratio {p['payments_per_s'] / p['ledger_postings_per_s']:.2f})"
    )


if __name__ == "__main__":
    main()
