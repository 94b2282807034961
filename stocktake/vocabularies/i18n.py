"""Marks the names of Stocktake's own vocabularies (data/stakeholder_groups.yaml, data/country_groups.yaml)
for translation, so the extractor finds them; templates show them through gettext.

Official vocabularies (SDGs, countries) carry their translations in their data files instead.
"""

from django.utils.translation import gettext_noop

NAMES = (
    gettext_noop("Government"),
    gettext_noop("Private sector"),
    gettext_noop("Civil society"),
    gettext_noop("International organisation"),
    gettext_noop("Academic and research"),
    gettext_noop("Technical community"),
    gettext_noop("Multi-stakeholder partnership"),
    gettext_noop("Least Developed Countries"),
    gettext_noop("Landlocked Developing Countries"),
    gettext_noop("Small Island Developing States"),
    gettext_noop("Developing countries"),
    gettext_noop("All UN Member States"),
)
