from kefu_shared.migrations import run_env
from ticket.settings import TicketSettings
from ticket.tables import Base

run_env(Base.metadata, lambda: TicketSettings().database_url)
