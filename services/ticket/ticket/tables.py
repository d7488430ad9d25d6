"""Import every model module so ``Base.metadata`` knows all tables (Alembic, tests)."""

from ticket import catalog, models

Base = models.Base
__all__ = ["Base", "catalog"]
