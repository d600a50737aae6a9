"""The scoring engine behind ``evaluate()`` (see docs/architecture.md for the map).

Modules, in the order the data flows: :mod:`.settings` (options, checked once), :mod:`.encode` (codes and
count matrices), :mod:`.consensus` (per vendor, and the usability reference), :mod:`.statistics` (the named
bootstrapped statistics), then one function per Report frame in :mod:`.frames`, :mod:`.classes`,
:mod:`.compare` and :mod:`.people`; :mod:`.run` chains them.
"""
