"""Admission numbers, term names and fee structure names are unique by their normalised key."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError

from domain.keys import normalise_key
from domain.models import Role, Student, Term
from tests.api.setup_ops import CREATE_FEE, CREATE_STUDENTS, CREATE_TERM, STUDENTS, gid
from tests.client import GraphQLClient
from tests.factories import Actor, Factory, SchoolSet

NFC = unicodedata.normalize("NFC", "ÁA/0200")
NFD = unicodedata.normalize("NFD", "ÁA/0200")

#: Spellings a person reads as RA/0200.
LOOK_ALIKES = ["ra/0200", "ＲＡ/０２００", "RA/\u200b0200", "\ufeffRA/0200", "Ra/0200\u2060"]

INVOICES = """
query($schoolId: ID!, $search: String) {
  invoices(schoolId: $schoolId, filter: {search: $search}) { edges { node { number } } }
}"""


async def _finance(factory: Factory) -> tuple[Actor, SchoolSet]:
    account = await factory.account()
    s = await factory.school(account)
    return await factory.actor(account, Role.ADMIN), s


def _student(number: str) -> dict[str, Any]:
    return {"admissionNumber": number, "firstName": "Amina", "lastName": "Otieno"}


async def _enrol(gql: GraphQLClient, actor: Actor, s: SchoolSet, *numbers: str) -> dict[str, Any]:
    body = await gql(
        CREATE_STUDENTS,
        {
            "input": {
                "schoolId": gid("School", s.school.id),
                "students": list(map(_student, numbers)),
            }
        },
        token=actor.token,
    )
    payload: dict[str, Any] = body["data"]["createStudents"]
    return payload


def test_the_key_folds_case_width_invisible_characters_and_composition() -> None:
    assert {normalise_key(v) for v in ["RA/0200", *LOOK_ALIKES]} == {"ra/0200"}
    assert normalise_key(NFC) == normalise_key(NFD) != normalise_key("AA/0200")
    assert normalise_key("  Term \u00a0 1  ") == "term 1"


async def test_an_admission_number_spelled_differently_is_a_duplicate(
    gql: GraphQLClient, factory: Factory
) -> None:
    # given RA/0200 and ÁA/0200 (as NFC)
    finance, s = await _finance(factory)
    assert (await _enrol(gql, finance, s, "RA/0200", NFC))["errors"] == []
    # when each look-alike is enrolled, alone or twice in one batch
    for number in [*LOOK_ALIKES, NFD]:
        payload = await _enrol(gql, finance, s, number)
        # then it is DUPLICATE, and nothing is written
        assert payload["students"] == [], number
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [
            (["input", "students", "0", "admissionNumber"], "DUPLICATE")
        ], number
    payload = await _enrol(gql, finance, s, "RB/1", "rb/1")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "students", "1", "admissionNumber"], "DUPLICATE")
    ]
    assert await Student.filter(school_id=s.school.id).count() == 2
    # and an invisible-only number is blank
    payload = await _enrol(gql, finance, s, "\u200b\u200b")
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"]


async def test_the_number_is_kept_as_typed_and_search_finds_it_by_its_key(
    gql: GraphQLClient, factory: Factory
) -> None:
    finance, s = await _finance(factory)
    payload = await _enrol(gql, finance, s, "ＲＡ/０２００", NFD)
    assert [st["admissionNumber"] for st in payload["students"]] == ["ＲＡ/０２００", NFD]
    for query, expected in [
        ("ra/0200", "ＲＡ/０２００"),
        ("RA/\u200b02", "ＲＡ/０２００"),
        (NFC, NFD),
    ]:
        body = await gql(
            STUDENTS,
            {"schoolId": gid("School", s.school.id), "filter": {"search": query}},
            token=finance.token,
        )
        numbers = [e["node"]["admissionNumber"] for e in body["data"]["students"]["edges"]]
        assert numbers == [expected], query
    # the invoice list's search agrees
    student = await Student.get(school_id=s.school.id, admission_number=NFD)
    invoice = await factory.invoice(s, student)
    body = await gql(
        INVOICES, {"schoolId": gid("School", s.school.id), "search": NFC}, token=finance.token
    )
    assert [e["node"]["number"] for e in body["data"]["invoices"]["edges"]] == [invoice.number]


async def test_term_and_fee_structure_names_differing_only_in_spelling_are_duplicates(
    gql: GraphQLClient, factory: Factory
) -> None:
    finance, s = await _finance(factory)
    school = gid("School", s.school.id)
    existing_term, existing_fee = s.term.name, s.fee.name
    for name in [
        existing_term.upper(),
        existing_term.replace(" ", " \u200b"),
        unicodedata.normalize("NFKC", existing_term).replace("1", "１"),
    ]:
        body = await gql(
            CREATE_TERM,
            {
                "input": {
                    "schoolId": school,
                    "name": name,
                    "startDate": "2027-01-05",
                    "endDate": "2027-04-05",
                }
            },
            token=finance.token,
        )
        assert [e["code"] for e in body["data"]["createTerm"]["errors"]] == ["DUPLICATE"], name
    for name in [existing_fee.lower(), "\u200b" + existing_fee, existing_fee.replace("e", "ｅ")]:
        body = await gql(
            CREATE_FEE,
            {"input": {"schoolId": school, "name": name, "items": [{"name": "X", "amount": "1"}]}},
            token=finance.token,
        )
        assert [e["code"] for e in body["data"]["createFeeStructure"]["errors"]] == ["DUPLICATE"], (
            name
        )
    assert await Term.filter(school_id=s.school.id).count() == 1


async def test_the_database_refuses_a_look_alike_written_past_the_domain(factory: Factory) -> None:
    _, s = await _finance(factory)
    await Student.create(
        school_id=s.school.id, admission_number="RA/0200", first_name="A", last_name="B"
    )
    with pytest.raises(IntegrityError):
        await Student.create(
            school_id=s.school.id, admission_number="ＲＡ/０２００", first_name="A", last_name="B"
        )
    with pytest.raises(IntegrityError):
        await Term.create(
            school_id=s.school.id,
            name=s.term.name.upper(),
            start_date=s.term.start_date,
            end_date=s.term.end_date,
        )
