"""The pricing rules in plain Python: an oracle for the set-based engine (contract README,
"Pricing a student"). Amounts are whole cents; terms are indexes in date order."""

from __future__ import annotations

from dataclasses import dataclass

MANDATORY, OPTIONAL = "MANDATORY", "OPTIONAL"
PERCENTAGE, FIXED_AMOUNT = "PERCENTAGE", "FIXED_AMOUNT"


@dataclass(frozen=True)
class ItemSpec:
    name: str
    kind: str
    cents: int
    by_grade: tuple[tuple[int, int], ...] = ()  # (grade, cents)
    by_category: tuple[tuple[int, int], ...] = ()  # (category, cents)
    by_both: tuple[tuple[int, int, int], ...] = ()  # (grade, category, cents)


@dataclass(frozen=True)
class StudentSpec:
    admission: str
    grade: int | None  # index into grades (level = index + 1); None: no class
    category: int | None
    family: int | None
    active: bool = True
    excluded: bool = False  # left out by hand
    invoiced: bool = False  # already holds a live invoice for the fee and term


@dataclass(frozen=True)
class DiscountSpec:
    name: str
    kind: str
    value: int  # PERCENTAGE: hundredths of a percent; FIXED_AMOUNT: cents
    items: tuple[int, ...] = ()  # empty: the whole invoice
    sibling_position: int | None = None


@dataclass(frozen=True)
class World:
    grades: int
    categories: int
    families: int
    items: tuple[ItemSpec, ...]
    students: tuple[StudentSpec, ...]
    discounts: tuple[DiscountSpec, ...]
    subscriptions: tuple[tuple[int, int, int, int | None], ...]  # student, item, from, until
    grants: tuple[tuple[int, int, int, int | None], ...]  # student, discount, from, until
    term: int  # the run's term


@dataclass(frozen=True)
class Line:
    kind: str  # CHARGE or DISCOUNT
    ref: int  # item index (CHARGE) or discount index (DISCOUNT)
    description: str
    cents: int  # negative for a discount


@dataclass(frozen=True)
class Priced:
    reason: str | None
    lines: tuple[Line, ...]

    @property
    def gross(self) -> int:
        return sum(line.cents for line in self.lines if line.kind == "CHARGE")

    @property
    def discount(self) -> int:
        return -sum(line.cents for line in self.lines if line.kind == "DISCOUNT")

    @property
    def net(self) -> int:
        return self.gross - self.discount


def _covers(start: int, until: int | None, term: int) -> bool:
    return start <= term and (until is None or until >= term)


def _amount(item: ItemSpec, grade: int | None, category: int | None) -> int:
    both = {(g, c): a for g, c, a in item.by_both}
    by_grade = dict(item.by_grade)
    by_category = dict(item.by_category)
    if (grade, category) in both:
        return both[(grade, category)]
    if grade in by_grade:
        return by_grade[grade]
    if category in by_category:
        return by_category[category]
    return item.cents


def sibling_positions(world: World) -> dict[int, int]:
    """Student index -> position among the ACTIVE students of their family, eldest first."""
    found: dict[int, int] = {}
    for family in range(world.families):
        members = [i for i, s in enumerate(world.students) if s.family == family and s.active]
        members.sort(
            key=lambda i: (
                world.students[i].grade is None,
                -(world.students[i].grade or 0),
                world.students[i].admission,
                i,
            )
        )
        found.update({i: n for n, i in enumerate(members, start=1)})
    return found


def price(world: World) -> list[Priced]:
    """Every student's reason not to be billed (or None) and invoice lines, by index."""
    positions = sibling_positions(world)
    result = []
    for i, student in enumerate(world.students):
        charges = []
        for j, item in enumerate(world.items):
            taken = any(
                s == i and it == j and _covers(f, u, world.term)
                for s, it, f, u in world.subscriptions
            )
            if item.kind == OPTIONAL and not taken:
                continue
            cents = _amount(item, student.grade, student.category)
            if cents:
                charges.append(Line("CHARGE", j, item.name, cents))
        gross = sum(c.cents for c in charges)
        # (kind rank, source, seq, discount index): assigned in grant order, then siblings
        applied = [
            (world.discounts[d].kind != PERCENTAGE, 0, n, d)
            for n, (s, d, f, u) in enumerate(world.grants)
            if s == i and _covers(f, u, world.term)
        ]
        applied += [
            (d.kind != PERCENTAGE, 1, d.sibling_position, k)
            for k, d in enumerate(world.discounts)
            if d.sibling_position is not None and positions.get(i, 0) >= d.sibling_position
        ]
        discounts = []
        taken_off = 0
        for *_, d in sorted(applied):
            spec = world.discounts[d]
            covered = sum(c.cents for c in charges if not spec.items or c.ref in spec.items)
            if spec.kind == PERCENTAGE:
                wanted = (covered * spec.value + 5000) // 10000
            else:
                wanted = min(spec.value, covered)
            off = min(wanted, gross - taken_off)
            if off > 0:
                discounts.append(Line("DISCOUNT", d, spec.name, -off))
                taken_off += off
        reason = None
        if student.invoiced:
            reason = "ALREADY_INVOICED"
        elif not student.active:
            reason = "INACTIVE"
        elif student.excluded:
            reason = "MANUAL_OVERRIDE"
        elif gross == 0:
            reason = "NO_CHARGES"
        result.append(Priced(reason, tuple(charges + discounts)))
    return result
