"""The Autoupload (OLX Brasil import API) use cases, on the shared advert core.

``site_data`` turns the shipped Brasil files into the standard reference rows; ``rules`` builds the
Brasil-only checks (``domain.brasil``) from them and registers them with the advert core; ``imports``
takes an import (validation, limits, the batch and its job); ``processing`` is the worker's side
(the same advert services as Partner API v2, in bulk); ``images`` downloads, checks and stores the
ads' images; ``catalog`` serves the vehicle catalogues.
"""

from pazar.services import adverts
from pazar.services.autoupload.rules import EXTRA_CHECK_NAME, extra_checks_for

adverts.EXTRA_CHECKS[EXTRA_CHECK_NAME] = extra_checks_for
