from kefu_shared.migrations import run_env
from ticket.models import Base
from ticket.settings import TicketSettings

run_env(Base.metadata, lambda: TicketSettings().database_url)
