from apps.billing.models import Plan


def plan_default() -> Plan:
    """The plan a new company starts on (Start, unless an admin picked another default)."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        plan = Plan.objects.filter(is_active=True).order_by("sort_order").first()
    if plan is None:
        raise Plan.DoesNotExist("No plan exists; run migrations (they seed the plans).")
    return plan


def plan_list(*, only_active: bool = True) -> list[Plan]:
    queryset = Plan.objects.all()
    if only_active:
        queryset = queryset.filter(is_active=True)
    return list(queryset)
