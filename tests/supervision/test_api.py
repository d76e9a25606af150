"""The supervision API: a permission matrix over every role and every query and mutation
it adds (refusals included), bad input answered with codes, and query counts that stay
constant as the data grows."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.supervision.models import PeriodKind
from marketplace.supervision.periods import last_completed
from marketplace.supervision.red_flag import ranking_run
from marketplace.supervision.reports import report_generate
from marketplace.supervision.roster import administrator_appoint
from storefront_api.core.ids import to_global_id
from tests import factories
from tests.api.conftest import GraphQLClient
from tests.supervision.world import PDF, Town, file_claim

pytestmark = pytest.mark.django_db

ROLES = (
    "officer",
    "other_officer",
    "county_officer",
    "other_county_officer",
    "manager",
    "operator",
    "station_operator",
    "buyer",
    "anonymous",
    "admin",
)
TOWNSHIP_READERS = {"officer", "county_officer", "admin"}
TOWNSHIP_WRITERS = {"officer", "admin"}


def _caller(town: Town, role: str) -> Any:
    if role == "anonymous":
        return None
    if role == "manager":
        return town.managers[0]
    return getattr(town, role)


def _gid(kind: str, pk: int) -> str:
    return to_global_id(kind, pk)


def _report(town: Town) -> Any:
    return report_generate(period=last_completed(PeriodKind.MONTH), township=town.township)


QUEUE = "query($t: ID!) { approvalQueue(township: $t) { key title dueOn evidence shop { name } } }"
REPORTS = """query($t: ID, $c: ID, $k: ReportPeriodKind, $a: String, $b: String) {
  periodicReports(township: $t, county: $c, periodKind: $k, firstPeriod: $a, lastPeriod: $b,
                  first: 50) {
    totalCount
    edges { node { period township { name } filing { note }
      values { indicator { code nameZh definition unit } value previousValue change status } } }
  }
}"""
FILE = "query($id: ID!, $f: ReportFileFormat!) { periodicReportFile(id: $id, format: $f) { filename contentType contentBase64 } }"
RANKING = """query($t: ID!, $q: String!) { redFlagRanking(township: $t, quarter: $q) {
  quarter formula { version } winner { name }
  entries { rank score awarded village { name code } components { code raw missing } } } }"""
HISTORY = """query($t: ID!) { redFlagHistory(township: $t) {
  quarter formula { version } winner { name } entries { rank village { name } } } }"""
ROSTER = """query($v: ID!) { administratorRoster(village: $v) {
  post isCurrent ageOnAppointment criteriaFailed administrator { email } village { name } } }"""
CLAIM_CREATE = """mutation($input: CertificationClaimCreateInput!) {
  certificationClaimCreate(input: $input) { claim { status dueOn evidence { contentType } }
    errors { field code message } } }"""
CLAIM_DECIDE = """mutation($id: ID!, $ok: Boolean!, $r: String!) {
  certificationClaimDecide(id: $id, approve: $ok, reason: $r) { claim { status decisionReason }
    errors { field code message } } }"""
SHOP_DECIDE = """mutation($s: ID!, $ok: Boolean!, $r: String!) {
  approvalQueueShopDecide(shop: $s, recommend: $ok, reason: $r) { shop { name }
    errors { field code message } } }"""
SUBMIT = """mutation($id: ID!) { periodicReportSubmit(id: $id, note: "按时") {
  filing { note } errors { field code message } } }"""
APPOINT = """mutation($input: AdministratorAppointInput!) { administratorAppoint(input: $input) {
  term { post isCurrent criteriaFailed } errors { field code message } } }"""

COMPLAINT_CREATE = """mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) {
  complaint { status complainantKind subject shopOrderId shop { name } }
  errors { field code message } } }"""


def _complaint_input(town: Town, **kw: Any) -> dict[str, Any]:
    values = {
        "shop": _gid("Shop", town.shops[0].pk),
        "complainantKind": "VILLAGER",
        "subject": "秤不准",
    }
    values.update(kw)
    return {"input": values}


PLATFORM_QUEUE = "{ platformApprovalQueue { kind key title dueOn evidence shop { name } } }"
PLATFORM_DECIDE = """mutation($s: ID!, $ok: Boolean!, $r: String!) {
  platformApprovalQueueShopDecide(shop: $s, approve: $ok, reason: $r) { shop { name }
    errors { field code message } } }"""


def _recommended_shop(town: Town) -> Any:
    from marketplace.organisations.services import shop_recommend

    shop = factories.shop(
        village_obj=factories.village(township_obj=town.township), status="APPLIED"
    )
    return shop_recommend(shop=shop, officer=town.officer, reason="材料齐全，推荐")


def _claim_input(town: Town, **kw: Any) -> dict[str, Any]:
    product = factories.product(shop_obj=town.shops[0])
    today = datetime.date.today()
    values = {
        "product": _gid("Product", product.pk),
        "kind": "POVERTY_RELIEF",
        "number": "XF-2026-88",
        "issuer": "县乡村振兴局",
        "validFrom": str(today - datetime.timedelta(days=10)),
        "validUntil": str(today + datetime.timedelta(days=365)),
        "evidence": [{"name": "认定书.pdf", "contentBase64": base64.b64encode(PDF).decode()}],
    }
    values.update(kw)
    return {"input": values}


def _appoint_input(town: Town, **kw: Any) -> dict[str, Any]:
    values = {
        "village": _gid("Village", town.shops[0].village_id),
        "post": "STATION",
        "administratorEmail": town.managers[0].email,
        "isPartyMember": True,
        "birthDate": "1992-03-04",
        "education": "COLLEGE",
        "effectiveFrom": "2026-02-01",
    }
    values.update(kw)
    return {"input": values}


def _quarter() -> str:
    return last_completed(PeriodKind.QUARTER).label


OPERATIONS: dict[str, tuple[str, Callable[[Town], dict[str, Any]], set[str], str]] = {
    "approvalQueue": (
        QUEUE,
        lambda t: {"t": _gid("Township", t.township.pk)},
        TOWNSHIP_READERS,
        "",
    ),
    "periodicReports(township)": (
        REPORTS,
        lambda t: {"t": _gid("Township", t.township.pk)},
        TOWNSHIP_READERS,
        "",
    ),
    "periodicReports(county)": (
        REPORTS,
        lambda t: {"c": _gid("County", t.county.pk)},
        {"county_officer", "admin"},
        "",
    ),
    "periodicReportFile": (
        FILE,
        lambda t: {"id": _gid("PeriodicReport", _report(t).pk), "f": "XLSX"},
        TOWNSHIP_READERS,
        "",
    ),
    "redFlagRanking": (
        RANKING,
        lambda t: {"t": _gid("Township", t.township.pk), "q": _quarter()},
        TOWNSHIP_READERS,
        "",
    ),
    "redFlagHistory": (
        HISTORY,
        lambda t: {"t": _gid("Township", t.township.pk)},
        TOWNSHIP_READERS,
        "",
    ),
    "administratorRoster": (
        ROSTER,
        lambda t: {"v": _gid("Village", t.shops[0].village_id)},
        TOWNSHIP_READERS,
        "",
    ),
    "certificationClaimCreate": (
        CLAIM_CREATE,
        _claim_input,
        {"manager", "admin"},
        "certificationClaimCreate",
    ),
    "certificationClaimDecide": (
        CLAIM_DECIDE,
        lambda t: {
            "id": _gid(
                "CertificationClaim",
                file_claim(t.managers[0], factories.product(shop_obj=t.shops[0])).pk,
            ),
            "ok": True,
            "r": "材料齐全",
        },
        TOWNSHIP_WRITERS,
        "certificationClaimDecide",
    ),
    "approvalQueueShopDecide": (
        SHOP_DECIDE,
        lambda t: {
            "s": _gid(
                "Shop",
                factories.shop(
                    village_obj=factories.village(township_obj=t.township), status="APPLIED"
                ).pk,
            ),
            "ok": True,
            "r": "推荐",
        },
        TOWNSHIP_WRITERS,
        "approvalQueueShopDecide",
    ),
    "periodicReportSubmit": (
        SUBMIT,
        lambda t: {"id": _gid("PeriodicReport", _report(t).pk)},
        TOWNSHIP_WRITERS,
        "periodicReportSubmit",
    ),
    "administratorAppoint": (APPOINT, _appoint_input, TOWNSHIP_WRITERS, "administratorAppoint"),
    "platformApprovalQueue": (PLATFORM_QUEUE, lambda t: {}, {"admin"}, ""),
    "platformApprovalQueueShopDecide": (
        PLATFORM_DECIDE,
        lambda t: {"s": _gid("Shop", _recommended_shop(t).pk), "ok": True, "r": "同意开店"},
        {"admin"},
        "platformApprovalQueueShopDecide",
    ),
    # A villager's complaint about shops[0], recorded by its staff or its township.
    "complaintCreate": (
        COMPLAINT_CREATE,
        _complaint_input,
        {"officer", "manager", "operator", "admin"},
        "complaintCreate",
    ),
    "complaints(village)": (
        "query($v: ID!) { complaints(filter: {village: $v}, first: 5) { totalCount } }",
        lambda t: {"v": _gid("Village", t.shops[0].village_id)},
        {"officer", "county_officer", "manager", "admin"},
        "",
    ),
    # Published: the formula is how villages are ranked, so anyone may read it.
    "redFlagScoringFormulas": (
        "{ redFlagScoringFormulas { version weights } }",
        lambda t: {},
        set(ROLES),
        "",
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_permission_matrix(gql: GraphQLClient, town: Town, operation: str, role: str):
    query, variables, allowed, payload = OPERATIONS[operation]
    prepared = variables(town)
    caller = _caller(town, role)
    if caller is not None:
        gql.login(caller)
    body = gql(query, prepared)
    if role in allowed:
        assert "errors" not in body, body
        if payload:
            assert body["data"][payload]["errors"] == [], body
    else:
        codes = [e["extensions"]["exception"]["code"] for e in body.get("errors", [])]
        assert codes == ["PermissionDenied"], body


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "first", "last", "code"),
    [
        ("MONTH", "2026-13", None, "INVALID_PERIOD"),
        ("MONTH", "2999-01", None, "PERIOD_IN_FUTURE"),
        ("QUARTER", "2025-Q3", "2025-Q1", "PERIOD_REVERSED"),
        ("QUARTER", "2025-07", None, "INVALID_PERIOD"),
    ],
)
def test_bad_periods_are_coded_errors(gql, town, kind, first, last, code):
    gql.login(town.officer)
    body = gql(REPORTS, {"t": _gid("Township", town.township.pk), "k": kind, "a": first, "b": last})
    assert [e["extensions"]["exception"]["code"] for e in body["errors"]] == [code]


def test_red_flag_for_a_future_quarter_is_refused(gql, town):
    gql.login(town.officer)
    body = gql(RANKING, {"t": _gid("Township", town.township.pk), "q": "2999-Q1"})
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PERIOD_IN_FUTURE"


def test_appointing_someone_failing_criteria_without_exception_is_a_coded_error(gql, town):
    gql.login(town.officer)
    data = gql.data(APPOINT, _appoint_input(town, birthDate="1960-01-01"))
    assert data["administratorAppoint"]["errors"][0]["code"] == "CRITERIA_NOT_MET"
    data = gql.data(
        APPOINT,
        _appoint_input(town, birthDate="1960-01-01", exceptionReason="经验丰富，镇党委同意"),
    )
    assert data["administratorAppoint"]["term"]["criteriaFailed"] == ["age"]


def test_claim_with_bad_evidence_or_ids_is_a_coded_error(gql, town):
    gql.login(town.managers[0])
    gif = base64.b64encode(b"GIF89a....").decode()
    data = gql.data(
        CLAIM_CREATE, _claim_input(town, evidence=[{"name": "x.pdf", "contentBase64": gif}])
    )
    assert data["certificationClaimCreate"]["errors"][0]["code"] == "EVIDENCE_TYPE"
    data = gql.data(CLAIM_CREATE, _claim_input(town, product="not-an-id"))
    assert data["certificationClaimCreate"]["errors"][0]["code"] == "INVALID"
    data = gql.data(
        CLAIM_CREATE, _claim_input(town, evidence=[{"name": "x.pdf", "contentBase64": "***"}])
    )
    assert data["certificationClaimCreate"]["errors"][0]["code"] == "INVALID"
    data = gql.data(CLAIM_CREATE, _claim_input(town, validUntil="2020-01-01"))
    assert data["certificationClaimCreate"]["errors"][0]["field"] == "validUntil"


def test_deciding_twice_is_a_coded_error(gql, town):
    claim = file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))
    gql.login(town.officer)
    variables = {"id": _gid("CertificationClaim", claim.pk), "ok": False, "r": "缺公章"}
    assert (
        gql.data(CLAIM_DECIDE, variables)["certificationClaimDecide"]["claim"]["status"]
        == "REJECTED"
    )
    again = gql.data(CLAIM_DECIDE, variables)["certificationClaimDecide"]["errors"]
    assert again[0]["code"] == "INVALID_TRANSITION"


def test_report_file_downloads_both_formats(gql, town):
    gql.login(town.county_officer)
    report = _report(town)
    for fmt, magic in (("XLSX", b"PK"), ("PDF", b"%PDF")):
        data = gql.data(FILE, {"id": _gid("PeriodicReport", report.pk), "f": fmt})
        assert base64.b64decode(data["periodicReportFile"]["contentBase64"]).startswith(magic)


def test_county_sees_the_townships_filings(gql, town):
    report = _report(town)
    gql.login(town.officer)
    gql.data(SUBMIT, {"id": _gid("PeriodicReport", report.pk)})
    gql.login(town.county_officer)
    edges = gql.data(REPORTS, {"c": _gid("County", town.county.pk)})["periodicReports"]["edges"]
    assert [e["node"]["filing"] for e in edges] == [{"note": "按时"}]


# --- query counts --------------------------------------------------------------------------


def _count(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body = gql(query, variables)
    assert "errors" not in body, body
    return len(ctx.captured_queries)


def test_reports_connection_query_count_is_constant(gql, town):
    gql.login(town.county_officer)
    variables = {"c": _gid("County", town.county.pk)}
    period = last_completed(PeriodKind.MONTH)
    report_generate(period=period, township=town.township)
    one = _count(gql, REPORTS, variables)
    for _ in range(4):
        period = period.previous()
        report_generate(period=period, township=town.township)
    report_generate(period=last_completed(PeriodKind.MONTH), county=town.county)
    assert _count(gql, REPORTS, variables) == one


def test_queue_ranking_and_roster_query_counts_are_constant(gql, town):
    gql.login(town.officer)
    queue = {"t": _gid("Township", town.township.pk)}
    file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))
    factories.shop(village_obj=factories.village(township_obj=town.township), status="APPLIED")
    queue_one = _count(gql, QUEUE, queue)
    for index in range(4):
        file_claim(town.managers[1], factories.product(shop_obj=town.shops[1]), number=f"N-{index}")
        factories.shop(village_obj=factories.village(township_obj=town.township), status="APPLIED")
    assert _count(gql, QUEUE, queue) == queue_one

    ranking_run(township=town.other_township, quarter=last_completed(PeriodKind.QUARTER))
    gql.login(town.admin)
    few = _count(gql, RANKING, {"t": _gid("Township", town.other_township.pk), "q": _quarter()})
    history_few = _count(gql, HISTORY, {"t": _gid("Township", town.other_township.pk)})
    ranking_run(township=town.township, quarter=last_completed(PeriodKind.QUARTER))
    ranking_run(township=town.township, quarter=last_completed(PeriodKind.QUARTER).previous())
    many = _count(gql, RANKING, {"t": _gid("Township", town.township.pk), "q": _quarter()})
    assert few == many
    assert _count(gql, HISTORY, {"t": _gid("Township", town.township.pk)}) == history_few

    village = town.shops[0].village
    roster = {"v": _gid("Village", village.pk)}
    administrator_appoint(
        officer=town.officer,
        village=village,
        post="STATION",
        administrator=town.managers[0],
        is_party_member=True,
        birth_date=datetime.date(1990, 1, 1),
        education="COLLEGE",
        effective_from=datetime.date(2025, 1, 1),
    )
    one = _count(gql, ROSTER, roster)
    for year, person in ((2026, town.managers[1]), (2027, town.managers[2])):
        administrator_appoint(
            officer=town.officer,
            village=village,
            post="STATION",
            administrator=person,
            is_party_member=True,
            birth_date=datetime.date(1990, 1, 1),
            education="COLLEGE",
            effective_from=datetime.date(year, 1, 1),
            replacement_reason="换届",
        )
    assert _count(gql, ROSTER, roster) == one


def test_platform_queue_lists_recommended_shops_and_approving_empties_it(gql, town):
    from marketplace.organisations.models import Shop as ShopRow

    recommended = _recommended_shop(town)
    factories.shop(village_obj=factories.village(township_obj=town.township), status="APPLIED")
    gql.login(town.admin)
    items = gql.data(PLATFORM_QUEUE)["platformApprovalQueue"]
    assert [(i["kind"], i["key"]) for i in items] == [
        ("SHOP_RECOMMENDATION", f"platform-shop:{recommended.pk}")
    ]
    assert "材料齐全，推荐" in items[0]["evidence"]
    variables = {"s": _gid("Shop", recommended.pk), "ok": True, "r": "同意"}
    assert gql.data(PLATFORM_DECIDE, variables)["platformApprovalQueueShopDecide"]["errors"] == []
    assert ShopRow.objects.get(pk=recommended.pk).status == "APPROVED"
    assert gql.data(PLATFORM_QUEUE)["platformApprovalQueue"] == []
    again = gql.data(PLATFORM_DECIDE, variables)["platformApprovalQueueShopDecide"]["errors"]
    assert again[0]["code"] == "INVALID_TRANSITION"
    empty = gql.data(PLATFORM_DECIDE, {**variables, "r": " "})["platformApprovalQueueShopDecide"]
    assert empty["errors"][0]["code"] in {"REQUIRED", "INVALID_TRANSITION"}


def test_platform_queue_query_count_is_constant(gql, town):
    gql.login(town.admin)
    _recommended_shop(town)
    one = _count(gql, PLATFORM_QUEUE, {})
    for _ in range(4):
        _recommended_shop(town)
    assert _count(gql, PLATFORM_QUEUE, {}) == one
