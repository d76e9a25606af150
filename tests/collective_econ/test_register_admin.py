"""The share register's back-office forms: a village's book-keeper sets a household's
shares, adds an investor and sets its agreement, each change shown in the page's history;
refusals land on the form and write nothing; other villages' rows stay out of reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from collective_econ.models import (
    CollectiveMember,
    Investor,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from tests.api_distribution.books import (
    BOOK_YEAR,
    filed_distribution,
    make_books,
    post_collective_income,
)

pytestmark = pytest.mark.django_db

SET_SHARES = "admin:backoffice_member_shares_set"


def _rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            CollectiveMember,
            MemberShare,
            Investor,
            InvestorAgreement,
            ShareRegisterChange,
        )
    )


def _shares_post(household: Any, **kw: Any) -> dict[str, Any]:
    return {
        "household": household.pk,
        "person_name": "",
        "shares": "2.5",
        "valid_from": "2024-01-01",
        "valid_to": "",
        "reason": "新成员入社",
        **kw,
    }


def test_a_book_keeper_sets_shares_and_sees_the_history(client: Any) -> None:
    books = make_books(households=2)
    client.force_login(books.manager)
    listing = client.get(reverse("admin:collective_econ_collectivemember_changelist"))
    assert "Set a household&#x27;s shares" in listing.content.decode()
    form = client.get(reverse(SET_SHARES))
    assert form.status_code == 200 and books.households[0].reference in form.content.decode()
    done = client.post(reverse(SET_SHARES), _shares_post(books.households[0]))
    member = CollectiveMember.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse(
        "admin:collective_econ_collectivemember_change", args=[member.pk]
    )
    client.post(
        reverse(SET_SHARES),
        _shares_post(books.households[0], shares="4", valid_from="2025-01-01", reason="增资"),
    )
    periods = list(MemberShare.objects.filter(member=member).order_by("valid_from"))
    assert [(str(p.shares), str(p.valid_to)) for p in periods] == [
        ("2.5000", "2025-01-01"),
        ("4.0000", "None"),
    ]
    page = client.get(
        reverse("admin:collective_econ_collectivemember_change", args=[member.pk])
    ).content.decode()
    for text in ("新成员入社", "增资", "CLOSE", "MEMBER_SHARE", "Set shares from a day on"):
        assert text in page
    # The member's page link pre-fills the form.
    prefilled = client.get(reverse(SET_SHARES), {"member": member.pk}).content.decode()
    assert f'value="{books.households[0].pk}" selected' in prefilled


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shares": "-1"}, "between 0"),
        ({"shares": "lots"}, "is not a share count"),
        ({"valid_to": "2023-01-01"}, "must end after it starts"),
        ({"reason": ""}, None),
    ],
)
def test_refusals_show_on_the_form_and_write_nothing(
    client: Any, change: dict[str, Any], message: str
) -> None:
    books = make_books(households=1)
    client.force_login(books.manager)
    before = _rows()
    page = client.post(reverse(SET_SHARES), _shares_post(books.households[0], **change))
    assert page.status_code == 200 and page.context["form"].errors
    assert message is None or message in page.content.decode()
    assert _rows() == before


def test_other_villages_households_and_officers_are_refused(client: Any) -> None:
    books = make_books(households=1)
    other = make_books(households=1)
    client.force_login(books.manager)
    form = client.get(reverse(SET_SHARES)).content.decode()
    assert other.households[0].reference not in form
    refused = client.post(reverse(SET_SHARES), _shares_post(other.households[0]))
    assert list(refused.context["form"].errors) == ["household"]
    # The township officer reads the register but keeps no village's books.
    client.force_login(books.officer)
    listing = client.get(reverse("admin:collective_econ_collectivemember_changelist"))
    assert listing.status_code == 200
    assert "Set a household&#x27;s shares" not in listing.content.decode()
    client.post(reverse(SET_SHARES), _shares_post(books.households[0]))
    assert _rows() == (0, 0, 0, 0, 0)


def test_investor_and_agreement_forms(client: Any) -> None:
    books = make_books(households=2, shares=["1", "1"])
    other = make_books(households=0)
    client.force_login(books.manager)
    register = reverse("admin:backoffice_investor_register")
    refused = client.post(register, {"village": other.village.pk, "name": "外村", "reason": "x"})
    assert list(refused.context["form"].errors) == ["village"]
    client.post(register, {"village": books.village.pk, "name": "冰岛茶业", "reason": "投资入股"})
    investor = Investor.objects.get()
    agreement = reverse("admin:backoffice_investor_agreement_set", args=[investor.pk])
    fields = {
        "kind": "FIXED_RETURN",
        "capital_amount": "20000.00",
        "rate": "0.05",
        "valid_from": "2024-01-01",
        "valid_to": "",
        "reason": "协议签订",
    }
    assert client.post(agreement, fields).status_code == 302
    bad_rate = client.post(agreement, {**fields, "rate": "2", "valid_from": "2025-01-01"})
    assert "between 0 and 1" in bad_rate.content.decode()
    assert InvestorAgreement.objects.count() == 1
    page = client.get(
        reverse("admin:collective_econ_investor_change", args=[investor.pk])
    ).content.decode()
    assert "投资入股" in page and "协议签订" in page and "INVESTOR_AGREEMENT" in page
    # Once a distribution has read the year, its days are closed to changes.
    post_collective_income(books.village, "30000.00")
    filed_distribution(books)
    closed = client.post(agreement, {**fields, "valid_from": f"{BOOK_YEAR}-03-01"})
    assert "closed through" in closed.content.decode()
    assert InvestorAgreement.objects.count() == 1
    # Another village's manager does not reach the investor at all.
    client.force_login(other.manager)
    assert client.get(agreement).status_code == 404
    assert client.post(agreement, {**fields, "valid_from": "2030-01-01"}).status_code == 404
    assert InvestorAgreement.objects.count() == 1


def test_a_members_person_name_is_masked_for_readers_not_entitled(client: Any) -> None:
    books = make_books(households=1)
    client.force_login(books.manager)
    client.post(reverse(SET_SHARES), _shares_post(books.households[0], person_name="王小明"))
    member = CollectiveMember.objects.get()
    change = reverse("admin:collective_econ_collectivemember_change", args=[member.pk])
    log = reverse(
        "admin:collective_econ_shareregisterchange_change",
        args=[ShareRegisterChange.objects.get(entity="MEMBER").pk],
    )
    assert "王小明" in client.get(change).content.decode()
    client.force_login(books.officer)
    for url in (
        change,
        reverse("admin:collective_econ_collectivemember_changelist"),
        reverse("admin:collective_econ_membershare_changelist"),
        log,
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "王小明" not in text and "王**" in text, url
