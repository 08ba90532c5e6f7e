"""pazar's own pages: the OpenAPI documents of every dialect and the offline documentation page."""
