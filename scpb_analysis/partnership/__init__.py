"""Partnership data the police do not publish: CCTV, ASB, CS MARAC, Prevent and DA MARAC.

``schema`` holds the input templates and data dictionary, ``loaders`` turns real exports into
tidy tables (dropping personal fields at load), ``tables`` builds the board's tables, and
``demo`` writes synthetic inputs in the template formats.
"""
