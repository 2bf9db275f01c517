"""Sales pages, one module per entity: customers and products, quotes (with the customer's
public page), invoices and credit notes. Each module lists its own ``urls``."""
