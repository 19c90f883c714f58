"""Tables of the store front desk, split by domain (see each module)."""

from app.blueprints.store.models.cards import CardLedgerEntry, MemberCard
from app.blueprints.store.models.catalogue import (
    MembershipLevel,
    Product,
    ServiceItem,
    StoreServicePrice,
    TherapistQualification,
)
from app.blueprints.store.models.customers import Customer
from app.blueprints.store.models.dispatch import BoardEntry, BoardSuspension, DispatchLog
from app.blueprints.store.models.feedback import ComplaintCase, Feedback
from app.blueprints.store.models.orders import BusinessDay, Order, OrderLine, ServiceJob
from app.blueprints.store.models.payments import Payment, Refund
from app.blueprints.store.models.reservations import Reservation
from app.blueprints.store.models.rollups import StoreDayRollup

__all__ = [
    "BoardEntry",
    "BoardSuspension",
    "BusinessDay",
    "CardLedgerEntry",
    "ComplaintCase",
    "Customer",
    "DispatchLog",
    "Feedback",
    "MemberCard",
    "MembershipLevel",
    "Order",
    "OrderLine",
    "Payment",
    "Product",
    "Refund",
    "Reservation",
    "ServiceItem",
    "ServiceJob",
    "StoreDayRollup",
    "StoreServicePrice",
    "TherapistQualification",
]


def _register_path_objects() -> None:
    """Ids of these objects in URLs are resolved centrally (app.permissions)."""
    from app.permissions import register_path_object

    for argument, model in {
        "business_day_id": BusinessDay,
        "order_id": Order,
        "line_id": OrderLine,
        # "job_id" names a background job (app.jobs): a therapist's job is a service job.
        "service_job_id": ServiceJob,
        "entry_id": BoardEntry,
        "customer_id": Customer,
        "card_id": MemberCard,
        "reservation_id": Reservation,
        "refund_id": Refund,
        "payment_id": Payment,
        "feedback_id": Feedback,
        "complaint_id": ComplaintCase,
        "service_item_id": ServiceItem,
        "product_id": Product,
        "level_id": MembershipLevel,
    }.items():
        register_path_object(argument, model)


_register_path_objects()
