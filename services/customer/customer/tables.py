"""Import every model module so ``Base.metadata`` knows all tables (Alembic, tests)."""

from customer import models, records
from customer.analytics import models as analytics_models
from customer.classification import models as classification_models
from customer.credit import models as credit_models
from customer.ledger import models as ledger_models

Base = models.Base
__all__ = [
    "Base",
    "analytics_models",
    "classification_models",
    "credit_models",
    "ledger_models",
    "records",
]
