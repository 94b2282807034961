"""The read API: ``/api/v1/``, documented at ``/api/docs`` (OpenAPI 3)."""

from ninja import NinjaAPI

from stocktake.initiatives.api import router as initiatives_router
from stocktake.organisations.api import router as organisations_router
from stocktake.search.api import router as search_router
from stocktake.vocabularies.api import router as vocabularies_router

api = NinjaAPI(
    title="Stocktake API",
    version="1",
    description=(
        "Open data on multi-stakeholder partnerships, public-private partnerships and ICT-for-development "
        "initiatives. Lists are paginated (`page`, `page_size`) in a stable order. Initiatives take the "
        "same filters as the web list."
    ),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/v1/initiatives", initiatives_router)
api.add_router("/v1/organisations", organisations_router)
api.add_router("/v1/vocabularies", vocabularies_router)
api.add_router("/v1/search", search_router)
