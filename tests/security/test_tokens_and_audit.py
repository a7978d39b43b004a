"""Tokens can be revoked and made to expire; every money action leaves an audit event, written
in the action's own transaction, that only an ADMIN of the school's account can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.ids import encode_id
from api.mutations import invoices as invoice_mutations
from api.mutations import runs as run_mutations
from domain import audit
from domain.models import (
    ApiToken,
    AuditEvent,
    BillingRun,
    BillingRunItem,
    Invoice,
    InvoiceStatus,
    ItemStatus,
    Role,
    RunStatus,
)
from tests.client import GraphQLClient
from tests.factories import Factory
from tests.tables import changed, snapshot
from tests.world import World

REVOKE = """mutation($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { apiToken { id revokedAt active } errors { code field } } }"""
TOKENS = "{ viewer { apiTokens { id active expiresAt revokedAt } } }"
USER_TOKENS = """query($id: ID!) { node(id: $id) { ... on User { apiTokens { id active } } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) {
  createUser(input: $input) { apiToken user { email } errors { code field } } }"""
AUDIT = """query($school: ID, $action: AuditAction, $first: Int) {
  auditEvents(schoolId: $school, action: $action, first: $first) {
    totalCount edges { node { action objectType objectId detail user { email } school { name } } }
  } }"""


async def token_id(token_owner_id: int) -> str:
    row = await ApiToken.filter(user_id=token_owner_id).order_by("-id").first()
    assert row is not None
    return encode_id("ApiToken", row.id)


async def test_a_user_revokes_the_token_they_call_with(world: World, gql: GraphQLClient) -> None:
    # when the FINANCE user revokes "the current token"
    body = await gql(REVOKE, {"input": {}}, token=world.ungranted.token)
    payload = body["data"]["revokeApiToken"]
    assert payload["errors"] == [] and payload["apiToken"]["active"] is False
    # then the next request with it is 401
    response = await gql.post("{ viewer { id } }", token=world.ungranted.token)
    assert response.status_code == 401


async def test_an_admin_revokes_a_token_of_the_account_and_twice_changes_nothing(
    world: World, gql: GraphQLClient
) -> None:
    target = await token_id(world.ungranted.user.id)
    first = await gql(REVOKE, {"input": {"tokenId": target}}, token=world.owner.token)
    assert first["data"]["revokeApiToken"]["errors"] == []
    again = await gql(REVOKE, {"input": {"tokenId": target}}, token=world.owner.token)
    assert again["data"]["revokeApiToken"] == first["data"]["revokeApiToken"]
    assert await AuditEvent.filter(action=audit.AuditAction.REVOKED_TOKEN).count() == 1
    assert (await gql.post("{ viewer { id } }", token=world.ungranted.token)).status_code == 401


@pytest.mark.parametrize("who", ["ungranted", "stranger"])
async def test_nobody_else_revokes_or_lists_a_token(
    world: World, gql: GraphQLClient, who: str
) -> None:
    # given the owner's token, and a FINANCE user of the account or another account's ADMIN
    caller = getattr(world, who)
    before = await snapshot()
    body = await gql(REVOKE, {"input": {"tokenId": world.gid("ApiToken")}}, token=caller.token)
    assert body["data"]["revokeApiToken"]["errors"] == [
        {"code": "NOT_FOUND", "field": ["input", "tokenId"]}
    ]
    assert not changed(before, await snapshot())
    listed = await gql(USER_TOKENS, {"id": world.gid("User")}, token=caller.token)
    assert listed == {"data": {"node": None}}


async def test_tokens_are_listed_to_their_user_and_to_the_admin(
    world: World, gql: GraphQLClient
) -> None:
    own = await gql(TOKENS, token=world.ungranted.token)
    assert [t["active"] for t in own["data"]["viewer"]["apiTokens"]] == [True]
    seen = await gql(
        USER_TOKENS, {"id": encode_id("User", world.ungranted.user.id)}, token=world.owner.token
    )
    assert seen["data"]["node"]["apiTokens"] == [
        {"id": await token_id(world.ungranted.user.id), "active": True}
    ]


async def test_a_token_with_an_expiry_stops_working_then(world: World, gql: GraphQLClient) -> None:
    # given a user created with a token that expires in an hour
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    new = {"email": "temp@example.org", "role": "VIEWER", "tokenExpiresAt": soon}
    body = await gql(CREATE_USER, {"input": new}, token=world.owner.token)
    token = body["data"]["createUser"]["apiToken"]
    assert (await gql.post("{ viewer { id } }", token=token)).status_code == 200
    listed = await gql(TOKENS, token=token)
    assert listed["data"]["viewer"]["apiTokens"][0]["expiresAt"] is not None
    # when the hour has passed
    await ApiToken.filter(expires_at__isnull=False).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    # then the token is refused
    assert (await gql.post("{ viewer { id } }", token=token)).status_code == 401


async def test_an_expiry_in_the_past_is_refused(world: World, gql: GraphQLClient) -> None:
    before = await snapshot()
    new = {"email": "late@example.org", "role": "VIEWER", "tokenExpiresAt": "2020-01-01T00:00:00"}
    body = await gql(CREATE_USER, {"input": new}, token=world.owner.token)
    assert body["data"]["createUser"]["errors"] == [
        {"code": "INVALID_INPUT", "field": ["input", "tokenExpiresAt"]}
    ]
    assert not changed(before, await snapshot())


async def test_every_action_leaves_one_audit_event(
    world: World, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the world's runs (created, previewed, confirmed) and payment, and no queue
    async def nowhere(*args: Any) -> None:
        return None

    monkeypatch.setattr(run_mutations, "dispatch", nowhere)
    monkeypatch.setattr(invoice_mutations, "dispatch_notices", nowhere)
    owner = world.owner.token
    invoices = await Invoice.filter(billing_run_id=world.history.completed.id).order_by("id")
    # when the owner sends, cancels, deletes, retries, creates a user and revokes a token
    calls = [
        (
            "sendInvoices",
            "SendInvoicesInput",
            {"invoiceIds": [encode_id("Invoice", invoices[2].id)]},
            "invoices { id }",
        ),
        (
            "cancelInvoice",
            "CancelInvoiceInput",
            {"invoiceId": encode_id("Invoice", invoices[3].id), "reason": "Twice"},
            "invoice { id }",
        ),
        (
            "deleteBillingRun",
            "BillingRunIdInput",
            {"billingRunId": world.gid("BillingRun")},
            "deletedBillingRunId",
        ),
        (
            "createUser",
            "CreateUserInput",
            {"email": "new@example.org", "role": "VIEWER"},
            "apiToken",
        ),
        (
            "revokeApiToken",
            "RevokeApiTokenInput",
            {"tokenId": await token_id(world.ungranted.user.id)},
            "apiToken { id }",
        ),
    ]
    # (a run with a failed student, to retry)
    failed = await BillingRunItem.filter(run_id=world.history.completed.id).first()
    assert failed is not None
    await BillingRunItem.filter(id=failed.id).update(status=ItemStatus.FAILED)
    await BillingRun.filter(id=world.history.completed.id).update(
        status=RunStatus.PARTIALLY_COMPLETED, items_failed=1
    )
    calls.append(
        (
            "retryBillingRun",
            "BillingRunIdInput",
            {"billingRunId": encode_id("BillingRun", world.history.completed.id)},
            "billingRun { id }",
        )
    )
    for name, input_type, value, fields in calls:
        query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} errors {{ code }} }} }}"
        body = await gql(query, {"input": value}, token=owner)
        assert body["data"][name]["errors"] == [], (name, body)
    # then the log holds one event per action, newest first, readable by the ADMIN
    body = await gql(AUDIT, {"first": 100}, token=owner)
    actions = [e["node"]["action"] for e in body["data"]["auditEvents"]["edges"]]
    assert actions == [
        "RETRIED_RUN",
        "REVOKED_TOKEN",
        "CREATED_USER",
        "DELETED_RUN",
        "CANCELLED_INVOICE",
        "SENT_INVOICES",
        "CREATED_RUN",
        "RECORDED_PAYMENT",
        "CONFIRMED_RUN",
        "PREVIEWED_RUN",
        "CREATED_RUN",
    ]
    payment = body["data"]["auditEvents"]["edges"][7]["node"]
    assert payment == {
        "action": "RECORDED_PAYMENT",
        "objectType": "Payment",
        "objectId": world.gid("Payment"),
        "detail": {"amount": "100.00"},
        "user": {"email": world.owner.user.email},
        "school": {"name": "Alpha"},
    }
    # and one school's log leaves out the account-wide events; a filter by action works
    school = await gql(AUDIT, {"school": world.gid("School"), "first": 100}, token=owner)
    assert school["data"]["auditEvents"]["totalCount"] == len(actions) - 2
    only = await gql(AUDIT, {"action": "CANCELLED_INVOICE"}, token=owner)
    assert only["data"]["auditEvents"]["totalCount"] == 1


async def test_the_audit_event_commits_with_its_action_or_not_at_all(
    world: World, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit log that cannot be written
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(AuditEvent, "create", broken)
    before = await snapshot()
    # when the owner cancels an invoice
    cancel = """mutation($input: CancelInvoiceInput!) { cancelInvoice(input: $input) { errors { code } } }"""
    body = await gql(
        cancel,
        {"input": {"invoiceId": world.gid("Invoice"), "reason": "x"}},
        token=world.owner.token,
    )
    # then the call fails and the invoice is not cancelled: action and event are one transaction
    assert body["errors"][0]["message"] == "Unexpected error."
    assert not changed(before, await snapshot())
    assert (await Invoice.get(id=world.ids["Invoice"])).status != InvoiceStatus.CANCELLED


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("viewer", "PERMISSION_DENIED"),
        ("finance", "PERMISSION_DENIED"),
        ("stranger", "NOT_FOUND"),
        ("ungranted", "NOT_FOUND"),
    ],
)
async def test_only_an_admin_of_the_school_reads_its_log(
    world: World, gql: GraphQLClient, factory: Factory, who: str, code: str
) -> None:
    account = world.s.school.account_id
    from domain.models import Account

    alpha_account = await Account.get(id=account)
    actors = {
        "viewer": lambda: factory.actor(alpha_account, Role.VIEWER, [world.s.school]),
        "finance": lambda: factory.actor(alpha_account, Role.FINANCE, [world.s.school]),
    }
    actor = await actors[who]() if who in actors else getattr(world, who)
    body = await gql(AUDIT, {"school": world.gid("School")}, token=actor.token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
