"""Object-level permissions: each role reaches exactly the objects of its scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.accounts.models import Role, RoleAssignment
from marketplace.accounts.permissions import (
    can_approve_shop,
    can_manage_shop,
    can_recommend_shop,
    can_view_shop_private,
    forget_role_scopes,
    role_scopes,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops():
    township = factories.township()
    shop_a = factories.shop(village_obj=factories.village(township_obj=township))
    shop_b = factories.shop(village_obj=factories.village(township_obj=township))
    shop_elsewhere = factories.shop()
    return shop_a, shop_b, shop_elsewhere


@pytest.mark.smoke
def test_a_manager_manages_its_own_shop_only(shops):
    shop_a, shop_b, _ = shops
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_a)
    assert can_manage_shop(user=manager, shop=shop_a)
    assert not can_manage_shop(user=manager, shop=shop_b)
    assert can_view_shop_private(user=manager, shop=shop_a)
    assert not can_view_shop_private(user=manager, shop=shop_b)
    assert not can_recommend_shop(user=manager, shop=shop_a)
    assert not can_approve_shop(user=manager)


def test_an_officer_oversees_its_township_without_managing(shops):
    shop_a, shop_b, elsewhere = shops
    officer = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=shop_a.village.township)
    assert can_view_shop_private(user=officer, shop=shop_a)
    assert can_view_shop_private(user=officer, shop=shop_b)
    assert not can_view_shop_private(user=officer, shop=elsewhere)
    assert can_recommend_shop(user=officer, shop=shop_b)
    assert not can_recommend_shop(user=officer, shop=elsewhere)
    assert not can_manage_shop(user=officer, shop=shop_a)
    assert not can_approve_shop(user=officer)


def test_a_supermarket_operator_sees_but_does_not_manage(shops):
    shop_a, shop_b, _ = shops
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=shop_a)
    assert can_view_shop_private(user=operator, shop=shop_a)
    assert not can_view_shop_private(user=operator, shop=shop_b)
    assert not can_manage_shop(user=operator, shop=shop_a)


def test_admins_and_superusers_reach_everything(shops):
    admin = factories.platform_admin()
    superuser = factories.user(is_superuser=True)
    for user in (admin, superuser):
        assert can_approve_shop(user=user)
        for shop in shops:
            assert can_manage_shop(user=user, shop=shop)
            assert can_recommend_shop(user=user, shop=shop)


def test_anonymous_buyers_and_inactive_staff_get_nothing(shops):
    shop_a = shops[0]
    buyer = factories.user(role=Role.BUYER)
    inactive_manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_a, is_active=False)
    for user in (None, AnonymousUser(), buyer, inactive_manager):
        assert not can_manage_shop(user=user, shop=shop_a)
        assert not can_view_shop_private(user=user, shop=shop_a)
        assert not can_approve_shop(user=user)
        assert not role_scopes(user).is_staff_role


def test_roles_load_once_per_user_object(shops, django_assert_num_queries):
    shop_a, shop_b, elsewhere = shops
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=shop_a)
    RoleAssignment.objects.create(user=manager, role=Role.SHOP_MANAGER, shop=shop_b)
    with django_assert_num_queries(1):
        assert [can_manage_shop(user=manager, shop=s) for s in shops] == [True, True, False]
        assert role_scopes(manager).managed_village_ids == {shop_a.village_id, shop_b.village_id}
    # A role granted later is seen once the cached scopes are forgotten.
    RoleAssignment.objects.create(user=manager, role=Role.SHOP_MANAGER, shop=elsewhere)
    assert not can_manage_shop(user=manager, shop=elsewhere)
    forget_role_scopes(manager)
    assert can_manage_shop(user=manager, shop=elsewhere)
