"""The conformance suite: DESIGN §3's behaviour, run on every adapter through the ``pe_host`` fixture."""
