from complaint.models import Base
from complaint.settings import ComplaintSettings
from kefu_shared.migrations import run_env

run_env(Base.metadata, lambda: ComplaintSettings().database_url)
