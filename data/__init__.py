"""Read, validate and join London's open GP-provision data into tidy frames.

No Dash here: everything in this package is plain pandas/GeoPandas so that the
analytics (`geo/`) and the tests can use it without a browser.
"""
