"""The shop workflow: who may move a shop between statuses, and what each step records."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import Role
from marketplace.core.errors import PermissionRefused
from marketplace.organisations.models import PartyOrganisation, Shop, ShopStatus, ShopStatusEvent
from marketplace.organisations.services import (
    shop_apply,
    shop_approve,
    shop_close,
    shop_recommend,
    shop_reinstate,
    shop_reject,
    shop_suspend,
)
from tests import factories

pytestmark = pytest.mark.django_db


def error_code(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


@pytest.fixture
def organisation() -> PartyOrganisation:
    village = factories.village()
    return PartyOrganisation.objects.create(village=village, name=f"{village.name}党支部")


@pytest.fixture
def applied(organisation) -> Shop:
    return shop_apply(
        party_organisation=organisation, name=" 冰岛村货铺 ", slug="bingdao", applicant=None
    )


@pytest.fixture
def officer(organisation):
    return factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=organisation.village.township)


@pytest.fixture
def admin():
    return factories.platform_admin()


def history(shop: Shop) -> list[tuple[str, str, int | None, str]]:
    return list(
        ShopStatusEvent.objects.filter(shop=shop).values_list(
            "from_status", "to_status", "actor_id", "reason"
        )
    )


def assert_unchanged(shop: Shop, status: str, events: int) -> None:
    shop.refresh_from_db()
    assert shop.status == status
    assert ShopStatusEvent.objects.filter(shop=shop).count() == events


@pytest.mark.smoke
def test_full_lifecycle_records_every_step(applied, officer, admin):
    assert applied.name == "冰岛村货铺"
    assert applied.village_id == applied.party_organisation.village_id
    # Each service returns the shop as it now is; the next step starts from that.
    shop = shop_recommend(shop=applied, officer=officer, reason="材料齐全，同意推荐")
    assert shop.status == ShopStatus.RECOMMENDED
    shop = shop_approve(shop=shop, admin=admin, reason="审核通过")
    assert shop.status == ShopStatus.APPROVED
    assert shop.approved_at is not None
    shop = shop_suspend(shop=shop, actor=officer, reason="食品抽检不合格")
    assert shop.status == ShopStatus.SUSPENDED
    shop = shop_reinstate(shop=shop, admin=admin, reason="整改完成")
    assert shop.status == ShopStatus.APPROVED
    closed = shop_close(shop=shop, actor=admin, reason="合作社自愿停业")

    assert closed.status == ShopStatus.CLOSED
    assert history(applied) == [
        ("", "APPLIED", None, "Application submitted."),
        ("APPLIED", "RECOMMENDED", officer.pk, "材料齐全，同意推荐"),
        ("RECOMMENDED", "APPROVED", admin.pk, "审核通过"),
        ("APPROVED", "SUSPENDED", officer.pk, "食品抽检不合格"),
        ("SUSPENDED", "APPROVED", admin.pk, "整改完成"),
        ("APPROVED", "CLOSED", admin.pk, "合作社自愿停业"),
    ]


def test_an_officer_of_another_township_cannot_recommend(applied):
    outsider = factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township())
    with pytest.raises(PermissionRefused):
        shop_recommend(shop=applied, officer=outsider, reason="推荐")
    assert_unchanged(applied, ShopStatus.APPLIED, events=1)


def test_the_shop_manager_cannot_recommend_its_own_shop(applied):
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=applied)
    with pytest.raises(PermissionRefused):
        shop_recommend(shop=applied, officer=manager, reason="推荐")
    assert_unchanged(applied, ShopStatus.APPLIED, events=1)


@pytest.mark.parametrize("who", ["officer", "manager", "buyer"])
def test_only_a_platform_admin_approves(applied, officer, admin, who):
    shop_recommend(shop=applied, officer=officer, reason="同意推荐")
    actor = {
        "officer": officer,
        "manager": factories.user(role=Role.SHOP_MANAGER, shop_obj=applied),
        "buyer": factories.user(role=Role.BUYER),
    }[who]
    with pytest.raises(PermissionRefused):
        shop_approve(shop=applied, admin=actor, reason="通过")
    assert_unchanged(applied, ShopStatus.RECOMMENDED, events=2)
    assert Shop.objects.get(pk=applied.pk).approved_at is None


@pytest.mark.smoke
def test_approving_an_applied_shop_is_an_invalid_transition(applied, admin):
    with pytest.raises(ValidationError) as excinfo:
        shop_approve(shop=applied, admin=admin, reason="跳过推荐")
    assert error_code(excinfo.value, "status") == "invalid_transition"
    assert_unchanged(applied, ShopStatus.APPLIED, events=1)
    assert Shop.objects.get(pk=applied.pk).approved_at is None


@pytest.mark.parametrize(
    "step",
    [
        lambda shop, officer, admin: shop_suspend(shop=shop, actor=admin, reason="暂停"),
        lambda shop, officer, admin: shop_reinstate(shop=shop, admin=admin, reason="恢复"),
        lambda shop, officer, admin: shop_close(shop=shop, actor=admin, reason="关闭"),
    ],
    ids=["suspend", "reinstate", "close"],
)
def test_other_invalid_transitions_from_applied(applied, officer, admin, step):
    with pytest.raises(ValidationError) as excinfo:
        step(applied, officer, admin)
    assert error_code(excinfo.value, "status") == "invalid_transition"
    assert_unchanged(applied, ShopStatus.APPLIED, events=1)


def test_a_closed_or_rejected_shop_stays_so(applied, officer, admin):
    shop_reject(shop=applied, reviewer=officer, reason="材料不全")
    with pytest.raises(ValidationError) as excinfo:
        shop_recommend(shop=applied, officer=officer, reason="再推荐")
    assert error_code(excinfo.value, "status") == "invalid_transition"
    assert_unchanged(applied, ShopStatus.REJECTED, events=2)


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_every_step_needs_a_reason(applied, officer, reason):
    with pytest.raises(ValidationError) as excinfo:
        shop_recommend(shop=applied, officer=officer, reason=reason)
    assert error_code(excinfo.value, "reason") == "required"
    assert_unchanged(applied, ShopStatus.APPLIED, events=1)


def test_the_manager_may_close_but_not_reinstate_its_shop(applied, officer, admin):
    manager = factories.user(role=Role.SHOP_MANAGER, shop_obj=applied)
    shop_recommend(shop=applied, officer=officer, reason="同意")
    shop_approve(shop=applied, admin=admin, reason="通过")
    suspended = shop_suspend(shop=applied, actor=admin, reason="暂停")
    with pytest.raises(PermissionRefused):
        shop_reinstate(shop=suspended, admin=manager, reason="恢复")
    shop_close(shop=suspended, actor=manager, reason="不再经营")
    assert_unchanged(applied, ShopStatus.CLOSED, events=5)


def test_reinstate_decides_on_the_status_in_the_database(applied, officer, admin):
    shop_recommend(shop=applied, officer=officer, reason="同意")
    shop_approve(shop=applied, admin=admin, reason="通过")
    shop_suspend(shop=applied, actor=admin, reason="暂停")
    # `applied` still says APPLIED in memory; the database says SUSPENDED.
    reinstated = shop_reinstate(shop=applied, admin=admin, reason="整改完成")
    assert reinstated.status == ShopStatus.APPROVED


def test_a_village_cannot_get_a_second_shop(applied, organisation):
    with pytest.raises(ValidationError) as excinfo:
        shop_apply(party_organisation=organisation, name="第二家店", slug="second", applicant=None)
    assert error_code(excinfo.value, "party_organisation") == "unique"
    assert Shop.objects.filter(village=organisation.village).count() == 1


def test_an_application_needs_a_free_slug_and_a_name(applied):
    other = factories.village()
    org = PartyOrganisation.objects.create(village=other, name="另一支部")
    with pytest.raises(ValidationError) as excinfo:
        shop_apply(party_organisation=org, name="另一家", slug=applied.slug, applicant=None)
    assert error_code(excinfo.value, "slug") == "unique"
    with pytest.raises(ValidationError) as excinfo:
        shop_apply(party_organisation=org, name="  ", slug="fresh", applicant=None)
    assert error_code(excinfo.value, "name") == "required"
    assert not Shop.objects.filter(party_organisation=org).exists()
