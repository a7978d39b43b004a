"""`node(id:)`: any object the caller may see, by global id; null for anything else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from api.context import Info
from api.ids import decode_any
from api.types.common import Node
from domain import models
from domain.access import Caller, scoped

NodeResolver = Callable[[Caller, int], Awaitable[Any]]

#: Type name -> function returning the GraphQL object for a pk, or None when not visible.
RESOLVERS: dict[str, NodeResolver] = {}


def register(type_name: str) -> Callable[[NodeResolver], NodeResolver]:
    def decorate(fn: NodeResolver) -> NodeResolver:
        RESOLVERS[type_name] = fn
        return fn

    return decorate


def _school_scoped(type_name: str, model: Any, wrap: Callable[[Any], Any]) -> None:
    async def resolve(caller: Caller, pk: int) -> Any:
        row = await scoped(caller, model).filter(pk=pk).first()
        return wrap(row) if row else None

    RESOLVERS[type_name] = resolve


def _register_defaults() -> None:
    from api.types.fees import FeeItem, FeeStructure
    from api.types.school import Grade, School, SchoolClass, Stream, Term
    from api.types.students import Student
    from api.types.users import User

    @register("School")
    async def school(caller: Caller, pk: int) -> Any:
        row = await models.School.filter(pk=pk, id__in=list(caller.school_ids)).first()
        return School.of(row) if row else None

    @register("User")
    async def user(caller: Caller, pk: int) -> Any:
        row = await models.User.filter(pk=pk, account_id=caller.account_id).first()
        if row is None or (row.id != caller.user_id and not caller.can(models.Role.ADMIN)):
            return None
        return User.of(row)

    _school_scoped("Term", models.Term, Term.of)
    _school_scoped("Grade", models.Grade, Grade.of)
    _school_scoped("Stream", models.Stream, Stream.of)
    _school_scoped("SchoolClass", models.SchoolClass, SchoolClass.of)
    _school_scoped("Student", models.Student, Student.of)
    _school_scoped("FeeStructure", models.FeeStructure, FeeStructure.of)

    @register("FeeItem")
    async def fee_item(caller: Caller, pk: int) -> Any:
        row = (
            await scoped(caller, models.FeeItem, "fee_structure__school_id")
            .filter(pk=pk)
            .select_related("fee_structure")
            .first()
        )
        return FeeItem.of(row, school_pk=row.fee_structure.school_id) if row else None

    from api.types.runs import BillingRun

    _school_scoped("BillingRun", models.BillingRun, BillingRun.of)


def _register_invoices() -> None:
    from api.types.invoices import Invoice, Payment

    _school_scoped("Invoice", models.Invoice, Invoice.of)

    _school_scoped("Payment", models.Payment, Payment.of)

    from api.types.money import CreditNote

    _school_scoped("CreditNote", models.CreditNote, CreditNote.of)

    from api.types.mobile_money import MobileMoneyTransaction

    _school_scoped(
        "MobileMoneyTransaction", models.MobileMoneyTransaction, MobileMoneyTransaction.of
    )

    from api.types.imports import PaymentImport

    _school_scoped("PaymentImport", models.PaymentImport, PaymentImport.of)


def _register_pricing() -> None:
    from api.types.pricing import Discount, Family, FeeCategory, FeeSubscription, StudentDiscount

    _school_scoped("FeeCategory", models.FeeCategory, FeeCategory.of)
    _school_scoped("Family", models.Family, Family.of)
    _school_scoped("Discount", models.Discount, Discount.of)

    def by_student(type_name: str, model: Any, wrap: Callable[[Any], Any]) -> None:
        async def resolve(caller: Caller, pk: int) -> Any:
            row = await scoped(caller, model, "student__school_id").filter(pk=pk).first()
            return wrap(row) if row else None

        RESOLVERS[type_name] = resolve

    by_student("FeeSubscription", models.FeeSubscription, FeeSubscription.of)
    by_student("StudentDiscount", models.StudentDiscount, StudentDiscount.of)


_register_defaults()
_register_invoices()
_register_pricing()


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    decoded = decode_any(id)
    if decoded is None or decoded[0] not in RESOLVERS:
        return None
    result: Node | None = await RESOLVERS[decoded[0]](info.context.caller, decoded[1])
    return result
