"""The RE Partner API's use cases (imovirtual.com): site data, auth, async operations, meta, migration.

``checks`` is the site's extra validation, registered with the advert core by ``pazar.wiring``.
"""
