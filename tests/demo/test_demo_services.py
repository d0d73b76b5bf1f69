"""Each demo endpoint's answers: what the shipped workflows send, and what it says back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runtime.demo import services as demo_services
from runtime.demo.services import DemoResponse


def ask(
    method: str, url: str, payload: Any = None, headers: dict[str, str] | None = None
) -> DemoResponse:
    body = None if payload is None else json.dumps(payload).encode()
    return demo_services.answer(method, url, body, headers)


NLP = "https://nlp.example.internal/v1/classify"
ENTITLEMENTS = "https://entitlements.example.internal/v1/lookup"
CRM = "https://crm.example.internal/v1/accounts/enrich"
FRAUD = "https://fraud.example.internal/v2/score"
POLICIES = "https://policies.example.internal/v1/coverage"
PAYMENTS = "https://payments.example.internal/v1/payouts"
IAM = "https://iam.example.internal/v1/grants"


# ---------------------------------------------------------------------------- nlp


def test_the_classifier_reads_the_case_text() -> None:
    billing = ask("POST", NLP, "Our November invoice charged 21% instead of 9%.")
    assert billing.status == 200
    assert billing.body["category"] == "billing"
    assert billing.body["product"] == "billing"
    assert billing.body["keywords"] == ["charged", "invoice"]
    assert billing.body["served_by"] == "baton demo nlp"

    outage = ask("POST", NLP, {"text": "Every export over 10,000 rows fails since this morning."})
    assert outage.body["category"] == "outage"
    assert (outage.body["urgency"], outage.body["sentiment"]) == ("high", "negative")
    assert outage.body["product"] == "api"


def test_the_classifier_says_unclassified_for_no_text_rather_than_failing() -> None:
    # A support case without a description sends null: the case must still flow.
    for payload in (None, "", "   "):
        reply = ask("POST", NLP, payload)
        assert reply.status == 200
        assert (reply.body["category"], reply.body["confidence"]) == ("unclassified", 0.0)
    assert ask("POST", NLP, "Hello there").body["category"] == "general"


def test_the_classifier_refuses_a_payload_without_text() -> None:
    reply = ask("POST", NLP, [1, 2])
    assert reply.status == 422
    assert reply.body["error"].startswith("POST nlp.example.internal/v1/classify: expected")


def test_the_same_request_always_gets_the_same_answer() -> None:
    assert ask("POST", NLP, "Password reset fails") == ask("POST", NLP, "Password reset fails")
    assert ask("POST", CRM, "ops@contoso.example") == ask("POST", CRM, "ops@contoso.example")


# ---------------------------------------------------------------------------- support


@pytest.mark.parametrize(
    ("email", "plan", "hours"),
    [
        ("finance@northwind.example", "enterprise", "24x7"),
        ("ops@contoso.example", "premium", "24x5"),
        ("li.wong@example.com", "standard", "business_hours"),
    ],
)
def test_entitlement_follows_the_email_domain(email: str, plan: str, hours: str) -> None:
    reply = ask("POST", ENTITLEMENTS, email)
    assert reply.status == 200
    assert reply.body["entitled"] is True
    assert (reply.body["plan"], reply.body["support_hours"]) == (plan, hours)
    assert reply.body["contract"].startswith("CT-")


def test_an_invalid_domain_has_no_contract_and_a_non_address_is_refused() -> None:
    reply = ask("POST", ENTITLEMENTS, {"email": "someone@nowhere.invalid"})
    assert (reply.status, reply.body["entitled"], reply.body["plan"]) == (200, False, None)
    refused = ask("POST", ENTITLEMENTS, "not an address")
    assert refused.status == 422
    assert "expected an e-mail address" in refused.body["error"]
    assert "'not an address'" in refused.body["error"]


def test_the_crm_tells_a_company_account_from_a_person() -> None:
    company = ask("POST", CRM, "finance@northwind.example").body
    assert company["account"]["name"] == "Northwind"
    assert (company["account"]["kind"], company["account"]["tier"]) == ("company", "enterprise")
    assert company["contact"] == {"email": "finance@northwind.example", "name": "Finance"}
    person = ask("POST", CRM, "li.wong@example.com").body
    assert (person["account"]["kind"], person["account"]["name"]) == ("person", "Li Wong")
    assert person["account"]["id"].startswith("ACC-")


# ---------------------------------------------------------------------------- claims


def test_the_fraud_score_grows_with_the_claimed_amount() -> None:
    small = ask("POST", FRAUD, {"claim_number": "CLM-1", "claimed_amount": 2400}).body
    large = ask("POST", FRAUD, {"claim_number": "CLM-1", "claimed_amount": 30000}).body
    assert small["band"] == "low" and small["signals"] == []
    assert large["score"] > small["score"]
    assert large["band"] == "high" and large["refer_to_investigator"] is True
    assert large["signals"] == ["claimed amount above 10,000", "claimed amount above 25,000"]


def test_the_fraud_score_of_a_bare_claim_number_is_low_and_stable() -> None:
    # What the shipped claim workflow sends: the claim number alone.
    first = ask("POST", FRAUD, "CLM-2026-1041")
    assert first.status == 200
    assert first.body["band"] == "low" and 0 <= first.body["score"] < 0.15
    assert ask("POST", FRAUD, "CLM-2026-1041") == first
    assert ask("POST", FRAUD, {"note": "no claim"}).status == 422


def test_coverage_is_active_except_for_lapsed_policies() -> None:
    active = ask("POST", POLICIES, "POL-88310").body
    assert (active["status"], active["covered"]) == ("active", True)
    assert active["deductible"] in (250, 500, 1000)
    lapsed = ask("POST", POLICIES, {"policy_number": "POL-90001"}).body
    assert (lapsed["status"], lapsed["covered"], lapsed["perils"]) == ("lapsed", False, [])
    assert ask("POST", POLICIES, "").status == 422


def test_a_payout_is_scheduled_once_per_idempotency_key() -> None:
    key = {"Idempotency-Key": "run-1:issue_payment:1"}
    paid = ask("POST", PAYMENTS, 2400, key)
    assert paid.status == 201
    assert (paid.body["amount"], paid.body["status"]) == (2400, "scheduled")
    assert ask("POST", PAYMENTS, 2400, key).body["payout_id"] == paid.body["payout_id"]
    other = ask("POST", PAYMENTS, 2400, {"Idempotency-Key": "run-2:issue_payment:1"})
    assert other.body["payout_id"] != paid.body["payout_id"]


@pytest.mark.parametrize("amount", [0, -5, "2400", True])
def test_a_payout_needs_a_positive_number(amount: Any) -> None:
    reply = ask("POST", PAYMENTS, amount)
    assert reply.status == 422
    assert "expected a positive amount" in reply.body["error"]


# ---------------------------------------------------------------------------- access


def test_access_is_granted_and_revoked() -> None:
    granted = ask("POST", IAM, "jamie.chen@example.com")
    assert granted.status == 201
    assert (granted.body["status"], granted.body["expires_in_days"]) == ("active", 90)
    revoked = ask("DELETE", IAM, "jamie.chen@example.com")
    assert revoked.status == 200
    assert revoked.body["status"] == "revoked"
    assert revoked.body["grant_id"] == granted.body["grant_id"]


# ---------------------------------------------------------------------------- errors


def test_an_unknown_path_answers_404_naming_the_path_and_what_is_there() -> None:
    reply = ask("POST", "https://nlp.example.internal/v2/classify", "text")
    assert reply.status == 404
    assert reply.body["error"] == (
        "no demo endpoint POST nlp.example.internal/v2/classify; nlp.example.internal "
        "answers: POST https://nlp.example.internal/v1/classify"
    )


def test_an_unknown_service_answers_404_naming_the_host() -> None:
    reply = ask("GET", "https://billing.example.internal/v1/invoices")
    assert reply.status == 404
    assert reply.body["error"].startswith("no demo service at 'billing.example.internal'")
    assert "crm, entitlements, fraud, iam, nlp, payments, policies" in reply.body["error"]


def test_another_method_answers_405_and_a_body_that_is_not_json_400() -> None:
    wrong = ask("GET", NLP)
    assert wrong.status == 405
    assert wrong.body["error"] == "GET nlp.example.internal/v1/classify is not allowed; use POST"
    garbled = demo_services.answer("POST", NLP, b"{not json", None)
    assert garbled.status == 400
    assert "the request body is not JSON" in garbled.body["error"]


def test_paths_match_with_or_without_a_trailing_slash_or_a_query() -> None:
    assert ask("POST", NLP + "/?lang=en", "invoice").status == 200


def test_every_host_the_shipped_examples_call_is_answered() -> None:
    from graphs.examples import example_names, load_example

    calls = [
        (step.inputs["method"].value, step.inputs["url"].value)
        for name in example_names()
        for node in load_example(name).nodes
        for step in getattr(node, "steps", [])
        if getattr(step, "action", None) == "http_request"
    ]
    assert calls, "the shipped examples call no http service any more"
    for method, url in calls:
        assert f"{method} {url}" in demo_services.endpoints(), url
