"""Commands of the ``cadence`` command line, one a module, registered by ``cadence.cli``."""
