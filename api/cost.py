"""What an operation may cost, computed before it runs (like GitHub's node limit and Shopify's
calculated cost): the number of objects it could return. Each object field counts 1 for every
object it may return; a list multiplies what it holds by its `first` (a connection's `edges`) or
by its declared bound (a plain list). An operation over MAX_COST is refused with a top-level
error that says its cost and the limit, before any resolver runs, over HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    validate,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from api.types.common import DEFAULT_PAGE, MAX_PAGE
from domain.billing.runs import MAX_MANUAL_STUDENTS
from domain.notifications import MAX_SEND
from domain.students import MAX_BATCH

#: Most objects one operation may ask for. An invoice page of 100 with students, classes,
#: lines, payments and deliveries costs about 5,000; a page of 100 students each with a page
#: of 100 invoices (10,000 invoices) is refused.
MAX_COST = 50_000

#: What a plain list (no `first`) is counted as: the most such a list holds in practice.
LIST_BOUNDS: Mapping[str, int] = {
    "Query.schools": 20,
    "User.schools": 20,
    "User.apiTokens": 20,
    "School.terms": 12,
    "School.grades": 15,
    "School.streams": 6,
    "School.classes": 60,
    "School.feeStructures": 20,
    "FeeStructure.items": 20,
    "FeeItem.gradeAmounts": 15,
    "Invoice.lines": 20,
    "Invoice.payments": 10,
    "Invoice.deliveries": 4,
    "BillingRun.failures": 20,
    "BillingRunPreview.warnings": 5,
    "BillingScope.students": MAX_MANUAL_STUDENTS,
    "CreateStudentsPayload.students": MAX_BATCH,
    "SendInvoicesPayload.invoices": MAX_SEND,
}

#: Any other plain list (a payload's `errors`, for one).
DEFAULT_LIST_BOUND = 20


class _Counter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        # A fragment's selection is priced once per parent type and page: spreading fragments
        # that spread fragments must not make the pricing itself exponential.
        self.priced: dict[tuple[str, int, int], int] = {}

    def selection(self, parent: GraphQLNamedType, node: SelectionSetNode, page: int) -> int:
        """Objects one instance of `parent` may hold below it; `page` is its own `first`."""
        key = (parent.name, id(node), page)
        if key not in self.priced:
            self.priced[key] = self._price(parent, node, page)
        return self.priced[key]

    def _price(self, parent: GraphQLNamedType, node: SelectionSetNode, page: int) -> int:
        total = 0
        # Like execution, each fragment is spread once per selection set.
        for field, owner in self._fields(parent, node, set()):
            if field.name.value.startswith("__"):
                continue  # introspection: bounded by the schema itself
            definition = owner.fields.get(field.name.value)
            if definition is None or field.selection_set is None:
                continue
            returned = get_nullable_type(definition.type)
            named = get_named_type(returned)
            if not is_composite_type(named):
                continue
            first = self._first(field)
            size = 1
            if isinstance(returned, GraphQLList):
                key = f"{owner.name}.{field.name.value}"
                size = (
                    page
                    if field.name.value == "edges"
                    else LIST_BOUNDS.get(key, DEFAULT_LIST_BOUND)
                )
            total += size * (1 + self.selection(named, field.selection_set, first))
        return total

    def _fields(
        self, parent: GraphQLNamedType, node: SelectionSetNode, seen: set[str]
    ) -> Iterator[tuple[FieldNode, GraphQLObjectType]]:
        """The fields of a selection with the object type that defines them, fragments spread."""
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                owners = self._object_types(parent)
                for owner in owners:
                    if selection.name.value in owner.fields:
                        yield selection, owner
                        break
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                yield from self._fields(target, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                seen.add(name)
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(target, fragment.selection_set, seen)

    def _object_types(self, named: GraphQLNamedType) -> list[GraphQLObjectType]:
        if isinstance(named, GraphQLObjectType):
            return [named]
        if is_composite_type(named):
            return list(self.schema.get_possible_types(named))  # type: ignore[arg-type]
        return []

    def _first(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value, MAX_PAGE)
            return value if isinstance(value, int) and value >= 0 else MAX_PAGE
        return DEFAULT_PAGE


def operation_cost(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """How many objects the operation could return, at most (0 when it names no operation)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counter = _Counter(schema, fragments, variables or {})
    return counter.selection(root, operation.selection_set, DEFAULT_PAGE)


def cost_error(cost: int) -> GraphQLError:
    return GraphQLError(
        f"The query costs {cost:,}, over the limit of {MAX_COST:,}: each object counts 1, and "
        "a list counts what it holds times its `first` (or its declared bound). Ask for "
        "smaller pages or fewer nested lists.",
        extensions={"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_COST},
    )


class QueryCostLimiter(SchemaExtension):
    """Refuses, before execution, an operation that could return more than MAX_COST objects."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # No cached validation ran before us: validate first, the usual errors win.
            context.pre_execution_errors = validate(
                context.schema._schema, document, context.validation_rules
            )
        if document is not None and not context.pre_execution_errors:
            cost = operation_cost(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if cost > MAX_COST:
                context.pre_execution_errors = [cost_error(cost)]
        yield
