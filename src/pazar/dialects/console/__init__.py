"""Server-rendered pages: login and consent for every dialect's authorization flow, the home page."""
