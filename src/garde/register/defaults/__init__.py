"""The seeded register of the operator "inherent", read from its published policy (version of
09/12/2022, ``seed/000_61484cf236786941.txt``).

Each activity (``activities`` for the operator's services, ``websites`` for its websites) is
one processing the policy describes. Where the policy is silent, the usual French reference
value is filled in and the field is named in ``not_stated`` (or the rule has
``not_stated=True``), so the DPO sees what is still to decide. Loading (``loading``) is
idempotent and never overwrites what the DPO has since edited: existing rows are left as they
are.
"""

from garde.register.defaults.loading import (
    ACTIVITIES,
    demo_load,
    register_load_default,
    taxonomy_load,
)

__all__ = ["ACTIVITIES", "demo_load", "register_load_default", "taxonomy_load"]
