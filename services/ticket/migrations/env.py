from ticket.models import Base
from ticket.settings import TicketSettings
from kefu_shared.migrations import run_env

run_env(Base.metadata, lambda: TicketSettings().database_url)
