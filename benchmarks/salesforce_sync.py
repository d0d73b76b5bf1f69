"""How fast Salesforce records become cases: Bulk API 2.0 backfill and REST change polls.

Runs the real simple-salesforce client against the test stand-in org
(``tests/salesforce/fake_salesforce.py``, loopback HTTP) and a SQLite file::

    .venv/bin/python benchmarks/salesforce_sync.py            # 2000 records
    .venv/bin/python benchmarks/salesforce_sync.py --records 500

Prints wall and CPU seconds and records per second for: the first sync (a Bulk 2.0 job,
cases created, runs started), a poll that finds every record changed (REST query with
``nextRecordsUrl`` paging, cases updated), and a poll that finds nothing new.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "salesforce")]

from fake_salesforce import FakeSalesforce  # noqa: E402
from sf_flows import install, sf_flow  # noqa: E402
from sf_support import sf_settings  # noqa: E402

from runtime.db import make_engine  # noqa: E402
from runtime.salesforce.client import SalesforceClient  # noqa: E402
from runtime.salesforce.sync import SalesforceSync  # noqa: E402
from runtime.store import migrate  # noqa: E402


def _timed(label: str, fn: object, records: int) -> dict[str, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    results = fn()  # type: ignore[operator]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    (result,) = results
    assert result.error is None, result.error
    line = {
        "phase": label, "records": records, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged, "pages": result.pages,
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "records_per_s": round(records / wall) if wall else None,
    }  # fmt: skip
    print(json.dumps(line))
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    fake = FakeSalesforce().start()
    fake.page_size = 2000
    ids = [fake.insert("Case", Subject=f"case {n}", Priority="Low", Status="New")
           for n in range(args.records)]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/baton.db")
        migrate(engine)
        install(engine, sf_flow(backfill=True))
        client = SalesforceClient(sf_settings(fake, bulk_poll_seconds=0.01))
        sync = SalesforceSync(engine, client)
        _timed("backfill (Bulk API 2.0, cases created, runs started)", sync.poll_once, len(ids))
        for record_id in ids:
            fake.change("Case", record_id, Contacts__c=2)
        _timed("poll: every record changed (REST, paged)", sync.poll_once, len(ids))
        _timed("poll: nothing new", sync.poll_once, 0)
        engine.dispose()
    fake.close()


if __name__ == "__main__":
    main()
