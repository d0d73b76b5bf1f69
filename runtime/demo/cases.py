"""A handful of demo cases for a fresh development install, one kind per shipped workflow.

``baton run`` creates them once, right after it loads the shipped workflows into an
empty store, so the cases list, the case pages and the monitor have something to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from runtime import services

__all__ = ["DEMO_CASES", "seed_demo_cases"]

DEMO_CASES: Mapping[str, list[dict[str, Any]]] = {
    "support-case": [
        {
            "case_type": "support",
            "subject": "Invoice shows the wrong VAT rate",
            "description": "Our November invoice charged 21% instead of 9%.",
            "priority": "high",
            "product": "billing",
            "account_tier": "enterprise",
            "contact_email": "finance@northwind.example",
            "contact_count": 1,
            "customer_sentiment": "negative",
            "created_at": "2026-11-21T08:10:00Z",
        },
        {
            "case_type": "support",
            "subject": "Cannot reset my password from the mobile app",
            "priority": "normal",
            "product": "mobile_app",
            "account_tier": "standard",
            "contact_email": "li.wong@example.com",
            "contact_count": 1,
            "created_at": "2026-11-21T08:40:00Z",
        },
        {
            "case_type": "support",
            "subject": "API returns 502 on bulk export",
            "description": "Every export over 10,000 rows fails since this morning.",
            "priority": "urgent",
            "product": "api",
            "account_tier": "premium",
            "contact_email": "ops@contoso.example",
            "contact_count": 2,
            "created_at": "2026-11-21T09:05:00Z",
        },
        {
            "case_type": "support",
            "subject": "Portal shows last month's usage",
            "priority": "low",
            "product": "web_portal",
            "account_tier": "standard",
            "created_at": "2026-11-21T09:30:00Z",
        },
    ],
    "insurance-claim": [
        {
            "case_type": "insurance_claim",
            "claim_number": "CLM-2026-1041",
            "policy_number": "POL-88310",
            "claimant_email": "m.garcia@example.com",
            "loss_type": "auto",
            "incident_date": "2026-11-18T17:20:00Z",
            "description": "Rear-ended at a junction; bumper and tail lights damaged.",
            "claimed_amount": 2400,
        },
        {
            "case_type": "insurance_claim",
            "claim_number": "CLM-2026-1042",
            "policy_number": "POL-10277",
            "claimant_email": "h.okafor@example.com",
            "loss_type": "property",
            "incident_date": "2026-11-16T03:00:00Z",
            "description": "Burst pipe flooded the kitchen.",
            "claimed_amount": 18500,
        },
    ],
    "access-request": [
        {
            "case_type": "access_request",
            "requester_email": "jamie.chen@example.com",
            "requester_name": "Jamie Chen",
            "employment_type": "employee",
            "resource": "crm",
            "access_level": "read",
            "justification": "Joining the renewals team.",
        },
        {
            "case_type": "access_request",
            "requester_email": "vendor.ops@acme.example",
            "requester_name": "Acme support",
            "employment_type": "vendor",
            "resource": "production_db",
            "access_level": "write",
            "justification": "Database migration next week.",
        },
    ],
}


def seed_demo_cases(session: Session, *, actor: str = "demo") -> int:
    """Create the demo cases (their record triggers start the runs, by ``case_type``); the
    number created."""
    created = 0
    for cases in DEMO_CASES.values():
        for fields in cases:
            services.create_case(session, fields=fields, actor=actor)
            created += 1
    return created
