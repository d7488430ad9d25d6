"""Event handlers of the complaint service, by event type."""

from complaint.models import customer_copies
from kefu_shared.consumer import Handler
from kefu_shared.replicas import customer_copy_handlers

HANDLERS: dict[str, Handler] = {
    **customer_copy_handlers(customer_copies),
}
