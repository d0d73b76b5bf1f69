"""The Salesforce connector: Baton cases from Salesforce records, and results written back.

- :mod:`~runtime.salesforce.config`: the connection settings (secrets stay secret);
- :mod:`~runtime.salesforce.client`: simple-salesforce behind retries, session refresh,
  rate-limit backoff and clear field errors;
- :mod:`~runtime.salesforce.soql`: queries built from validated names and quoted values;
- :mod:`~runtime.salesforce.mapping`: Salesforce values into typed case fields (pure);
- :mod:`~runtime.salesforce.sync`: one poll: changed records into cases, the watermark
  committed with them;
- :mod:`~runtime.salesforce.poller`: the thread that polls while a worker runs.
"""

from __future__ import annotations

from runtime.salesforce.config import SalesforceSettings

__all__ = ["SalesforceSettings"]
