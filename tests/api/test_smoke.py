"""The API answers over HTTP with bearer auth."""

from __future__ import annotations

from tests.client import GraphQLClient
from tests.factories import Factory


async def test_missing_token_is_401_unauthenticated(gql: GraphQLClient) -> None:
    response = await gql.post("{ viewer { email } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_token_is_401(gql: GraphQLClient) -> None:
    response = await gql.post("{ viewer { email } }", token="bill_nope")
    assert response.status_code == 401


async def test_admin_sees_the_schools_of_the_account_only(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given two accounts with a school each
    mine = await factory.account("Mine")
    other = await factory.account("Other")
    school = (await factory.school(mine, name="Alpha")).school
    await factory.school(other, name="Beta")
    admin = await factory.actor(mine)
    # when
    body = await gql("{ viewer { email role } schools { name currency } }", token=admin.token)
    # then
    assert body == {
        "data": {
            "viewer": {"email": admin.user.email, "role": "ADMIN"},
            "schools": [{"name": school.name, "currency": "KES"}],
        }
    }
