"""Services → Avail Service: the catalog, its search, and Get Bill Details."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from server.api.answers import checked
from server.api.deps import CurrentKiosk
from server.catalog import Catalog
from server.core.errors import NotFound
from server.core.fields import PathName, Text
from server.payments import Payments
from server.payments.schemas import BillPublic, CatalogPublic, FetchIn, SearchPublic, ServicePublic

router = APIRouter(tags=["services"])


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


@router.get("/catalog", response_model=CatalogPublic)
def catalog(
    request: Request,
    _kiosk: CurrentKiosk,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The whole catalog for the client's offline cache; send If-None-Match to get 304 when unchanged."""
    cat = _catalog(request)
    etag = f'"{cat.version}"'
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    answer = checked(CatalogPublic, cat.public())
    answer.headers["ETag"] = etag
    return answer


@router.get("/catalog/search", response_model=SearchPublic)
def search(
    request: Request,
    _kiosk: CurrentKiosk,
    q: Annotated[str, Query(), Text(100)] = "",
    category: Annotated[Annotated[str, Text(40)] | None, Query()] = None,
    department: Annotated[Annotated[str, Text(40)] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Response:
    cat = _catalog(request)
    hits = cat.index.search(q, limit=limit, category=category, department=department)
    return checked(
        SearchPublic, {"version": cat.version, "results": [{**h.service.public(), "score": h.score} for h in hits]}
    )


@router.get("/catalog/services/{code}", response_model=ServicePublic)
def service(code: PathName, request: Request, _kiosk: CurrentKiosk) -> Response:
    found = _catalog(request).services.get(code)
    if found is None:
        raise NotFound("no such service in the catalog", code="unknown_service")
    return checked(ServicePublic, found.public())


@router.post("/bills/fetch", response_model=BillPublic)
def fetch_bill(body: FetchIn, request: Request, _kiosk: CurrentKiosk) -> Response:
    """Get Bill Details: what the department says is due, for the operator to match with the paper bill."""
    payments = _payments(request)
    service, _consumer, _values, bill = payments.fetch(body.service_code, body.fields)
    return checked(BillPublic, payments.bill_public(service, bill))
