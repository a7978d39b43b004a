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
from domain.models.imports import (
    ImportFormat,
    ImportLineStatus,
    ImportStatus,
    PaymentImport,
    PaymentImportLine,
)
from domain.models.invoices import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpeningBalance,
    Payment,
    PaymentAllocation,
    PaymentChannel,
)
from domain.models.mpesa import MobileMoneyStatus, MobileMoneyTransaction, MpesaWebhook
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
    "CreditNote",
    "FeeItem",
    "FeeItemGradeAmount",
    "FeeStructure",
    "Grade",
    "ImportFormat",
    "ImportLineStatus",
    "ImportStatus",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "ItemStatus",
    "MobileMoneyStatus",
    "MobileMoneyTransaction",
    "MpesaWebhook",
    "OpeningBalance",
    "Payment",
    "PaymentAllocation",
    "PaymentChannel",
    "PaymentImport",
    "PaymentImportLine",
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
