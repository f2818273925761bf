"""Integration with the store, the ERP and marketplaces: signed webhooks delivered from the outbox, and the
customer's e-mails, both sent by `wms worker`."""
