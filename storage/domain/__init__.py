"""The domain: an incident and its parts, promises, close-out, the clock, and the shared rules.

Depends on nothing else in mishap; everything else depends on it.
"""
