"""The API: ``/api/v1/``, documented at ``/api/docs`` (OpenAPI 3). Reads are public; writes take a token."""

from ninja import NinjaAPI

from stocktake.accounts.api import install_error_handlers, me_router, memberships_router
from stocktake.governance.api import records_router, reviews_router
from stocktake.initiatives.api import router as initiatives_router
from stocktake.monitoring.api import router as monitoring_router
from stocktake.organisations.api import router as organisations_router
from stocktake.search.api import router as search_router
from stocktake.vocabularies.api import router as vocabularies_router

api = NinjaAPI(
    title="Stocktake API",
    version="1",
    description=(
        "Open data on multi-stakeholder partnerships, public-private partnerships and ICT-for-development "
        "initiatives. Lists are paginated (`page`, `page_size`) in a stable order. Initiatives take the "
        "same filters as the web list.\n\n"
        "Writing (registering and editing records, the review workflow, memberships) needs an API token "
        "with the write scope, made in your account page and sent as `Authorization: Bearer stk_…`. "
        "Requests are limited per token and, without one, per address; over the limit the answer is 429 "
        "with `Retry-After` (seconds). Errors are JSON: `detail` says why, `errors` names each wrong field."
    ),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/v1/initiatives", initiatives_router)
api.add_router("/v1/organisations", organisations_router)
api.add_router("/v1/vocabularies", vocabularies_router)
api.add_router("/v1/search", search_router)
api.add_router("/v1/me", me_router)
api.add_router("/v1/memberships", memberships_router)
api.add_router("/v1/records", records_router)
api.add_router("/v1/reviews", reviews_router)
api.add_router("/v1", monitoring_router)
install_error_handlers(api)
