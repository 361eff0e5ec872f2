"""Reprint: a past receipt found by receipt number, consumer number (K No.), mobile or date — in this PC's
receipt spool first, on the server when the spool no longer has it — and printed again marked DUPLICATE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import PaymentPublic, ReceiptSearchPublic
from kiosk_app.errors import InvalidField, KioskError, ServerUnreachable, UnknownService
from kiosk_app.receipts import from_payment
from kiosk_app.services import ServiceCatalog
from kiosk_app.worker import Worker
from offline_cache.receipt_spool import SpooledReceipt
from offline_cache.store import LocalStore
from printing.receipt import IST, Bilingual, HelpDesk, Receipt
from rules.contact import is_mobile, normalise_mobile

FROM_SERVER = ":from-server"  # the spool key of a receipt fetched again: never the original's (a PROVISIONAL one)


class SearchBy(StrEnum):
    RECEIPT_NO = "receipt_no"
    CONSUMER_NO = "consumer_no"
    MOBILE = "mobile"
    DATE = "date"


class Source(StrEnum):
    SPOOL = "spool"  # this PC's receipt spool
    SERVER = "server"  # the server's record of the payment (the spool no longer had it)


@dataclass(frozen=True)
class FoundReceipt:
    receipt: Receipt
    spool_id: int
    source: Source
    copies_printed: int


@dataclass(frozen=True)
class Search:
    by: SearchBy
    text: str = ""
    day: date | None = None

    def cleaned(self) -> str:
        """The value as the spool and the server compare it; InvalidField (beside the field) when it cannot be."""
        if self.by is SearchBy.DATE:
            if self.day is None:
                raise InvalidField(code="search_key_required", details={"field": "date"})
            return self.day.isoformat()
        typed = self.text.strip()
        if not typed:
            raise InvalidField(code="search_key_required", details={"field": "value"})
        if self.by is SearchBy.MOBILE:
            digits = normalise_mobile(typed)
            if not is_mobile(digits):
                raise InvalidField(code="invalid_mobile", details={"field": "value"})
            return digits
        return typed.upper() if self.by is SearchBy.RECEIPT_NO else typed


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The IST business day `day` as the instants it starts and ends."""
    start = datetime.combine(day, time(), IST)
    return start, start + timedelta(days=1)


class Reprints:
    """Finds past receipts and keeps those fetched from the server in the spool, so the desk reprints them."""

    def __init__(
        self,
        api: ApiClient,
        store: LocalStore,
        worker: Worker,
        connectivity: Connectivity,
        catalog: ServiceCatalog,
        help_desk: HelpDesk,
    ) -> None:
        self.api = api
        self.store = store
        self.worker = worker
        self.connectivity = connectivity
        self.catalog = catalog
        self.help_desk = help_desk

    def find(self, search: Search) -> list[FoundReceipt]:
        """The receipts that match, newest first: the spool's, else the server's (Refused receipt_not_found)."""
        value = search.cleaned()
        found = self.worker.call(lambda: self._in_spool(search, value))
        if found:
            return found
        return self._from_server(search, value)

    def _in_spool(self, search: Search, value: str) -> list[FoundReceipt]:
        spool = self.store.spool
        if search.by is SearchBy.DATE:
            assert search.day is not None
            entries = spool.spooled_between(*_day_bounds(search.day))
        else:
            field = {SearchBy.MOBILE: "contact_mobile"}.get(search.by, search.by.value)
            entries = spool.matching(field, value)
        found = []
        for entry in entries:
            receipt = Receipt.from_json(entry.receipt_json)
            if search.day is not None and receipt.paid_at_ist.date() != search.day:
                continue
            found.append(_found(receipt, entry, Source.SPOOL))
        return found

    def _from_server(self, search: Search, value: str) -> list[FoundReceipt]:
        params = {"date" if search.by is SearchBy.DATE else search.by.value: value}
        try:
            body = self.api.get("/receipts", params=params)
        except ServerUnreachable:
            self.connectivity.report(False)
            raise
        self.connectivity.report(True)
        found = []
        for payment in ReceiptSearchPublic.parse(body).receipts:
            receipt = from_payment(payment, self._label(payment), self.help_desk, self.api.base_url)
            key = f"{payment.operation_id}{FROM_SERVER}"

            def keep(receipt: Receipt = receipt, key: str = key) -> SpooledReceipt:
                spool = self.store.spool
                return spool.get(spool.add_reprinted(key, receipt.to_json()))

            found.append(_found(receipt, self.worker.call(keep), Source.SERVER))
        return found

    def _label(self, payment: PaymentPublic) -> Bilingual:
        """The consumer number's label as the service names it (K No.), from the catalog kept on this PC."""
        code = payment.bills[0].service_code
        try:
            try:
                service = self.catalog.service(code)
            except UnknownService:
                self.catalog.refresh()
                service = self.catalog.service(code)
        except KioskError:  # not in the catalog, or the catalog cannot be fetched now
            return Bilingual.of("printed.consumer_no")
        return service.fields[0].label if service.fields else Bilingual.of("printed.consumer_no")


def _found(receipt: Receipt, entry: SpooledReceipt, source: Source) -> FoundReceipt:
    return FoundReceipt(receipt, entry.id, source, entry.copies_printed)
