"""Tables of the complaint service."""

from kefu_shared.db import PlatformTables, ServiceBase, make_metadata
from kefu_shared.replicas import customer_copy_table


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata, audit=True, jobs=True)
customer_copies = customer_copy_table(Base.metadata)
