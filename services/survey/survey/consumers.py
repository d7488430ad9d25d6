"""Event handlers of the survey service, by event type."""

from kefu_shared.consumer import Handler
from kefu_shared.replicas import customer_copy_handlers
from survey.models import customer_copies

HANDLERS: dict[str, Handler] = {
    **customer_copy_handlers(customer_copies),
}
