"""The Strawberry schema: root types merged from each area, limits and error masking."""

from __future__ import annotations

from typing import Any

import strawberry
from opentelemetry.trace import TracerProvider
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)

from api.cost import QueryCostLimiter
from api.deadline import QueryDeadline
from api.errors import error_masking
from api.mutations.accounts import AccountMutation
from api.mutations.documents import DocumentMutation
from api.mutations.fees import FeeMutation
from api.mutations.invoices import InvoiceMutation
from api.mutations.pricing import PricingMutation
from api.mutations.reminders import ReminderMutation
from api.mutations.runs import RunMutation
from api.mutations.setup import SetupMutation
from api.mutations.students import StudentMutation
from api.mutations.tokens import TokenMutation
from api.mutations.users import UserMutation
from api.parser_cache import ParserCache
from api.queries.audit import AuditQuery
from api.queries.invoices import InvoiceQuery
from api.queries.runs import RunQuery, RunSubscription
from api.queries.setup import SetupQuery
from api.scalars import SCALAR_OVERRIDES
from api.tracing import GraphQLTracing
from api.types.fees import FeeItem, FeeStructure
from api.types.imports import PaymentImport, PaymentImportMutation, PaymentImportQuery
from api.types.invoices import Invoice, Payment
from api.types.mobile_money import MobileMoneyMutation, MobileMoneyQuery, MobileMoneyTransaction
from api.types.money import CreditNote
from api.types.pricing import (
    Discount,
    Family,
    FeeCategory,
    FeeSubscription,
    StudentDiscount,
)
from api.types.runs import BillingRun
from api.types.school import Grade, School, SchoolClass, Stream, Term
from api.types.students import Student
from api.types.users import User
from domain.settings import get_settings

#: Deepest selection a client may ask for (the contract's deepest useful path is about 8).
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000

#: The limits' validation rules, built once: a rule class made per operation would be a new
#: key of the validation cache every time, so that no document would be validated only once.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


@strawberry.type(description="Everything a client can read.")
class Query(SetupQuery, RunQuery, InvoiceQuery, AuditQuery, MobileMoneyQuery, PaymentImportQuery):
    pass


@strawberry.type(description="Everything a client can change; each mutation is one action.")
class Mutation(
    SetupMutation,
    UserMutation,
    StudentMutation,
    FeeMutation,
    PricingMutation,
    RunMutation,
    InvoiceMutation,
    AccountMutation,
    MobileMoneyMutation,
    PaymentImportMutation,
    TokenMutation,
    DocumentMutation,
    ReminderMutation,
):
    pass


@strawberry.type(description="Live updates over graphql-transport-ws.")
class Subscription(RunSubscription):
    pass


def build_schema(
    *, debug: bool | None = None, tracer_provider: TracerProvider | None = None
) -> strawberry.Schema:
    """The schema; with a `tracer_provider`, each operation is also traced (a span)."""
    debug = get_settings().debug if debug is None else debug
    # Factories: Strawberry builds fresh extension instances for each operation.
    extensions: list[Any] = [
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParserCache,
        lambda: ValidationCache(maxsize=256),
        # After the validation cache: it prices documents that are otherwise valid.
        QueryCostLimiter,
        QueryDeadline,
        lambda: error_masking(debug),
    ]
    if tracer_provider is not None:
        # First, so that the operation's span covers the other extensions' work too.
        extensions.insert(0, lambda: GraphQLTracing(tracer_provider=tracer_provider))
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            School,
            Term,
            Grade,
            Stream,
            SchoolClass,
            Student,
            FeeStructure,
            FeeItem,
            User,
            BillingRun,
            Invoice,
            Payment,
            CreditNote,
            MobileMoneyTransaction,
            PaymentImport,
            FeeItem,
            FeeCategory,
            Family,
            FeeSubscription,
            Discount,
            StudentDiscount,
        ],
        extensions=extensions,
        scalar_overrides=SCALAR_OVERRIDES,
    )


schema = build_schema(debug=False)
