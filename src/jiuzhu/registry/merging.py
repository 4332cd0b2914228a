"""Merging a duplicate person into the one kept: the registry's side (its own rows only).

Verify finds and decides duplicates; it moves its own records (links, findings, pairs) and then
asks this service to rewrite the registry's: income, assets, expenses and roll entries follow the
kept person, the duplicate is deleted, its ID number kept if the kept person had none, and the
household it leaves is resized (closed when empty).
"""

from __future__ import annotations

from django.db import transaction

from jiuzhu.registry.models import Asset, IncomeItem, Person, RigidExpense
from jiuzhu.registry.roll import roll_person_reassign


@transaction.atomic
def person_merge(*, kept: Person, dropped: Person) -> None:
    for model in (IncomeItem, Asset, RigidExpense):
        model.objects.filter(person=dropped).update(person=kept, household=kept.household)
    roll_person_reassign(from_person_id=dropped.pk, to_person_id=kept.pk)
    number = dropped.id_number if not kept.id_number and dropped.id_number else None
    dropped_household = dropped.household
    dropped.delete()
    if number:
        kept.id_number = number
        kept.save(update_fields=["id_number"])
    remaining = Person.objects.filter(household=dropped_household).count()
    dropped_household.size = remaining
    if remaining == 0:
        dropped_household.status = "closed"
    dropped_household.save(update_fields=["size", "status"])
