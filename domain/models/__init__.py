"""Tortoise models, one module per area; `domain.db.MODEL_MODULES` lists them."""

from domain.models.accounts import Account, ApiToken, Role, SchoolGrant, User
from domain.models.audit import AuditAction, AuditEvent
from domain.models.billing import (
    BillingRun,
    BillingRunExclusion,
    BillingRunItem,
    BillingRunScopeStudent,
    ItemStatus,
    PreviewCharge,
    PreviewLine,
    RunLine,
    RunStatus,
    ScopeKind,
)
from domain.models.fees import FeeItem, FeeItemGradeAmount, FeeItemKind, FeeStructure
from domain.models.invoices import Invoice, InvoiceLine, InvoiceStatus, LineKind, Payment
from domain.models.pricing import (
    Discount,
    DiscountFeeItem,
    DiscountKind,
    Family,
    FeeCategory,
    FeeItemCategoryAmount,
    FeeSubscription,
    StudentDiscount,
)
from domain.models.school import Grade, School, SchoolClass, Stream, Student, StudentStatus, Term

__all__ = [
    "Account",
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "BillingRun",
    "BillingRunExclusion",
    "BillingRunItem",
    "BillingRunScopeStudent",
    "Discount",
    "DiscountFeeItem",
    "DiscountKind",
    "Family",
    "FeeCategory",
    "FeeItem",
    "FeeItemCategoryAmount",
    "FeeItemGradeAmount",
    "FeeItemKind",
    "FeeStructure",
    "FeeSubscription",
    "Grade",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "ItemStatus",
    "LineKind",
    "Payment",
    "PreviewCharge",
    "PreviewLine",
    "Role",
    "RunLine",
    "RunStatus",
    "School",
    "SchoolClass",
    "SchoolGrant",
    "ScopeKind",
    "Stream",
    "Student",
    "StudentDiscount",
    "StudentStatus",
    "Term",
    "User",
]
