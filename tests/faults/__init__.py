"""Fault tests: damaged inputs, a damaged cache and overrides, each checked for what a person sees
(one clear line, the right exit code, the old cache kept) rather than for internals."""
