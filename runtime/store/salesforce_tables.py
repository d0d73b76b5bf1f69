"""Tables of the Salesforce connector: one sync stream per workflow, and the records seen.

Secrets never live here: the connection comes from settings. A stream's ``watermark``
and the ``salesforce_record`` rows commit in the same transaction as the cases they
produced, so a crash between fetching and committing leaves the stream where it was.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from runtime.store.tables import utcnow

__all__ = ["SalesforceRecordRow", "SalesforceSyncRow"]


class SalesforceSyncRow(SQLModel, table=True):
    """Where one workflow's Salesforce trigger stands.

    ``signature`` fingerprints the query (sObject, filter, fields): when the trigger of a
    newly active version asks for something else, the stream starts over (backfill
    included) rather than miss records the old filter left out.
    """

    __tablename__ = "salesforce_sync"

    workflow_id: str = Field(primary_key=True, max_length=120)
    sobject: str = Field(max_length=80)
    signature: str = Field(max_length=64)
    watermark: datetime | None = Field(
        default=None, description="SystemModstamp of the newest change applied"
    )
    backfilled: bool = False
    records_synced: int = 0
    last_poll_at: datetime | None = Field(default=None)
    last_success_at: datetime | None = Field(default=None)
    last_error: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class SalesforceRecordRow(SQLModel, table=True):
    """A record a stream has applied, with the SystemModstamp of the change it applied.

    A change comes back when polls overlap (``>=`` on the watermark, a repeated poll after
    a crash); its stamp is not newer, so it is recognised and not applied twice.
    """

    __tablename__ = "salesforce_record"

    workflow_id: str = Field(primary_key=True, max_length=120)
    record_id: str = Field(primary_key=True, max_length=18)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    system_modstamp: datetime
    synced_at: datetime = Field(default_factory=utcnow)
