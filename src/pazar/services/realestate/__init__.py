"""The RE Partner API's use cases (imovirtual.com): site data, auth, async operations, meta, migration.

Importing the package registers the site's extra validation checks (``checks``).
"""

from pazar.services.realestate import checks as checks

__all__ = ["checks"]
