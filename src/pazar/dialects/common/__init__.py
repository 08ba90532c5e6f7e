"""What every dialect shares at the HTTP edge: body reading, site selection, sessions, auth."""
