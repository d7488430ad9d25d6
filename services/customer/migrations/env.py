from customer.settings import CustomerSettings
from customer.tables import Base
from kefu_shared.migrations import run_env

run_env(Base.metadata, lambda: CustomerSettings().database_url)
