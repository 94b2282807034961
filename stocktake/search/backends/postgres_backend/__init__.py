"""The PostgreSQL backend: the index lives in the database, so every web server shares it.

Its tables are made here with raw DDL, not Django models: tsvector, GIN and arrays are PostgreSQL's
own and the project also runs on SQLite, where this backend is refused.

    search_pg_initiative     one row per initiative: the weighted tsvector, the ids of its
                             classification titles and of its facet values, the sort keys
    search_pg_filter         the same without the tsvector and titles, for lists without words:
                             a tenth of the pages to read (a join instead would cost the searches
                             with words more than the copy costs the writes)
    search_pg_body           the summary and sections, read for the snippets of a page only
    search_pg_phrase         each distinct classification title (countries, regions, groups, Action
                             Lines, SDGs, in every language) with its own tsvector
    search_pg_value          each facet value ("country:KE", "start_year:2019", "budget:1m-10m") and
                             its id: the facet's number in the high bits, so SQL tells facets apart
    search_pg_count          how many initiatives hold each value (and id 0: all of them), kept up to
                             date by every write: the counts of an unfiltered list are read here
    search_pg_organisation   one row per organisation
    search_pg_state          one JSON row: ``IndexState``

Classification titles are most of a document's words but shared by thousands of documents: kept
apart, they leave the tsvectors small (ranking reads every match's tsvector), and a word is looked
up among a few thousand titles, then matched to the documents by GIN over their ids. Facet values
are counted as integers (unnest and GROUP BY over the matching rows), twice as fast as text. Ids of
titles and values are never reused, and a rebuild starts from the live ones, so a process may keep
what it learnt of them.

Text is folded in Python (``core.text.fold``: no dependency on the unaccent extension) and indexed
per language with that language's text search configuration when the server has it, 'simple'
otherwise. Weights: A code, identifiers and titles; B partner names; C classification titles;
D summary and sections. Chinese, Japanese and Korean runs are indexed as overlapping pairs and single
characters (``search.text``), codes as upper-case lexemes no parsed word can be (parsers lowercase);
both are written as tsvector literals built here.

A query's words never reach ``to_tsquery``: each term goes through ``phraseto_tsquery`` (plain text)
for every configuration, and the tsquery is assembled from those results and lexemes quoted here.
Table names in the SQL are this package's constants; every value is a parameter.
"""

from stocktake.search.backends.postgres_backend.backend import PostgresBackend

__all__ = ["PostgresBackend"]
