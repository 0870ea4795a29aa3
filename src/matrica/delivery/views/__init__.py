"""Delivery pages, thin over the actions and selectors: sessions and their people (sessions),
the files a session gives out (files: the register PDF, `.ics`, calendar feeds) and the modules
and trainer pool (pool)."""
