"""E-mails are unique within an account: another account's users are not revealed by createUser."""

from __future__ import annotations

from domain.models import Role, User
from tests.api.setup_ops import CREATE_USER
from tests.client import GraphQLClient
from tests.factories import Factory

VIEWER = "{ viewer { email role } schools { name } }"


async def test_an_email_used_by_another_account_is_not_revealed_and_both_users_work(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given account A's user jo@example.org, and account B's ADMIN
    account_a, account_b = await factory.account(), await factory.account()
    school_a = await factory.school(account_a, name="A school")
    await factory.school(account_b, name="B school")
    jo_a = await factory.actor(account_a, Role.ADMIN)
    await User.filter(id=jo_a.user.id).update(email="jo@example.org")
    admin_b = await factory.actor(account_b, Role.ADMIN)
    # when B's ADMIN creates a user with that address (in any case)
    body = await gql(
        CREATE_USER, {"input": {"email": "Jo@Example.org", "role": "ADMIN"}}, token=admin_b.token
    )
    # then it is created as for any new address: nothing says A uses it
    payload = body["data"]["createUser"]
    assert payload["errors"] == []
    assert payload["user"] == {
        "email": "jo@example.org",
        "name": None,
        "role": "ADMIN",
        "schools": [{"name": "B school"}],
    }
    # and each token is its own user in its own account
    mine = await gql(VIEWER, token=payload["apiToken"])
    theirs = await gql(VIEWER, token=jo_a.token)
    assert mine["data"] == {
        "viewer": {"email": "jo@example.org", "role": "ADMIN"},
        "schools": [{"name": "B school"}],
    }
    assert theirs["data"] == {
        "viewer": {"email": "jo@example.org", "role": "ADMIN"},
        "schools": [{"name": school_a.school.name}],
    }
    # and within B the address is taken now
    again = await gql(
        CREATE_USER, {"input": {"email": "JO@example.org", "role": "VIEWER"}}, token=admin_b.token
    )
    assert [(e["field"], e["code"]) for e in again["data"]["createUser"]["errors"]] == [
        (["input", "email"], "DUPLICATE")
    ]
    assert await User.filter(email="jo@example.org").count() == 2
