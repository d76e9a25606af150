"""The supervision part of the demo: a roster (the shop's manager as the shop administrator,
the station's operator as the station administrator) for every demo village, one pending
certification claim, complaints in the last two quarters (most resolved, some still open),
the reports of the last two quarters and the last month for every
township and county, and the red-flag rankings of those two quarters.

Everything goes through the supervision services and is looked up first, so a rerun adds
nothing; reports and rankings are stored once by the services themselves.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from logistics.stations.models import VillageStation
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.catalog.models import Product
from marketplace.divisions.models import County, Township, Village
from marketplace.organisations.models import Shop
from marketplace.supervision.claims import EvidenceUpload, claim_file
from marketplace.supervision.complaints import complaint_file, complaint_resolve
from marketplace.supervision.models import (
    AdministratorAppointment,
    AdministratorPost,
    CertificationClaim,
    Complaint,
    ComplaintStatus,
    PeriodKind,
)
from marketplace.supervision.periods import last_completed
from marketplace.supervision.red_flag import ranking_run
from marketplace.supervision.reports import report_generate
from marketplace.supervision.roster import administrator_appoint

# A one-page PDF standing for the scanned certificate.
_CERTIFICATE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
_TERM_START = datetime.date(2026, 1, 1)


def _officer_for(township: Township, admin: User) -> User:
    assignment = (
        RoleAssignment.objects.filter(role=Role.TOWNSHIP_OFFICER, township=township)
        .select_related("user")
        .first()
    )
    return assignment.user if assignment is not None else admin


def _appoint(*, officer: User, village: Village, post: str, person: User) -> None:
    if AdministratorAppointment.objects.filter(
        village=village, post=post, effective_until__isnull=True
    ).exists():
        return
    administrator_appoint(
        officer=officer,
        village=village,
        post=post,
        administrator=person,
        is_party_member=True,
        birth_date=datetime.date(1988, 6, 1),
        education="SENIOR_SECONDARY",
        effective_from=_TERM_START,
    )


def load_roster(*, admin: User, villages: dict[str, Village]) -> None:
    stations = {s.village_id: s for s in VillageStation.objects.filter(operator__isnull=False)}
    for village in villages.values():
        officer = _officer_for(village.township, admin)
        manager = (
            RoleAssignment.objects.filter(role=Role.SHOP_MANAGER, shop__village=village)
            .select_related("user")
            .first()
        )
        if manager is not None:
            _appoint(
                officer=officer,
                village=village,
                post=AdministratorPost.VILLAGE_SHOP,
                person=manager.user,
            )
        station = stations.get(village.pk)
        if station is not None and station.operator is not None:
            _appoint(
                officer=officer,
                village=village,
                post=AdministratorPost.STATION,
                person=station.operator,
            )


def load_pending_claim() -> None:
    manager = (
        RoleAssignment.objects.filter(role=Role.SHOP_MANAGER, shop__status="APPROVED")
        .select_related("user", "shop")
        .order_by("pk")
        .first()
    )
    if manager is None or manager.shop is None:
        return
    product = Product.objects.filter(shop=manager.shop).order_by("pk").first()
    if product is None or CertificationClaim.objects.filter(product=product).exists():
        return
    today = timezone.localdate()
    claim_file(
        actor=manager.user,  # type: ignore[arg-type]
        product=product,
        kind="POVERTY_RELIEF",
        number=f"XFBF-{today.year}-0001",
        issuer="县农业农村局（乡村振兴）",
        valid_from=today - datetime.timedelta(days=20),
        valid_until=today + datetime.timedelta(days=3 * 365),
        evidence=[EvidenceUpload(name="消费帮扶产品认定书.pdf", content=_CERTIFICATE_PDF)],
    )


# (subject, days into the quarter it was filed, days it took to resolve or None if open),
# filed in turn against the demo's approved shops, oldest quarter first.
_COMPLAINTS = (
    ("茶叶受潮，要求换货", 12, 3),
    ("快递三天没送到村里", 30, 1),
    ("价格标签和结账价不一致", 45, None),
    ("蜂蜜瓶盖漏了", 20, 2),
    ("客服电话打不通", 60, None),
)


def load_complaints(*, admin: User) -> None:
    """Villagers' complaints recorded by their township's officer through the service; the
    filing and resolving times are then moved into the two reported quarters (the service
    stamps "now"), so the complaint indicators and the red flag's component have history."""
    shops = list(Shop.objects.filter(status="APPROVED").select_related("village__township"))
    if not shops or Complaint.objects.filter(subject=_COMPLAINTS[0][0]).exists():
        return
    last_quarter = last_completed(PeriodKind.QUARTER)
    quarters = [last_quarter.previous(), last_quarter]
    for index, (subject, filed_day, resolve_days) in enumerate(_COMPLAINTS):
        shop = shops[index % len(shops)]
        officer = _officer_for(shop.village.township, admin)
        complaint = complaint_file(
            filed_by=officer, shop=shop, complainant_kind="VILLAGER", subject=subject
        )
        quarter = quarters[index % 2]
        filed_at = quarter.start_at() + datetime.timedelta(days=filed_day, hours=10)
        Complaint.objects.filter(pk=complaint.pk).update(filed_at=filed_at)
        if resolve_days is not None:
            complaint_resolve(actor=officer, complaint=complaint, resolution="已联系店家处理")
            Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.RESOLVED).update(
                resolved_at=filed_at + datetime.timedelta(days=resolve_days)
            )


def load_reports_and_rankings() -> None:
    last_quarter = last_completed(PeriodKind.QUARTER)
    # Oldest first, so each report's "previous" figures come from the stored one before it.
    periods = [last_quarter.previous(), last_quarter, last_completed(PeriodKind.MONTH)]
    for period in periods:
        for township in Township.objects.order_by("pk"):
            report_generate(period=period, township=township)
        for county in County.objects.order_by("pk"):
            report_generate(period=period, county=county)
    for quarter in periods[:2]:
        for township in Township.objects.order_by("pk"):
            ranking_run(township=township, quarter=quarter)


def load_supervision(*, admin: User, villages: dict[str, Village]) -> None:
    load_roster(admin=admin, villages=villages)
    load_pending_claim()
    load_complaints(admin=admin)
    load_reports_and_rankings()
