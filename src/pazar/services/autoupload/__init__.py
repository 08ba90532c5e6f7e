"""The Autoupload (OLX Brasil import API) use cases, on the shared advert core.

``site_data`` turns the shipped Brasil files into the standard reference rows; ``rules`` builds the
Brasil-only checks (``domain.brasil``) from them (``pazar.wiring`` registers them); ``imports``
takes an import (validation, limits, the batch and its job); ``processing`` is the worker's side
(the same advert services as Partner API v2, in bulk); ``images`` downloads, checks and stores the
ads' images; ``catalog`` serves the vehicle catalogues.
"""
