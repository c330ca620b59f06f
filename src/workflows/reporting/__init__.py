"""Reports for Delegated Safeguarding Partners: charts and tables built from the partnership's data."""
