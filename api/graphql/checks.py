"""Input checks that need the graph: ids and codes must name something (else NotFound)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.validation import References, refuse_unknown
from graph import explore


async def refuse_unknown_references(info: Info, references: References) -> None:
    """UnknownValueError for the first place, country, periodical or corpus the graph does not
    hold."""
    places, countries, periodicals, corpora = references.all_values()
    if not (places or countries or periodicals or corpora):
        return
    missing = await run_in_threadpool(
        explore.missing_references,
        info.context.resources.db,
        places,
        countries,
        periodicals,
        corpora,
    )
    refuse_unknown(references, missing)
