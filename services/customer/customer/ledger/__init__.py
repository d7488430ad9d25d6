"""Sales ledger: orders/invoices and payments per customer, imported from the ERP."""
