"""Tortoise models, one module per area; `domain.db.MODEL_MODULES` lists them."""

from domain.models.accounts import Account, ApiToken, Role, SchoolGrant, User
from domain.models.audit import AuditAction, AuditEvent
from domain.models.billing import (
    BillingRun,
    BillingRunExclusion,
    BillingRunItem,
    BillingRunScopeStudent,
    ItemStatus,
    PreviewLine,
    RunStatus,
    ScopeKind,
)
from domain.models.fees import FeeItem, FeeItemGradeAmount, FeeStructure
from domain.models.invoices import Invoice, InvoiceLine, InvoiceStatus, Payment
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
    "FeeItem",
    "FeeItemGradeAmount",
    "FeeStructure",
    "Grade",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "ItemStatus",
    "Payment",
    "PreviewLine",
    "Role",
    "RunStatus",
    "School",
    "SchoolClass",
    "SchoolGrant",
    "ScopeKind",
    "Stream",
    "Student",
    "StudentStatus",
    "Term",
    "User",
]
