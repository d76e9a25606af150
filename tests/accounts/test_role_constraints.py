"""Each role is pinned by the database to exactly the scope it needs."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from marketplace.accounts.models import Role, RoleAssignment
from tests import factories

pytestmark = pytest.mark.django_db


def _rejected(assignment: RoleAssignment) -> str:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        RoleAssignment.objects.bulk_create([assignment])
    return str(excinfo.value)


@pytest.fixture
def scopes():
    shop = factories.shop()
    return {
        "shop": shop,
        "township": shop.village.township,
        "household": factories.household(village_obj=shop.village),
    }


@pytest.mark.parametrize(
    ("role", "scope_fields"),
    [
        (Role.SHOP_MANAGER, []),
        (Role.SHOP_MANAGER, ["township"]),
        (Role.SHOP_MANAGER, ["shop", "household"]),
        (Role.SUPERMARKET_OPERATOR, ["township"]),
        (Role.TOWNSHIP_OFFICER, []),
        (Role.TOWNSHIP_OFFICER, ["shop"]),
        (Role.TOWNSHIP_OFFICER, ["township", "shop"]),
        (Role.HOUSEHOLD_SELLER, []),
        (Role.HOUSEHOLD_SELLER, ["shop"]),
        (Role.BUYER, ["shop"]),
        (Role.PLATFORM_ADMIN, ["township"]),
    ],
)
def test_a_role_with_the_wrong_scope_is_rejected(scopes, role, scope_fields):
    user = factories.user()
    assignment = RoleAssignment(user=user, role=role, **{f: scopes[f] for f in scope_fields})
    assert "role_scope_matches_role" in _rejected(assignment)


def test_changing_a_roles_scope_through_update_is_rejected(scopes):
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=scopes["township"])
    with pytest.raises(IntegrityError, match="role_scope_matches_role"), transaction.atomic():
        RoleAssignment.objects.filter(user=officer).update(role=Role.SHOP_MANAGER)


def test_the_same_assignment_cannot_be_made_twice(scopes):
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=scopes["shop"])
    duplicate = RoleAssignment(user=manager, role=Role.SHOP_MANAGER, shop=scopes["shop"])
    assert "role_assignment_unique" in _rejected(duplicate)
    # NULL scopes count as equal, so an unscoped role cannot be doubled either.
    admin = factories.platform_admin()
    assert "role_assignment_unique" in _rejected(
        RoleAssignment(user=admin, role=Role.PLATFORM_ADMIN)
    )


def test_each_role_with_its_own_scope_is_accepted(scopes):
    user = factories.user()
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=Role.SHOP_MANAGER, shop=scopes["shop"]),
            RoleAssignment(user=user, role=Role.SUPERMARKET_OPERATOR, shop=scopes["shop"]),
            RoleAssignment(user=user, role=Role.TOWNSHIP_OFFICER, township=scopes["township"]),
            RoleAssignment(user=user, role=Role.HOUSEHOLD_SELLER, household=scopes["household"]),
            RoleAssignment(user=user, role=Role.BUYER),
            RoleAssignment(user=user, role=Role.PLATFORM_ADMIN),
        ]
    )
    assert user.role_assignments.count() == 6
