"""Receivers for portal's signals. The rollup issue connects the enqueue of a county-week here."""
