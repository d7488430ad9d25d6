from customer.models import Base
from customer.settings import CustomerSettings
from kefu_shared.migrations import run_env

run_env(Base.metadata, lambda: CustomerSettings().database_url)
