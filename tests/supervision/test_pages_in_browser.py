"""The supervision pages in a real browser, as a township officer uses them: log in through
the admin form, open the approval queue, recommend a shop application and approve a
certification claim each with a reason, then read the monthly report and the quarter's
red flag. Screenshots are kept as test artefacts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from marketplace.accounts.models import Role
from marketplace.divisions.models import Village
from marketplace.organisations.models import PartyOrganisation, ShopStatus
from marketplace.organisations.services import shop_apply
from marketplace.supervision.models import CertificationClaim, ClaimStatus, PeriodKind
from marketplace.supervision.periods import last_completed
from marketplace.supervision.red_flag import ranking_run
from marketplace.supervision.reports import report_generate
from tests import factories
from tests.browser import keep_screenshot
from tests.supervision.world import build_town, file_claim, sell

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bureau-pass-2026"


def _log_in(page: Any, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")


def _run_action(page: Any, base: str, changelist: str, pk: int, action: str, reason: str) -> str:
    """Tick one row of a changelist, run `action`, give `reason`; the messages shown."""
    page.goto(f"{base}{changelist}")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.wait_for_selector("textarea[name=reason]")
    page.fill("textarea[name=reason]", reason)
    page.click("input[name=apply]")
    page.wait_for_selector("ul.messagelist")
    return page.inner_text("ul.messagelist")


def _inline_rows(page: Any, prefix: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The read-only inline's rows as {column: text}, in page order."""
    return page.evaluate(
        """([prefix, columns]) => Array.from(
            document.querySelectorAll(`#${prefix}-group tbody tr.has_original, `
              + `#${prefix}-group tbody tr[id^="${prefix}-"]`))
          .filter(tr => !tr.id.endsWith('-empty'))
          .map(tr => Object.fromEntries(columns.map(c => {
              const cell = tr.querySelector(`td.field-${c}`);
              const icon = cell && cell.querySelector('img');
              return [c, icon ? icon.getAttribute('alt') : (cell ? cell.innerText.trim() : null)];
          })))""",
        [prefix, list(columns)],
    )


def test_a_township_officer_works_the_queue_and_reads_the_report_and_the_flag(
    live_server: Any, chromium_page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    town = build_town()
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER,
        township_obj=town.township,
        is_staff=True,
        password=PASSWORD,
        email="officer@township.example.cn",
    )
    applying_village = factories.village(township_obj=town.township)
    application = shop_apply(
        party_organisation=PartyOrganisation.objects.create(
            village=applying_village, name=f"{applying_village.name}党支部"
        ),
        name="云岭茶香网店",
        slug="yunling-tea",
        applicant=None,
        description="申请开设网店，销售本村茶叶与蜂蜜。",
    )
    claim = file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))

    month = last_completed(PeriodKind.MONTH)
    quarter = last_completed(PeriodKind.QUARTER)
    sales = [
        (town.shops[0], "300.00", month.start_at() + datetime.timedelta(days=2)),
        (town.shops[1], "120.50", month.start_at() + datetime.timedelta(days=3)),
        (town.shops[0], "800.00", quarter.start_at() + datetime.timedelta(days=10)),
        (town.shops[1], "200.00", quarter.start_at() + datetime.timedelta(days=11)),
        (town.other_shop, "999.00", month.start_at() + datetime.timedelta(days=2)),
    ]
    for shop, amount, when in sales:
        sell(shop, amount=amount, when=when)
    report = report_generate(period=month, township=town.township)
    ranking = ranking_run(township=town.township, quarter=quarter)
    township_shop_ids = {s.pk for s in town.shops}
    month_sales = sum(
        (
            Decimal(amount)
            for shop, amount, when in sales
            if shop.pk in township_shop_ids and month.start_at() <= when < month.end_at()
        ),
        Decimal("0.00"),
    )

    page = chromium_page
    base = live_server.url
    queue_url = "/admin/supervision/certificationclaim/queue/"
    _log_in(page, base, officer.email, queue_url)
    page.wait_for_selector("#approval-queue")
    queue = page.inner_text("#approval-queue")
    assert "云岭茶香网店" in queue and claim.number in queue
    assert "SHOP_APPLICATION" in queue and "CERTIFICATION_CLAIM" in queue
    assert keep_screenshot(page, "supervision-approval-queue").stat().st_size > 10_000

    # The queue's link leads to the claim with its evidence.
    page.click("#approval-queue a:has-text('Review claim')")
    page.wait_for_selector("#claimevidence_set-group, [id$='evidence-group'], .inline-group")
    assert "certificate.pdf" in page.content()

    shown = _run_action(
        page,
        base,
        "/admin/organisations/shop/",
        application.pk,
        "shop_recommend",
        "材料齐全，同意推荐",
    )
    assert "1 shop(s) recommended." in shown
    shown = _run_action(
        page,
        base,
        "/admin/supervision/certificationclaim/",
        claim.pk,
        "claim_approve",
        "证书真实有效",
    )
    assert "Approve claim: 1 done." in shown
    application.refresh_from_db()
    claim.refresh_from_db()
    assert application.status == ShopStatus.RECOMMENDED
    assert application.status_events.latest("created_at").reason == "材料齐全，同意推荐"
    assert claim.status == ClaimStatus.APPROVED and claim.decision_reason == "证书真实有效"

    page.goto(f"{base}{queue_url}")
    assert "Nothing is waiting." in page.inner_text("#approval-queue")

    page.goto(f"{base}/admin/supervision/periodicreport/{report.pk}/change/")
    page.wait_for_selector("#values-group")
    values = {
        row["indicator_code"]: row
        for row in _inline_rows(page, "values", ("indicator_code", "value", "status"))
    }
    assert len(values) >= 20
    assert Decimal(values["sales_amount"]["value"].replace(",", "")) == month_sales
    assert Decimal(values["orders"]["value"]) == 2
    with page.expect_download() as download:
        page.click(".field-downloads a:has-text('XLSX')")
    assert download.value.suggested_filename.endswith(f"{month.label}.xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    sales_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "sales_amount")
    assert Decimal(sales_row[3]) == month_sales
    assert keep_screenshot(page, "supervision-monthly-report").stat().st_size > 10_000

    page.goto(f"{base}/admin/supervision/redflagranking/{ranking.pk}/change/")
    page.wait_for_selector("#entries-group")
    entries = _inline_rows(page, "entries", ("rank", "village", "score", "awarded"))
    assert len(entries) == Village.objects.filter(township=town.township).count() == 4
    assert [e["rank"] for e in entries] == [str(i) for i in range(1, len(entries) + 1)]
    assert entries[0]["village"] == str(town.shops[0].village)
    assert entries[1]["village"] == str(town.shops[1].village)
    stored = list(ranking.entries.order_by("rank").values_list("score", flat=True))
    assert [Decimal(e["score"]) for e in entries] == stored
    assert entries[0]["awarded"] == "True"
    assert all(e["awarded"] == "False" for e in entries[1:])
    assert keep_screenshot(page, "supervision-red-flag").stat().st_size > 10_000
    # Nothing the officer did touched another township's claims.
    assert (
        not CertificationClaim.objects.exclude(pk=claim.pk)
        .filter(status=ClaimStatus.APPROVED)
        .exists()
    )
